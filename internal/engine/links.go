package engine

import (
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
)

// withLinks are the relations the engine reads out of the Alphabetic Index
// itself rather than from a hand-written table:
//   - "Diabetes, type 2, with, chronic kidney disease E11.22": a diabetes
//     of category E11 and a coded condition of category N18 anywhere in
//     the note take E11.22 (the "with" convention, Guidelines I.A.15);
//   - "History, family (of), diabetes mellitus Z83.3": a family member's
//     condition of category E11 is coded Z83.3;
//   - "History, personal (of), malignant neoplasm, breast Z85.3": the
//     patient's past condition of category C50 is coded Z85.3.
//
// The condition of each entry is found by running the entry's own words
// through the lexicon, so the links follow the release's Index. A
// condition is keyed by the broadest tabular group whose title still names
// it (conditionKey): "chronic kidney disease" is all of N18, "neuralgia" is
// M79.2 and not the myalgia beside it in M79.
type withLinks struct {
	// combos[diabetes category][condition key] = combination code
	combos   map[string]map[string]linkTarget
	family   historyLinks
	personal historyLinks
	// exposure maps a condition to its contact or exposure code
	// ("Exposure (to), COVID-19 Z20.822"): another person's condition.
	exposure map[string]linkTarget
}

// historyLinks map a condition to its family or personal history code: by
// condition key (the Index's History entries), else by the condition's
// chapter when a history code names a chapter's diseases ("Family history
// of ... other diseases of the circulatory system" Z82.49).
type historyLinks struct {
	byKey     map[string]linkTarget
	byChapter map[string]linkTarget
}

// lookup finds the link of a coded condition: its own code's, else the
// nearest ancestor's.
func (rc *releaseCoder) lookup(links map[string]linkTarget, code string) (linkTarget, bool) {
	if l, ok := links[code]; ok {
		return l, true
	}
	for _, a := range rc.release.ICD.Ancestors(code) {
		if l, ok := links[a.Code]; ok {
			return l, true
		}
	}
	return linkTarget{}, false
}

// history finds the history code of a coded condition.
func (rc *releaseCoder) history(h historyLinks, code string) (linkTarget, bool) {
	if l, ok := rc.lookup(h.byKey, code); ok {
		return l, true
	}
	if c, ok := rc.release.ICD.Lookup(code); ok {
		l, ok := h.byChapter[c.Chapter]
		return l, ok
	}
	return linkTarget{}, false
}

// linkTarget is the code an Index entry gives, with the entry's path.
type linkTarget struct {
	code string
	path string
}

// buildWithLinks derives the links from the release's Index.
func buildWithLinks(rc *releaseCoder, e *Engine) *withLinks {
	l := &withLinks{combos: map[string]map[string]linkTarget{},
		family:   historyLinks{byKey: map[string]linkTarget{}, byChapter: map[string]linkTarget{}},
		personal: historyLinks{byKey: map[string]linkTarget{}, byChapter: map[string]linkTarget{}},
		exposure: map[string]linkTarget{}}
	for _, m := range rc.index.MainTerms() {
		key := icd.MatchKey(firstPart(m.Title))
		switch {
		case e.rules.noteWideWith[key]:
			l.addCombos(rc, e, m)
		case key == "exposure":
			l.addHistory(rc, e, m, l.exposure)
		case key == "history":
			for _, sub := range m.Children {
				switch icd.MatchKey(sub.Title) {
				case "family":
					l.addHistory(rc, e, sub, l.family.byKey)
				case "personal":
					l.addHistory(rc, e, sub, l.personal.byKey)
				}
			}
		}
	}
	l.addChapterHistory(rc.release.ICD)
	return l
}

// addChapterHistory maps each chapter to the history code whose title
// names its diseases: "Family history of ischemic heart disease and other
// diseases of the circulatory system" (Z82.49) for chapter 9, "Personal
// history of other diseases of the digestive system" (Z87.19) for 11.
func (l *withLinks) addChapterHistory(tab *icd.Tabular) {
	for c := range tab.BillableCodes() {
		var into map[string]linkTarget
		switch {
		case c.Code >= "Z80" && c.Code < "Z85":
			into = l.family.byChapter
		case c.Code >= "Z85" && c.Code < "Z88":
			into = l.personal.byChapter
		default:
			continue
		}
		title := strings.ToLower(c.Title)
		i := strings.Index(title, "diseases of the ")
		if i < 0 {
			continue
		}
		named := strings.TrimSpace(title[i:])
		for _, ch := range tab.Chapters() {
			chTitle := strings.ToLower(ch.Title)
			if j := strings.Index(chTitle, " ("); j > 0 {
				chTitle = chTitle[:j]
			}
			if strings.HasPrefix(chTitle, "diseases of the ") && strings.HasPrefix(named, chTitle) {
				if _, dup := into[ch.Name]; !dup {
					into[ch.Name] = linkTarget{code: c.Code, path: c.Code + " " + c.Title}
				}
			}
		}
	}
}

