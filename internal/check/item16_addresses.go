package check

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// addressLoop is one ipa16 server-side check: a request carrying an
// inappropriate address (the target's own, a broadcast address, loopback)
// where the target will send to it, with liveness probed before and after
// (survey item 16: self-loops that stop the service).
type addressLoop struct {
	id, titleEN, titleJA string
	// build adds the inappropriate address to req; self is the target's
	// "ip:port".
	build  func(req *sip.Message, self string)
	method string
	what   string
}

func (c addressLoop) Info() Info {
	return Info{
		ID:         c.id,
		Item:       16,
		TitleEN:    c.titleEN,
		TitleJA:    c.titleJA,
		Modes:      []Mode{ModeScan},
		Roles:      []Role{RoleAny},
		Disruptive: true,
	}
}

func viaSelf() Check {
	return addressLoop{
		id:      "ipa16.via-self",
		titleEN: "Request whose Via names the target itself (response self-loop)",
		titleJA: "Via に自ホストのアドレスを持つリクエスト (応答の自己ループ)",
		method:  "OPTIONS",
		what:    "a top Via naming the target's own address and port (no rport)",
		build: func(req *sip.Message, self string) {
			s2SetTopVia(req, "SIP/2.0/UDP "+self+";branch="+sip.BranchMagic+"-sipvet-self")
		},
	}
}

func viaBroadcast() Check {
	return addressLoop{
		id:      "ipa16.via-broadcast",
		titleEN: "Request whose Via names a broadcast address",
		titleJA: "Via にブロードキャストアドレスを持つリクエスト",
		method:  "OPTIONS",
		what:    "a top Via naming 255.255.255.255 (no rport)",
		build: func(req *sip.Message, _ string) {
			s2SetTopVia(req, "SIP/2.0/UDP 255.255.255.255:5060;branch="+sip.BranchMagic+"-sipvet-bcast")
		},
	}
}

func recordRouteLoopback() Check {
	return addressLoop{
		id:      "ipa16.record-route-loopback",
		titleEN: "INVITE whose Record-Route and Contact name the target itself or loopback",
		titleJA: "Record-Route・Contact に自ホスト・ループバックを持つ INVITE",
		method:  "INVITE",
		what:    "a Record-Route naming the target itself and a Contact on 127.0.0.1 with the target's port",
		build: func(req *sip.Message, self string) {
			port := self[strings.LastIndexByte(self, ':')+1:]
			req.Prepend("Record-Route", "<sip:"+self+";lr>")
			req.Set("Contact", "<sip:sipvet@127.0.0.1:"+port+">")
		},
	}
}

func (c addressLoop) Run(ctx context.Context, env *Env) (Outcome, error) {
	before, err := env.s2Probe(ctx, env.SourceB, 2*time.Second)
	if err != nil {
		return Inconclusive("the target did not answer the liveness probe before the test: %v", err), nil
	}
	conn, err := env.Dialer.Dial(ctx, env.Target, "")
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", c.id, err)
	}
	defer conn.Close()
	d := env.newDialog()
	ruri := uriFor(env.Target, "", env.Target.HostPort())
	req := env.request(conn, d, c.method, ruri, "", ruri)
	c.build(req, conn.RemoteAddr())
	if env.Target.Transport != "udp" {
		// Over streams a Via is not where responses go; keep the
		// inappropriate address in a second Via so proxies still see it.
		if strings.HasPrefix(c.id, "ipa16.via") {
			req = env.request(conn, env.newDialog(), c.method, ruri, "", ruri)
			v, _ := req.TopVia()
			req.Add("Via", strings.Replace(v.String(), conn.LocalAddr(), conn.RemoteAddr(), 1))
		}
	}
	var res transport.Result
	tctx, cancel := context.WithTimeout(ctx, time.Second)
	res, terr := env.transact(tctx, conn, req)
	cancel()
	if terr != nil && !s2Timeout(terr) {
		return Outcome{}, fmt.Errorf("%s: %w", c.id, terr)
	}
	cleanup := ""
	if c.method == "INVITE" {
		cleanup = env.s2Cleanup(ctx, conn, req, res)
	}
	after := env.s2After(ctx, 3, 300*time.Millisecond)
	after.BeforeMS = ms(before)
	o := judgeAddressLoop(c.what, res.Final, after)
	if cleanup != "" {
		o.Data["cleanup"] = cleanup
	}
	return o, nil
}

// judgeAddressLoop decides from the answer at the source and the liveness
// probes from source B after the request.
func judgeAddressLoop(what string, final *sip.Message, l s2Liveness) Outcome {
	data := map[string]any{"liveness": l}
	if final != nil {
		data["status"] = final.StatusCode
	}
	worst := 0.0
	for _, x := range l.AfterMS {
		worst = max(worst, x)
	}
	var o Outcome
	switch {
	case l.Failed == len(l.AfterMS) && len(l.AfterMS) > 0:
		o = Vulnerable("after %s the target stopped answering liveness probes from another source (%d of %d lost): an address loop denies service", what, l.Failed, len(l.AfterMS))
	case l.Failed > 0:
		o = Vulnerable("after %s the target lost %d of %d liveness probes from another source before recovering", what, l.Failed, len(l.AfterMS))
	case l.BeforeMS > 0 && worst > 10*l.BeforeMS && worst > 200:
		o = Vulnerable("after %s the target answered liveness probes %.0f× slower (%.1f ms vs %.1f ms)", what, worst/l.BeforeMS, worst, l.BeforeMS)
	case final != nil:
		o = Passed("the target answered a request with %s at the packet source (%d %s) and stayed responsive (liveness %.1f ms before, ≤ %.1f ms after)", what, final.StatusCode, final.Reason, l.BeforeMS, worst)
	default:
		o = Passed("the target sent no answer to the source for a request with %s (it answered toward that address or dropped it) and stayed responsive (liveness %.1f ms before, ≤ %.1f ms after)", what, l.BeforeMS, worst)
	}
	o.Data = data
	return o
}
