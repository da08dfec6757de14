package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/siptest"
)

// sipvet runs the CLI in-process and returns exit code, stdout and stderr.
func sipvet(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	code := run(ctx, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"unknown flag", []string{"scan", "--no-such-flag", "udp://127.0.0.1"}, "unknown flag"},
		{"bad target", []string{"scan", "http://127.0.0.1"}, "unknown scheme"},
		{"bad port", []string{"scan", "udp://127.0.0.1:99999"}, "bad port"},
		{"no target", []string{"scan"}, "no target"},
		{"bad check", []string{"scan", "udp://127.0.0.1", "--checks", "ipa99.none"}, "no check matches"},
		{"bad format", []string{"scan", "udp://127.0.0.1", "--format", "pdf"}, "unknown --format"},
		{"bad allow", []string{"scan", "udp://127.0.0.1", "--allow", "everything"}, "unknown --allow"},
		{"bad lang", []string{"items", "--lang", "fr"}, "unknown --lang"},
		{"bad item", []string{"items", "23"}, "no item"},
		{"missing results", []string{"report", "/nonexistent/r.json"}, "read results"},
		{"unreadable capture", []string{"pcap", "/nonexistent/x.pcap"}, "no capture could be read"},
		{"bad fail-on", []string{"scan", "udp://127.0.0.1", "--fail-on", "extreme"}, "unknown severity"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := sipvet(t, c.args...)
			if code != exitError {
				t.Errorf("exit code %d, want 2", code)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "sipvet: ") || !strings.Contains(lines[0], c.want) {
				t.Errorf("stderr = %q, want one line containing %q", stderr, c.want)
			}
		})
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	a := &app{getenv: func(string) string { return "" }}
	for _, c := range a.rootCmd().Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			code, out, _ := sipvet(t, c.Name(), "--help")
			if code != 0 {
				t.Errorf("exit %d", code)
			}
			if !strings.Contains(out, "sipvet "+c.Name()) || !strings.Contains(out, "Examples:") {
				t.Errorf("--help lacks usage or examples:\n%s", out)
			}
		})
	}
}

