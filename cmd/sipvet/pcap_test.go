package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
)

func realCapture(name string) string {
	return filepath.Join("..", "..", "internal", "capture", "testdata", "real", name)
}

// TestPcapCrack cracks the digests of a real baresip/kamailio capture with
// a wordlist through internal/crack, and exports them as hash files.
func TestPcapCrack(t *testing.T) {
	dir := t.TempDir()
	words := filepath.Join(dir, "words.txt")
	if err := os.WriteFile(words, []byte("123456\npassword\nbuilder\nalice\nwonderland\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.json")
	hashes := filepath.Join(dir, "hashes.txt")
	audio := filepath.Join(dir, "audio")
	code, _, stderr := sipvet(t, "pcap", realCapture("g711.pcapng"), "--wordlist", words, "--reveal", "--format", "json", "-o", out,
		"--export-hashes", hashes, "--extract-audio", audio)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	run := readRun(t, out)
	if run.Mode != "pcap" {
		t.Errorf("mode %q", run.Mode)
	}
	items := map[int]bool{}
	var dg *finding.Result
	for i, r := range run.Results {
		items[r.Item] = true
		if r.Check == "ipa03.captured-digest" {
			dg = &run.Results[i]
		}
	}
	if len(items) != 22 {
		t.Errorf("%d items covered, want 22", len(items))
	}
	if dg == nil || dg.Verdict != finding.Vulnerable {
		t.Fatalf("digest result %+v", dg)
	}
	got := map[string]string{}
	creds, _ := dg.Data["credentials"].([]any)
	for _, c := range creds {
		m := c.(map[string]any)
		got[m["user"].(string)] = m["password"].(string)
	}
	if got["alice"] != "wonderland" || got["bob"] != "builder" {
		t.Errorf("cracked %v", got)
	}
	b, err := os.ReadFile(hashes)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 {
		t.Errorf("%d hash lines", len(lines))
	}
	for _, l := range lines {
		e, err := digest.ParseSipdump(l)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		pw := map[string]string{"alice": "wonderland", "bob": "builder"}[e.Cred.Username]
		if ok, err := digest.Verify(e.Cred, e.Req, pw); err != nil || !ok {
			t.Errorf("exported hash of %s does not verify: %v", e.Cred.Username, err)
		}
	}
	wavs, _ := filepath.Glob(filepath.Join(audio, "*.wav"))
	if len(wavs) != 3 {
		t.Errorf("audio files %v", wavs)
	}
}

func TestPcapMasksAndTLS(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	code, _, stderr := sipvet(t, "pcap", realCapture("srtp.pcapng"), realCapture("tls-srtp.pcapng"), "--format", "json", "-o", out, "--hash-format", "hashcat",
		"--export-hashes", filepath.Join(dir, "h.txt"))
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	run := readRun(t, out)
	for _, r := range run.Results {
		if strings.HasSuffix(r.Target, "tls-srtp.pcapng") && r.Verdict == finding.Vulnerable {
			t.Errorf("TLS capture: %s vulnerable: %s", r.Check, r.Summary)
		}
		if r.Check == "ipa21.captured-sdes-keys" && strings.HasSuffix(r.Target, "srtp.pcapng") && r.Verdict == finding.Vulnerable {
			b, _ := json.Marshal(r.Data["keys"])
			if !strings.Contains(string(b), `"key":"`) || strings.Count(string(b), "*") < 20 {
				t.Errorf("keys not masked: %s", b)
			}
		}
	}
	h, _ := os.ReadFile(filepath.Join(dir, "h.txt"))
	if !strings.HasPrefix(string(h), "$sip$*") {
		t.Errorf("hashcat export %q", h)
	}
}

func TestPcapDamaged(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(realCapture("g711.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcapng")
	if err := os.WriteFile(cut, b[:len(b)/2+5], 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := sipvet(t, "pcap", cut, "--fail-on", "none")
	if code != exitOK || !strings.Contains(stderr, "reading stopped at frame") || !strings.Contains(stdout, "ipa03.captured-digest") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	junk := filepath.Join(dir, "junk.pcap")
	if err := os.WriteFile(junk, []byte("not a capture at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := sipvet(t, "pcap", junk); code != exitError || !strings.Contains(stderr, "not a pcap or pcapng file") {
		t.Errorf("junk: exit %d %s", code, stderr)
	}
	for _, args := range [][]string{{"pcap"}, {"pcap", cut, "--wordlist", "a", "--mask", "?d"}, {"pcap", cut, "--hash-format", "john"}} {
		if code, _, _ := sipvet(t, args...); code != exitError {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}
