package kb

// item08 is survey item 8 (body section 項目8).
func item08() Item {
	return Item{
		Number:  8,
		TitleJA: "RTP メディアの盗聴から起こる問題",
		TitleEN: "Problems caused by eavesdropping on RTP media",
		Summary: Text{
			JA: "暗号化されていない RTP のメディアストリームは盗聴・傍受できる。" +
				"オープンソースのパケットキャプチャソフトを使えば、IP 電話の音声ストリームを簡単な操作で取り出して再生できる。",
			EN: "Unencrypted RTP media streams can be intercepted. " +
				"With open-source packet capture software, the audio of an IP phone call can be extracted and played back in a few clicks.",
		},
		Attack: Text{
			JA: "他のホストのパケットを取得できる環境で通話のパケットをキャプチャし、その中から RTP ストリームを特定して、音声、映像、テキストなどのメディアを取り出す。" +
				"無料のパケット解析ソフトでも、メニューを選ぶだけで双方の話者の音声を再生できる。" +
				"漏れるのは通話中の会話、IVR に入力するプッシュ番号（DTMF）、テレビ会議の映像やアプリケーション画面などであり、RTCP の品質レポートや発信者の情報も同様に露出する。",
			EN: "Wherever other hosts' packets can be captured, the attacker records the call, identifies the RTP streams and extracts the audio, video or text they carry. " +
				"Even free packet analysers replay both speakers' voices from a menu. " +
				"What leaks includes the conversation, DTMF digits keyed into IVR systems, and video-conference camera images or shared screens; RTCP quality reports and sender details are exposed as well.",
		},
		Cause: Text{
			JA: "RTP が暗号化されないことによる盗聴の危険は、1996 年の RFC 1889 §9 で既に指摘されていた。" +
				"後継の RFC 3550 は SRTP（RFC 3711）の利用を推奨しているが、RTP も SRTP も鍵の生成や安全な交換の方法を定めていない。" +
				"鍵交換には MIKEY（RFC 3830）が標準化されたものの、証明書が必要になるなど実用性に欠けて普及せず、SDP に鍵をそのまま書いて送る SDES が一般の機器に広まった。" +
				"ZRTP や DTLS-SRTP（RFC 5763/5764）などの方式が並存しており、メディア保護の課題は鍵交換に残されている。",
			EN: "The eavesdropping risk of unencrypted RTP was already pointed out in §9 of RFC 1889 (1996). " +
				"Its successor RFC 3550 recommends SRTP (RFC 3711), but neither RTP nor SRTP defines how keys are generated or safely exchanged. " +
				"MIKEY (RFC 3830) was standardised for key exchange but needs certificates and never caught on, while SDES, which writes the key in plain text into the SDP, spread through ordinary equipment. " +
				"Several approaches such as ZRTP and DTLS-SRTP (RFC 5763/5764) coexist, and key exchange remains the open problem of media protection.",
		},
		OpsGuide: Text{
			JA: "SIP/RTP のネットワークを他のネットワークから分離し、第三者がパケットをキャプチャできないようにする。" +
				"拠点間やインターネットを経由する区間では、IPsec や SSL-VPN で SIP と RTP をまとめて保護する。",
			EN: "Keep the SIP/RTP network separate from other networks so that outsiders cannot capture its packets. " +
				"Where traffic crosses sites or the Internet, protect SIP and RTP together with IPsec or an SSL-VPN.",
		},
		ImplGuide: Text{
			JA: "RTP の代わりに SRTP を実装し、鍵は TLS で保護した SIP 上の SDES か DTLS-SRTP で交換する。" +
				"平文の RTP/AVP しか提示・受諾しない設定を既定にしない。" +
				"SRTP を導入する際は他の RTP 製品との互換性に配慮しつつ、弱い暗号方式を選ばされないよう注意する。",
			EN: "Implement SRTP instead of plain RTP, exchanging keys either with SDES over TLS-protected SIP or with DTLS-SRTP. " +
				"Do not ship with plain RTP/AVP as the only offer or answer. " +
				"When adding SRTP, keep interoperability with other RTP products in mind, but do not let a peer force a weak cipher.",
		},
		References: []string{
			"RFC 1889 §9",
			"RFC 3550 §9",
			"RFC 3551",
			"RFC 3711",
			"RFC 3830",
			"RFC 4347",
			"RFC 4568",
			"RFC 4733",
			"RFC 5763 §6.10",
			"RFC 5764",
			"RFC 6189 (ZRTP; draft-zimmermann-avt-zrtp in the survey)",
			"ITU-T G.711",
			"3GPP TS 33.203: 3G security; Access security for IP-based services",
			"IETF Audio/Video Transport (avt) working group charter",
			"voip-info.org: Asterisk encryption (April 2007)",
			"The Zfone Project (zfoneproject.com)",
			"Sipera VIPER Lab advisory: Vonage voice conversation may be vulnerable to eavesdropping (October 2007)",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:P/I:N/A:N", Published: 2.6},
		// Requires access to the media path (AC:H); the entire conversation and DTMF
		// input are disclosed (C:H).
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"},
	}
}
