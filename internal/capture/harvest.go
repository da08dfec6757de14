package capture

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/sipvet/sipvet/internal/sip"
)

// harvestSets collects distinct identities, bounded.
type harvestSets struct {
	uris, exts, names, uas, servers map[string]bool
	truncated                       bool
}

func newHarvestSets() harvestSets {
	return harvestSets{uris: map[string]bool{}, exts: map[string]bool{}, names: map[string]bool{}, uas: map[string]bool{}, servers: map[string]bool{}}
}

func (h *harvestSets) add(set map[string]bool, v string) {
	v = strings.TrimSpace(v)
	if v == "" || set[v] {
		return
	}
	if len(set) >= maxHarvest || len(v) > 512 {
		h.truncated = true
		return
	}
	set[strings.Clone(v)] = true // not a view into the whole message
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (h *harvestSets) result() Harvest {
	return Harvest{URIs: sortedKeys(h.uris), Extensions: sortedKeys(h.exts), DisplayNames: sortedKeys(h.names),
		UserAgents: sortedKeys(h.uas), Servers: sortedKeys(h.servers), Truncated: h.truncated}
}

func (h *harvestSets) uri(s string) {
	u, err := sip.ParseURI(s)
	if err != nil || u == nil {
		return
	}
	h.parsedURI(u)
}

func (h *harvestSets) parsedURI(u *sip.URI) {
	if u.User != "" {
		h.add(h.exts, u.UnescapedUser())
		h.add(h.uris, strings.ToLower(u.Scheme)+":"+u.UnescapedUser()+"@"+u.HostPort())
		return
	}
	h.add(h.uris, strings.ToLower(u.Scheme)+":"+u.HostPort())
}

// harvestMsg adds every URI, user, display name and agent string of m.
func (a *Analyzer) harvestMsg(m *sip.Message, _ *Packet) {
	h := &a.harvest
	if m.IsRequest() {
		h.uri(m.RequestURI)
	}
	for _, name := range []string{"From", "To", "Contact", "P-Asserted-Identity", "Remote-Party-ID", "Referred-By", "Refer-To"} {
		for _, v := range m.GetAll(name) {
			na, err := sip.ParseNameAddr(v)
			if err != nil {
				continue
			}
			if na.URI != nil {
				h.parsedURI(na.URI)
			}
			h.add(h.names, na.DisplayName)
		}
	}
	h.add(h.uas, m.Get("User-Agent"))
	h.add(h.servers, m.Get("Server"))
	if cr := m.Get("Authorization"); cr != "" {
		if i := strings.Index(cr, "username="); i >= 0 {
			u := strings.Trim(strings.SplitN(cr[i+9:], ",", 2)[0], `" `)
			h.add(h.exts, u)
		}
	}
}

// agentIDs are the identifiers collected for one agent.
type agentIDs struct {
	name                                        string
	callIDs, fromTags, toTags, branches, nonces []string
	seen                                        map[string]bool
}

func (g *agentIDs) add(list *[]string, kind, v string) {
	if v == "" || len(*list) >= maxPerAgent {
		return
	}
	k := kind + "\x00" + v
	if g.seen[k] {
		return
	}
	g.seen[k] = true
	*list = append(*list, strings.Clone(v))
}

// agent returns the identifier set of the agent that sent m.
func (a *Analyzer) agent(m *sip.Message, src netip.AddrPort) *agentIDs {
	name := m.Get("User-Agent")
	if !m.IsRequest() {
		name = m.Get("Server")
	}
	if name == "" {
		name = "ip " + src.Addr().String()
	}
	return a.agentNamed(name)
}

// agentNamed returns the identifier set of the named agent.
func (a *Analyzer) agentNamed(name string) *agentIDs {
	g := a.agents[name]
	if g == nil {
		if len(a.agents) >= maxAgents {
			return nil
		}
		name = strings.Clone(name)
		g = &agentIDs{name: name, seen: map[string]bool{}}
		a.agents[name] = g
	}
	return g
}

// identifiers collects the Call-ID, tags, branch and nonces m's sender
// generated (item 13).
func (a *Analyzer) identifiers(m *sip.Message, p *Packet, _ *dialog) {
	g := a.agent(m, p.Src)
	if g == nil {
		return
	}
	if m.IsRequest() {
		from, _ := m.From()
		to, _ := m.To()
		// Only requests that start something carry identifiers the sender chose.
		if to.Tag() == "" {
			g.add(&g.callIDs, "c", m.CallID())
			g.add(&g.fromTags, "f", from.Tag())
		}
		if m.Method != "ACK" && m.Method != "CANCEL" {
			if v, err := m.TopVia(); err == nil {
				// A forwarded request's top Via is the proxy's: its branch
				// belongs to the proxy, named by its address.
				bg := g
				if len(m.GetAll("Via")) > 1 {
					bg = a.agentNamed("ip " + p.Src.Addr().String())
				}
				if bg != nil {
					bg.add(&bg.branches, "b", v.Branch())
				}
			}
		}
		return
	}
	to, _ := m.To()
	g.add(&g.toTags, "t", to.Tag())
	for _, h := range []string{"WWW-Authenticate", "Proxy-Authenticate"} {
		for _, v := range m.GetAll(h) {
			if i := strings.Index(v, "nonce="); i >= 0 {
				n := strings.Trim(strings.SplitN(v[i+6:], ",", 2)[0], `" `)
				g.add(&g.nonces, "n", n)
			}
		}
	}
}

func (a *Analyzer) agentResults() []AgentIDs {
	var out []AgentIDs
	for _, g := range a.agents {
		out = append(out, AgentIDs{Agent: g.name, CallIDs: g.callIDs, FromTags: g.fromTags, ToTags: g.toTags, Branches: g.branches, Nonces: g.nonces})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Agent < out[j].Agent })
	return out
}
