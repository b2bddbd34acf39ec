package phi

import "strings"

// Kind is a HIPAA Safe Harbor identifier category (45 CFR 164.514(b)(2)).
type Kind string

// The Safe Harbor identifier kinds. Category 3 has two kinds: dates and
// ages over 89 are redacted differently (an age becomes "90 or older").
const (
	KindName       Kind = "NAME"           // 1: names of the patient, relatives, household members, staff
	KindAddress    Kind = "ADDRESS"        // 2: geography smaller than a state: street, city, county, ZIP
	KindDate       Kind = "DATE"           // 3: every date element more specific than the year
	KindAge        Kind = "AGE"            // 3: ages over 89
	KindPhone      Kind = "PHONE"          // 4
	KindFax        Kind = "FAX"            // 5
	KindEmail      Kind = "EMAIL"          // 6
	KindSSN        Kind = "SSN"            // 7
	KindMRN        Kind = "MRN"            // 8: medical record numbers
	KindHealthPlan Kind = "HEALTH_PLAN_ID" // 9: health plan beneficiary numbers
	KindAccount    Kind = "ACCOUNT"        // 10: account and payment card numbers
	KindLicense    Kind = "LICENSE"        // 11: certificate and license numbers
	KindVehicle    Kind = "VEHICLE_ID"     // 12: vehicle identifiers, plates, VINs
	KindDevice     Kind = "DEVICE_ID"      // 13: device identifiers and serial numbers
	KindURL        Kind = "URL"            // 14
	KindIP         Kind = "IP_ADDRESS"     // 15
	KindBiometric  Kind = "BIOMETRIC"      // 16: finger and voice prints
	KindPhoto      Kind = "PHOTO"          // 17: full-face photographs (embedded images)
	KindOtherID    Kind = "ID"             // 18: any other unique identifying number or code
)

// kindInfo describes one Kind: its Safe Harbor category (1-18), the
// placeholder Redact writes for it, and a label for people.
type kindInfo struct {
	category    int
	placeholder string
	label       string
}

var kinds = map[Kind]kindInfo{
	KindName:       {1, "[NAME]", "name"},
	KindAddress:    {2, "[ADDRESS]", "geographic subdivision smaller than a state"},
	KindDate:       {3, "[DATE]", "date more specific than the year"},
	KindAge:        {3, "[AGE 90+]", "age over 89"},
	KindPhone:      {4, "[PHONE]", "telephone number"},
	KindFax:        {5, "[FAX]", "fax number"},
	KindEmail:      {6, "[EMAIL]", "email address"},
	KindSSN:        {7, "[SSN]", "Social Security number"},
	KindMRN:        {8, "[MRN]", "medical record number"},
	KindHealthPlan: {9, "[HEALTH_PLAN_ID]", "health plan beneficiary number"},
	KindAccount:    {10, "[ACCOUNT]", "account number"},
	KindLicense:    {11, "[LICENSE]", "certificate or license number"},
	KindVehicle:    {12, "[VEHICLE_ID]", "vehicle identifier"},
	KindDevice:     {13, "[DEVICE_ID]", "device identifier or serial number"},
	KindURL:        {14, "[URL]", "web address"},
	KindIP:         {15, "[IP_ADDRESS]", "IP address"},
	KindBiometric:  {16, "[BIOMETRIC]", "biometric identifier"},
	KindPhoto:      {17, "[PHOTO]", "full-face photograph"},
	KindOtherID:    {18, "[ID]", "other unique identifying number"},
}

// Kinds lists every kind in Safe Harbor category order.
func Kinds() []Kind {
	return []Kind{KindName, KindAddress, KindDate, KindAge, KindPhone, KindFax, KindEmail,
		KindSSN, KindMRN, KindHealthPlan, KindAccount, KindLicense, KindVehicle, KindDevice,
		KindURL, KindIP, KindBiometric, KindPhoto, KindOtherID}
}

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool { _, ok := kinds[k]; return ok }

// Category is the Safe Harbor category number (1-18), 0 for an unknown kind.
func (k Kind) Category() int { return kinds[k].category }

// Placeholder is the typed placeholder Redact writes, e.g. "[NAME]".
func (k Kind) Placeholder() string {
	if info, ok := kinds[k]; ok {
		return info.placeholder
	}
	return "[PHI]"
}

// Label describes the kind for people, e.g. "telephone number".
func (k Kind) Label() string { return kinds[k].label }

// Span is one detected identifier: text[Start:End], byte offsets.
// Confidence is in (0, 1]. Text is the identifier itself; it is left
// empty wherever a span is recorded (see Decision), so that no identifier
// is ever persisted.
type Span struct {
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Type       Kind    `json:"type"`
	Text       string  `json:"text,omitempty"`
	Confidence float64 `json:"confidence"`
}

// StateLevel reports whether name is a US state or a country: geography
// that Safe Harbor lets stay in the text.
func StateLevel(name string) bool {
	lx := mustLexicon()
	words := phraseWords(name)
	if len(words) == 0 {
		return false
	}
	if len(words) == 1 {
		return lx.words[words[0]]&(wCountry|wState) != 0 || lx.stateCodes[strings.ToUpper(words[0])] && len(words[0]) == 2
	}
	for _, p := range lx.multiGeo[words[0]] {
		if strings.Join(p.words, " ") == strings.Join(words, " ") {
			return true
		}
	}
	return false
}
