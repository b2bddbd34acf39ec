package report

import (
	"embed"
	"fmt"
	"sync"
)

//go:embed tables/*.yaml
var dataFS embed.FS

// tables are the embedded data files.
type tables struct {
	services   *serviceTables
	benchmarks *Benchmarks
}

var (
	tablesOnce sync.Once
	tablesData *tables
	tablesErr  error
)

// loadTables parses the embedded data files once.
func loadTables() (*tables, error) {
	tablesOnce.Do(func() {
		tablesData, tablesErr = parseTables()
	})
	return tablesData, tablesErr
}

func parseTables() (*tables, error) {
	svc, err := dataFS.ReadFile("tables/services.yaml")
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	t := &tables{}
	if t.services, err = parseServices(svc); err != nil {
		return nil, err
	}
	bm, err := dataFS.ReadFile("tables/em-benchmarks.yaml")
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if t.benchmarks, err = ParseBenchmarks(bm); err != nil {
		return nil, fmt.Errorf("report: tables/em-benchmarks.yaml: %w", err)
	}
	return t, nil
}

// DefaultBenchmarks returns the embedded benchmark file.
func DefaultBenchmarks() (*Benchmarks, error) {
	t, err := loadTables()
	if err != nil {
		return nil, err
	}
	return t.benchmarks, nil
}
