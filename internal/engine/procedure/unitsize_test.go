package procedure

import "testing"

func TestParseUnitSize(t *testing.T) {
	tests := []struct {
		desc string
		want Amount
	}{
		{"Injection, triamcinolone acetonide, not otherwise specified, 10 mg", Amount{10, "mg"}},
		{"Injection, ceftriaxone sodium, per 250 mg", Amount{250, "mg"}},
		{"Injection, diphenhydramine hcl, up to 50 mg", Amount{50, "mg"}},
		{"Injection, penicillin g benzathine, 100,000 units", Amount{100000, "unit"}},
		{"Injection, vitamin b-12 cyanocobalamin, up to 1000 mcg", Amount{1, "mg"}},
		{"Injection, adrenalin, epinephrine, 0.1 mg", Amount{0.1, "mg"}},
		{"Infusion, normal saline solution, 250 cc", Amount{250, "ml"}},
		{"Injection, ceftriaxone sodium, per 1 g", Amount{1000, "mg"}},
		{"Injection, penicillin g potassium, up to 5 million units", Amount{5e6, "unit"}},
	}
	for _, tc := range tests {
		got, err := ParseUnitSize(tc.desc)
		if err != nil || got != tc.want {
			t.Errorf("ParseUnitSize(%q) = %v, %v; want %v", tc.desc, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "Injection, drug X, not otherwise specified", "per mg", "Injection, 0 mg", "1e400 mg"} {
		if _, err := ParseUnitSize(bad); err == nil {
			t.Errorf("ParseUnitSize(%q): want error", bad)
		}
	}
}

func TestDrugUnits(t *testing.T) {
	tests := []struct {
		dose, size Amount
		want       int
	}{
		{Amount{1000, "mg"}, Amount{250, "mg"}, 4},
		{Amount{60, "mg"}, Amount{15, "mg"}, 4},
		{Amount{40, "mg"}, Amount{10, "mg"}, 4},
		{Amount{150, "mg"}, Amount{1, "mg"}, 150},
		{Amount{25, "mg"}, Amount{50, "mg"}, 1},
		{Amount{0.3, "mg"}, Amount{0.1, "mg"}, 3},
		{Amount{2.4e6, "unit"}, Amount{100000, "unit"}, 24},
	}
	for _, tc := range tests {
		if got, err := drugUnits(tc.dose, tc.size); err != nil || got != tc.want {
			t.Errorf("drugUnits(%v, %v) = %d, %v; want %d", tc.dose, tc.size, got, err, tc.want)
		}
	}
	if _, err := drugUnits(Amount{2, "ml"}, Amount{10, "mg"}); err == nil {
		t.Error("dose in mL for a code in mg: want error")
	}
}

func TestChooseDrugCode(t *testing.T) {
	sizes := map[string]Amount{"J1020": {20, "mg"}, "J1030": {40, "mg"}, "J1040": {80, "mg"}}
	codes := []string{"J1020", "J1030", "J1040"}
	tests := []struct {
		dose  Amount
		code  string
		units int
	}{
		{Amount{80, "mg"}, "J1040", 1},
		{Amount{40, "mg"}, "J1030", 1},
		{Amount{120, "mg"}, "J1030", 3},
		{Amount{30, "mg"}, "J1020", 2},
	}
	for _, tc := range tests {
		code, units, err := chooseDrugCode(codes, sizes, tc.dose)
		if err != nil || code != tc.code || units != tc.units {
			t.Errorf("chooseDrugCode(%v) = %s x%d, %v; want %s x%d", tc.dose, code, units, err, tc.code, tc.units)
		}
	}
}

func FuzzParseUnitSize(f *testing.F) {
	for _, s := range []string{"Injection, ceftriaxone sodium, per 250 mg", "100,000 units", "up to 5 million units", "0.1 mg", ", , 1 , 000 mg", "1e308 g"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, desc string) {
		a, err := ParseUnitSize(desc)
		if err == nil && (a.Value <= 0 || a.Unit == "") {
			t.Fatalf("ParseUnitSize(%q) = %v without error", desc, a)
		}
	})
}
