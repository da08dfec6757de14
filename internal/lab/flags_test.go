package lab_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// credFor answers ch for req with explicit uri, nc and cnonce.
func credFor(t *testing.T, ch *digest.Challenge, req *sip.Message, user, password, uri string, nc uint32) string {
	t.Helper()
	if uri == "" {
		uri = req.RequestURI
	}
	cred, err := digest.Answer(ch, user, password, digest.Request{Method: req.Method, URI: uri, Body: req.Body}, "c0ffee42", nc)
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

func challengeOf(t *testing.T, resp *sip.Message) *digest.Challenge {
	t.Helper()
	wantStatus(t, resp, 401)
	ch, err := digest.ParseChallenge(resp.Get("WWW-Authenticate"))
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestFlagNCReplay(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       lab.Options
		wantReplay int
	}{
		{"hardened", hardened(), 401},
		{"hardened+14.nc-replay", hardened("14.nc-replay"), 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, tgt := startLab(t, tc.opts)
			c := dial(t, tgt, "")
			req := c.request("REGISTER", c.labURI(""), "alice", c.labURI("alice"))
			ch := challengeOf(t, c.do(req))
			auth := c.again(req, "Authorization", credFor(t, ch, req, "alice", "wonderland", "", 1))
			wantStatus(t, c.do(auth), 200)
			// The same nonce, nc and cnonce in a new request.
			wantStatus(t, c.do(c.again(auth, "", "")), tc.wantReplay)
			// The same nonce with a higher nc is legitimate reuse.
			wantStatus(t, c.do(c.again(req, "Authorization", credFor(t, ch, req, "alice", "wonderland", "", 2))), 200)
			// A lower nc after that is a replay.
			wantStatus(t, c.do(c.again(req, "Authorization", credFor(t, ch, req, "alice", "wonderland", "", 1))), tc.wantReplay)
		})
	}
}

func TestFlagForeignNonce(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts lab.Options
		want int
	}{
		{"hardened", hardened(), 401},
		{"hardened+14.foreign-nonce", hardened("14.foreign-nonce"), 200},
		{"vulnerable", lab.Options{}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, tgt := startLab(t, tc.opts)
			c := dial(t, tgt, "")
			req := c.request("REGISTER", c.labURI(""), "alice", c.labURI("alice"))
			ch := &digest.Challenge{Scheme: "Digest", Realm: "sipvet.lab", Nonce: "00112233445566778899aabbccddeeff", QOP: []string{"auth"}}
			resp := c.do(c.again(req, "Authorization", credFor(t, ch, req, "alice", "wonderland", "", 1)))
			wantStatus(t, resp, tc.want)
			if tc.want == 401 {
				if got := challengeOf(t, resp); got.Nonce == ch.Nonce || got.Stale {
					t.Errorf("challenge after a foreign nonce = %+v", got)
				}
			}
		})
	}
}

