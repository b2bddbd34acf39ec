package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadFile loads a fuzzed settings file through Load, so that every
// option's value parser (durations, sizes, enums, addresses) sees outside
// input: it returns a config or an error naming the problem, never panics.
func FuzzLoadFile(f *testing.F) {
	f.Add("MEDCODE_ADDR=127.0.0.1:0\nMEDCODE_LIMIT_FREE=10\nMEDCODE_SESSION_IDLE=\"90m\"\n")
	f.Add("MEDCODE_JOB_TIMEOUT=1h\nMEDCODE_JOB_RESCUE_AFTER=30m\n")
	f.Add("MEDCODE_PHI_ACTION=redact\nMEDCODE_TLS_CERT=x\n")
	f.Add("MEDCODE_MAX_NOTE_BYTES=-1\nMEDCODE_IP_WINDOW=1e300h\nMEDCODE_NOPE=1\n")
	f.Fuzz(func(t *testing.T, content string) {
		file := filepath.Join(t.TempDir(), "medcode.conf")
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(Source{File: file})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config: ") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		if c.JobRescueAfter <= c.JobTimeout || (c.TLSCert == "") != (c.TLSKey == "") {
			t.Fatalf("inconsistent config accepted: %+v", c)
		}
	})
}