// addCombos reads the "with" subterms of a main term and of its subterms
// one level down (the diabetes types).
func (l *withLinks) addCombos(rc *releaseCoder, e *Engine, main *icd.Term) {
	visit := func(owner *icd.Term) {
		ownerCode, _, ok := rc.nav.complete(owner.Code, navContext{}, "")
		if owner.Code == "" || !ok {
			return
		}
		category := ownerCode.Category()
		for _, w := range owner.Children {
			if strings.ToLower(w.Title) != "with" {
				continue
			}
			for _, cond := range w.Children {
				if cond.Code == "" || strings.HasSuffix(cond.Code, "-") {
					continue
				}
				key, ok := conditionKey(rc, e, cond.Title)
				if !ok || strings.HasPrefix(key, category) || strings.HasPrefix(cond.Code, key) {
					continue
				}
				if l.combos[category] == nil {
					l.combos[category] = map[string]linkTarget{}
				}
				if _, dup := l.combos[category][key]; !dup {
					l.combos[category][key] = linkTarget{code: cond.Code, path: cond.PathString()}
				}
			}
		}
	}
	visit(main)
	for _, t := range main.Children {
		visit(t)
	}
}

// addHistory maps each condition under a "History, family/personal"
// subterm, or under "Exposure", to its history or contact code.
func (l *withLinks) addHistory(rc *releaseCoder, e *Engine, parent *icd.Term, into map[string]linkTarget) {
	var walk func(t *icd.Term, prefix string)
	walk = func(t *icd.Term, prefix string) {
		for _, ch := range t.Children {
			phrase := strings.TrimSpace(prefix + " " + ch.Title)
			if ch.Code != "" && !strings.HasSuffix(ch.Code, "-") && (strings.HasPrefix(ch.Code, "Z") || strings.HasPrefix(ch.Code, "I25.2")) {
				if key, ok := conditionKey(rc, e, phrase); ok && !strings.HasPrefix(key, "Z") {
					if _, dup := into[key]; !dup {
						into[key] = linkTarget{code: ch.Code, path: ch.PathString()}
					}
				}
			}
			walk(ch, phrase)
		}
	}
	walk(parent, "")
}

// conditionKey runs a phrase through the lexicon and returns the key of the
// condition it names: the code it finds, widened to each ancestor whose
// title still holds every word of the phrase ("chronic kidney disease" →
// N18.9 → N18 "Chronic kidney disease (CKD)"; "neuralgia" → M79.2, whose
// category "Other and unspecified soft tissue disorders" is wider).
func conditionKey(rc *releaseCoder, e *Engine, phrase string) (string, bool) {
	code := phraseCode(rc, e, phrase)
	if code == "" {
		return "", false
	}
	c, _, ok := rc.nav.complete(code, navContext{}, "")
	if !ok {
		return "", false
	}
	want := e.words(dropRaw(phrase, e.rules.dropWords))
	key := c.Code
	for _, a := range rc.release.ICD.Ancestors(c.Code) {
		have := map[string]bool{}
		for _, w := range e.words(a.Title) {
			have[w] = true
		}
		if !allIn(want, have) {
			break
		}
		key = a.Code
	}
	return key, true
}

// phraseCode codes a phrase of the Index (a "with" or history subterm)
// the way a note is coded: its best reading (the one using most of its
// words, at least half), followed through cross-references and the
// Neoplasm Table ("malignant neoplasm, skin" is C44.90); "" when no
// reading covers half of it.
func phraseCode(rc *releaseCoder, e *Engine, phrase string) string {
	if v, ok := rc.phraseCache.Load(phrase); ok {
		return v.(string)
	}
	code := codePhrase(rc, e, phrase)
	rc.phraseCache.Store(phrase, code)
	return code
}

// codePhrase is phraseCode without the cache.
func codePhrase(rc *releaseCoder, e *Engine, phrase string) string {
	phrase = dropRaw(phrase, e.rules.dropWords)
	ws := e.words(phrase)
	if len(ws) == 0 {
		return ""
	}
	c := newNoteCoder(e, rc, e.nlp.Analyze(phrase), Options{Profile: ProfileAbstract})
	c.tokens()
	c.matchLexicon(rc.lex, c.toks)
	var best *mention
	for _, m := range c.mentions {
		if best == nil || m.words > best.words {
			best = m
		}
	}
	if best == nil || best.words*2 < len(ws) {
		return ""
	}
	res, ok := c.resolveTarget(best)
	if !ok {
		return ""
	}
	ref := res.neo
	if ref == nil {
		ref = res.neoAlso
	}
	if ref != nil {
		if code, _, ok := rc.neoplasms.code(rc.nav, *ref, c.navContext(best, res.main), false); ok {
			return code.Code
		}
	}
	return res.code
}

// termCode returns the code an Index term gives, following one "see"
// cross-reference and climbing to the nearest coded ancestor.
func termCode(rc *releaseCoder, t *icd.Term) string {
	for p := t; p != nil; p = p.Parent {
		if p.Code != "" {
			return p.Code
		}
		if p.See != "" {
			if res, ok := rc.index.Resolve(p.See); ok {
				if res.Code != "" {
					return res.Code
				}
				if tg := res.Target(); tg != nil && tg.Code != "" {
					return tg.Code
				}
			}
			return ""
		}
	}
	return ""
}
