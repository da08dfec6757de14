package crack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/crack/md5x"
	"github.com/sipvet/sipvet/internal/digest"
)

// entryFor builds the hash entry a client answering ch with password sends.
func entryFor(t *testing.T, alg string, qop []string, user, realm, password string) *digest.HashEntry {
	t.Helper()
	ch := &digest.Challenge{Scheme: "Digest", Realm: realm, Nonce: "5f2a9c0b1d7e4a36", Algorithm: alg, QOP: qop}
	req := digest.Request{Method: "REGISTER", URI: "sip:127.0.0.1:5060", Body: []byte("v=0\r\n")}
	cred, err := digest.Answer(ch, user, password, req, "0a4f113b", 1)
	if err != nil {
		t.Fatal(err)
	}
	line, err := digest.FormatSipdump("127.0.0.1", "127.0.0.2", cred, req)
	if err != nil {
		t.Fatal(err)
	}
	e, err := digest.ParseSipdump(line)
	if err != nil {
		t.Fatalf("parse %q: %v", line, err)
	}
	return e
}

func words(n int, pass string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "word%05d\n", i)
	}
	b.WriteString(pass + "\r\n")
	b.WriteString("trailing\n")
	return b.String()
}

func kernels() []*md5x.Kernel { return md5x.Available() }

