package kb

// item21 is "SRTP の暗号に用いる共通鍵が盗聴される問題".
func item21() Item {
	return Item{
		Number:  21,
		TitleJA: "SRTP の暗号に用いる共通鍵が盗聴される問題",
		TitleEN: "Eavesdropping on the shared keys used for SRTP encryption",
		Summary: Text{
			JA: "RTP の盗聴(項目 8)への対策として SRTP を使う場合、メディア暗号化の共通鍵は SIP メッセージ中の SDP でやり取りされる(SDES)。" +
				"鍵が SDP に平文で書かれているため、SIP を盗聴できる環境では攻撃者が容易に鍵を入手し、暗号化されたメディアを解読・改ざんできる。",
			EN: "When SRTP is used to counter RTP eavesdropping (item 8), the media keys are exchanged in the SDP of SIP messages (SDES). " +
				"Because the key sits in the SDP in clear text, anyone who can sniff SIP can pick it up and decrypt or tamper with the encrypted media.",
		},
		Attack: Text{
			JA: "攻撃者は通信路上で目標の SIP 端末の SIP パケットをキャプチャし、INVITE と 200 OK の SDP から a=crypto 行を取り出して、送受信それぞれの SRTP 鍵を得る(RFC 4568 の例では映像と音声で別々の鍵が書かれる)。" +
				"その後 SRTP のストリームをキャプチャしながらその鍵で復号し、内容を盗聴する。" +
				"被害は RTP の盗聴とほぼ同じで、通話の会話、IVR に入力したプッシュ番号、テレビ会議の映像や画面が漏れるが、SRTP で守るほどの内容であるため、より危険度が高い。RTCP の品質レポートや発信者情報も露出する。",
			EN: "On the path, the attacker captures the target's SIP packets, takes the a=crypto lines from the SDP of the INVITE and the 200 OK, and so obtains the SRTP key of each direction (RFC 4568's example carries separate keys for video and audio). " +
				"The SRTP stream is then captured and decrypted with those keys. " +
				"The damage matches plain RTP eavesdropping (conversations, digits typed into IVRs, conference video and shared screens) but the content is likely more sensitive, since it was deemed worth encrypting. RTCP reports and sender information are exposed as well.",
		},
		Cause: Text{
			JA: "SRTP(RFC 3711)は RTP ペイロードだけを暗号化する軽量な方式だが、鍵交換の方法は定めていない。" +
				"RFC 4568 は SDP に暗号方式と鍵を a=crypto 属性として書く手順(SDES)を定めるが、鍵の保護は仕様の範囲外であり、鍵はバイナリをテキストに変換して書いているだけである。" +
				"保護策としては SIP 全体の TLS・IPsec、SDP の S/MIME、MIKEY・ZRTP・IKE による鍵交換があるが、SIP はプロキシが仲介するホップバイホップの仕組みなのに対し、SRTP の鍵は端末間でエンドツーエンドに守る必要があり、目的がずれる。" +
				"そのため SIP とは独立に DTLS で鍵を生成・交換する DTLS-SRTP(RFC 5763、RFC 5764)が標準化された。",
			EN: "SRTP (RFC 3711) is a lightweight scheme that encrypts only the RTP payload and does not define how keys are exchanged. " +
				"RFC 4568 (SDES) puts the crypto suite and key into SDP as an a=crypto attribute but leaves protecting the key out of scope: the key is merely binary data encoded as text. " +
				"Remedies include TLS or IPsec for all of SIP, S/MIME for the SDP, or keying with MIKEY, ZRTP or IKE. But SIP is hop by hop through proxies while SRTP keys need end-to-end protection between the endpoints, so the goals diverge. " +
				"DTLS-SRTP (RFC 5763, RFC 5764) resolves this by generating and exchanging the keys with DTLS independently of SIP.",
		},
		OpsGuide: Text{
			JA: "SIP と SRTP/RTP の通信は閉じたネットワークや VLAN で分離し、第三者が SIP を盗聴できないようにする。" +
				"SDES を使う場合は SIP を TLS や IPsec で必ず保護し、可能なら DTLS-SRTP を使う。",
			EN: "Keep SIP and SRTP/RTP on a closed network or separate VLAN so that third parties cannot sniff SIP. " +
				"If SDES is used, always protect SIP with TLS or IPsec, and prefer DTLS-SRTP where available.",
		},
		ImplGuide: Text{
			JA: "RTP の保護に SRTP を使うときは、SDES の鍵を平文の SIP で送らず、SIP を TLS や IPsec で保護した場合にだけ SDES を許す。" +
				"鍵交換には DTLS-SRTP を実装し、端末間で直接安全に鍵を確立できるようにする。" +
				"IPsec で SIP/RTP をまとめて保護する構成にも対応する。",
			EN: "When SRTP protects RTP, never send SDES keys over cleartext SIP: allow SDES only when SIP runs over TLS or IPsec. " +
				"Implement DTLS-SRTP so that keys are established securely and directly between the endpoints. " +
				"Support configurations that protect SIP and RTP together with IPsec.",
		},
		References: []string{
			"RFC 3550 §9",
			"RFC 3711",
			"RFC 4568",
			"RFC 4347",
			"RFC 5763",
			"RFC 5764",
			"RFC 3830",
			"RFC 6189",
		},
		// The integrity row of the survey's table is marked ambiguously
		// ("■□なし"); it is read as none, which matches the published 5.0.
		CVSS2: &CVSS2{Vector: "AV:N/AC:L/Au:N/C:P/I:N/A:N", Published: 5.0},
		// Needs a position to sniff SIP; the key then exposes the whole call and allows media injection.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:L/A:N"},
	}
}
