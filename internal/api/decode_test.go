package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/apperr"
)

func TestDecodeNamesTheProblem(t *testing.T) {
	tests := []struct {
		body string
		code apperr.Code
		want string
	}{
		{`{"note":"x","no_phi_attested":true}`, "", ""},
		{``, apperr.Invalid, "empty"},
		{`{"note":`, apperr.Invalid, "ends too early"},
		{`{"note":1}`, apperr.Invalid, `"note" must be a string`},
		{`{"note":"x"} {"note":"y"}`, apperr.Invalid, "more than one JSON value"},
		{`{"nite":"x"}`, apperr.Invalid, `unknown field "nite"`},
		{`{"note":"x",}`, apperr.Invalid, "not valid JSON (at byte 13)"},
		{`{"note":"` + strings.Repeat("a", 200) + `"}`, apperr.TooLarge, "larger than 100 bytes"},
	}
	for _, tt := range tests {
		var in AnalysisRequest
		r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
		err := decode(httptest.NewRecorder(), r, 100, &in)
		if apperr.CodeOf(err) != tt.code || !strings.Contains(apperr.MessageOf(err)+" ", tt.want) {
			t.Errorf("%q: %v, want %q about %q", tt.body, err, tt.code, tt.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(`{"note":"cough","no_phi_attested":true,"save_preview":false,"profile":"abstract"}`)
	f.Add(`{"note":"\u00e9\n"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		var in AnalysisRequest
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		if err := decode(httptest.NewRecorder(), r, 4096, &in); err != nil && apperr.CodeOf(err) == apperr.Internal {
			t.Fatalf("decode error without a public message: %v", err)
		}
	})
}
