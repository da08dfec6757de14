// Package cvss computes CVSS v2 and v3.1 base scores from vector strings.
//
// The equations are the ones FIRST publishes:
//
//   - CVSS v2 (Complete Guide, §3.2.1):
//     BaseScore = round_to_1_decimal(((0.6*Impact)+(0.4*Exploitability)-1.5)*f(Impact)),
//     Impact = 10.41*(1-(1-C)*(1-I)*(1-A)), Exploitability = 20*AV*AC*Au,
//     f(Impact) = 0 when Impact is 0 and 1.176 otherwise.
//   - CVSS v3.1 (Specification, §7.1 and Appendix A): the ISS/Impact/Exploitability
//     equations with Roundup defined through the integer trick of Appendix A.
//
// The package holds its own implementation of both equations (BaseV2, BaseV31) and
// the parsers for the vector strings. ScoreV2 and ScoreV31 validate the vector with
// this package's parser and then take the score from github.com/pandatix/go-cvss
// v0.6.4 (packages 20 and 31). The tests compare the library with this package's
// equations and with an exact rational-arithmetic evaluation over every CVSS v2
// base vector (729) and every CVSS v3.1 base vector (2592); all three agree on
// every vector, and the library also matches FIRST's published examples.
//
// CVSS:3.0 vectors are accepted by ScoreV31 and scored with the v3.1 equations.
// The 3.0 and 3.1 base equations differ only in the definition of Roundup (3.0
// leaves it to floating-point ceiling), which can move a 3.0 score up by 0.1 in
// rare floating-point cases; sipvet reports 3.1 scores.
package cvss

import (
	"errors"
	"fmt"
	"math"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss31 "github.com/pandatix/go-cvss/31"
)

// ErrVector is wrapped by every error about a malformed or incomplete vector string.
var ErrVector = errors.New("cvss: invalid vector")

// MaxVectorLen bounds the length of a vector string accepted by the parsers.
const MaxVectorLen = 512

// V2 holds the six CVSS v2 base metric values as their vector letters
// (for example AV "N", AC "L", Au "N", C "P", I "P", A "P").
type V2 struct {
	AV, AC, Au, C, I, A string
}

// V31 holds the eight CVSS v3.1 base metric values as their vector letters.
type V31 struct {
	AV, AC, PR, UI, S, C, I, A string
}

// String returns the canonical v2 base vector, for example "AV:N/AC:L/Au:N/C:P/I:P/A:P".
func (v V2) String() string {
	return "AV:" + v.AV + "/AC:" + v.AC + "/Au:" + v.Au + "/C:" + v.C + "/I:" + v.I + "/A:" + v.A
}

// String returns the canonical v3.1 base vector, for example
// "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".
func (v V31) String() string {
	return "CVSS:3.1/AV:" + v.AV + "/AC:" + v.AC + "/PR:" + v.PR + "/UI:" + v.UI +
		"/S:" + v.S + "/C:" + v.C + "/I:" + v.I + "/A:" + v.A
}

// metricSpec lists, for one metric, the allowed values.
type metricSpec struct {
	name   string
	values []string
	base   bool
}

func v2Metrics() []metricSpec {
	return []metricSpec{
		{"AV", []string{"L", "A", "N"}, true},
		{"AC", []string{"H", "M", "L"}, true},
		{"Au", []string{"M", "S", "N"}, true},
		{"C", []string{"N", "P", "C"}, true},
		{"I", []string{"N", "P", "C"}, true},
		{"A", []string{"N", "P", "C"}, true},
		{"E", []string{"U", "POC", "F", "H", "ND"}, false},
		{"RL", []string{"OF", "TF", "W", "U", "ND"}, false},
		{"RC", []string{"UC", "UR", "C", "ND"}, false},
		{"CDP", []string{"N", "L", "LM", "MH", "H", "ND"}, false},
		{"TD", []string{"N", "L", "M", "H", "ND"}, false},
		{"CR", []string{"L", "M", "H", "ND"}, false},
		{"IR", []string{"L", "M", "H", "ND"}, false},
		{"AR", []string{"L", "M", "H", "ND"}, false},
	}
}

