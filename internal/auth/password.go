// Package auth holds medcode's accounts: password hashing and policy, TOTP,
// API and emailed tokens, database-backed web sessions, sign-in rate limits
// and lockout, and the Accounts service the web UI and API call.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1
// lane). They are written into each hash, so raising them later still
// verifies old hashes.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// maxHashParams bounds parameters read from a stored hash so that a
// corrupted row cannot make a sign-in allocate gigabytes.
const (
	maxArgonMemoryKiB = 1 << 20
	maxArgonTime      = 10
)

var b64 = base64.RawStdEncoding

// HashPassword returns a PHC-format argon2id hash:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// argonHash is a parsed PHC string.
type argonHash struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

// parseHash reads a PHC argon2id string, naming the part that is wrong.
func parseHash(encoded string) (*argonHash, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return nil, fmt.Errorf("auth: password hash: %d '$'-separated parts, want 6", len(parts))
	}
	if parts[1] != "argon2id" {
		return nil, fmt.Errorf("auth: password hash: algorithm %q, want argon2id", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return nil, fmt.Errorf("auth: password hash: version %q, want v=%d", parts[2], argon2.Version)
	}
	h := &argonHash{}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("auth: password hash: parameter %q has no '='", kv)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("auth: password hash: parameter %s: %w", k, err)
		}
		switch k {
		case "m":
			h.memory = uint32(n)
		case "t":
			h.time = uint32(n)
		case "p":
			if n > 255 {
				return nil, fmt.Errorf("auth: password hash: parameter p=%d over 255", n)
			}
			h.threads = uint8(n)
		default:
			return nil, fmt.Errorf("auth: password hash: unknown parameter %q", k)
		}
	}
	if h.memory == 0 || h.memory > maxArgonMemoryKiB || h.time == 0 || h.time > maxArgonTime || h.threads == 0 {
		return nil, fmt.Errorf("auth: password hash: parameters m=%d,t=%d,p=%d out of range", h.memory, h.time, h.threads)
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return nil, fmt.Errorf("auth: password hash: bad salt")
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 {
		return nil, fmt.Errorf("auth: password hash: bad key")
	}
	return h, nil
}

// VerifyPassword reports whether password matches the encoded hash, in
// constant time with respect to the key.
func VerifyPassword(encoded, password string) (bool, error) {
	h, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// dummyHash is verified against when an email is unknown, so that a
// sign-in takes as long whether or not the account exists.
var dummyHash = func() string {
	h, err := HashPassword("medcode-timing-equaliser")
	if err != nil {
		panic(err) // crypto/rand failing at start-up leaves nothing to run
	}
	return h
}()
