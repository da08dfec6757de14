package peertest

import (
	"fmt"
	"testing"
)

// KamailioSBC starts testdata/kamailio-sbc.cfg on a free 127.0.0.1 UDP+TCP
// port: a session border controller that relays every INVITE to the UA on
// 127.0.0.1:uaPort and anchors its media in rtp. hardened adds the source,
// Contact and SDP checks and rtpengine's strict source. It returns the port.
func KamailioSBC(t testing.TB, rtp *RtpenginePeer, uaPort int, hardened bool) int {
	t.Helper()
	defines := []string{fmt.Sprintf(`NGSOCK="udp:%s"`, rtp.NgAddr), fmt.Sprintf(`UA="sip:127.0.0.1:%d"`, uaPort), `UA_IP="127.0.0.1"`}
	if hardened {
		defines = append(defines, "HARDENED")
	}
	return runKamailio(t, "kamailio-sbc", testdata("kamailio-sbc.cfg"), t.TempDir(), defines)
}
