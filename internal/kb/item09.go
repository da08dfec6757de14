package kb

// item09 is survey item 9 (body section 項目9).
func item09() Item {
	return Item{
		Number:  9,
		TitleJA: "RTP メディアの偽装から起こる問題",
		TitleEN: "Problems caused by spoofed RTP media",
		Summary: Text{
			JA: "確立済みの RTP ストリームに第三者が偽の音声や映像のパケットを挿入・置換すると、受信者は発信者が送ったものとは異なるメディアを再生してしまう。" +
				"RTP を改ざんされることで、通話品質を落とされたり再生を止められたりすることもある。",
			EN: "A third party can inject forged audio or video packets into an established RTP stream, or replace it, so that the receiver plays media the sender never sent. " +
				"Tampering with RTP can also degrade the call quality or stop playback altogether.",
		},
		Attack: Text{
			JA: "攻撃者はパケットキャプチャで確立済みの RTP ストリームを見つけ、正規の送信者のタイムスタンプとシーケンス番号を読み取り、それより大きい値を設定した偽の RTP パケットを受信側に送る。" +
				"受信端末はより新しく見えるパケットを優先して再生するため、振込先を告げる声を別の口座に差し替えるような改ざんや、別の音声のミキシング、雑音の混入ができる。" +
				"会議や同報配信では、一部の受信者だけが別の音声を聞かされる「メディアハイジャック」になる。" +
				"既存パケットのペイロードと一部のヘッダを書き換えるだけなので事前の認証は不要で、端末は多少のずれを許容するため厳密なタイミング合わせもいらない。" +
				"メディアに RTP を使う H.323、MEGACO、Skinny などの IP 電話でも同様に成立する。",
			EN: "The attacker finds an established RTP stream by packet capture, reads the legitimate sender's timestamps and sequence numbers, and sends the receiver forged RTP packets carrying higher values. " +
				"The receiver prefers the packets that look newer, so the attacker can replace speech (the survey's example swaps the bank account a caller reads out), mix in other voices or add noise. " +
				"In conferences and broadcasts only some listeners hear the altered media, a form of media hijacking. " +
				"Only the payload and a few header fields of captured packets need rewriting, so no prior authentication is required, and because phones tolerate sizeable timing offsets, precise synchronisation is unnecessary. " +
				"The same works against H.323, MEGACO or Skinny telephony, which also carry media over RTP.",
		},
		Cause: Text{
			JA: "RTP の受信側は、ネットワークによる遅延のゆらぎ（ジッタ）や到着順序の入れ替わり、重複に対処するためにジッタバッファを持ち、到着時刻のずれを許容する。" +
				"この許容の余地があるために、なりすまされたパケットを正規のストリームの一部として処理してしまう。" +
				"RTP にメッセージ認証の機能がないことは RFC 1889 §9.2 で指摘され、RFC 3550 でも変わっていない。" +
				"SRTP は標準化されたものの、安全な鍵交換方法の標準化が遅れたため普及が進まなかった。",
			EN: "RTP receivers keep a jitter buffer to absorb delay variation, reordering and duplication in the network, and therefore tolerate packets that arrive off schedule. " +
				"That tolerance leaves room for spoofed packets to be processed as part of the genuine stream. " +
				"The lack of message authentication in RTP was noted in §9.2 of RFC 1889 and is still true of RFC 3550. " +
				"SRTP was standardised, but a secure key exchange lagged behind, so it spread slowly.",
		},
		OpsGuide: Text{
			JA: "SIP/RTP のネットワークを分離して、第三者が RTP を観測したり注入したりできないようにする。" +
				"他のネットワークを経由する区間は IPsec や SSL-VPN で保護する。",
			EN: "Keep the SIP/RTP network separate so that outsiders can neither observe nor inject RTP. " +
				"Protect any path across other networks with IPsec or an SSL-VPN.",
		},
		ImplGuide: Text{
			JA: "RTP パケットのなりすまし対策として SRTP のメッセージ認証を使う（認証用の鍵の交換方法は項目 8 を参照）。" +
				"SRTP を使えない場合でも、SDP で合意したアドレスとポート以外から届くパケットや、同じ SSRC でシーケンス番号やタイムスタンプが急に飛ぶパケットを受け付けない。" +
				"メディアリレーは、通話と無関係な送信元に通話のメディアを転送しないようにする。",
			EN: "Counter RTP spoofing with SRTP message authentication (see item 8 for how the authentication keys can be exchanged). " +
				"Even without SRTP, drop packets that do not come from the address and port agreed in SDP, or that make sudden sequence-number or timestamp jumps on an existing SSRC. " +
				"Make sure media relays never forward a call's media to a source unrelated to the call.",
		},
		References: []string{
			"RFC 1889 §9.2",
			"RFC 3550",
			"RFC 3550 Appendix A.1",
			"RFC 3711",
			"D. Endler, M. Collier: Hacking Exposed VoIP: Voice over IP Security Secrets & Solutions, McGraw-Hill, 2006, ISBN 0072263644",
			"Sipera VIPER Lab advisory: Unencrypted RTP vulnerable to capture and reconstruction (May 2007)",
			"Sipera VIPER Lab advisory: RTP sequence number and timestamp can be guessed to inject media packets that may be accepted by receiver as legitimate (May 2007)",
			"Sipera VIPER Lab advisory: Rogue RTP injection may result in voice quality degradation (March 2007)",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:N/I:P/A:N", Published: 2.6},
		// The stream's addresses, SSRC and sequence state must be observed first (AC:H);
		// injected media (I:L) and degraded or silenced playback (A:L).
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:L"},
	}
}
