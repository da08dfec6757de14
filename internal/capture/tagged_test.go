package capture

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/sipvet/sipvet/internal/sip"
)

// taggedCases are messages whose lookups must agree with Get and GetAll:
// compact and odd-case names, repeated lines, lists in one line and over
// several, empty values, lines that are not headers.
var taggedCases = []string{
	"INVITE sip:b@h SIP/2.0\r\nv: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b\r\nVIA: SIP/2.0/UDP c\r\nf: \"A\" <sip:a@h>;tag=1\r\nt: <sip:b@h>\r\ni: cid\r\nm: <sip:a@x>, <sip:a@y>\r\nc: application/sdp\r\nUser-Agent: UA 1\r\nUser-Agent: UA 2\r\n\r\n",
	"SIP/2.0 401 Unauthorized\r\nVia:\r\nVia: SIP/2.0/UDP a\r\nFrom: <sip:a@h>\r\nFrom: <sip:z@h>\r\nTo: <sip:a@h>;tag=x\r\nCall-ID:\r\nCall-ID: second\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"n1\"\r\nwww-authenticate: Digest realm=\"r\", nonce=\"n2\"\r\nProxy-Authenticate: Digest realm=\"p\", nonce=\"n3\"\r\nServer: S\r\n\r\n",
	"REGISTER sip:h SIP/2.0\r\nAuthorization: Digest username=\"u\", response=\"r\"\r\nAuthorization: Digest username=\"v\"\r\nProxy-Authorization: Digest username=\"w\"\r\nP-Asserted-Identity: <sip:p@h>, <tel:+1>\r\nRemote-Party-ID: <sip:r@h>\r\nb: <sip:rb@h>\r\nr: <sip:rt@h>\r\nReferred-By: <sip:rb2@h>\r\n\r\n",
	"OPTIONS sip:h SIP/2.0\r\nbroken line\r\n : x\r\nVia: ,,\r\nContact: *\r\n\tfolded\r\n\r\n",
}

// taggedNames pairs every header id with a spelling of its name.
var taggedNames = map[uint8]string{hCallID: "Call-ID", hFrom: "From", hTo: "To", hContact: "Contact", hVia: "Via",
	hUserAgent: "User-Agent", hServer: "Server", hContentType: "Content-Type", hAuthorization: "Authorization",
	hProxyAuthorization: "Proxy-Authorization", hWWWAuthenticate: "WWW-Authenticate", hProxyAuthenticate: "Proxy-Authenticate",
	hPAssertedIdentity: "P-Asserted-Identity", hRemotePartyID: "Remote-Party-ID", hReferredBy: "Referred-By", hReferTo: "Refer-To"}

// checkTagged compares get and getAll with Get and GetAll for every id.
func checkTagged(t *testing.T, m *sip.Message) {
	t.Helper()
	tm := newTaggedMsg(m)
	if len(taggedNames) != int(hReferTo) {
		t.Fatalf("taggedNames has %d names for %d ids", len(taggedNames), hReferTo)
	}
	for id, name := range taggedNames {
		if isList(id) != sip.IsListHeader(name) {
			t.Fatalf("%s: isList %v, sip.IsListHeader %v", name, isList(id), sip.IsListHeader(name))
		}
		if got, want := tm.get(id), m.Get(name); got != want {
			t.Fatalf("%q: get %s = %q, Get = %q", m.Raw, name, got, want)
		}
		if got, want := tm.getAll(id), m.GetAll(name); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: getAll %s = %q, GetAll = %q", m.Raw, name, got, want)
		}
	}
}

// TestTaggedMsgMatchesGet: get and getAll give what Get and GetAll give.
func TestTaggedMsgMatchesGet(t *testing.T) {
	for i, c := range taggedCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			m, _ := sip.Parse([]byte(c))
			if m == nil {
				t.Fatal("not parsed")
			}
			checkTagged(t, m)
		})
	}
}

// FuzzTaggedMsg: for any message the parser reads, get and getAll agree
// with Get and GetAll.
func FuzzTaggedMsg(f *testing.F) {
	for _, c := range taggedCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, _ := sip.Parse(b); m != nil {
			checkTagged(t, m)
		}
	})
}
