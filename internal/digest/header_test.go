package digest

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseChallenge(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want *Challenge
	}{
		{
			name: "SIP style",
			in:   `Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5`,
			want: &Challenge{Scheme: "Digest", Realm: "atlanta.com", Domain: "sip:ss1.carrier.com", QOP: []string{"auth"},
				Nonce: "f84f1cec41e6cbe5aea9c8e88d359", Algorithm: "MD5"},
		},
		{
			name: "odd spacing and case",
			in:   "  digest\tREALM = \"a b\" ,NONCE=\"n\",,  Qop = \"auth , auth-int,\" , STALE=true , Algorithm=\"SHA-256\"  ",
			want: &Challenge{Scheme: "digest", Realm: "a b", Nonce: "n", QOP: []string{"auth", "auth-int"}, Stale: true, Algorithm: "SHA-256"},
		},
		{
			name: "escaped quotes",
			in:   `Digest realm="say \"hi\" \\ bye", nonce="x\yz"`,
			want: &Challenge{Scheme: "Digest", Realm: `say "hi" \ bye`, Nonce: "xyz"},
		},
		{
			name: "unquoted base64 nonce and unknown params",
			in:   `Digest realm=example.com, nonce=YWJj+/d==, charset=UTF-8, x-ext="a, b", userhash=true`,
			want: &Challenge{Scheme: "Digest", Realm: "example.com", Nonce: "YWJj+/d==", Userhash: true,
				Other: []Param{{Name: "charset", Value: "UTF-8"}, {Name: "x-ext", Value: "a, b", Quoted: true}}},
		},
		{
			name: "folded SIP header",
			in:   "Digest realm=\"biloxi.com\",\r\n nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\",\r\n\topaque=\"\"",
			want: &Challenge{Scheme: "Digest", Realm: "biloxi.com", Nonce: "ea9c8e88df84f1cec4341ae6cbe5a359"},
		},
		{
			name: "missing fields",
			in:   `Digest nonce="n"`,
			want: &Challenge{Scheme: "Digest", Nonce: "n"},
		},
		{
			name: "scheme only",
			in:   `Digest`,
			want: &Challenge{Scheme: "Digest"},
		},
		{
			name: "non-ASCII realm",
			in:   "Digest realm=\"r\u00e9alm\", nonce=\"n\"",
			want: &Challenge{Scheme: "Digest", Realm: "r\u00e9alm", Nonce: "n"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseChallenge(tc.in)
			if err != nil {
				t.Fatalf("ParseChallenge: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseChallenge =\n%+v\nwant\n%+v", got, tc.want)
			}
			again, err := ParseChallenge(got.String())
			if err != nil {
				t.Fatalf("re-parse %q: %v", got.String(), err)
			}
			if !reflect.DeepEqual(again, got) {
				t.Errorf("round trip via %q =\n%+v\nwant\n%+v", got.String(), again, got)
			}
		})
	}
}

func TestChallengeString(t *testing.T) {
	c := &Challenge{Scheme: "Digest", Realm: `a"b`, Nonce: "n", Opaque: "o", Algorithm: "MD5-sess",
		QOP: []string{"auth", "auth-int"}, Stale: true, Userhash: true,
		Other: []Param{{Name: "charset", Value: "UTF-8"}, {Name: "x", Value: "a b"}, {Name: "bad name", Value: "v"}}}
	const want = `Digest realm="a\"b", nonce="n", opaque="o", stale=true, algorithm=MD5-sess, qop="auth,auth-int", userhash=true, charset=UTF-8, x="a b"`
	if got := c.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	// Control characters never reach the header.
	c = &Challenge{Realm: "a\r\nInjected: 1", Nonce: "n"}
	if got, want := c.String(), `Digest realm="aInjected: 1", nonce="n"`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestParseCredentials(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want *Credentials
	}{
		{
			name: "SIP REGISTER",
			in: `Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ` +
				`uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", ` +
				`response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
			want: &Credentials{Scheme: "Digest", Username: "bob", Realm: "biloxi.com", Nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
				URI: "sip:bob@biloxi.com", QOP: "auth", NC: "00000001", CNonce: "0a4f113b",
				Response: "6629fae49393a05397450978507c4ef1", Opaque: "5ccc069c403ebaf9f0171e9517f40e41"},
		},
		{
			name: "quoted qop and algorithm, odd spacing",
			in:   "Digest   username = \"a\" ,realm=\"r\",nonce=\"n\", uri=\"sip:x;transport=tcp\",response=\"0\",qop=\"auth\",algorithm=\"MD5\",nc=\"00000002\"",
			want: &Credentials{Scheme: "Digest", Username: "a", Realm: "r", Nonce: "n", URI: "sip:x;transport=tcp", Response: "0",
				QOP: "auth", Algorithm: "MD5", NC: "00000002"},
		},
		{
			name: "RFC 7616 username*",
			in:   `Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="api@example.org", uri="/doe.json", nonce="n", response="r", userhash=false`,
			want: &Credentials{Scheme: "Digest", Username: "J\u00e4s\u00f8n Doe", Realm: "api@example.org", URI: "/doe.json", Nonce: "n", Response: "r"},
		},
		{
			name: "username* with control character",
			in:   `Digest username*=UTF-8''a%0D%0Ab, realm="r"`,
			want: &Credentials{Scheme: "Digest", Username: "a\r\nb", Realm: "r"},
		},
		{
			name: "escaped quotes and unknown params",
			in:   `Digest username="a\"b", realm="r", auts="abc", x=1`,
			want: &Credentials{Scheme: "Digest", Username: `a"b`, Realm: "r",
				Other: []Param{{Name: "auts", Value: "abc", Quoted: true}, {Name: "x", Value: "1"}}},
		},
		{
			name: "missing fields",
			in:   `Digest username="alice"`,
			want: &Credentials{Scheme: "Digest", Username: "alice"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCredentials(tc.in)
			if err != nil {
				t.Fatalf("ParseCredentials: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseCredentials =\n%+v\nwant\n%+v", got, tc.want)
			}
			again, err := ParseCredentials(got.String())
			if err != nil {
				t.Fatalf("re-parse %q: %v", got.String(), err)
			}
			if !reflect.DeepEqual(again, got) {
				t.Errorf("round trip via %q =\n%+v\nwant\n%+v", got.String(), again, got)
			}
		})
	}
}

