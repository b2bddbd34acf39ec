package icd

import (
	"slices"
	"testing"
)

func TestKey(t *testing.T) {
	tests := []struct {
		in, key string
		ok      bool
	}{
		{"E11.9", "E119", true},
		{"e119", "E119", true},
		{" S01.01XA ", "S0101XA", true},
		{"O9A.11", "O9A11", true},
		{"E11", "E11", true},
		{"E11.", "", false},
		{"E1", "", false},
		{"E1.19", "", false},
		{"E11..9", "", false},
		{"11.9", "", false},
		{"EE1.9", "", false},
		{"E11.9XXXX", "", false},
		{"E11-9", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		key, ok := Key(tt.in)
		if key != tt.key || ok != tt.ok {
			t.Errorf("Key(%q) = %q, %v; want %q, %v", tt.in, key, ok, tt.key, tt.ok)
		}
	}
	for key, want := range map[string]string{"E119": "E11.9", "E11": "E11", "S0101XA": "S01.01XA"} {
		if got := Format(key); got != want {
			t.Errorf("Format(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestParseRefs(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"diabetic chronic kidney disease (E11.22)", []string{"E11.22"}},
		{"hypertensive chronic kidney disease (I12.-, I13.-)", []string{"I12.-", "I13.-"}},
		{"code to identify stage (N18.1-N18.6)", []string{"N18.1-N18.6"}},
		{"neoplasms (D37-D44, D48)", []string{"D37-D44", "D48"}},
		{"open fracture of pelvis (S32.1--S32.9 with 7th character B)", []string{"S32.1--S32.9"}},
		{"gestational diabetes (O24.4-)", []string{"O24.4-"}},
		{"Appropriate codes (i.e. E05.8, E07.0, E16-E31, E34.-) may be used", []string{"E05.8", "E07.0", "E16-E31", "E34.-"}},
		{"hemoglobin A1c and COVID-19 and type 2", nil},
		{"ends with a category E11.", []string{"E11"}},
		{"XE11.9 and E11.9x are not citations", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range ParseRefs(tt.text) {
			got = append(got, r.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ParseRefs(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestCodeRefContains(t *testing.T) {
	tests := []struct {
		ref  CodeRef
		code string
		want bool
	}{
		{CodeRef{First: "E11.22"}, "E11.22", true},
		{CodeRef{First: "E11.22"}, "E11.2", false},
		{CodeRef{First: "I12", Dash: true}, "I12.9", true},
		{CodeRef{First: "I12", Dash: true}, "I13.0", false},
		{CodeRef{First: "N18.1", Last: "N18.6"}, "N18.30", true},
		{CodeRef{First: "N18.1", Last: "N18.6"}, "N18.6", true},
		{CodeRef{First: "N18.1", Last: "N18.6"}, "N18.9", false},
		{CodeRef{First: "E08", Last: "E13"}, "e11.9", true},
		{CodeRef{First: "E08", Last: "E13"}, "E14", false},
		{CodeRef{First: "S32.1", Dash: true, Last: "S32.9"}, "S32.501A", true},
		{CodeRef{First: "E08", Last: "E13"}, "not a code", false},
	}
	for _, tt := range tests {
		if got := tt.ref.Contains(tt.code); got != tt.want {
			t.Errorf("%v.Contains(%s) = %v, want %v", tt.ref, tt.code, got, tt.want)
		}
	}
}
