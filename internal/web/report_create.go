package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/billing/revenue"
	"github.com/medcode/medcode/internal/billing/upload"
	"github.com/medcode/medcode/internal/phi"
)

// formOverheadUpload is room for the form's fields and part headers.
const formOverheadUpload = 1 << 20

// reportCreate takes the upload and queues the report, then shows its
// progress; a refused upload comes back with the reason (for notes with
// PHI, which notes and what was found in them).
func (h *Handler) reportCreate(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	rep, err := h.createReport(w, r)
	if err != nil {
		data, lerr := h.reportListData(r, ws)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		p := h.newPage(r, "60-day revenue analysis", "reports", data)
		if details, ok := apperr.DetailsOf(err).(map[string]any); ok {
			data.Blocked, _ = details["notes"].([]revenue.Blocked)
		}
		h.formError(w, r, err, "reports", p)
		return
	}
	redirect(w, r, base(ws)+"/reports/"+rep.ID)
}

func (h *Handler) createReport(w http.ResponseWriter, r *http.Request) (*revenue.Report, error) {
	up, err := upload.Read(w, r, h.Reports.MaxUploadBytes()+formOverheadUpload)
	if err != nil {
		return nil, err
	}
	// The report re-codes the notes: new analyses wait for a changed
	// policy to be accepted.
	if err := h.Policies.RequireAccepted(r.Context(), user(r)); err != nil {
		return nil, err
	}
	in := revenue.Upload{Remits: up.Files["remits"], Notes: up.File("notes"), Attested: up.Fields["attest"] != ""}
	if f := up.File("claims"); f != nil {
		in.Claims = *f
	}
	return h.Reports.Create(r.Context(), workspace(r), in)
}

// blockedKinds lists what the guard found in one note, for the page.
func blockedKinds(b revenue.Blocked) []string {
	var out []string
	for _, k := range phi.Kinds() {
		if n := b.Counts[k]; n > 0 {
			out = append(out, plural(n, string(k)))
		}
	}
	return out
}
