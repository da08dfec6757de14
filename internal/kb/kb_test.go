package kb

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/sipvet/sipvet/internal/cvss"
)

var update = flag.Bool("update", false, "update golden files")

// surveyItem is what the survey itself says about an item: the Japanese heading
// of its body section, the CVSS v2 vector read from its 【CVSS 基本値の評価内容】
// table ("" when the survey does not score it) and the published base score.
type surveyItem struct {
	titleJA   string
	vector    string
	published float64
	mismatch  bool // the published score disagrees with the survey's own vector
}

// survey transcribes the survey's body text (項目1…22). Titles follow the body
// headings, not the index (which differs for items 12 and 16).
func survey() []surveyItem {
	return []surveyItem{
		{"SIP リクエストの偽装から起こる問題", "AV:N/AC:H/Au:N/C:N/I:P/A:P", 4.0, false},
		{"SIP レスポンスの偽装から起こる問題", "AV:N/AC:H/Au:N/C:N/I:P/A:N", 2.6, false},
		{"SIP 認証パスワードの解読", "AV:N/AC:H/Au:N/C:P/I:N/A:N", 2.6, false},
		{"SIP メッセージボディの改ざんから起こる問題", "AV:N/AC:H/Au:N/C:N/I:P/A:N", 2.6, false},
		{"保護されていないトランスポートプロトコルを選択させられる問題", "AV:N/AC:H/Au:N/C:P/I:N/A:N", 2.6, false},
		{"DoS 攻撃による SIP のサービス妨害", "AV:N/AC:H/Au:N/C:N/I:N/A:P", 2.6, false},
		{"その他 SIP 拡張リクエストの脆弱性", "AV:N/AC:H/Au:N/C:N/I:P/A:N", 2.6, false},
		{"RTP メディアの盗聴から起こる問題", "AV:N/AC:H/Au:N/C:P/I:N/A:N", 2.6, false},
		{"RTP メディアの偽装から起こる問題", "AV:N/AC:H/Au:N/C:N/I:P/A:N", 2.6, false},
		{"RTCP の偽装から起こる問題", "AV:N/AC:H/Au:N/C:N/I:N/A:P", 2.6, false},
		{"コーデックの脆弱性", "", 0, false},
		{"不具合を起こしやすいパケットに対応できない問題", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, false},
		{"Call-ID を予測しやすい実装の問題", "AV:N/AC:H/Au:N/C:N/I:P/A:P", 4.0, false},
		{"認証機能の不十分な実装の問題", "AV:N/AC:H/Au:N/C:P/I:P/A:P", 5.1, false},
		{"送信元 IP アドレスを確認しない実装の問題", "AV:N/AC:L/Au:N/C:N/I:N/A:P", 5.0, false},
		{"不適切な IP アドレスを含む SIP メッセージに関する問題", "AV:N/AC:L/Au:N/C:N/I:N/A:P", 5.0, false},
		{"デバッガ機能へ接続可能な実装の問題", "AV:N/AC:M/Au:S/C:P/I:P/A:P", 6.0, false},
		{"管理機能に関する問題", "", 0, false},
		{"登録 ID と構成情報の収集に関する問題", "", 0, false},
		// The table marks C:P and I:P, which scores 4.0, but the survey prints 2.6.
		{"SIP における TLS の不適切な利用から起こる問題", "AV:N/AC:H/Au:N/C:P/I:P/A:N", 2.6, true},
		// The integrity row reads "■□なし □部分的 □全面的", i.e. なし.
		{"SRTP の暗号に用いる共通鍵が盗聴される問題", "AV:N/AC:L/Au:N/C:P/I:N/A:N", 5.0, false},
		{"暗号化された SRTP が共通鍵なしで解読される問題", "AV:N/AC:L/Au:N/C:P/I:N/A:N", 5.0, false},
	}
}

