// Package kb is sipvet's knowledge base: the 22 SIP/RTP vulnerability items
// of IPA's survey "SIP に係る既知の脆弱性に関する調査" with Japanese and
// English texts, references and CVSS assessments. It is pure data.
package kb

// Text is a passage in Japanese and English.
type Text struct {
	JA string `json:"ja"`
	EN string `json:"en"`
}

// In returns the text in lang ("ja" or "en"); any other value gives English.
func (t Text) In(lang string) string {
	if lang == "ja" && t.JA != "" {
		return t.JA
	}
	return t.EN
}

// CVSS2 is the survey's CVSS v2 base assessment of an item.
type CVSS2 struct {
	// Vector is the base vector read from the item's 【CVSS 基本値の評価内容】 table,
	// e.g. "AV:N/AC:L/Au:N/C:N/I:P/A:N".
	Vector string `json:"vector"`
	// Score is computed from Vector with the CVSS v2 equations.
	Score float64 `json:"score"`
	// Published is the base score printed in the survey.
	Published float64 `json:"published"`
	// Mismatch is true when Score and Published differ.
	Mismatch bool `json:"mismatch"`
}

// CVSS3 is sipvet's own CVSS v3.1 assessment of an item.
type CVSS3 struct {
	Vector string  `json:"vector"`
	Score  float64 `json:"score"`
}

// Item is one vulnerability class of the survey.
type Item struct {
	// Number is the survey's item number, 1–22.
	Number int
	// TitleJA is the survey's own Japanese title; TitleEN sipvet's English one.
	TitleJA, TitleEN string
	// Summary, Attack (attack and impact), Cause, OpsGuide (運用ガイド) and
	// ImplGuide (実装ガイド) are sipvet's rendering of the survey's content.
	Summary, Attack, Cause, OpsGuide, ImplGuide Text
	// References lists RFCs and other documents.
	References []string
	// CVSS2 is nil for the items the survey does not score (11, 18, 19).
	CVSS2 *CVSS2
	// CVSS3 is sipvet's assessment.
	CVSS3 CVSS3
}

// Title returns the title in lang.
func (it Item) Title(lang string) string {
	if lang == "ja" {
		return it.TitleJA
	}
	return it.TitleEN
}

// ID returns the item's display id, e.g. "IPA-07".
func (it Item) ID() string { return IDOf(it.Number) }

// IDOf formats an item number as "IPA-NN".
func IDOf(n int) string {
	return "IPA-" + string(rune('0'+n/10)) + string(rune('0'+n%10))
}
