package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Document names a policy document.
type Document string

// The policy documents. Each is one Markdown file, <name>.md.
const (
	Terms   Document = "terms"
	Privacy Document = "privacy"
)

// Documents lists the documents in the order users see them.
var Documents = []Document{Terms, Privacy}

// Title is how the document is named to users.
func (d Document) Title() string {
	if d == Privacy {
		return "Privacy policy"
	}
	return "Terms of Service"
}

// Path is the page that shows the document.
func (d Document) Path() string { return "/" + string(d) }

func (d Document) valid() bool { return d == Terms || d == Privacy }

// File is one parsed policy file: the front matter and the Markdown body.
type File struct {
	Document Document
	Version  string
	Material bool
	Summary  string
	Body     string
}

// SHA256 is the hex digest of the body, which pins a published version.
func (f *File) SHA256() string {
	sum := sha256.Sum256([]byte(f.Body))
	return hex.EncodeToString(sum[:])
}

// Limits on a policy file.
const (
	maxFileBytes   = 256 << 10
	maxSummaryLen  = 300
	frontMatterSep = "---"
)

var versionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// Parse reads a policy file: a front matter block between two "---"
// lines, with the keys version (required), material (true or false,
// default false) and summary (required when material), then the Markdown
// body. name is the file name used in errors, which give the line.
func Parse(doc Document, name, src string) (*File, error) {
	if !doc.valid() {
		return nil, fmt.Errorf("policy: unknown document %q", doc)
	}
	if len(src) > maxFileBytes {
		return nil, fmt.Errorf("policy: %s: larger than %d KiB", name, maxFileBytes>>10)
	}
	if !utf8.ValidString(src) {
		return nil, fmt.Errorf("policy: %s: not valid UTF-8", name)
	}
	src = strings.TrimPrefix(strings.ReplaceAll(src, "\r\n", "\n"), "\uFEFF")
	lines := strings.Split(src, "\n")
	if strings.TrimSpace(lines[0]) != frontMatterSep {
		return nil, fmt.Errorf("policy: %s:1: want a front matter block starting with %q (version, material, summary)", name, frontMatterSep)
	}
	f := &File{Document: doc}
	seen := map[string]bool{}
	end := -1
	for i := 1; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == frontMatterSep {
			end = i
			break
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return nil, fmt.Errorf("policy: %s:%d: want key: value", name, i+1)
		}
		if seen[key] {
			return nil, fmt.Errorf("policy: %s:%d: %s given twice", name, i+1, key)
		}
		seen[key] = true
		switch key {
		case "version":
			if !versionPattern.MatchString(value) {
				return nil, fmt.Errorf("policy: %s:%d: version %q: use 1 to 40 letters, digits, dots, hyphens or underscores (e.g. 2026-11-01)", name, i+1, value)
			}
			f.Version = value
		case "material":
			b, err := strconv.ParseBool(value)
			if err != nil {
				return nil, fmt.Errorf("policy: %s:%d: material %q: want true or false", name, i+1, value)
			}
			f.Material = b
		case "summary":
			if utf8.RuneCountInString(value) > maxSummaryLen {
				return nil, fmt.Errorf("policy: %s:%d: summary longer than %d characters", name, i+1, maxSummaryLen)
			}
			f.Summary = value
		default:
			return nil, fmt.Errorf("policy: %s:%d: unknown key %q (want version, material or summary)", name, i+1, key)
		}
	}
	if end < 0 {
		return nil, fmt.Errorf("policy: %s: the front matter block has no closing %q line", name, frontMatterSep)
	}
	if f.Version == "" {
		return nil, fmt.Errorf("policy: %s: the front matter gives no version", name)
	}
	if f.Material && f.Summary == "" {
		return nil, fmt.Errorf("policy: %s: a material version needs a summary of what changed", name)
	}
	f.Body = strings.TrimSpace(strings.Join(lines[end+1:], "\n")) + "\n"
	if strings.TrimSpace(f.Body) == "" {
		return nil, fmt.Errorf("policy: %s: the document is empty after the front matter", name)
	}
	return f, nil
}
