package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/engine/procedure"
	"github.com/medcode/medcode/internal/nlp"
	"github.com/medcode/medcode/internal/phi"
)

// version is the engine's own version; Version adds a digest of the
// embedded tables so that a change of lexicon changes the version.
const version = "0.1.0"

// Engine codes notes. It is immutable after New (per-release pattern sets
// are compiled once, on first use) and safe for concurrent use.
type Engine struct {
	set     *codeset.Set
	nlp     *nlp.Analyzer
	tables  *tables
	rules   *indexRules
	learned *learnedTable
	context *contextLexicon
	// forms are the canonical word forms and number qualifiers
	// (tables/word_forms.tsv).
	forms   *wordForms
	proc    *procedure.Coder // procedures and the E/M level (procedures.go)
	now     func() time.Time
	version string
	// learnedPath is a learned table to load instead of the embedded one.
	learnedPath string

	mu       sync.Mutex
	releases map[*codeset.Release]*releaseOnce
}

// releaseOnce compiles a release's coder once.
type releaseOnce struct {
	once sync.Once
	rc   *releaseCoder
	err  error
}

// releaseCoder is everything compiled for one code-set release.
type releaseCoder struct {
	release *codeset.Release
	// index is the Alphabetic Index used to find candidates: the release's
	// own, else the nearest release's that has one (indexFrom names it).
	index     *icd.Index
	indexFrom *codeset.Release
	lex       *lexicon
	learned   *lexicon // learned phrases, abstract profile only
	nav       *navigator
	drugs     *drugCoder
	neoplasms *neoplasmCoder
	withLinks *withLinks
	// titles holds the split of every Index term's title, for refinement.
	titles map[*icd.Term]titleSplit
	// bmi are the adult BMI bands of the tabular.
	bmi []bmiBand
	// noteCache holds the inherited tabular notes of the codes looked at.
	noteCache *sync.Map // code → []icd.Note
	// childCache holds the indexed subterms of the terms refined.
	childCache *sync.Map // *icd.Term → *childOptions
	// phraseCache holds the codes of the Index phrases coded (phraseCode).
	phraseCache *sync.Map // phrase → code
}

// notes returns the tabular notes that apply to code (its own and its
// ancestors'), computed once per code.
func (rc *releaseCoder) notes(code string) []icd.Note {
	if v, ok := rc.noteCache.Load(code); ok {
		return v.([]icd.Note)
	}
	ns := rc.release.ICD.NotesFor(code)
	rc.noteCache.Store(code, ns)
	return ns
}

// titleSplit is an Index title read as words (see titleWords).
type titleSplit struct {
	alts          [][]string
	connector, ok bool
	statable      bool
}

// Option adjusts New.
type Option func(*Engine)

// WithLearnedFile replaces the embedded learned table by the file at path
// (to try a table built by Learn before committing it).
func WithLearnedFile(path string) Option {
	return func(e *Engine) { e.learnedPath = path }
}

// WithClock sets the clock that dates a note with no date of service
// (tests pin it).
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// New builds an engine over the installed code sets.
func New(set *codeset.Set, opts ...Option) (*Engine, error) {
	if set == nil || len(set.Releases()) == 0 {
		return nil, errors.New("engine: no code-set release installed")
	}
	a, err := nlp.New()
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	e := &Engine{set: set, nlp: a, now: time.Now, releases: map[*codeset.Release]*releaseOnce{}}
	for _, o := range opts {
		o(e)
	}
	if e.forms, err = loadWordForms(dataFS, e.nlp); err != nil {
		return nil, err
	}
	if e.tables, err = loadTables(dataFS, e.words, e.nlp.MedicationClass); err != nil {
		return nil, err
	}
	if e.rules, err = loadIndexRules(dataFS, e.words); err != nil {
		return nil, err
	}
	if e.learnedPath != "" {
		dir, name := filepath.Split(e.learnedPath)
		if dir == "" {
			dir = "."
		}
		e.learned, err = loadLearned(os.DirFS(dir), name)
	} else {
		e.learned, err = loadLearned(dataFS, "tables/learned.tsv")
	}
	if err != nil {
		return nil, err
	}
	if e.context, err = loadContextLexicon(dataFS, e.words); err != nil {
		return nil, err
	}
	if e.version, err = dataVersion(dataFS); err != nil {
		return nil, err
	}
	if e.proc, err = newProcedureCoder(set.Dir); err != nil {
		return nil, err
	}
	return e, nil
}

// Version names the engine build and its tables, e.g. "0.1.0+3f2a9c1b".
func (e *Engine) Version() string { return e.version }