func v31Metrics() []metricSpec {
	cia := []string{"N", "L", "H"}
	mcia := []string{"X", "N", "L", "H"}
	req := []string{"X", "L", "M", "H"}
	return []metricSpec{
		{"AV", []string{"N", "A", "L", "P"}, true},
		{"AC", []string{"L", "H"}, true},
		{"PR", []string{"N", "L", "H"}, true},
		{"UI", []string{"N", "R"}, true},
		{"S", []string{"U", "C"}, true},
		{"C", cia, true},
		{"I", cia, true},
		{"A", cia, true},
		{"E", []string{"X", "U", "P", "F", "H"}, false},
		{"RL", []string{"X", "O", "T", "W", "U"}, false},
		{"RC", []string{"X", "U", "R", "C"}, false},
		{"CR", req, false},
		{"IR", req, false},
		{"AR", req, false},
		{"MAV", []string{"X", "N", "A", "L", "P"}, false},
		{"MAC", []string{"X", "L", "H"}, false},
		{"MPR", []string{"X", "N", "L", "H"}, false},
		{"MUI", []string{"X", "N", "R"}, false},
		{"MS", []string{"X", "U", "C"}, false},
		{"MC", mcia, false},
		{"MI", mcia, false},
		{"MA", mcia, false},
	}
}

// parseMetrics splits "K:V/K:V..." and checks every metric against specs. Metric
// names are case-sensitive, as in the specifications. Each metric may appear once,
// and every base metric must be present. It returns the base values by name.
func parseMetrics(body string, specs []metricSpec) (map[string]string, error) {
	if body == "" {
		return nil, fmt.Errorf("%w: empty", ErrVector)
	}
	seen := make(map[string]string, len(specs))
	for part := range strings.SplitSeq(body, "/") {
		name, value, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("%w: %q is not NAME:VALUE", ErrVector, part)
		}
		var spec *metricSpec
		for i := range specs {
			if specs[i].name == name {
				spec = &specs[i]
				break
			}
		}
		if spec == nil {
			return nil, fmt.Errorf("%w: unknown metric %q", ErrVector, name)
		}
		if _, dup := seen[name]; dup {
			return nil, fmt.Errorf("%w: metric %s repeated", ErrVector, name)
		}
		valid := false
		for _, v := range spec.values {
			if v == value {
				valid = true
				break
			}
		}
		if !valid {
			return nil, fmt.Errorf("%w: metric %s has invalid value %q", ErrVector, name, value)
		}
		seen[name] = value
	}
	for _, s := range specs {
		if _, ok := seen[s.name]; s.base && !ok {
			return nil, fmt.Errorf("%w: base metric %s missing", ErrVector, s.name)
		}
	}
	return seen, nil
}

// ParseV2 parses a CVSS v2 vector such as "AV:N/AC:L/Au:N/C:P/I:P/A:P". A
// surrounding "(" ")" pair and a "CVSS2#" prefix (NVD's notation) are accepted.
// Temporal and environmental metrics are validated and ignored. Metrics may come in
// any order.
func ParseV2(vector string) (V2, error) {
	if len(vector) > MaxVectorLen {
		return V2{}, fmt.Errorf("%w: longer than %d bytes", ErrVector, MaxVectorLen)
	}
	s := strings.TrimSpace(vector)
	if strings.HasPrefix(s, "(") {
		if !strings.HasSuffix(s, ")") {
			return V2{}, fmt.Errorf("%w: unbalanced parenthesis", ErrVector)
		}
		s = s[1 : len(s)-1]
	}
	s = strings.TrimPrefix(s, "CVSS2#")
	m, err := parseMetrics(s, v2Metrics())
	if err != nil {
		return V2{}, err
	}
	return V2{AV: m["AV"], AC: m["AC"], Au: m["Au"], C: m["C"], I: m["I"], A: m["A"]}, nil
}

// ParseV31 parses a CVSS v3.1 vector such as
// "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H". The prefix "CVSS:3.0/" is accepted
// too. Temporal and environmental metrics are validated and ignored. Metrics may
// come in any order.
func ParseV31(vector string) (V31, error) {
	if len(vector) > MaxVectorLen {
		return V31{}, fmt.Errorf("%w: longer than %d bytes", ErrVector, MaxVectorLen)
	}
	s := strings.TrimSpace(vector)
	body, ok := strings.CutPrefix(s, "CVSS:3.1/")
	if !ok {
		body, ok = strings.CutPrefix(s, "CVSS:3.0/")
	}
	if !ok {
		return V31{}, fmt.Errorf("%w: missing CVSS:3.1/ or CVSS:3.0/ prefix", ErrVector)
	}
	m, err := parseMetrics(body, v31Metrics())
	if err != nil {
		return V31{}, err
	}
	return V31{AV: m["AV"], AC: m["AC"], PR: m["PR"], UI: m["UI"], S: m["S"],
		C: m["C"], I: m["I"], A: m["A"]}, nil
}

// ScoreV2 returns the CVSS v2 base score of vector (see ParseV2 for the accepted
// syntax). The error wraps ErrVector when the vector is malformed.
func ScoreV2(vector string) (float64, error) {
	v, err := ParseV2(vector)
	if err != nil {
		return 0, err
	}
	lib, err := gocvss20.ParseVector(v.String())
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrVector, err)
	}
	return lib.BaseScore(), nil
}

