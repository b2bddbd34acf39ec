package procedure

import (
	"strings"
	"testing"
)

func TestLoadDescriptors(t *testing.T) {
	file := "\ufeffCode\tDescriptor\n# licensed\n\n99213\tLicensed text for 99213\n12002 Licensed text for 12002\n0001F\tCategory II\n0042T  Category III\n0001U\tPLA\r\n"
	d, err := LoadDescriptors(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"99213": "Licensed text for 99213", "12002": "Licensed text for 12002", "0001F": "Category II", "0042T": "Category III", "0001U": "PLA"}
	if len(d) != len(want) {
		t.Fatalf("loaded %d descriptors, want %d: %v", len(d), len(want), d)
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %q, want %q", k, d[k], v)
		}
	}
	bad := []struct{ file, wantErr string }{
		{"99213\n", "line 1: want a code"},
		{"99213\tA\n9921\tB\n", "line 2: \"9921\" is not a CPT code"},
		{"99213\tA\n99213\tB\n", "line 2: code 99213 already given on line 1"},
		{"J3301\tA\n", "line 1: \"J3301\" is not a CPT code"},
		{"99213\tA\x01B\n", "control character"},
		{"# only comments\n", "holds no descriptors"},
		{"99213\t\xff\n", "not valid UTF-8"},
	}
	for _, tc := range bad {
		if _, err := LoadDescriptors(strings.NewReader(tc.file)); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("LoadDescriptors(%q) error = %v, want %q", tc.file, err, tc.wantErr)
		}
	}
}

// A loaded descriptor file replaces our description of CPT codes in output,
// and only theirs.
func TestDescriptorsReplaceOurs(t *testing.T) {
	c := mustCoder(t)
	c.cfg.CPT = Descriptors{"87880": "LICENSED 87880"}
	res := run(t, c, "Rapid strep test performed in office, positive.", Options{})
	if len(res.Lines) != 1 || res.Lines[0].Description != "LICENSED 87880" {
		t.Errorf("lines = %+v", res.Lines)
	}
	c.cfg.CPT = nil
	res = run(t, c, "Rapid strep test performed in office, positive.", Options{})
	if ours := c.cat.codes["87880"].Description; len(res.Lines) != 1 || res.Lines[0].Description != ours {
		t.Errorf("without a file the description is ours: %+v", res.Lines)
	}
}

func FuzzLoadDescriptors(f *testing.F) {
	for _, s := range []string{"99213\tText\n", "Code\tDescriptor\n12002 X\n", "\ufeff0001F a\r\n", "#\n\n", "99213"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) {
		d, err := LoadDescriptors(strings.NewReader(file))
		if err != nil {
			return
		}
		for code, desc := range d {
			if !isCPTCode(code) || desc == "" {
				t.Fatalf("accepted %q → %q", code, desc)
			}
		}
	})
}
