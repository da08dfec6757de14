package lab

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
)

// Registrar bounds (RFC 3261 §10.3).
const (
	defaultExpires = 3600
	maxExpires     = 3600
	maxBindings    = 1024
	maxPerAOR      = 10
)

// binding is one registered Contact of an AOR.
type binding struct {
	contact   string   // the Contact URI as sent
	uri       *sip.URI // parsed contact
	expires   time.Time
	src       string // packet source of the REGISTER, "ip:port"
	transport string // transport the REGISTER arrived on
	callID    string
	cseq      uint32
}

// bindingTable maps AOR user parts to their bindings. The caller holds
// Lab.mu.
type bindingTable struct {
	m     map[string][]binding
	count int
}

func newBindingTable() *bindingTable { return &bindingTable{m: map[string][]binding{}} }

// prune drops expired bindings of aor (all AORs when aor is "").
func (t *bindingTable) prune(aor string, now time.Time) {
	for k, bs := range t.m {
		if aor != "" && k != aor {
			continue
		}
		kept := bs[:0]
		for _, b := range bs {
			if now.Before(b.expires) {
				kept = append(kept, b)
			}
		}
		t.count -= len(bs) - len(kept)
		if len(kept) == 0 {
			delete(t.m, k)
		} else {
			t.m[k] = kept
		}
	}
}

// lookup returns the live bindings of aor.
func (t *bindingTable) lookup(aor string, now time.Time) []binding {
	t.prune(aor, now)
	return t.m[aor]
}

func (t *bindingTable) removeAll(aor string) {
	t.count -= len(t.m[aor])
	delete(t.m, aor)
}

func (t *bindingTable) remove(aor, contact string) {
	bs := t.m[aor]
	for i, b := range bs {
		if sameContact(b.contact, contact) {
			t.m[aor] = append(bs[:i:i], bs[i+1:]...)
			t.count--
			break
		}
	}
	if len(t.m[aor]) == 0 {
		delete(t.m, aor)
	}
}

// errFull reports a full binding table.
var errFull = errors.New("lab: binding table full")

// put adds or refreshes a binding.
func (t *bindingTable) put(aor string, b binding) error {
	bs := t.m[aor]
	for i := range bs {
		if sameContact(bs[i].contact, b.contact) {
			bs[i] = b
			return nil
		}
	}
	if len(bs) >= maxPerAOR || t.count >= maxBindings {
		return errFull
	}
	t.m[aor] = append(bs, b)
	t.count++
	return nil
}

func sameContact(a, b string) bool { return strings.EqualFold(a, b) }

// register is the registrar (RFC 3261 §10.3). l.mu is held.
func (l *Lab) register(in *inbound) *sip.Message {
	req := in.msg
	l.cseqPreAuth(req)
	if !l.on(FlagRegisterNoAuth) || hasCredentials(req) {
		if d := l.authenticate(in); d.deny != nil {
			return d.deny
		}
	}
	to, err := req.To()
	if err != nil || to.URI == nil {
		return sip.NewResponse(req, 400, "Bad To")
	}
	aor := to.URI.UnescapedUser()
	if aor == "" {
		return sip.NewResponse(req, 400, "Missing User in To")
	}
	now := l.now()
	expires := defaultExpires
	if v := strings.TrimSpace(req.Get("Expires")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return sip.NewResponse(req, 400, "Bad Expires")
		}
		expires = min(n, maxExpires)
	}
	var contacts []string
	for _, v := range req.GetAll("Contact") {
		contacts = append(contacts, sip.SplitList(v)...)
	}
	seq, _, _ := req.CSeq()
	if resp := l.cseqOutOfOrder(req, aor, seq); resp != nil && len(contacts) > 0 {
		return resp
	}
	for _, c := range contacts {
		c = strings.TrimSpace(c)
		if c == "*" {
			if len(contacts) != 1 || strings.TrimSpace(req.Get("Expires")) != "0" {
				return sip.NewResponse(req, 400, "Invalid Wildcard Contact")
			}
			l.bindings.removeAll(aor)
			l.log.Info("lab: bindings removed", "aor", aor, "src", in.pkt.Src)
			return l.registerOK(req, aor, now)
		}
		na, err := sip.ParseNameAddr(c)
		if err != nil || na.URI == nil {
			return sip.NewResponse(req, 400, "Bad Contact")
		}
		exp := expires
		if v, ok := na.Param("expires"); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return sip.NewResponse(req, 400, "Bad Contact Expires")
			}
			exp = min(n, maxExpires)
		}
		uri := na.URI.String()
		if exp == 0 {
			l.bindings.remove(aor, uri)
			continue
		}
		b := binding{contact: uri, uri: na.URI, expires: now.Add(time.Duration(exp) * time.Second),
			src: in.pkt.Src, transport: in.ln.Transport(), callID: req.CallID(), cseq: seq}
		if err := l.bindings.put(aor, b); err != nil {
			r := sip.NewResponse(req, 503, "Registration Table Full")
			r.Set("Retry-After", "60")
			return r
		}
		l.log.Info("lab: binding stored", "aor", aor, "contact", uri, "expires", exp, "src", in.pkt.Src)
	}
	return l.registerOK(req, aor, now)
}

// registerOK lists the current bindings of aor in a 200.
func (l *Lab) registerOK(req *sip.Message, aor string, now time.Time) *sip.Message {
	resp := sip.NewResponse(req, 200, "OK")
	for _, b := range l.bindings.lookup(aor, now) {
		left := int(b.expires.Sub(now).Round(time.Second) / time.Second)
		resp.Add("Contact", "<"+b.contact+">;expires="+strconv.Itoa(left))
	}
	resp.Set("Date", now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"))
	return resp
}

// hasCredentials reports whether a request carries an Authorization or
// Proxy-Authorization header.
func hasCredentials(req *sip.Message) bool {
	return req.Get("Authorization") != "" || req.Get("Proxy-Authorization") != ""
}
