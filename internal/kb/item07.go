package kb

// item07 is survey item 7 (body section 項目7).
func item07() Item {
	return Item{
		Number:  7,
		TitleJA: "その他 SIP 拡張リクエストの脆弱性",
		TitleEN: "Vulnerabilities of other SIP extension requests",
		Summary: Text{
			JA: "RFC 3261/3262 以外の RFC では、INFO、SUBSCRIBE、NOTIFY、UPDATE、REFER、MESSAGE、PUBLISH などの拡張リクエストが定義されている。" +
				"これらが偽装されると、偽の情報の通知や状態の改ざん、第三者への発信など、それぞれのメソッドの役割に応じた被害が生じる。",
			EN: "RFCs beyond RFC 3261/3262 define extension requests such as INFO, SUBSCRIBE, NOTIFY, UPDATE, REFER, MESSAGE and PUBLISH. " +
				"When they are forged, the damage follows each method's role: false notifications, tampered state, calls placed to third parties and so on.",
		},
		Attack: Text{
			JA: "攻撃者は、盗聴や SIP 以外の手段で入手した SIP-URI やダイアログの情報を使って偽装したリクエストを送る。" +
				"調査の例では、偽装された MESSAGE によって「明日の会議は延期」といった偽の業務連絡が届く。" +
				"ほかにも、偽の INFO は DTMF などの通話中の情報を偽って IVR に誤った入力を与え、偽の SUBSCRIBE は他人の状態の通知を攻撃者に送らせ、偽の NOTIFY や PUBLISH は誤った状態やプレゼンスを伝える。" +
				"偽の UPDATE はセッションのパラメータを書き換え、偽の REFER は標的に第三者への INVITE を送らせる（PoC などでも使われるメソッドである）。",
			EN: "Using a SIP URI or dialog identifiers obtained by eavesdropping or by other means, the attacker sends forged requests. " +
				"The survey's example is a forged MESSAGE delivering a fake business notice, such as a meeting being postponed. " +
				"Likewise a forged INFO feeds false mid-call information such as DTMF digits to an IVR, a forged SUBSCRIBE has the victim's state reported to the attacker, and a forged NOTIFY or PUBLISH spreads false state or presence. " +
				"A forged UPDATE alters session parameters, and a forged REFER makes the target send an INVITE to a third party (the method is also used by push-to-talk over cellular).",
		},
		Cause: Text{
			JA: "盗聴や SIP 以外の経路で認証用のパスワードが漏れたり、リクエストの送信に必要なリクエスト URI やダイアログ ID が知られたりすることが原因である。" +
				"さらに、これらの拡張リクエストを認証なしで受け付ける実装では、宛先の URI さえ分かれば誰でも送ることができる。",
			EN: "The root causes are authentication passwords leaking through eavesdropping or outside SIP, and attackers learning the request URI and dialog identifiers needed to send the requests. " +
				"Implementations that accept these extension requests without authentication let anyone who knows the target URI send them.",
		},
		OpsGuide: Text{
			JA: "IPsec や SSL-VPN で SIP の通信路を保護するか、SIP/RTP のネットワークを分離する。" +
				"使わない拡張メソッドはサーバや端末の設定で無効にし、外部から届く MESSAGE や REFER などを SBC やファイアウォールで制限する。",
			EN: "Protect SIP with IPsec or an SSL-VPN, or separate the SIP/RTP network. " +
				"Disable extension methods the deployment does not use, and restrict MESSAGE, REFER and similar requests arriving from outside at the session border controller or firewall.",
		},
		ImplGuide: Text{
			JA: "SIP over TLS を実装して盗聴と偽装を防ぐ。" +
				"ダイアログ外で届く拡張リクエストにもダイジェスト認証をかけ、サポートしないメソッドには 405 や 501 を返し、Allow ヘッダで対応メソッドを正しく示す。" +
				"REFER による発信は、認証済みの相手からの要求であり Refer-To の宛先を確認できた場合に限って実行する。",
			EN: "Implement SIP over TLS to prevent eavesdropping and forgery. " +
				"Challenge extension requests with digest authentication even when they arrive outside a dialog, reject unsupported methods with 405 or 501, and list the supported ones accurately in Allow. " +
				"Act on a REFER only when it comes from an authenticated party and its Refer-To target has been checked.",
		},
		References: []string{
			"RFC 3261",
			"RFC 3262",
			"RFC 3265",
			"RFC 6665",
			"RFC 2976",
			"RFC 6086",
			"RFC 3311",
			"RFC 3428",
			"RFC 3515",
			"RFC 3903",
			"OMA Push to talk over Cellular V1.0.2 Approved Enabler (September 2007)",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:N/I:P/A:N", Published: 2.6},
		// Out-of-dialog requests need only the target URI (AC:L, PR:N); the effect is
		// false messages, state and presence (I:L).
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N"},
	}
}
