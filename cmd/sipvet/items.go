package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sipvet/sipvet/internal/capture"
	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/crack"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/fuzz"
	"github.com/sipvet/sipvet/internal/kb"
)

func (a *app) itemsCmd() *cobra.Command {
	var format, lang string
	cmd := &cobra.Command{
		Use:   "items [N]",
		Short: "Show the knowledge base: the 22 items, CVSS vectors and scores, guidance",
		Long: `Show sipvet's knowledge base of the 22 vulnerability items of IPA's survey:
Japanese and English titles, summary, attack and impact, cause, 運用ガイド
(operations) and 実装ガイド (implementation) guidance, references, the survey's
CVSS v2 base vector with the score computed from it and the published score,
sipvet's CVSS v3.1 assessment, and the checks that cover each item.

Without N it lists all items; with N (1–22) it shows that item in full.`,
		Example: `  sipvet items
  sipvet items 14 --lang ja
  sipvet items --format json | jq '.items[] | select(.cvss2.mismatch)'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.langFlag(lang)
			if err != nil {
				return err
			}
			items := kb.All()
			if len(args) == 1 {
				n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(args[0]), "ipa"))
				if err != nil || n < 1 || n > len(items) {
					return usagef("no item %q (want 1–%d)", args[0], len(items))
				}
				items = items[n-1 : n]
			}
			switch format {
			case "json":
				return writeItemsJSON(a.stdout, items)
			case "text", "":
				if len(args) == 1 {
					return writeItemDetail(a.stdout, items[0], l)
				}
				return writeItemsTable(a.stdout, items, l)
			}
			return usagef("unknown --format %q for items (want text or json)", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&lang, "lang", "", "language: ja or en (default from $LANG, else en)")
	return cmd
}

// langFlag validates --lang; empty takes $LANG.
func (a *app) langFlag(v string) (string, error) {
	switch v {
	case "ja", "en":
		return v, nil
	case "":
		if strings.HasPrefix(a.getenv("LANG"), "ja") {
			return "ja", nil
		}
		return "en", nil
	}
	return "", usagef("unknown --lang %q (want ja or en)", v)
}

type itemJSON struct {
	Item       int       `json:"item"`
	ID         string    `json:"id"`
	TitleJA    string    `json:"title_ja"`
	TitleEN    string    `json:"title_en"`
	Summary    kb.Text   `json:"summary"`
	Attack     kb.Text   `json:"attack"`
	Cause      kb.Text   `json:"cause"`
	OpsGuide   kb.Text   `json:"ops_guide"`
	ImplGuide  kb.Text   `json:"impl_guide"`
	References []string  `json:"references"`
	CVSS2      *kb.CVSS2 `json:"cvss2"`
	CVSS3      kb.CVSS3  `json:"cvss3"`
	Checks     []string  `json:"checks"`
}

func writeItemsJSON(w io.Writer, items []kb.Item) error {
	out := struct {
		Schema string     `json:"schema"`
		Items  []itemJSON `json:"items"`
	}{Schema: "sipvet.items/v1"}
	for _, it := range items {
		checks := checkIDs(it.Number)
		if checks == nil {
			checks = []string{}
		}
		refs := it.References
		if refs == nil {
			refs = []string{}
		}
		out.Items = append(out.Items, itemJSON{
			Item: it.Number, ID: it.ID(), TitleJA: it.TitleJA, TitleEN: it.TitleEN,
			Summary: it.Summary, Attack: it.Attack, Cause: it.Cause, OpsGuide: it.OpsGuide, ImplGuide: it.ImplGuide,
			References: refs, CVSS2: it.CVSS2, CVSS3: it.CVSS3, Checks: checks,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write items: %w", err)
	}
	return nil
}

func writeItemsTable(w io.Writer, items []kb.Item, lang string) error {
	fmt.Fprintf(w, "%-7s %-6s %-6s %-6s  %s\n", "ITEM", "CVSS2", "PUBL", "CVSS3", map[string]string{"ja": "タイトル", "en": "TITLE"}[lang])
	for _, it := range items {
		c2, pub := "-", "-"
		if it.CVSS2 != nil {
			c2 = fmt.Sprintf("%.1f", it.CVSS2.Score)
			pub = fmt.Sprintf("%.1f", it.CVSS2.Published)
			if it.CVSS2.Mismatch {
				pub += "!"
			}
		}
		c3 := "-"
		if it.CVSS3.Vector != "" {
			c3 = fmt.Sprintf("%.1f", it.CVSS3.Score)
		}
		fmt.Fprintf(w, "%-7s %-6s %-6s %-6s  %s\n", it.ID(), c2, pub, c3, it.Title(lang))
	}
	_, err := fmt.Fprintln(w, "\n'!' = the published score does not match its own vector. 'sipvet items N' shows one item in full.")
	return err
}

func writeItemDetail(w io.Writer, it kb.Item, lang string) error {
	label := func(en, ja string) string {
		if lang == "ja" {
			return ja
		}
		return en
	}
	fmt.Fprintf(w, "%s  %s\n      %s\n\n", it.ID(), it.TitleJA, it.TitleEN)
	sections := []struct {
		en, ja string
		t      kb.Text
	}{
		{"Summary", "概要", it.Summary},
		{"Attack and impact", "攻撃手法と影響", it.Attack},
		{"Cause", "原因", it.Cause},
		{"Operations guidance", "運用ガイド", it.OpsGuide},
		{"Implementation guidance", "実装ガイド", it.ImplGuide},
	}
	for _, s := range sections {
		fmt.Fprintf(w, "%s\n  %s\n\n", label(s.en, s.ja), s.t.In(lang))
	}
	if it.CVSS2 != nil {
		mm := ""
		if it.CVSS2.Mismatch {
			mm = label("  (the published score does not match its vector)", "  (公表値はベクトルから計算した値と一致しません)")
		}
		fmt.Fprintf(w, "CVSS v2   %s  %s %.1f  %s %.1f%s\n", it.CVSS2.Vector, label("computed", "計算値"), it.CVSS2.Score, label("published", "公表値"), it.CVSS2.Published, mm)
	} else {
		fmt.Fprintf(w, "CVSS v2   %s\n", label("not scored by the survey", "調査報告書では評価なし"))
	}
	if it.CVSS3.Vector != "" {
		fmt.Fprintf(w, "CVSS v3.1 %s  %.1f  (%s)\n", it.CVSS3.Vector, it.CVSS3.Score, label("sipvet's assessment", "sipvet による評価"))
	}
	if len(it.References) > 0 {
		fmt.Fprintf(w, "%s  %s\n", label("References", "参考文献"), strings.Join(it.References, ", "))
	}
	checks := checkIDs(it.Number)
	if len(checks) == 0 {
		checks = []string{label("(none yet)", "(まだありません)")}
	}
	_, err := fmt.Fprintf(w, "%s  %s\n", label("Checks", "チェック"), strings.Join(checks, ", "))
	return err
}

// catalogue lists the checks of every mode. Packages other than check add
// their own lists here (harness, capture, fuzz, crack).
func catalogue() []finding.CheckRef {
	var refs []finding.CheckRef
	for _, c := range check.All() {
		i := c.Info()
		for _, m := range i.Modes {
			refs = append(refs, finding.CheckRef{Item: i.Item, ID: i.ID, TitleEN: i.TitleEN, TitleJA: i.TitleJA, Mode: string(m)})
		}
	}
	refs = append(refs, crack.Check())
	refs = append(refs, fuzz.CheckRefs()...)
	refs = append(refs, harnessCatalogue()...)
	for _, c := range capture.Checks() {
		refs = append(refs, finding.CheckRef{Item: c.Item, ID: c.ID, TitleEN: c.TitleEN, TitleJA: c.TitleJA, Mode: string(check.ModePcap)})
	}
	return refs
}

// checkIDs returns the distinct check ids of item n in catalogue order.
func checkIDs(n int) []string {
	var ids []string
	seen := map[string]bool{}
	for _, r := range catalogue() {
		if r.Item == n && !seen[r.ID] {
			seen[r.ID] = true
			ids = append(ids, r.ID)
		}
	}
	return ids
}
