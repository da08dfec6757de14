package enum

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
)

// fakeServer answers probes in memory: answer decides the response to a
// request (nil = drop it).
type fakeServer struct {
	mu     sync.Mutex
	in     chan []byte
	answer func(req *sip.Message, attempt int) *sip.Message
	seen   map[string]int
}

func newFake(answer func(req *sip.Message, attempt int) *sip.Message) *fakeServer {
	return &fakeServer{in: make(chan []byte, 100000), answer: answer, seen: map[string]int{}}
}

func (f *fakeServer) Send(_ context.Context, data []byte) error {
	req, err := sip.Parse(data)
	if err != nil {
		return err
	}
	if req.Method == "ACK" || req.Method == "CANCEL" || req.Method == "BYE" {
		return nil
	}
	f.mu.Lock()
	key := req.CallID()
	f.seen[key]++
	n := f.seen[key]
	f.mu.Unlock()
	if resp := f.answer(req, n); resp != nil {
		f.in <- resp.Bytes()
	}
	return nil
}

func (f *fakeServer) Recv(ctx context.Context) ([]byte, error) {
	select {
	case b := <-f.in:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (f *fakeServer) LocalAddr() string { return "127.0.0.1:40000" }
func (f *fakeServer) Transport() string { return "udp" }

func userOf(req *sip.Message) string {
	to, err := req.To()
	if err != nil || to.URI == nil {
		return ""
	}
	return to.URI.User
}

func known() map[string]bool {
	k := map[string]bool{}
	for i := 0; i < 50; i++ {
		k[fmt.Sprint(1000+i*37)] = true
	}
	return k
}

func cfg(cands []string) Config {
	return Config{Target: target.Target{Transport: "udp", Host: "127.0.0.1", Port: 5060}, Candidates: cands,
		Rand: rand.Reader, Wait: 20 * time.Millisecond, Rate: -1}
}

func TestRunFindsExactlyTheKnownUsers(t *testing.T) {
	cands, err := ParseRange("1000-2999")
	if err != nil {
		t.Fatal(err)
	}
	k := known()
	var mu sync.Mutex
	flaky := map[string]bool{}
	challenge := func(req *sip.Message) *sip.Message {
		r := sip.NewResponse(req, 401, "Unauthorized")
		r.Add("WWW-Authenticate", `Digest realm="x", nonce="abc"`)
		return r
	}
	cases := []struct {
		name   string
		answer func(req *sip.Message, attempt int) *sip.Message
		want   int
	}{
		{"404-for-unknown", func(req *sip.Message, _ int) *sip.Message {
			if k[userOf(req)] {
				return challenge(req)
			}
			return sip.NewResponse(req, 404, "Not Found")
		}, 50},
		{"reason-only", func(req *sip.Message, _ int) *sip.Message {
			if k[userOf(req)] {
				return sip.NewResponse(req, 403, "Forbidden")
			}
			return sip.NewResponse(req, 403, "Forbidden - no such user")
		}, 50},
		{"header-only", func(req *sip.Message, _ int) *sip.Message {
			if k[userOf(req)] {
				return challenge(req)
			}
			return sip.NewResponse(req, 401, "Unauthorized")
		}, 50},
		{"uniform", func(req *sip.Message, _ int) *sip.Message { return challenge(req) }, 0},
		{"lossy-first-attempt", func(req *sip.Message, attempt int) *sip.Message {
			if attempt == 1 && len(req.CallID())%3 == 0 {
				return nil
			}
			if k[userOf(req)] {
				return challenge(req)
			}
			return sip.NewResponse(req, 404, "Not Found")
		}, 50},
		{"transient-503", func(req *sip.Message, attempt int) *sip.Message {
			u := userOf(req)
			if attempt == 1 && (u == "1500" || u == "2500") {
				mu.Lock()
				defer mu.Unlock()
				if !flaky[u] {
					flaky[u] = true
					return sip.NewResponse(req, 503, "Overloaded")
				}
			}
			return challenge(req)
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mu.Lock()
			clear(flaky)
			mu.Unlock()
			f := newFake(c.answer)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			res, err := Run(ctx, f, cfg(cands))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Found) != c.want {
				t.Fatalf("found %d IDs, want %d (notes %v, rejected %v)", len(res.Found), c.want, res.Notes, res.Rejected)
			}
			for _, h := range res.Found {
				if !k[h.ID] {
					t.Errorf("false ID %s (%s)", h.ID, h.Diff)
				}
				if h.Diff == "" || h.Diff == "same" {
					t.Errorf("%s: no difference described", h.ID)
				}
			}
			if len(res.Unanswered) != 0 {
				t.Errorf("unanswered: %v", res.Unanswered)
			}
		})
	}
}

func TestRunSilentTarget(t *testing.T) {
	f := newFake(func(*sip.Message, int) *sip.Message { return nil })
	c := cfg([]string{"100", "101"})
	c.Retries = 1
	res, err := Run(t.Context(), f, c)
	if !errors.Is(err, ErrNoCalibration) {
		t.Fatalf("err = %v, want ErrNoCalibration", err)
	}
	if res == nil || len(res.Found) != 0 {
		t.Fatalf("silent target gave finds: %+v", res)
	}
}

// TestRunSilenceIsNotAFind: a target that answers random IDs but drops
// some candidates must not report the dropped ones as found.
func TestRunSilenceIsNotAFind(t *testing.T) {
	f := newFake(func(req *sip.Message, _ int) *sip.Message {
		if userOf(req) == "105" {
			return nil
		}
		return sip.NewResponse(req, 404, "Not Found")
	})
	c := cfg([]string{"100", "101", "102", "103", "104", "105"})
	c.Retries = 1
	res, err := Run(t.Context(), f, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != 0 || !slices.Equal(res.Unanswered, []string{"105"}) {
		t.Fatalf("found %v unanswered %v", res.Found, res.Unanswered)
	}
}

func TestRunInviteFollowUps(t *testing.T) {
	var mu sync.Mutex
	sent := map[string]int{}
	f := newFake(func(req *sip.Message, _ int) *sip.Message {
		if userOf(req) == "200" {
			return sip.NewResponse(req, 180, "Ringing")
		}
		return sip.NewResponse(req, 404, "Not Found")
	})
	wrap := &countingConn{fakeServer: f, mu: &mu, sent: sent}
	c := cfg([]string{"199", "200", "201"})
	c.Method = "invite"
	res, err := Run(t.Context(), wrap, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != 1 || res.Found[0].ID != "200" || res.Found[0].Signature.Status != 180 {
		t.Fatalf("found %+v", res.Found)
	}
	mu.Lock()
	defer mu.Unlock()
	if sent["CANCEL"] == 0 || sent["ACK"] == 0 {
		t.Errorf("follow-ups sent: %v (want CANCEL for 180 and ACK for 404)", sent)
	}
}

type countingConn struct {
	*fakeServer
	mu   *sync.Mutex
	sent map[string]int
}

func (c *countingConn) Send(ctx context.Context, data []byte) error {
	if m, _ := sip.Parse(data); m != nil {
		c.mu.Lock()
		c.sent[m.Method]++
		c.mu.Unlock()
	}
	return c.fakeServer.Send(ctx, data)
}

func TestParseRange(t *testing.T) {
	cases := []struct {
		in      string
		n       int
		first   string
		wantErr error
	}{
		{"1000-2999", 2000, "1000", nil},
		{"0100-0199", 100, "0100", nil},
		{"5,7-8", 3, "5", nil},
		{"9-1", 0, "", ErrBadRange},
		{"a-b", 0, "", ErrBadRange},
		{"", 0, "", ErrBadRange},
		{"0-99999999", 0, "", ErrTooMany},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseRange(c.in)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil || len(got) != c.n || got[0] != c.first {
				t.Fatalf("got %d (%v), err %v", len(got), got[:min(3, len(got))], err)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	a := Signature{Status: 401, Reason: "Unauthorized", Headers: []string{"www-authenticate"}}
	b := Signature{Status: 404, Reason: "Not Found", Headers: []string{}}
	if d := Diff(a, b); d != `status 404 instead of 401; reason "Not Found" instead of "Unauthorized"; missing headers www-authenticate` {
		t.Errorf("Diff = %q", d)
	}
	if Diff(a, a) != "same" {
		t.Error("Diff of equal signatures")
	}
}

func TestBadMethod(t *testing.T) {
	c := cfg([]string{"1"})
	c.Method = "BYE"
	if _, err := Run(t.Context(), newFake(nil), c); !errors.Is(err, ErrBadMethod) {
		t.Fatalf("err = %v", err)
	}
}
