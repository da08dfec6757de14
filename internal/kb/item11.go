package kb

// item11 is survey item 11 (body section 項目11). The survey found no codec
// vulnerability and gives the item no CVSS assessment.
func item11() Item {
	return Item{
		Number:  11,
		TitleJA: "コーデックの脆弱性",
		TitleEN: "Codec vulnerabilities",
		Summary: Text{
			JA: "調査の執筆時点では、音声・画像・動画の符号化方式やデータ形式といったコーデックそのものの脆弱性は、SIP/RTP 関連の書籍や Web 上の情報に見当たらなかった。" +
				"そのため本項目は情報提供にとどまり、CVSS による評価も行われていない。",
			EN: "When the survey was written, no vulnerability in codecs themselves (the coding schemes and data formats for audio, images and video) could be found in SIP/RTP literature or on the web. " +
				"The item is therefore informational only, and the survey gives it no CVSS assessment.",
		},
		Attack: Text{
			JA: "コーデック方式そのものを突く攻撃は報告されていない。" +
				"ただし、細工したコーデックデータやパケットによって機器の性能低下や暴走を引き起こす例はあり、これはコーデックを実装したソフトウェアの不具合として項目 12 で扱われる。",
			EN: "No attack on a codec design itself has been reported. " +
				"Crafted codec data or packets can still slow devices down or make them misbehave, but that is a flaw in the software implementing the codec and is covered by item 12.",
		},
		Cause: Text{
			JA: "問題となるのはコーデックの仕様ではなく、コーデックを利用するソフトウェア製品やライブラリの実装上の不具合と、不具合を起こしやすいデータへの耐性の不足である。",
			EN: "The weakness lies not in codec specifications but in implementation flaws of the products and libraries that use codecs, and in their lack of robustness against data that tends to trigger bugs.",
		},
		OpsGuide: Text{
			JA: "コーデックを含むソフトウェアやファームウェアの脆弱性情報を継続的に確認し、修正版が出たら速やかに適用する。" +
				"使わないコーデックは SDP で提示・受諾しないよう設定する。",
			EN: "Keep track of vulnerability reports for the software and firmware that contain codecs, and apply fixes promptly. " +
				"Configure devices not to offer or accept codecs they do not need.",
		},
		ImplGuide: Text{
			JA: "デコーダには長さやフレーム構造の検査を実装し、不正なペイロードで停止したり暴走したりしないようにする。" +
				"項目 12 に従い、RTP ペイロードを含む不正な形式のデータでファジングを行って堅牢性を確認する。",
			EN: "Make decoders check lengths and frame structure so that malformed payloads cannot crash or hang them. " +
				"Following item 12, fuzz the product with malformed data, including RTP payloads, to confirm its robustness.",
		},
		References: []string{
			"RFC 3550",
			"RFC 3551",
		},
		CVSS2: nil,
		// No codec-format vulnerability is known: a vector with no impact scores 0.0
		// (severity "none"), marking the item as informational.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:N"},
	}
}
