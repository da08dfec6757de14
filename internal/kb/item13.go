package kb

// item13 is "Call-ID を予測しやすい実装の問題".
func item13() Item {
	return Item{
		Number:  13,
		TitleJA: "Call-ID を予測しやすい実装の問題",
		TitleEN: "Implementations that generate predictable Call-IDs",
		Summary: Text{
			JA: "Call-ID に MAC アドレスを含めるなど、乱数性の低い値で Call-ID を生成する実装があり、第三者に値を推測されやすい。" +
				"推測された Call-ID は REGISTER の偽装に使われ、正規端末の登録が拒否される原因となる。",
			EN: "Some implementations build the Call-ID from low-entropy values such as the MAC address, so outsiders can guess it. " +
				"A guessed Call-ID lets an attacker forge REGISTER requests and get the legitimate device's registrations rejected.",
		},
		Attack: Text{
			JA: "攻撃者は端末が登録に使う REGISTER の Call-ID を予測し、同じ Call-ID で大きな CSeq 値を持つ REGISTER を偽装して SIP サーバへ送る。" +
				"サーバがその Call-ID に対応付けて記憶する CSeq が不当に引き上げられるため、その後に届く正規の REGISTER は CSeq が小さい古いリクエストとみなされて拒否される" +
				"(例: CSeq 10 の偽装後、正規の CSeq 2 が 500 で拒否される)。結果として端末は登録を更新できず、着信できなくなる。" +
				"INVITE などでも From/To の tag と組み合わせた同一性確認が破られやすくなる。",
			EN: "The attacker predicts the Call-ID a phone uses for REGISTER and sends the server a forged REGISTER with that Call-ID and a high CSeq. " +
				"The CSeq the server remembers for that Call-ID is pushed up, so the phone's next genuine REGISTER looks older and is refused " +
				"(e.g. after a forged CSeq 10 the real CSeq 2 gets a 500). The phone can no longer refresh its registration and stops receiving calls. " +
				"Predictable Call-IDs also weaken dialog matching that relies on Call-ID plus From/To tags.",
		},
		Cause: Text{
			JA: "RFC 3261 の 8.1.1.4 節は、暗号的に乱雑な識別子を使えばセッション乗っ取りへのある程度の防御になり、意図しない衝突も減ると述べている。" +
				"REGISTER では端末が起動している間は同じ Call-ID を使い続けることになっているため、予測できればその間ずっと衝突させられる。" +
				"CSeq は順序の逆転による状態の食い違いを防ぐため古いリクエストを捨てる仕組みであり、認証を行っていても偽装リクエストで CSeq が増やされてしまう場合がある。",
			EN: "RFC 3261 section 8.1.1.4 notes that cryptographically random Call-IDs give some protection against session hijacking and reduce accidental collisions. " +
				"For REGISTER a UA keeps the same Call-ID for as long as it runs, so a predictable value can be collided with for that whole time. " +
				"CSeq exists to discard stale requests so that peers do not fall out of step, and a forged request may raise the stored CSeq even when authentication is in place.",
		},
		OpsGuide: Text{
			JA: "SIP の通信路は閉じたネットワークや IPsec・SSL-VPN で保護し、第三者が REGISTER を送り込めないようにする。" +
				"SIP/RTP の通信を監視し、登録の失敗や不自然な CSeq の増加を検知できるようにする。" +
				"Call-ID の生成方法をベンダに確認し、予測しやすい製品は避けるか対策版に更新する。",
			EN: "Protect the SIP path with a closed network, IPsec or an SSL-VPN so that outsiders cannot inject REGISTER requests. " +
				"Monitor SIP/RTP traffic for failing registrations and unusual CSeq jumps. " +
				"Ask the vendor how Call-IDs are generated and avoid or update products that produce predictable ones.",
		},
		ImplGuide: Text{
			JA: "RFC の推奨どおり、Call-ID は暗号論的に安全な乱数から十分な長さで生成し、MAC アドレスや時刻、連番に頼らない。tag や branch も同様に扱う。" +
				"サーバ側は認証に成功したリクエストだけで CSeq を更新し、未認証のリクエストで記憶している CSeq を変えないようにする。",
			EN: "As the RFC recommends, derive Call-IDs from a cryptographically secure random source with enough length, not from MAC addresses, clocks or counters; treat tags and branch values the same way. " +
				"On the server, update the stored CSeq only for requests that passed authentication, never for unauthenticated ones.",
		},
		References: []string{
			"RFC 3261 §8.1.1.4",
			"RFC 3261 §10.3",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:N/I:P/A:P", Published: 4.0},
		// Guessing the Call-ID and racing the UA is hard; success forges registration state and blocks the UA's registration.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:L"},
	}
}
