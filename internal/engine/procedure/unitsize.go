package procedure

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Amount is a drug quantity in a canonical unit: "mg" for mass, "unit" for
// international units, "ml" for volume, "meq" for milliequivalents.
type Amount struct {
	Value float64
	Unit  string
}

func (a Amount) String() string {
	return strconv.FormatFloat(a.Value, 'f', -1, 64) + " " + a.Unit
}

// unitWords maps unit spellings to a canonical unit and the factor to it.
var unitWords = map[string]struct {
	unit   string
	factor float64
}{
	"mg": {"mg", 1}, "milligram": {"mg", 1}, "milligrams": {"mg", 1},
	"g": {"mg", 1000}, "gm": {"mg", 1000}, "gram": {"mg", 1000}, "grams": {"mg", 1000},
	"mcg": {"mg", 0.001}, "microgram": {"mg", 0.001}, "micrograms": {"mg", 0.001}, "µg": {"mg", 0.001},
	"unit": {"unit", 1}, "units": {"unit", 1}, "u": {"unit", 1}, "iu": {"unit", 1},
	"ml": {"ml", 1}, "cc": {"ml", 1}, "l": {"ml", 1000},
	"meq": {"meq", 1},
}

// multiplierWords scale a number written with a word ("2.4 million units").
var multiplierWords = map[string]float64{"million": 1e6, "thousand": 1e3}

// ParseUnitSize reads the billing unit of a HCPCS Level II drug code from
// its official long descriptor: the last quantity it states ("Injection,
// ceftriaxone sodium, per 250 mg" → 250 mg; "..., up to 50 mg" → 50 mg;
// "..., 100,000 units" → 100000 unit).
func ParseUnitSize(descriptor string) (Amount, error) {
	words := strings.Fields(strings.NewReplacer(",", " , ", "(", " ", ")", " ", ";", " ").Replace(strings.ToLower(descriptor)))
	// rejoin thousands separators: "100 , 000" → "100000"
	var toks []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		for i+2 < len(words) && words[i+1] == "," && len(words[i+2]) == 3 && isAllDigits(words[i+2]) && isAllDigits(w) {
			w += words[i+2]
			i += 2
		}
		toks = append(toks, w)
	}
	var found Amount
	ok := false
	for i := 0; i+1 < len(toks); i++ {
		v, err := strconv.ParseFloat(toks[i], 64)
		if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			continue
		}
		j := i + 1
		if m, isMult := multiplierWords[toks[j]]; isMult && j+1 < len(toks) {
			v *= m
			j++
		}
		u, isUnit := unitWords[toks[j]]
		if !isUnit {
			continue
		}
		found, ok = Amount{Value: v * u.factor, Unit: u.unit}, true
	}
	if !ok {
		return Amount{}, fmt.Errorf("procedure: HCPCS descriptor %q states no unit quantity", descriptor)
	}
	return found, nil
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// drugUnits returns the billing units for a dose: ceil(dose ÷ unit size).
// The dose and unit must measure the same kind of quantity.
func drugUnits(dose, size Amount) (int, error) {
	if dose.Unit != size.Unit {
		return 0, fmt.Errorf("procedure: dose in %s cannot be billed in units of %s", dose.Unit, size.Unit)
	}
	if dose.Value <= 0 || size.Value <= 0 {
		return 0, fmt.Errorf("procedure: dose %s or unit %s is not positive", dose, size)
	}
	// a tolerance keeps 0.30000000000000004 ÷ 0.1 at 3 units
	return int(math.Ceil(dose.Value/size.Value - 1e-9)), nil
}
