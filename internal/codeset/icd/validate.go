package icd

import (
	"fmt"
	"strings"
)

// InvalidReason says why a code may not be reported.
type InvalidReason uint8

// Reasons a code is invalid.
const (
	// Unknown: not an ICD-10-CM code in this release.
	Unknown InvalidReason = iota + 1
	// Header: a category or subcategory that has codes below it.
	Header
	// Missing7th: the code requires a 7th character and has none.
	Missing7th
	// Bad7th: the 7th character is not defined for the code, or a note
	// excludes it.
	Bad7th
	// MissingPlaceholder: a 7th character was added to a code shorter
	// than six characters without padding it with the placeholder X.
	MissingPlaceholder
)

var reasonNames = [...]string{
	Unknown:            "unknown",
	Header:             "header",
	Missing7th:         "missing 7th character",
	Bad7th:             "bad 7th character",
	MissingPlaceholder: "missing placeholder X",
}

func (r InvalidReason) String() string {
	if int(r) < len(reasonNames) && r != 0 {
		return reasonNames[r]
	}
	return fmt.Sprintf("InvalidReason(%d)", r)
}

// InvalidCodeError explains why a code is not valid on a claim.
type InvalidCodeError struct {
	Code    string
	Reason  InvalidReason
	Detail  string
	Release string // the tabular version checked, e.g. "2025"
}

func (e *InvalidCodeError) Error() string {
	return fmt.Sprintf("%s is not a valid ICD-10-CM %s code (%s): %s", e.Code, e.Release, e.Reason, e.Detail)
}

// Validate returns nil when code is valid on a claim, else an
// *InvalidCodeError saying exactly why not.
func (t *Tabular) Validate(code string) error {
	invalid := func(reason InvalidReason, format string, args ...any) error {
		return &InvalidCodeError{Code: code, Reason: reason, Detail: fmt.Sprintf(format, args...), Release: t.Version}
	}
	key, ok := Key(code)
	if !ok {
		return invalid(Unknown, "not in ICD-10-CM form (a letter, a digit, a letter or digit, then up to four letters or digits after the dot)")
	}
	if c, ok := t.get(key); ok {
		switch {
		case c.Billable:
			return nil
		case len(c.children) > 0 && c.children[0].Base != "":
			return invalid(Missing7th, "%s requires a 7th character (%s), e.g. %s", c.Code, listSeventh(c.children), c.children[0].Code)
		case len(c.children) > 0:
			return invalid(Header, "%s (%s) is a heading with %d codes below it; choose one, e.g. %s", c.Code, c.Title, countBillable(c), firstBillable(c).Code)
		default:
			// A leaf whose every 7th character is excluded by a note.
			_, restrict := c.seventhChars()
			return invalid(Missing7th, "%s requires a 7th character but none applies: %s", c.Code, restrictionText(restrict))
		}
	}
	if len(key) == maxKeyLen {
		if base := t.seventhBase(key); base != nil {
			return t.badSeventh(base, key, invalid)
		}
	}
	if len(key) < maxKeyLen {
		if base, ok := t.get(key[:len(key)-1]); ok && len(base.children) > 0 && base.children[0].Base != "" {
			for _, x := range base.children {
				if x.SeventhChar == key[len(key)-1:] {
					return invalid(MissingPlaceholder, "the 7th character must be in position 7, padded with the placeholder X: %s", x.Code)
				}
			}
		}
	}
	for n := len(key) - 1; n >= 3; n-- {
		if c, ok := t.get(key[:n]); ok {
			return invalid(Unknown, "%s is not in the ICD-10-CM %s tabular; the nearest entry above it is %s (%s)", Format(key), t.Version, c.Code, c.Title)
		}
	}
	return invalid(Unknown, "%s is not in the ICD-10-CM %s tabular", Format(key), t.Version)
}

// seventhBase finds the tabular code a 7-character key was built on: the
// first six characters, less trailing placeholder X's.
func (t *Tabular) seventhBase(key string) *Code {
	base := key[:maxKeyLen-1]
	for {
		if c, ok := t.get(base); ok {
			return c
		}
		if len(base) <= 3 || base[len(base)-1] != 'X' {
			return nil
		}
		base = base[:len(base)-1]
	}
}

func (t *Tabular) badSeventh(base *Code, key string, invalid func(InvalidReason, string, ...any) error) error {
	char := key[maxKeyLen-1:]
	if len(base.children) > 0 && base.children[0].Base == "" {
		return invalid(Header, "%s (%s) is a heading, not a code that takes a 7th character; choose a code below it, e.g. %s", base.Code, base.Title, firstBillable(base).Code)
	}
	allowed, restrict := base.seventhChars()
	if allowed == nil && restrict == nil {
		return invalid(Unknown, "%s takes no 7th character", base.Code)
	}
	for _, r := range restrict {
		if strings.Contains(r.chars, char) {
			return invalid(Bad7th, "7th character %s does not apply to %s: %s", char, base.Code, r.text)
		}
	}
	return invalid(Bad7th, "7th character %s is not defined for %s; allowed: %s", char, base.Code, listSeventh(base.children))
}

func listSeventh(expansions []*Code) string {
	chars := make([]string, 0, len(expansions))
	for _, x := range expansions {
		chars = append(chars, x.SeventhChar)
	}
	return strings.Join(chars, ", ")
}

func restrictionText(rs []seventhRestriction) string {
	texts := make([]string, 0, len(rs))
	for _, r := range rs {
		texts = append(texts, r.text)
	}
	return strings.Join(texts, "; ")
}

func countBillable(c *Code) int {
	if c.Billable {
		return 1
	}
	n := 0
	for _, k := range c.children {
		n += countBillable(k)
	}
	return n
}

func firstBillable(c *Code) *Code {
	for !c.Billable && len(c.children) > 0 {
		c = c.children[0]
	}
	return c
}
