package phi

import "time"

// ratioWords follow numbers written like dates that are not dates:
// "1/2 tab", "5/5 strength", "2/6 murmur", "7/10 pain".
var ratioWords = map[string]bool{
	"tab": true, "tabs": true, "tablet": true, "tablets": true, "pill": true, "pills": true, "cap": true,
	"capsule": true, "strength": true, "murmur": true, "pain": true, "score": true, "scale": true,
	"mg": true, "mcg": true, "ml": true, "units": true, "unit": true, "dose": true, "doses": true,
	"cup": true, "cups": true, "inch": true, "inches": true, "cm": true, "mm": true, "mmhg": true,
	"reflexes": true, "pulses": true, "vision": true, "times": true, "ratio": true, "of": true,
	"systolic": true, "diastolic": true, "holosystolic": true, "grade": true, "bilaterally": true,
}

// findDates finds dates more specific than the year: numeric (3/14/2025,
// 2025-03-14, 14.03.2025), a bare month/day after a date cue ("on 3/14"),
// and written forms ("March 14th", "14-Mar-2025", "March 2025", "last
// March"). A trailing time of day belongs to the date.
func (d *doc) findDates() {
	for i := 0; i < len(d.toks); i++ {
		if d.claimed[i] {
			continue
		}
		if j, conf, ok := d.numericDateAt(i); ok {
			d.add(i, d.withTime(j), KindDate, conf)
			i = j
			continue
		}
		if j, conf, ok := d.textDateAt(i); ok {
			first := i
			// "Monday, March 14": the weekday belongs to the date.
			if w := i - 1; w >= 0 && d.punct(w, ",") && d.is(w-1, wWeekday) {
				first = w - 1
			} else if d.is(i-1, wWeekday) {
				first = i - 1
			}
			d.add(first, d.withTime(j), KindDate, conf)
			i = j
		}
	}
	d.findBirthYears()
}

// numericDateAt matches M/D/Y, D/M/Y, Y-M-D, D.M.YYYY and, after a date
// cue, M/D.
func (d *doc) numericDateAt(i int) (int, float64, bool) {
	a, ok := d.num(i)
	if !ok || len(d.low[i]) > 4 || (i > 0 && d.joined(i) && (d.toks[i-1].class != tokPunct || d.punct(i-1, "/") || d.punct(i-1, ".") || d.punct(i-1, "-"))) {
		return 0, 0, false
	}
	if i+2 >= len(d.toks) || !d.joined(i+1) || !d.joined(i+2) {
		return 0, 0, false
	}
	sep := d.low[i+1]
	if d.toks[i+1].class != tokPunct || (sep != "/" && sep != "-" && sep != ".") {
		return 0, 0, false
	}
	b, ok := d.num(i + 2)
	if !ok || len(d.low[i+2]) > 2 {
		return 0, 0, false
	}
	// Three parts?
	if i+4 < len(d.toks) && d.low[i+3] == sep && d.joined(i+3) && d.joined(i+4) {
		c, ok := d.num(i + 4)
		if !ok {
			return 0, 0, false
		}
		j := i + 4
		if n := j + 1; n < len(d.toks) && d.joined(n) && (d.punct(n, sep) || d.toks[n].class != tokPunct) {
			return 0, 0, false // 1/2/3/4, 1.2.3.4: not a date
		}
		lc := len(d.low[i+4])
		switch {
		case len(d.low[i]) == 4 && validYear(a) && validMonthDay(b, c) && lc <= 2:
			return j, 0.97, true // 2025-03-14
		case len(d.low[i]) <= 2 && (lc == 4 && validYear(c) || lc == 2 && sep != ".") && (validMonthDay(a, b) || validMonthDay(b, a)):
			if sep == "-" && lc == 2 {
				return 0, 0, false // 3-14-25 reads as a range too often
			}
			return j, 0.95, true // 3/14/2025, 14.03.2025, 3/14/25
		}
		return 0, 0, false
	}
	// Two parts: only "/" and only after a date cue.
	if sep != "/" || len(d.low[i]) > 2 || !validMonthDay(a, b) {
		return 0, 0, false
	}
	if n := i + 3; n < len(d.toks) && (d.joined(n) && d.toks[n].class != tokPunct || ratioWords[d.low[n]] || d.punct(n, "+") || d.punct(n, "%")) {
		return 0, 0, false
	}
	if !d.dateCueBefore(i) {
		return 0, 0, false
	}
	return i + 2, 0.8, true
}

