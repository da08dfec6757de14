package cvss

import (
	"errors"
	"math"
	"math/big"
	"testing"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss31 "github.com/pandatix/go-cvss/31"
)

func TestScoreV2Examples(t *testing.T) {
	cases := []struct {
		name, vector string
		want         float64
	}{
		// CVSS v2 Complete Guide §3.3 examples.
		{"CVE-2002-0392", "AV:N/AC:L/Au:N/C:N/I:N/A:C", 7.8},
		{"CVE-2003-0818", "AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0},
		{"CVE-2003-0062", "AV:L/AC:H/Au:N/C:C/I:C/A:C", 6.2},
		// Checked by hand with the v2 base equation.
		{"integrity partial", "AV:N/AC:L/Au:N/C:N/I:P/A:N", 5.0},
		{"high complexity partial", "AV:N/AC:H/Au:N/C:P/I:P/A:P", 5.1},
		{"high complexity integrity", "AV:N/AC:H/Au:N/C:N/I:P/A:N", 2.6},
		{"single auth availability", "AV:N/AC:L/Au:S/C:N/I:N/A:P", 4.0},
		{"all partial", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5},
		{"no impact", "AV:N/AC:L/Au:N/C:N/I:N/A:N", 0},
		{"parenthesised", "(AV:N/AC:L/Au:N/C:P/I:P/A:P)", 7.5},
		{"NVD prefix", "CVSS2#AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5},
		{"NVD prefix parenthesised", "(CVSS2#AV:N/AC:L/Au:N/C:N/I:N/A:C)", 7.8},
		{"temporal ignored", "AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C", 7.8},
		{"any order", "C:N/I:N/A:C/AV:N/AC:L/Au:N", 7.8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ScoreV2(tc.vector)
			if err != nil {
				t.Fatalf("ScoreV2(%q): %v", tc.vector, err)
			}
			if got != tc.want {
				t.Errorf("ScoreV2(%q) = %v, want %v", tc.vector, got, tc.want)
			}
			v, err := ParseV2(tc.vector)
			if err != nil {
				t.Fatal(err)
			}
			own, err := BaseV2(v)
			if err != nil || own != tc.want {
				t.Errorf("BaseV2(%v) = %v, %v, want %v", v, own, err, tc.want)
			}
			if ex := exactV2(v); ex != tc.want {
				t.Errorf("exactV2(%v) = %v, want %v", v, ex, tc.want)
			}
		})
	}
}

func TestScoreV31Examples(t *testing.T) {
	cases := []struct {
		name, vector string
		want         float64
		severity     string
	}{
		// CVSS v3.1 examples document (FIRST).
		{"CVE-2014-0160 Heartbleed", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "high"},
		{"CVE-2014-6271 Shellshock", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"},
		{"CVE-2013-1937 phpMyAdmin XSS", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "medium"},
		{"CVE-2013-0375 MySQL", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, "medium"},
		{"CVE-2014-3566 POODLE", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, "low"},
		{"CVE-2016-1645 Chrome", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, "high"},
		{"no impact", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, "none"},
		{"scope changed max", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "critical"},
		{"v3.0 prefix", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"},
		{"temporal ignored", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:U/RL:O/RC:C", 7.5, "high"},
		{"environmental ignored", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/CR:H/MAV:L/MS:X", 7.5, "high"},
		{"any order", "CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:N/A:N", 7.5, "high"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ScoreV31(tc.vector)
			if err != nil {
				t.Fatalf("ScoreV31(%q): %v", tc.vector, err)
			}
			if got != tc.want {
				t.Errorf("ScoreV31(%q) = %v, want %v", tc.vector, got, tc.want)
			}
			if s := SeverityV31(got); s != tc.severity {
				t.Errorf("SeverityV31(%v) = %q, want %q", got, s, tc.severity)
			}
			v, err := ParseV31(tc.vector)
			if err != nil {
				t.Fatal(err)
			}
			own, err := BaseV31(v)
			if err != nil || own != tc.want {
				t.Errorf("BaseV31(%v) = %v, %v, want %v", v, own, err, tc.want)
			}
			if ex := exactV31(v); ex != tc.want {
				t.Errorf("exactV31(%v) = %v, want %v", v, ex, tc.want)
			}
		})
	}
}

func TestBadVectors(t *testing.T) {
	cases := []struct {
		name, vector string
		v31          bool
	}{
		{"empty v2", "", false},
		{"missing metric v2", "AV:N/AC:L/Au:N/C:N/I:N", false},
		{"bad value v2", "AV:X/AC:L/Au:N/C:N/I:N/A:C", false},
		{"duplicate v2", "AV:N/AV:N/AC:L/Au:N/C:N/I:N/A:C", false},
		{"unknown metric v2", "AV:N/AC:L/Au:N/C:N/I:N/A:C/ZZ:1", false},
		{"lower-case name v2", "av:N/AC:L/Au:N/C:N/I:N/A:C", false},
		{"unbalanced paren v2", "(AV:N/AC:L/Au:N/C:N/I:N/A:C", false},
		{"trailing slash v2", "AV:N/AC:L/Au:N/C:N/I:N/A:C/", false},
		{"no colon v2", "AV:N/AC:L/Au:N/C:N/I:N/AC", false},
		{"v3 vector to v2", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", false},
		{"empty v31", "", true},
		{"no prefix v31", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", true},
		{"v4 prefix", "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", true},
		{"missing scope", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:N/A:N", true},
		{"bad value v31", "CVSS:3.1/AV:N/AC:M/PR:N/UI:N/S:U/C:H/I:N/A:N", true},
		{"duplicate v31", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/S:C/C:H/I:N/A:N", true},
		{"bad temporal v31", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:Q", true},
		{"v2 vector to v31", "AV:N/AC:L/Au:N/C:N/I:N/A:C", true},
		{"too long", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" + string(make([]byte, MaxVectorLen)), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.v31 {
				_, err = ScoreV31(tc.vector)
			} else {
				_, err = ScoreV2(tc.vector)
			}
			if !errors.Is(err, ErrVector) {
				t.Errorf("error = %v, want ErrVector", err)
			}
		})
	}
}

func TestRoundup(t *testing.T) {
	cases := []struct {
		in, want float64
	}{
		{4.000000000000001, 4.0}, // the v3.1 Appendix A motivating case
		{4.0, 4.0},
		{4.00001, 4.1},
		{4.000004, 4.0},
		{4.02, 4.1},
		{4.1, 4.1},
		{0, 0},
		{9.99, 10.0},
		{10, 10},
		{2.1000000000000005, 2.1},
	}
	for _, tc := range cases {
		if got := Roundup(tc.in); got != tc.want {
			t.Errorf("Roundup(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestSeverityV31(t *testing.T) {
	cases := []struct {
		score float64
		want  string
	}{
		{0, "none"}, {0.1, "low"}, {3.9, "low"}, {4.0, "medium"}, {6.9, "medium"},
		{7.0, "high"}, {8.9, "high"}, {9.0, "critical"}, {10, "critical"},
		{-0.1, ""}, {10.1, ""}, {math.NaN(), ""},
	}
	for _, tc := range cases {
		if got := SeverityV31(tc.score); got != tc.want {
			t.Errorf("SeverityV31(%v) = %q, want %q", tc.score, got, tc.want)
		}
	}
}

// allV2 returns every CVSS v2 base vector (3^6 = 729).
func allV2() []V2 {
	three := func(a, b, c string) []string { return []string{a, b, c} }
	var out []V2
	for _, av := range three("L", "A", "N") {
		for _, ac := range three("H", "M", "L") {
			for _, au := range three("M", "S", "N") {
				for _, c := range three("N", "P", "C") {
					for _, i := range three("N", "P", "C") {
						for _, a := range three("N", "P", "C") {
							out = append(out, V2{av, ac, au, c, i, a})
						}
					}
				}
			}
		}
	}
	return out
}

// allV31 returns every CVSS v3.1 base vector (4*2*3*2*2*3*3*3 = 2592).
func allV31() []V31 {
	var out []V31
	for _, av := range []string{"N", "A", "L", "P"} {
		for _, ac := range []string{"L", "H"} {
			for _, pr := range []string{"N", "L", "H"} {
				for _, ui := range []string{"N", "R"} {
					for _, s := range []string{"U", "C"} {
						for _, c := range []string{"N", "L", "H"} {
							for _, i := range []string{"N", "L", "H"} {
								for _, a := range []string{"N", "L", "H"} {
									out = append(out, V31{av, ac, pr, ui, s, c, i, a})
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}

// TestDifferentialV2 compares, over every v2 base vector, the go-cvss library, this
// package's float64 equation and an exact rational evaluation.
func TestDifferentialV2(t *testing.T) {
	all := allV2()
	if len(all) != 729 {
		t.Fatalf("enumerated %d vectors, want 729", len(all))
	}
	for _, v := range all {
		lib, err := gocvss20.ParseVector(v.String())
		if err != nil {
			t.Fatalf("library rejects %s: %v", v, err)
		}
		own, err := BaseV2(v)
		if err != nil {
			t.Fatal(err)
		}
		ex := exactV2(v)
		if lib.BaseScore() != ex || own != ex {
			t.Errorf("%s: library %v, own %v, exact %v", v, lib.BaseScore(), own, ex)
		}
		api, err := ScoreV2(v.String())
		if err != nil || api != ex {
			t.Errorf("ScoreV2(%s) = %v, %v, want %v", v, api, err, ex)
		}
		if ex < 0 || ex > 10 {
			t.Errorf("%s: score %v out of range", v, ex)
		}
	}
}

// TestDifferentialV31 compares, over every v3.1 base vector, the go-cvss library,
// this package's float64 equation and an exact rational evaluation.
func TestDifferentialV31(t *testing.T) {
	all := allV31()
	if len(all) != 2592 {
		t.Fatalf("enumerated %d vectors, want 2592", len(all))
	}
	for _, v := range all {
		lib, err := gocvss31.ParseVector(v.String())
		if err != nil {
			t.Fatalf("library rejects %s: %v", v, err)
		}
		own, err := BaseV31(v)
		if err != nil {
			t.Fatal(err)
		}
		ex := exactV31(v)
		if lib.BaseScore() != ex || own != ex {
			t.Errorf("%s: library %v, own %v, exact %v", v, lib.BaseScore(), own, ex)
		}
		api, err := ScoreV31(v.String())
		if err != nil || api != ex {
			t.Errorf("ScoreV31(%s) = %v, %v, want %v", v, api, err, ex)
		}
	}
}

// rat parses a decimal literal into an exact rational.
func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("bad rational " + s)
	}
	return r
}

func ratWeight(value string, table map[string]string) *big.Rat {
	w, ok := table[value]
	if !ok {
		panic("no weight for " + value)
	}
	return rat(w)
}

// roundHalfUp rounds a non-negative rational to the nearest integer, halves up.
func roundHalfUp(x *big.Rat) *big.Int {
	t := new(big.Rat).Add(x, rat("1/2"))
	return new(big.Int).Quo(t.Num(), t.Denom()) // floor for non-negative values
}

// exactV2 evaluates the v2 base equation without rounding errors.
func exactV2(v V2) float64 {
	cia := map[string]string{"N": "0", "P": "0.275", "C": "0.660"}
	av := ratWeight(v.AV, map[string]string{"L": "0.395", "A": "0.646", "N": "1.0"})
	ac := ratWeight(v.AC, map[string]string{"H": "0.35", "M": "0.61", "L": "0.71"})
	au := ratWeight(v.Au, map[string]string{"M": "0.45", "S": "0.56", "N": "0.704"})
	one := rat("1")
	prod := new(big.Rat).Set(one)
	for _, m := range []string{v.C, v.I, v.A} {
		prod.Mul(prod, new(big.Rat).Sub(one, ratWeight(m, cia)))
	}
	impact := new(big.Rat).Mul(rat("10.41"), new(big.Rat).Sub(one, prod))
	if impact.Sign() == 0 {
		return 0
	}
	expl := new(big.Rat).Mul(rat("20"), av)
	expl.Mul(expl, ac).Mul(expl, au)
	s := new(big.Rat).Mul(rat("0.6"), impact)
	s.Add(s, new(big.Rat).Mul(rat("0.4"), expl))
	s.Sub(s, rat("1.5"))
	s.Mul(s, rat("1.176"))
	tenths := roundHalfUp(new(big.Rat).Mul(s, rat("10")))
	f, _ := new(big.Rat).SetFrac(tenths, big.NewInt(10)).Float64()
	return f
}

// exactV31 evaluates the v3.1 base equation without rounding errors, then applies
// Appendix A's Roundup to the exact value.
func exactV31(v V31) float64 {
	changed := v.S == "C"
	cia := map[string]string{"H": "0.56", "L": "0.22", "N": "0"}
	pr := map[string]string{"N": "0.85", "L": "0.62", "H": "0.27"}
	if changed {
		pr = map[string]string{"N": "0.85", "L": "0.68", "H": "0.5"}
	}
	one := rat("1")
	prod := new(big.Rat).Set(one)
	for _, m := range []string{v.C, v.I, v.A} {
		prod.Mul(prod, new(big.Rat).Sub(one, ratWeight(m, cia)))
	}
	iss := new(big.Rat).Sub(one, prod)
	var impact *big.Rat
	if changed {
		base := new(big.Rat).Sub(iss, rat("0.02"))
		pow := new(big.Rat).Set(one)
		for range 15 {
			pow.Mul(pow, base)
		}
		impact = new(big.Rat).Mul(rat("7.52"), new(big.Rat).Sub(iss, rat("0.029")))
		impact.Sub(impact, new(big.Rat).Mul(rat("3.25"), pow))
	} else {
		impact = new(big.Rat).Mul(rat("6.42"), iss)
	}
	if impact.Sign() <= 0 {
		return 0
	}
	expl := new(big.Rat).Mul(rat("8.22"),
		ratWeight(v.AV, map[string]string{"N": "0.85", "A": "0.62", "L": "0.55", "P": "0.2"}))
	expl.Mul(expl, ratWeight(v.AC, map[string]string{"L": "0.77", "H": "0.44"}))
	expl.Mul(expl, ratWeight(v.PR, pr))
	expl.Mul(expl, ratWeight(v.UI, map[string]string{"N": "0.85", "R": "0.62"}))
	sum := new(big.Rat).Add(impact, expl)
	if changed {
		sum.Mul(sum, rat("1.08"))
	}
	if sum.Cmp(rat("10")) > 0 {
		sum = rat("10")
	}
	// Roundup on the exact value: round to five decimals, then up to one decimal.
	n := roundHalfUp(new(big.Rat).Mul(sum, rat("100000")))
	q, r := new(big.Int).QuoRem(n, big.NewInt(10000), new(big.Int))
	if r.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	f, _ := new(big.Rat).SetFrac(q, big.NewInt(10)).Float64()
	return f
}