func TestAllMatchesSurvey(t *testing.T) {
	items := All()
	want := survey()
	if len(items) != Count || len(want) != Count {
		t.Fatalf("All() has %d items, survey table %d, want %d", len(items), len(want), Count)
	}
	for i, it := range items {
		w := want[i]
		t.Run(IDOf(i+1), func(t *testing.T) {
			if it.Number != i+1 {
				t.Errorf("Number = %d, want %d", it.Number, i+1)
			}
			if it.TitleJA != w.titleJA {
				t.Errorf("TitleJA = %q, want the survey heading %q", it.TitleJA, w.titleJA)
			}
			if w.vector == "" {
				if it.CVSS2 != nil {
					t.Fatalf("CVSS2 = %+v, want nil (the survey does not score this item)", *it.CVSS2)
				}
				return
			}
			if it.CVSS2 == nil {
				t.Fatalf("CVSS2 = nil, want vector %s", w.vector)
			}
			if it.CVSS2.Vector != w.vector {
				t.Errorf("CVSS2.Vector = %q, want %q", it.CVSS2.Vector, w.vector)
			}
			if it.CVSS2.Published != w.published {
				t.Errorf("CVSS2.Published = %.1f, want %.1f", it.CVSS2.Published, w.published)
			}
			if it.CVSS2.Mismatch != w.mismatch {
				t.Errorf("CVSS2.Mismatch = %v (score %.1f, published %.1f), want %v",
					it.CVSS2.Mismatch, it.CVSS2.Score, it.CVSS2.Published, w.mismatch)
			}
		})
	}
}

func TestItemContent(t *testing.T) {
	for _, it := range All() {
		t.Run(it.ID(), func(t *testing.T) {
			if strings.TrimSpace(it.TitleJA) != it.TitleJA || it.TitleJA == "" {
				t.Errorf("TitleJA %q is empty or has surrounding space", it.TitleJA)
			}
			if strings.TrimSpace(it.TitleEN) != it.TitleEN || it.TitleEN == "" {
				t.Errorf("TitleEN %q is empty or has surrounding space", it.TitleEN)
			}
			if !hasKana(it.TitleJA) {
				t.Errorf("TitleJA %q has no kana", it.TitleJA)
			}
			if r, ok := firstJapanese(it.TitleEN); ok {
				t.Errorf("TitleEN %q contains Japanese character %q", it.TitleEN, r)
			}
			for _, f := range texts(it) {
				if strings.TrimSpace(f.text.JA) == "" {
					t.Errorf("%s.JA is empty", f.name)
				} else if !hasKana(f.text.JA) {
					t.Errorf("%s.JA has no kana: %q", f.name, f.text.JA)
				}
				if strings.TrimSpace(f.text.EN) == "" {
					t.Errorf("%s.EN is empty", f.name)
				} else if r, ok := firstJapanese(f.text.EN); ok {
					t.Errorf("%s.EN contains Japanese character %q: %q", f.name, r, f.text.EN)
				}
			}
			if len(it.References) == 0 {
				t.Error("no references")
			}
			seen := map[string]bool{}
			for _, ref := range it.References {
				if strings.TrimSpace(ref) == "" {
					t.Error("empty reference")
				}
				if seen[ref] {
					t.Errorf("duplicate reference %q", ref)
				}
				seen[ref] = true
			}
		})
	}
}

func TestScores(t *testing.T) {
	for _, it := range All() {
		t.Run(it.ID(), func(t *testing.T) {
			if it.CVSS2 != nil {
				want, err := cvss.ScoreV2(it.CVSS2.Vector)
				if err != nil {
					t.Fatalf("CVSS2 vector %q: %v", it.CVSS2.Vector, err)
				}
				if it.CVSS2.Score != want {
					t.Errorf("CVSS2.Score = %.1f, want %.1f", it.CVSS2.Score, want)
				}
				if got := it.CVSS2.Score != it.CVSS2.Published; got != it.CVSS2.Mismatch {
					t.Errorf("Mismatch = %v with score %.1f and published %.1f",
						it.CVSS2.Mismatch, it.CVSS2.Score, it.CVSS2.Published)
				}
			}
			if !strings.HasPrefix(it.CVSS3.Vector, "CVSS:3.1/") {
				t.Fatalf("CVSS3.Vector = %q, want a CVSS:3.1/ vector", it.CVSS3.Vector)
			}
			want, err := cvss.ScoreV31(it.CVSS3.Vector)
			if err != nil {
				t.Fatalf("CVSS3 vector %q: %v", it.CVSS3.Vector, err)
			}
			if it.CVSS3.Score != want {
				t.Errorf("CVSS3.Score = %.1f, want %.1f", it.CVSS3.Score, want)
			}
		})
	}
}