func dataVersion(fsys fs.FS) (string, error) {
	names, err := fs.Glob(fsys, "tables/*")
	if err != nil {
		return "", fmt.Errorf("engine: %w", err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", fmt.Errorf("engine: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", n, len(b))
		h.Write(b)
	}
	return version + "+" + hex.EncodeToString(h.Sum(nil))[:8], nil
}

// words normalizes dictionary text the way the note's words are read
// (noteWords): without function words, each word in its canonical form,
// a qualifier and its number joined.
func (e *Engine) words(phrase string) []string {
	ws := e.nlp.NormalizePhrase(phrase)
	out := ws[:0]
	for _, w := range ws {
		if !e.nlp.IsStop(w) {
			out = append(out, e.form(w))
		}
	}
	return e.forms.bind(out)
}

// form returns the canonical form of a normalized word.
func (e *Engine) form(w string) string { return e.forms.form(w) }

// coderFor returns the compiled coder of the release for dos (releaseFor),
// with the warning a date outside the installed releases brings.
func (e *Engine) coderFor(dos time.Time) (*releaseCoder, *Warning, error) {
	rel, warn, err := e.releaseFor(dos)
	if err != nil {
		return nil, nil, err
	}
	rc, err := e.coderOf(rel)
	return rc, warn, err
}

// coderOf returns the compiled coder of a release, compiling it once.
func (e *Engine) coderOf(rel *codeset.Release) (*releaseCoder, error) {
	e.mu.Lock()
	ro, ok := e.releases[rel]
	if !ok {
		ro = &releaseOnce{}
		e.releases[rel] = ro
	}
	e.mu.Unlock()
	ro.once.Do(func() { ro.rc, ro.err = e.compile(rel) })
	return ro.rc, ro.err
}

// Prepare compiles the coder of the release for dos ahead of the first
// note (servers call it at start; benchmarks before timing).
func (e *Engine) Prepare(dos time.Time) error {
	_, _, err := e.coderFor(dos)
	return err
}

// compile builds the pattern set and helpers of one release.
func (e *Engine) compile(rel *codeset.Release) (*releaseCoder, error) {
	rc := &releaseCoder{release: rel, index: rel.Index, indexFrom: rel, noteCache: &sync.Map{}, childCache: &sync.Map{}, phraseCache: &sync.Map{}}
	if rc.index == nil {
		rc.indexFrom = e.nearestWith(rel, func(r *codeset.Release) bool { return r.Index != nil })
		if rc.indexFrom == nil {
			return nil, fmt.Errorf("engine: no installed release has an Alphabetic Index to code %s with", rel.Name)
		}
		rc.index = rc.indexFrom.Index
	}
	b := newLexiconBuilder(e.words, e.rules)
	rc.titles = map[*icd.Term]titleSplit{}
	byTitle := map[string]titleSplit{}
	for t := range rc.index.All() {
		title := statedTitle(t)
		ts, done := byTitle[title]
		if !done {
			alts, connector, ok := b.titleWords(title, false)
			ts = titleSplit{alts: alts, connector: connector, ok: ok, statable: statable(t.Title)}
			byTitle[title] = ts
		}
		rc.titles[t] = ts
	}
	b.addIndex(rc.index)
	b.addTabular(rel.ICD)
	if err := b.addSynonyms(dataFS, rc.index); err != nil {
		return nil, err
	}
	rc.lex = b.build()
	rc.learned = e.learned.lexicon(e.words, e.rules)
	rc.nav = newNavigator(rel.ICD, e.words, e.rules.dropWords)
	rc.bmi = bmiBands(rel.ICD)
	drugs := rel.Drugs
	if drugs == nil {
		if r := e.nearestWith(rel, func(r *codeset.Release) bool { return r.Drugs != nil }); r != nil {
			drugs = r.Drugs
		}
	}
	neo := rel.Neoplasms
	if neo == nil {
		if r := e.nearestWith(rel, func(r *codeset.Release) bool { return r.Neoplasms != nil }); r != nil {
			neo = r.Neoplasms
		}
	}
	var err error
	if rc.drugs, err = newDrugCoder(drugs, e.words, dataFS); err != nil {
		return nil, err
	}
	rc.neoplasms = newNeoplasmCoder(neo, e.words, e.rules.dropWords)
	rc.withLinks = buildWithLinks(rc, e)
	return rc, nil
}

// nearestWith returns the release closest in time to rel that satisfies
// has, or nil.
func (e *Engine) nearestWith(rel *codeset.Release, has func(*codeset.Release) bool) *codeset.Release {
	var best *codeset.Release
	var bestGap time.Duration
	for _, r := range e.set.Releases() {
		if !has(r) {
			continue
		}
		gap := r.EffectiveFrom.Sub(rel.EffectiveFrom)
		if gap < 0 {
			gap = -gap
		}
		if best == nil || gap < bestGap {
			best, bestGap = r, gap
		}
	}
	return best
}

// Code codes one note. The note text is never logged or kept.
func (e *Engine) Code(ctx context.Context, note string, opts Options) (*Result, error) {
	opts, err := opts.normalize(e.now())
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rc, warn, err := e.coderFor(opts.DOS)
	if err != nil {
		return nil, err
	}
	doc := e.nlp.Analyze(note)
	c := newNoteCoder(e, rc, doc, opts)
	if warn != nil {
		c.warnings = append(c.warnings, *warn)
	}
	c.run()
	res := c.result()
	if err := e.codeProcedures(res, c.dxSupport, doc, rc.release, opts); err != nil {
		return nil, err
	}
	// The PHI detector's spans keep their text here, for the caller to show;
	// whoever stores a result strips it (Evidence and phi.Span alike).
	if spans := phi.Scan(note); len(spans) > 0 {
		res.PHI = PHIReport{Found: true, Spans: spans}
	}
	return res, nil
}
