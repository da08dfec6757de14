package kb

// item14 is "認証機能の不十分な実装の問題".
func item14() Item {
	return Item{
		Number:  14,
		TitleJA: "認証機能の不十分な実装の問題",
		TitleEN: "Insufficient implementation of authentication",
		Summary: Text{
			JA: "認証時の検証が甘かったり、認証後にパラメータを保持・照合しなかったりする実装では、" +
				"認証を済ませていない第三者の端末から送られたなりすましメッセージを受け入れてしまうことがある。" +
				"盗聴した認証ヘッダの再利用や、自分で作った nonce による偽装が通ってしまうのが典型である。",
			EN: "When an implementation checks digest credentials loosely, or does not keep and compare the parameters after authentication, " +
				"it may accept impersonating messages from a third party that never authenticated. " +
				"Typical cases are replayed authorization headers and forged credentials built on a nonce the server never issued.",
		},
		Attack: Text{
			JA: "攻撃者は盗聴で得た SIP リクエストの Authorization ヘッダをそのまま写して偽装リクエストを作り、照合の甘いサーバや端末の認証を通過させる。" +
				"あるいは解読済みのパスワードを使い、サーバが発行していない nonce や opaque を自分で作って認証ヘッダを組み立てる。" +
				"こうして登録の乗っ取り、他人名義での発信や機能サービスの不正利用、通話の乗っ取りが可能になる。",
			EN: "The attacker copies the Authorization header from a captured SIP request into a forged request and passes a loosely checking server or UA. " +
				"Alternatively, with a cracked password, the attacker builds the header around a nonce and opaque of their own choosing that the server never issued. " +
				"This enables registration hijacking, calls and feature invocations charged to someone else, and call hijacking.",
		},
		Cause: Text{
			JA: "SIP のダイジェスト認証では、UAS やサーバが 401/407 で realm・nonce・opaque・qop などを含む認証要求を返し、UAC が cnonce と nc を加えて response を計算して再送する。" +
				"nonce と opaque は要求のたびに新たに生成され、nc は同じ cnonce を使う間 1 から 1 ずつ増える。" +
				"検証側は自分が発行した値と最新の状態を記憶して照合しなければならないが、発行していない nonce を許せば偽装に盗聴すら不要になり、" +
				"nc の増加を確認しなければ捕獲したリクエストの再送(リプレイ)を受け入れてしまう。",
			EN: "In SIP digest authentication the UAS or server answers 401/407 with realm, nonce, opaque and qop; the UAC adds cnonce and nc, computes the response hash and resends. " +
				"nonce and opaque are fresh for every challenge, and nc starts at 1 and increases by one while the same cnonce is reused. " +
				"The verifier must remember what it issued and the latest state and compare against it. Accepting a nonce it never issued means a forger need not even capture a challenge; " +
				"not checking that nc increases means captured requests can be replayed.",
		},
		OpsGuide: Text{
			JA: "SIP の通信路は閉じたネットワークや IPsec・SSL-VPN で保護し、認証ヘッダを盗聴・再利用されないようにする。" +
				"SIP/RTP の通信を監視して、同じ認証情報の繰り返しや不自然な送信元を検知する。" +
				"導入前に、nonce やユーザ名の照合が正しく行われるかを試験して確認する。",
			EN: "Protect SIP with a closed network, IPsec or an SSL-VPN so that authorization headers cannot be sniffed and reused. " +
				"Monitor SIP/RTP traffic for repeated credentials and unexpected sources. " +
				"Before deployment, test that the product really checks nonces and user names.",
		},
		ImplGuide: Text{
			JA: "サーバ/UAS は認証済みのリクエストについて Call-ID、From(送信元 IP を含む)、CSeq、To などを記憶し、後続のリクエストと照合する。" +
				"Authorization ヘッダでは username(From/To のユーザとの一致)、uri、realm、nonce、opaque が自分の発行・期待した値であること、" +
				"nc が増えていること、cnonce の使い方、response の正しさをすべて確認する。" +
				"cnonce は推測されにくい乱数で生成し、nonce や opaque は有効期限を設けて使い捨てにする。可能なら SIP over TLS(Secure SIP)を使う。",
			EN: "A server or UAS should remember, for each authenticated request, the Call-ID, From (including the source IP), CSeq and To, and compare later requests with them. " +
				"In the Authorization header check that username matches the From/To user, that uri, realm, nonce and opaque are the values it issued or expects, " +
				"that nc increases, that cnonce is used correctly, and that the response is valid. " +
				"Generate cnonce from an unpredictable random source, give nonce and opaque a lifetime and use them once, and use SIP over TLS (Secure SIP) where possible.",
		},
		References: []string{
			"RFC 2617",
			"RFC 3261 §22",
			"Sipera VIPER Lab advisories 179–183, 188, 189 (2007): insufficient integrity checks on digest messages, replayed credentials, username cross-check",
			"Klaus Darilion (IPCom), Analysis of a VoIP Attack, 2008",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:P/I:P/A:P", Published: 5.1},
		// Needs captured or cracked credentials; success impersonates a user (registration hijack, toll fraud).
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:H/A:N"},
	}
}
