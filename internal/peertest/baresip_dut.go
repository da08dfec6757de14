package peertest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DUTBaresip is a running baresip acting as the device under test of the
// harness: it registers to the harness and takes dial/hangup commands on its
// ctrl_tcp port.
type DUTBaresip struct {
	// SIPPort is baresip's sip_listen port on 127.0.0.1 (its TLS port is
	// SIPPort+1).
	SIPPort int
	// CtrlPort is the ctrl_tcp port (netstring JSON commands).
	CtrlPort int
	// ConsPort is the cons port (UDP text commands such as "/dial URI").
	ConsPort int
	// Dir holds the generated configuration.
	Dir  string
	logs *ProcLogs
}

// DUTBaresipOptions configures StartDUTBaresip.
type DUTBaresipOptions struct {
	// Registrar is the harness's udp "host:port".
	Registrar string
	// CAFile, when set, is written as sip_cafile.
	CAFile string
	// Lifetime bounds baresip's life (-t); default 120 s.
	Lifetime time.Duration
}

// StartDUTBaresip starts baresip from testdata/baresip-dut with the options
// and stops it on cleanup. It does not wait for registration: the harness
// does.
func StartDUTBaresip(t testing.TB, o DUTBaresipOptions) *DUTBaresip {
	t.Helper()
	bin := Need(t, "baresip")
	if o.Lifetime <= 0 {
		o.Lifetime = 120 * time.Second
	}
	dir := t.TempDir()
	d := &DUTBaresip{SIPPort: dutFreePair(t), CtrlPort: FreePort(t), ConsPort: FreePort(t), Dir: dir}
	wav := filepath.Join(dir, "in.wav")
	if err := os.WriteFile(wav, dutSilenceWAV(8000, 2), 0o644); err != nil {
		t.Fatal(err)
	}
	cafile := "# no sip_cafile"
	if o.CAFile != "" {
		cafile = "sip_cafile\t\t" + o.CAFile
	}
	repl := strings.NewReplacer("{{SIP_PORT}}", strconv.Itoa(d.SIPPort), "{{CTRL_PORT}}", strconv.Itoa(d.CtrlPort), "{{CONS_PORT}}", strconv.Itoa(d.ConsPort),
		"{{CAFILE_LINE}}", cafile, "{{AUDIO_IN}}", wav, "{{AUDIO_OUT}}", filepath.Join(dir, "out.wav"),
		"{{REGISTRAR}}", o.Registrar)
	for _, name := range []string{"config", "accounts"} {
		b, err := os.ReadFile(testdata(filepath.Join("baresip-dut", name)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(repl.Replace(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "-f", dir, "-t", strconv.Itoa(int(o.Lifetime/time.Second)))
	cmd.Dir = dir // a core dump lands in the temporary directory, not the source tree
	d.logs, _ = StartProcess(t, "baresip", cmd, 4000)
	return d
}

// Control is the harness --dut-control value for this baresip.
func (d *DUTBaresip) Control() string {
	return fmt.Sprintf("baresip-ctrl://127.0.0.1:%d", d.CtrlPort)
}

// ConsControl is the harness --dut-control value for baresip's cons module.
func (d *DUTBaresip) ConsControl() string {
	return fmt.Sprintf("baresip-cons://127.0.0.1:%d", d.ConsPort)
}

// dutFreePair returns a port p with p and p+1 free (baresip's TLS listens on
// sip_listen+1).
func dutFreePair(t testing.TB) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		p := FreePort(t)
		if dutPortFree(p + 1) {
			return p
		}
	}
	t.Fatal("no free port pair")
	return 0
}

func dutPortFree(p int) bool {
	l, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// dutSilenceWAV returns a mono 16-bit PCM WAV file of silence.
func dutSilenceWAV(rate, seconds int) []byte {
	n := rate * seconds * 2
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + n))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(1))
	w(uint32(rate))
	w(uint32(rate * 2))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(n))
	b.Write(make([]byte, n))
	return b.Bytes()
}
