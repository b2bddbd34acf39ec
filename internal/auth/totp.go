package auth

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// totpOpts are the authenticator-app defaults (RFC 6238: SHA-1, 6 digits,
// 30 s), accepting one step of clock skew either way.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPEnrollment is what a user needs to add medcode to an authenticator app.
type TOTPEnrollment struct {
	Secret    string // base32, shown for manual entry
	URL       string // otpauth:// URL
	QRDataURL string // PNG of the URL as a data: URL
}

// NewTOTP makes a fresh TOTP secret for account.
func NewTOTP(issuer, account string) (*TOTPEnrollment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpOpts.Period,
		Digits: totpOpts.Digits, Algorithm: totpOpts.Algorithm})
	if err != nil {
		return nil, fmt.Errorf("auth: TOTP secret: %w", err)
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return nil, fmt.Errorf("auth: TOTP QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("auth: TOTP QR code: %w", err)
	}
	return &TOTPEnrollment{Secret: key.Secret(), URL: key.URL(),
		QRDataURL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// ValidTOTP reports whether code is the secret's code at now (±1 step).
func ValidTOTP(secret, code string, now time.Time) bool {
	ok, err := totp.ValidateCustom(code, secret, now, totpOpts)
	return err == nil && ok
}
