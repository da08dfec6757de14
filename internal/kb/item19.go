package kb

// item19 is "登録 ID と構成情報の収集に関する問題". The survey gives it no
// CVSS assessment.
func item19() Item {
	return Item{
		Number:  19,
		TitleJA: "登録 ID と構成情報の収集に関する問題",
		TitleEN: "Harvesting of registered IDs and configuration information",
		Summary: Text{
			JA: "SIP 関連機器は、登録された ID や内部の構成情報をいくつもの方法で収集されることがある。" +
				"検索エンジンによる管理ページの発見、SNMP への応答、連番の電話番号の推測、SIP 通信の盗聴、SIP サーバへの問い合わせへの応答の違い、の5つである。" +
				"収集そのものの深刻度は低いが、攻撃者が効率よく攻撃するための下準備として常套的に行われる。",
			EN: "Registered IDs and internal configuration of SIP equipment can be collected in several ways: search engines that index admin pages, SNMP replies, " +
				"guessable sequential numbers, sniffed SIP traffic, and servers that answer differently for existing and unknown IDs. " +
				"Harvesting alone is low in severity, but it is the routine groundwork for efficient attacks.",
		},
		Attack: Text{
			JA: "(1) 検索エンジンで管理ページ特有の語句を検索し、インターネットから届く稼働中機器の一覧を得て、初期パスワードで SIP プロキシや DNS・NTP・TFTP のアドレスなどの設定を読み取る。組織の電話番号や非公開の内線番号が見つかることもある。" +
				"(2) 連続した番号体系ならプログラムで順に発信でき、SPIT(IP 電話の迷惑電話)で自動音声の宣伝や、偽のガイダンスで押させた DTMF から ID・パスワードを盗む詐欺に使われる。" +
				"(3) よくあるコミュニティ名で SNMP に問い合わせ、SNMP Walk でインターフェース・IP アドレス・開いているポート・ホスト名を引き出し、書き込みが可能なら設定も変える。" +
				"(4) 保護されていない SIP を盗聴してヘッダの SIP URI を集める。" +
				"(5) REGISTER や OPTIONS への応答が ID の有無で異なるサーバに辞書を使って問い合わせ、実在する ID を選び出す。",
			EN: "(1) Search engines queried for strings typical of admin pages list reachable devices; default passwords then reveal SIP proxy, DNS, NTP and TFTP settings, and sometimes an organisation's numbers and unpublished extensions. " +
				"(2) Sequential numbering lets a program dial every number, feeding SPIT (spam over IP telephony): recorded sales pitches, or fake prompts that harvest IDs and passwords from the DTMF the victim types. " +
				"(3) SNMP queried with common community names, followed by an SNMP walk, yields interfaces, addresses, open ports and host names, and settings can be changed where SNMP write is open. " +
				"(4) SIP URIs are collected from the headers of unprotected SIP traffic. " +
				"(5) A server whose REGISTER or OPTIONS answers differ for existing and unknown IDs is probed with a dictionary to sort out the real IDs.",
		},
		Cause: Text{
			JA: "クローラーは公開ページを収集するため、機器をリンクしたりアクセス履歴やログを公開したりすると、intitle: や inurl: などの検索で管理ページが見つかる(検索エンジンハッキング。2003 年の Defcon 11 で体系化)。robots.txt は必ず守られるとは限らない。" +
				"SNMP を備えた IP 電話機の多くは出荷時に認証が無効で、共通のコミュニティ名のままどのネットワークからも応答し、ツリー構造のため再帰的にほぼすべての情報を読める。" +
				"SIP ヘッダにはアドレスが平文で書かれ、また ID の有無で「存在しない」「認証が必要」と応答を変える実装がある。",
			EN: "Crawlers index whatever is public, so linking to a device or publishing its access logs makes admin pages findable with operators like intitle: and inurl: (search-engine hacking, catalogued at Defcon 11 in 2003); robots.txt is not always honoured. " +
				"Many SNMP-capable IP phones ship with authentication off and a common community name, answer any network, and expose almost everything through a recursive walk of the single object tree. " +
				"SIP headers carry addresses in clear text, and some servers answer \"no such user\" for unknown IDs but \"authentication required\" for existing ones.",
		},
		OpsGuide: Text{
			JA: "SIP 機器は Ethernet や VLAN で分離した閉じたネットワークで使い、インターネットから管理ページや SIP へ直接届かないようにする。" +
				"SIP の通信は IPsec などで保護し、盗聴による ID の収集を防ぐ。" +
				"SIP サーバへの連続した問い合わせや番号順の発信を監視し、IDS(侵入検知システム)などで検知・制限する。機密情報が検索で見つからないか定期的に確認する。",
			EN: "Run SIP equipment on a closed network separated by Ethernet segmentation or VLANs so that admin pages and SIP are not reachable from the Internet. " +
				"Protect SIP traffic with IPsec or similar so IDs cannot be sniffed. " +
				"Watch for bursts of queries to the SIP server and sequential dialling, and detect or throttle them with an IDS. Search periodically for leaked sensitive information.",
		},
		ImplGuide: Text{
			JA: "SNMP は初期状態で無効にするか、コミュニティ名の変更とアクセス元 IP の制限を可能にする。" +
				"SIP の通信を TLS や IPsec で保護できるようにする。" +
				"SIP サーバは ID が存在するかどうかで応答を変えない。" +
				"SIP の認証やその他の認証結果に基づいて、リクエストの受け付けや頻度を制限する。",
			EN: "Ship SNMP disabled, or at least let the community name be changed and the permitted source addresses be restricted. " +
				"Support protecting SIP with TLS or IPsec. " +
				"Make the SIP server answer the same way whether or not an ID exists. " +
				"Limit which requests are served, and how often, based on SIP or other authentication.",
		},
		References: []string{
			"David Endler, Mark Collier, Hacking VoIP Exposed: Voice over IP Security Secrets & Solutions, McGraw-Hill, 2006",
			"Hacking VoIP Exposed, RSA Conference 2007 presentation",
			"Johnny Long, Watching the Watchers: Target Exploitation via Public Search Engines, Defcon 11, 2003",
			"A Framework for Reducing Spam for Internet Telephony (IETF Internet-Draft), 2007",
			"警察庁 @police, 5060/UDP に対するアクセスの増加について, 2010",
		},
		CVSS2: nil,
		// Unauthenticated probing discloses which IDs exist and how the device is configured.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"},
	}
}
