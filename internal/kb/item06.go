package kb

// item06 is survey item 6 (body section 項目6).
func item06() Item {
	return Item{
		Number:  6,
		TitleJA: "DoS 攻撃による SIP のサービス妨害",
		TitleEN: "Disruption of SIP service by DoS attacks",
		Summary: Text{
			JA: "DoS や DDoS の手法は SIP にも適用できる。" +
				"無意味なリクエストを大量に送りつけたり、別の SIP サーバを踏み台にして攻撃メッセージを増幅させたりすることで、攻撃対象の処理能力を低下させ、サービスを妨害できる。",
			EN: "DoS and DDoS techniques apply to SIP as well. " +
				"By flooding a target with meaningless requests, or by using other SIP servers to amplify the attack traffic, an attacker can exhaust the target's processing capacity and disrupt the service.",
		},
		Attack: Text{
			JA: "最も単純なのは、偽装したリクエストやレスポンスを標的の SIP 端末に直接送りつける方法で、認証を突破する必要もなく難易度は低い。" +
				"調査は RFC 3261 §26.1.5 にある 2 つの増幅手法を例に挙げている。" +
				"1 つは Via ヘッダに標的の IP アドレスとポートを書いた INVITE を踏み台のサーバや端末に送り、180、200、401、407 などのレスポンスを標的に集中させる方法である。" +
				"もう 1 つは Route ヘッダに標的のアドレスを書いたリクエストを踏み台のサーバに送る方法で、フォークされる宛先を選べばリクエストは何倍にも増幅される。" +
				"攻撃を受けた端末は処理能力が低下し、サービス不能に陥るおそれがある。",
			EN: "The simplest form sends forged requests or responses straight at the target endpoint; no authentication has to be defeated, so the bar is low. " +
				"The survey illustrates the two amplification techniques of RFC 3261 §26.1.5. " +
				"In the first, the attacker sends an INVITE whose Via header names the victim's IP address and port to an intermediary server or endpoint, so that its responses (180, 200, 401, 407 and so on) converge on the victim. " +
				"In the second, a Route header names the victim, so the intermediary forwards requests to it, and choosing a request URI that the proxy forks multiplies the traffic. " +
				"The victim slows down and may stop serving altogether.",
		},
		Cause: Text{
			JA: "攻撃に使われる不正なリクエストやレスポンスを SIP の規定どおりに破棄する処理は、準正常系としてほとんどの製品に実装されている。" +
				"しかしこの攻撃の狙いは標的を操作することではなく、処理負荷によって能力を奪うことにあるため、破棄する前に SIP として解析するだけでも資源が消費される。" +
				"また、Via の送信元にレスポンスを返す仕様や Route の指定に従う転送、制限のないフォークが、増幅の踏み台を生む。",
			EN: "Most products already discard invalid requests and responses as the SIP rules prescribe. " +
				"The aim of these attacks, however, is not to manipulate the target but to exhaust it, and even parsing a message as SIP before dropping it costs resources. " +
				"Answering to the Via sent-by address, forwarding along attacker-supplied Route headers and unbounded forking are what turn third-party servers into amplifiers.",
		},
		OpsGuide: Text{
			JA: "ファイアウォールや SBC で、SIP を受け付ける送信元と流量を制限する。" +
				"SIP/RTP のネットワークを分離し、外部から SIP 端末に直接届かないようにする。" +
				"サーバの負荷や異常なトラフィックを監視し、攻撃を検知したら送信元を遮断する。",
			EN: "Restrict which sources may send SIP, and at what rate, with firewalls or session border controllers. " +
				"Keep the SIP/RTP network separate so that endpoints cannot be reached directly from outside. " +
				"Monitor server load and unusual traffic, and block offending sources once an attack is detected.",
		},
		ImplGuide: Text{
			JA: "攻撃パケットが SIP の処理に渡る前に捨てられるよう、送信元 IP アドレスごとに単位時間あたりの受信数を制限するなど、IP 層に近いところで流量を制御する。" +
				"レスポンスはリクエストの実際の送信元（rport、RFC 3581）に返し、認証されていない送信元が指定した Route には転送しない。" +
				"フォークするプロキシは Max-Breadth（RFC 5393）で増幅を抑える。",
			EN: "Drop attack traffic before it reaches SIP processing, for example by limiting the number of packets accepted per source IP address per unit of time close to the IP layer. " +
				"Send responses to the request's actual source (rport, RFC 3581), and do not forward along Route headers supplied by unauthenticated senders. " +
				"Forking proxies should bound amplification with Max-Breadth (RFC 5393).",
		},
		References: []string{
			"RFC 3261 §26.1.5",
			"RFC 5393",
			"RFC 3581",
			"RFC 3261 §18.2.2",
			"Nikkei ITpro news, 10 September 2008 (itpro.nikkeibp.co.jp/article/NEWS/20080910/314570/)",
			"projectphone blog, September 2008, on the SIP incidents (projectphone.typepad.jp/blog/2008/09/-sip3-fcee.html)",
			"YAMAHA RT series VoIP FAQ, September 2008 (rtpro.yamaha.co.jp/RT/FAQ/VoIP/troublevoip-ans.html#9)",
			"FUSION IP-Phone customer notice, 9 September 2008 (fusioncom.co.jp/oshirase/20080909_2.html)",
			"Nikkei ITpro column on VoIP/SIP DoS, November 2008 (itpro.nikkeibp.co.jp/article/COLUMN/20081028/317888/)",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:N/I:N/A:P", Published: 2.6},
		// Unauthenticated requests suffice (AC:L, PR:N); reflection and forking hit third
		// parties beyond the abused server (S:C), degrading their service (A:L).
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:L"},
	}
}