func TestGet(t *testing.T) {
	all := All()
	for n := 1; n <= Count; n++ {
		it, ok := Get(n)
		if !ok || it.Number != n {
			t.Fatalf("Get(%d) = item %d, %v", n, it.Number, ok)
		}
		if it.TitleJA != all[n-1].TitleJA || it.CVSS3 != all[n-1].CVSS3 {
			t.Errorf("Get(%d) differs from All()[%d]", n, n-1)
		}
		if (it.CVSS2 == nil) != (all[n-1].CVSS2 == nil) ||
			it.CVSS2 != nil && *it.CVSS2 != *all[n-1].CVSS2 {
			t.Errorf("Get(%d).CVSS2 differs from All()[%d].CVSS2", n, n-1)
		}
	}
	for _, n := range []int{-1, 0, Count + 1, 100} {
		if it, ok := Get(n); ok {
			t.Errorf("Get(%d) = item %d, true; want false", n, it.Number)
		}
	}
}

func TestAllReturnsFreshValues(t *testing.T) {
	a := All()
	a[0].CVSS2.Published = 9.9
	a[0].References[0] = "changed"
	a[0].Summary.EN = "changed"
	b := All()
	if b[0].CVSS2.Published == 9.9 || b[0].References[0] == "changed" || b[0].Summary.EN == "changed" {
		t.Error("modifying one All() result changed the next")
	}
}

func TestTextIn(t *testing.T) {
	tx := Text{JA: "日本語", EN: "English"}
	for _, tc := range []struct{ lang, want string }{
		{"ja", "日本語"}, {"en", "English"}, {"", "English"}, {"fr", "English"},
	} {
		if got := tx.In(tc.lang); got != tc.want {
			t.Errorf("In(%q) = %q, want %q", tc.lang, got, tc.want)
		}
	}
	if got := (Text{EN: "only"}).In("ja"); got != "only" {
		t.Errorf("In(ja) without JA = %q, want the English fallback", got)
	}
	it, _ := Get(7)
	if it.Title("ja") != it.TitleJA || it.Title("en") != it.TitleEN {
		t.Error("Title does not pick the language")
	}
	if it.ID() != "IPA-07" || IDOf(22) != "IPA-22" {
		t.Errorf("ID = %q, IDOf(22) = %q", it.ID(), IDOf(22))
	}
}

// TestGolden pins the rendered list of items, titles and scores in
// testdata/items.golden; run with -update to regenerate it.
func TestGolden(t *testing.T) {
	var b bytes.Buffer
	for _, it := range All() {
		fmt.Fprintf(&b, "%s\n", it.ID())
		fmt.Fprintf(&b, "  ja:    %s\n", it.TitleJA)
		fmt.Fprintf(&b, "  en:    %s\n", it.TitleEN)
		if c := it.CVSS2; c != nil {
			fmt.Fprintf(&b, "  cvss2: %s score %.1f published %.1f mismatch %v\n",
				c.Vector, c.Score, c.Published, c.Mismatch)
		} else {
			fmt.Fprintf(&b, "  cvss2: none\n")
		}
		fmt.Fprintf(&b, "  cvss3: %s score %.1f\n", it.CVSS3.Vector, it.CVSS3.Score)
		fmt.Fprintf(&b, "  refs:  %d\n", len(it.References))
	}
	path := filepath.Join("testdata", "items.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("items differ from %s (run go test -update after checking the change):\n%s",
			path, diffLines(string(want), b.String()))
	}
}

// diffLines lists the lines that differ between want and got, by position.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&out, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	return out.String()
}

type namedText struct {
	name string
	text Text
}

func texts(it Item) []namedText {
	return []namedText{
		{"Summary", it.Summary},
		{"Attack", it.Attack},
		{"Cause", it.Cause},
		{"OpsGuide", it.OpsGuide},
		{"ImplGuide", it.ImplGuide},
	}
}

// hasKana reports whether s contains hiragana or katakana, which Japanese prose
// always does (kanji alone could be Chinese).
func hasKana(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana) {
			return true
		}
	}
	return false
}

// firstJapanese returns the first kana, kanji, CJK punctuation or full-width
// character in s.
func firstJapanese(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han),
			r >= 0x3000 && r <= 0x303F, // CJK symbols and punctuation
			r >= 0xFF00 && r <= 0xFFEF: // half-width and full-width forms
			return r, true
		}
	}
	return 0, false
}
