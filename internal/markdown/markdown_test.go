package markdown

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"heading with id", "# Terms of Service", `<h1 id="terms-of-service">Terms of Service</h1>`},
		{"heading levels and closing hashes", "### Your rights ###", `<h3 id="your-rights">Your rights</h3>`},
		{"duplicate heading ids", "## A\n## A", `<h2 id="a">A</h2>` + "\n" + `<h2 id="a-2">A</h2>`},
		{"heading without letters", "## ???", `<h2 id="section">???</h2>`},
		{"paragraphs", "one\ntwo\n\nthree", "<p>one\ntwo</p>\n<p>three</p>"},
		{"emphasis", "a *b* _c_ **d** __e__", "<p>a <em>b</em> <em>c</em> <strong>d</strong> <strong>e</strong></p>"},
		{"nested emphasis", "**a *b* c**", "<p><strong>a <em>b</em> c</strong></p>"},
		{"snake_case stays text", "use snake_case_names here", "<p>use snake_case_names here</p>"},
		{"unclosed emphasis", "2 * 3 and *open", "<p>2 * 3 and *open</p>"},
		{"code span escapes", "`<b>&`", "<p><code>&lt;b&gt;&amp;</code></p>"},
		{"backslash escape", `\*not em\*`, "<p>*not em*</p>"},
		{"link", "[our terms](/terms)", `<p><a href="/terms">our terms</a></p>`},
		{"external link", "[site](https://example.org/a?b=1&c=2)",
			`<p><a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">site</a></p>`},
		{"mailto", "[write](mailto:privacy@example.org)", `<p><a href="mailto:privacy@example.org">write</a></p>`},
		{"javascript link is text", "[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"},
		{"data link is text", "[x](data:text/html,hi)", "<p>[x](data:text/html,hi)</p>"},
		{"protocol-relative link is text", "[x](//evil.example)", "<p>[x](//evil.example)</p>"},
		{"quote in URL refused", `[x](/a"onmouseover="b)`, `<p>[x](/a&#34;onmouseover=&#34;b)</p>`},
		{"raw HTML is text", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
		{"attribute breakout is text", `" onload="x`, "<p>&#34; onload=&#34;x</p>"},
		{"entity stays text", "&amp; &lt;", "<p>&amp;amp; &amp;lt;</p>"},
		{"bullet list", "- one\n- two\n  continued\n\nafter", "<ul>\n<li>one</li>\n<li>two\ncontinued</li>\n</ul>\n<p>after</p>"},
		{"ordered list", "1. one\n2) two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"},
		{"marker change starts a new list", "- a\n* b", "<ul>\n<li>a</li>\n</ul>\n<ul>\n<li>b</li>\n</ul>"},
		{"quote", "> quoted\n> more\n>\n> - item", "<blockquote>\n<p>quoted\nmore</p>\n<ul>\n<li>item</li>\n</ul>\n</blockquote>"},
		{"rule", "a\n\n---\n\nb", "<p>a</p>\n<hr>\n<p>b</p>"},
		{"heading interrupts paragraph", "text\n# Head", "<p>text</p>\n<h1 id=\"head\">Head</h1>"},
		{"CRLF", "a\r\nb", "<p>a\nb</p>"},
		{"NUL replaced", "a\x00b", "<p>a\uFFFDb</p>"},
		{"invalid UTF-8 replaced", "a\xffb", "<p>a\uFFFDb</p>"},
		{"link text with bracket", "[a [b](/x)", "<p>[a <a href=\"/x\">b</a></p>"},
		{"empty link text shows URL", "[](/x)", `<p><a href="/x">/x</a></p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.TrimSpace(string(Render(tt.in)))
			if got != tt.want {
				t.Errorf("Render(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if err := checkSafe(got); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestSafeURL(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"https://example.org", true},
		{"HTTP://EXAMPLE.ORG/x", true},
		{"mailto:a@example.org", true},
		{"/privacy#rights", true},
		{"#rights", true},
		{"", false},
		{"https://", false},
		{"mailto:", false},
		{"javascript:alert(1)", false},
		{"JaVaScRiPt:alert(1)", false},
		{"vbscript:x", false},
		{"data:text/html;base64,PHNjcmlwdD4=", false},
		{"//evil.example", false},
		{"/\\evil.example", false},
		{"relative/path", false},
		{"https://a.example/ b", false},
		{"https://a.example/\tb", false},
		{"/a\nb", false},
		{"/a\"b", false},
		{"/" + strings.Repeat("a", 2048), false},
	}
	for _, tt := range tests {
		if got := SafeURL(tt.url); got != tt.want {
			t.Errorf("SafeURL(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

// The renderer's whole promise, checked on any output: every tag is one of
// the few it writes, tags nest properly, every href passes SafeURL, and
// the text between tags holds no markup characters except as entities.
var (
	tagToken    = regexp.MustCompile(`<[^>]*>`)
	allowedTag  = regexp.MustCompile(`^<(?:(/?)(p|em|strong|code|ul|ol|li|blockquote)|hr|(h[1-6]) id="[a-z0-9-]+"|/(h[1-6])|a href="([^"<>]*)"(?: rel="nofollow noopener noreferrer")?|(/a))>$`)
	entity      = regexp.MustCompile(`&(?:amp|lt|gt|#34|#39);`)
	voidOrClose = map[string]bool{"hr": true}
)

