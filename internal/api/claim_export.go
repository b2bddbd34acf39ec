package api

import (
	"net/http"
	"strconv"
)

type claimExportRequest struct {
	IDs  []string `json:"ids"`
	Test bool     `json:"test"`
}

// claimExport answers the 837P batch of the claims named (every draft
// when none is), with its control number in a header.
func (h *Handler) claimExport(w http.ResponseWriter, r *http.Request) {
	var req claimExportRequest
	if err := decode(w, r, smallBody*16, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	exp, err := h.Billing.Export(r.Context(), workspace(r), req.IDs, req.Test)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/edi-x12")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exp.Filename+`"`)
	w.Header().Set("Medcode-Control-Number", strconv.Itoa(exp.ControlNumber))
	w.Header().Set("Medcode-Claims", strconv.Itoa(len(exp.Claims)))
	w.Write(exp.Data)
}
