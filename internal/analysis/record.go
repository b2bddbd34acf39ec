package analysis

import (
	"reflect"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/phi"
)

// Record is one analysis as the UI and the API show it. It never holds the
// note: evidence carries offsets only, and Preview is set only when the user
// asked for it on a PHI-clean note.
type Record struct {
	ID            string              `json:"id"`
	CreatedAt     time.Time           `json:"created_at"`
	Cached        bool                `json:"cached"`
	Profile       string              `json:"profile"`
	Release       string              `json:"release"`
	EngineVersion string              `json:"engine_version"`
	NoteSHA256    string              `json:"note_sha256"`
	Preview       string              `json:"preview,omitempty"`
	Result        *engine.Result      `json:"result"`
	Decisions     map[string]Decision `json:"decisions,omitempty"`
}

// Summary is one line of the history.
type Summary struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Cached    bool      `json:"cached"`
	Profile   string    `json:"profile"`
	Release   string    `json:"release"`
	Codes     []string  `json:"codes"`
	Preview   string    `json:"preview,omitempty"`
}

// Decision is a coder's verdict on one suggested code.
type Decision string

// The decisions.
const (
	Accepted Decision = "accepted"
	Rejected Decision = "rejected"
)

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

var (
	evidenceType = reflect.TypeFor[engine.Evidence]()
	spanType     = reflect.TypeFor[phi.Span]()
)

// stripText clears the Text of every engine.Evidence and phi.Span anywhere
// in the result, found by reflection so that evidence fields added to the
// result later are stripped too. Offsets stay.
func stripText(r *engine.Result) {
	stripValue(reflect.ValueOf(r))
}

func stripValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			stripValue(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			stripValue(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			stripValue(e)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		if (v.Type() == evidenceType || v.Type() == spanType) && v.CanSet() {
			v.FieldByName("Text").SetString("")
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				stripValue(v.Field(i))
			}
		}
	}
}