// dateCueBefore reports a date cue word ("on", "since", "DOB") within two
// tokens before token i.
func (d *doc) dateCueBefore(i int) bool {
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		if d.flags[k]&wDateCue != 0 {
			return true
		}
		if !(d.punct(k, ":") || d.punct(k, ",") || d.wordIs(k, "of") || d.wordIs(k, "is") || d.wordIs(k, "birth")) {
			return false
		}
	}
	return false
}

func validYear(y int) bool          { return y >= 1880 && y <= 2100 }
func validMonthDay(m, day int) bool { return m >= 1 && m <= 12 && day >= 1 && day <= 31 }

// monthAt reports a month word at token i: capitalised (or anywhere in a
// lower-case text), optionally followed by a period.
func (d *doc) monthAt(i int) (int, int, bool) {
	if i >= len(d.toks) || d.flags[i]&wMonth == 0 {
		return 0, 0, false
	}
	t := d.toks[i]
	if !t.capInitial && !d.lowercase && !t.allCaps {
		return 0, 0, false
	}
	end := i
	if d.punct(i+1, ".") && d.joined(i+1) && len(d.low[i]) <= 4 {
		end = i + 1
	}
	return d.lx.months[d.low[i]], end, true
}

// dayAt reads a day of the month, "14" or "14th", at token i.
func (d *doc) dayAt(i int) (int, bool) {
	if i >= len(d.toks) {
		return 0, false
	}
	s := d.low[i]
	if d.toks[i].class == tokAlnum && len(s) >= 3 {
		suf := s[len(s)-2:]
		if suf == "st" || suf == "nd" || suf == "rd" || suf == "th" {
			s = s[:len(s)-2]
		}
	} else if d.toks[i].class != tokNum {
		return 0, false
	}
	if len(s) == 0 || len(s) > 2 || countDigits(s) != len(s) {
		return 0, false
	}
	n := int(s[0] - '0')
	if len(s) == 2 {
		n = n*10 + int(s[1]-'0')
	}
	return n, n >= 1 && n <= 31
}

// yearAfter reads a four-digit year after token i, allowing a comma:
// "March 14, 2025", "march 14th , 1982".
func (d *doc) yearAfter(i int) (int, bool) {
	k := i + 1
	if d.punct(k, ",") || d.punct(k, "-") || d.punct(k, "/") || d.punct(k, ".") {
		k++
	}
	if k < len(d.toks) && d.toks[k].newlines == 0 && len(d.low[k]) == 4 {
		if y, ok := d.num(k); ok && validYear(y) {
			return k, true
		}
	}
	return i, false
}

// textDateAt matches dates with a month word.
func (d *doc) textDateAt(i int) (int, float64, bool) {
	// Month first: "March 14th, 2025", "Mar 14", "March 2025", "last March".
	if _, end, ok := d.monthAt(i); ok {
		k := end + 1
		if d.punct(k, "-") && d.joined(k) {
			k++
		}
		if d.wordIs(k, "the") {
			k++
		}
		if day, ok := d.dayAt(k); ok && day > 0 && d.toks[k].newlines == 0 {
			if n := k + 1; n < len(d.toks) && d.joined(n) && !d.punct(n, ",") && !d.punct(n, ".") && !d.punct(n, "-") {
				return 0, 0, false
			}
			if y, ok := d.yearAfter(k); ok {
				return y, 0.97, true
			}
			return k, 0.9, true
		}
		if y, ok := d.yearAfter(end); ok {
			return y, 0.9, true // March 2025
		}
		// A month alone is a date element when the context says so:
		// "last March", "in May", "since January".
		if len(d.low[i]) > 3 && i > 0 && monthAloneCue[d.low[i-1]] {
			if d.low[i] == "may" && !d.toks[i].capInitial {
				return 0, 0, false
			}
			return end, 0.75, true
		}
		return 0, 0, false
	}
	// Day first: "14 March 2025", "14-Mar-2025", "14th of March".
	if day, ok := d.dayAt(i); ok && day > 0 {
		if i > 0 && d.joined(i) && d.toks[i-1].class != tokPunct {
			return 0, 0, false
		}
		k := i + 1
		if d.punct(k, "-") && d.joined(k) || d.punct(k, ".") && d.joined(k) {
			k++
		} else if d.wordIs(k, "of") {
			k++
		}
		if _, end, ok := d.monthAt(k); ok && d.toks[k].newlines == 0 {
			if y, ok := d.yearAfter(end); ok {
				return y, 0.97, true
			}
			if d.toks[i].class == tokAlnum || d.wordIs(i+1, "of") || d.toks[k].capInitial {
				return end, 0.85, true
			}
		}
	}
	return 0, 0, false
}

