package kb

// item02 is survey item 2 (body section 項目2).
func item02() Item {
	return Item{
		Number:  2,
		TitleJA: "SIP レスポンスの偽装から起こる問題",
		TitleEN: "Problems caused by spoofed SIP responses",
		Summary: Text{
			JA: "攻撃者が SIP サーバや着信側になりすまし、リクエストに対するレスポンスを偽装する問題である。" +
				"2xx を偽装されると本来通信するはずのない相手につながれ、3xx では不正な宛先へ誘導され、400 番台以上では通信に失敗したと発信者に思い込ませることができる。",
			EN: "An attacker impersonates the SIP server or the called party and forges the response to a request. " +
				"A forged 2xx connects the caller to a party it never meant to reach, a forged 3xx redirects it to a destination of the attacker's choosing, and a forged response of 400 or above makes the caller believe the call failed.",
		},
		Attack: Text{
			JA: "攻撃者は INVITE と 100 Trying を盗聴し、その情報を元に偽の 200 OK を発信側へ送ると同時に、着信側には偽の CANCEL を送って発信を取り消させる。" +
				"偽の 200 OK の SDP には攻撃者のアドレスが書かれているため、以降のシグナリングとメディアが乗っ取られる。" +
				"同じ手口で 302 Moved Temporarily を偽装すると、発信側は Contact に書かれた別の宛先へ INVITE を送り直し、意図しない相手と通話させられる。" +
				"404 Not Found を偽装すると、発信者は相手に連絡できないと判断して通話をあきらめてしまう。",
			EN: "The attacker eavesdrops on the INVITE and the 100 Trying, then sends the caller a forged 200 OK while sending the callee a forged CANCEL so that the genuine call attempt is withdrawn. " +
				"Because the forged 200 OK carries SDP with the attacker's address, both the following signalling and the media are hijacked. " +
				"A forged 302 Moved Temporarily works the same way: the caller re-sends the INVITE to the Contact it names and ends up talking to an unintended party. " +
				"A forged 404 Not Found makes the caller conclude that the callee is unreachable and give up.",
		},
		Cause: Text{
			JA: "SIP の認証は HTTP ダイジェスト認証を用いており、通常はサーバや端末がリクエストを認証するだけである。" +
				"Authentication-Info ヘッダを使えばレスポンスを認証することもできるが、旧仕様の RFC 2543 がこのヘッダを使わないとしていた経緯から、実際にはほとんど使われていない。" +
				"そのため受信側には、レスポンスが本当に正規の相手から来たものかを確かめる手段がない。",
			EN: "SIP authentication uses HTTP digest, which normally lets servers and endpoints authenticate requests only. " +
				"Responses could be authenticated with the Authentication-Info header, but this is almost never done, because RFC 2543, the predecessor of RFC 3261, said the header was not to be used. " +
				"The receiver therefore has no way to tell whether a response really came from its peer.",
		},
		OpsGuide: Text{
			JA: "IPsec や SSL-VPN で SIP の通信路を保護するか、SIP/RTP のネットワークを他から分離し、第三者がシグナリングを盗聴したりレスポンスを差し込んだりできない環境で運用する。" +
				"信頼できるサーバ以外から届く SIP をファイアウォールなどで遮断することも有効である。",
			EN: "Protect SIP with IPsec or an SSL-VPN, or keep the SIP/RTP network separate from other traffic, so that nobody can eavesdrop on signalling or inject responses. " +
				"Dropping SIP that does not come from the trusted servers at a firewall also helps.",
		},
		ImplGuide: Text{
			JA: "SIP over TLS を実装し、レスポンスも保護された通信路の上でのみ受け取るようにする。" +
				"Authentication-Info ヘッダによるレスポンスの認証（相互認証）に対応する。" +
				"レスポンスはリクエストを送った相手から、Via の branch が一致するトランザクションに対してだけ受け付け、3xx による宛先の変更は利用者に確認するなど慎重に扱う。",
			EN: "Implement SIP over TLS so that responses are accepted only over a protected channel, and support response authentication (mutual authentication) with the Authentication-Info header. " +
				"Accept a response only from the peer the request was sent to and only when its Via branch matches an open transaction, and handle 3xx redirections with care, for example by asking the user first.",
		},
		References: []string{
			"RFC 3261 §8.1.3",
			"RFC 3261 §17.1.3",
			"RFC 3261 §20.6",
			"RFC 3261 §22.4",
			"RFC 2617 §3.2.3",
			"RFC 2543",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:N/I:P/A:N", Published: 2.6},
		// Needs the eavesdropped transaction and a race (AC:H); a hijacked call reaches
		// the attacker (C:L), forged answers/redirects (I:L), abandoned calls (A:L).
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L"},
	}
}
