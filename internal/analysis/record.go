package analysis

import (
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/nlp"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/store"
)

// Record is one analysis as the UI and the API show it. It never holds the
// note: evidence carries offsets only, Preview is set only when the user
// asked for it on a PHI-clean note, and a retained note is read apart
// (Service.Note).
type Record struct {
	ID            string         `json:"id"`
	OrgID         int64          `json:"org_id,omitempty"`
	CreatedBy     int64          `json:"created_by,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	Cached        bool           `json:"cached"`
	Profile       string         `json:"profile"`
	Payer         string         `json:"payer,omitempty"`
	PatientType   string         `json:"patient_type,omitempty"`
	RulesVersion  int            `json:"rules_version,omitempty"` // the clinic rules applied, 0 for none
	Release       string         `json:"release"`
	EngineVersion string         `json:"engine_version"`
	NoteSHA256    string         `json:"note_sha256"`
	Preview       string         `json:"preview,omitempty"`
	NoteRetained  bool           `json:"note_retained,omitempty"`
	NoteExpiresAt *time.Time     `json:"note_expires_at,omitempty"`
	Result        *engine.Result `json:"result"`
	// Decisions is the coder's verdict per code; Replacements the code
	// used instead of each changed one.
	Decisions    map[string]Decision `json:"decisions,omitempty"`
	Replacements map[string]string   `json:"replacements,omitempty"`
}

func newRecord(a *store.Analysis, result *engine.Result, preview string) *Record {
	v := parseVariant(a.Variant)
	rec := &Record{ID: a.ID, OrgID: a.OrgID, CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, Cached: a.Cached, Profile: a.Profile,
		Payer: v.Payer, PatientType: v.PatientType, RulesVersion: v.RulesVersion, Release: a.Release, EngineVersion: a.EngineVersion,
		NoteSHA256: a.NoteSHA256, Preview: preview, Result: result}
	if !a.NoteExpiresAt.IsZero() {
		at := a.NoteExpiresAt
		rec.NoteRetained, rec.NoteExpiresAt = true, &at
	}
	return rec
}

// Summary is one line of the history.
type Summary struct {
	ID           string    `json:"id"`
	CreatedAt    time.Time `json:"created_at"`
	Cached       bool      `json:"cached"`
	Profile      string    `json:"profile"`
	Release      string    `json:"release"`
	Codes        []string  `json:"codes"`
	Preview      string    `json:"preview,omitempty"`
	NoteRetained bool      `json:"note_retained,omitempty"`
}

// summaryBlob is the sealed content of store.Analysis.Summary: what the
// history list needs without opening the full result.
type summaryBlob struct {
	Codes   []string `json:"codes"`
	Preview string   `json:"preview,omitempty"`
}

// Codes lists every code of a result: diagnoses, procedures, then E/M.
func Codes(r *engine.Result) []string {
	var out []string
	for _, d := range r.Diagnoses {
		out = append(out, d.Code)
	}
	for _, p := range r.Procedures {
		out = append(out, p.Code)
	}
	if r.EM != nil && r.EM.Code != "" {
		out = append(out, r.EM.Code)
	}
	return out
}

// normalizeCode makes codes comparable for search: upper case, no dot.
func normalizeCode(c string) string {
	return strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(c)), ".", "")
}

// variant is what besides the note, profile and engine shaped a result:
// the engine options the workspace set and the clinic rules version. It
// is stored as text, part of the cache key.
type variant struct {
	Payer        string
	PatientType  string
	RulesVersion int
}

// String encodes v ("payer=medicare;patient=new;rules=3", fields left out
// when empty); the zero variant is "".
func (v variant) String() string {
	var parts []string
	if v.Payer != "" {
		parts = append(parts, "payer="+v.Payer)
	}
	if v.PatientType != "" {
		parts = append(parts, "patient="+v.PatientType)
	}
	if v.RulesVersion > 0 {
		parts = append(parts, "rules="+strconv.Itoa(v.RulesVersion))
	}
	return strings.Join(parts, ";")
}

// parseVariant reads what String wrote; unknown parts are ignored.
func parseVariant(s string) variant {
	var v variant
	for _, part := range strings.Split(s, ";") {
		k, val, _ := strings.Cut(part, "=")
		switch k {
		case "payer":
			v.Payer = val
		case "patient":
			v.PatientType = val
		case "rules":
			v.RulesVersion, _ = strconv.Atoi(val)
		}
	}
	return v
}

var (
	evidenceType = reflect.TypeFor[engine.Evidence]()
	spanType     = reflect.TypeFor[phi.Span]()
)

// visit calls fn on every engine.Evidence and phi.Span anywhere in v, and
// onString on every other settable string, found by reflection so that
// fields added to the result later are reached too.
func visit(v reflect.Value, fn func(reflect.Value), onString func(reflect.Value)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			visit(v.Elem(), fn, onString)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			visit(v.Index(i), fn, onString)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			visit(e, fn, onString)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if onString != nil && v.CanSet() {
			onString(v)
		}
	case reflect.Struct:
		if (v.Type() == evidenceType || v.Type() == spanType) && v.CanSet() {
			fn(v)
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				visit(v.Field(i), fn, onString)
			}
		}
	}
}

// stripText clears the Text of every engine.Evidence and phi.Span in the
// result (offsets stay) and elides the note's words quoted in its
// explanations.
func stripText(r *engine.Result) {
	visit(reflect.ValueOf(r), func(v reflect.Value) { v.FieldByName("Text").SetString("") },
		func(v reflect.Value) { v.SetString(nlp.ElideNoteQuotes(v.String())) })
}

// toOriginal moves every evidence offset of a result coded from a
// redacted text back onto the original note; a range covering a
// placeholder covers the whole identifier it replaced.
func toOriginal(r *engine.Result, red *phi.Redaction) error {
	var err error
	visit(reflect.ValueOf(r), func(v reflect.Value) {
		ev, ok := v.Addr().Interface().(*engine.Evidence)
		if !ok || err != nil {
			return
		}
		ev.Start, ev.End, err = red.ToOriginal(ev.Start, ev.End)
		ev.Text = ""
	}, nil)
	return err
}
