package lab_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/siptest"
)

func TestResolveFlags(t *testing.T) {
	all := lab.FlagNames()
	cases := []struct {
		name    string
		profile string
		vulns   []string
		want    []string
		err     error
	}{
		{name: "default is vulnerable", want: all},
		{name: "hardened", profile: "hardened", want: nil},
		{name: "item off", vulns: []string{"-19"}, want: without(without(all, lab.FlagVersionBanner), lab.FlagUserEnum)},
		{name: "item number without zero", profile: "hardened", vulns: []string{"1"}, want: []string{lab.FlagDialogForeignSource, lab.FlagRegisterNoAuth}},
		{name: "whole item", profile: "hardened", vulns: []string{"14"},
			want: []string{lab.FlagForeignNonce, lab.FlagMD5Only, lab.FlagNCReplay, lab.FlagQopDowngrade, lab.FlagRealmMismatch, lab.FlagUnchallengedMethods, lab.FlagURIMismatch, lab.FlagUserMismatch}},
		{name: "single flag and comma list", profile: "hardened", vulns: []string{"14.nc-replay,19"},
			want: []string{lab.FlagNCReplay, lab.FlagUserEnum, lab.FlagVersionBanner}},
		{name: "short name", profile: "hardened", vulns: []string{"via-reflection"}, want: []string{lab.FlagViaReflection}},
		{name: "order matters", profile: "hardened", vulns: []string{"14", "-14.uri-mismatch", "-all", "+01"},
			want: []string{lab.FlagDialogForeignSource, lab.FlagRegisterNoAuth}},
		{name: "unknown flag", vulns: []string{"99"}, err: lab.ErrUnknownFlag},
		{name: "unknown profile", profile: "soft", err: lab.ErrUnknownProfile},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := lab.ResolveFlags(tc.profile, tc.vulns)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("flags = %v, want %v", got, tc.want)
			}
		})
	}
}

func without(list []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == drop })
}

func TestFlagHelp(t *testing.T) {
	var b strings.Builder
	for _, f := range lab.FlagHelp() {
		if f.Help == "" || strings.Contains(f.Help, "\n") {
			t.Errorf("flag %s: help must be one non-empty line", f.Name)
		}
		b.WriteString(f.Name + "\t" + f.Help + "\n")
	}
	siptest.Golden(t, "testdata/flags.golden", []byte(b.String()), *update)
	if got := lab.Profiles(); !slices.Equal(got, []string{"vulnerable", "hardened"}) {
		t.Errorf("Profiles() = %v", got)
	}
}

func TestStartOptions(t *testing.T) {
	siptest.CheckGoroutines(t)
	l := siptest.StartLab(t, lab.Options{Listen: []string{"tcp://127.0.0.1:0", "udp://127.0.0.1"}})
	tg := l.Targets()
	if len(tg) != 2 || !strings.HasPrefix(tg[0], "tcp://127.0.0.1:") || !strings.HasPrefix(tg[1], "udp://127.0.0.1:") || strings.HasSuffix(tg[1], ":0") {
		t.Errorf("Targets() = %v", tg)
	}
	if !slices.Equal(l.Flags(), lab.FlagNames()) {
		t.Errorf("Flags() = %v", l.Flags())
	}
	for _, bad := range []string{"sctp://127.0.0.1:0", "udp://127.0.0.1:99999", "127.0.0.1:0"} {
		if _, err := lab.Start(t.Context(), lab.Options{Listen: []string{bad}}); !errors.Is(err, lab.ErrBadListen) {
			t.Errorf("Listen %q: err = %v, want ErrBadListen", bad, err)
		}
	}
	if _, err := lab.Start(t.Context(), lab.Options{Vulns: []string{"nope"}}); !errors.Is(err, lab.ErrUnknownFlag) {
		t.Errorf("err = %v, want ErrUnknownFlag", err)
	}
}

func TestRegister(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			l := siptest.StartLab(t, hardened())
			var tgt string
			for _, s := range l.Targets() {
				if strings.HasPrefix(s, transport) {
					tgt = s
				}
			}
			c := dial(t, tgt, "")
			// Digest over two round trips.
			req := c.request("REGISTER", c.labURI(""), "alice", c.labURI("alice"))
			req.Set("Expires", "60")
			resp := c.do(req)
			wantStatus(t, resp, 401)
			if !strings.Contains(resp.Get("WWW-Authenticate"), `realm="sipvet.lab"`) {
				t.Errorf("challenge = %q", resp.Get("WWW-Authenticate"))
			}
			resp = c.do(c.authorize(req, resp, "alice", "wonderland"))
			wantStatus(t, resp, 200)
			if got := resp.Get("Contact"); !strings.Contains(got, "sip:alice@"+c.conn.LocalAddr()) || !strings.Contains(got, "expires=60") {
				t.Errorf("Contact = %q", got)
			}
			// Query: no Contact in the request lists the binding.
			q := c.request("REGISTER", c.labURI(""), "alice", c.labURI("alice"))
			q.Del("Contact")
			r := c.do(q)
			wantStatus(t, r, 401)
			r = c.do(c.authorize(q, r, "alice", "wonderland"))
			wantStatus(t, r, 200)
			if r.Get("Contact") == "" {
				t.Errorf("query lists no binding:\n%s", r)
			}
			// De-registration with Contact: * and Expires: 0.
			un := c.request("REGISTER", c.labURI(""), "alice", c.labURI("alice"))
			un.Set("Contact", "*")
			un.Set("Expires", "0")
			r = c.do(un)
			wantStatus(t, r, 401)
			r = c.do(c.authorize(un, r, "alice", "wonderland"))
			wantStatus(t, r, 200)
			if r.Get("Contact") != "" {
				t.Errorf("bindings left after Contact *:\n%s", r)
			}
			// The AOR is no longer reachable: 480 (known user, no binding).
			opt := c.request("MESSAGE", c.labURI("alice"), "bob", c.labURI("alice"))
			r = c.do(opt)
			wantStatus(t, r, 401)
			r = c.do(c.authorize(opt, r, "bob", "builder"))
			wantStatus(t, r, 480)
		})
	}
}

