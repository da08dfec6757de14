package fuzz

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// mutation is the "mutation" source: each case takes a valid message from
// the seed corpus and applies 1–4 seeded grammar-aware mutations at header
// and token level, or splices in headers of another corpus message.
type mutation struct {
	p      Params
	corpus [][]byte
	n      int
}

func newMutation(p Params) *mutation {
	m := &mutation{p: p, n: p.Mutations}
	if m.n <= 0 {
		m.n = 2000
	}
	return m
}

// seedCorpus returns valid messages to mutate (built lazily: it depends
// only on Params).
func (m *mutation) seedCorpus() [][]byte {
	if m.corpus != nil {
		return m.corpus
	}
	b := &msgBuilder{p: m.p, id: "mseed"}
	m.corpus = append(m.corpus, b.build())
	for _, meth := range []string{"OPTIONS", "REGISTER", "MESSAGE", "SUBSCRIBE", "NOTIFY", "INFO"} {
		m.corpus = append(m.corpus, simpleRequest(m.p, meth, "mseed"+meth, "", nil))
	}
	for _, t := range tortureCorpus() {
		for _, ok := range []string{"dblreq", "esc01", "esc02", "escnull", "intmeth", "longreq", "lwsdisp", "mpart01", "semiuri", "transports", "wsinv"} {
			if t.name == ok {
				m.corpus = append(m.corpus, retarget(t.data, m.p))
			}
		}
	}
	return m.corpus
}

func (m *mutation) Name() string { return "mutation" }
func (m *mutation) Len() int     { return m.n }

func (m *mutation) Case(n int) Case {
	corpus := m.seedCorpus()
	r := rng(m.p.Seed, m.Name(), n)
	base := corpus[r.IntN(len(corpus))]
	msg := splitMessage(base)
	// make every case a new transaction
	msg.setHeader("Call-ID", fmt.Sprintf("m%x.%d@sipvet.fuzz", m.p.Seed, n))
	var ops []string
	k := 1 + r.IntN(4)
	for i := 0; i < k; i++ {
		ops = append(ops, msg.mutate(r, corpus))
	}
	fixCL := r.IntN(10) < 7
	if fixCL {
		msg.setHeader("Content-Length", strconv.Itoa(len(msg.body)))
	}
	return Case{Source: m.Name(), N: n, Group: "mutation/" + ops[0], Detail: strings.Join(ops, ", "), Kind: KindSIP, Data: msg.bytes(), Dialog: -1}
}

// lineMessage is a message split into lines for mutation.
type lineMessage struct {
	start   string
	headers []string
	body    []byte
}

