package lab

import (
	"strings"
	"testing"
)

// FuzzParseUAOffer: hostile SDP never panics and the result stays
// bounded (a profile taken from one m= line, an Opus payload type in the
// dynamic range or -1).
func FuzzParseUAOffer(f *testing.F) {
	for _, s := range []string{
		"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/SAVP 96 0\r\na=rtpmap:96 opus/48000/2\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n",
		"m=audio 9 UDP/TLS/RTP/SAVP 111\r\na=fingerprint:sha-256 AA\r\na=rtpmap:111 OPUS/48000\r\n",
		"m=video 1 RTP/AVP 0\nm=audio 2 RTP/AVP 0\na=crypto\n",
		"a=rtpmap:96 opus/48000\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := parseUAOffer(data)
		if o.opusPT != -1 && (o.opusPT < 96 || o.opusPT > 127) {
			t.Fatalf("opus payload type %d", o.opusPT)
		}
		if len(o.proto) > len(data) || strings.ContainsAny(o.proto, " \r\n") {
			t.Fatalf("profile %q", o.proto)
		}
	})
}

func TestParseUAOffer(t *testing.T) {
	o := parseUAOffer([]byte("v=0\r\nm=audio 4000 RTP/SAVP 96 0\r\na=rtpmap:96 opus/48000/2\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n"))
	if !o.secure() || !o.crypto || o.fingerprint || o.opusPT != 96 || o.proto != "RTP/SAVP" {
		t.Errorf("parseUAOffer = %+v", o)
	}
}
