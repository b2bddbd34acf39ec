// Package markdown renders the small subset of Markdown that medcode's
// policy documents and service notices use, with nothing but the standard
// library. Operators write these files, but the renderer treats them as
// untrusted all the same: every byte of the input reaches the output HTML
// escaped, and the only markup in the output is the markup the renderer
// writes itself (a fixed set of tags; links only to http, https, mailto,
// same-site paths and anchors). Raw HTML in the input shows as text.
//
// The subset:
//
//	# Heading ... ###### Heading     (each heading gets an id for anchors)
//	paragraphs, separated by blank lines
//	- item / * item / + item         unordered lists
//	1. item / 1) item                ordered lists
//	> quoted text                    block quotes (nesting up to maxQuoteDepth)
//	---                              a horizontal rule
//	**strong**  *emphasis*  _emphasis_  `code`  [text](url)  \* (escape)
//
// Anything else is text.
package markdown

import (
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"
)

// maxQuoteDepth bounds block-quote nesting; deeper ">" are text.
const maxQuoteDepth = 4

// maxInlineDepth bounds nested emphasis; deeper markers are text.
const maxInlineDepth = 8

// maxSpan is how far, in bytes, an emphasis, code span or link may reach
// for its closing delimiter, which keeps rendering linear in the input.
const maxSpan = 4096

// Render converts src to HTML safe to place in a page.
func Render(src string) template.HTML {
	src = strings.ToValidUTF8(src, "\uFFFD")
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	// NUL is the one byte HTML forbids outright.
	src = strings.ReplaceAll(src, "\x00", "\uFFFD")
	r := &renderer{ids: map[string]int{}}
	r.blocks(strings.Split(src, "\n"), 0)
	return template.HTML(r.out.String())
}

type renderer struct {
	out strings.Builder
	ids map[string]int // heading ids used so far, to keep them unique
}