func TestRegisterNoCredentials(t *testing.T) {
	cases := []struct {
		name string
		opts lab.Options
		want int
	}{
		{"vulnerable", lab.Options{}, 200},
		{"hardened", hardened(), 401},
		{"hardened+01", hardened("01"), 200},
		{"vulnerable-01", lab.Options{Vulns: []string{"-01.register-noauth"}}, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, tgt := startLab(t, tc.opts)
			c := dial(t, tgt, "")
			for _, user := range []string{"alice", "stranger"} {
				req := c.request("REGISTER", c.labURI(""), user, c.labURI(user))
				resp := c.do(req)
				wantStatus(t, resp, tc.want)
				if tc.want == 200 && !strings.Contains(resp.Get("Contact"), c.conn.LocalAddr()) {
					t.Errorf("%s: binding not stored:\n%s", user, resp)
				}
			}
		})
	}
}

func TestRegisterWrongPassword(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts lab.Options
	}{{"vulnerable", lab.Options{}}, {"hardened", hardened()}} {
		t.Run(tc.name, func(t *testing.T) {
			_, tgt := startLab(t, tc.opts)
			c := dial(t, tgt, "")
			req := c.request("REGISTER", c.labURI(""), "alice", c.labURI("alice"))
			// A wrong realm always draws a challenge, so both profiles issue one.
			probe := c.again(req, "Authorization", `Digest username="alice", realm="elsewhere", nonce="x", uri="`+req.RequestURI+`", response="00"`)
			resp := c.do(probe)
			wantStatus(t, resp, 401)
			resp = c.do(c.authorize(req, resp, "alice", "not-the-password"))
			wantStatus(t, resp, 403)
			resp = c.do(c.authorize(req, c.do(probe), "mallory", "x"))
			wantStatus(t, resp, 403)
		})
	}
}

