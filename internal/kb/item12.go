package kb

// item12 is "不具合を起こしやすいパケットに対応できない問題". The survey's
// index calls it "…メッセージに対応できない問題"; the heading of the body,
// used here, says "パケット".
func item12() Item {
	return Item{
		Number:  12,
		TitleJA: "不具合を起こしやすいパケットに対応できない問題",
		TitleEN: "Failure to handle packets that tend to trigger faults (malformed and edge-case messages)",
		Summary: Text{
			JA: "SIP/RTP 対応の機器やソフトウェアが、不具合を誘発しやすいパケットを1つ受け取っただけで停止・再起動したり、" +
				"処理が極端に遅くなったりすることがある。バッファオーバフローのような欠陥であれば、機器の制御を奪われ、" +
				"乗っ取られた機器が第三者への攻撃に使われるおそれもある。",
			EN: "A SIP/RTP device or program may halt, reboot or slow down badly after receiving a single packet crafted to provoke a fault. " +
				"When the underlying defect is a buffer overflow, the attacker can take control of the device and use it against third parties.",
		},
		Attack: Text{
			JA: "問題となるメッセージは3種類に分けられる。(1) 仕様に反する不正形式のもの(ASCII であるべき欄のバイナリ、数千文字に及ぶ行、" +
				"正の整数欄の負数、標準にない長大なメソッド名など)、(2) 仕様には適合するが境界的・例外的なもの(RFC 4475 の拷問テストにある " +
				"%XX エスケープや想定外の順序・状態で届くリクエストなど)、(3) SQL インジェクションのように連携する他アプリケーションを狙うもの、である。" +
				"結果として機能停止や再起動でセッションが失われ、処理遅延による音声途切れや認証の不安定化が起き、認証を回避されればなりすましや料金の付け替えにつながる。" +
				"バッファオーバフローを突かれると侵入コードを実行され、機器がボットとして DDoS やウイルスメールの送信に加担させられる可能性もある。" +
				"こうした入力を大量に自動生成して送り込む手法は Fuzzing と呼ばれる。",
			EN: "The offending messages fall into three groups: (1) malformed messages that break the specification (binary data where ASCII is expected, " +
				"lines thousands of characters long, negative numbers in unsigned fields, an over-long unknown method name); (2) messages that are valid but " +
				"sit at boundaries or arrive in unexpected states (e.g. the %XX-escaped torture tests of RFC 4475); and (3) payloads aimed at cooperating " +
				"applications, such as SQL injection through a user name. Effects range from lost sessions after a crash or reboot to choppy audio, " +
				"flapping authentication and, if authentication is bypassed, impersonation and billing fraud. A buffer overflow lets the attacker run code " +
				"on the device and enlist it in a botnet for DDoS or mail spam. Generating such inputs automatically and at scale is called fuzzing.",
		},
		Cause: Text{
			JA: "根本原因はソフトウェアの実装にあり、文字列や整数の扱いの誤り、バッファの保護不足などが典型である。" +
				"C/C++ での strcpy() や gets() のような危険な関数による戻りアドレスの上書きや、整数の範囲超過・型変換による想定外のメモリアクセスがよく見られる。" +
				"仕様範囲内の入力についても、拡張の続く SIP の機能実装に追われて状態に応じた処理が抜けていたり、%エスケープの扱いを誤ったりする例がある。" +
				"設定ミスによる別プロトコルの到着、欠けた・重複したメッセージ、未認証や状態に合わないリクエストなど、悪意がなくても異常な入力は届きうる。" +
				"同種の欠陥は SIP 本体だけでなく、HTTP・SNMP・TELNET・TFTP・DNS など機器の管理用ソフトウェアにも潜んでいる。",
			EN: "The root cause lies in the implementation: mishandled strings and integers and unprotected buffers. Typical C/C++ mistakes are " +
				"overwriting return addresses through unsafe functions such as strcpy() or gets(), and integer overflow or conversion leading to stray memory access. " +
				"Even for valid input, implementers racing to keep up with SIP extensions omit state-dependent handling or get %-escapes wrong. " +
				"Abnormal input also arrives without malice: packets of another protocol after a misconfiguration, truncated or duplicated messages, " +
				"unauthenticated or out-of-state requests. The same class of defect exists in a device's HTTP, SNMP, TELNET, TFTP and DNS services, not only in SIP.",
		},
		OpsGuide: Text{
			JA: "SIP/RTP 機器は閉じたネットワークに置き、外部から届くパケットをファイアウォールで必要なものだけに制限する。" +
				"使わないサービスやポートは止め、ベンダの脆弱性情報を確認してファームウェアを速やかに更新する。" +
				"導入前や運用中に SIP/RTP の Fuzzing ツールで耐性を確認し、IDS/IPS で異常なパケットを検知・遮断する。",
			EN: "Keep SIP/RTP equipment on a closed network and let the firewall pass only the traffic it needs. Disable unused services and ports, " +
				"follow vendor advisories and update firmware promptly. Test robustness with SIP/RTP fuzzing tools before and during deployment, " +
				"and use an IDS/IPS to detect and block abnormal packets.",
		},
		ImplGuide: Text{
			JA: "セキュアコーディングの指針に沿って、受信データの長さ・範囲・文字種を必ず検査し、危険な文字列関数を避ける。" +
				"コンパイラのスタック保護や安全なライブラリを使い、条件が合えば Java のようなメモリ安全な言語も検討する。" +
				"RFC 4475 の拷問テストや PROTOS c07-sip 系のテスト群、状態遷移を含む試験を開発の早い段階から死活監視付きで実施し、" +
				"Web や SQL と連携する部分では入力を無害化する。",
			EN: "Follow secure-coding practice: validate the length, range and character set of every received field and avoid unsafe string functions. " +
				"Use compiler stack protection and hardened libraries, and consider a memory-safe language where the platform allows. " +
				"Run the RFC 4475 torture tests, PROTOS c07-sip style suites and stateful scenarios early in development with liveness monitoring, " +
				"and sanitise input passed on to web or SQL components.",
		},
		References: []string{
			"RFC 3261",
			"RFC 4475",
			"RFC 5118",
			"PROTOS Test Suite c07-sip (University of Oulu)",
			"JPCERT/CC (transl.), C/C++ セキュアコーディング, ASCII, 2006",
			"Symantec, Hacktool.Sipbot",
			"http://itpro.nikkeibp.co.jp/article/COLUMN/20080926/315503/",
		},
		// The survey assesses the buffer-overflow case.
		CVSS2: &CVSS2{Vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", Published: 7.5},
		// One unauthenticated packet can crash the device or, via an overflow, run code on it.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
	}
}
