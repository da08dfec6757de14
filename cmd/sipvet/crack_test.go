package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/crack"
	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/peertest"
)

// crackFixture writes a hash file (one sipdump and one hashcat line for
// password "7391") and a wordlist into a temporary directory.
func crackFixture(t *testing.T) (hashes, words string) {
	t.Helper()
	dir := t.TempDir()
	req := digest.Request{Method: "REGISTER", URI: "sip:127.0.0.1"}
	var lines []string
	for i, alg := range []string{"SHA-256", "MD5"} {
		ch := &digest.Challenge{Realm: "sipvet.test", Nonce: "abc123", Algorithm: alg, QOP: []string{"auth"}}
		cred, err := digest.Answer(ch, "100"+string(rune('1'+i)), "7391", req, "c0ffee", 1)
		if err != nil {
			t.Fatal(err)
		}
		format := digest.FormatSipdump
		if alg == "MD5" {
			format = digest.FormatHashcat11400
		}
		l, err := format("127.0.0.1", "127.0.0.2", cred, req)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	hashes = filepath.Join(dir, "hashes.txt")
	os.WriteFile(hashes, []byte("# test\n"+strings.Join(lines, "\n")+"\n\n"), 0o644)
	words = filepath.Join(dir, "words.txt")
	os.WriteFile(words, []byte("1234\n0000\n7391\n"), 0o644)
	return hashes, words
}

// offlineCrackResult returns the ipa03.offline-crack result of a run (nil if
// there is none).
func offlineCrackResult(run *finding.Run) *finding.Result {
	for i, r := range run.Results {
		if r.Check == crack.CheckID {
			return &run.Results[i]
		}
	}
	return nil
}

func TestCrackCommand(t *testing.T) {
	hashes, words := crackFixture(t)
	for _, src := range [][]string{{"--wordlist", words}, {"--mask", "?d?d9?1", "-1", "01"}} {
		t.Run(src[0], func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"crack", "--hashes", hashes, "--format", "json", "-o", out, "--workers", "2"}, src...)
			code, stdout, stderr := sipvet(t, args...)
			if code != exitFindings {
				t.Fatalf("exit %d, stdout %s stderr %s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, "candidates") || !strings.Contains(stderr, "/s") {
				t.Errorf("no progress on stderr: %q", stderr)
			}
			run := readRun(t, out)
			if run.Mode != "crack" {
				t.Fatalf("mode %q", run.Mode)
			}
			items := map[int]bool{}
			for _, r := range run.Results {
				items[r.Item] = true
			}
			res := offlineCrackResult(run)
			if len(items) != 22 || res == nil || res.Verdict != finding.Vulnerable {
				t.Fatalf("items %d, result %+v", len(items), res)
			}
			creds, _ := res.Data["credentials"].([]any)
			if len(creds) != 2 {
				t.Fatalf("credentials %v", res.Data["credentials"])
			}
			for _, c := range creds {
				m := c.(map[string]any)
				if m["password"] != "7***" || m["candidates"].(float64) < 1 {
					t.Errorf("credential not masked or no count: %v", m)
				}
			}
		})
	}
	code, stdout, _ := sipvet(t, "crack", "--hashes", hashes, "--wordlist", words, "--reveal", "--format", "json", "-q")
	if code != exitFindings || !strings.Contains(stdout, `"password": "7391"`) {
		t.Fatalf("--reveal: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = sipvet(t, "crack", "--hashes", hashes, "--mask", "?l?l", "--fail-on", "none", "-q")
	if code != exitOK || !strings.Contains(stdout, "ok ") {
		t.Fatalf("not found: exit %d\n%s", code, stdout)
	}
}

func TestCrackUsageErrors(t *testing.T) {
	hashes, words := crackFixture(t)
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("not a hash\n"), 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no input", []string{"crack", "--wordlist", words}, "exactly one of --hashes and --pcap"},
		{"both inputs", []string{"crack", "--hashes", hashes, "--pcap", hashes, "--wordlist", words}, "exactly one of --hashes"},
		{"no source", []string{"crack", "--hashes", hashes}, "exactly one of --wordlist and --mask"},
		{"bad mask", []string{"crack", "--hashes", hashes, "--mask", "?z"}, "unknown charset"},
		{"bad rules", []string{"crack", "--hashes", hashes, "--wordlist", words, "--rules", "best64"}, "unknown --rules"},
		{"bad workers", []string{"crack", "--hashes", hashes, "--wordlist", words, "--workers", "0"}, "--workers"},
		{"missing file", []string{"crack", "--hashes", "/nonexistent", "--wordlist", words}, "no such file"},
		{"bad line", []string{"crack", "--hashes", bad, "--wordlist", words}, "bad.txt:1"},
		{"missing wordlist", []string{"crack", "--hashes", hashes, "--wordlist", "/nonexistent"}, "wordlist"},
		{"extra arg", []string{"crack", "x", "--hashes", hashes, "--wordlist", words}, "unknown command"},
		{"bad format", []string{"crack", "--hashes", hashes, "--wordlist", words, "--format", "pdf"}, "unknown --format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := sipvet(t, c.args...)
			if code != exitError || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, stderr %q, want 2 and %q", code, stderr, c.want)
			}
		})
	}
}

func TestCrackFromPcap(t *testing.T) {
	// Two REGISTERs (qop auth and none) with password letmein7, see
	// internal/crack TestSipdumpInterop.
	code, stdout, stderr := sipvet(t, "crack", "--pcap", "../../internal/crack/testdata/register.pcap", "--mask", "letmein?d",
		"--reveal", "--format", "json", "-q")
	if code != exitFindings || strings.Count(stdout, `"password": "letmein7"`) != 2 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestCrackRealCapture judges ipa03.offline-crack on input made by real
// software only: the capture is baresip calling baresip through kamailio
// (scripts/gen-captures.sh) and the hash file is what the real sipdump
// (SIPcrack) extracts from it. Both ways in, sipvet crack finds the two
// accounts' passwords: vulnerable, with the credentials in data.
func TestCrackRealCapture(t *testing.T) {
	capture := "../../internal/capture/testdata/real/g711.pcapng"
	dump := filepath.Join(t.TempDir(), "real.dump")
	sipdump := peertest.Need(t, "sipdump")
	if out, err := exec.CommandContext(t.Context(), sipdump, "-p", capture, dump).CombinedOutput(); err != nil {
		t.Fatalf("sipdump: %v\n%s", err, out)
	}
	words := filepath.Join(t.TempDir(), "words.txt")
	if err := os.WriteFile(words, []byte("password\nbuilder\n123456\nwonderland\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]string{{"--hashes", dump}, {"--pcap", capture}} {
		t.Run(in[0], func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"crack", "--wordlist", words, "--reveal", "--format", "json", "-o", out, "-q"}, in...)
			if code, stdout, stderr := sipvet(t, args...); code != exitFindings {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			res := offlineCrackResult(readRun(t, out))
			if res == nil || res.Verdict != finding.Vulnerable {
				t.Fatalf("result %+v", res)
			}
			found := map[string]string{}
			creds, _ := res.Data["credentials"].([]any)
			for _, c := range creds {
				m, _ := c.(map[string]any)
				user, _ := m["user"].(string)
				pw, _ := m["password"].(string)
				found[user] = pw
			}
			if found["alice"] != "wonderland" || found["bob"] != "builder" {
				t.Errorf("credentials %v, want alice:wonderland and bob:builder", found)
			}
		})
	}
}
