package kb

// item22 is "暗号化された SRTP が共通鍵なしで解読される問題".
func item22() Item {
	return Item{
		Number:  22,
		TitleJA: "暗号化された SRTP が共通鍵なしで解読される問題",
		TitleEN: "Encrypted SRTP decoded without the key (variable-bit-rate leakage)",
		Summary: Text{
			JA: "音声を VBR(可変ビットレート)で符号化・圧縮していると、SRTP で暗号化していても、パケット長の違いと送出パターンを分析することで、" +
				"鍵がなくても話された内容(2008 年時点では英単語)を推定されるおそれがある。" +
				"暗号化でパケット長が変わらないことが原因であり、鍵の管理をいくら厳重にしても防げない。",
			EN: "When speech is coded or compressed at a variable bit rate (VBR), the lengths and timing of the packets reveal what was said, " +
				"so even SRTP-encrypted speech (English words, as of 2008) can be partly recovered without the key. " +
				"The cause is that encryption keeps packet lengths unchanged, so no amount of care with the keys prevents it.",
		},
		Attack: Text{
			JA: "攻撃者は他ホストのパケットを取り出せる環境で SRTP を含むパケットをキャプチャし、音声のストリームを特定する。" +
				"VBR で符号化されていれば、各パケットの長さと送出パターンを事前に作った辞書と照合して、発話された単語を推定する。" +
				"2008 年 3 月の研究では、特定の英単語は 90% 以上、会話全体では約 50% を解読できたとされ、業務や専門分野に合わせた辞書で精度が上がると指摘されている。" +
				"この解析に鍵は一切不要であり、暗号化の前後でパケット長が変わらない方式では暗号化が保護の役に立たない。",
			EN: "With access to other hosts' packets, the attacker captures the SRTP traffic and identifies the voice stream. " +
				"If it is VBR-coded, packet lengths and sending patterns are matched against a prepared dictionary to guess the spoken words. " +
				"A March 2008 study reported recovering certain English phrases more than 90% of the time and about 50% of whole conversations, and noted that dictionaries tuned to a speaker's work or field would improve this. " +
				"No key is needed at all: when encryption preserves packet length, it offers no protection against this analysis.",
		},
		Cause: Text{
			JA: "G.711 は毎秒 8,000 回 8 ビットで標本化し、常に 64 kbps となる固定ビットレート(CBR)である。" +
				"これに対し CELP 系の音声符号化は声道や発音の特徴をコードブックに持ち、QCELP や Speex は音質を高めるため発音の種類に応じてビットレートを素早く変える VBR を採用している。" +
				"さらに発話区間検出(VAD)で無音部分のデータを減らしたり送らなかったりするため、単語ごとにパケット長とパケット数が大きく変わり、それが元の発音を推測する手がかりになる。" +
				"SRTP は長さを保つ暗号化なので、この変化はそのまま外から見える。",
			EN: "G.711 samples 8,000 times a second at 8 bits, a constant 64 kbit/s (CBR). " +
				"CELP-family speech codecs instead model the vocal tract with a codebook, and QCELP and Speex use VBR, switching bit rate quickly with the kind of sound to improve quality. " +
				"Voice activity detection (VAD) further shrinks or drops silent frames, so packet sizes and counts differ strongly from word to word and give away the pronunciation. " +
				"SRTP encryption preserves length, so these differences remain visible on the wire.",
		},
		OpsGuide: Text{
			JA: "SRTP で機密性の高い通話を守る場合は、VBR のコーデックを避けて固定ビットレート(CBR)のコーデックを使うよう設定する。" +
				"SRTP と VBR を組み合わせざるを得ない場合は、通信路を閉じたネットワークや IPsec で保護し、パケットを盗聴されないようにする。",
			EN: "When SRTP protects sensitive calls, configure constant-bit-rate (CBR) codecs rather than VBR ones. " +
				"If SRTP has to be combined with VBR, keep the path on a closed network or under IPsec so that the packets cannot be captured.",
		},
		ImplGuide: Text{
			JA: "SRTP を使うときは CBR のコーデックを既定にするか、VBR を無効にできるようにする。" +
				"VBR を使う場合は、パケット長をそろえるパディングなどで長さの情報が漏れないようにする(RFC 6562 の指針)。" +
				"SRTP で暗号化しても RTP の長さや送出間隔の情報は保護されないことを、製品の説明に明記する。",
			EN: "Default to a CBR codec when SRTP is in use, or let VBR be switched off. " +
				"If VBR is used, hide the length information, for example by padding packets to a uniform size (guidance in RFC 6562). " +
				"State in the product documentation that SRTP does not hide RTP packet lengths or timing.",
		},
		References: []string{
			"RFC 3550 §9",
			"RFC 3711",
			"RFC 6562",
			"C. V. Wright et al., Spot me if you can: Uncovering spoken phrases in encrypted VoIP conversations, IEEE S&P 2008",
			"MIT Technology Review, Breaking Phone-Call Encryption, 2008",
			"Asterisk encryption (SRTP in Asterisk), 2007",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:L/Au:N/C:P/I:N/A:N", Published: 5.0},
		// Needs captured traffic and a trained model, and recovers only part of the speech.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N"},
	}
}
