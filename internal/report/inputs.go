package report

import (
	"bytes"
	"fmt"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/claims/x837"
)

// ReadClaims reads an upload of claims: an 837P interchange (it starts with
// ISA) or the claims CSV (docs/claims-csv.md). name labels errors.
func ReadClaims(name string, data []byte) ([]*claims.Claim, error) {
	if isX12(data) {
		b, err := x837.Read(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return b.Claims, nil
	}
	cs, err := claims.ReadCSV(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cs, nil
}

// ReadRemittances reads an upload of 835 remittances, dropping patient
// names and member ids (the report does not need them).
func ReadRemittances(name string, data []byte) ([]*x835.Remittance, error) {
	if !isX12(data) {
		return nil, fmt.Errorf("%s: not an X12 835 (an interchange starts with ISA)", name)
	}
	rs, err := x835.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, r := range rs {
		r.Deidentify()
	}
	return rs, nil
}

func isX12(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n\ufeff"), []byte("ISA"))
}
