package digest

import (
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// RFC 2617 §3.5.
func TestRFC2617Example(t *testing.T) {
	ch, err := ParseChallenge(`Digest
                 realm="testrealm@host.com",
                 qop="auth,auth-int",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41"`)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Method: "GET", URI: "/dir/index.html"}
	cred, err := Answer(ch, "Mufasa", "Circle Of Life", req, "0a4f113b", 1)
	if err != nil {
		t.Fatal(err)
	}
	const want = "6629fae49393a05397450978507c4ef1"
	if cred.Response != want {
		t.Errorf("response = %s, want %s", cred.Response, want)
	}
	if cred.QOP != "auth" || cred.NC != "00000001" || cred.CNonce != "0a4f113b" ||
		cred.Opaque != "5ccc069c403ebaf9f0171e9517f40e41" || cred.Algorithm != "" {
		t.Errorf("credentials = %+v", cred)
	}
	// The header from the RFC, parsed and verified.
	parsed, err := ParseCredentials(`Digest username="Mufasa",
                 realm="testrealm@host.com",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 uri="/dir/index.html",
                 qop=auth,
                 nc=00000001,
                 cnonce="0a4f113b",
                 response="6629fae49393a05397450978507c4ef1",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41"`)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(parsed, cred) {
		t.Errorf("parsed RFC header %+v, Answer gave %+v", parsed, cred)
	}
	for _, tc := range []struct {
		name, password string
		req            Request
		want           bool
	}{
		{"right", "Circle Of Life", req, true},
		{"wrong password", "Circle of Life", req, false},
		{"other method", "Circle Of Life", Request{Method: "POST", URI: "/dir/index.html"}, false},
		{"other uri", "Circle Of Life", Request{Method: "GET", URI: "/"}, false},
		{"uri from credentials", "Circle Of Life", Request{Method: "GET"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := Verify(parsed, tc.req, tc.password)
			if err != nil || ok != tc.want {
				t.Errorf("Verify = %v, %v, want %v", ok, err, tc.want)
			}
		})
	}
}

// RFC 7616 §3.9.1.
func TestRFC7616Examples(t *testing.T) {
	const challenge = `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=%s, ` +
		`nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`
	req := Request{Method: "GET", URI: "/dir/index.html"}
	for _, tc := range []struct{ alg, want string }{
		{"MD5", "8ca523f5e9506fed4657c9700eebdbec"},
		{"SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			ch, err := ParseChallenge(strings.Replace(challenge, "%s", tc.alg, 1))
			if err != nil {
				t.Fatal(err)
			}
			if ch.Algorithm != tc.alg || len(ch.QOP) != 2 || ch.QOP[1] != "auth-int" {
				t.Fatalf("challenge = %+v", ch)
			}
			cred, err := Answer(ch, "Mufasa", "Circle of Life", req, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", 1)
			if err != nil {
				t.Fatal(err)
			}
			if cred.Response != tc.want {
				t.Errorf("response = %s, want %s", cred.Response, tc.want)
			}
			if ok, err := Verify(cred, req, "Circle of Life"); !ok || err != nil {
				t.Errorf("Verify = %v, %v", ok, err)
			}
			back, err := ParseCredentials(cred.String())
			if err != nil || !reflect.DeepEqual(back, cred) {
				t.Errorf("round trip %q: %+v, %v", cred.String(), back, err)
			}
		})
	}
}

