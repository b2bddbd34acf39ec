// Package x837 writes and reads the X12 837 professional claim,
// implementation guide 005010X222A1.
package x837

import "github.com/medcode/medcode/internal/claims"

// Version is the implementation convention this package writes and reads.
const Version = "005010X222A1"

// Party is the submitter (loop 1000A) or receiver (loop 1000B).
type Party struct {
	Name string `json:"name"`
	ID   string `json:"id"` // electronic transmitter id (NM109, qualifier 46)
	// Contact, Phone and Email fill the submitter's PER segment.
	Contact string `json:"contact,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
}

// filingIndicators maps payer classes to SBR09 claim filing indicator codes.
var filingIndicators = map[claims.PayerClass]string{
	claims.Medicare:          "MB", // Medicare Part B
	claims.MedicareAdvantage: "16", // Health Maintenance Organization (HMO) Medicare Risk
	claims.Medicaid:          "MC",
	claims.Commercial:        "CI",
	claims.OtherPayer:        "ZZ", // mutually defined
}

// payerClassOf maps an SBR09 code read from an 837P to a payer class.
func payerClassOf(code string) claims.PayerClass {
	switch code {
	case "MA", "MB":
		return claims.Medicare
	case "16":
		return claims.MedicareAdvantage
	case "MC":
		return claims.Medicaid
	case "CI", "BL", "HM", "12", "13", "14", "15", "17", "AM", "DS", "LM":
		return claims.Commercial
	}
	return claims.OtherPayer
}
