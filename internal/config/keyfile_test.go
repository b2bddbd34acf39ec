package config

import "testing"

// TestKeyFileFromEnvironment: MEDCODE_KEY_FILE is the key file option, not
// the "read MEDCODE_KEY from this file" convention of other secrets (which
// made every server started with it in the environment refuse to start,
// with both settings set).
func TestKeyFileFromEnvironment(t *testing.T) {
	env := map[string]string{"MEDCODE_KEY_FILE": "/var/lib/medcode/medcode.key"}
	c, err := Load(Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyFile != env["MEDCODE_KEY_FILE"] || c.Key != "" {
		t.Fatalf("KeyFile %q, Key %q", c.KeyFile, c.Key)
	}
}
