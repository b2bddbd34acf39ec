package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
)

// claimForm is the claim edit form as text, filled from a claim or from
// what the biller typed (to show it again with the problems).
type claimForm struct {
	ClaimID, Frequency, PlaceOfService          string
	PayerID, PayerName, PayerClass              string
	PatientAge, PatientSex                      string
	LastName, FirstName, BirthDate, MemberID    string // under a BAA only
	BillingNPI, BillingName                     string
	RenderingNPI, RenderingLast, RenderingFirst string
	Diagnoses, Minutes                          string
	Lines                                       []lineForm
}

// lineForm is one service line of the form.
type lineForm struct {
	Code, Modifiers, Units, Charge, DOS, PlaceOfService, Pointers string
	// Findings are the scrubber's findings on the line (when shown from
	// a stored claim).
	Findings []scrub.Finding
}

// maxFormLines bounds the line rows a form may send.
const maxFormLines = claims.MaxLines + 1

func list(items []string) string { return strings.Join(items, "; ") }

func pointerList(ps []int) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = strconv.Itoa(p)
	}
	return list(out)
}

// formOfClaim fills the form from a claim, with one empty line to add.
func formOfClaim(c *claims.Claim, findings []scrub.Finding) *claimForm {
	f := &claimForm{ClaimID: c.ID, Frequency: c.Frequency, PlaceOfService: c.PlaceOfService, PayerID: c.Payer.ID, PayerName: c.Payer.Name,
		PayerClass: string(c.Payer.Class), PatientAge: strconv.Itoa(c.Patient.Age), PatientSex: string(c.Patient.Sex),
		BillingNPI: c.Billing.NPI, BillingName: c.Billing.Organization, Diagnoses: list(c.Diagnoses)}
	if c.Billing.Organization == "" {
		f.BillingName = strings.TrimSpace(c.Billing.LastName + ", " + c.Billing.FirstName)
	}
	if p := c.Patient.Identity; p != nil {
		f.LastName, f.FirstName, f.BirthDate = p.LastName, p.FirstName, p.BirthDate.String()
	}
	if c.Insured != nil {
		f.MemberID = c.Insured.MemberID
	}
	if r := c.Rendering; r != nil {
		f.RenderingNPI, f.RenderingLast, f.RenderingFirst = r.NPI, r.LastName, r.FirstName
	}
	if d := c.Documentation; d != nil && d.Minutes > 0 {
		f.Minutes = strconv.Itoa(d.Minutes)
	}
	for i, l := range c.Lines {
		lf := lineForm{Code: l.Code, Modifiers: list(l.Modifiers), Units: strconv.Itoa(l.Units), Charge: l.Charge.Dollars(),
			DOS: l.DOS.String(), PlaceOfService: l.PlaceOfService, Pointers: pointerList(l.Pointers)}
		for _, fd := range findings {
			if fd.Line == i+1 {
				lf.Findings = append(lf.Findings, fd)
			}
		}
		f.Lines = append(f.Lines, lf)
	}
	f.Lines = append(f.Lines, lineForm{Units: "1"})
	return f
}

// formOfValues reads the submitted form; line rows are line-N-field.
func formOfValues(v url.Values) (*claimForm, error) {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	f := &claimForm{ClaimID: get("claim_id"), Frequency: get("frequency"), PlaceOfService: get("place_of_service"),
		PayerID: get("payer_id"), PayerName: get("payer_name"), PayerClass: get("payer_class"),
		PatientAge: get("patient_age"), PatientSex: get("patient_sex"),
		LastName: get("patient_last_name"), FirstName: get("patient_first_name"), BirthDate: get("patient_birth_date"), MemberID: get("member_id"),
		BillingNPI: get("billing_npi"), BillingName: get("billing_name"),
		RenderingNPI: get("rendering_npi"), RenderingLast: get("rendering_last_name"), RenderingFirst: get("rendering_first_name"),
		Diagnoses: get("diagnoses"), Minutes: get("doc_minutes")}
	n, err := strconv.Atoi(get("lines"))
	if err != nil || n < 0 || n > maxFormLines {
		return nil, apperr.New(apperr.Invalid, "The form's line count is missing or above %d.", maxFormLines)
	}
	for i := range n {
		p := "line-" + strconv.Itoa(i) + "-"
		f.Lines = append(f.Lines, lineForm{Code: get(p + "code"), Modifiers: get(p + "modifiers"), Units: get(p + "units"), Charge: get(p + "charge"),
			DOS: get(p + "dos"), PlaceOfService: get(p + "pos"), Pointers: get(p + "pointers")})
	}
	return f, nil
}

