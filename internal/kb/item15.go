package kb

// item15 is "送信元 IP アドレスを確認しない実装の問題".
func item15() Item {
	return Item{
		Number:  15,
		TitleJA: "送信元 IP アドレスを確認しない実装の問題",
		TitleEN: "Implementations that do not check the source IP address",
		Summary: Text{
			JA: "SIP サーバからのリクエストを信頼する端末が、受信したリクエストの送信元 IP アドレスを確かめない場合、" +
				"第三者が SIP サーバになりすまして送ったメッセージを受け入れてしまう可能性がある。" +
				"攻撃者はサーバを経由せずに端末へ直接リクエストを送るだけでよい。",
			EN: "A UA that trusts requests from its SIP server but never checks where a request actually came from " +
				"may accept messages that a third party sends while posing as that server. " +
				"The attacker only has to send requests straight to the UA, bypassing the server.",
		},
		Attack: Text{
			JA: "攻撃者は任意の SIP リクエスト(例えば INVITE)を偽装し、登録先のサーバを経由せず目標の SIP 端末へ直接送る。" +
				"端末はサーバからのリクエストを無条件に信頼する設定で動いているため、送信元を確認しなければそのまま処理し、呼び出し音を鳴らしたり通話を確立したりする。" +
				"発信者表示の偽装による詐欺や迷惑電話、サーバの課金や制御を迂回した通話、端末の状態の乱れにつながる。",
			EN: "The attacker forges an arbitrary SIP request, for example an INVITE, and sends it straight to the target UA instead of through its server. " +
				"Because the UA is set up to trust whatever comes from the server and does not check the source, it processes the request, rings or sets up a call. " +
				"This enables caller-ID spoofing for fraud or nuisance calls, calls that bypass the server's billing and policy, and disrupted UA state.",
		},
		Cause: Text{
			JA: "SIP 端末はプロキシサーバを設定して REGISTER や INVITE の送り先とし、そのサーバから着信を受けるのが一般的である。" +
				"発信時には端末がサーバに認証されるが、着信側の端末がすべての発信者の認証情報を持つのは現実的でないため、サーバから端末への要求を端末が認証する例は少ない。" +
				"システムは「発信者の正当性はサーバが確認済み」という前提で動いており、その前提は要求が本当に限られたサーバから来たという信頼に依存している。" +
				"この信頼を送信元の確認で担保しないと、端末側のセキュリティが大きく崩れる。",
			EN: "A SIP UA is normally configured with a proxy that it uses for REGISTER and outgoing INVITEs and that delivers incoming calls. " +
				"The server authenticates the UA on outgoing requests, but UAs rarely challenge requests coming from the server, since a callee cannot hold credentials for every possible caller. " +
				"The system relies on the server having vetted the caller, and that in turn relies on the request really coming from that server. " +
				"If the UA does not enforce this by checking the source, its security collapses.",
		},
		OpsGuide: Text{
			JA: "SIP の通信路を閉じたネットワークや IPsec・SSL-VPN で保護し、第三者が端末へ直接パケットを送れないようにする。" +
				"SIP/RTP の通信を監視し、サーバ以外からの着信要求を検知する。" +
				"端末にサーバ以外からの要求を拒否する設定があれば有効にし、ファイアウォールでも送信元を制限する。",
			EN: "Protect the SIP path with a closed network, IPsec or an SSL-VPN so that outsiders cannot reach UAs directly. " +
				"Monitor SIP/RTP traffic for requests reaching UAs from anywhere but the server. " +
				"Enable any UA option that rejects requests not coming from the configured server, and restrict sources on the firewall as well.",
		},
		ImplGuide: Text{
			JA: "SIP over TLS(Secure SIP)でサーバを認証し、相互に確認できる経路からのみ要求を受け付ける。" +
				"TLS を使えない場合でも、受信したリクエストの送信元 IP アドレスとポートが設定済みの SIP サーバ(または登録時に使った接続)と一致するかを確認し、一致しないものは拒否する。",
			EN: "Authenticate the server with SIP over TLS (Secure SIP) and accept requests only over connections verified that way. " +
				"Without TLS, at least check that the source IP address and port of each incoming request match the configured SIP server (or the flow used for registration) and reject the rest.",
		},
		References: []string{
			"RFC 3261",
			"TTC JJ-90.24, 4.1.3.2 Contact",
			"Sipera VIPER Lab advisory 186 (2007): endpoints accepting requests from a source IP other than the specified server",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:L/Au:N/C:N/I:N/A:P", Published: 5.0},
		// Anyone can reach the UA directly: forged calls disturb the user and misrepresent the caller.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:L"},
	}
}