var (
	headingLine = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$`)
	ruleLine    = regexp.MustCompile(`^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$`)
	bulletItem  = regexp.MustCompile(`^ {0,3}([-*+])[ \t]+(.*)$`)
	orderedItem = regexp.MustCompile(`^ {0,3}(\d{1,9})[.)][ \t]+(.*)$`)
	quoteLine   = regexp.MustCompile(`^ {0,3}>[ ]?(.*)$`)
)

func blank(line string) bool { return strings.TrimSpace(line) == "" }

// startsBlock reports whether line begins a block other than a paragraph.
func startsBlock(line string, depth int) bool {
	return headingLine.MatchString(line) || ruleLine.MatchString(line) || bulletItem.MatchString(line) ||
		orderedItem.MatchString(line) || (depth < maxQuoteDepth && quoteLine.MatchString(line))
}

// blocks renders lines as a sequence of blocks; depth is the block-quote
// nesting.
func (r *renderer) blocks(lines []string, depth int) {
	for i := 0; i < len(lines); {
		line := lines[i]
		switch {
		case blank(line):
			i++
		case headingLine.MatchString(line):
			m := headingLine.FindStringSubmatch(line)
			level := strconv.Itoa(len(m[1]))
			text := strings.TrimSpace(m[2])
			r.out.WriteString("<h" + level + ` id="` + r.headingID(text) + `">`)
			r.inline(text, 0)
			r.out.WriteString("</h" + level + ">\n")
			i++
		case ruleLine.MatchString(line):
			r.out.WriteString("<hr>\n")
			i++
		case bulletItem.MatchString(line):
			i = r.list(lines, i, bulletItem, "ul")
		case orderedItem.MatchString(line):
			i = r.list(lines, i, orderedItem, "ol")
		case depth < maxQuoteDepth && quoteLine.MatchString(line):
			var inner []string
			for ; i < len(lines) && quoteLine.MatchString(lines[i]); i++ {
				inner = append(inner, quoteLine.FindStringSubmatch(lines[i])[1])
			}
			r.out.WriteString("<blockquote>\n")
			r.blocks(inner, depth+1)
			r.out.WriteString("</blockquote>\n")
		default:
			var para []string
			for ; i < len(lines) && !blank(lines[i]) && (len(para) == 0 || !startsBlock(lines[i], depth)); i++ {
				para = append(para, strings.TrimSpace(lines[i]))
			}
			r.out.WriteString("<p>")
			r.inline(strings.Join(para, "\n"), 0)
			r.out.WriteString("</p>\n")
		}
	}
}

// list renders the items that start at lines[i] with the same marker kind;
// a line indented under an item continues it. It returns the next line.
func (r *renderer) list(lines []string, i int, item *regexp.Regexp, tag string) int {
	r.out.WriteString("<" + tag + ">\n")
	var marker string
	for i < len(lines) {
		m := item.FindStringSubmatch(lines[i])
		if m == nil || (tag == "ul" && marker != "" && m[1] != marker) {
			break
		}
		marker = m[1]
		text := []string{strings.TrimSpace(m[2])}
		for i++; i < len(lines) && !blank(lines[i]) && !item.MatchString(lines[i]) &&
			(strings.HasPrefix(lines[i], "  ") || strings.HasPrefix(lines[i], "\t")) && !startsBlock(strings.TrimSpace(lines[i]), maxQuoteDepth); i++ {
			text = append(text, strings.TrimSpace(lines[i]))
		}
		r.out.WriteString("<li>")
		r.inline(strings.Join(text, "\n"), 0)
		r.out.WriteString("</li>\n")
	}
	r.out.WriteString("</" + tag + ">\n")
	return i
}

// headingID makes an anchor id from a heading's text: lower-case letters,
// digits and hyphens only, unique within the document.
func (r *renderer) headingID(text string) string {
	var b strings.Builder
	hyphen := false
	for _, c := range strings.ToLower(text) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			hyphen = false
		case !hyphen && b.Len() > 0:
			b.WriteByte('-')
			hyphen = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	id := strings.TrimRight(b.String(), "-")
	if id == "" {
		id = "section"
	}
	r.ids[id]++
	if n := r.ids[id]; n > 1 {
		id += "-" + strconv.Itoa(n)
	}
	return id
}

// inline renders text with emphasis, code spans and links; a line break
// inside a paragraph stays a line break in the source (a space on screen).
func (r *renderer) inline(s string, depth int) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isPunct(s[i+1]):
			r.text(s[i+1 : i+2])
			i += 2
			continue
		case c == '`':
			if j := strings.IndexByte(window(s, i+1), '`'); j > 0 {
				r.out.WriteString("<code>")
				r.text(s[i+1 : i+1+j])
				r.out.WriteString("</code>")
				i += j + 2
				continue
			}
		case (c == '*' || c == '_') && depth < maxInlineDepth:
			if n := r.emphasis(s, i, depth); n > 0 {
				i += n
				continue
			}
		case c == '[':
			if n := r.link(s, i, depth); n > 0 {
				i += n
				continue
			}
		}
		r.text(s[i : i+1])
		i++
	}
}

// emphasis renders the emphasis that opens at s[i] and returns the bytes
// it used, or 0 when s[i] is not an opening delimiter with a closer.
func (r *renderer) emphasis(s string, i, depth int) int {
	c := s[i]
	delim, tag := string(c), "em"
	if strings.HasPrefix(s[i:], string([]byte{c, c})) {
		delim, tag = string([]byte{c, c}), "strong"
	}
	start := i + len(delim)
	// An opener is followed by a non-space; "_" must also start a word, so
	// snake_case stays text.
	if start >= len(s) || isSpace(s[start]) || (c == '_' && i > 0 && isWordByte(s[i-1])) {
		return 0
	}
	for j := start + 1; j+len(delim) <= len(s) && j-start <= maxSpan; j++ {
		if s[j:j+len(delim)] != delim || isSpace(s[j-1]) {
			continue
		}
		end := j + len(delim)
		if c == '_' && end < len(s) && isWordByte(s[end]) {
			continue
		}
		// A single delimiter must not be half of a double one.
		if len(delim) == 1 && end < len(s) && s[end] == c {
			j++
			continue
		}
		r.out.WriteString("<" + tag + ">")
		r.inline(s[start:j], depth+1)
		r.out.WriteString("</" + tag + ">")
		return end - i
	}
	return 0
}