func TestCredentialsString(t *testing.T) {
	c := &Credentials{Scheme: "Digest", Username: "alice", Realm: "atlanta.com", Nonce: "n", URI: "sip:bob@biloxi.com",
		Response: "abc", Algorithm: "SHA-256", CNonce: "c", Opaque: "o", QOP: "auth", NC: "00000001", Userhash: true}
	const want = `Digest username="alice", realm="atlanta.com", nonce="n", uri="sip:bob@biloxi.com", response="abc", ` +
		`algorithm=SHA-256, cnonce="c", opaque="o", qop=auth, nc=00000001, userhash=true`
	if got := c.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	c = &Credentials{Username: "a\nb"}
	if got, want := c.String(), `Digest username*=UTF-8''a%0Ab, realm="", nonce="", uri="", response=""`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, in string }{
		{"empty", ""},
		{"blank", "   "},
		{"no scheme", `="x"`},
		{"scheme glued to comma", `Digest,realm="x"`},
		{"unterminated quote", `Digest realm="x`},
		{"backslash at end", `Digest realm="x\`},
		{"no equals", `Digest realm`},
		{"no value", `Digest realm=`},
		{"no value before comma", `Digest realm=, nonce="n"`},
		{"two challenges", `Digest realm="a", Basic realm="b"`},
		{"garbage after value", `Digest realm="a" nonce="b"`},
		{"space in bare value", `Digest realm=a b`},
		{"control char in quoted", "Digest realm=\"a\x00b\""},
		{"newline in quoted", "Digest realm=\"a\nb\""},
		{"duplicate realm", `Digest realm="a", REALM="b"`},
		{"bad param name", `Digest re(alm="a"`},
		{"too long", "Digest realm=\"" + string(make([]byte, MaxHeaderLen)) + "\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseChallenge(tc.in); !errors.Is(err, ErrSyntax) {
				t.Errorf("ParseChallenge error = %v, want ErrSyntax", err)
			}
			if _, err := ParseCredentials(tc.in); !errors.Is(err, ErrSyntax) {
				t.Errorf("ParseCredentials error = %v, want ErrSyntax", err)
			}
		})
	}
	many := "Digest a=1"
	for range MaxParams {
		many += ", a=1"
	}
	if _, err := ParseChallenge(many); !errors.Is(err, ErrSyntax) {
		t.Errorf("too many params: %v", err)
	}
	credCases := []struct{ name, in string }{
		{"username and username*", `Digest username="a", username*=UTF-8''a`},
		{"username* bad charset", `Digest username*=ISO-8859-1''a`},
		{"username* not ext-value", `Digest username*=abc`},
		{"username* bad escape", `Digest username*=UTF-8''a%G1`},
		{"username* truncated escape", `Digest username*=UTF-8''a%4`},
		{"duplicate nc", `Digest nc=00000001, nc=00000002`},
	}
	for _, tc := range credCases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseCredentials(tc.in); !errors.Is(err, ErrSyntax) {
				t.Errorf("ParseCredentials error = %v, want ErrSyntax", err)
			}
		})
	}
}