// monthAloneCue are the words that make a bare month name a date.
var monthAloneCue = map[string]bool{
	"in": true, "last": true, "next": true, "since": true, "until": true, "early": true, "late": true,
	"mid": true, "during": true, "this": true, "from": true, "through": true, "before": true, "after": true,
}

// withTime extends a date ending at token j over a following time of day:
// "2020-06-20 14:11:22", "3/14/2025 at 10:30 am".
func (d *doc) withTime(j int) int {
	k := j + 1
	if d.wordIs(k, "at") || d.punct(k, ",") {
		k++
	}
	if k < len(d.toks) && d.toks[k].newlines == 0 && (d.toks[k].class == tokNum || d.toks[k].class == tokAlnum && d.low[k][0] == 't') {
		h, ok := d.num(k)
		if d.toks[k].class == tokAlnum && d.joined(k) {
			// ISO "T" separator: 2020-06-20T14:11
			ok = len(d.low[k]) == 3 && countDigits(d.low[k]) == 2
			h = int(d.low[k][1]-'0')*10 + int(d.low[k][2]-'0')
		}
		if !ok || h > 24 || !d.punct(k+1, ":") || !d.joined(k+1) {
			return j
		}
		end := k
		for end+2 < len(d.toks) && d.punct(end+1, ":") && d.joined(end+1) && d.joined(end+2) && d.toks[end+2].class == tokNum && len(d.low[end+2]) == 2 {
			end += 2
		}
		if end == k {
			return j
		}
		if n := end + 1; n < len(d.toks) && (d.wordIs(n, "am") || d.wordIs(n, "pm")) && d.toks[n].newlines == 0 {
			end = n
		}
		return end
	}
	return j
}

// findBirthYears marks a year of birth that reveals an age over 89 ("born
// in 1931"): Safe Harbor removes such years too.
func (d *doc) findBirthYears() {
	limit := time.Now().Year() - 90
	for i := 1; i < len(d.toks); i++ {
		y, ok := d.num(i)
		if !ok || len(d.low[i]) != 4 || !validYear(y) || y > limit || d.claimed[i] {
			continue
		}
		k := i - 1
		if d.wordIs(k, "in") {
			k--
		}
		if d.wordIs(k, "born") || d.wordIs(k, "dob") || d.wordIs(k, "yob") {
			d.add(i, i, KindDate, 0.85)
		}
	}
}

// ageWords follow an age: "92-year-old", "92 y/o", "92 years".
var ageWords = map[string]bool{"year": true, "years": true, "yr": true, "yrs": true, "yo": true, "y": true, "yoa": true}

// findAges finds ages over 89 ("92-year-old", "age 95", "aged 91", "93 y/o",
// "91yo"); younger ages may stay under Safe Harbor.
func (d *doc) findAges() {
	for i := 0; i < len(d.toks); i++ {
		t := d.toks[i]
		var n int
		var ok bool
		switch t.class {
		case tokNum:
			n, ok = d.num(i)
		case tokAlnum:
			// "91yo", "92y", "95M"
			s := d.low[i]
			k := 0
			for k < len(s) && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			if k >= 2 && k <= 3 && (ageWords[s[k:]] || s[k:] == "m" || s[k:] == "f") {
				n, ok = atoi(s[:k]), true
				if ok && n >= 90 && n <= 125 {
					d.addBytes(t.start, t.start+k, KindAge, 0.85)
				}
			}
			continue
		}
		// "90+" is Safe Harbor's own aggregate category (and the redaction
		// label), not an age.
		if !ok || n < 90 || n > 125 || d.partOfNumber(i) || d.claimed[i] || d.punct(i+1, "+") {
			continue
		}
		k := i + 1
		if d.punct(k, "-") {
			k++
		}
		after := ageWords[d.low[min(k, len(d.toks)-1)]] && k < len(d.toks)
		before := i > 0 && (d.wordIs(i-1, "age") || d.wordIs(i-1, "aged") || d.punct(i-1, ":") && d.wordIs(i-2, "age"))
		if after || before {
			d.add(i, i, KindAge, 0.9)
		}
	}
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
