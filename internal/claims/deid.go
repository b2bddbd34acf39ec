package claims

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// SafeHarborMaxAge is the age from which HIPAA Safe Harbor requires ages
// to be pooled into a single "90 or older" category.
const SafeHarborMaxAge = 90

// Deidentify strips the patient's and insured's identity from the claim,
// keeping what the scrubber and the revenue report need: age (pooled at
// 90), sex, and a pseudonymous key. The key is an HMAC of the identity
// under the organization's secret, so it is stable across uploads of one
// organization but cannot be recomputed from a guessed name and birth date
// without that secret.
func Deidentify(c *Claim, secret []byte) {
	if c.Patient.Identity != nil || c.Insured != nil {
		mac := hmac.New(sha256.New, secret)
		write := func(s string) { mac.Write([]byte(s)); mac.Write([]byte{0}) }
		write(c.Payer.ID)
		if c.Insured != nil {
			write(c.Insured.MemberID)
		}
		if p := c.Patient.Identity; p != nil {
			write(p.LastName)
			write(p.FirstName)
			write(p.BirthDate.String())
		}
		c.Patient.Key = hex.EncodeToString(mac.Sum(nil)[:12])
	}
	if c.Patient.Age > SafeHarborMaxAge {
		c.Patient.Age = SafeHarborMaxAge
	}
	c.Patient.Identity = nil
	c.Insured = nil
}

// PatientKey returns a key that is equal for claims of the same patient:
// the pseudonym of a de-identified claim, else the payer, member id, name
// and birth date.
func (c *Claim) PatientKey() string {
	if c.Patient.Key != "" {
		return c.Patient.Key
	}
	key := c.Payer.ID
	if c.Insured != nil {
		key += "\x00" + c.Insured.MemberID
	}
	if p := c.Patient.Identity; p != nil {
		key += "\x00" + p.LastName + "\x00" + p.FirstName + "\x00" + p.BirthDate.String()
	}
	return key
}
