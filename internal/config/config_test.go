package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(Source{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DB != "medcode.db" || c.LimitFree != 50 || c.PHIAction != "block" ||
		c.SessionLifetime != 24*time.Hour || c.TLS() || c.SecureCookies() || c.PublicURL() != "http://127.0.0.1:8080" {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestPrecedenceFileEnvFlag(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "medcode.conf")
	os.WriteFile(file, []byte("# comment\nMEDCODE_DB=/file.db\nMEDCODE_ADDR=\"0.0.0.0:1\"\nMEDCODE_LIMIT_PRO=7\n"), 0o600)
	secret := filepath.Join(dir, "smtp.pw")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	c, err := Load(Source{
		File:   file,
		Getenv: env(map[string]string{"MEDCODE_ADDR": "127.0.0.1:2", "MEDCODE_LIMIT_PRO": "9", "MEDCODE_SMTP_PASSWORD_FILE": secret}),
		Flags:  map[string]string{"addr": "127.0.0.1:3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "/file.db" || c.Addr != "127.0.0.1:3" || c.LimitPro != 9 || c.SMTPPassword != "s3cret" {
		t.Fatalf("config = %+v", c)
	}
	var dump bytes.Buffer
	c.Dump(&dump)
	if strings.Contains(dump.String(), "s3cret") || !strings.Contains(dump.String(), "MEDCODE_SMTP_PASSWORD=********") ||
		!strings.Contains(dump.String(), "MEDCODE_ADDR=127.0.0.1:3") {
		t.Fatalf("dump:\n%s", dump.String())
	}
}

func TestInvalidValuesNameTheSetting(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"MEDCODE_ADDR": "nonsense"}, "MEDCODE_ADDR (from environment)"},
		{map[string]string{"MEDCODE_LIMIT_FREE": "-1"}, "MEDCODE_LIMIT_FREE"},
		{map[string]string{"MEDCODE_PHI_ACTION": "warn"}, "MEDCODE_PHI_ACTION"},
		{map[string]string{"MEDCODE_SESSION_IDLE": "5"}, "not a duration"},
		{map[string]string{"MEDCODE_BASE_URL": "ftp://x"}, "http(s) URL"},
		{map[string]string{"MEDCODE_TLS_CERT": "c.pem"}, "set together"},
		{map[string]string{"MEDCODE_REQUIRE_VERIFIED_EMAIL": "sure"}, "true or false"},
	}
	for _, tt := range tests {
		if _, err := Load(Source{Getenv: env(tt.env)}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.env, err, tt.want)
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	tests := map[string]string{
		"MEDCODE_DB":                "m.conf:1: want KEY=VALUE",
		"A=1\nA=2":                  "m.conf:2: A set twice",
		"\n\nbad key=1":             "m.conf:3",
		"MEDCODE_NOPE=1":            "unknown setting MEDCODE_NOPE",
		"MEDCODE_SMTP_PORT=70000\n": "outside 1..65535",
	}
	for in, want := range tests {
		path := filepath.Join(t.TempDir(), "m.conf")
		os.WriteFile(path, []byte(in), 0o600)
		if _, err := Load(Source{File: path}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
}

func TestRetiredSettingsAreRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.conf")
	if err := os.WriteFile(path, []byte("MEDCODE_BAA=true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]Source{
		"environment": {Getenv: env(map[string]string{"MEDCODE_BAA": "false"})},
		"file":        {File: path},
	} {
		if _, err := Load(src); err == nil || !strings.Contains(err.Error(), "MEDCODE_BAA is no longer a setting") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	for k := range retired {
		for _, o := range Options {
			if o.Env == k {
				t.Errorf("%s is both an option and retired", k)
			}
		}
	}
}

func TestEveryOptionHasHelpAndValidDefault(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range Options {
		if o.Help == "" || !strings.HasPrefix(o.Env, "MEDCODE_") {
			t.Errorf("option %q lacks help or prefix", o.Env)
		}
		if seen[o.Env] || (o.Flag != "" && seen["flag:"+o.Flag]) {
			t.Errorf("option %q duplicated", o.Env)
		}
		seen[o.Env], seen["flag:"+o.Flag] = true, o.Flag != ""
		if err := o.set(&Config{}, o.Default); err != nil {
			t.Errorf("default of %s invalid: %v", o.Env, err)
		}
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add("A=1\n# c\nB=\"x y\"\n")
	f.Add("=\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseFile(strings.NewReader(s), "fuzz")
		if err == nil {
			for k := range m {
				if k == "" {
					t.Fatal("empty key accepted")
				}
			}
		}
	})
}

func TestDumpMasksDatabasePassword(t *testing.T) {
	tests := []struct{ db, want, notWant string }{
		{"postgres://medcode:pw-secret@db.internal:5432/medcode", "MEDCODE_DB=postgres://medcode:xxxxx@db.internal:5432/medcode", "pw-secret"},
		{"postgres://medcode@db.internal/medcode", "MEDCODE_DB=postgres://medcode@db.internal/medcode", ""},
		{"/var/lib/medcode/medcode.db", "MEDCODE_DB=/var/lib/medcode/medcode.db", ""},
	}
	for _, tt := range tests {
		c, err := Load(Source{Getenv: func(k string) string { return map[string]string{"MEDCODE_DB": tt.db}[k] }})
		if err != nil {
			t.Fatal(err)
		}
		if c.DB != tt.db {
			t.Errorf("DB = %q, want %q", c.DB, tt.db)
		}
		var b strings.Builder
		c.Dump(&b)
		if !strings.Contains(b.String(), tt.want+"\n") || (tt.notWant != "" && strings.Contains(b.String(), tt.notWant)) {
			t.Errorf("dump of %q:\n%s", tt.db, b.String())
		}
	}
}

func TestJobRescueMustOutlastTimeout(t *testing.T) {
	env := map[string]string{"MEDCODE_JOB_TIMEOUT": "10m", "MEDCODE_JOB_RESCUE_AFTER": "5m"}
	_, err := Load(Source{Getenv: func(k string) string { return env[k] }})
	if err == nil || !strings.Contains(err.Error(), "MEDCODE_JOB_RESCUE_AFTER") {
		t.Fatalf("err = %v", err)
	}
}
