package phi

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Options tune a Detector. The zero value is the Safe Harbor default.
type Options struct {
	// KeepClinicianNames leaves the names of clinicians (introduced by
	// "Dr.", "NP", "signed by" ...) in place. Safe Harbor lists the
	// identifiers of the patient, relatives, employers and household
	// members; most pipelines scrub staff names too, hence off by default.
	KeepClinicianNames bool
	// MinConfidence drops spans whose confidence is below it.
	MinConfidence float64
}

// Detector finds Safe Harbor identifiers. It is safe for concurrent use.
type Detector struct {
	opts Options
	lx   *lexicon
}

// NewDetector returns a detector with the given options.
func NewDetector(opts Options) (*Detector, error) {
	if opts.MinConfidence < 0 || opts.MinConfidence > 1 {
		return nil, fmt.Errorf("phi: MinConfidence %v is outside [0, 1]", opts.MinConfidence)
	}
	lx, err := loadLexicon()
	if err != nil {
		return nil, err
	}
	return &Detector{opts: opts, lx: lx}, nil
}

var defaultDetector = sync.OnceValue(func() *Detector {
	return &Detector{lx: mustLexicon()}
})

// Scan finds the identifiers in text with the default options. Spans are
// sorted by Start, do not overlap, and carry their Text.
func Scan(text string) []Span { return defaultDetector().Scan(text) }

// Scan finds the identifiers in text. Spans are sorted by Start, do not
// overlap, and carry their Text.
func (det *Detector) Scan(text string) []Span {
	d := newDoc(text, det.lx)
	defer d.release()
	d.findWeb()
	d.findDates()
	d.findAges()
	d.findIdentifiers()
	d.findAddresses()
	d.findPhones()
	d.findOtherNumbers()
	d.findNames()
	return d.resolve(det.opts)
}

// cand is a candidate span before overlaps are resolved.
type cand struct {
	start, end int
	kind       Kind
	conf       float64
	clinician  bool // a name introduced by a clinician title
}

// doc is one text being scanned: its tokens, their lexicon flags, and the
// candidates found so far.
type doc struct {
	text    string
	lx      *lexicon
	toks    []token
	low     []string   // lower-cased text of each token
	flags   []wordFlag // lexicon flags of each word token
	claimed []bool     // token is inside a non-name candidate
	taken   []bool     // byte is inside a resolved span
	// streetHint is the distance to the next number or street word on the
	// line (markStreetHints).
	streetHint []uint8
	// Scratch space of findNames, kept between scans.
	ev        []nameEvidence
	forced    []uint8
	inName    []bool
	chunks    []chunk
	cands     []cand
	lowercase bool   // the text has no upper-case letter (speech transcripts)
	folded    string // text with ASCII letters lower-cased, same offsets
}