// link renders [text](url) opening at s[i] and returns the bytes it used,
// or 0 when there is no well-formed link there. A link to a URL that is
// not allowed is left as text, so the author sees it.
func (r *renderer) link(s string, i, depth int) int {
	close := strings.IndexByte(window(s, i+1), ']')
	if close < 0 {
		return 0
	}
	text := s[i+1 : i+1+close]
	rest := s[i+1+close+1:]
	if strings.ContainsAny(text, "[") || !strings.HasPrefix(rest, "(") {
		return 0
	}
	end := strings.IndexByte(window(rest, 0), ')')
	if end < 0 {
		return 0
	}
	url := strings.TrimSpace(rest[1:end])
	if !SafeURL(url) {
		return 0
	}
	attrs := ` href="` + html.EscapeString(url) + `"`
	if strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://") {
		attrs += ` rel="nofollow noopener noreferrer"`
	}
	r.out.WriteString("<a" + attrs + ">")
	if text == "" {
		r.text(url)
	} else {
		r.inlineNoLinks(text, depth)
	}
	r.out.WriteString("</a>")
	return 1 + close + 1 + end + 1
}

// inlineNoLinks renders a link's text: emphasis and code, but a "[" there
// is text, since links do not nest.
func (r *renderer) inlineNoLinks(s string, depth int) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '[' {
			b.WriteString(`\[`)
			continue
		}
		b.WriteByte(s[i])
	}
	r.inline(b.String(), depth+1)
}

// SafeURL reports whether a link may point at url: an absolute http, https
// or mailto URL, a same-site path ("/terms") or an anchor ("#rights").
// Whitespace, control characters and backslashes (which browsers treat as
// slashes) are refused anywhere in it.
func SafeURL(url string) bool {
	if url == "" || len(url) > 2048 {
		return false
	}
	for i := 0; i < len(url); i++ {
		if c := url[i]; c <= ' ' || c == 0x7f || c == '\\' || c == '<' || c == '>' || c == '"' || c == '`' {
			return false
		}
	}
	lower := strings.ToLower(url)
	switch {
	case strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "http://"):
		return len(url) > strings.Index(url, "//")+2
	case strings.HasPrefix(lower, "mailto:"):
		return len(url) > len("mailto:")
	case strings.HasPrefix(url, "//"):
		return false // protocol-relative: another site
	case strings.HasPrefix(url, "/"), strings.HasPrefix(url, "#"):
		return true
	}
	return false
}

// window is s[from:] cut to maxSpan bytes.
func window(s string, from int) string {
	return s[from:min(len(s), from+maxSpan)]
}

// text writes s escaped.
func (r *renderer) text(s string) { r.out.WriteString(html.EscapeString(s)) }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isPunct(c byte) bool { return strings.IndexByte("\\`*_{}[]()#+-.!>|~<&\"'", c) >= 0 }

var (
	plainLink   = regexp.MustCompile(`\[([^\[\]]*)\]\(([^()\s]+)\)`)
	plainMarker = regexp.MustCompile("\\*\\*|__|`")
)

// PlainText turns the subset into readable plain text for an email: a
// link becomes "text (URL)", with same-site paths made absolute on base,
// and the strong and code markers go. Other markup reads well as is.
func PlainText(src, base string) string {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = plainLink.ReplaceAllStringFunc(src, func(s string) string {
		m := plainLink.FindStringSubmatch(s)
		text, url := m[1], m[2]
		if !SafeURL(url) {
			return s
		}
		if strings.HasPrefix(url, "/") {
			url = strings.TrimRight(base, "/") + url
		}
		if text == "" || text == url {
			return url
		}
		return text + " (" + url + ")"
	})
	return plainMarker.ReplaceAllString(src, "")
}
