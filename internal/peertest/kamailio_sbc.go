package peertest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// KamailioSBC starts testdata/kamailio-sbc.cfg on a free 127.0.0.1 UDP+TCP
// port: a session border controller that relays every INVITE to the UA on
// 127.0.0.1:uaPort and anchors its media in rtp. hardened adds the source,
// Contact and SDP checks and rtpengine's strict source. It returns the port.
func KamailioSBC(t testing.TB, rtp *RtpenginePeer, uaPort int, hardened bool) int {
	t.Helper()
	bin := Need(t, "kamailio")
	dir := t.TempDir()
	port := FreePort(t)
	args := []string{"-f", testdata("kamailio-sbc.cfg"), "-DD", "-E", "-m", "64", "-M", "8",
		"-P", filepath.Join(dir, "kamailio.pid"), "-Y", dir, "-w", dir,
		"-l", fmt.Sprintf("udp:127.0.0.1:%d", port), "-l", fmt.Sprintf("tcp:127.0.0.1:%d", port),
		"-A", fmt.Sprintf(`NGSOCK="udp:%s"`, rtp.NgAddr),
		"-A", fmt.Sprintf(`UA="sip:127.0.0.1:%d"`, uaPort),
		"-A", `UA_IP="127.0.0.1"`}
	if hardened {
		args = append(args, "-A", "HARDENED")
	}
	logs, _ := StartProcess(t, "kamailio-sbc", exec.Command(bin, args...), 6000)
	if err := WaitSIP(context.Background(), port, 10*time.Second); err != nil {
		t.Fatalf("kamailio SBC did not come up on port %d: %v\n%s", port, err, tail(logs.String(), 4000))
	}
	return port
}
