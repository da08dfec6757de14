package capture

import "github.com/sipvet/sipvet/internal/sip"

// Header ids: the headers the analysis reads.
const (
	hNone uint8 = iota
	hCallID
	hFrom
	hTo
	hContact
	hVia
	hUserAgent
	hServer
	hContentType
	hAuthorization
	hProxyAuthorization
	hWWWAuthenticate
	hProxyAuthenticate
	hPAssertedIdentity
	hRemotePartyID
	hReferredBy
	hReferTo
)

// headerID returns the id of the header with this key (sip.HeaderKey).
func headerID(key string) uint8 {
	switch key {
	case "call-id":
		return hCallID
	case "from":
		return hFrom
	case "to":
		return hTo
	case "contact":
		return hContact
	case "via":
		return hVia
	case "user-agent":
		return hUserAgent
	case "server":
		return hServer
	case "content-type":
		return hContentType
	case "authorization":
		return hAuthorization
	case "proxy-authorization":
		return hProxyAuthorization
	case "www-authenticate":
		return hWWWAuthenticate
	case "proxy-authenticate":
		return hProxyAuthenticate
	case "p-asserted-identity":
		return hPAssertedIdentity
	case "remote-party-id":
		return hRemotePartyID
	case "referred-by":
		return hReferredBy
	case "refer-to":
		return hReferTo
	}
	return hNone
}

// isList tells the headers that are comma-separated lists (sip.IsListHeader),
// split as Get and GetAll split them.
func isList(id uint8) bool { return id == hContact || id == hVia || id == hPAssertedIdentity }

// taggedMsg is a parsed SIP message whose header lines are tagged once with
// the id of the header they are (hNone for the others), so that the
// analysis's many lookups compare a byte per line instead of a name.
// get and getAll return what Message.Get and GetAll return for the
// header (TestTaggedMsgMatchesGet and FuzzTaggedMsg hold them to that).
type taggedMsg struct {
	*sip.Message
	ids []uint8 // per header line
	buf [32]uint8
}

// newTaggedMsg tags m's header lines.
func newTaggedMsg(m *sip.Message) *taggedMsg {
	s := &taggedMsg{Message: m}
	s.ids = s.buf[:0]
	for _, h := range m.Headers {
		var id uint8
		if h.Name != "" {
			id = headerID(sip.HeaderKey(h.Name))
		}
		s.ids = append(s.ids, id)
	}
	return s
}

// get is Message.Get for the header with this id.
func (s *taggedMsg) get(id uint8) string {
	for i, x := range s.ids {
		if x != id {
			continue
		}
		v := s.Headers[i].Value
		if !isList(id) {
			return v
		}
		if vs := sip.SplitList(v); len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// getAll is Message.GetAll for the header with this id (nil when there is
// no value).
func (s *taggedMsg) getAll(id uint8) []string {
	var out []string
	for i, x := range s.ids {
		if x != id {
			continue
		}
		if isList(id) {
			out = append(out, sip.SplitList(s.Headers[i].Value)...)
		} else {
			out = append(out, s.Headers[i].Value)
		}
	}
	return out
}
