package claims

import "fmt"

// CheckNPI reports why npi is not a valid National Provider Identifier, or
// nil. An NPI is ten digits whose last digit is the Luhn check digit
// computed over the card-issuer prefix 80840 followed by the first nine
// digits (45 CFR 162.406; ISO/IEC 7812).
func CheckNPI(npi string) error {
	if len(npi) != 10 || !allDigits(npi) {
		return fmt.Errorf("NPI %q is not ten digits", npi)
	}
	if want := npiCheckDigit(npi[:9]); npi[9] != want {
		return fmt.Errorf("NPI %s fails its check digit (expected %c)", npi, want)
	}
	return nil
}

// npiCheckDigit returns the Luhn check digit of "80840" + first9.
func npiCheckDigit(first9 string) byte {
	digits := "80840" + first9
	sum := 0
	// Walk right to left; the rightmost payload digit is doubled because the
	// check digit will sit to its right.
	for i, double := len(digits)-1, true; i >= 0; i, double = i-1, !double {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// CompleteNPI appends the check digit to a nine-digit NPI stem; generators
// and tests use it to make valid identifiers.
func CompleteNPI(first9 string) (string, error) {
	if len(first9) != 9 || !allDigits(first9) {
		return "", fmt.Errorf("NPI stem %q is not nine digits", first9)
	}
	return first9 + string(npiCheckDigit(first9)), nil
}
