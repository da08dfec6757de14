package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/finding"
)

func TestEnumCommand(t *testing.T) {
	vuln := startLab(t, "vulnerable")[0]
	hard := startLab(t, "hardened")[0]
	dir := t.TempDir()
	words := filepath.Join(dir, "words.txt")
	s2WriteFile(t, words, "alice\nbob # the builder\n\ncarol\n")
	cases := []struct {
		name   string
		target string
		want   finding.Verdict
		found  []string
		code   int
	}{
		{"vulnerable", vuln, finding.Vulnerable, []string{"1000", "1001", "alice", "bob"}, exitFindings},
		{"hardened", hard, finding.NotVulnerable, nil, exitOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name+".json")
			code, _, stderr := sipvet(t, "enum", c.target, "--range", "990-1010", "--wordlist", words, "--method", "options",
				"--format", "json", "-o", out)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s", code, c.code, stderr)
			}
			run := readRun(t, out)
			if run.Mode != "enum" {
				t.Errorf("mode %q", run.Mode)
			}
			items := map[int]bool{}
			var r *finding.Result
			for i := range run.Results {
				items[run.Results[i].Item] = true
				if run.Results[i].Check == "ipa19.enum" {
					r = &run.Results[i]
				}
			}
			if len(items) != 22 {
				t.Errorf("%d items covered, want 22", len(items))
			}
			if r == nil || r.Verdict != c.want {
				t.Fatalf("ipa19.enum: %+v", r)
			}
			var found []string
			for _, x := range r.Data["found"].([]any) {
				found = append(found, x.(string))
			}
			slices.Sort(found)
			if !slices.Equal(found, c.found) {
				t.Errorf("found %v, want %v", found, c.found)
			}
		})
	}
	for _, bad := range [][]string{
		{"enum"},
		{"enum", vuln},
		{"enum", vuln, "--range", "9-1"},
		{"enum", vuln, "--range", "1-2", "--method", "BYE"},
		{"enum", vuln, "--wordlist", filepath.Join(dir, "missing")},
		{"enum", "bogus://x", "--range", "1-2"},
	} {
		if code, _, stderr := sipvet(t, bad...); code != exitError || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q (want 2 and one line)", bad, code, stderr)
		}
	}
}

func TestScanDiscover(t *testing.T) {
	tg := startLab(t, "vulnerable")[0]
	port := tg[strings.LastIndexByte(tg, ':')+1:]
	out := filepath.Join(t.TempDir(), "d.json")
	code, _, stderr := sipvet(t, "scan", "--discover", "127.0.0.1", "--ports", port, "--checks", "ipa19.discovery",
		"--format", "json", "-o", out, "--fail-on", "none")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	run := readRun(t, out)
	ok := false
	for _, r := range run.Results {
		if r.Check == "ipa19.discovery" && r.Target == tg && r.Verdict == finding.Vulnerable {
			ok = true
		}
	}
	if !ok || !strings.Contains(stderr, "1 SIP service(s) answered") {
		t.Errorf("lab not discovered:\n%s", stderr)
	}
	// Nothing listening: one not-vulnerable result for the scope.
	code, stdout, stderr := sipvet(t, "scan", "--discover", "127.0.0.1", "--ports", "1", "--discover-wait", "200ms", "--fail-on", "none")
	if code != 0 || !strings.Contains(stdout, "no SIP service answered") {
		t.Errorf("empty sweep: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, _ := sipvet(t, "scan", "--discover", "127.0.0.0/8", "--ports", "1-2"); code != exitError {
		t.Errorf("oversized sweep: exit %d, want 2", code)
	}
}

func s2WriteFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