// ScoreV31 returns the CVSS v3.1 base score of vector (see ParseV31 for the
// accepted syntax). The error wraps ErrVector when the vector is malformed.
func ScoreV31(vector string) (float64, error) {
	v, err := ParseV31(vector)
	if err != nil {
		return 0, err
	}
	lib, err := gocvss31.ParseVector(v.String())
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrVector, err)
	}
	return lib.BaseScore(), nil
}

// SeverityV31 returns the qualitative rating of a CVSS v3.1 score: "none" (0.0),
// "low" (0.1-3.9), "medium" (4.0-6.9), "high" (7.0-8.9) or "critical" (9.0-10.0).
// It returns "" for NaN and for scores outside [0, 10].
func SeverityV31(score float64) string {
	switch {
	case math.IsNaN(score) || score < 0 || score > 10:
		return ""
	case score >= 9.0:
		return "critical"
	case score >= 7.0:
		return "high"
	case score >= 4.0:
		return "medium"
	case score >= 0.1:
		return "low"
	default:
		return "none"
	}
}

// BaseV2 evaluates the CVSS v2 base equation for v with float64 arithmetic and
// rounds half away from zero to one decimal. It is this package's own
// implementation, kept as a cross-check of the library. It returns an error
// wrapping ErrVector when a metric value is not a valid v2 letter.
func BaseV2(v V2) (float64, error) {
	av, ok1 := weight(v.AV, "LAN", 0.395, 0.646, 1.0)
	ac, ok2 := weight(v.AC, "HML", 0.35, 0.61, 0.71)
	au, ok3 := weight(v.Au, "MSN", 0.45, 0.56, 0.704)
	c, ok4 := weight(v.C, "NPC", 0, 0.275, 0.660)
	i, ok5 := weight(v.I, "NPC", 0, 0.275, 0.660)
	a, ok6 := weight(v.A, "NPC", 0, 0.275, 0.660)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, fmt.Errorf("%w: bad v2 metric value in %s", ErrVector, v)
	}
	impact := 10.41 * (1 - (1-c)*(1-i)*(1-a))
	exploitability := 20 * av * ac * au
	f := 1.176
	if impact == 0 {
		f = 0
	}
	return math.Round((0.6*impact+0.4*exploitability-1.5)*f*10) / 10, nil
}

// BaseV31 evaluates the CVSS v3.1 base equation for v with float64 arithmetic and
// Roundup. It is this package's own implementation, kept as a cross-check of the
// library. It returns an error wrapping ErrVector when a metric value is not a
// valid v3.1 letter.
func BaseV31(v V31) (float64, error) {
	changed := v.S == "C"
	if v.S != "U" && !changed {
		return 0, fmt.Errorf("%w: bad scope %q", ErrVector, v.S)
	}
	av, ok1 := weight(v.AV, "NALP", 0.85, 0.62, 0.55, 0.2)
	ac, ok2 := weight(v.AC, "LH", 0.77, 0.44)
	prL, prH := 0.62, 0.27
	if changed {
		prL, prH = 0.68, 0.5
	}
	pr, ok3 := weight(v.PR, "NLH", 0.85, prL, prH)
	ui, ok4 := weight(v.UI, "NR", 0.85, 0.62)
	c, ok5 := weight(v.C, "HLN", 0.56, 0.22, 0)
	i, ok6 := weight(v.I, "HLN", 0.56, 0.22, 0)
	a, ok7 := weight(v.A, "HLN", 0.56, 0.22, 0)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return 0, fmt.Errorf("%w: bad v3.1 metric value in %s", ErrVector, v)
	}
	iss := 1 - (1-c)*(1-i)*(1-a)
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	exploitability := 8.22 * av * ac * pr * ui
	if impact <= 0 {
		return 0, nil
	}
	if changed {
		return Roundup(math.Min(1.08*(impact+exploitability), 10)), nil
	}
	return Roundup(math.Min(impact+exploitability, 10)), nil
}

// weight returns ws[k] where value is the one-letter string names[k].
func weight(value, names string, ws ...float64) (float64, bool) {
	if len(value) != 1 {
		return 0, false
	}
	k := strings.IndexByte(names, value[0])
	if k < 0 || k >= len(ws) {
		return 0, false
	}
	return ws[k], true
}

// Roundup is the CVSS v3.1 rounding function of the specification's Appendix A:
// the smallest number with one decimal that is equal to or higher than x, where x
// is first rounded to five decimals so that floating-point noise such as
// 4.000000000000001 yields 4.0 and not 4.1.
func Roundup(x float64) float64 {
	n := int64(math.Round(x * 100000))
	if n%10000 == 0 {
		return float64(n) / 100000.0
	}
	return (math.Floor(float64(n)/10000) + 1) / 10.0
}
