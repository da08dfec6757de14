package capture

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/pion/srtp/v3"
)

// TestSRTPSuites decrypts a stream for every supported SDES suite, with a
// wrong key offered first (the tag check must reject it) and a capture that
// starts after a sequence-number wrap (ROC 1).
func TestSRTPSuites(t *testing.T) {
	cases := []struct {
		suite   string
		profile srtp.ProtectionProfile
		roc     uint32
	}{
		{"AES_CM_128_HMAC_SHA1_80", srtp.ProtectionProfileAes128CmHmacSha1_80, 0},
		{"AES_CM_128_HMAC_SHA1_32", srtp.ProtectionProfileAes128CmHmacSha1_32, 0},
		{"AES_256_CM_HMAC_SHA1_80", srtp.ProtectionProfileAes256CmHmacSha1_80, 0},
		{"AEAD_AES_128_GCM", srtp.ProtectionProfileAeadAes128Gcm, 0},
		{"AEAD_AES_256_GCM", srtp.ProtectionProfileAeadAes256Gcm, 0},
		{"AES_CM_128_HMAC_SHA1_80", srtp.ProtectionProfileAes128CmHmacSha1_80, 1},
	}
	for _, tc := range cases {
		t.Run(tc.suite, func(t *testing.T) {
			kl, _ := tc.profile.KeyLen()
			sl, _ := tc.profile.SaltLen()
			key := make([]byte, kl+sl)
			wrong := make([]byte, kl+sl)
			for i := range key {
				key[i], wrong[i] = byte(i*7+1), byte(i*5+3)
			}
			b := newCap(t)
			sdp := sdpBody(uaA, 8000, "RTP/SAVP", "8", "rtpmap:8 PCMA/8000",
				"crypto:1 "+tc.suite+" inline:"+base64.StdEncoding.EncodeToString(wrong),
				"crypto:2 "+tc.suite+" inline:"+base64.StdEncoding.EncodeToString(key))
			b.udp(uaA+":5060", uaB+":5060", sipMsg("INVITE sip:b@"+uaB+" SIP/2.0", dialogHeaders("suite", "f", "", "z9hG4bKs", uaA+":5060", 1, "INVITE", "T"), sdp))
			ctx, err := srtp.CreateContext(key[:kl], key[kl:], tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			src := tone(8000, 0, 5000, 500)
			if tc.roc > 0 {
				ctx.SetROC(0x55, tc.roc)
			}
			for i := 0; i < 50; i++ {
				pl := make([]byte, 160)
				for j := range pl {
					pl[j] = linearToAlaw(src[i*160+j])
				}
				enc, err := ctx.EncryptRTP(nil, rtpPacket(8, i == 0, uint16(100+i), uint32(160*i), 0x55, pl), nil)
				if err != nil {
					t.Fatal(err)
				}
				b.udp(uaA+":8000", uaB+":8002", enc)
				b.advance(20 * time.Millisecond)
			}
			store := newMemStore()
			rep, _ := analyze(t, b.pcap(layers.LinkTypeEthernet, false), Options{Audio: store})
			if len(rep.Streams) != 1 {
				t.Fatalf("%d streams", len(rep.Streams))
			}
			s := rep.Streams[0]
			if !s.Decrypted || s.AuthFailures != 0 || s.Suite != tc.suite {
				t.Fatalf("stream %+v", s)
			}
			got, _ := store.wav(t, s.WAV)
			if c := xcorr(src, got, 10); c < 0.95 {
				t.Errorf("correlation %.3f", c)
			}
		})
	}
}
