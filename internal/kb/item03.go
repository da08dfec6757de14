package kb

// item03 is survey item 3 (body section 項目3).
func item03() Item {
	return Item{
		Number:  3,
		TitleJA: "SIP 認証パスワードの解読",
		TitleEN: "Cracking of SIP authentication passwords",
		Summary: Text{
			JA: "SIP は HTTP ダイジェスト認証の仕組みでリクエストを認証するが、認証情報を含むリクエストを盗聴されると、候補のパスワードを次々に試すブルートフォースでパスワードを割り出される危険がある。" +
				"パスワードが解読されると攻撃者は任意の SIP リクエストを作成でき、認証は意味をなさなくなる。",
			EN: "SIP authenticates requests with the HTTP digest mechanism, but anyone who captures a request carrying the credentials can recover the password offline by trying candidate passwords one after another (brute force). " +
				"Once the password is known, the attacker can build any SIP request and authentication no longer means anything.",
		},
		Attack: Text{
			JA: "認証を求める側は 401（WWW-Authenticate）または 407（Proxy-Authenticate）で nonce や opaque などのパラメータを示し、クライアントはこれにユーザ名とパスワードを加えて MD5 のハッシュ値（response）を計算して返す。" +
				"計算に必要な値のうちパスワード以外はすべてメッセージから読み取れるため、盗聴者は候補のパスワードからハッシュ値を計算し、盗聴した response と一致するかどうかで正否を判定できる。" +
				"解読されたパスワードを使えば、登録の改ざんや不正な発信など SIP の機能全般が悪用される。",
			EN: "The challenging side answers 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) with parameters such as nonce and opaque, and the client returns an MD5 hash (the response parameter) computed over them together with its user name and password. " +
				"Every input to that hash except the password can be read from the captured messages, so an eavesdropper hashes candidate passwords and compares each result with the captured response. " +
				"With the recovered password every SIP function can be abused, from rewriting registrations to placing fraudulent calls.",
		},
		Cause: Text{
			JA: "ダイジェスト認証はパスワードそのものを送らず、nonce などの乱数とハッシュ関数を組み合わせて安全性を確保しようとするが、ハッシュへの入力のうちパスワード以外は通信路上で得られるため、総当たりによる解読を防げない。" +
				"よく使われるパスワードを集めた辞書を使えば、解読はさらに速くなる。" +
				"MD5 自体にも 2004 年に衝突攻撃が発表されるなど弱点があり、NIST は 2010 年以降 SHA-2 系のより強いハッシュ関数への移行を推奨している。",
			EN: "Digest authentication never sends the password itself and relies on random nonces and a hash function, but since every hash input other than the password is visible on the wire, exhaustive guessing cannot be prevented. " +
				"Dictionaries of common passwords make the search much faster. " +
				"MD5 is weak in its own right (collision attacks were published in 2004), and NIST has recommended moving to stronger SHA-2 hashes since 2010.",
		},
		OpsGuide: Text{
			JA: "暗号化されていない SIP メッセージを容易に盗聴できる環境では、ダイジェスト認証だけに頼らない。" +
				"IPsec や SSL-VPN で SIP の通信路を保護するか、SIP/RTP のネットワークを分離する。" +
				"パスワードは辞書に載らない十分に長いランダムな文字列にし、定期的に変更する。",
			EN: "Do not rely on digest authentication alone where unencrypted SIP can easily be captured. " +
				"Protect the signalling path with IPsec or an SSL-VPN, or separate the SIP/RTP network. " +
				"Use long random passwords that appear in no dictionary, and change them periodically.",
		},
		ImplGuide: Text{
			JA: "SIP over TLS を実装し、認証ヘッダを含むメッセージが平文で流れないようにする。" +
				"可能であれば MD5 に代えて SHA-256 などのより強いアルゴリズム（RFC 7616、RFC 8760）に対応し、qop=auth と cnonce を使う。" +
				"オンラインでの総当たりに備え、認証の失敗が続いた場合の遅延やロックアウトも実装する。",
			EN: "Implement SIP over TLS so that messages carrying credentials never travel in clear. " +
				"Where possible support algorithms stronger than MD5, such as SHA-256 (RFC 7616, RFC 8760), and use qop=auth with a client nonce. " +
				"Slow down or lock out repeated failed attempts to limit online guessing.",
		},
		References: []string{
			"RFC 3261 §22",
			"RFC 2617",
			"RFC 7616",
			"RFC 8760",
			"X. Wang, D. Feng, X. Lai, H. Yu: Collisions for Hash Functions MD4, MD5, HAVAL-128 and RIPEMD, IACR ePrint 2004/199 (August 2004)",
			"IPA: Secure Programming Course, C/C++ edition (2007)",
			"IPA Forum 2008 presentation (Yamagishi), October 2008",
		},
		CVSS2: &CVSS2{Vector: "AV:N/AC:H/Au:N/C:P/I:N/A:N", Published: 2.6},
		// Capturing the exchange needs a position on the path (AC:H); the account's
		// password itself is disclosed (C:H). Later abuse is a consequence, not scored here.
		CVSS3: CVSS3{Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"},
	}
}