// fakeClock is an injectable clock tests advance by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func TestNonceExpiry(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts lab.Options
		want int
	}{
		{"hardened", hardened(), 401},
		{"hardened+14.foreign-nonce", hardened("14.foreign-nonce"), 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			tc.opts.Now = clock.Now
			_, tgt := startLab(t, tc.opts)
			c := dial(t, tgt, "")
			req := c.request("REGISTER", c.labURI(""), "alice", c.labURI("alice"))
			ch := challengeOf(t, c.do(req))
			clock.Advance(29 * time.Second)
			wantStatus(t, c.do(c.again(req, "Authorization", credFor(t, ch, req, "alice", "wonderland", "", 1))), 200)
			clock.Advance(2 * time.Second)
			resp := c.do(c.again(req, "Authorization", credFor(t, ch, req, "alice", "wonderland", "", 2)))
			wantStatus(t, resp, tc.want)
			if tc.want == 401 && !challengeOf(t, resp).Stale {
				t.Errorf("expired nonce not reported stale: %s", resp.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestFlagUnchallengedMethods(t *testing.T) {
	cases := []struct {
		method, user string
		off, on      int
	}{
		{"INVITE", "0312345678", 401, 200},
		{"INVITE", "+81312345678", 401, 200},
		{"INVITE", "echo", 401, 200},
		{"MESSAGE", "echo", 401, 200},
		{"SUBSCRIBE", "echo", 401, 200},
		{"REFER", "echo", 401, 202},
		{"INFO", "echo", 405, 405}, // 07.methods, not this flag
	}
	for _, profile := range []struct {
		name string
		opts lab.Options
		on   bool
	}{{"hardened", hardened(), false}, {"hardened+14.unchallenged-methods", hardened("14.unchallenged-methods"), true}} {
		t.Run(profile.name, func(t *testing.T) {
			_, tgt := startLab(t, profile.opts)
			c := dial(t, tgt, "")
			for _, tc := range cases {
				want := tc.off
				if profile.on {
					want = tc.on
				}
				req := c.request(tc.method, c.labURI(tc.user), "alice", c.labURI(tc.user))
				resp := c.do(req)
				wantStatus(t, resp, want)
				if resp.StatusCode == 401 && tc.method != "INFO" {
					// With credentials the request is served.
					wantStatus(t, c.do(c.authorize(req, resp, "alice", "wonderland")), tc.on)
				}
			}
		})
	}
}

func TestFlagMethods(t *testing.T) {
	cases := []struct {
		method  string
		off, on int
	}{
		{"INFO", 405, 200},
		{"UPDATE", 405, 200},
		{"NOTIFY", 405, 200},
		{"PUBLISH", 405, 200},
		{"SUBSCRIBE", 401, 200},
		{"REFER", 401, 202},
		{"MESSAGE", 401, 200},
	}
	for _, profile := range []struct {
		name string
		opts lab.Options
		on   bool
	}{{"hardened", hardened(), false}, {"hardened+07", hardened("07"), true}, {"vulnerable", lab.Options{}, true}} {
		t.Run(profile.name, func(t *testing.T) {
			_, tgt := startLab(t, profile.opts)
			c := dial(t, tgt, "")
			for _, tc := range cases {
				want := tc.off
				if profile.on {
					want = tc.on
				}
				resp := c.do(c.request(tc.method, c.labURI(""), "alice", c.labURI("")))
				wantStatus(t, resp, want)
				if resp.StatusCode == 405 && !strings.Contains(strings.Join(resp.GetAll("Allow"), ","), "INVITE") {
					t.Errorf("405 without Allow:\n%s", resp)
				}
			}
		})
	}
}

func TestFlagUnexpectedBody(t *testing.T) {
	jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	sdp := []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n")
	cases := []struct {
		name        string
		ct, disp    string
		body        []byte
		off, on     int
		description string
	}{
		{"jpeg", "image/jpeg", "", jpeg, 415, 200, "image body"},
		{"render", "application/sdp", "render", sdp, 415, 200, "render disposition"},
		{"jpeg render", "image/jpeg", "render;handling=optional", jpeg, 415, 200, "both"},
		{"sdp", "application/sdp", "session", sdp, 200, 200, "normal offer"},
	}
	for _, profile := range []struct {
		name string
		opts lab.Options
		on   bool
	}{
		{"off", hardened("14.unchallenged-methods"), false},
		{"on", hardened("14.unchallenged-methods", "04.unexpected-body"), true},
	} {
		t.Run(profile.name, func(t *testing.T) {
			_, tgt := startLab(t, profile.opts)
			c := dial(t, tgt, "")
			for _, tc := range cases {
				req := c.request("INVITE", c.labURI("echo"), "alice", c.labURI("echo"))
				req.SetBody(tc.ct, tc.body)
				if tc.disp != "" {
					req.Set("Content-Disposition", tc.disp)
				}
				want := tc.off
				if profile.on {
					want = tc.on
				}
				resp := c.do(req)
				wantStatus(t, resp, want)
				if resp.StatusCode == 415 && resp.Get("Accept") != "application/sdp" {
					t.Errorf("415 without Accept: %s", resp)
				}
				if resp.StatusCode == 200 {
					bye(t, c, req, resp)
				}
			}
		})
	}
}

// bye ends the call that resp answered.
func bye(t *testing.T, c *client, inv, resp *sip.Message) {
	t.Helper()
	b := c.request("BYE", resp.Get("Contact"), "alice", "x")
	contact, err := sip.ParseNameAddr(resp.Get("Contact"))
	if err != nil {
		t.Fatal(err)
	}
	b.RequestURI = contact.URI.String()
	b.Set("To", resp.Get("To"))
	b.Set("Call-ID", inv.CallID())
	b.Set("From", inv.Get("From"))
	b.Del("Contact")
	wantStatus(t, c.do(b), 200)
}

func TestFlagViaReflection(t *testing.T) {
	cases := []struct {
		name  string
		opts  lab.Options
		rport bool
		toB   bool
	}{
		{"hardened", hardened(), false, false},
		{"hardened+06", hardened("06"), false, true},
		{"vulnerable", lab.Options{}, false, true},
		{"vulnerable with rport", lab.Options{}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, tgt := startLab(t, tc.opts)
			a := dial(t, tgt, "127.0.0.1")
			b, err := transport.Listen(t.Context(), "udp", "127.0.0.2:0", transport.Options{})
			if err != nil {
				t.Fatalf("listen on 127.0.0.2: %v", err)
			}
			defer b.Close()
			req := a.request("OPTIONS", a.labURI(""), "alice", a.labURI(""))
			via := "SIP/2.0/UDP " + b.Addr() + ";branch=" + sip.NewBranch(nil)
			if tc.rport {
				via += ";rport"
			}
			req.Set("Via", via)
			if err := a.conn.Send(t.Context(), req.Bytes()); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 700*time.Millisecond)
			defer cancel()
			_, errB := b.Recv(ctx)
			_, gotA := a.recv(300 * time.Millisecond)
			if gotB := errB == nil; gotB != tc.toB || gotA == tc.toB {
				t.Errorf("response reached A=%v B=%v, want B=%v", gotA, gotB, tc.toB)
			}
		})
	}
}

func TestFlagUserAndURIMismatch(t *testing.T) {
	for _, tc := range []struct {
		name          string
		opts          lab.Options
		wantUser      int
		wantURI       int
		wantForeignTo int
	}{
		{"hardened", hardened(), 403, 400, 403},
		{"hardened+user", hardened("14.user-mismatch"), 200, 400, 200},
		{"hardened+uri", hardened("14.uri-mismatch"), 403, 200, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, tgt := startLab(t, tc.opts)
			c := dial(t, tgt, "")
			// Bind bob with alice's credentials.
			req := c.request("REGISTER", c.labURI(""), "bob", c.labURI("bob"))
			ch := challengeOf(t, c.do(req))
			wantStatus(t, c.do(c.again(req, "Authorization", credFor(t, ch, req, "alice", "wonderland", "", 1))), tc.wantUser)
			// Digest computed over a uri that is not the Request-URI.
			req = c.request("REGISTER", c.labURI(""), "alice", c.labURI("alice"))
			ch = challengeOf(t, c.do(req))
			wantStatus(t, c.do(c.again(req, "Authorization", credFor(t, ch, req, "alice", "wonderland", "sip:elsewhere.example", 1))), tc.wantURI)
			// MESSAGE with From: bob authenticated as alice.
			m := c.request("MESSAGE", c.labURI("echo"), "bob", c.labURI("echo"))
			ch = challengeOf(t, c.do(m))
			wantStatus(t, c.do(c.again(m, "Authorization", credFor(t, ch, m, "alice", "wonderland", "", 1))), tc.wantForeignTo)
		})
	}
}
