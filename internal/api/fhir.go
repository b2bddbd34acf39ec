package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/fhir"
	"github.com/medcode/medcode/internal/phi"
)

// fhirMaxEntries bounds the documents of one Bundle; larger sets go to
// /api/v1/batches.
const fhirMaxEntries = 50

// fhirCode codes FHIR R4 input: a DocumentReference (answered with a
// collection Bundle of Conditions and a draft Claim) or a Bundle of them
// (answered with a batch-response Bundle, one entry per document). The
// note is the text/plain attachment's base64 data. Query parameters carry
// what the JSON API has in its body: no_phi_attested=true and profile.
// Errors are OperationOutcomes.
func (h *Handler) fhirCode(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	attested, _ := strconv.ParseBool(q.Get("no_phi_attested"))
	profile := q.Get("profile")
	limit := int64(fhirMaxEntries)*(2*int64(h.MaxNoteBytes)+4<<10) + 1<<20
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeFHIR(w, http.StatusRequestEntityTooLarge, fhir.NewOutcome("error", "too-costly", fmt.Sprintf("The request body is larger than %d bytes.", limit)))
			return
		}
		writeFHIR(w, http.StatusBadRequest, fhir.NewOutcome("error", "invalid", "The request body could not be read."))
		return
	}
	in, err := fhir.Decode(body, h.MaxNoteBytes, fhirMaxEntries)
	if err != nil {
		var fe *fhir.Error
		if errors.As(err, &fe) {
			writeFHIR(w, http.StatusBadRequest, fe.Outcome())
			return
		}
		h.failFHIR(w, r, err)
		return
	}
	code := func(n fhir.Note) ([]byte, error) {
		rec, err := h.Analyses.Analyze(r.Context(), workspace(r), analysis.Request{Note: n.Text, Attested: attested, Profile: profile})
		if err != nil {
			return nil, err
		}
		b, err := fhir.Result(n, rec.ID, rec.Result, rec.CreatedAt)
		if err != nil {
			return nil, err
		}
		return json.Marshal(b)
	}
	if !in.Bundle {
		out, err := code(in.Notes[0])
		if err != nil {
			h.failFHIR(w, r, err)
			return
		}
		w.Header().Set("Content-Type", fhir.MediaType)
		w.WriteHeader(http.StatusOK)
		w.Write(out)
		return
	}
	resp := &fhir.Bundle{ResourceType: "Bundle", Type: "batch-response"}
	for i, n := range in.Notes {
		var entry fhir.BundleEntry
		if in.Errors[i] != nil {
			entry.Response = &fhir.BundleResponse{Status: "400 Bad Request", Outcome: in.Errors[i].Outcome()}
			resp.Entry = append(resp.Entry, entry)
			continue
		}
		switch out, err := code(n); {
		case err != nil:
			status, outcome := h.outcomeOf(r, err)
			entry.Response = &fhir.BundleResponse{Status: strconv.Itoa(status) + " " + http.StatusText(status), Outcome: outcome}
		default:
			entry.Resource = out
			entry.Response = &fhir.BundleResponse{Status: "200 OK"}
		}
		resp.Entry = append(resp.Entry, entry)
	}
	writeFHIR(w, http.StatusOK, resp)
}

// issueTypes maps error codes to FHIR IssueType codes.
var issueTypes = map[apperr.Code]string{
	apperr.Invalid:       "invalid",
	apperr.Unauthorized:  "login",
	apperr.Forbidden:     "forbidden",
	apperr.NotFound:      "not-found",
	apperr.TooLarge:      "too-costly",
	apperr.PHIFound:      "security",
	apperr.RateLimited:   "throttled",
	apperr.QuotaExceeded: "throttled",
	apperr.Unavailable:   "transient",
	apperr.Internal:      "exception",
}

// outcomeOf turns an error into a status and an OperationOutcome; only
// internal errors are logged. PHI spans are told by offset and type, never
// text.
func (h *Handler) outcomeOf(r *http.Request, err error) (int, *fhir.OperationOutcome) {
	code := apperr.CodeOf(err)
	if code == apperr.Internal {
		h.Log.Error("FHIR request failed", "path", r.URL.Path, "err", err)
	}
	msg := apperr.MessageOf(err)
	if d, ok := apperr.DetailsOf(err).(map[string]any); ok {
		if spans, ok := d["spans"].([]phi.Span); ok {
			var at []string
			for _, s := range spans {
				at = append(at, fmt.Sprintf("%s at bytes %d-%d", s.Type, s.Start, s.End))
			}
			msg += " Found: " + strings.Join(at, ", ") + "."
		}
	}
	return apperr.Status(err), fhir.NewOutcome("error", issueTypes[code], msg)
}

func (h *Handler) failFHIR(w http.ResponseWriter, r *http.Request, err error) {
	status, outcome := h.outcomeOf(r, err)
	writeFHIR(w, status, outcome)
}

func writeFHIR(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", fhir.MediaType)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