func TestCrackEveryAlgorithmAndQOP(t *testing.T) {
	qops := map[string][]string{"none": nil, "auth": {"auth"}, "auth-int": {"auth-int"}}
	for _, alg := range digest.Algorithms() {
		for qname, qop := range qops {
			t.Run(alg+"/"+qname, func(t *testing.T) {
				e := entryFor(t, alg, qop, "1001", "sipvet.test", "s3cret")
				src := Wordlist(strings.NewReader(words(300, "s3cret")), 0, "test")
				res, err := Run(t.Context(), []*digest.HashEntry{e}, src, Options{Workers: 2})
				if err != nil {
					t.Fatal(err)
				}
				if !res[0].Found || res[0].Password != "s3cret" {
					t.Fatalf("wordlist: got %+v", res[0])
				}
				m, err := Mask("?l?dcre?l", nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err = Run(t.Context(), []*digest.HashEntry{e}, m, Options{Workers: 2})
				if err != nil || !res[0].Found || res[0].Password != "s3cret" {
					t.Fatalf("mask: got %+v, %v", res[0], err)
				}
			})
		}
	}
}

func TestCrackEveryKernel(t *testing.T) {
	long := strings.Repeat("r", 70) // user:realm: spans more than one block
	cases := []struct{ name, user, realm, pass string }{
		{"short", "alice", "example.com", "hunter2"},
		{"long-prefix", "bob", long, "pw"},
		{"long-password", "carol", "example.com", strings.Repeat("x", 60)},
	}
	for _, k := range kernels() {
		for _, c := range cases {
			t.Run(k.Name()+"/"+c.name, func(t *testing.T) {
				e1 := entryFor(t, "MD5", []string{"auth"}, c.user, c.realm, c.pass)
				e2 := entryFor(t, "MD5-sess", nil, c.user, c.realm, c.pass)
				missing := entryFor(t, "MD5", nil, "dave", "example.com", "not-in-list")
				src := Wordlist(strings.NewReader(words(1000, c.pass)), 0, "test")
				res, err := Run(t.Context(), []*digest.HashEntry{e1, e2, missing}, src, Options{Workers: 3, Kernel: k})
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range res[:2] {
					if !r.Found || r.Password != c.pass {
						t.Errorf("entry %d: got %+v", i, r)
					}
				}
				if res[2].Found || res[2].Tried != 1002 {
					t.Errorf("missing entry: got found=%v tried=%d, want not found after 1002", res[2].Found, res[2].Tried)
				}
			})
		}
	}
}

func TestRulesSimple(t *testing.T) {
	e := entryFor(t, "MD5", []string{"auth"}, "1001", "r", "Summer42")
	res, err := Run(t.Context(), []*digest.HashEntry{e}, Wordlist(strings.NewReader("winter\nsummer\n"), 0, "w"), Options{Rules: "simple"})
	if err != nil || !res[0].Found || res[0].Password != "Summer42" {
		t.Fatalf("got %+v, %v", res, err)
	}
	var got []string
	simpleRules([]byte("ab"), func(b []byte) { got = append(got, string(b)) })
	if len(got) != 3*111 || got[0] != "ab" || got[1] != "ab0" || got[111] != "Ab" || got[222] != "AB" {
		t.Fatalf("simple rules of ab: %d variants, %q %q %q %q", len(got), got[0], got[1], got[111], got[222])
	}
	if _, err := Run(t.Context(), []*digest.HashEntry{e}, Wordlist(strings.NewReader(""), 0, "w"), Options{Rules: "best64"}); !errors.Is(err, ErrRules) {
		t.Fatalf("unknown rules: %v", err)
	}
}

func TestMask(t *testing.T) {
	cases := []struct {
		mask   string
		custom []string
		total  uint64
		first  string
		last   string
		err    error
	}{
		{mask: "?d?d", total: 100, first: "00", last: "99"},
		{mask: "a?1", custom: []string{"xy"}, total: 2, first: "ax", last: "ay"},
		{mask: "?1?d", custom: []string{"?l?u"}, total: 520, first: "a0", last: "Z9"},
		{mask: "??", total: 1, first: "?", last: "?"},
		{mask: "?a", total: 95, first: "a", last: "~"},
		{mask: "?s", total: 33, first: " ", last: "~"},
		{mask: "?x", err: ErrMask},
		{mask: "ab?", err: ErrMask},
		{mask: "", err: ErrMask},
		{mask: strings.Repeat("?a", 12), err: ErrMask},
		{mask: "?2", custom: []string{"a"}, err: ErrMask},
	}
	for _, c := range cases {
		t.Run(c.mask, func(t *testing.T) {
			s, err := Mask(c.mask, c.custom)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("got %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if Keyspace(s) != c.total {
				t.Fatalf("keyspace %d, want %d", Keyspace(s), c.total)
			}
			var all []string
			for {
				j, err := s.next()
				if err != nil {
					t.Fatal(err)
				}
				if j == nil {
					break
				}
				j.run(func(b []byte) { all = append(all, string(b)) })
			}
			if uint64(len(all)) != c.total || all[0] != c.first || all[len(all)-1] != c.last {
				t.Fatalf("got %d candidates %q … %q", len(all), all[0], all[len(all)-1])
			}
		})
	}
}

func TestWordlistChunks(t *testing.T) {
	// Lines across chunk boundaries, an over-long line, CRLF, no final newline.
	var b strings.Builder
	want := 0
	for i := 0; b.Len() < 3*chunkSize; i++ {
		fmt.Fprintf(&b, "w%d\r\n", i)
		want++
		if i == 1000 {
			b.WriteString(strings.Repeat("z", MaxCandidate+1) + "\n")
		}
	}
	b.WriteString(strings.Repeat("y", chunkSize+10) + "\n")
	b.WriteString("last")
	want++
	s := Wordlist(strings.NewReader(b.String()), int64(b.Len()), "w")
	got := 0
	lastSeen := ""
	for {
		j, err := s.next()
		if err != nil {
			t.Fatal(err)
		}
		if j == nil {
			break
		}
		j.run(func(c []byte) {
			if strings.ContainsAny(string(c), "\r\n") || len(c) > MaxCandidate {
				t.Fatalf("bad candidate %q", c)
			}
			got++
			lastSeen = string(c)
		})
	}
	if got != want || lastSeen != "last" {
		t.Fatalf("got %d candidates (last %q), want %d", got, lastSeen, want)
	}
	if f := s.progress(); f != 1 {
		t.Fatalf("progress %v at the end", f)
	}
}

func TestCancel(t *testing.T) {
	e := entryFor(t, "MD5", []string{"auth"}, "1001", "r", "not-there")
	m, err := Mask("?a?a?a?a?a?a?a", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	var progress []Progress
	start := time.Now()
	res, err := Run(ctx, []*digest.HashEntry{e}, m, Options{Progress: func(p Progress) { progress = append(progress, p) }, Interval: 50 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("cancel took %v", time.Since(start))
	}
	if len(res) != 1 || res[0].Found || res[0].Tried == 0 {
		t.Fatalf("results %+v", res)
	}
	if len(progress) == 0 || !progress[len(progress)-1].Final || progress[len(progress)-1].Rate <= 0 {
		t.Fatalf("progress %+v", progress)
	}
}

func TestPlainAndErrors(t *testing.T) {
	e, err := digest.ParseSipdump(`10.0.0.1"10.0.0.2"555"asterisk"REGISTER"sip:10.0.0.1"4787f7ce""""PLAIN"1234`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), []*digest.HashEntry{e}, Wordlist(strings.NewReader("x\n"), 0, "w"), Options{})
	if err != nil || !res[0].Found || res[0].Password != "1234" {
		t.Fatalf("plain: %+v %v", res, err)
	}
	if _, err := Run(t.Context(), nil, Wordlist(strings.NewReader(""), 0, "w"), Options{}); !errors.Is(err, ErrNoHashes) {
		t.Fatalf("no hashes: %v", err)
	}
}
