package kb

import (
	"fmt"
	"math"

	"github.com/sipvet/sipvet/internal/cvss"
)

// Count is the number of vulnerability items in the survey.
const Count = 22

// constructors returns the item constructors in item order; constructors()[n-1]
// builds item n without scores.
func constructors() []func() Item {
	return []func() Item{
		item01, item02, item03, item04, item05, item06, item07, item08,
		item09, item10, item11, item12, item13, item14, item15, item16,
		item17, item18, item19, item20, item21, item22,
	}
}

// All returns the 22 items in item order, with their CVSS scores computed from
// the vectors. Each call returns fresh values that the caller may modify.
//
// All panics if a compiled-in vector does not parse; that is a programming error
// the package tests rule out.
func All() []Item {
	cs := constructors()
	items := make([]Item, len(cs))
	for i, c := range cs {
		items[i] = scored(c())
	}
	return items
}

// Get returns item n (1–22) with its scores computed, and false for any other n.
// Like All, it panics on a compiled-in vector that does not parse.
func Get(n int) (Item, bool) {
	cs := constructors()
	if n < 1 || n > len(cs) {
		return Item{}, false
	}
	return scored(cs[n-1]()), true
}

// scored fills in CVSS2.Score, CVSS2.Mismatch and CVSS3.Score from the vectors.
// An empty CVSS3 vector leaves the v3.1 score at zero.
func scored(it Item) Item {
	if it.CVSS2 != nil {
		c := *it.CVSS2
		s, err := cvss.ScoreV2(c.Vector)
		if err != nil {
			panic(fmt.Sprintf("kb: item %d: CVSS v2 vector %q: %v", it.Number, c.Vector, err))
		}
		c.Score = s
		c.Mismatch = tenths(s) != tenths(c.Published)
		it.CVSS2 = &c
	}
	if it.CVSS3.Vector != "" {
		s, err := cvss.ScoreV31(it.CVSS3.Vector)
		if err != nil {
			panic(fmt.Sprintf("kb: item %d: CVSS v3.1 vector %q: %v", it.Number, it.CVSS3.Vector, err))
		}
		it.CVSS3.Score = s
	}
	return it
}

// tenths rounds a one-decimal score to an integer count of tenths, so that scores
// compare exactly.
func tenths(score float64) int64 {
	return int64(math.Round(score * 10))
}
