package harness

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/ident"
	"github.com/sipvet/sipvet/internal/sip"
)

// Identifier kinds collected from the DUT for ipa13.
const (
	kindCallID = "call-id"
	kindTag    = "from-tag"
	kindBranch = "branch"
	kindCNonce = "cnonce"
)

// maxCollected bounds what the collector keeps per kind.
const maxCollected = 5000

// collector gathers the identifiers the DUT generates, once per request
// (retransmissions, which repeat the branch, CSeq and Call-ID, are counted
// once).
type collector struct {
	mu     sync.Mutex
	seen   map[string]bool
	values map[string][]string
	cseq   []uint32
	calls  map[string]uint32
}

func newCollector() *collector {
	return &collector{seen: map[string]bool{}, values: map[string][]string{}, calls: map[string]uint32{}}
}

// add records the identifiers of one request from the DUT.
func (c *collector) add(m *sip.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	collectIDs(m, c.seen, c.values, c.calls, &c.cseq)
}

func collectIDs(m *sip.Message, seen map[string]bool, values map[string][]string, calls map[string]uint32, cseqs *[]uint32) {
	via, _ := m.TopVia()
	n, method, _ := m.CSeq()
	key := strings.Join([]string{via.Branch(), m.Method, strconv.FormatUint(uint64(n), 10), m.CallID()}, "\x00")
	if seen[key] || len(seen) >= maxCollected {
		return
	}
	seen[key] = true
	push := func(kind, v string) {
		if v != "" && len(values[kind]) < maxCollected {
			values[kind] = append(values[kind], v)
		}
	}
	if m.Method != "ACK" && m.Method != "CANCEL" {
		push(kindBranch, via.Branch())
	}
	for _, h := range []string{"Authorization", "Proxy-Authorization"} {
		for _, v := range m.GetAll(h) {
			if cr, err := digest.ParseCredentials(v); err == nil {
				push(kindCNonce, cr.CNonce)
			}
		}
	}
	to, _ := m.To()
	from, _ := m.From()
	initial := to.Tag() == "" && !m.Has("Authorization") && !m.Has("Proxy-Authorization") && method == m.Method
	if (m.Method == "INVITE" || m.Method == "REGISTER") && initial {
		// A new call, or the first REGISTER of a registration. Requests
		// that go on a call or registration — refreshes (RFC 3261
		// §10.2.4), retries after a redirect or challenge (§8.1.3.4) —
		// keep Call-ID and From tag and raise the CSeq: they are not new.
		// The same pair with a CSeq that did not rise is a new call that
		// repeats old identifiers, and counts.
		pair := m.CallID() + "\x00" + from.Tag()
		if m.Method == "REGISTER" {
			// Some UAs take a new From tag for each refresh.
			pair = m.CallID() + "\x00REGISTER"
		}
		if last, ok := calls[pair]; ok && n > last {
			calls[pair] = n
			return
		}
		calls[pair] = n
		push(kindCallID, m.CallID())
		push(kindTag, from.Tag())
		*cseqs = append(*cseqs, n)
	}
}

// snapshot returns copies of the collected values.
func (c *collector) snapshot() (map[string][]string, []uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]string{}
	for k, v := range c.values {
		out[k] = append([]string(nil), v...)
	}
	return out, append([]uint32(nil), c.cseq...)
}

// count returns how many values of kind are held.
func (c *collector) count(kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.values[kind])
}

// judgeIdentifiers is the pure verdict of ipa13: any kind predictable →
// vulnerable; Call-ID, tag and branch all analysed and none predictable →
// not vulnerable; too few of them → inconclusive. cnonces count when the DUT
// sent enough. CSeq starts are reported only: RFC 3261 lets a UAC start
// anywhere below 2**31.
func judgeIdentifiers(values map[string][]string, cseqs []uint32) outcome {
	var reports []ident.Report
	var bad, short, unsure []string
	for _, kind := range []string{kindCallID, kindTag, kindBranch, kindCNonce} {
		r := ident.Analyze(kind, values[kind])
		reports = append(reports, r)
		switch {
		case r.Insufficient && kind != kindCNonce:
			short = append(short, fmt.Sprintf("%s (%d of %d)", kind, r.Samples, ident.MinSamples))
		case r.Predictable:
			bad = append(bad, fmt.Sprintf("%s: %s", kind, strings.Join(r.Reasons, "; ")))
		case r.Uncertain:
			unsure = append(unsure, fmt.Sprintf("%s (≈%.0f bits from %d)", kind, r.MinEntropyBits, r.Samples))
		}
	}
	data := map[string]any{"identifiers": reports, "cseq_starts": cseqStats(cseqs), "thresholds": ident.Thresholds()}
	var o outcome
	switch {
	case len(bad) > 0:
		o = vulnerable("the DUT's identifiers are predictable: %s", strings.Join(bad, " | "))
	case len(short) > 0:
		o = inconclusive("too few identifiers collected: %s; let the DUT place more calls (--calls)", strings.Join(short, ", "))
	case len(unsure) > 0:
		o = inconclusive("estimated min-entropy below %.0f bits for %s, with no repeats, counters, timestamps or embedded addresses: more calls (--calls) are needed to tell", ident.MinEntropyBits, strings.Join(unsure, ", "))
	default:
		o = passed("Call-IDs, From-tags, branches%s of the DUT look unpredictable (%d calls/registrations, %d transactions)",
			map[bool]string{true: " and cnonces", false: ""}[len(values[kindCNonce]) >= ident.MinSamples],
			len(values[kindCallID]), len(values[kindBranch]))
	}
	o.data = data
	return o
}

func cseqStats(cs []uint32) map[string]any {
	distinct := map[uint32]bool{}
	for _, c := range cs {
		distinct[c] = true
	}
	vals := make([]int, 0, len(cs))
	for _, c := range cs {
		vals = append(vals, int(c))
	}
	sorted := append([]int(nil), vals...)
	sort.Ints(sorted)
	out := map[string]any{"samples": len(cs), "distinct": len(distinct), "values": vals}
	if len(sorted) > 0 {
		out["min"], out["max"] = sorted[0], sorted[len(sorted)-1]
	}
	return out
}
