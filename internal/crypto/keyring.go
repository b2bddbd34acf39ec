// Package crypto encrypts medcode's records at rest with AES-256-GCM under a
// keyring of named keys, so that keys can be rotated: new data is sealed
// with the active (last) key and every listed key can still open old data.
package crypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// KeySize is the AES-256 key length in bytes.
const KeySize = 32

// format is the first byte of every sealed blob; it lets a later format be
// told apart from this one.
const format byte = 1

// maxKeyIDLen bounds key ids so that one length byte can frame them.
const maxKeyIDLen = 64

// Keyring holds the keys that can open sealed data; the last key listed is
// the active one that seals new data. A keyring loaded from a file can be
// reloaded while it is in use (Reload), so that a running server takes a
// rotated key without a restart.
type Keyring struct {
	mu     sync.RWMutex
	aeads  map[string]cipher.AEAD
	active string
	// path is the key file the keyring was read from; "" when the keys
	// came from MEDCODE_KEY and cannot change while the process runs.
	path string
	// reloadMu makes one Reload at a time. missMu makes one reload for an
	// unknown key id at a time (the callers behind it see its keys), and
	// lastMiss rate-limits those reloads.
	reloadMu sync.Mutex
	missMu   sync.Mutex
	lastMiss time.Time
}

// missReloadEvery bounds how often an unknown key id re-reads the key file.
const missReloadEvery = time.Second

// ParseKeys reads a key list: entries `ID:BASE64KEY` separated by newlines or
// commas, blank lines and `#` comments ignored. A single bare base64 key is
// accepted and named "env". The last entry is the active key.
func ParseKeys(text string) (*Keyring, error) {
	kr := &Keyring{aeads: map[string]cipher.AEAD{}}
	var fields []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		fields = append(fields, strings.Split(line, ",")...)
	}
	entry := 0
	for _, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		entry++
		id, b64, ok := strings.Cut(f, ":")
		if !ok {
			id, b64 = "env", f
		}
		if err := validKeyID(id); err != nil {
			return nil, fmt.Errorf("crypto: key entry %d: %w", entry, err)
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("crypto: key entry %d (%s): not base64: %w", entry, id, err)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("crypto: key entry %d (%s): %d bytes, want %d", entry, id, len(key), KeySize)
		}
		if _, dup := kr.aeads[id]; dup {
			return nil, fmt.Errorf("crypto: key entry %d: id %q listed twice", entry, id)
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, fmt.Errorf("crypto: key entry %d (%s): %w", entry, id, err)
		}
		kr.aeads[id] = aead
		kr.active = id
	}
	if entry == 0 {
		return nil, errors.New("crypto: no key in key list")
	}
	return kr, nil
}

func validKeyID(id string) error {
	if id == "" || len(id) > maxKeyIDLen {
		return fmt.Errorf("key id must be 1 to %d characters", maxKeyIDLen)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("key id %q: only letters, digits, '-', '_' and '.' are allowed", id)
		}
	}
	return nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ActiveID is the id of the key that seals new data.
func (k *Keyring) ActiveID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.active
}

// Has reports whether the keyring holds the key id.
func (k *Keyring) Has(id string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	_, ok := k.aeads[id]
	return ok
}

// aead returns the AEAD of a key id (the active one for "").
func (k *Keyring) aead(id string) (string, cipher.AEAD, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if id == "" {
		id = k.active
	}
	a, ok := k.aeads[id]
	return id, a, ok
}

// reloadFor re-reads the key file for a blob sealed with key id, which the
// keyring lacks: another process (admin rotate-key, another instance) may
// have added it to the file and sealed with it already. At most once per
// missReloadEvery, so that forged blobs cannot make every request read the
// file; a caller arriving while such a reload runs waits and sees its keys.
func (k *Keyring) reloadFor(id string) (cipher.AEAD, bool) {
	if k.path == "" {
		return nil, false
	}
	k.missMu.Lock()
	defer k.missMu.Unlock()
	if _, a, ok := k.aead(id); ok {
		return a, true
	}
	if time.Since(k.lastMiss) < missReloadEvery {
		return nil, false
	}
	k.lastMiss = time.Now()
	if _, err := k.Reload(); err != nil {
		return nil, false
	}
	_, a, ok := k.aead(id)
	return a, ok
}

