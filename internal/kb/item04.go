package kb

// item04 is survey item 4 (body section 項目4).
func item04() Item {
	return Item{
		Number:  4,
		TitleJA: "SIP メッセージボディの改ざんから起こる問題",
		TitleEN: "Problems caused by tampering with SIP message bodies",
		Summary: Text{
			JA: "SIP メッセージのボディには、メディアの種類や受信アドレス・ポート、コーデックを記述する SDP のほか、着信側に表示される JPEG 画像などが載ることがある。" +
				"シグナリングの経路に割り込んだ攻撃者がボディを改ざんすると、通話の盗聴やメディアの改変、意図しない画像の表示などが起こりうる。",
			EN: "SIP bodies carry SDP, which describes the media type, receive address and port and the codecs, and sometimes other content such as a JPEG image shown to the callee. " +
				"An attacker who gets into the signalling path can alter these bodies to eavesdrop on or modify the call's media, or to show the callee content the caller never sent.",
		},
		Attack: Text{
			JA: "攻撃者は ARP テーブルの改ざんなどで中間者となるか、SBC のようにシグナリングを中継するサーバを乗っ取ってボディを書き換える。" +
				"INVITE と 200 OK の SDP の c= 行を自分のアドレスに書き換えれば、双方向のメディアが攻撃者を経由するようになり、会話（調査の例では金庫の開錠番号）が筒抜けになるうえ、中継の際にメディアを変更したり止めたりすることもできる。" +
				"また INVITE に Content-Type: image/jpeg、Content-Disposition: render のボディを付け加えれば、発信者の意図しない画像が着信者に表示され、画像を表示する処理そのものが端末に害を与える可能性もある。",
			EN: "The attacker becomes a man in the middle, for example by poisoning ARP tables, or takes over a server that relays signalling, such as a session border controller, and rewrites the bodies. " +
				"Rewriting the c= line in the SDP of the INVITE and of the 200 OK routes both directions of media through the attacker, who can then listen to the conversation (the survey's example is a safe's combination being read out) and alter or stop the media in transit. " +
				"Adding a body with Content-Type: image/jpeg and Content-Disposition: render to an INVITE shows the callee a picture the caller never sent, and decoding the image may itself harm the device.",
		},
		Cause: Text{
			JA: "SIP は標準ではメッセージの完全性を保護する仕組みを持たず、ボディは平文のまま中継される。" +
				"これに加えて、ARP やルーティングの改ざん、DNS ポイズニングによって通信経路が乗っ取られることや、シグナリングを中継するサーバが攻撃者に支配されることが原因となる。",
			EN: "Plain SIP has no integrity protection, so bodies are relayed as unprotected text. " +
				"On top of that, the path can be hijacked on the network (ARP or routing table manipulation, DNS poisoning), or a server that relays signalling can fall under the attacker's control.",
		},
		OpsGuide: Text{
			JA: "IPsec や SSL-VPN で SIP の通信路を保護し、SIP/RTP のネットワークを分離する。" +
				"SIP メッセージが不正に中継されないよう、ルーティングテーブルの改ざん、ARP テーブルの不正操作、DNS ポイズニングへの対策を IP ネットワーク側で講じる。" +
				"SBC など中継サーバ自体の管理と防御も徹底する。",
			EN: "Protect the signalling path with IPsec or an SSL-VPN and keep the SIP/RTP network separate. " +
				"Prevent SIP from being rerouted through an attacker by defending the IP network against routing table tampering, ARP spoofing and DNS poisoning. " +
				"Harden and administer relaying servers such as session border controllers with the same care.",
		},
		ImplGuide: Text{
			JA: "SIP over TLS でホップごとの完全性を確保し、S/MIME によってボディをエンドツーエンドで署名・暗号化する。" +
				"受け付けるボディの種類を必要なものに限り、想定外の Content-Type には 415 Unsupported Media Type を返す。" +
				"Content-Disposition: render の画像などを自動的に表示せず、デコーダは不正なデータに耐えるよう実装する。",
			EN: "Use SIP over TLS for hop-by-hop integrity and S/MIME to sign and encrypt bodies end to end. " +
				"Accept only the body types the product actually needs and answer any other Content-Type with 415 Unsupported Media Type. " +
				"Do not render images or similar content automatically, and make decoders robust against malformed data.",
		},
		References: []string{
			"RFC 3261",
			"RFC 4566",
			"RFC 3261 §23",
			"RFC 3261 §20.11",
			"RFC 3261 §21.4.13",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:N/I:P/A:N", Published: 2.6},
		// A man-in-the-middle position is required (AC:H); redirected media can be heard
		// (C:L) and bodies are altered (I:L).
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N"},
	}
}
