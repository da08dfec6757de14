package peertest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// UAConfig configures a baresip user agent started by BaresipUA.
type UAConfig struct {
	// MediaEnc is the account's mediaenc parameter: "" (plain RTP),
	// "srtp" (SDES optional), "srtp-mand" (SDES mandatory) or "dtls_srtp".
	MediaEnc string
	// OpusCBR sets "opus_cbr yes" (constant bitrate Opus).
	OpusCBR bool
	// Opus loads the opus codec module (listed before G.711).
	Opus bool
	// Lifetime bounds baresip's life (-t); default 60 s.
	Lifetime time.Duration
}

// UAPeer is a running baresip.
type UAPeer struct {
	// Port is the SIP port on 127.0.0.1 (UDP; baresip also serves TCP there).
	Port int
	logs *ProcLogs
}

// Logs returns baresip's output so far.
func (p *UAPeer) Logs() string { return p.logs.String() }

// BaresipUA starts baresip as an auto-answering UA on a free 127.0.0.1 port
// (net_interface 127.0.0.1, account regint=0;answermode=auto, audio from a
// generated WAV file through aufile, RTCP on) and stops it on cleanup.
func BaresipUA(t testing.TB, cfg UAConfig) *UAPeer {
	t.Helper()
	bin := Need(t, "baresip")
	dir := t.TempDir()
	port := FreePort(t)
	wav := filepath.Join(dir, "tone.wav")
	if err := os.WriteFile(wav, toneWAV(8000, 20*time.Second), 0o644); err != nil {
		t.Fatal(err)
	}
	life := cfg.Lifetime
	if life <= 0 {
		life = 60 * time.Second
	}
	var mods []string
	if cfg.Opus {
		mods = append(mods, "opus.so")
	}
	mods = append(mods, "g711.so", "aufile.so")
	// Media encryption modules must be loaded before the account module
	// reads mediaenc.
	switch cfg.MediaEnc {
	case "srtp", "srtp-mand", "srtp-mandf":
		mods = append(mods, "srtp.so")
	case "dtls_srtp", "dtls_srtpf":
		mods = append(mods, "dtls_srtp.so")
	}
	mods = append(mods, "account.so")
	var conf strings.Builder
	fmt.Fprintf(&conf, "poll_method\tepoll\nsip_listen\t127.0.0.1:%d\nsip_trans_def\tudp\n", port)
	fmt.Fprintf(&conf, "net_interface\t127.0.0.1\n")
	src := "aufile," + wav
	if cfg.Opus {
		// aufile does not resample and Opus runs at 48 kHz: use a sine.
		src = "ausine,440"
		mods = append(mods, "ausine.so")
	}
	fmt.Fprintf(&conf, "audio_source\t%s\naudio_player\taufile,%s\naudio_alert\taufile,%s\n", src, filepath.Join(dir, "out.wav"), filepath.Join(dir, "alert.wav"))
	fmt.Fprintf(&conf, "rtp_ports\t30000-39998\nrtcp_mux\tno\njitter_buffer_delay\t1-10\n")
	fmt.Fprintf(&conf, "module_path\t/usr/lib/baresip/modules\n")
	for _, m := range mods {
		fmt.Fprintf(&conf, "module\t%s\n", m)
	}
	if cfg.Opus {
		cbr := "no"
		if cfg.OpusCBR {
			cbr = "yes"
		}
		fmt.Fprintf(&conf, "opus_cbr\t%s\nopus_application\tvoip\n", cbr)
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	acct := fmt.Sprintf("<sip:ua@127.0.0.1:%d>;regint=0;answermode=auto", port)
	if cfg.MediaEnc != "" {
		acct += ";mediaenc=" + cfg.MediaEnc
	}
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(acct+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "contacts"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-f", dir, "-t", fmt.Sprint(int(life.Seconds())))
	logs, _ := StartProcess(t, "baresip", cmd, 6000)
	if err := WaitSIP(context.Background(), port, 10*time.Second); err != nil {
		t.Fatalf("baresip did not come up on port %d: %v\n%s", port, err, tail(logs.String(), 4000))
	}
	return &UAPeer{Port: port, logs: logs}
}

// toneWAV returns a mono 16-bit PCM WAV file of a 440 Hz tone with pauses
// (speech-like on/off pattern, so that VBR codecs vary their sizes).
func toneWAV(rate int, d time.Duration) []byte {
	n := int(d.Seconds() * float64(rate))
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	_ = binary.Write(&b, le, uint32(36+2*n))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(2 * rate), uint16(2), uint16(16)} {
		_ = binary.Write(&b, le, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, le, uint32(2*n))
	for i := 0; i < n; i++ {
		v := 0.0
		if (i/(rate/4))%2 == 0 {
			v = 0.4 * 32767 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)) * (1 + 0.5*math.Sin(2*math.Pi*3*float64(i)/float64(rate)))
		}
		_ = binary.Write(&b, le, int16(v))
	}
	return b.Bytes()
}
