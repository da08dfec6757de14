package kb

// item16 is the survey's item 16. Its body heading, used as TitleJA, is
// about inappropriate IP addresses; the survey's index instead names it
// "複数プロトコルが統合されていない実装の問題" (SIP and RTP not integrated).
// sipvet covers both readings, and the texts below describe both.
func item16() Item {
	return Item{
		Number:  16,
		TitleJA: "不適切な IP アドレスを含む SIP メッセージに関する問題",
		TitleEN: "SIP messages carrying inappropriate IP addresses (index title: implementations where SIP and RTP are not integrated)",
		Summary: Text{
			JA: "SIP メッセージには複数の箇所に IP アドレスが書かれるが、ループバックアドレスや自端末のアドレス、ブロードキャストアドレスなど処理上問題のある値を検査しない実装は、" +
				"サービス不能に陥ったり再起動が必要になったりする。目次ではこの項目を「複数プロトコルが統合されていない実装の問題」と呼んでおり、" +
				"SIP が制御を、RTP がメディアを担う役割分担の中で、両者が協調して動作しないことに起因する問題として位置づけている。",
			EN: "SIP messages carry IP addresses in several places. Implementations that do not reject problematic ones, such as loopback, their own address or broadcast addresses, " +
				"can be driven into a denial of service or into needing a reboot. The survey's index titles this item \"implementations where multiple protocols are not integrated\": " +
				"SIP handles control while RTP carries the media, and the problem stems from the two not working in concert.",
		},
		Attack: Text{
			JA: "攻撃者は偽装した INVITE の SDP の c 行にループバックアドレス(127.0.0.1)を書いたり、Via や Contact にブロードキャストアドレスや受信端末自身のアドレスを書いたりして目標へ送る。" +
				"Via に受信端末のアドレスがあれば端末はレスポンスを自分自身へ送り、c 行がループバックならメディアを自分自身へ送ることになる。" +
				"自己ループに陥った端末はサービス不能になったり、再起動が必要になったりする。" +
				"SIP と RTP が連携していない実装では、呼の終了後もメディアを送り続けたり、セッションのないポートの RTP を中継したりする問題も起こりうる。",
			EN: "The attacker sends a forged INVITE whose SDP c= line is the loopback address (127.0.0.1), or whose Via or Contact holds a broadcast address or the target's own address. " +
				"With its own address in Via the target sends the response to itself; with a loopback c= line it sends the media to itself. " +
				"Caught in such a self-loop, the device may stop serving or need a restart. " +
				"Where SIP and RTP are not integrated, media may also keep flowing after the call ends, or a relay may forward RTP on ports that belong to no session.",
		},
		Cause: Text{
			JA: "IP アドレスとポートは Request-URI、Via、Contact、Route、Record-Route、SDP の c 行などに書かれる。" +
				"Request-URI・Contact・Route はリクエストの送り先、Via はレスポンスの送り先を決めるためサーバと端末の両方に影響し、Record-Route も後の Route として使われるため最終的に両方に影響する。" +
				"c 行は端末やメディアゲートウェイがメディアを送る先になる。" +
				"プロトコル上はループバックやブロードキャストのような明らかに不適切なアドレスも書けてしまうため、アプリケーション層で検査すべきだが、無条件に使う実装が存在する。",
			EN: "Addresses and ports appear in the Request-URI, Via, Contact, Route, Record-Route and the SDP c= line. " +
				"Request-URI, Contact and Route steer requests and Via steers responses, so they affect both servers and UAs; Record-Route becomes a later Route and ends up affecting both too. " +
				"The c= line tells a UA or media gateway where to send media. " +
				"The protocol lets obviously unsuitable addresses such as loopback or broadcast be written, so the application layer must check them, yet some implementations use them unconditionally.",
		},
		OpsGuide: Text{
			JA: "SIP の通信路を閉じたネットワークや IPsec・SSL-VPN で保護し、第三者が偽装メッセージを送れないようにする。" +
				"SIP/RTP の通信を監視し、不適切なアドレスを含むメッセージを検知する。" +
				"SIP に対応したファイアウォールなどで、ループバックやブロードキャストなど不適切な IP アドレスを含むメッセージを遮断する。",
			EN: "Protect the SIP path with a closed network, IPsec or an SSL-VPN so that forged messages cannot be injected. " +
				"Monitor SIP/RTP traffic for messages with unsuitable addresses. " +
				"Use a SIP-aware firewall or similar device to drop messages carrying loopback, broadcast or other inappropriate IP addresses.",
		},
		ImplGuide: Text{
			JA: "SIP over TLS(Secure SIP)で通信相手を確認する。" +
				"受信したメッセージ中の IP アドレスを検査し、ループバック、自端末、ブロードキャスト・マルチキャストなどの不適切なアドレスは使わずにエラーとする。" +
				"UDP/TCP のポート番号も確認し、0 や 1023 以下のウェルノウンポートを指す SDP の m 行などは拒否する。" +
				"SIP の呼状態と RTP の送受信を連動させ、呼が終われば直ちにメディアを止める。",
			EN: "Verify the peer with SIP over TLS (Secure SIP). " +
				"Check every IP address taken from a message and refuse loopback, own, broadcast, multicast and other unsuitable addresses instead of using them. " +
				"Check UDP/TCP ports as well and reject SDP m= lines and the like that name port 0 or a well-known port at or below 1023. " +
				"Tie RTP sending and receiving to the SIP call state and stop the media as soon as the call ends.",
		},
		References: []string{
			"RFC 3261",
			"RFC 4566",
			"Sipera VIPER Lab advisory 185 (2007): implementation flaws may allow remote attacker to exploit improperly handled error conditions",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:L/Au:N/C:N/I:N/A:P", Published: 5.0},
		// One unauthenticated message can put the device into a self-loop that lasts until it is restarted.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"},
	}
}
