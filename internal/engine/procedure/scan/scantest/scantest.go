// Package scantest prepares notes for tests of the procedure and E/M coders
// without the nlp pipeline: lines are sentences (split again at ". "), and a
// heading is an all-capitals line or a known "Heading:" prefix.
package scantest

import (
	"strings"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// Note splits text into sentences with their section headings.
func Note(text string) *scan.Note {
	var spans []scan.Span
	section := ""
	off := 0
	for _, line := range strings.SplitAfter(text, "\n") {
		start, end := off, off+len(strings.TrimRight(line, "\n"))
		off += len(line)
		body := strings.TrimSpace(text[start:end])
		if body == "" {
			continue
		}
		if isCapsHeading(body) {
			section = body
			continue
		}
		lineSection := section
		if head, _, ok := strings.Cut(body, ":"); ok && scan.KindOf(head) != scan.Other {
			lineSection = head
		}
		for s := start; s < end; {
			e := strings.Index(text[s:end], ". ")
			if e < 0 {
				spans = append(spans, scan.Span{Start: s, End: end, Section: lineSection})
				break
			}
			spans = append(spans, scan.Span{Start: s, End: s + e + 1, Section: lineSection})
			s += e + 2
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
