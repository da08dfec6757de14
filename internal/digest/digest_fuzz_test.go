package digest

import (
	"reflect"
	"testing"
)

func challengeSeeds() []string {
	return []string{
		`Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5`,
		`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
		`Digest realm="say \"hi\"", nonce=YWJj+/d==, x="a, b", userhash=true,,`,
		"Digest realm=\"biloxi.com\",\r\n nonce=\"n\"",
		`Digest`, `Basic realm="x"`, `Digest realm="x`, `Digest realm=a b`,
	}
}

func credentialSeeds() []string {
	return []string{
		`Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
		`Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="api@example.org", uri="/doe.json", userhash=false`,
		`Digest username*=UTF-8''a%0D%0Ab`,
		`Digest username="a\"b", auts="abc", x=1, qop="auth", algorithm="MD5-sess"`,
		`Digest username="a", username*=UTF-8''a`, `Digest nc=1, nc=2`,
	}
}

func FuzzParseChallenge(f *testing.F) {
	for _, s := range challengeSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseChallenge(s)
		if err != nil {
			return
		}
		out := c.String()
		if len(out) > 2*len(s)+200 {
			t.Fatalf("String() of %d-byte input is %d bytes", len(s), len(out))
		}
		if len(out) > MaxHeaderLen {
			return // escaping can grow a value past the documented input limit
		}
		again, err := ParseChallenge(out)
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", out, s, err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip of %q via %q:\n%+v\n!=\n%+v", s, out, again, c)
		}
	})
}

func FuzzParseCredentials(f *testing.F) {
	for _, s := range credentialSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCredentials(s)
		if err != nil {
			return
		}
		out := c.String()
		if len(out) > 3*len(s)+200 {
			t.Fatalf("String() of %d-byte input is %d bytes", len(s), len(out))
		}
		if len(out) > MaxHeaderLen {
			// Percent-encoding (username*) can expand raw bytes threefold
			// past the parser's documented input limit.
			return
		}
		again, err := ParseCredentials(out)
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", out, s, err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip of %q via %q:\n%+v\n!=\n%+v", s, out, again, c)
		}
		// Verify must not panic on whatever the header holds.
		_, _ = Verify(c, Request{Method: "REGISTER"}, "p")
	})
}
