package auth

import (
	"bufio"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/apperr"
)

// entries reads the non-comment lines of an embedded list.
func entries(t *testing.T, name string) []string {
	t.Helper()
	f, err := dataFS.Open("data/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s is empty", name)
	}
	return out
}

func TestEveryBreachedPasswordIsRefused(t *testing.T) {
	for _, p := range entries(t, "common-passwords.txt") {
		if len(p) < MinPasswordLen {
			t.Errorf("%q is shorter than %d: the length rule already refuses it, drop it from the list", p, MinPasswordLen)
		}
		for _, variant := range []string{p, strings.ToUpper(p[:1]) + p[1:]} {
			if err := CheckPassword(variant, "someone@example.org"); err == nil {
				t.Errorf("breached password %q accepted", variant)
			}
		}
	}
}

func TestEveryCommonWordPaddedIsRefused(t *testing.T) {
	for _, w := range entries(t, "common-words.txt") {
		for _, p := range []string{
			strings.ToUpper(w[:1]) + w[1:] + "2024!" + strings.Repeat("7", max(0, 7-len(w))),
			"#1" + leet.Replace(w) + strings.Repeat("9", max(0, 10-len(w))),
			w + w + w + w,
		} {
			if len(p) < MinPasswordLen {
				continue
			}
			if err := CheckPassword(p, "someone@example.org"); err == nil {
				t.Errorf("padded common word %q accepted", p)
			}
		}
	}
}

func TestEveryKeyboardRunIsRefused(t *testing.T) {
	for _, run := range entries(t, "keyboard-runs.txt") {
		p := run
		for len([]rune(p)) < MinPasswordLen {
			p += run
		}
		variants := []string{p, reverse(p)}
		if len(run) >= MinPasswordLen {
			variants = append(variants, run[:MinPasswordLen-2]+"x9")
		}
		for _, variant := range variants {
			if err := CheckPassword(variant, "someone@example.org"); err == nil {
				t.Errorf("keyboard run %q accepted", variant)
			}
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		password, email string
		ok              bool
		why             string
	}{
		{"correct horse battery staple", "ann@example.org", true, ""},
		{"Vq8#mLw2!pZr", "ann@example.org", true, ""},
		{"tulip-Granite-49-orbit", "ann@example.org", true, ""},
		{"short1!", "ann@example.org", false, "at least 12"},
		{strings.Repeat("ab1!", 40), "ann@example.org", false, "at most 128"},
		{"P@ssw0rd2024!", "ann@example.org", false, "common word"},
		{"Summer2025!!!", "ann@example.org", false, "common word"},
		{"iloveyoubaby99", "ann@example.org", false, "common word"},
		{"qwertyuiop123", "ann@example.org", false, "breached"},
		{"qwertyuiop12", "ann@example.org", false, "sequence"},
		{"abababababab", "ann@example.org", false, "different characters"},
		{"zxcvbnmasdfg!", "ann@example.org", false, "sequence"},
		{"ann.smith#Rocks7", "ann.smith@example.org", false, "email"},
		{"Tango!northwind88", "coder@northwind.org", false, "email"},
	}
	for _, tt := range tests {
		err := CheckPassword(tt.password, tt.email)
		if tt.ok {
			if err != nil {
				t.Errorf("%q refused: %v", tt.password, err)
			}
			continue
		}
		if err == nil || apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), tt.why) {
			t.Errorf("%q: got %v, want an Invalid error about %q", tt.password, err, tt.why)
		}
	}
}

func TestListsAreWellFormed(t *testing.T) {
	if _, err := loadLists(); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
	for pw, want := range map[string]bool{"correct horse battery staple": true, "correct horse battery stapl": false, "": false} {
		ok, err := VerifyPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func TestParseHashRejectsBadInput(t *testing.T) {
	tests := map[string]string{
		"$bcrypt$x$y$z$w":                          "algorithm",
		"$argon2id$v=18$m=1,t=1,p=1$c2FsdHNhbHQ$a": "version",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$YWFhYWFhYWFhYWFhYWFhYQ": "out of range",
		"$argon2id$v=19$m=64,t=1,p=1$!!$YWFhYWFhYWFhYWFhYWFhYQ":                "salt",
		"$argon2id$v=19$m=64,x=1,p=1$c2FsdHNhbHQ$YWFhYWFhYWFhYWFhYWFhYQ":       "unknown parameter",
		"plain": "parts",
	}
	for in, want := range tests {
		if _, err := parseHash(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseHash(%q) = %v, want error about %q", in, err, want)
		}
	}
}

func FuzzParseHash(f *testing.F) {
	h, _ := HashPassword("seed password 1")
	f.Add(h)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$YWFh")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := parseHash(s); err == nil && (p.memory > maxArgonMemoryKiB || p.time > maxArgonTime) {
			t.Fatalf("accepted out-of-range parameters: %+v", p)
		}
	})
}

func FuzzCheckPassword(f *testing.F) {
	f.Add("correct horse battery staple", "a@b.c")
	f.Add("P@ssw0rd2024!", "")
	f.Fuzz(func(t *testing.T, pw, email string) {
		if err := CheckPassword(pw, email); err != nil && apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("non-validation error %v", err)
		}
	})
}