// foldedText returns the text with A-Z lower-cased; unlike strings.ToLower
// it keeps every byte offset.
func (d *doc) foldedText() string {
	if d.folded == "" && d.text != "" {
		k := 0
		for k < len(d.text) && !('A' <= d.text[k] && d.text[k] <= 'Z') {
			k++
		}
		if k == len(d.text) {
			d.folded = d.text // nothing to fold
			return d.folded
		}
		b := []byte(d.text)
		for i := k; i < len(b); i++ {
			if c := b[i]; 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		d.folded = string(b)
	}
	return d.folded
}

// docPool recycles the per-scan slices: scanning many notes then costs
// little garbage collection.
var docPool = sync.Pool{New: func() any { return new(doc) }}

func newDoc(text string, lx *lexicon) *doc {
	d := docPool.Get().(*doc)
	*d = doc{text: text, lx: lx, toks: tokenizeInto(d.toks[:0], text), lowercase: true,
		low: d.low[:0], flags: d.flags[:0], claimed: d.claimed[:0], taken: d.taken[:0], streetHint: d.streetHint[:0],
		cands: d.cands[:0], ev: d.ev[:0], forced: d.forced[:0], inName: d.inName[:0], chunks: d.chunks[:0]}
	n := len(d.toks)
	d.low = grow(d.low, n)
	d.flags = grow(d.flags, n)
	d.claimed = grow(d.claimed, n)
	folded := d.foldedText()
	for i, t := range d.toks {
		if t.class == tokPunct {
			// Punctuation that ends a cue ("name :", "ss #") carries its flags.
			d.low[i] = text[t.start:t.end]
			if c := text[t.start]; c == ':' || c == '#' || c == '?' || c == '/' {
				d.flags[i] = lx.words[d.low[i]]
			}
			continue
		}
		if t.class == tokNum || t.lowerAll {
			d.low[i] = text[t.start:t.end]
		} else if t.nonASCII {
			d.low[i] = strings.ToLower(text[t.start:t.end])
		} else {
			d.low[i] = folded[t.start:t.end] // no allocation per word
		}
		if t.class == tokNum {
			continue
		}
		if !t.lowerAll {
			d.lowercase = false
		}
		d.flags[i] = lx.words[d.low[i]]
	}
	return d
}

// release returns the doc to the pool; nothing of it may be used after.
func (d *doc) release() {
	clear(d.low) // drop references to the text
	*d = doc{toks: d.toks[:0], low: d.low[:0], flags: d.flags[:0], claimed: d.claimed[:0], taken: d.taken[:0],
		streetHint: d.streetHint[:0], cands: d.cands[:0], ev: d.ev[:0], forced: d.forced[:0], inName: d.inName[:0],
		chunks: d.chunks[:0]}
	docPool.Put(d)
}

// grow returns s resized to n zero values, reusing its array when it can.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// add records a candidate covering tokens [i, j].
func (d *doc) add(i, j int, kind Kind, conf float64) {
	d.addBytes(d.toks[i].start, d.toks[j].end, kind, conf)
	if kind != KindName {
		for k := i; k <= j; k++ {
			d.claimed[k] = true
		}
	}
}

// addBytes records a candidate by byte offsets.
func (d *doc) addBytes(start, end int, kind Kind, conf float64) {
	if start < 0 || end > len(d.text) || start >= end {
		return
	}
	d.cands = append(d.cands, cand{start: start, end: end, kind: kind, conf: conf})
}

// is reports whether token i carries any of the flags.
func (d *doc) is(i int, f wordFlag) bool {
	return i >= 0 && i < len(d.toks) && d.flags[i]&f != 0
}

// punct reports whether token i is the punctuation s.
func (d *doc) punct(i int, s string) bool {
	return i >= 0 && i < len(d.toks) && d.toks[i].class == tokPunct && d.low[i] == s
}

// wordIs reports whether token i is the lower-case word w.
func (d *doc) wordIs(i int, w string) bool {
	return i >= 0 && i < len(d.toks) && d.low[i] == w
}

// num returns the value of a digits-only token of at most nine digits.
func (d *doc) num(i int) (int, bool) {
	if i < 0 || i >= len(d.toks) || d.toks[i].class != tokNum {
		return 0, false
	}
	s := d.low[i]
	if len(s) > 9 {
		return 0, false
	}
	n := 0
	for j := 0; j < len(s); j++ {
		n = n*10 + int(s[j]-'0')
	}
	return n, true
}

// joined reports whether token i follows token i-1 with nothing between.
func (d *doc) joined(i int) bool {
	return i > 0 && i < len(d.toks) && !d.toks[i].space
}

// matchBefore returns the longest phrase of ix that ends at token j-1
// (skipping nothing), and its length in tokens.
func (d *doc) matchBefore(ix phraseIndex, j int) (phrase, bool) {
	if j <= 0 || j > len(d.toks) {
		return phrase{}, false
	}
	// The flags say whether any cue ends with this word; most words do not.
	if d.flags[j-1]&(wNameCueEnd|wIDCueEnd) == 0 {
		return phrase{}, false
	}
	var best phrase
	found := false
	for _, p := range ix[d.low[j-1]] {
		n := len(p.words)
		if n > j || (found && n <= len(best.words)) {
			continue
		}
		ok := true
		for k := 0; k < n; k++ {
			if d.low[j-n+k] != p.words[k] {
				ok = false
				break
			}
		}
		if ok {
			best, found = p, true
		}
	}
	return best, found
}

// matchAfter returns the longest phrase of ix that starts at token i.
func (d *doc) matchAfter(ix phraseIndex, i int) (phrase, bool) {
	if i >= len(d.toks) {
		return phrase{}, false
	}
	var best phrase
	found := false
	for _, p := range ix[d.low[i]] {
		n := len(p.words)
		if i+n > len(d.toks) || (found && n <= len(best.words)) {
			continue
		}
		ok := true
		for k := 0; k < n; k++ {
			if d.low[i+k] != p.words[k] {
				ok = false
				break
			}
		}
		if ok {
			best, found = p, true
		}
	}
	return best, found
}

// resolve turns the candidates into sorted, non-overlapping spans: where
// candidates overlap the more confident (then the longer) one wins, and
// neighbouring spans of one kind are merged.
func (d *doc) resolve(opts Options) []Span {
	cands := d.cands
	sort.SliceStable(cands, func(a, b int) bool {
		ca, cb := cands[a], cands[b]
		if ca.conf != cb.conf {
			return ca.conf > cb.conf
		}
		if la, lb := ca.end-ca.start, cb.end-cb.start; la != lb {
			return la > lb
		}
		return ca.start < cb.start
	})
	// Bytes already taken by a kept span: checking and marking costs the
	// span's length, so resolving stays linear in the text.
	d.taken = grow(d.taken, len(d.text))
	var kept []cand
	for _, c := range cands {
		if c.conf < opts.MinConfidence || (c.clinician && opts.KeepClinicianNames) {
			continue
		}
		free := true
		for b := c.start; b < c.end && free; b++ {
			free = !d.taken[b]
		}
		if !free {
			continue
		}
		for b := c.start; b < c.end; b++ {
			d.taken[b] = true
		}
		kept = append(kept, c)
	}
	sort.Slice(kept, func(a, b int) bool { return kept[a].start < kept[b].start })
	spans := make([]Span, 0, len(kept))
	for _, c := range kept {
		if n := len(spans); n > 0 && spans[n-1].Type == c.kind && d.mergeable(spans[n-1].End, c.start, c.kind) {
			spans[n-1].End = c.end
			spans[n-1].Confidence = max(spans[n-1].Confidence, c.conf)
			continue
		}
		spans = append(spans, Span{Start: c.start, End: c.end, Type: c.kind, Confidence: round2(c.conf)})
	}
	for i := range spans {
		spans[i].Text = d.text[spans[i].Start:spans[i].End]
	}
	return spans
}

// mergeable reports whether two spans of one kind separated by
// text[end:start] form one identifier: names split by a space or a hyphen,
// address parts split by spaces, line breaks and commas.
func (d *doc) mergeable(end, start int, kind Kind) bool {
	gap := d.text[end:start]
	switch kind {
	case KindName:
		return strings.Trim(gap, " -") == "" && !strings.Contains(gap, "\n")
	case KindAddress:
		return strings.Trim(gap, " \t\r\n,") == ""
	}
	return false
}

func round2(x float64) float64 { return float64(int(x*100+0.5)) / 100 }
