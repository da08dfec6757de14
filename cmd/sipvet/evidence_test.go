package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/peertest"
)

// TestEvidencePcap: --evidence-pcap writes every packet of the run in a
// pcapng that tshark decodes as SIP, and the JSON evidence names the same
// messages.
func TestEvidencePcap(t *testing.T) {
	tshark := peertest.Need(t, "tshark")
	targets := startLab(t, "vulnerable")
	dir := t.TempDir()
	pcap := filepath.Join(dir, "ev.pcapng")
	res := filepath.Join(dir, "r.json")
	code, _, stderr := sipvet(t, "scan", targets[0], targets[1], "--checks", "ipa01.register-noauth,ipa19.fingerprint,ipa07.methods", "--evidence-pcap", pcap, "--format", "json", "-o", res, "--fail-on", "none")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out, err := exec.Command(tshark, "-r", pcap, "-Y", "sip", "-T", "fields", "-e", "sip.CSeq.method", "-e", "sip.Status-Code").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var registers, options, responses int
	for _, l := range lines {
		f := strings.Split(l, "\t")
		switch {
		case len(f) == 2 && f[1] != "":
			responses++
		case f[0] == "REGISTER":
			registers++
		case f[0] == "OPTIONS":
			options++
		}
	}
	if registers < 2 || options < 2 || responses < 4 {
		t.Errorf("tshark saw %d REGISTER, %d OPTIONS, %d responses:\n%s", registers, options, responses, out)
	}
	run := readRun(t, res)
	nev := 0
	for _, r := range run.Results {
		for _, ev := range r.Evidence {
			// count SIP messages only: other checks record TFTP, SNMP, TLS…
			if strings.Contains(ev.Data, "SIP/2.0") && ev.Transport != "" {
				nev++
			}
		}
	}
	if nev == 0 || nev > len(lines) {
		t.Errorf("%d evidence records in JSON vs %d SIP packets in the pcapng", nev, len(lines))
	}
}

// TestLabCommand: `sipvet lab` prints where it listens and its flags, and
// stops after --duration.
func TestLabCommand(t *testing.T) {
	code, out, stderr := sipvet(t, "lab", "--profile", "hardened", "--duration", "200ms", "--listen", "udp://127.0.0.1:0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "udp://127.0.0.1:") || !strings.Contains(out, "vulnerabilities on: (none)") {
		t.Errorf("lab output:\n%s", out)
	}
	code, out, _ = sipvet(t, "lab", "--list-vulns")
	if code != 0 || !strings.Contains(out, "01.register-noauth") {
		t.Errorf("--list-vulns: exit %d\n%s", code, out)
	}
	if code, _, _ := sipvet(t, "lab", "--profile", "weird"); code != exitError {
		t.Errorf("bad profile: exit %d", code)
	}
}