func splitMessage(b []byte) *lineMessage {
	head, body, _ := bytes.Cut(b, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	m := &lineMessage{start: lines[0], body: append([]byte(nil), body...)}
	m.headers = append(m.headers, lines[1:]...)
	return m
}

func (m *lineMessage) bytes() []byte {
	var b bytes.Buffer
	b.WriteString(m.start + "\r\n")
	for _, h := range m.headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(m.body)
	return b.Bytes()
}

func (m *lineMessage) setHeader(name, value string) {
	for i, h := range m.headers {
		n, _, _ := strings.Cut(h, ":")
		if strings.EqualFold(strings.TrimSpace(n), name) || (name == "Call-ID" && strings.EqualFold(strings.TrimSpace(n), "i")) || (name == "Content-Length" && strings.EqualFold(strings.TrimSpace(n), "l")) {
			m.headers[i] = name + ": " + value
			return
		}
	}
	m.headers = append(m.headers, name+": "+value)
}

// interestingTokens are boundary values for token-level mutation.
func interestingTokens() []string {
	return []string{"", "0", "-1", "1", "65535", "65536", "2147483647", "2147483648", "4294967295", "4294967296",
		"18446744073709551616", strings.Repeat("A", 256), strings.Repeat("A", 4097), "%s%n%x", "\x00", "\xff", "\r\n", ";", ",", "<", ">", "\"", "::", "[", "]", "@@", "sip:", "%00"}
}

func extraHeaders() []string {
	return []string{"Route", "Record-Route", "Proxy-Require", "Require", "Supported", "Allow", "Accept", "Authorization", "Proxy-Authorization", "Subject", "Date", "Timestamp", "Warning", "P-Asserted-Identity", "Refer-To", "Event", "RSeq", "RAck", "Session-Expires", "Min-SE", "Call-Info", "Alert-Info", "Max-Breadth", "Reason", "X-Sipvet"}
}

// mutate applies one mutation and returns its name.
func (m *lineMessage) mutate(r *rand.Rand, corpus [][]byte) string {
	toks := interestingTokens()
	switch r.IntN(10) {
	case 0: // insert a header
		name := extraHeaders()[r.IntN(len(extraHeaders()))]
		at := r.IntN(len(m.headers) + 1)
		m.headers = append(m.headers[:at], append([]string{name + ": " + toks[r.IntN(len(toks))]}, m.headers[at:]...)...)
		return "insert " + name
	case 1: // delete
		if len(m.headers) > 0 {
			at := r.IntN(len(m.headers))
			n := headerName(m.headers[at])
			m.headers = append(m.headers[:at], m.headers[at+1:]...)
			return "delete " + n
		}
	case 2: // duplicate
		if len(m.headers) > 0 {
			at := r.IntN(len(m.headers))
			c := 1 + r.IntN(50)
			for i := 0; i < c; i++ {
				m.headers = append(m.headers, m.headers[at])
			}
			return "duplicate " + headerName(m.headers[at])
		}
	case 3: // swap
		if len(m.headers) > 1 {
			i, j := r.IntN(len(m.headers)), r.IntN(len(m.headers))
			m.headers[i], m.headers[j] = m.headers[j], m.headers[i]
			return "swap headers"
		}
	case 4, 5, 6: // token boundary value
		all := append([]string{m.start}, m.headers...)
		at := r.IntN(len(all))
		tokens := splitTokens(all[at])
		if len(tokens) > 0 {
			t := r.IntN(len(tokens))
			tokens[t] = toks[r.IntN(len(toks))]
			s := strings.Join(tokens, "")
			if at == 0 {
				m.start = s
			} else {
				m.headers[at-1] = s
			}
			return "token in " + firstWord(all[at])
		}
	case 7: // splice headers of another corpus message
		other := splitMessage(corpus[r.IntN(len(corpus))])
		if len(other.headers) > 0 {
			k := 1 + r.IntN(len(other.headers))
			at := r.IntN(len(m.headers) + 1)
			m.headers = append(m.headers[:at], append(append([]string{}, other.headers[:k]...), m.headers[at:]...)...)
			return "splice"
		}
	case 8: // byte flips
		b := m.bytes()
		for i := 0; i < 1+r.IntN(4); i++ {
			b[r.IntN(len(b))] ^= byte(1 << r.IntN(8))
		}
		*m = *splitMessage(b)
		return "bit flip"
	case 9: // body damage
		if len(m.body) > 0 {
			m.body = m.body[:r.IntN(len(m.body))]
			return "truncate body"
		}
		m.body = []byte(toks[r.IntN(len(toks))])
		return "add body"
	}
	m.headers = append(m.headers, "X-Sipvet: "+toks[r.IntN(len(toks))])
	return "insert X-Sipvet"
}

func headerName(h string) string {
	n, _, _ := strings.Cut(h, ":")
	return strings.TrimSpace(n)
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " :"); i > 0 {
		return s[:i]
	}
	return s
}

// splitTokens splits a line into tokens and delimiters, keeping both so that
// joining them gives the line back.
func splitTokens(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(" :;,=@<>/\"", s[i]) >= 0 {
			if i > start {
				out = append(out, s[start:i])
			}
			out = append(out, s[i:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// simpleRequest builds a valid request with extra headers and an optional body.
func simpleRequest(p Params, method, id, body string, extra []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", method, p.ruri(p.user()))
	fmt.Fprintf(&b, "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;rport\r\n", p.via(), p.local(), id)
	b.WriteString("Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <sip:sipvet@%s>;tag=%s\r\n", p.localHost(), id)
	fmt.Fprintf(&b, "To: <sip:%s@%s>\r\n", p.user(), p.hostPort())
	fmt.Fprintf(&b, "Call-ID: %s@sipvet.fuzz\r\n", id)
	fmt.Fprintf(&b, "CSeq: 1 %s\r\n", method)
	fmt.Fprintf(&b, "Contact: <sip:sipvet@%s>\r\n", p.local())
	if method == "SUBSCRIBE" || method == "NOTIFY" {
		b.WriteString("Event: presence\r\n")
	}
	if method == "NOTIFY" {
		b.WriteString("Subscription-State: active;expires=60\r\n")
	}
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	if body != "" && method != "INVITE" {
		b.WriteString("Content-Type: text/plain\r\n")
	} else if body != "" {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return []byte(b.String())
}
