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
	// done holds the header values already harvested, up to their '>'
	// (what follows, like the per-dialog tag, adds nothing to a name or
	// URI): a value seen again is not parsed again.
	done map[idKey]struct{}
}

// harvestHeaders are the name-addr headers whose identities are harvested.
var harvestHeaders = [...]hdr{hdrFrom, hdrTo, hdrContact, hdrPAssertedIdentity, hdrRemotePartyID, hdrReferredBy, hdrReferTo}

// maxHarvestDone bounds the cache of harvested values; it starts afresh
// when full.
const maxHarvestDone = 1 << 16

func newHarvestSets() harvestSets {
	return harvestSets{uris: map[string]bool{}, exts: map[string]bool{}, names: map[string]bool{}, uas: map[string]bool{}, servers: map[string]bool{},
		done: map[idKey]struct{}{}}
}

// seen reports whether the value with this cache key was harvested.
func (h *harvestSets) seen(key idKey) bool {
	_, ok := h.done[key]
	return ok
}

// remember records a harvested value's cache key.
func (h *harvestSets) remember(key idKey) {
	if len(h.done) >= maxHarvestDone {
		clear(h.done)
	}
	key.v = strings.Clone(key.v)
	h.done[key] = struct{}{}
}

// nameAddrKey is the cache key of a value of harvestHeaders[i]: the
// value up to its last '>'.
func nameAddrKey(i int, v string) idKey {
	if j := strings.LastIndexByte(v, '>'); j >= 0 {
		v = v[:j+1]
	}
	return idKey{byte(i), v}
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
func (a *Analyzer) harvestMsg(x *msgHeaders, _ *Packet) {
	m := x.m
	h := &a.harvest
	if m.IsRequest() {
		if k := (idKey{'R', m.RequestURI}); !h.seen(k) {
			h.uri(m.RequestURI)
			h.remember(k)
		}
	}
	for i, name := range harvestHeaders {
		for v := range x.values(name) {
			k := nameAddrKey(i, v)
			if h.seen(k) {
				continue
			}
			na, err := sip.ParseNameAddr(v)
			if err != nil {
				continue
			}
			if na.URI != nil {
				h.parsedURI(na.URI)
			}
			h.add(h.names, na.DisplayName)
			h.remember(k)
		}
	}
	h.add(h.uas, x.get(hdrUserAgent))
	h.add(h.servers, x.get(hdrServer))
	if cr := x.get(hdrAuthorization); cr != "" {
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
	seen                                        map[idKey]struct{}
}

// idKey is a value of a kind: an identifier ('c' Call-ID, 'f' From tag,
// 't' To tag, 'b' branch, 'n' nonce) or, in the harvest cache, a header
// value (kind: the header's index in harvestHeaders, 'R' for a
// Request-URI). A struct key costs no concatenation per lookup.
type idKey struct {
	kind byte
	v    string
}

func (g *agentIDs) add(list *[]string, kind byte, v string) {
	if v == "" || len(*list) >= maxPerAgent {
		return
	}
	if _, ok := g.seen[idKey{kind, v}]; ok {
		return
	}
	v = strings.Clone(v)
	g.seen[idKey{kind, v}] = struct{}{}
	*list = append(*list, v)
}

// agent returns the identifier set of the agent that sent m.
func (a *Analyzer) agent(x *msgHeaders, src netip.AddrPort) *agentIDs {
	name := x.get(hdrUserAgent)
	if !x.m.IsRequest() {
		name = x.get(hdrServer)
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
		g = &agentIDs{name: name, seen: map[idKey]struct{}{}}
		a.agents[name] = g
	}
	return g
}

// identifiers collects the Call-ID, tags, branch and nonces m's sender
// generated (item 13).
func (a *Analyzer) identifiers(x *msgHeaders, p *Packet, _ *dialog) {
	m := x.m
	g := a.agent(x, p.Src)
	if g == nil {
		return
	}
	// Each list stops at maxPerAgent: nothing is parsed for a full one.
	if m.IsRequest() {
		// Only requests that start something carry identifiers the sender chose.
		if (g.room(g.callIDs) || g.room(g.fromTags)) && headerTag(x.get(hdrTo)) == "" {
			g.add(&g.callIDs, 'c', x.get(hdrCallID))
			if g.room(g.fromTags) {
				g.add(&g.fromTags, 'f', headerTag(x.get(hdrFrom)))
			}
		}
		if m.Method != "ACK" && m.Method != "CANCEL" {
			// A forwarded request's top Via is the proxy's: its branch
			// belongs to the proxy, named by its address.
			bg := g
			if x.many(hdrVia) {
				bg = a.agentNamed("ip " + p.Src.Addr().String())
			}
			if bg != nil && bg.room(bg.branches) {
				bg.add(&bg.branches, 'b', topBranch(x.get(hdrVia)))
			}
		}
		return
	}
	if g.room(g.toTags) {
		g.add(&g.toTags, 't', headerTag(x.get(hdrTo)))
	}
	if !g.room(g.nonces) {
		return
	}
	for _, h := range [...]hdr{hdrWWWAuthenticate, hdrProxyAuthenticate} {
		for v := range x.values(h) {
			if i := strings.Index(v, "nonce="); i >= 0 {
				n := strings.Trim(strings.SplitN(v[i+6:], ",", 2)[0], `" `)
				g.add(&g.nonces, 'n', n)
			}
		}
	}
}

// room reports whether an identifier list of g can take more values.
func (g *agentIDs) room(list []string) bool { return len(list) < maxPerAgent }

func (a *Analyzer) agentResults() []AgentIDs {
	var out []AgentIDs
	for _, g := range a.agents {
		out = append(out, AgentIDs{Agent: g.name, CallIDs: g.callIDs, FromTags: g.fromTags, ToTags: g.toTags, Branches: g.branches, Nonces: g.nonces})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Agent < out[j].Agent })
	return out
}
