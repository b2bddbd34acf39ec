package crypto

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReloadAdoptsRotatedKeyFile: a keyring loaded from a file takes a key
// added to the file by another process, for opening at once (an unknown
// key id re-reads the file) and for sealing after Reload; a file that
// drops a key is refused; a keyring from MEDCODE_KEY never changes.
func TestReloadAdoptsRotatedKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "medcode.key")
	running, err := CreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first := running.ActiveID()
	oldBlob, _ := running.Seal([]byte("old"), []byte("aad"))

	// Seal and Open go on while the file is rotated and reloaded.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := running.Seal([]byte("x"), nil)
			if err == nil {
				_, err = running.Open(b, nil)
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	other, err := RotateFile(path) // another process
	if err != nil {
		t.Fatal(err)
	}
	newBlob, _ := other.Seal([]byte("new"), []byte("aad"))
	if pt, err := running.Open(newBlob, []byte("aad")); err != nil || string(pt) != "new" {
		t.Fatalf("data sealed with the added key: %q, %v", pt, err)
	}
	if changed, err := running.Reload(); err != nil || changed {
		t.Fatalf("Reload after the miss already took the file: changed %v, %v", changed, err)
	}
	if running.ActiveID() != other.ActiveID() || running.ActiveID() == first {
		t.Fatalf("active key %s, want %s", running.ActiveID(), other.ActiveID())
	}
	close(stop)
	wg.Wait()
	if pt, err := running.Open(oldBlob, []byte("aad")); err != nil || string(pt) != "old" {
		t.Fatalf("old data after the reload: %q, %v", pt, err)
	}

	// A file without the first key is refused; the keyring stays as it was.
	content, _ := os.ReadFile(path)
	var kept []string
	for _, line := range strings.Split(string(content), "\n") {
		if !strings.HasPrefix(line, first+":") {
			kept = append(kept, line)
		}
	}
	os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o600)
	if _, err := running.Reload(); err == nil || !strings.Contains(err.Error(), "no longer lists key") {
		t.Fatalf("reload of a file that drops a key: %v", err)
	}
	if _, err := running.Open(oldBlob, []byte("aad")); err != nil {
		t.Fatalf("old data after a refused reload: %v", err)
	}

	env, _ := ParseKeys("a:" + key(1))
	if changed, err := env.Reload(); changed || err != nil {
		t.Fatalf("a keyring without a file reloaded: %v %v", changed, err)
	}
}

// TestUnknownKeyReloadsAtMostOncePerSecond: blobs naming keys that do not
// exist cannot make every Open read the key file.
func TestUnknownKeyReloadsAtMostOncePerSecond(t *testing.T) {
	path := filepath.Join(t.TempDir(), "medcode.key")
	kr, err := CreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	forged := append([]byte{format, 5}, []byte("nokey0123456789012345678901234567890")...)
	reloads := 0
	for range 100 {
		before := kr.lastMiss
		kr.Open(forged, nil)
		if kr.lastMiss != before {
			reloads++
		}
	}
	if reloads != 1 {
		t.Fatalf("%d reloads for 100 opens of an unknown key within a second", reloads)
	}
	kr.lastMiss = time.Now().Add(-2 * missReloadEvery)
	before := kr.lastMiss
	kr.Open(forged, nil)
	if kr.lastMiss == before {
		t.Fatal("no reload allowed after the interval")
	}
}

// TestConcurrentOpensOfARotatedKey: while one Open reloads the key file for
// a key another process added, the Opens arriving meanwhile wait for that
// reload instead of failing for the rate limit.
func TestConcurrentOpensOfARotatedKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "medcode.key")
	kr, err := CreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	other, err := RotateFile(path) // what admin rotate-key does in its own process
	if err != nil {
		t.Fatal(err)
	}
	blob, err := other.Seal([]byte("result"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := kr.Open(blob, []byte("aad")); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("an Open during the reload failed: %v", err)
	}
}
