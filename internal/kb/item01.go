package kb

// item01 is survey item 1 (body section 項目1).
func item01() Item {
	return Item{
		Number:  1,
		TitleJA: "SIP リクエストの偽装から起こる問題",
		TitleEN: "Problems caused by spoofed SIP requests",
		Summary: Text{
			JA: "SIP のリクエストは暗号化も完全性保護もされずに送られることが多く、盗聴した Call-ID やタグ、CSeq などを使えば、第三者が正規の端末になりすましたリクエストを作れる。" +
				"偽装されたリクエストによって、登録の削除や書き換え、発信の取り消し、通話の切断や乗っ取りが行われ、正規のシーケンスが妨害されたり不正なセッションが確立されたりするおそれがある。",
			EN: "SIP requests usually travel without encryption or integrity protection, so a third party who has captured the Call-ID, tags and CSeq of a dialog can forge requests that appear to come from a legitimate endpoint. " +
				"Forged requests can disrupt legitimate call flows or set up sessions nobody intended: registrations are removed or rewritten, call attempts cancelled, calls torn down or taken over.",
		},
		Attack: Text{
			JA: "調査は REGISTER、CANCEL、re-INVITE、BYE、PRACK の 5 種類の偽装を取り上げている。" +
				"偽の REGISTER で登録を削除すると着信は 404 で拒否され、攻撃者のアドレスに書き換えると着信が攻撃者の端末に届いて通話を横取りされる。" +
				"100 Trying を盗聴してから送る偽の CANCEL は発信を取り消させ（着信側は 487 を返す）、偽の BYE は確立済みの通話を切断する。" +
				"偽の re-INVITE は Contact と SDP を攻撃者のアドレスに差し替えて通話を乗っ取り、偽の PRACK は信頼性のある暫定応答（183 など）の確認手順を乱して、後続の 180 の確認を失敗させたり通話前アナウンスを横取りしたりする。" +
				"UDP では送信元 IP アドレスを含めた偽装も容易である。",
			EN: "The survey covers five forged requests: REGISTER, CANCEL, re-INVITE, BYE and PRACK. " +
				"A forged REGISTER can delete a binding, so incoming calls are rejected with 404, or rewrite it to the attacker's address, so calls for the victim ring at the attacker instead. " +
				"A forged CANCEL sent after the eavesdropped 100 Trying aborts the call set-up (the callee answers 487), and a forged BYE ends an established call. " +
				"A forged re-INVITE whose Contact and SDP point at the attacker hijacks the session, and a forged PRACK breaks the acknowledgement of reliable provisional responses such as 183, so a later 180 is never confirmed and early media such as announcements can be diverted. " +
				"Over UDP even the source IP address is easy to forge.",
		},
		Cause: Text{
			JA: "攻撃が成功しやすいのは、正規のリクエストとレスポンスが盗聴されている場合や、SIP 認証が使われていない、あるいは効力を失っている場合である。" +
				"CANCEL は取り消す INVITE と同じ CSeq 値を持たなければならず、401/407 を受けて CSeq を増やした再送ができないため、そもそもダイジェスト認証で保護できない。" +
				"RFC 3261 §22.1 は、CANCEL が INVITE と同じ経路から届いたことをトランスポート層またはネットワーク層で確認するよう求めているが、具体的な確認方法は定めていない。",
			EN: "The attacks succeed most easily when legitimate requests and responses can be eavesdropped, or when SIP authentication is absent or has lost its effect. " +
				"CANCEL cannot be protected by digest authentication at all: it must carry the same CSeq number as the INVITE it cancels, so it cannot be resent with an incremented CSeq after a 401/407 challenge. " +
				"RFC 3261 §22.1 asks servers to check at the transport or network layer that a CANCEL arrives over the same hop as its INVITE, but does not say how.",
		},
		OpsGuide: Text{
			JA: "SIP の通信路を IPsec や SSL-VPN で保護するか、SIP/RTP 用のネットワークを一般のネットワークから分離して運用し、第三者が信号を盗聴したり注入したりできないようにする。" +
				"ファイアウォールや SBC で SIP を受け付ける送信元を制限し、信頼できる相手以外からのリクエストを受け付けない。",
			EN: "Protect the signalling path with IPsec or an SSL-VPN, or run SIP/RTP on a network separated from general-purpose traffic, so that outsiders can neither eavesdrop on nor inject signalling. " +
				"Use firewalls or session border controllers to restrict where SIP may come from, and accept requests only from trusted peers.",
		},
		ImplGuide: Text{
			JA: "SIP over TLS（sips:）に対応し、ホップごとの通信路を暗号化して盗聴と改ざんを防ぐ。" +
				"エンドツーエンドの保護には S/MIME が使えるが、CANCEL はホップバイホップで処理されるため S/MIME では保護できない点に注意する。" +
				"REGISTER、BYE、re-INVITE などにはダイジェスト認証を必ず適用し、CANCEL は元の INVITE と同じ送信元とトランスポートから届いたものだけを受け付ける。",
			EN: "Support SIP over TLS (sips:) so that every hop is encrypted and integrity protected. " +
				"S/MIME can protect messages end to end, but CANCEL is processed hop by hop and cannot be covered by it. " +
				"Always challenge REGISTER, BYE, re-INVITE and similar requests with digest authentication, and accept a CANCEL only from the source and transport of the INVITE it cancels.",
		},
		References: []string{
			"RFC 3261 §10",
			"RFC 3261 §13",
			"RFC 3261 §14",
			"RFC 3261 §15",
			"RFC 3261 §22.1",
			"RFC 3262",
			"RFC 3261 §9.1",
			"RFC 3261 §26",
		},
		// The survey prints one evaluation table, titled "(REGISTER リクエストの偽造)",
		// and its published 4.0 belongs to it; the other forged requests (CANCEL,
		// re-INVITE, BYE, PRACK) get no table of their own.
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:N/I:P/A:P", Published: 4.0},
		// Attacker must observe the dialog first (AC:H); hijacked calls leak speech (C:L),
		// forged registrations/dialog state (I:L), calls cut or rejected (A:L).
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L"},
	}
}
