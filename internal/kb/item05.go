package kb

// item05 is survey item 5 (body section 項目5; the heading wraps across two lines
// in the text dump and is joined here).
func item05() Item {
	return Item{
		Number:  5,
		TitleJA: "保護されていないトランスポートプロトコルを選択させられる問題",
		TitleEN: "Being forced onto an unprotected transport protocol",
		Summary: Text{
			JA: "SIP を TLS で送ろうとした端末が、TCP 接続の失敗を示すパケットを受け取ると、TLS をあきらめて保護されていない UDP でメッセージを送り直してしまうことがある。" +
				"攻撃者はこれを利用して通信を平文に引き下げ（ダウングレード）、盗聴やなりすましを容易にできる。",
			EN: "A client that tries to send SIP over TLS may, on receiving a packet that signals a failed TCP connection, give up on TLS and resend the message over unprotected UDP. " +
				"An attacker can exploit this to downgrade the signalling to plaintext, which makes eavesdropping and impersonation easy.",
		},
		Attack: Text{
			JA: "TLS の接続は、まず TCP の接続確立から始まる。" +
				"発信端末が送った SYN に対し、攻撃者（悪意のある SIP サーバや端末、または経路上の第三者）が RST パケットや ICMP Protocol Unreachable を返すと、端末は TCP 接続に失敗したと判断し、RFC 3261 の記述を誤解して INVITE などを UDP で再送する。" +
				"以後のメッセージは暗号化されずに流れ、盗聴や改ざんが可能になる。",
			EN: "A TLS connection starts with a TCP handshake. " +
				"When the attacker (a malicious SIP server or endpoint, or someone on the path) answers the client's SYN with a TCP RST or an ICMP Protocol Unreachable, the client concludes that the connection failed and, misreading RFC 3261, resends the INVITE over UDP. " +
				"From then on messages travel unencrypted and can be read and altered.",
		},
		Cause: Text{
			JA: "RFC 3261 §18.1.1 は、UDP のサイズ制限のために本来 UDP で送るはずのリクエストを TCP で送ろうとし、ICMP や TCP リセットで接続に失敗した場合は UDP で再試行すべき（SHOULD）と定めている。" +
				"これは TCP が任意だった RFC 2543 準拠の実装との互換性のための規定であり、TLS の一部として行う TCP 接続の失敗に適用すべきものではないが、端末が無条件に適用するとダウングレードが起こる。" +
				"さらに、安全でないネットワークでは TCP RST の偽装そのものを防ぐことが難しい。",
			EN: "RFC 3261 §18.1.1 says that when a request that would normally go over UDP is sent over TCP because of UDP's size limit, and the connection attempt fails with an ICMP error or a TCP reset, the element SHOULD retry over UDP. " +
				"The rule exists only for backward compatibility with RFC 2543 implementations, for which TCP was optional, and was never meant for the TCP connection underneath TLS; clients that apply it unconditionally can be downgraded. " +
				"On an untrusted network, forged TCP resets are also hard to prevent.",
		},
		OpsGuide: Text{
			JA: "TLS を使うよう設定した端末が、接続に失敗しても他のトランスポートに切り替えないことを導入前に確認する。" +
				"IPsec や SSL-VPN で SIP の通信路を保護するか、SIP/RTP のネットワークを分離する。" +
				"TLS で提供しているアカウントが UDP や TCP の平文でも使える状態になっていないかも確認する。",
			EN: "Before deployment, confirm that endpoints configured for TLS never fall back to another transport when the connection fails. " +
				"Protect the signalling path with IPsec or an SSL-VPN, or separate the SIP/RTP network. " +
				"Check that accounts served over TLS cannot also be used in clear over UDP or TCP.",
		},
		ImplGuide: Text{
			JA: "RFC の記述を正しく解釈し、TLS（sips: URI や transport=tls）を使うべき宛先については、TCP RST や ICMP Protocol Unreachable を受け取っても UDP や平文の TCP に切り替えない。" +
				"TLS で接続できない場合は送信を失敗として扱い、利用者や管理者に知らせる。",
			EN: "Read the RFC correctly: for destinations that require TLS (sips: URIs or transport=tls), never switch to UDP or plain TCP after a TCP RST or an ICMP Protocol Unreachable. " +
				"If TLS cannot be established, fail the request and tell the user or administrator.",
		},
		References: []string{
			"RFC 3261 §18.1.1",
			"RFC 3261 §26.2.2",
			"RFC 5630",
			"Sipera VIPER Lab advisory: SIP compliant clients may be vulnerable to transport rollback vulnerability (March 2007)",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:P/I:N/A:N", Published: 2.6},
		// The attacker must answer the SYN before the real peer does (AC:H); the
		// downgraded signalling can be read (C:L) and forged (I:L).
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N"},
	}
}