// independentSHA512_256 computes a SHA-512-256 qop=auth response directly with
// crypto/sha512, without the package's helpers.
func independentSHA512_256(user, realm, pass, method, uri, nonce, nc, cnonce string) string {
	h := func(s string) string {
		sum := sha512.Sum512_256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	return h(h(user+":"+realm+":"+pass) + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + h(method+":"+uri))
}

func TestSHA512_256(t *testing.T) {
	ch := &Challenge{Scheme: "Digest", Realm: "api@example.org", Nonce: "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
		Algorithm: "SHA-512-256", QOP: []string{"auth"}, Opaque: "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS"}
	req := Request{Method: "GET", URI: "/doe.json"}
	cnonce := "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v"
	cred, err := Answer(ch, "J\u00e4s\u00f8n Doe", "Secret, or not?", req, cnonce, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := independentSHA512_256("J\u00e4s\u00f8n Doe", ch.Realm, "Secret, or not?", "GET", "/doe.json", ch.Nonce, "00000001", cnonce)
	if cred.Response != want {
		t.Errorf("response = %s, want %s", cred.Response, want)
	}
	if len(cred.Response) != 64 {
		t.Errorf("response length %d, want 64", len(cred.Response))
	}
	if ok, err := Verify(cred, req, "Secret, or not?"); !ok || err != nil {
		t.Errorf("Verify = %v, %v", ok, err)
	}

	// With userhash the user name is H(user:realm) and HA1 still uses the real name.
	ch.Userhash = true
	cred, err = Answer(ch, "J\u00e4s\u00f8n Doe", "Secret, or not?", req, cnonce, 1)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512_256([]byte("J\u00e4s\u00f8n Doe:api@example.org"))
	if !cred.Userhash || cred.Username != hex.EncodeToString(sum[:]) || cred.Response != want {
		t.Errorf("userhash credentials = %+v", cred)
	}
	if _, err := Verify(cred, req, "Secret, or not?"); !errors.Is(err, ErrMissing) {
		t.Errorf("Verify userhash error = %v, want ErrMissing", err)
	}
	ha1, _ := HA1("SHA-512-256", "J\u00e4s\u00f8n Doe", "api@example.org", "Secret, or not?", "", "")
	if ok, err := VerifyHA1(cred, req, ha1); !ok || err != nil {
		t.Errorf("VerifyHA1 userhash = %v, %v", ok, err)
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestMD5SessAuthIntNoQOP(t *testing.T) {
	const (
		user, realm, pass = "alice", "atlanta.com", "s3cr3t"
		nonce, cnonce     = "84a4cc6f3082121f32b42a2187831a9e", "0a4f113b"
	)
	body := []byte("v=0\r\no=alice 2890844526 2890844526 IN IP4 client.atlanta.com\r\n")
	uri := "sip:bob@biloxi.com"
	cases := []struct {
		name string
		ch   Challenge
		want string
	}{
		{
			name: "MD5-sess auth",
			ch:   Challenge{Realm: realm, Nonce: nonce, Algorithm: "MD5-sess", QOP: []string{"auth"}},
			want: md5hex(md5hex(md5hex(user+":"+realm+":"+pass)+":"+nonce+":"+cnonce) + ":" + nonce +
				":00000001:" + cnonce + ":auth:" + md5hex("INVITE:"+uri)),
		},
		{
			name: "MD5 auth-int only",
			ch:   Challenge{Realm: realm, Nonce: nonce, QOP: []string{"auth-int"}},
			want: md5hex(md5hex(user+":"+realm+":"+pass) + ":" + nonce + ":00000001:" + cnonce + ":auth-int:" +
				md5hex("INVITE:"+uri+":"+md5hex(string(body)))),
		},
		{
			name: "MD5 no qop (RFC 2069)",
			ch:   Challenge{Realm: realm, Nonce: nonce},
			want: md5hex(md5hex(user+":"+realm+":"+pass) + ":" + nonce + ":" + md5hex("INVITE:"+uri)),
		},
		{
			name: "auth preferred over auth-int",
			ch:   Challenge{Realm: realm, Nonce: nonce, QOP: []string{"auth-int", "AUTH"}},
			want: md5hex(md5hex(user+":"+realm+":"+pass) + ":" + nonce + ":00000001:" + cnonce + ":auth:" + md5hex("INVITE:"+uri)),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := Request{Method: "INVITE", URI: uri, Body: body}
			cred, err := Answer(&tc.ch, user, pass, req, cnonce, 1)
			if err != nil {
				t.Fatal(err)
			}
			if cred.Response != tc.want {
				t.Errorf("response = %s, want %s", cred.Response, tc.want)
			}
			if len(tc.ch.QOP) == 0 && (cred.NC != "" || cred.QOP != "" || cred.CNonce != "") {
				t.Errorf("no-qop credentials carry qop fields: %+v", cred)
			}
			back, err := ParseCredentials(cred.String())
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := Verify(back, req, pass); !ok || err != nil {
				t.Errorf("Verify = %v, %v", ok, err)
			}
			if ok, err := VerifyHA1(back, req, md5hex(user+":"+realm+":"+pass)); !ok || err != nil {
				t.Errorf("VerifyHA1 = %v, %v", ok, err)
			}
			if ok, err := Verify(back, req, pass+"x"); ok || err != nil {
				t.Errorf("Verify wrong password = %v, %v", ok, err)
			}
			if back.QOP == "auth-int" {
				other := req
				other.Body = append([]byte(nil), body...)
				other.Body[0] = 'w'
				if ok, err := Verify(back, other, pass); ok || err != nil {
					t.Errorf("Verify altered body = %v, %v", ok, err)
				}
			}
		})
	}
}

func TestAlgorithms(t *testing.T) {
	want := []string{"MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"}
	got := Algorithms()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Algorithms() = %v", got)
	}
	req := Request{Method: "REGISTER", URI: "sip:example.com"}
	for _, alg := range got {
		t.Run(alg, func(t *testing.T) {
			for _, spelled := range []string{alg, strings.ToLower(alg), strings.ToUpper(alg)} {
				c, err := CanonicalAlgorithm(spelled)
				if err != nil || c != alg {
					t.Errorf("CanonicalAlgorithm(%q) = %q, %v", spelled, c, err)
				}
			}
			ch := &Challenge{Scheme: "Digest", Realm: "example.com", Nonce: "n", Algorithm: alg, QOP: []string{"auth"}}
			cred, err := Answer(ch, "u", "p", req, "c", 7)
			if err != nil {
				t.Fatal(err)
			}
			if cred.NC != "00000007" {
				t.Errorf("nc = %q", cred.NC)
			}
			if ok, err := Verify(cred, req, "p"); !ok || err != nil {
				t.Errorf("Verify = %v, %v", ok, err)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	req := Request{Method: "REGISTER", URI: "sip:example.com"}
	if _, err := HA1("SHA-1", "u", "r", "p", "", ""); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("HA1 SHA-1: %v", err)
	}
	if _, err := HA1("-sess", "u", "r", "p", "", ""); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("HA1 -sess: %v", err)
	}
	if _, err := HA2("MD5", "auth-conf", req); !errors.Is(err, ErrQOP) {
		t.Errorf("HA2 auth-conf: %v", err)
	}
	if _, err := Compute("MD5", "a", "n", "1", "c", "bogus", "b"); !errors.Is(err, ErrQOP) {
		t.Errorf("Compute bogus qop: %v", err)
	}
	if _, err := Answer(&Challenge{Algorithm: "AKAv1-MD5"}, "u", "p", req, "c", 1); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("Answer AKAv1-MD5: %v", err)
	}
	if _, err := Answer(&Challenge{QOP: []string{"auth-conf"}}, "u", "p", req, "c", 1); !errors.Is(err, ErrQOP) {
		t.Errorf("Answer auth-conf: %v", err)
	}
	if _, err := Answer(&Challenge{QOP: []string{"auth"}}, "u", "p", req, "", 1); !errors.Is(err, ErrMissing) {
		t.Errorf("Answer without cnonce: %v", err)
	}
	if _, err := Answer(nil, "u", "p", req, "c", 1); !errors.Is(err, ErrMissing) {
		t.Errorf("Answer nil: %v", err)
	}
	base := Credentials{Username: "u", Realm: "r", Nonce: "n", URI: "sip:x", Response: "00", QOP: "auth", NC: "00000001", CNonce: "c"}
	for _, tc := range []struct {
		name   string
		mutate func(*Credentials)
		want   error
	}{
		{"no nonce", func(c *Credentials) { c.Nonce = "" }, ErrMissing},
		{"no response", func(c *Credentials) { c.Response = "" }, ErrMissing},
		{"no cnonce", func(c *Credentials) { c.CNonce = "" }, ErrMissing},
		{"no nc", func(c *Credentials) { c.NC = "" }, ErrMissing},
		{"bad algorithm", func(c *Credentials) { c.Algorithm = "MD4" }, ErrAlgorithm},
		{"bad qop", func(c *Credentials) { c.QOP = "auth-conf" }, ErrQOP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.mutate(&c)
			if ok, err := Verify(&c, req, "p"); ok || !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, %v, want %v", ok, err, tc.want)
			}
		})
	}
}

func TestResponseCaseInsensitive(t *testing.T) {
	req := Request{Method: "REGISTER", URI: "sip:example.com"}
	cred, err := Answer(&Challenge{Realm: "r", Nonce: "n", QOP: []string{"auth"}}, "u", "p", req, "c", 1)
	if err != nil {
		t.Fatal(err)
	}
	cred.Response = strings.ToUpper(cred.Response)
	if ok, err := Verify(cred, req, "p"); !ok || err != nil {
		t.Errorf("Verify upper-case response = %v, %v", ok, err)
	}
}

func BenchmarkMD5Response(b *testing.B) {
	ha2, err := HA2("MD5", "auth", Request{Method: "REGISTER", URI: "sip:example.com"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ha1, _ := HA1("MD5", "alice", "example.com", "password123", "", "")
		if _, err := Compute("MD5", ha1, "abcdef0123456789", "00000001", "0a4f113b", "auth", ha2); err != nil {
			b.Fatal(err)
		}
	}
}

// TestQuotedString covers the lexer's quoted-string reader: the copy-free
// path for strings without escapes and the unescaping path.
func TestQuotedString(t *testing.T) {
	tests := []struct {
		in, want, rest string
		err            bool
	}{
		{`"abc", x`, "abc", `, x`, false},
		{`""`, "", "", false},
		{`"a\"b"c`, `a"b`, "c", false},
		{`"a\\b"`, `a\b`, "", false},
		{`"z\q"`, "zq", "", false},
		{`"open`, "", "", true},
		{`"a\`, "", "", true},
		{"\"a\x01b\"", "", "", true},
		{"\"a\\\x01\"", "", "", true},
		{`"tab	ok"`, "tab\tok", "", false},
	}
	for _, tt := range tests {
		l := &lexer{s: tt.in}
		got, err := l.quoted()
		if (err != nil) != tt.err {
			t.Errorf("quoted(%q) error %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if err == nil && (got != tt.want || l.s[l.i:] != tt.rest) {
			t.Errorf("quoted(%q) = %q, rest %q; want %q, rest %q", tt.in, got, l.s[l.i:], tt.want, tt.rest)
		}
	}
}
