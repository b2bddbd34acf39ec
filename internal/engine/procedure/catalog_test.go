package procedure

import (
	"testing"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

func mustCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := LoadCatalog(scan.NewDictionary())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoadCatalog(t *testing.T) {
	c := mustCatalog(t)
	if n := len(c.codes); n < 80 {
		t.Errorf("catalog reports %d codes, want at least 80", n)
	}
}
