package kb

// item20 is "SIP における TLS の不適切な利用から起こる問題".
func item20() Item {
	return Item{
		Number:  20,
		TitleJA: "SIP における TLS の不適切な利用から起こる問題",
		TitleEN: "Problems caused by improper use of TLS in SIP",
		Summary: Text{
			JA: "TLS を実装していても使い方が適切でなければ保護の効果は失われ、攻撃者になりすまされて TLS の暗号セッションに割り込まれることがある。" +
				"調査では特にサーバ証明書を正しく検証しない場合の中間者攻撃を取り上げ、あわせて TLS 実装・運用上の注意点を整理している。",
			EN: "TLS only protects SIP when it is used correctly; otherwise an attacker can impersonate a party and sit inside the encrypted session. " +
				"The survey focuses on man-in-the-middle attacks made possible by missing server-certificate validation and lists further TLS implementation and deployment pitfalls.",
		},
		Attack: Text{
			JA: "攻撃者は ARP スプーフィングや DNS 応答の偽装で SIP サーバになりすまし、端末との間で偽のサーバ証明書を使って TLS セッションを確立する。" +
				"同時に SIP 端末になりすましてサーバ側とも TLS セッションを張り、中間者(MITM)として両方向の通信を復号・中継する。" +
				"端末が送る REGISTER とユーザ名、続くダイジェスト認証のチャレンジと応答もすべて攻撃者の手に渡り、成りすましや改ざんが可能になる。",
			EN: "Using ARP spoofing or forged DNS answers, the attacker poses as the SIP server and completes a TLS handshake with the UA using a fake server certificate, " +
				"while opening a second TLS session to the real server in the UA's name. As man in the middle the attacker decrypts and relays both directions. " +
				"The UA's REGISTER and user name, and the digest challenge and response that follow, all pass through the attacker, who can impersonate either side or alter messages.",
		},
		Cause: Text{
			JA: "中間者攻撃は公開鍵証明書が正しく使われないときに成立する。典型例は、(1) 端末がサーバ証明書を検証しない、(2) 攻撃者の証明書をそのまま受け入れる、(3) 端末に偽の CA 証明書を注入される、の3つである。" +
				"端末には使う予定のサーバ証明書を発行した CA の証明書だけを入れておくべきで、それ以外が入ると攻撃者の証明書も正当と判定される。" +
				"ほかに、実在確認の甘い CA の証明書や用途外の証明書を使うなど、証明書の運用方針の不備もある(RFC 3647 参照)。" +
				"実装面では乱数の生成、証明書と認証、Diffie-Hellman パラメータ、ServerHello のバージョン処理の誤り(RFC 5246 付録 D)や、DES・IDEA など弱い暗号の利用が問題になる。",
			EN: "The man in the middle succeeds when public-key certificates are misused, typically when (1) the UA does not validate the server certificate, (2) it accepts the attacker's certificate as presented, " +
				"or (3) a rogue CA certificate has been planted in the UA. A UA should hold only the CA certificate that issues its intended server's certificate; anything else lets an attacker's certificate validate. " +
				"Weak certificate policy adds to this, such as CAs that barely verify the subject or certificates used outside their intended purpose (see RFC 3647). " +
				"On the implementation side the pitfalls are random-number seeding, certificate handling, Diffie-Hellman parameters and ServerHello version handling (RFC 5246 Appendix D), and weak ciphers such as DES and IDEA.",
		},
		OpsGuide: Text{
			JA: "TLS のサーバ証明書は信頼できる認証局(CA)から取得し、証明書ポリシーと運用方針を明確にして管理する(RFC 3647)。" +
				"端末には必要な CA 証明書だけを登録し、サーバ証明書の検証が有効になっていることを確認する。" +
				"古い TLS のバージョンや弱い暗号スイートは無効にする。",
			EN: "Obtain TLS server certificates from a trustworthy certification authority and manage them under a clear certificate policy and practice statement (RFC 3647). " +
				"Install only the CA certificates that are needed on UAs and make sure server-certificate validation is enabled. " +
				"Disable old TLS versions and weak cipher suites.",
		},
		ImplGuide: Text{
			JA: "RFC 5246(TLS 1.2)の付録 D の実装上の注意と付録 E・F に従い、ASN.1 の解析、AES や SHA などの暗号処理を検証済みの実装で行い、最新の TLS を使う。" +
				"サーバ証明書は必ず検証し、信頼する CA、有効期限、SIP ドメインとの名前の一致を確かめて、失敗すれば接続を中止する。" +
				"必要に応じてクライアント証明書によるアクセス制限を行い、TLS ライブラリの脆弱性情報に追随して更新する。",
			EN: "Follow the implementation notes in RFC 5246 (TLS 1.2) Appendix D and Appendices E and F, rely on a proven library for ASN.1 parsing and for AES, SHA and the other primitives, and use the current TLS version. " +
				"Always validate the server certificate (trusted CA, validity period, name matching the SIP domain) and abort the connection on failure. " +
				"Restrict access with client certificates where appropriate, and track and apply advisories for the TLS library.",
		},
		References: []string{
			"RFC 5246",
			"RFC 3647",
			"RFC 4347",
			"RFC 5763",
			"RFC 5469",
			"CERT Advisory CA-2003-26 (ASN.1 flaws in SSL/TLS implementations), 2003",
			"Ingate, Peer Authentication Vulnerability in Ingate Products (SIP over TLS, X.509), 2006",
			"JVNDB-2007-000404 / cisco-sa-20070522-crypto (RSA BSAFE Cert-C/Crypto-C ASN.1 DoS), 2007",
			"Asterisk AST-2008-007, weak OpenSSL keys on Debian-based systems, 2008",
		},
		// The survey prints 2.6 next to this vector; the v2 equations give 4.0
		// for it, so items.go flags the mismatch.
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:P/I:P/A:N", Published: 2.6},
		// A man in the middle is needed; then all signalling can be read and altered.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N"},
	}
}
