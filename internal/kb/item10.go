package kb

// item10 is survey item 10 (body section 項目10). The survey gives no reference
// list for this item (its numbering jumps from 10.3 to 10.5); the references are
// the RFC sections its text cites.
func item10() Item {
	return Item{
		Number:  10,
		TitleJA: "RTCP の偽装から起こる問題",
		TitleEN: "Problems caused by spoofed RTCP",
		Summary: Text{
			JA: "RTP を制御する RTCP を偽装することで、特定の RTP ストリームの停止、参加者名のなりすまし、より低品質なコーデックへのダウングレードが可能になる。" +
				"RTCP には認証の仕組みがなく、偽装には対象の SSRC が分かれば十分である。",
			EN: "Forging RTCP, the protocol that controls RTP, lets an attacker stop a particular RTP stream, impersonate a participant's name, or force a downgrade to a lower-quality codec. " +
				"RTCP has no authentication, and knowing the target's SSRC is enough to forge it.",
		},
		Attack: Text{
			JA: "偽の RTCP BYE を送ると、受信端末はその SSRC の参加者が離脱したとみなしてメディアを受け付けなくなる。" +
				"SIP の制御部がこれを知らなければ、課金されたまま音声だけが届かない状態になり、知った場合でも事実上の通話終了につながる。" +
				"偽の SDES パケットは NAME、EMAIL、PHONE などの発信者情報を書き換え、パケット損失を過大に報告する偽の受信レポート（RR）は、送信側に冗長符号を増やさせたり 4～8 kbps 程度の低レートのコーデックに切り替えさせたりして、数字や背景音が聞き取れないほど音質を落とし、通話を終わらせることもある。" +
				"これらは SIP の認証とは無関係に実行でき、RTP を使う SIP 以外の IP 電話にも通用する。",
			EN: "On a forged RTCP BYE the receiver considers the participant with that SSRC gone and stops accepting its media. " +
				"If the SIP control layer is not told, the call stays up and billed while no audio arrives; if it is told, the call effectively ends. " +
				"A forged SDES packet replaces caller details such as NAME, EMAIL and PHONE, and a forged receiver report (RR) that exaggerates packet loss can make the sender add redundancy or switch to a low-rate codec of around 4 to 8 kbit/s, degrading speech until digits and background sounds become unintelligible, or even ending the session. " +
				"None of this depends on SIP authentication, and it also works against non-SIP IP telephony that uses RTP.",
		},
		Cause: Text{
			JA: "RTCP BYE は本来、SSRC の衝突を検出した端末が自分の SSRC を離脱させるための仕組み（RFC 3550 §8.2）であり、受信側は指定された SSRC を以後受け付けなくなる。" +
				"BYE や SDES にはシーケンス番号もタイムスタンプもないため、キャプチャで得た SSRC だけで RTP よりも簡単に偽装できる。" +
				"受信レポートは回線品質に自律的に適応するための重要な機能だが、RTCP 自体にメッセージ認証がないため、第三者からの報告も受け入れてしまう。" +
				"RTP が制御機能を持つのは H.323 や MEGACO の時代からの経緯によるもので、受信レポートと SSRC 衝突回避の BYE には今も代わりがないため、SRTCP などによる保護が必要である。",
			EN: "RTCP BYE exists so that an endpoint that detects an SSRC collision can withdraw its own SSRC (RFC 3550 §8.2); receivers then ignore that SSRC. " +
				"BYE and SDES packets carry neither sequence numbers nor timestamps, so a captured SSRC is all that is needed, which makes them easier to forge than RTP itself. " +
				"Receiver reports are essential for adapting to line quality, but RTCP has no message authentication and accepts them from anyone. " +
				"RTP carries these control functions for historical reasons going back to H.323 and MEGACO; since receiver reports and collision-resolving BYEs still have no substitute, RTCP needs protection such as SRTCP.",
		},
		OpsGuide: Text{
			JA: "SIP/RTP のネットワークを分離し、第三者が RTCP を観測したり注入したりできないようにする。" +
				"他のネットワークを経由する区間では、IPsec や SSL-VPN で SIP、RTP、RTCP を保護する。",
			EN: "Keep the SIP/RTP network separate so that outsiders can neither observe nor inject RTCP. " +
				"Wherever traffic crosses other networks, protect SIP, RTP and RTCP with IPsec or an SSL-VPN.",
		},
		ImplGuide: Text{
			JA: "RTCP を SRTCP で保護し、メッセージ認証を有効にする（鍵交換の方法は項目 8 を参照）。" +
				"保護できない場合でも、RTP の相手以外のアドレスから届いた RTCP BYE、SDES、受信レポートは無視する。" +
				"RTCP によるストリームの停止やコーデックの変更は、SIP の制御部に通知したうえで扱う。",
			EN: "Protect RTCP with SRTCP and its message authentication (see item 8 for key exchange). " +
				"Where that is not possible, ignore RTCP BYE, SDES and receiver reports that do not come from the RTP peer's address. " +
				"Make stream termination or codec changes triggered by RTCP visible to the SIP control layer.",
		},
		References: []string{
			"RFC 3550 §6",
			"RFC 3550 §6.4",
			"RFC 3550 §6.5",
			"RFC 3550 §6.6",
			"RFC 3550 §8.2",
			"RFC 3711",
		},
		// The survey scores the RTCP BYE case (stopping the RTP stream).
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:N/I:N/A:P", Published: 2.6},
		// The SSRC and ports must be observed first (AC:H); forged SDES/RR (I:L),
		// streams stopped or degraded (A:L).
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:L"},
	}
}
