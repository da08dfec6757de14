package sip

import (
	"crypto/rand"
	"encoding/hex"
	"io"
)

// BranchMagic is the branch prefix marking RFC 3261 compliant transaction
// identifiers (RFC 3261 §8.1.1.7).
const BranchMagic = "z9hG4bK"

// randomHex reads n bytes from r (crypto/rand.Reader when nil) and returns
// them hex-encoded. If r fails, the missing bytes are zero; pass a reader
// that does not fail.
func randomHex(r io.Reader, n int) string {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	_, _ = io.ReadFull(r, b)
	return hex.EncodeToString(b)
}

// NewBranch returns BranchMagic followed by 24 hex characters read from r
// (crypto/rand.Reader when r is nil), unique per transaction as RFC 3261
// §8.1.1.7 requires.
func NewBranch(r io.Reader) string { return BranchMagic + randomHex(r, 12) }

// NewTag returns a From/To tag of 16 hex characters (64 random bits from r,
// crypto/rand.Reader when nil; RFC 3261 §19.3 asks for at least 32).
func NewTag(r io.Reader) string { return randomHex(r, 8) }

// NewCallID returns a Call-ID of 32 hex characters from r
// (crypto/rand.Reader when nil), followed by "@host" when host is not
// empty (RFC 3261 §8.1.1.4).
func NewCallID(r io.Reader, host string) string {
	id := randomHex(r, 16)
	if host != "" {
		id += "@" + host
	}
	return id
}
