package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/sip"
)

func loadMsg(t *testing.T, name string) *sip.Message {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := sip.Parse(b)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return m
}

func TestJudgeRegisterNoAuth(t *testing.T) {
	cases := []struct {
		file      string
		userGiven bool
		want      finding.Verdict
	}{
		{"item01/kamailio-permissive-200.sip", false, finding.Vulnerable},
		{"item01/accepted-202.sip", true, finding.Vulnerable},
		{"item01/kamailio-strict-401.sip", false, finding.NotVulnerable},
		{"item01/proxy-407.sip", true, finding.NotVulnerable},
		{"item01/forbidden-403.sip", false, finding.NotVulnerable},
		{"item01/unknown-404.sip", true, finding.NotVulnerable},
		{"item01/unknown-404.sip", false, finding.Inconclusive},
		{"item01/ua-405.sip", false, finding.NotApplicable},
		{"item01/error-500.sip", false, finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got := judgeRegisterNoAuth(loadMsg(t, c.file), c.userGiven)
			if got.Verdict != c.want {
				t.Errorf("verdict %s (%s), want %s", got.Verdict, got.Summary, c.want)
			}
			if got.Summary == "" {
				t.Error("empty summary")
			}
			if (got.Verdict == finding.Inconclusive || got.Verdict == finding.NotApplicable) && got.Reason == "" {
				t.Error("inconclusive/not-applicable without a reason")
			}
		})
	}
}

func TestJudgeFingerprint(t *testing.T) {
	cases := []struct {
		file             string
		want             finding.Verdict
		product, version string
	}{
		{"item19/kamailio-banner.sip", finding.Vulnerable, "Kamailio", "5.6.3"},
		{"item19/kamailio-nosig.sip", finding.NotVulnerable, "", ""},
		{"item19/asterisk-ua.sip", finding.Vulnerable, "Asterisk", "18.10.0"},
		{"item19/yealink.sip", finding.Vulnerable, "Yealink", "66.85.0.5"},
		{"item19/baresip.sip", finding.Vulnerable, "baresip", "1.0.0"},
		{"item19/name-only.sip", finding.NotVulnerable, "", ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got := judgeFingerprint(loadMsg(t, c.file))
			if got.Verdict != c.want {
				t.Errorf("verdict %s (%s), want %s", got.Verdict, got.Summary, c.want)
			}
			if got.Data["product"] != c.product || got.Data["version"] != c.version {
				t.Errorf("product/version = %v/%v, want %s/%s", got.Data["product"], got.Data["version"], c.product, c.version)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	all := All()
	ids := func(cs []Check) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Info().ID)
		}
		return out
	}
	cases := []struct {
		name     string
		patterns []string
		match    func(Info) bool
	}{
		{"all", nil, func(Info) bool { return true }},
		{"item by id", []string{"ipa19"}, func(i Info) bool { return i.Item == 19 }},
		{"item by number", []string{"1"}, func(i Info) bool { return i.Item == 1 }},
		{"glob and number", []string{"ipa01.*", "19"}, func(i Info) bool { return i.Item == 1 || i.Item == 19 }},
		{"exact id, any case", []string{"IPA19.FINGERPRINT"}, func(i Info) bool { return i.ID == "ipa19.fingerprint" }},
		{"duplicates collapse", []string{"ipa01.register-noauth", "ipa01.register-noauth"}, func(i Info) bool { return i.ID == "ipa01.register-noauth" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Select(all, c.patterns)
			if err != nil {
				t.Fatalf("Select(%v): %v", c.patterns, err)
			}
			var want []Check
			for _, x := range all {
				if c.match(x.Info()) {
					want = append(want, x)
				}
			}
			if len(want) == 0 || strings.Join(ids(got), ",") != strings.Join(ids(want), ",") {
				t.Errorf("Select(%v) = %v, want %v", c.patterns, ids(got), ids(want))
			}
		})
	}
	if _, err := Select(all, []string{"ipa99.nothing"}); err == nil {
		t.Error("Select of an unknown id gave no error")
	}
}

// TestRegistry: ids unique, sorted by item, named ipaNN.*, every item valid.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	last := 0
	for _, c := range All() {
		info := c.Info()
		if seen[info.ID] {
			t.Errorf("duplicate check id %s", info.ID)
		}
		seen[info.ID] = true
		if info.Item < last {
			t.Errorf("%s: registry not in item order", info.ID)
		}
		last = info.Item
		if info.Item < 1 || info.Item > 22 {
			t.Errorf("%s: item %d out of range", info.ID, info.Item)
		}
		if len(info.ID) < 6 || info.ID[:5] != "ipa"+string(rune('0'+info.Item/10))+string(rune('0'+info.Item%10)) {
			t.Errorf("%s: id does not start with its item", info.ID)
		}
		if info.TitleEN == "" || info.TitleJA == "" || len(info.Modes) == 0 {
			t.Errorf("%s: incomplete info", info.ID)
		}
	}
}