func TestOptionsBanner(t *testing.T) {
	cases := []struct {
		opts        lab.Options
		server      string
		allowsINFO  bool
		description string
	}{
		{lab.Options{}, "sipvet-lab/1.0.3 (Linux)", true, "vulnerable"},
		{hardened(), "sipvet-lab", false, "hardened"},
		{hardened("19"), "sipvet-lab/1.0.3 (Linux)", false, "hardened+19"},
		{lab.Options{Vulns: []string{"-19"}}, "sipvet-lab", true, "vulnerable-19"},
	}
	for _, tc := range cases {
		t.Run(tc.description, func(t *testing.T) {
			_, tgt := startLab(t, tc.opts)
			c := dial(t, tgt, "")
			resp := c.do(c.request("OPTIONS", c.labURI(""), "alice", c.labURI("")))
			wantStatus(t, resp, 200)
			if got := resp.Get("Server"); got != tc.server {
				t.Errorf("Server = %q, want %q", got, tc.server)
			}
			if got := slices.Contains(resp.GetAll("Allow"), "INFO"); got != tc.allowsINFO {
				t.Errorf("Allow = %q", resp.GetAll("Allow"))
			}
			for _, h := range []string{"Supported", "Accept"} {
				if resp.Get(h) == "" {
					t.Errorf("no %s header", h)
				}
			}
			// Every response carries the banner, errors too.
			r := c.do(c.request("FOO", c.labURI(""), "alice", c.labURI("")))
			wantStatus(t, r, 501)
			if got := r.Get("Server"); got != tc.server {
				t.Errorf("501 Server = %q, want %q", got, tc.server)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	_, tgt := startLab(t, lab.Options{})
	c := dial(t, tgt, "")
	cases := []struct {
		method, user string
		want         int
	}{
		{"INVITE", "nobody", 404},
		{"OPTIONS", "nobody", 404},
		{"MESSAGE", "nobody", 404},
		{"INVITE", "bob", 480},
		{"MESSAGE", "1001", 480},
		{"MESSAGE", "echo", 200},
		{"BYE", "echo", 481},
		{"CANCEL", "echo", 481},
		{"SUBSCRIBE", "echo", 200},
		{"REFER", "echo", 202},
		{"PUBLISH", "", 200},
		{"FOO", "echo", 501},
	}
	for _, tc := range cases {
		t.Run(tc.method+"_"+tc.user, func(t *testing.T) {
			wantStatus(t, c.do(c.request(tc.method, c.labURI(tc.user), "alice", c.labURI(tc.user))), tc.want)
		})
	}
	t.Run("bad requests", func(t *testing.T) {
		r := c.request("OPTIONS", c.labURI(""), "alice", c.labURI(""))
		r.Set("CSeq", "1 INVITE")
		wantStatus(t, c.do(r), 400)
		r = c.request("OPTIONS", c.labURI(""), "alice", c.labURI(""))
		r.Set("Require", "foo-bar")
		resp := c.do(r)
		wantStatus(t, resp, 420)
		if resp.Get("Unsupported") != "foo-bar" {
			t.Errorf("Unsupported = %q", resp.Get("Unsupported"))
		}
		r = c.request("MESSAGE", c.labURI("echo"), "alice", c.labURI("echo"))
		r.Set("Max-Forwards", "0")
		wantStatus(t, c.do(r), 483)
		r = c.request("MESSAGE", "mailto:x@example.com", "alice", c.labURI("echo"))
		wantStatus(t, c.do(r), 416)
	})
}

func TestRetransmissionGetsSameResponse(t *testing.T) {
	_, tgt := startLab(t, hardened())
	c := dial(t, tgt, "")
	req := c.request("REGISTER", c.labURI(""), "alice", c.labURI("alice"))
	r1 := c.do(req)
	r2 := c.do(req) // same branch: the cached 401 with the same nonce
	if r1.Get("WWW-Authenticate") != r2.Get("WWW-Authenticate") || r1.Get("To") != r2.Get("To") {
		t.Errorf("retransmission answered differently:\n%s\n%s", r1, r2)
	}
	if r3 := c.do(c.again(req, "", "")); r3.Get("WWW-Authenticate") == r1.Get("WWW-Authenticate") {
		t.Errorf("new transaction reused the nonce")
	}
}

func TestCloseFreesPorts(t *testing.T) {
	siptest.CheckGoroutines(t)
	l, err := lab.Start(t.Context(), lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Put a call with media up so Close has something to stop.
	c := dial(t, l.Targets()[0], "")
	inv := c.request("INVITE", c.labURI("echo"), "alice", c.labURI("echo"))
	wantStatus(t, c.do(inv), 200)
	targets := l.Targets()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	c.conn.Close()
	// Re-listening on the same addresses must succeed.
	l2, err := lab.Start(t.Context(), lab.Options{Listen: targets})
	if err != nil {
		t.Fatalf("ports not freed: %v", err)
	}
	if !slices.Equal(l2.Targets(), targets) {
		t.Errorf("Targets() = %v, want %v", l2.Targets(), targets)
	}
	l2.Close()
}

func TestRingAndCancel(t *testing.T) {
	_, tgt := startLab(t, lab.Options{RingTime: 300 * time.Millisecond})
	c := dial(t, tgt, "")
	t.Run("cancel", func(t *testing.T) {
		inv := c.request("INVITE", c.labURI("ring"), "alice", c.labURI("ring"))
		inv.Set("Contact", "<sip:alice@"+c.conn.LocalAddr()+">")
		if err := c.conn.Send(t.Context(), inv.Bytes()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, c, func(code int, method string) bool { return code == 180 })
		cancel := inv.Clone()
		cancel.Method = "CANCEL"
		cancel.Set("CSeq", strings.Replace(inv.Get("CSeq"), "INVITE", "CANCEL", 1))
		cancel.Del("Contact")
		if err := c.conn.Send(t.Context(), cancel.Bytes()); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for len(got) < 2 {
			m, ok := c.recv(2 * time.Second)
			if !ok {
				t.Fatalf("missing responses, got %v", got)
			}
			_, method, _ := m.CSeq()
			if m.StatusCode >= 200 {
				got[method] = m.StatusCode
			}
		}
		if got["CANCEL"] != 200 || got["INVITE"] != 487 {
			t.Errorf("final responses = %v, want CANCEL 200 and INVITE 487", got)
		}
	})
	t.Run("answer after ringing", func(t *testing.T) {
		inv := c.request("INVITE", c.labURI("ring"), "alice", c.labURI("ring"))
		start := time.Now()
		resp := c.do(inv)
		wantStatus(t, resp, 200)
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Errorf("answered after %v, want the ring time", d)
		}
	})
}

// waitFor reads responses until ok returns true.
func waitFor(t *testing.T, c *client, ok func(code int, method string) bool) {
	t.Helper()
	for {
		m, got := c.recv(2 * time.Second)
		if !got {
			t.Fatal("timed out waiting for a response")
		}
		_, method, _ := m.CSeq()
		if ok(m.StatusCode, method) {
			return
		}
	}
}
