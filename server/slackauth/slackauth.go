// Package slackauth verifies Slack's request signatures: v0 = HMAC-SHA256
// over "v0:" + timestamp + ":" + raw body with the app's signing secret,
// compared in constant time, within a five-minute replay window. The clock
// is the caller's, so published vectors from 2018 can be tested.
package slackauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Window is how far a request's timestamp may be from now.
const Window = 5 * time.Minute

// Errors.
var (
	ErrMissing   = errors.New("slack: missing signature or timestamp")
	ErrStale     = errors.New("slack: timestamp outside the replay window")
	ErrSignature = errors.New("slack: signature mismatch")
)

// Sign returns the v0 signature of body at timestamp ts.
func Sign(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks the X-Slack-Request-Timestamp and X-Slack-Signature
// headers' values against the raw body at time now.
func Verify(secret, ts, signature string, body []byte, now time.Time) error {
	if ts == "" || signature == "" || secret == "" {
		return ErrMissing
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrMissing
	}
	d := now.Sub(time.Unix(sec, 0))
	if d > Window || d < -Window {
		return ErrStale
	}
	if !strings.HasPrefix(signature, "v0=") || !hmac.Equal([]byte(signature), []byte(Sign(secret, ts, body))) {
		return ErrSignature
	}
	return nil
}
