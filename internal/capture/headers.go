package capture

import (
	"iter"

	"github.com/sipvet/sipvet/internal/sip"
)

// hdr names a header the analysis reads.
type hdr uint8

const (
	hdrOther hdr = iota
	hdrVia
	hdrFrom
	hdrTo
	hdrCallID
	hdrContact
	hdrUserAgent
	hdrServer
	hdrAuthorization
	hdrProxyAuthorization
	hdrWWWAuthenticate
	hdrProxyAuthenticate
	hdrContentType
	hdrPAssertedIdentity
	hdrRemotePartyID
	hdrReferredBy
	hdrReferTo
	hdrCount
)

// hdrNames are the names the headers are looked up by (sip.Message.Get).
var hdrNames = [hdrCount]string{"", "Via", "From", "To", "Call-ID", "Contact", "User-Agent", "Server",
	"Authorization", "Proxy-Authorization", "WWW-Authenticate", "Proxy-Authenticate", "Content-Type",
	"P-Asserted-Identity", "Remote-Party-ID", "Referred-By", "Refer-To"}

// hdrOf returns the header a header line's name denotes (hdrOther for
// the ones the analysis does not read).
func hdrOf(name string) hdr {
	switch sip.HeaderKey(name) {
	case "via":
		return hdrVia
	case "from":
		return hdrFrom
	case "to":
		return hdrTo
	case "call-id":
		return hdrCallID
	case "contact":
		return hdrContact
	case "user-agent":
		return hdrUserAgent
	case "server":
		return hdrServer
	case "authorization":
		return hdrAuthorization
	case "proxy-authorization":
		return hdrProxyAuthorization
	case "www-authenticate":
		return hdrWWWAuthenticate
	case "proxy-authenticate":
		return hdrProxyAuthenticate
	case "content-type":
		return hdrContentType
	case "p-asserted-identity":
		return hdrPAssertedIdentity
	case "remote-party-id":
		return hdrRemotePartyID
	case "referred-by":
		return hdrReferredBy
	case "refer-to":
		return hdrReferTo
	}
	return hdrOther
}

// hdrIsList tells the headers whose values GetAll splits at commas
// (sip.IsListHeader).
func hdrIsList(h hdr) bool {
	switch h {
	case hdrVia, hdrContact, hdrPAssertedIdentity:
		return true
	}
	return false
}

// maxIndexed is the most header lines msgHeaders indexes; a longer message
// is looked up by name, line by line.
const maxIndexed = 64

// msgHeaders finds the header lines the analysis reads in one pass over a
// message, instead of a scan of every line (and a name comparison for
// each) per lookup: a SIP message is looked up a dozen times. get and values
// give what sip.Message.Get and GetAll give.
type msgHeaders struct {
	m *sip.Message
	// ids holds each line's header, first the line just past the
	// first line of each header (0: none); both unused when !indexed.
	ids     [maxIndexed]hdr
	first   [hdrCount]uint8
	indexed bool
}

// index prepares x for m.
func (x *msgHeaders) index(m *sip.Message) {
	x.m = m
	x.first = [hdrCount]uint8{}
	x.indexed = len(m.Headers) <= maxIndexed
	if !x.indexed {
		return
	}
	for i, h := range m.Headers {
		id := hdrOther
		if h.Name != "" {
			id = hdrOf(h.Name)
		}
		x.ids[i] = id
		if id != hdrOther && x.first[id] == 0 {
			x.first[id] = uint8(i + 1)
		}
	}
}

// get returns the first value of header h (sip.Message.Get).
func (x *msgHeaders) get(h hdr) string {
	if !x.indexed {
		return x.m.Get(hdrNames[h])
	}
	f := int(x.first[h])
	if f == 0 {
		return ""
	}
	for i := f - 1; i < len(x.m.Headers); i++ {
		if x.ids[i] != h {
			continue
		}
		v := x.m.Headers[i].Value
		if !hdrIsList(h) {
			return v
		}
		for e := range sip.ListValues(v) {
			return e
		}
	}
	return ""
}

// values yields every value of header h, lists split: what
// sip.Message.GetAll returns, without building a slice.
func (x *msgHeaders) values(h hdr) iter.Seq[string] {
	return func(yield func(string) bool) {
		if !x.indexed {
			for _, v := range x.m.GetAll(hdrNames[h]) {
				if !yield(v) {
					return
				}
			}
			return
		}
		f := int(x.first[h])
		if f == 0 {
			return
		}
		for i := f - 1; i < len(x.m.Headers); i++ {
			if x.ids[i] != h {
				continue
			}
			v := x.m.Headers[i].Value
			if !hdrIsList(h) {
				if !yield(v) {
					return
				}
				continue
			}
			for e := range sip.ListValues(v) {
				if !yield(e) {
					return
				}
			}
		}
	}
}

// many reports whether header h has more than one value.
func (x *msgHeaders) many(h hdr) bool {
	n := 0
	for range x.values(h) {
		if n++; n > 1 {
			return true
		}
	}
	return false
}
