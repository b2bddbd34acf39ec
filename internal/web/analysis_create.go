package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/phi"
)

// formOverhead is room for the form fields around the note.
const formOverhead = 64 << 10

func (h *Handler) analysisCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, int64(h.MaxNoteBytes)+formOverhead)
	note, err := h.noteFromForm(r)
	if err == nil {
		// A changed policy must be accepted before new analyses.
		err = h.Policies.RequireAccepted(r.Context(), user(r))
	}
	if err != nil {
		h.analysisFailed(w, r, err)
		return
	}
	ws := workspace(r)
	rec, err := h.Analyses.Analyze(r.Context(), ws, analysis.Request{
		Note:        note,
		Attested:    r.PostFormValue("attest") != "",
		SavePreview: r.PostFormValue("save_preview") != "",
		Profile:     r.PostFormValue("profile"),
		Payer:       r.PostFormValue("payer"),
		PatientType: r.PostFormValue("patient_type"),
	})
	if err != nil {
		h.analysisFailed(w, r, err)
		return
	}
	if !isHTMX(r) {
		redirect(w, r, base(ws)+"/analyses/"+rec.ID)
		return
	}
	// The fragment also refreshes the usage line beside the form.
	usage, err := h.Analyses.Usage(r.Context(), ws)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := newAnalyzeData(ws)
	data.Record, data.RefreshUsage = newRecordView(ws, rec), usage
	h.render(w, r, http.StatusCreated, "analyze", h.newPage(r, "Analyze a note", "analyze", data))
}

// noteFromForm takes the pasted note, or else the uploaded .txt file.
// Browsers send a textarea's line breaks as CRLF but app.js reads them as
// LF; the note is coded with LF so evidence offsets match what app.js sees.
func (h *Handler) noteFromForm(r *http.Request) (string, error) {
	// ParseMultipartForm would drop the error of a URL-encoded form (an
	// oversized one would read as an empty note), so each kind is parsed
	// by its own call.
	var err error
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", apperr.New(apperr.TooLarge, "The note is larger than %d bytes.", h.MaxNoteBytes)
		}
		return "", apperr.New(apperr.Invalid, "The form could not be read.")
	}
	note := r.PostFormValue("note")
	if strings.TrimSpace(note) == "" {
		f, hdr, err := r.FormFile("file")
		if err == nil {
			defer f.Close()
			if ext := strings.ToLower(filepath.Ext(hdr.Filename)); ext != ".txt" {
				return "", apperr.New(apperr.Invalid, "Upload a plain-text .txt file.")
			}
			b, err := io.ReadAll(io.LimitReader(f, int64(h.MaxNoteBytes)+1))
			if err != nil {
				return "", apperr.New(apperr.Invalid, "The file could not be read.")
			}
			note = string(b)
		}
	}
	return strings.ReplaceAll(note, "\r\n", "\n"), nil
}

// analysisFailed shows why an analysis was refused: in the result area for
// htmx, or on the analyze page.
func (h *Handler) analysisFailed(w http.ResponseWriter, r *http.Request, err error) {
	if apperr.CodeOf(err) == apperr.Internal {
		h.fail(w, r, err)
		return
	}
	ws := workspace(r)
	data := newAnalyzeData(ws)
	if details, ok := apperr.DetailsOf(err).(map[string]any); ok {
		data.PHISpans, _ = details["spans"].([]phi.Span)
	}
	usage, _ := h.Analyses.Usage(r.Context(), ws)
	if isHTMX(r) {
		data.RefreshUsage = usage
	} else {
		data.Usage = usage
	}
	h.formError(w, r, err, "analyze", h.newPage(r, "Analyze a note", "analyze", data))
}
