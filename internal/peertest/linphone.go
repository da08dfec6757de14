package peertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// LinphoneUA starts linphonec (package linphone-cli: liblinphone with the
// belle-sip stack and mediastreamer2/oRTP media, a code base unrelated to
// baresip's) as an auto-answering UA on a free 127.0.0.1 UDP port. It has no
// sound card here: "soundcard use files" and "play" make it send a
// generated tone in every call. It is stopped on cleanup.
func LinphoneUA(t testing.TB) *UAPeer {
	t.Helper()
	bin := Need(t, "linphonec")
	home := t.TempDir()
	// liblinphone keeps its call history in HOME/.local/share/linphone and
	// does not start its SIP transports when it cannot open it.
	if err := os.MkdirAll(filepath.Join(home, ".local", "share", "linphone"), 0o755); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t)
	rc := fmt.Sprintf("[sip]\nsip_port=%d\nsip_tcp_port=0\nsip_tls_port=0\nbind_address=127.0.0.1\nguess_hostname=0\ndefault_proxy=-1\n"+
		"[net]\nfirewall_policy=0\n[rtp]\naudio_rtp_port=30000-39998\nrtcp_mux=0\n[sound]\nechocancellation=0\n", port)
	rcFile := filepath.Join(home, "linphonerc")
	wav := filepath.Join(home, "tone.wav")
	for f, b := range map[string][]byte{rcFile: []byte(rc), wav: toneWAV(8000, 30*time.Second)} {
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-a", "-c", rcFile, "-d", "1")
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.Stdin = r
	logs, _ := StartProcess(t, "linphonec", cmd, 6000)
	r.Close()
	t.Cleanup(func() { w.Close() })
	if _, err := fmt.Fprintf(w, "soundcard use files\nplay %s\n", wav); err != nil {
		t.Fatal(err)
	}
	if err := WaitSIP(context.Background(), port, 15*time.Second); err != nil {
		t.Fatalf("linphonec did not come up on port %d: %v\n%s", port, err, tail(logs.String(), 4000))
	}
	return &UAPeer{Port: port, logs: logs}
}
