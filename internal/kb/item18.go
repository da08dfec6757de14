package kb

// item18 is "管理機能に関する問題". The survey gives it no CVSS assessment.
func item18() Item {
	return Item{
		Number:  18,
		TitleJA: "管理機能に関する問題",
		TitleEN: "Problems with management functions",
		Summary: Text{
			JA: "SIP 関連機器では、SIP 以外の管理・設定・監視の機能やその使い方に脆弱性が潜んでいることがある。" +
				"攻撃者はそれを突いて管理権限を奪ったり、ID やパスワード、構成情報を集めたりする。" +
				"研究分野では「設定の問題」と呼ばれることが多いが、適切な設定方法と初期値を提供するのは管理機能の役割であるため、調査ではあえて管理機能の問題として扱っている。",
			EN: "Besides SIP itself, a device's management, configuration and monitoring functions, and the way they are used, may be vulnerable. " +
				"Attackers exploit them to seize administrative control or to harvest IDs, passwords and configuration. " +
				"Researchers often call this a configuration problem; the survey deliberately files it under management functions, because it is their job to offer safe settings and defaults.",
		},
		Attack: Text{
			JA: "(1) Web、TELNET/RLOGIN/SSH、SNMP などの管理インターフェースが認証なし、またはマニュアル記載の初期 ID・パスワードのままで、任意のネットワークから応答する。" +
				"攻撃者は機器が使う SIP プロキシの IP アドレスを書き換え、その機器のすべての SIP セッションを盗聴・介入できるようになる。" +
				"(2) 設定を配布する TFTP を盗聴され、ID・パスワードや構成情報を奪われる。MAC アドレスやファームウェア版数を誰にでも返す機器もある。" +
				"(3) 管理 Web の XSS・CSRF・SQL インジェクションにより管理画面を事実上乗っ取られ、不正利用や課金情報の改ざんにつながる。" +
				"(4) ファームウェアを更新できない・更新が遅い機器や、(5) 管理プロトコルや初期パスワードを説明しない不十分なドキュメントが、既知の攻撃を容易にする。",
			EN: "(1) Management interfaces (web, TELNET/RLOGIN/SSH, SNMP) answer any network with no authentication or with the default ID and password printed in the manual; " +
				"the attacker points the device at a SIP proxy of their own and can then tap or interfere with every SIP session it makes. " +
				"(2) TFTP provisioning is sniffed for IDs, passwords and configuration, and some devices tell anyone their MAC address and firmware version. " +
				"(3) XSS, CSRF or SQL injection in the admin web pages effectively hands over the management interface, enabling toll fraud and tampering with billing data. " +
				"(4) Devices whose firmware cannot be updated, or is patched slowly, and (5) documentation that omits management protocols and default passwords make known attacks easy.",
		},
		Cause: Text{
			JA: "出荷時に設定した管理パスワードは取扱説明書に書かれて誰でも知りうるため、変更するまではネットワークに接続しない、同じセグメントからのみ管理を許すといった制限が必要である。" +
				"TFTP は認証も暗号化もない UDP 上の簡易な転送で、本来は VLAN やトンネルで分離した管理網で使う前提だが、IP 電話機にはルータ並みの管理通信の保護が適用されていないことが多い。" +
				"SIP サーバの機能が複雑になるにつれ、IP-PBX の管理 Web にも Web アプリケーションの脆弱性が報告されるようになった。" +
				"更新にシリアルポートやメモリカードの交換、メーカへの返送が必要な機器は更新されにくく、安価な機器や保守のないメーカで更新の遅れが目立つ。",
			EN: "A factory admin password ends up in the manual where anyone can read it, so the device should stay off the network until it is changed, or accept management only from its own segment. " +
				"TFTP is a bare UDP transfer with no authentication or encryption, meant for management networks separated by VLANs or tunnels, yet IP phones rarely get the protection routers and switches do. " +
				"As SIP servers grew more complex, web application flaws started to be reported in IP-PBX admin pages too. " +
				"Devices that need a serial port, a memory-card swap or a trip to the vendor to update are seldom patched, and slow fixes are most common among low-cost vendors without maintenance services.",
		},
		OpsGuide: Text{
			JA: "導入時に初期の管理 ID・パスワードを必ず変更し、不要な管理サービス(TELNET、SNMP など)は止める。" +
				"管理インターフェースや TFTP には管理用のネットワーク(VLAN など)からのみアクセスできるようにし、ファイアウォールで外部から遮断する。" +
				"ファームウェア更新の提供状況を確認して速やかに適用し、更新が遅い機器では運用面の対策を補う。" +
				"管理 Web は HTTP ではなく SSL/TLS(HTTPS)で利用する。",
			EN: "Change the default admin ID and password at installation and turn off management services that are not needed (TELNET, SNMP and so on). " +
				"Make management interfaces and TFTP reachable only from a management network such as a dedicated VLAN, and block them from outside at the firewall. " +
				"Check the vendor's firmware update record, apply updates promptly and add operational safeguards for devices that are patched slowly. " +
				"Use the admin web interface over SSL/TLS (HTTPS), not plain HTTP.",
		},
		ImplGuide: Text{
			JA: "共通の初期パスワードをやめ、初回起動時にパスワード変更を強制するか、変更まで同一セグメントからの管理に限る。" +
				"管理サービスは初期状態で必要最小限にし、アクセス元を制限できるようにする。" +
				"設定ファイルの配布は認証と暗号化で保護し、ファームウェアをネットワーク経由で容易に更新できるようにする。" +
				"管理 Web は HTTPS を提供し、XSS・CSRF・SQL インジェクション対策を施す。管理プロトコルと初期設定はドキュメントに明記する。",
			EN: "Drop shared default passwords: force a change at first boot, or allow management only from the local segment until it is changed. " +
				"Ship with the minimum of management services enabled and let the administrator restrict who may reach them. " +
				"Authenticate and encrypt configuration downloads, and make network firmware updates easy. " +
				"Offer HTTPS for the admin web and guard it against XSS, CSRF and SQL injection. Document every management protocol and default setting.",
		},
		References: []string{
			"Peter Thermos, Guy Hadsall, Vulnerabilities in SOHO VoIP Gateways, VoPSecurity.org, 2005",
			"VOIPSA, VoIP Security and Privacy Threat Taxonomy, 2005",
			"David Endler, Mark Collier, Hacking VoIP Exposed, Black Hat USA 2006",
			"RFC 2616",
			"RFC 2818",
			"RFC 854",
			"RFC 1282",
			"RFC 1350",
			"RFC 3512",
			"RFC 3584",
			"Cisco Unified IP Phone Remote Eavesdropping advisory, 2007",
			"Remote Wiretapping on Cisco Phones, hack.lu 2007",
			"Owning the internal network with SIP and a Linksys Phone (Full Disclosure), 2007",
			"[VOIPSEC] XSS and SQL injection via SIP (part 2) and toll fraud bonus, 2007",
			"IPA, 安全なウェブサイトの作り方",
		},
		CVSS2: nil,
		// Unauthenticated or default-credential admin access gives full control of the device's configuration.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
	}
}
