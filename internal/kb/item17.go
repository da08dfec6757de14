package kb

// item17 is "デバッガ機能へ接続可能な実装の問題". The survey lists its three
// attack steps only in a figure; the Attack text reconstructs them.
func item17() Item {
	return Item{
		Number:  17,
		TitleJA: "デバッガ機能へ接続可能な実装の問題",
		TitleEN: "Implementations whose debugger can be reached over the network",
		Summary: Text{
			JA: "卓上型の SIP 電話機や IP 電話アダプタは ITRON、VxWorks、Linux、Windows CE などの組み込み OS 上で開発され、開発中はネットワーク越しのリモートデバッグがよく使われる。" +
				"この機能を止めないまま出荷された製品では、第三者がデバッガで接続し、機器上で任意のコードを実行できてしまう。",
			EN: "Desk SIP phones and IP phone adapters are built on embedded operating systems such as ITRON, VxWorks, Linux or Windows CE, and are commonly debugged remotely over the network during development. " +
				"If that facility is left enabled when the product ships, anyone can attach a debugger and run arbitrary code on the device.",
		},
		Attack: Text{
			JA: "攻撃者はポートスキャンでデバッグ用のポート(VxWorks の WDB エージェントなど)を見つけ、GDB などのリモートデバッガで接続する。" +
				"接続後はメモリの読み出しや書き換え、用意した不正なモジュールの読み込みと実行ができ、機器の OS 上で任意のバイナリコードが動く。" +
				"その結果、設定や認証情報の窃取、通話の盗聴、機器の停止や踏み台化など、機器を完全に掌握される。",
			EN: "The attacker finds the debug port (for example the VxWorks WDB agent) with a port scan and attaches a remote debugger such as GDB. " +
				"From there memory can be read and written and a prepared malicious module loaded and executed, so arbitrary binary code runs on the device's OS. " +
				"The device is then fully owned: configuration and credentials stolen, calls tapped, the device stopped or used as a stepping stone.",
		},
		Cause: Text{
			JA: "組み込み機器の開発では、別プラットフォームでクロスコンパイルしたコードを実機に載せ、動作中の状態や内部遷移、パラメータを確認するためにシリアルや IP 経由のリモートデバッグを使う。" +
				"この機能は開発時には非常に有用だが、出荷時には停止しなければならない。問題は、それを無効にしないまま出荷していることにある。" +
				"ポートスキャンで接続先は容易に判明し、環境ごとの初期設定を知っていれば接続できてしまうため、強力なバックドアとして働く。",
			EN: "Embedded development cross-compiles code on another platform, loads it onto the hardware and uses remote debugging over a serial line or IP to inspect the running state, transitions and parameters. " +
				"The facility is invaluable during development but must be switched off for production; the flaw is shipping with it still on. " +
				"A port scan reveals it easily and knowing the usual default settings is enough to connect, so it acts as a powerful backdoor.",
		},
		OpsGuide: Text{
			JA: "導入前にポートスキャンを行い、デバッグ用のポートが開いていないことを確認する。開いていればベンダに対策を求め、それまではファイアウォールで外部からの接続を遮断する。",
			EN: "Port-scan devices before deployment and confirm that no debug port is open. If one is, ask the vendor for a fix and block outside access to it at the firewall in the meantime.",
		},
		ImplGuide: Text{
			JA: "製品出荷時にはリモートデバッグ機能(WDB エージェント、gdbserver、telnet などの開発用サービス)をビルドから外すか確実に無効化する。" +
				"出荷前の検査でポートスキャンを行い、開発用のサービスが残っていないことを確認する工程を設ける。",
			EN: "Remove the remote debugging facilities (WDB agent, gdbserver, telnet and other development services) from production builds or disable them reliably. " +
				"Make a pre-shipment port scan that confirms no development service remains part of the release process.",
		},
		References: []string{
			"Shawn Merdinger, Hacking VoIP Phones: 802.11b/g Wireless & Wired, 2006",
			"David Endler, Mark Collier, Hacking VoIP Exposed, Black Hat USA 2006",
			"Cisco 7920 Wireless IP Phone VxWorks Remote Debugger Access Vulnerability (SecurityFocus BID 15456), 2005",
			"Debugging with GDB, 18.2.1 Using GDB with VxWorks",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:M/Au:S/C:P/I:P/A:P", Published: 6.0},
		// A reachable debug agent needs no credentials and gives code execution on the device.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
	}
}
