package check

import (
	"context"
	"fmt"
	"strings"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// dialog holds the identifiers of one request series sent by a check.
type dialog struct {
	callID  string
	fromTag string
	cseq    uint32
}

func (e *Env) newDialog() *dialog {
	return &dialog{callID: sip.NewCallID(e.Rand, "sipvet"), fromTag: sip.NewTag(e.Rand), cseq: 1}
}

// request builds an out-of-dialog request from the check's connection:
// Request-URI ruri, From user fromUser, To toURI, a fresh branch and the
// dialog's Call-ID and next CSeq.
func (e *Env) request(c transport.Conn, d *dialog, method, ruri, fromUser, toURI string) *sip.Message {
	local := c.LocalAddr()
	m := sip.NewRequest(method, ruri)
	m.Add("Via", fmt.Sprintf("SIP/2.0/%s %s;branch=%s;rport", viaTransport(c.Transport()), local, sip.NewBranch(e.Rand)))
	m.Add("Max-Forwards", "70")
	host := e.Target.HostPort()
	if fromUser == "" {
		fromUser = "sipvet"
	}
	m.Add("From", fmt.Sprintf("<%s>;tag=%s", uriFor(e.Target, fromUser, host), d.fromTag))
	m.Add("To", "<"+toURI+">")
	m.Add("Call-ID", d.callID)
	m.Add("CSeq", fmt.Sprintf("%d %s", d.cseq, method))
	d.cseq++
	m.Add("Contact", "<"+contactURI(c, fromUser)+">")
	if e.UserAgent != "" {
		m.Add("User-Agent", e.UserAgent)
	}
	m.Add("Content-Length", "0")
	return m
}

// transact sends req and waits for the final response.
func (e *Env) transact(ctx context.Context, c transport.Conn, req *sip.Message) (transport.Result, error) {
	res, err := transport.Transact(ctx, c, req.Bytes(), e.Timers)
	if err != nil {
		return res, fmt.Errorf("%s %s: %w", req.Method, req.RequestURI, err)
	}
	return res, nil
}

func viaTransport(tr string) string {
	switch tr {
	case "wss":
		return "WSS"
	case "ws":
		return "WS"
	}
	return strings.ToUpper(tr)
}

func uriFor(t target.Target, user, hostport string) string {
	scheme := "sip"
	if t.Secure() {
		scheme = "sips"
	}
	if user == "" {
		return scheme + ":" + hostport
	}
	return scheme + ":" + user + "@" + hostport
}

// contactURI is a SIP URI that reaches the check's own socket.
func contactURI(c transport.Conn, user string) string {
	s := "sip:" + user + "@" + c.LocalAddr()
	switch c.Transport() {
	case "tcp":
		s += ";transport=tcp"
	case "tls":
		s = "sips:" + user + "@" + c.LocalAddr()
	case "ws", "wss":
		// RFC 7118 §5: the Contact of a WebSocket client is not reachable;
		// use a random host with transport=ws.
		s = "sip:" + user + "@sipvet.invalid;transport=ws"
	}
	return s
}