// Reload re-reads the key file the keyring came from and adopts it,
// reporting whether anything changed. It refuses a file that no longer
// lists a key the keyring holds, since data sealed with that key would no
// longer open; a keyring from MEDCODE_KEY never changes.
func (k *Keyring) Reload() (changed bool, err error) {
	if k.path == "" {
		return false, nil
	}
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	b, err := os.ReadFile(k.path)
	if err != nil {
		return false, fmt.Errorf("crypto: reading key file: %w", err)
	}
	next, err := ParseKeys(string(b))
	if err != nil {
		return false, fmt.Errorf("%w (in %s)", err, k.path)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for id := range k.aeads {
		if _, ok := next.aeads[id]; !ok {
			return false, fmt.Errorf("crypto: %s no longer lists key %q, which may still seal data: keeping the keys loaded", k.path, id)
		}
	}
	changed = next.active != k.active || len(next.aeads) != len(k.aeads)
	k.aeads, k.active = next.aeads, next.active
	return changed, nil
}

// Seal encrypts plaintext with the active key. aad binds the ciphertext to
// its place (record id and field) so it cannot be moved to another row.
// Layout: format byte, key-id length, key id, nonce, ciphertext+tag.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	active, aead, _ := k.aead("")
	out := make([]byte, 0, 2+len(active)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out = append(out, format, byte(len(active)))
	out = append(out, active...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("crypto: nonce: %w", err)
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, aad), nil
}

// Open decrypts a blob made by Seal with any key of the keyring.
func (k *Keyring) Open(blob, aad []byte) ([]byte, error) {
	id, rest, err := splitBlob(blob)
	if err != nil {
		return nil, err
	}
	_, aead, ok := k.aead(id)
	if !ok && validKeyID(id) == nil {
		aead, ok = k.reloadFor(id)
	}
	if !ok {
		return nil, fmt.Errorf("crypto: sealed with key %q, which is not in the keyring", id)
	}
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("crypto: sealed blob truncated")
	}
	nonce, ct := rest[:aead.NonceSize()], rest[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, fmt.Errorf("crypto: key %q: authentication failed (wrong key, wrong place or tampered data)", id)
	}
	return pt, nil
}

// KeyID returns the id of the key that sealed blob.
func KeyID(blob []byte) (string, error) {
	id, _, err := splitBlob(blob)
	return id, err
}

func splitBlob(blob []byte) (id string, rest []byte, err error) {
	if len(blob) < 2 {
		return "", nil, errors.New("crypto: sealed blob too short")
	}
	if blob[0] != format {
		return "", nil, fmt.Errorf("crypto: sealed blob format %d, want %d", blob[0], format)
	}
	n := int(blob[1])
	if n == 0 || len(blob) < 2+n {
		return "", nil, errors.New("crypto: sealed blob has a bad key id length")
	}
	return string(blob[2 : 2+n]), blob[2+n:], nil
}

// NewKeyEntry returns a fresh random key as a key-list line `ID:BASE64`.
func NewKeyEntry() (id, line string, err error) {
	var raw [KeySize + 4]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", "", fmt.Errorf("crypto: generating key: %w", err)
	}
	id = "k-" + hex.EncodeToString(raw[KeySize:])
	return id, id + ":" + base64.StdEncoding.EncodeToString(raw[:KeySize]), nil
}

// LoadFile reads a key file (the ParseKeys format, one entry per line).
func LoadFile(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("crypto: reading key file: %w", err)
	}
	kr, err := ParseKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	kr.path = path
	return kr, nil
}

// CreateFile writes a new key file holding one fresh key, readable by the
// owner only. It fails if the file exists, so a key is never overwritten.
func CreateFile(path string) (*Keyring, error) {
	_, line, err := NewKeyEntry()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("crypto: creating key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("crypto: creating key file: %w", err)
	}
	content := "# medcode encryption keys, one ID:BASE64 per line; the last one encrypts new data.\n" +
		"# Back this file up: without it the stored results cannot be read.\n" + line + "\n"
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return nil, fmt.Errorf("crypto: writing key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("crypto: writing key file: %w", err)
	}
	return LoadFile(path)
}

// RotateFile appends a fresh key to an existing key file, making it the
// active key; old keys stay so existing data can still be opened.
func RotateFile(path string) (*Keyring, error) {
	old, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("crypto: reading key file: %w", err)
	}
	if _, err := ParseKeys(string(old)); err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	_, line, err := NewKeyEntry()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(old)
	if len(old) > 0 && old[len(old)-1] != '\n' {
		buf.WriteByte('\n')
	}
	buf.WriteString(line + "\n")
	// Write beside and rename so a crash never leaves a half-written key file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("crypto: writing key file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("crypto: replacing key file: %w", err)
	}
	return LoadFile(path)
}