func TestItemsJSON(t *testing.T) {
	code, out, stderr := sipvet(t, "items", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Schema string `json:"schema"`
		Items  []struct {
			Item    int    `json:"item"`
			TitleJA string `json:"title_ja"`
			TitleEN string `json:"title_en"`
			CVSS2   *struct {
				Vector    string  `json:"vector"`
				Score     float64 `json:"score"`
				Published float64 `json:"published"`
				Mismatch  bool    `json:"mismatch"`
			} `json:"cvss2"`
			Checks []string `json:"checks"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "sipvet.items/v1" || len(doc.Items) != 22 {
		t.Fatalf("schema %q with %d items", doc.Schema, len(doc.Items))
	}
	scored := 0
	for i, it := range doc.Items {
		if it.Item != i+1 || it.TitleJA == "" || it.TitleEN == "" || it.Checks == nil {
			t.Errorf("item %d incomplete: %+v", i+1, it)
		}
		if it.CVSS2 != nil {
			scored++
			if it.CVSS2.Vector == "" || it.CVSS2.Score == 0 || it.CVSS2.Published == 0 {
				t.Errorf("item %d: incomplete cvss2 %+v", it.Item, it.CVSS2)
			}
		}
	}
	if scored != 19 {
		t.Errorf("%d scored items, want 19", scored)
	}
	if code, out, _ := sipvet(t, "items", "14", "--lang", "ja"); code != 0 || !strings.Contains(out, "IPA-14") || !strings.Contains(out, "運用ガイド") {
		t.Errorf("items 14 --lang ja: exit %d\n%s", code, out)
	}
}

func startLab(t *testing.T, profile string) []string {
	t.Helper()
	l := siptest.StartLab(t, lab.Options{Profile: profile})
	return l.Targets()
}

func readRun(t *testing.T, path string) *finding.Run {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := finding.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestScanLabProfiles: the vulnerable lab is reported vulnerable, the
// hardened lab has no vulnerable result, and every results file covers all
// 22 items for every target.
func TestScanLabProfiles(t *testing.T) {
	for _, profile := range []string{"vulnerable", "hardened"} {
		t.Run(profile, func(t *testing.T) {
			targets := startLab(t, profile)
			out := filepath.Join(t.TempDir(), "r.json")
			// Every check against both profiles is TestDemo's job; this test
			// is about exit codes, coverage and the journal, with a quick subset.
			args := append([]string{"scan", "--format", "json", "-o", out, "--timeout", "2s", "--user", "alice", "--password", "wonderland",
				"--checks", "ipa01.register-noauth,ipa14.nc-replay,ipa19.fingerprint,ipa07.methods"}, targets...)
			code, stdout, stderr := sipvet(t, args...)
			run := readRun(t, out)
			nv := run.Count(finding.Vulnerable)
			switch profile {
			case "vulnerable":
				if code != exitFindings || nv == 0 {
					t.Errorf("exit %d with %d vulnerable results, want 1 and some\n%s%s", code, nv, stdout, stderr)
				}
			case "hardened":
				if code != exitOK || nv != 0 {
					t.Errorf("exit %d with %d vulnerable results, want 0 and none\n%s%s", code, nv, stdout, stderr)
				}
			}
			for _, tg := range run.Targets {
				items := map[int]bool{}
				for _, r := range run.Results {
					if r.Target == tg {
						items[r.Item] = true
					}
				}
				if len(items) != 22 {
					t.Errorf("%s: %d items covered in results, want 22", tg, len(items))
				}
			}
			if _, err := os.Stat(out + ".journal"); !os.IsNotExist(err) {
				t.Errorf("journal left behind after a complete run: %v", err)
			}
		})
	}
}

// TestResume: results of an interrupted run are kept in the journal and a
// resumed run does not repeat them.
func TestResume(t *testing.T) {
	targets := startLab(t, "vulnerable")
	dir := t.TempDir()
	journal := filepath.Join(dir, "r.json.journal")
	out := filepath.Join(dir, "r.json")
	// First run: only one check, journal kept by pointing --journal elsewhere
	// than the default (a complete run with --out removes its default journal).
	code, _, stderr := sipvet(t, "scan", targets[0], "--checks", "ipa19.fingerprint", "--journal", journal, "--format", "json", "-o", filepath.Join(dir, "first.json"), "--fail-on", "none")
	if code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	code, _, stderr = sipvet(t, "scan", targets[0], "--checks", "ipa01.register-noauth,ipa19.fingerprint,ipa07.methods", "--resume", "--journal", journal, "--format", "json", "-o", out, "--fail-on", "none")
	if code != 0 {
		t.Fatalf("resumed run: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "resuming: 1 results") {
		t.Errorf("resume did not read the journal: %q", stderr)
	}
	run := readRun(t, out)
	n := 0
	for _, r := range run.Results {
		if r.Check == "ipa19.fingerprint" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("ipa19.fingerprint appears %d times after resume, want 1", n)
	}
	if run.Count(finding.Vulnerable) == 0 {
		t.Error("resumed run lost or skipped the remaining checks")
	}
}

// TestDemo: the README's first command writes both reports with all 22 items.
func TestDemo(t *testing.T) {
	for _, profile := range []string{"vulnerable", "hardened"} {
		t.Run(profile, func(t *testing.T) {
			dir := t.TempDir()
			code, stdout, stderr := sipvet(t, "demo", "--profile", profile, "--out", dir)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			run := readRun(t, filepath.Join(dir, "sipvet-report.json"))
			items := map[int]bool{}
			for _, r := range run.Results {
				items[r.Item] = true
			}
			if len(items) != 22 {
				t.Errorf("%d items in the demo results, want 22", len(items))
			}
			html, err := os.ReadFile(filepath.Join(dir, "sipvet-report.html"))
			if err != nil || !bytes.Contains(html, []byte("IPA-22")) {
				t.Errorf("html report missing or lacks item 22: %v", err)
			}
			nv := run.Count(finding.Vulnerable)
			if profile == "hardened" && nv != 0 {
				t.Errorf("hardened demo: %d vulnerable results", nv)
			}
			if profile == "vulnerable" && nv == 0 {
				t.Error("vulnerable demo found nothing")
			}
			if !strings.Contains(stdout, "sipvet-report.html") {
				t.Errorf("summary does not name the report:\n%s", stdout)
			}
		})
	}
}

// TestReportRerender renders a stored results file in every format.
func TestReportRerender(t *testing.T) {
	targets := startLab(t, "vulnerable")
	dir := t.TempDir()
	res := filepath.Join(dir, "r.json")
	if code, _, stderr := sipvet(t, "scan", targets[0], "--checks", "ipa01,ipa07,ipa19.fingerprint", "--format", "json", "-o", res, "--fail-on", "none"); code != 0 {
		t.Fatalf("scan: exit %d %s", code, stderr)
	}
	for _, f := range []string{"html", "md", "json", "sarif", "junit", "text"} {
		out := filepath.Join(dir, "out."+f)
		code, _, stderr := sipvet(t, "report", res, "--format", f, "-o", out, "--baseline", res, "--fail-on", "none")
		if code != 0 {
			t.Errorf("%s: exit %d %s", f, code, stderr)
			continue
		}
		if st, err := os.Stat(out); err != nil || st.Size() == 0 {
			t.Errorf("%s: empty output", f)
		}
	}
	if code, _, _ := sipvet(t, "report", res, "--fail-on", "low"); code != exitFindings {
		t.Errorf("report --fail-on low on a vulnerable run: exit %d, want 1", code)
	}
}

// TestCPUProfileFlag: the hidden --cpuprofile writes a profile that
// "go tool pprof" reads (gzip-compressed protobuf), also when the command
// ends with findings; it does not show in --help.
func TestCPUProfileFlag(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	if code, _, stderr := sipvet(t, "items", "--cpuprofile", prof); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(prof)
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("profile %d bytes, err %v: not a gzip-compressed pprof profile", len(b), err)
	}
	if _, out, _ := sipvet(t, "--help"); strings.Contains(out, "cpuprofile") {
		t.Error("--cpuprofile shows in --help")
	}
	if code, _, _ := sipvet(t, "items", "--cpuprofile", filepath.Join(t.TempDir(), "no", "such", "dir", "p")); code != 2 {
		t.Errorf("unwritable profile: exit %d, want 2", code)
	}
}
