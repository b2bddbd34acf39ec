// Package scantest prepares notes for tests of the procedure and E/M coders
// without the nlp pipeline: a heading is an all-capitals line or a known
// "Heading:" prefix; a line not ending in punctuation runs on into the
// next; sentences end at ". ".
package scantest

import (
	"strings"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// Note splits text into sentences with their section headings.
func Note(text string) *scan.Note {
	type line struct {
		start, end int
		section    string
	}
	var lines []line
	section := ""
	off := 0
	for _, raw := range strings.SplitAfter(text, "\n") {
		start := off
		off += len(raw)
		body := strings.TrimSpace(raw)
		if body == "" {
			continue
		}
		start += strings.Index(raw, body)
		end := start + len(body)
		if isCapsHeading(body) {
			section = body
			continue
		}
		lineSection := section
		head, _, labelled := strings.Cut(body, ":")
		if labelled && scan.KindOf(head) != scan.Other {
			lineSection = head
		}
		if n := len(lines); n > 0 && !labelled && !strings.ContainsAny(text[lines[n-1].end-1:lines[n-1].end], ".:;!?") {
			lines[n-1].end = end // a wrapped line continues its sentence
			continue
		}
		lines = append(lines, line{start, end, lineSection})
	}
	var spans []scan.Span
	for _, l := range lines {
		for s := l.start; s < l.end; {
			e := strings.Index(text[s:l.end], ". ")
			if e < 0 {
				spans = append(spans, scan.Span{Start: s, End: l.end, Section: l.section})
				break
			}
			spans = append(spans, scan.Span{Start: s, End: s + e + 1, Section: l.section})
			s += e + 2
			for s < l.end && (text[s] == ' ' || text[s] == '\n') {
				s++
			}
		}
	}
	return scan.New(text, spans)
}

func isCapsHeading(s string) bool {
	letters := 0
	for _, r := range s {
		if r >= 'a' && r <= 'z' {
			return false
		}
		if r >= 'A' && r <= 'Z' {
			letters++
		}
	}
	return letters >= 2 && len(s) < 60
}
