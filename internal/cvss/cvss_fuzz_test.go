package cvss

import (
	"errors"
	"testing"
)

func FuzzScoreV2(f *testing.F) {
	for _, s := range []string{
		"AV:N/AC:L/Au:N/C:N/I:N/A:C",
		"(CVSS2#AV:L/AC:H/Au:N/C:C/I:C/A:C)",
		"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:H/IR:H/AR:H",
		"AV:N/AV:N", "(", ")", "CVSS2#", "//::", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		score, err := ScoreV2(s)
		if err != nil {
			if !errors.Is(err, ErrVector) {
				t.Fatalf("ScoreV2(%q) error %v does not wrap ErrVector", s, err)
			}
			return
		}
		if score < 0 || score > 10 {
			t.Fatalf("ScoreV2(%q) = %v, out of [0,10]", s, score)
		}
		v, err := ParseV2(s)
		if err != nil {
			t.Fatal(err)
		}
		if own, err := BaseV2(v); err != nil || own != score {
			t.Fatalf("BaseV2(%v) = %v, %v; ScoreV2 = %v", v, own, err, score)
		}
	})
}

func FuzzScoreV31(f *testing.F) {
	for _, s := range []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:U/RL:O/RC:C/CR:H/IR:L/AR:M/MAV:P/MAC:H/MPR:H/MUI:R/MS:C/MC:N/MI:L/MA:H",
		"CVSS:3.1/", "CVSS:3.1", "CVSS:3.1/AV", "CVSS:3.1/AV:N/AV:N", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		score, err := ScoreV31(s)
		if err != nil {
			if !errors.Is(err, ErrVector) {
				t.Fatalf("ScoreV31(%q) error %v does not wrap ErrVector", s, err)
			}
			return
		}
		if score < 0 || score > 10 {
			t.Fatalf("ScoreV31(%q) = %v, out of [0,10]", s, score)
		}
		if SeverityV31(score) == "" {
			t.Fatalf("SeverityV31(%v) is empty", score)
		}
		v, err := ParseV31(s)
		if err != nil {
			t.Fatal(err)
		}
		if own, err := BaseV31(v); err != nil || own != score {
			t.Fatalf("BaseV31(%v) = %v, %v; ScoreV31 = %v", v, own, err, score)
		}
	})
}
