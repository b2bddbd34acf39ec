package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/org"
)

// claimNewData is the form that makes a claim from an analysis.
type claimNewData struct {
	Record       *analysis.Record
	Codes        []string // the codes as the coder decided them
	PayerClasses []claims.PayerClass
	BAA          bool
	Form         map[string]string
}

func (h *Handler) claimNewData(r *http.Request, ws org.Workspace, form map[string]string) (*claimNewData, error) {
	rec, err := h.Analyses.Get(r.Context(), ws, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := &claimNewData{Record: rec, PayerClasses: claims.PayerClasses, BAA: ws.BAA(), Form: form}
	for _, code := range analysis.Codes(rec.Result) {
		switch rec.Decisions[code] {
		case analysis.Rejected:
		case analysis.Changed:
			d.Codes = append(d.Codes, rec.Replacements[code])
		default:
			d.Codes = append(d.Codes, code)
		}
	}
	if d.Form == nil {
		class := rec.Payer
		if class == "" {
			class = string(claims.Commercial)
		}
		d.Form = map[string]string{"dos": claims.DateOf(rec.CreatedAt).String(), "payer_class": class, "patient_sex": "U",
			"claim_id": "A" + strings.ToUpper(strings.TrimPrefix(rec.ID, "an_"))[:10]}
	}
	return d, nil
}

// claimNewForm asks what a claim made from an analysis needs beyond its
// codes.
func (h *Handler) claimNewForm(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	d, err := h.claimNewData(r, ws, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "claim_new", h.newPage(r, "New claim", "claims", d))
}

// encounterFields are the fields of the form.
var encounterFields = []string{"claim_id", "dos", "place_of_service", "payer_id", "payer_name", "payer_class", "patient_age", "patient_sex",
	"patient_last_name", "patient_first_name", "patient_birth_date", "member_id", "rendering_npi", "rendering_last_name", "rendering_first_name"}

// claimFromAnalysis makes the claim and opens it.
func (h *Handler) claimFromAnalysis(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "The form could not be read."))
		return
	}
	form := map[string]string{}
	for _, k := range encounterFields {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	c, err := h.encounterClaim(r, ws, form)
	if err != nil {
		d, derr := h.claimNewData(r, ws, form)
		if derr != nil {
			h.fail(w, r, derr)
			return
		}
		h.formError(w, r, err, "claim_new", h.newPage(r, "New claim", "claims", d))
		return
	}
	h.flash(r, "Claim made from the analysis and scrubbed.")
	redirect(w, r, base(ws)+"/claims/"+c.ID)
}

func (h *Handler) encounterClaim(r *http.Request, ws org.Workspace, form map[string]string) (*billing.Claim, error) {
	e := billing.Encounter{ClaimID: form["claim_id"], PlaceOfService: form["place_of_service"],
		Payer: claims.Payer{ID: form["payer_id"], Name: form["payer_name"]}}
	var err error
	if e.DOS, err = claims.ParseDate(form["dos"]); err != nil {
		return nil, apperr.New(apperr.Invalid, "The date of service: %v.", err)
	}
	if e.Payer.Class, err = claims.ParsePayerClass(form["payer_class"]); err != nil {
		return nil, apperr.New(apperr.Invalid, "The payer class: %v.", err)
	}
	if e.Patient.Age, err = strconv.Atoi(form["patient_age"]); err != nil {
		return nil, apperr.New(apperr.Invalid, "The patient's age is a whole number of years.")
	}
	if e.Patient.Sex, err = claims.ParseSex(form["patient_sex"]); err != nil {
		return nil, apperr.New(apperr.Invalid, "The patient's sex is M, F or U.")
	}
	if ws.BAA() && form["patient_last_name"] != "" {
		e.Patient.Identity = &claims.Person{LastName: form["patient_last_name"], FirstName: form["patient_first_name"]}
		if e.Patient.Identity.BirthDate, err = claims.ParseDate(form["patient_birth_date"]); err != nil {
			return nil, apperr.New(apperr.Invalid, "The patient's birth date: %v.", err)
		}
		if form["member_id"] != "" {
			e.Insured = &claims.Insured{MemberID: form["member_id"]}
		}
	}
	if form["rendering_npi"] != "" {
		e.Rendering = &claims.Provider{NPI: form["rendering_npi"], LastName: form["rendering_last_name"], FirstName: form["rendering_first_name"]}
	}
	return h.Billing.FromAnalysis(r.Context(), ws, r.PathValue("id"), e)
}
