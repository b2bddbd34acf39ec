// Package x835 reads and writes the X12 835 health care claim payment and
// remittance advice, implementation guide 005010X221A1, and checks that a
// remittance balances.
package x835

import "github.com/medcode/medcode/internal/claims"

// Version is the implementation convention this package reads and writes.
const Version = "005010X221A1"

// Remittance is one 835 transaction set: one payment (or notice) from one
// payer to one payee.
type Remittance struct {
	ControlNumber string `json:"control_number"` // ST02
	// Handling is BPR01: "C" payment with remittance, "I" remittance only,
	// "H" notification only, "P" prenotification, "D"/"U"/"X" other.
	Handling     string               `json:"handling"`
	Payment      claims.Money         `json:"payment"`                 // BPR02
	CreditDebit  string               `json:"credit_debit"`            // BPR03: "C" or "D"
	Method       string               `json:"method"`                  // BPR04: ACH, CHK, BOP, FWT, NON
	Date         claims.Date          `json:"date"`                    // BPR16
	TraceNumber  string               `json:"trace_number"`            // TRN02: check or EFT number
	OriginatorID string               `json:"originator_id,omitempty"` // TRN03
	Payer        Party                `json:"payer"`
	Payee        Party                `json:"payee"`
	Claims       []ClaimPayment       `json:"claims"`
	Adjustments  []ProviderAdjustment `json:"provider_adjustments,omitempty"`
	Pos          int                  `json:"-"` // position of the ST segment
}

// Party is the payer (N1*PR) or payee (N1*PE).
type Party struct {
	Name        string          `json:"name"`
	IDQualifier string          `json:"id_qualifier,omitempty"` // N103: XX (NPI), FI (tax id), XV (plan id)
	ID          string          `json:"id,omitempty"`
	Address     *claims.Address `json:"address,omitempty"`
}

// Claim status codes (CLP02).
const (
	StatusPrimary   = "1"
	StatusSecondary = "2"
	StatusTertiary  = "3"
	StatusDenied    = "4"
	StatusReversal  = "22"
)

// ClaimPayment is the payer's adjudication of one claim (loop 2100).
type ClaimPayment struct {
	PatientControlNumber  string       `json:"patient_control_number"`       // CLP01 = the 837's CLM01
	Status                string       `json:"status"`                       // CLP02
	Charge                claims.Money `json:"charge"`                       // CLP03
	Paid                  claims.Money `json:"paid"`                         // CLP04
	PatientResponsibility claims.Money `json:"patient_responsibility"`       // CLP05
	FilingIndicator       string       `json:"filing_indicator,omitempty"`   // CLP06
	PayerClaimNumber      string       `json:"payer_claim_number,omitempty"` // CLP07
	PlaceOfService        string       `json:"place_of_service,omitempty"`   // CLP08
	Frequency             string       `json:"frequency,omitempty"`          // CLP09
	// Patient is the NM1*QC name and id; it is PHI and is dropped by
	// Deidentify outside BAA organizations.
	Patient      *Name         `json:"patient,omitempty"`
	ServiceStart claims.Date   `json:"service_start,omitempty"` // DTM*232
	ServiceEnd   claims.Date   `json:"service_end,omitempty"`   // DTM*233
	Remarks      []string      `json:"remarks,omitempty"`       // claim-level RARCs (MOA/MIA)
	Adjustments  []Adjustment  `json:"adjustments,omitempty"`   // claim-level CAS
	Lines        []LinePayment `json:"lines,omitempty"`
	Pos          int           `json:"-"`
}

// Name is a person named in an NM1 segment.
type Name struct {
	LastName    string `json:"last_name"`
	FirstName   string `json:"first_name,omitempty"`
	IDQualifier string `json:"id_qualifier,omitempty"`
	ID          string `json:"id,omitempty"`
}

// LinePayment is the adjudication of one service line (loop 2110).
type LinePayment struct {
	Qualifier string       `json:"qualifier"` // SVC01-1: HC (CPT/HCPCS), AD, N4…
	Code      string       `json:"code"`
	Modifiers []string     `json:"modifiers,omitempty"`
	Charge    claims.Money `json:"charge"` // SVC02
	Paid      claims.Money `json:"paid"`   // SVC03
	Units     int          `json:"units"`  // SVC05, 1 when absent
	// SubmittedCode is the procedure as billed when the payer adjudicated
	// a different one (SVC06).
	SubmittedCode string        `json:"submitted_code,omitempty"`
	DOS           claims.Date   `json:"dos,omitempty"`            // DTM*472 (or 150 start)
	Allowed       *claims.Money `json:"allowed,omitempty"`        // AMT*B6
	ControlNumber string        `json:"control_number,omitempty"` // REF*6R
	Remarks       []string      `json:"remarks,omitempty"`        // LQ*HE
	Adjustments   []Adjustment  `json:"adjustments,omitempty"`
	Pos           int           `json:"-"`
}

// Adjustment is one CAS reason: who owns it (group), why (CARC) and how much.
type Adjustment struct {
	Group    string       `json:"group"`  // CO, PR, OA, PI, CR
	Reason   string       `json:"reason"` // CARC
	Amount   claims.Money `json:"amount"`
	Quantity int          `json:"quantity,omitempty"`
}

// ProviderAdjustment is one PLB adjustment: a provider-level amount not
// tied to a claim (interest, recoupment of an overpayment, a forwarded
// balance). A positive amount reduces the payment.
type ProviderAdjustment struct {
	ProviderID string       `json:"provider_id"`
	FiscalDate claims.Date  `json:"fiscal_date"`
	Reason     string       `json:"reason"` // PLB03-1: L6 interest, WO overpayment recovery, FB forwarding balance, 72 authorized return…
	Reference  string       `json:"reference,omitempty"`
	Amount     claims.Money `json:"amount"`
}

// Groups are the claim adjustment group codes.
var Groups = map[string]bool{"CO": true, "PR": true, "OA": true, "PI": true, "CR": true}

// MaxCASReasons is the number of reason/amount/quantity triples one CAS holds.
const MaxCASReasons = 6

// Deidentify drops patient names and ids from the remittance.
func (r *Remittance) Deidentify() {
	for i := range r.Claims {
		r.Claims[i].Patient = nil
	}
}
