package peertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
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
	l := startLinphone(t, "sip_tls_port=0\ndefault_proxy=-1\n", "")
	return &UAPeer{Port: l.port, logs: l.logs}
}

// linphone is a running linphonec reading commands on its stdin.
type linphone struct {
	port int
	logs *ProcLogs
	mu   sync.Mutex
	in   *os.File
}

// command writes one linphonec command line.
func (l *linphone) command(line string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := fmt.Fprintln(l.in, line); err != nil {
		return fmt.Errorf("peertest: linphonec %q: %w", line, err)
	}
	return nil
}

// startLinphone writes a linphonerc (sip section extras and further
// sections appended) and starts linphonec auto-answering on a free
// 127.0.0.1 UDP port, playing a tone in every call.
func startLinphone(t testing.TB, sipExtra, sections string) *linphone {
	t.Helper()
	bin := Need(t, "linphonec")
	home := t.TempDir()
	// liblinphone keeps its call history in HOME/.local/share/linphone and
	// does not start its SIP transports when it cannot open it.
	if err := os.MkdirAll(filepath.Join(home, ".local", "share", "linphone"), 0o755); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t)
	rc := fmt.Sprintf("[sip]\nsip_port=%d\nsip_tcp_port=0\nbind_address=127.0.0.1\nguess_hostname=0\n%s"+
		"[net]\nfirewall_policy=0\n[rtp]\naudio_rtp_port=30000-39998\nrtcp_mux=0\n[sound]\nechocancellation=0\n%s", port, sipExtra, sections)
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
	t.Cleanup(func() { w.Close() })
	defer r.Close() // the child has its own copy once started
	logs, _ := StartProcess(t, "linphonec", cmd, 6000)
	l := &linphone{port: port, logs: logs, in: w}
	for _, c := range []string{"soundcard use files", "play " + wav} {
		if err := l.command(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := WaitSIP(context.Background(), port, 15*time.Second); err != nil {
		t.Fatalf("linphonec did not come up on port %d: %v\n%s", port, err, tail(logs.String(), 4000))
	}
	return l
}

// DUTLinphone is linphonec as the device under test of the harness: it
// takes dial and hangup commands on its stdin and, with a registrar,
// registers to it as dut (password dutsecret).
type DUTLinphone struct {
	l *linphone
}

// DUTLinphoneOptions configures StartDUTLinphone.
type DUTLinphoneOptions struct {
	// Registrar is the harness's udp "host:port"; empty: no account, so
	// that dialled URIs are called directly (with an account, linphone
	// sends every call through its proxy over the proxy's transport).
	Registrar string
	// VerifyCerts is liblinphone's verify_server_certs: the server's
	// certificate chain must be valid (dates, a trusted CA).
	VerifyCerts bool
	// VerifyName is verify_server_cn: the certificate must also name the
	// server. linphone matches DNS names only, not IP subjectAltNames.
	VerifyName bool
	// CAFile, when set, is liblinphone's root_ca: the CAs it trusts.
	CAFile string
}

// StartDUTLinphone starts linphonec registering to o.Registrar and stops
// it on cleanup. It does not wait for the registration: the harness does.
func StartDUTLinphone(t testing.TB, o DUTLinphoneOptions) *DUTLinphone {
	t.Helper()
	b := map[bool]int{false: 0, true: 1}
	sipExtra := fmt.Sprintf("sip_tls_port=-1\nverify_server_certs=%d\nverify_server_cn=%d\n", b[o.VerifyCerts], b[o.VerifyName])
	if o.CAFile != "" {
		sipExtra += "root_ca=" + o.CAFile + "\n"
	}
	sections := ""
	if o.Registrar == "" {
		sipExtra += "default_proxy=-1\n"
	} else {
		sipExtra += "default_proxy=0\n"
		sections = fmt.Sprintf("[proxy_0]\nreg_proxy=<sip:%s;transport=udp>\nreg_identity=sip:dut@%s\nreg_expires=600\nreg_sendregister=1\n"+
			"[auth_info_0]\nusername=dut\npasswd=dutsecret\n", o.Registrar, o.Registrar)
	}
	return &DUTLinphone{l: startLinphone(t, sipExtra, sections)}
}

// Dial asks linphonec to call uri.
func (d *DUTLinphone) Dial(uri string) error { return d.l.command("call " + uri) }

// Hangup asks linphonec to end its calls.
func (d *DUTLinphone) Hangup() error { return d.l.command("terminate all") }

// Logs returns linphonec's output so far.
func (d *DUTLinphone) Logs() string { return d.l.logs.String() }