func checkSafe(out string) error {
	var stack []string
	last := 0
	for _, loc := range tagToken.FindAllStringIndex(out, -1) {
		if err := checkText(out[last:loc[0]]); err != nil {
			return err
		}
		last = loc[1]
		tag := out[loc[0]:loc[1]]
		m := allowedTag.FindStringSubmatch(tag)
		if m == nil {
			return fmt.Errorf("tag %q is not one the renderer writes", tag)
		}
		var name string
		closing := false
		switch {
		case m[2] != "":
			name, closing = m[2], m[1] == "/"
		case m[3] != "":
			name = m[3]
		case m[4] != "":
			name, closing = m[4], true
		case m[6] != "":
			name, closing = "a", true
		case strings.HasPrefix(tag, "<a "):
			name = "a"
			href := strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(m[5])
			if !SafeURL(href) {
				return fmt.Errorf("link to %q in %q", href, tag)
			}
		default:
			name = "hr"
		}
		if voidOrClose[name] {
			continue
		}
		if !closing {
			stack = append(stack, name)
			continue
		}
		if len(stack) == 0 || stack[len(stack)-1] != name {
			return fmt.Errorf("</%s> closes %v", name, stack)
		}
		stack = stack[:len(stack)-1]
	}
	if err := checkText(out[last:]); err != nil {
		return err
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %v", stack)
	}
	return nil
}

func checkText(s string) error {
	if strings.ContainsAny(entity.ReplaceAllString(s, ""), `<>&"'`+"\x00") {
		return fmt.Errorf("text %q holds an unescaped markup character", s)
	}
	return nil
}

func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"# T\n\nSome *text* with **bold** and `code` and [a link](/x).",
		"- a\n- b\n\n1. c\n2. d\n\n> q\n> > qq\n\n---",
		"<img src=x onerror=alert(1)>",
		"[x](javascript:alert(1)) [y](https://e.org/\"><script>) *_**__`",
		"**a *b **c** d* e**",
		">>>>>>>>>>>> deep",
		"\\",
		"[",
		"*",
		"\xff\xfe",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := string(Render(in))
		if err := checkSafe(out); err != nil {
			t.Fatalf("Render(%q) = %q: %v", in, out, err)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	doc := strings.Repeat("## Section\n\nSome *text* with **bold**, `code` and [a link](https://example.org).\n\n- one\n- two\n\n", 200)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		Render(doc)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Read the [new terms](/terms).", "Read the new terms (https://medcode.example/terms)."},
		{"[](/terms)", "https://medcode.example/terms"},
		{"See [the site](https://example.org) and **bold** `code`.", "See the site (https://example.org) and bold code."},
		{"[bad](javascript:x)", "[bad](javascript:x)"},
		{"*em* stays", "*em* stays"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in, "https://medcode.example/"); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
