package sip

import (
	"strings"
	"testing"
)

// TestKnownKeyAgreesWithToLower guards the no-allocation table of header
// names: every entry must be what strings.ToLower gives, and compact forms
// must map to the lower-case long form.
func TestKnownKeyAgreesWithToLower(t *testing.T) {
	for c := byte('a'); c <= 'z'; c++ {
		long := compactLong(c)
		if long == "" {
			continue
		}
		if got, want := headerKey(string(c)), strings.ToLower(long); got != want {
			t.Errorf("headerKey(%q) = %q, want %q", c, got, want)
		}
		if got := headerKey(string(c - 32)); got != strings.ToLower(long) {
			t.Errorf("headerKey(%q) = %q", c-32, got)
		}
	}
	for _, name := range []string{"Via", "From", "To", "Call-ID", "Call-Id", "CSeq", "Cseq", "Contact", "Content-Type", "User-Agent",
		"WWW-Authenticate", "P-Asserted-Identity", "Remote-Party-ID", "Min-SE", "RAck", "RSeq", "x-custom", "X-Custom", " Via ", "VIA"} {
		if got, want := headerKey(name), strings.ToLower(strings.TrimSpace(name)); got != want {
			t.Errorf("headerKey(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSameHeader(t *testing.T) {
	tests := []struct {
		name, key string
		want      bool
	}{
		{"Via", "via", true},
		{"VIA", "via", true},
		{"v", "via", true},
		{"V", "via", true},
		{" Via", "via", true},
		{"Via\t", "via", true},
		{"Via\u00a0", "via", true},
		{" v ", "via", true},
		{"Vias", "via", false},
		{"Vi", "via", false},
		{"Via-X", "via", false},
		{"User-Agent", "via", false},
		{"f", "from", true},
		{"From", "to", false},
		{"\u00a0", "via", false},
	}
	for _, tt := range tests {
		if got := sameHeader(tt.name, tt.key); got != tt.want {
			t.Errorf("sameHeader(%q, %q) = %v, want %v", tt.name, tt.key, got, tt.want)
		}
	}
}
