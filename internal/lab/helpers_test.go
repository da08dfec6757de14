package lab_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/siptest"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// fastTimers keep UDP retransmissions and timeouts short on loopback.
func fastTimers() transport.Timers {
	return transport.Timers{T1: 100 * time.Millisecond, T2: 400 * time.Millisecond, T4: time.Second, Timeout: 3 * time.Second}
}

// client is a minimal SIP UA for exercising the lab.
type client struct {
	t      testing.TB
	conn   transport.Conn
	tgt    target.Target
	callID string
	tag    string
	cseq   uint32
}

func dial(t testing.TB, tgt, local string) *client {
	t.Helper()
	tg, err := target.Parse(tgt)
	if err != nil {
		t.Fatal(err)
	}
	c, err := transport.Dial(t.Context(), tg, transport.Options{LocalAddr: local})
	if err != nil {
		t.Fatalf("dial %s: %v", tgt, err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, conn: c, tgt: tg, callID: sip.NewCallID(nil, "client.test"), tag: sip.NewTag(nil), cseq: 1}
}

// labURI is a SIP URI for user at the lab target.
func (c *client) labURI(user string) string { return c.tgt.SIPURI(user) }

// request builds a new request in the client's dialog-less "session"
// (same Call-ID and From tag, increasing CSeq, fresh branch).
func (c *client) request(method, ruri, fromUser, toURI string) *sip.Message {
	req := sip.NewRequest(method, ruri)
	req.Add("Via", "SIP/2.0/"+strings.ToUpper(c.tgt.Transport)+" "+c.conn.LocalAddr()+";branch="+sip.NewBranch(nil)+";rport")
	req.Add("Max-Forwards", "70")
	req.Add("From", "<"+c.labURI(fromUser)+">;tag="+c.tag)
	req.Add("To", "<"+toURI+">")
	req.Add("Call-ID", c.callID)
	req.Add("CSeq", fmt.Sprintf("%d %s", c.cseq, method))
	c.cseq++
	req.Add("Contact", "<sip:"+fromUser+"@"+c.conn.LocalAddr()+">")
	req.Add("User-Agent", "lab-test")
	req.SetBody("", nil)
	return req
}

// do runs a client transaction and returns the final response.
func (c *client) do(req *sip.Message) *sip.Message {
	c.t.Helper()
	res, err := c.try(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.RequestURI, err)
	}
	return res.Final
}

func (c *client) try(req *sip.Message) (transport.Result, error) {
	ctx, cancel := context.WithTimeout(c.t.Context(), 5*time.Second)
	defer cancel()
	return transport.Transact(ctx, c.conn, req.Bytes(), fastTimers())
}

// authorize answers the challenge in resp on req (which gets a new branch
// and CSeq) for user/password.
func (c *client) authorize(req, resp *sip.Message, user, password string) *sip.Message {
	c.t.Helper()
	hdr := resp.Get("WWW-Authenticate")
	if hdr == "" {
		c.t.Fatalf("%d response without WWW-Authenticate:\n%s", resp.StatusCode, resp)
	}
	ch, err := digest.ParseChallenge(hdr)
	if err != nil {
		c.t.Fatal(err)
	}
	cred, err := digest.Answer(ch, user, password, digest.Request{Method: req.Method, URI: req.RequestURI, Body: req.Body}, "0a4f113b", 1)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.again(req, "Authorization", cred.String())
}

// again copies req with a fresh branch and the next CSeq, and sets a header.
func (c *client) again(req *sip.Message, name, value string) *sip.Message {
	n := req.Clone()
	n.Set("Via", "SIP/2.0/"+strings.ToUpper(c.tgt.Transport)+" "+c.conn.LocalAddr()+";branch="+sip.NewBranch(nil)+";rport")
	n.Set("CSeq", fmt.Sprintf("%d %s", c.cseq, req.Method))
	c.cseq++
	if name != "" {
		n.Set(name, value)
	}
	return n
}

// recv waits up to d for a message; ok is false on timeout.
func (c *client) recv(d time.Duration) (*sip.Message, bool) {
	ctx, cancel := context.WithTimeout(c.t.Context(), d)
	defer cancel()
	for {
		p, err := c.conn.Recv(ctx)
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, transport.ErrTimeout) {
				c.t.Logf("recv: %v", err)
			}
			return nil, false
		}
		m, err := sip.Parse(p.Data)
		if err == nil {
			return m, true
		}
	}
}

func startLab(t testing.TB, opts lab.Options) (*lab.Lab, string) {
	t.Helper()
	l := siptest.StartLab(t, opts)
	return l, l.Targets()[0]
}

func wantStatus(t testing.TB, resp *sip.Message, codes ...int) {
	t.Helper()
	for _, c := range codes {
		if resp.StatusCode == c {
			return
		}
	}
	t.Fatalf("got %d %s, want %v:\n%s", resp.StatusCode, resp.Reason, codes, resp)
}

func hardened(vulns ...string) lab.Options {
	return lab.Options{Profile: lab.ProfileHardened, Vulns: vulns}
}
