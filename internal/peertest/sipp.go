package peertest

import (
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// SippUAS starts sipp (package sip-tester; UDP only, sipp 3.6 has no TLS)
// as a UAS on a free 127.0.0.1 port with the scenario file
// testdata/sipp/scenario (e.g. "uas_100rel.xml") and stops it on cleanup.
// It returns the SIP port. sipp serves any number of calls until then.
func SippUAS(t testing.TB, scenario string) int {
	t.Helper()
	bin := Need(t, "sipp")
	port := FreePort(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "-sf", testdata(filepath.Join("sipp", scenario)), "-i", "127.0.0.1", "-p", fmt.Sprint(port),
		"-nostdin", "-timeout", "120s", "-timeout_error", "-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-mp", fmt.Sprint(FreePort(t)))
	cmd.Dir = dir
	logs, exited := StartProcess(t, "sipp", cmd, 4000)
	// sipp answers nothing until a scenario call starts, so wait for its
	// socket instead of an OPTIONS answer.
	for i := 0; i < 50; i++ {
		select {
		case <-exited:
			t.Fatalf("sipp exited:\n%s", tail(logs.String(), 4000))
		case <-time.After(100 * time.Millisecond):
		}
		if udpBusy(port) {
			return port
		}
	}
	t.Fatalf("sipp did not bind port %d:\n%s", port, tail(logs.String(), 4000))
	return 0
}

// udpBusy reports whether a UDP port on 127.0.0.1 is bound by someone.
func udpBusy(port int) bool {
	c, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return true
	}
	c.Close()
	return false
}