// splitList reads "a; b", "a;b", "a, b" or "a b".
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '|' })
}

// apply writes the form onto c, the stored claim, so that what the form
// does not show (addresses, taxonomy, drugs, the insured's details) stays.
// A line row without a code is left out (that removes a line). Outside a
// BAA the identity fields are not read at all.
func (f *claimForm) apply(c *claims.Claim, baa bool) error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	c.ID, c.Frequency, c.PlaceOfService = f.ClaimID, f.Frequency, f.PlaceOfService
	c.Payer.ID, c.Payer.Name = f.PayerID, f.PayerName
	if class, err := claims.ParsePayerClass(f.PayerClass); err != nil {
		bad("Payer class: %v.", err)
	} else {
		c.Payer.Class = class
	}
	if age, err := strconv.Atoi(f.PatientAge); err != nil {
		bad("The patient's age is a whole number of years.")
	} else {
		c.Patient.Age = age
	}
	if sex, err := claims.ParseSex(f.PatientSex); err != nil {
		bad("The patient's sex is M, F or U.")
	} else {
		c.Patient.Sex = sex
	}
	if baa {
		f.applyIdentity(c, bad)
	}
	c.Billing.NPI = f.BillingNPI
	if c.Billing.Organization != "" || c.Billing.LastName == "" {
		c.Billing.Organization = f.BillingName
	}
	if f.RenderingNPI == "" {
		c.Rendering = nil
	} else {
		if c.Rendering == nil {
			c.Rendering = &claims.Provider{}
		}
		c.Rendering.NPI, c.Rendering.LastName, c.Rendering.FirstName = f.RenderingNPI, f.RenderingLast, f.RenderingFirst
	}
	c.Diagnoses = splitList(f.Diagnoses)
	if f.Minutes == "" {
		if c.Documentation != nil {
			c.Documentation.Minutes = 0
		}
	} else if m, err := strconv.Atoi(f.Minutes); err != nil || m < 0 || m > 1440 {
		bad("Documented minutes are a whole number from 0 to 1440.")
	} else {
		if c.Documentation == nil {
			c.Documentation = &claims.Documentation{}
		}
		c.Documentation.Minutes = m
	}
	old := c.Lines
	c.Lines = nil
	for i, lf := range f.Lines {
		if lf.Code == "" {
			continue
		}
		var l claims.Line
		if i < len(old) {
			l = old[i] // keeps the drug of a J-code line
		}
		l.Code, l.Modifiers, l.PlaceOfService = lf.Code, splitList(lf.Modifiers), lf.PlaceOfService
		row := i + 1
		if u, err := claims.ParseUnits(orDefault(lf.Units, "1")); err != nil {
			bad("Row %d: %v.", row, err)
		} else {
			l.Units = u
		}
		if m, err := claims.ParseMoney(strings.TrimPrefix(lf.Charge, "$")); err != nil {
			bad("Row %d: the charge: %v.", row, err)
		} else {
			l.Charge = m
		}
		if d, err := claims.ParseDate(lf.DOS); err != nil {
			bad("Row %d: the date of service: %v.", row, err)
		} else {
			l.DOS = d
		}
		l.Pointers = nil
		if lf.Pointers != "" {
			ps, err := claims.ParsePointers(strings.Join(splitList(lf.Pointers), ";"))
			if err != nil {
				bad("Row %d: the diagnosis pointers: %v.", row, err)
			}
			l.Pointers = ps
		}
		c.Lines = append(c.Lines, l)
	}
	if len(problems) > 0 {
		return apperr.New(apperr.Invalid, "%s", strings.Join(problems, " ")).WithDetails(map[string]any{"problems": problems})
	}
	return nil
}

// applyIdentity writes the patient's identity fields (BAA only).
func (f *claimForm) applyIdentity(c *claims.Claim, bad func(string, ...any)) {
	if f.LastName == "" && f.FirstName == "" && f.BirthDate == "" {
		c.Patient.Identity = nil
	} else {
		if c.Patient.Identity == nil {
			c.Patient.Identity = &claims.Person{}
		}
		p := c.Patient.Identity
		p.LastName, p.FirstName = f.LastName, f.FirstName
		if d, err := claims.ParseDate(f.BirthDate); err != nil {
			bad("The patient's birth date: %v.", err)
		} else {
			p.BirthDate = d
		}
	}
	if f.MemberID == "" {
		c.Insured = nil
		return
	}
	if c.Insured == nil {
		c.Insured = &claims.Insured{}
	}
	c.Insured.MemberID = f.MemberID
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
