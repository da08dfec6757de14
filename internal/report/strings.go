package report

// langs lists the report languages; the first is the fallback.
func langs() []string { return []string{"en", "ja"} }

// normLang maps a requested language to a supported one.
func normLang(lang string) string {
	if lang == "ja" {
		return "ja"
	}
	return "en"
}

// uiStrings is the string table of every label the reports print, keyed by
// language then key. It is built on each call so that no package state is
// shared.
func uiStrings() map[string]map[string]string {
	return map[string]map[string]string{
		"en": {
			"title":            "sipvet report",
			"tool":             "Tool",
			"mode":             "Mode",
			"targets":          "Targets",
			"started":          "Started",
			"finished":         "Finished",
			"duration":         "Duration",
			"generated":        "Generated",
			"results":          "Results",
			"coverage":         "Coverage: 22 items × targets",
			"coverage_note":    "One row per item of the IPA survey. A cell shows the verdicts of the item's checks against the target, with a count when several checks ran; “—” means this run did not cover the item for that target.",
			"item":             "Item",
			"not_covered":      "not covered",
			"not_covered_cell": "not covered by this run",
			"chart":            "Vulnerable results by severity",
			"chart_empty":      "No vulnerable results.",
			"baseline":         "Changes since the baseline",
			"baseline_of":      "Baseline run",
			"change":           "Change",
			"new":              "new",
			"fixed":            "fixed",
			"unchanged":        "unchanged",
			"before":           "Baseline",
			"after":            "Now",
			"no_result":        "no result",
			"no_changes":       "No findings in either run.",
			"findings":         "Findings",
			"no_findings":      "No vulnerable or inconclusive results.",
			"others":           "Other results",
			"no_others":        "None.",
			"check":            "Check",
			"target":           "Target",
			"verdict":          "Verdict",
			"severity":         "Severity",
			"summary":          "Observation",
			"reason":           "Reason",
			"cvss2":            "CVSS v2 (survey)",
			"cvss3":            "CVSS v3.1 (sipvet)",
			"vector":           "vector",
			"score":            "score",
			"published":        "published",
			"mismatch":         "the score computed from the vector differs from the published score",
			"ops_guide":        "Operational guidance",
			"impl_guide":       "Implementation guidance",
			"references":       "References",
			"data":             "Data",
			"reproducer":       "Reproducer",
			"ladder":           "Message sequence",
			"evidence":         "Evidence",
			"records":          "records",
			"more_arrows":      "more messages not drawn",
			"more_records":     "more records not shown",
			"truncated":        "bytes not shown",
			"masked":           "Secrets in result data are masked; use --reveal to show them.",
			"revealed":         "Secrets in result data are shown as recovered (--reveal).",
			"none":             "—",
			"count":            "Count",
			"note":             "Note",
			"legend":           "Legend",
			"vulnerable":       "vulnerable",
			"not-vulnerable":   "not vulnerable",
			"inconclusive":     "inconclusive",
			"not-applicable":   "not applicable",
			"skipped":          "skipped",
			"critical":         "critical",
			"high":             "high",
			"medium":           "medium",
			"low":              "low",
			"info":             "info",
		},
		"ja": {
			"title":            "sipvet 診断レポート",
			"tool":             "ツール",
			"mode":             "モード",
			"targets":          "ターゲット",
			"started":          "開始",
			"finished":         "終了",
			"duration":         "所要時間",
			"generated":        "レポート作成",
			"results":          "判定の内訳",
			"coverage":         "カバレッジ: 22 項目 × ターゲット",
			"coverage_note":    "IPA の調査報告書の項目ごとに 1 行です。セルにはそのターゲットに対する項目のチェック結果を示し、複数のチェックを実施した場合は件数を添えます。「—」はこの実行でその項目を検査していないことを表します。",
			"item":             "項目",
			"not_covered":      "未検査",
			"not_covered_cell": "この実行では未検査",
			"chart":            "深刻度別の脆弱判定数",
			"chart_empty":      "脆弱と判定された結果はありません。",
			"baseline":         "ベースラインからの変化",
			"baseline_of":      "ベースラインの実行",
			"change":           "変化",
			"new":              "新規",
			"fixed":            "解消",
			"unchanged":        "継続",
			"before":           "ベースライン",
			"after":            "今回",
			"no_result":        "結果なし",
			"no_changes":       "どちらの実行にも検出事項はありません。",
			"findings":         "検出事項",
			"no_findings":      "脆弱または判定不能の結果はありません。",
			"others":           "その他の結果",
			"no_others":        "ありません。",
			"check":            "チェック",
			"target":           "ターゲット",
			"verdict":          "判定",
			"severity":         "深刻度",
			"summary":          "観測内容",
			"reason":           "理由",
			"cvss2":            "CVSS v2（調査報告書）",
			"cvss3":            "CVSS v3.1（sipvet の評価）",
			"vector":           "ベクトル",
			"score":            "スコア",
			"published":        "公表値",
			"mismatch":         "ベクトルから計算したスコアが公表値と一致しません",
			"ops_guide":        "運用ガイド",
			"impl_guide":       "実装ガイド",
			"references":       "参考文献",
			"data":             "データ",
			"reproducer":       "再現ファイル",
			"ladder":           "メッセージシーケンス",
			"evidence":         "証跡",
			"records":          "件",
			"more_arrows":      "件のメッセージは図示を省略",
			"more_records":     "件の記録は表示を省略",
			"truncated":        "バイトは表示を省略",
			"masked":           "結果データ中の秘密情報はマスクしています（表示するには --reveal）。",
			"revealed":         "結果データ中の秘密情報を復元したまま表示しています（--reveal）。",
			"none":             "—",
			"count":            "件数",
			"note":             "備考",
			"legend":           "凡例",
			"vulnerable":       "脆弱",
			"not-vulnerable":   "問題なし",
			"inconclusive":     "判定不能",
			"not-applicable":   "対象外",
			"skipped":          "スキップ",
			"critical":         "緊急",
			"high":             "高",
			"medium":           "中",
			"low":              "低",
			"info":             "情報",
		},
	}
}

// translator returns the lookup function for lang; a missing key yields the
// English string, then the key itself.
func translator(lang string) func(key string) string {
	table := uiStrings()
	cur, en := table[normLang(lang)], table["en"]
	return func(key string) string {
		if s, ok := cur[key]; ok {
			return s
		}
		if s, ok := en[key]; ok {
			return s
		}
		return key
	}
}
