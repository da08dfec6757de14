// Package ident analyses identifiers a SIP element generates — Call-IDs,
// From/To tags, Via branches, digest nonces, CSeq starts — for the signs of
// survey item 13 (predictable identifiers): repeated values, counters,
// timestamps, embedded IPv4/MAC addresses and low estimated min-entropy.
//
// The package is pure: it looks only at the strings it is given, in the
// order they were collected. The scan check, the pcap analyser and the
// device harness share it.
//
// # Thresholds
//
// A report is Predictable when any of these holds (the constants below):
//
//   - at least one value repeats (Duplicates > 0): RFC 3261 §8.1.1.4 and
//     §19.3 require globally unique Call-IDs and tags;
//   - the values are a counter: after stripping the part common to all
//     values, the numeric (decimal or hexadecimal) remainder grows with the
//     collection order by a small step (at least CounterShare of the steps
//     positive and below MaxCounterStep);
//   - the values are a timestamp: the numeric remainder lies in the range of
//     Unix times in seconds (TimestampMin…TimestampMax) or milliseconds and
//     never decreases;
//   - an IPv4 or MAC address is embedded (dotted, or as 8/12 hex digits that
//     every value shares, see Report.Addresses);
//   - the estimated min-entropy per value is below LowEntropyBits (16 bits):
//     far below the 32 bits RFC 3261 §19.3 asks of a tag, beyond what the
//     estimator's caution explains.
//
// An estimate between LowEntropyBits and MinEntropyBits (32 bits) with none
// of the other signs sets Uncertain instead: the sample cannot show that the
// values carry 32 bits, nor that they do not (a uniformly random 32-bit tag
// itself scores about 22 bits at 200 samples). Callers report that as
// inconclusive, never as vulnerable.
//
// Fields (a counter or a timestamp inside a longer value, such as the
// creation time in front of a keyed hash in many nonces) are reported in
// Report.Fields but make the value predictable only through the entropy
// estimate. Fewer than MinSamples values give Insufficient and no verdict.
//
// # Min-entropy estimate
//
// Values are compared character by character (character i of every value;
// a hex or base64 character is one symbol of 4 or 6 bits). For each
// position the most common value estimate of NIST SP 800-90B §6.3.1 gives
// p̂ (share of the most frequent symbol) and its 99 % upper bound
// p_u = min(1, p̂ + 2.576·sqrt(p̂(1−p̂)/(n−1))), credited −log2(p_u) bits;
// the estimate of a value is the sum over positions. It is a conservative
// (lower) estimate for random data: with 200 samples a uniformly random hex
// character scores about 2.7 of its 4 bits, so a random 64-bit hex tag
// scores about 44 bits and a random 32-bit one about 22 — which is why an
// estimate below 32 bits alone only makes a report Uncertain. The estimate ignores correlation between positions (a CRC of
// the request looks random); counters and timestamps are caught by their
// own tests.
package ident

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Thresholds; see the package documentation.
const (
	// MinSamples is the least number of values for a verdict.
	MinSamples = 20
	// MinEntropyBits is the least estimated min-entropy per value.
	MinEntropyBits = 32.0
	// LowEntropyBits is the estimate below which values are predictable
	// whatever the sample size.
	LowEntropyBits = 16.0
	// CounterShare is the share of consecutive steps that must be positive
	// and small for a counter.
	CounterShare = 0.9
	// MaxCounterStep is the largest step of a counter.
	MaxCounterStep = 1 << 16
	// TimestampMin and TimestampMax bound Unix times in seconds
	// (2001-09-09 … 2038-01-19); ×1000 for milliseconds.
	TimestampMin = 1_000_000_000
	TimestampMax = 1<<31 - 1
	// MaxValues and MaxValueLen bound the input: further values are
	// ignored and longer values truncated.
	MaxValues   = 100_000
	MaxValueLen = 512
)

// Field is a structured part of the values: a counter or a timestamp.
type Field struct {
	// Kind is "counter" or "timestamp".
	Kind string `json:"kind"`
	// Where says where the field is: "whole value", "prefix", "suffix",
	// "decoded bytes 0-3" and so on.
	Where string `json:"where"`
	// First and Last are the field's first and last values.
	First string `json:"first"`
	Last  string `json:"last"`
}

// Report is what Analyze found about one kind of identifier.
type Report struct {
	// Kind names the identifier ("to-tag", "nonce", "branch", …).
	Kind string `json:"kind"`
	// Samples is the number of values analysed; Distinct how many differ.
	Samples  int `json:"samples"`
	Distinct int `json:"distinct"`
	// Duplicates counts values equal to an earlier one; Examples lists a few.
	Duplicates int      `json:"duplicates"`
	Examples   []string `json:"duplicate_examples,omitempty"`
	// CommonPrefix and CommonSuffix are the parts every value shares.
	CommonPrefix string `json:"common_prefix,omitempty"`
	CommonSuffix string `json:"common_suffix,omitempty"`
	// Counter and Timestamp are set when the variable part is one.
	Counter   bool `json:"counter"`
	Timestamp bool `json:"timestamp"`
	// Fields lists counters and timestamps found inside the values.
	Fields []Field `json:"fields,omitempty"`
	// Addresses lists embedded IPv4 and MAC addresses ("ipv4 192.0.2.1").
	Addresses []string `json:"addresses,omitempty"`
	// Encoding is "hex" or "base64" when every value decodes so (inner
	// fields are then also searched in the decoded bytes), else "text".
	Encoding string `json:"encoding"`
	// MinEntropyBits is the estimated min-entropy per value.
	MinEntropyBits float64 `json:"min_entropy_bits"`
	// Insufficient is true with fewer than MinSamples values.
	Insufficient bool `json:"insufficient"`
	// Predictable is the verdict; Reasons say why.
	Predictable bool `json:"predictable"`
	// Uncertain is set when only the entropy estimate is below
	// MinEntropyBits, but not below LowEntropyBits: no verdict either way.
	Uncertain bool     `json:"uncertain"`
	Reasons   []string `json:"reasons,omitempty"`
}

// Thresholds returns the thresholds as data for a results file.
func Thresholds() map[string]any {
	return map[string]any{
		"min_samples":      MinSamples,
		"min_entropy_bits": MinEntropyBits,
		"low_entropy_bits": LowEntropyBits,
		"counter_share":    CounterShare,
		"max_counter_step": MaxCounterStep,
		"timestamp_range":  fmt.Sprintf("%d-%d (s) or ×1000 (ms)", TimestampMin, TimestampMax),
		"estimator":        "per-position most-common-value (NIST SP 800-90B §6.3.1, 99% bound; uniform-looking positions credited log2(k))",
	}
}

// Analyze examines values, in the order they were collected, as identifiers
// of the given kind. Empty values are skipped.
func Analyze(kind string, values []string) Report {
	r := Report{Kind: kind, Encoding: "text"}
	vals := make([]string, 0, min(len(values), MaxValues))
	for _, v := range values {
		if len(vals) >= MaxValues {
			break
		}
		if v == "" {
			continue
		}
		if len(v) > MaxValueLen {
			v = v[:MaxValueLen]
		}
		vals = append(vals, v)
	}
	r.Samples = len(vals)
	if r.Samples == 0 {
		r.Insufficient = true
		return r
	}
	seen := map[string]bool{}
	for _, v := range vals {
		if seen[v] {
			r.Duplicates++
			if len(r.Examples) < 3 && !contains(r.Examples, v) {
				r.Examples = append(r.Examples, v)
			}
			continue
		}
		seen[v] = true
	}
	r.Distinct = len(seen)
	pre, suf := commonAffixes(vals)
	r.CommonPrefix, r.CommonSuffix = pre, suf
	mids := make([]string, len(vals))
	for i, v := range vals {
		mids[i] = v[len(pre) : len(v)-len(suf)]
	}
	kindOf, ok := numericSeries(vals)
	where, series := "whole value", vals
	if !ok {
		kindOf, ok = numericSeries(mids)
		where, series = "variable part", mids
	}
	if ok {
		switch kindOf {
		case "counter":
			r.Counter = true
		case "timestamp":
			r.Timestamp = true
		}
		r.Fields = append(r.Fields, Field{Kind: kindOf, Where: where, First: series[0], Last: series[len(series)-1]})
	} else {
		r.Fields = append(r.Fields, innerFields(vals)...)
	}
	r.Addresses = addresses(vals, pre)
	if _, enc := decodeAll(vals); enc != "" {
		r.Encoding = enc
	}
	r.MinEntropyBits = round2(estimate(vals))
	r.Insufficient = r.Samples < MinSamples
	if r.Duplicates > 0 {
		r.Reasons = append(r.Reasons, fmt.Sprintf("%d of %d values repeat an earlier one", r.Duplicates, r.Samples))
	}
	if r.Counter {
		r.Reasons = append(r.Reasons, "the values are a counter")
	}
	if r.Timestamp {
		r.Reasons = append(r.Reasons, "the values are a timestamp")
	}
	if len(r.Addresses) > 0 {
		r.Reasons = append(r.Reasons, "the values embed "+strings.Join(r.Addresses, ", "))
	}
	if r.MinEntropyBits < MinEntropyBits {
		r.Reasons = append(r.Reasons, fmt.Sprintf("estimated min-entropy %.1f bits per value is below %.0f bits", r.MinEntropyBits, MinEntropyBits))
	}
	if r.Insufficient {
		r.Reasons = append(r.Reasons, fmt.Sprintf("only %d values (want at least %d): no verdict", r.Samples, MinSamples))
		return r
	}
	r.Predictable = r.Duplicates > 0 || r.Counter || r.Timestamp || len(r.Addresses) > 0 || r.MinEntropyBits < LowEntropyBits
	r.Uncertain = !r.Predictable && r.MinEntropyBits < MinEntropyBits
	return r
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// commonAffixes returns the longest prefix and suffix all values share,
// never overlapping in the shortest value.
func commonAffixes(vals []string) (string, string) {
	pre := vals[0]
	for _, v := range vals[1:] {
		n := 0
		for n < len(pre) && n < len(v) && pre[n] == v[n] {
			n++
		}
		pre = pre[:n]
	}
	shortest := len(vals[0])
	for _, v := range vals {
		shortest = min(shortest, len(v))
	}
	if len(pre) > shortest {
		pre = pre[:shortest]
	}
	suf := vals[0][len(pre):]
	for _, v := range vals[1:] {
		rest := v[len(pre):]
		n := 0
		for n < len(suf) && n < len(rest) && suf[len(suf)-1-n] == rest[len(rest)-1-n] {
			n++
		}
		suf = suf[len(suf)-n:]
	}
	if len(pre)+len(suf) > shortest {
		suf = suf[len(pre)+len(suf)-shortest:]
	}
	return pre, suf
}

// parseNumber reads s as a decimal or (when it has hex letters) hexadecimal
// number of at most 16 digits.
func parseNumber(s string, hexOnly bool) (uint64, bool) {
	if s == "" || len(s) > 16 {
		return 0, false
	}
	if !hexOnly {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return n, true
		}
	}
	n, err := strconv.ParseUint(s, 16, 64)
	return n, err == nil
}

// numericSeries reports whether every value is a number and the series is a
// counter or a timestamp.
func numericSeries(vals []string) (string, bool) {
	if len(vals) < 3 {
		return "", false
	}
	hexOnly := false
	for _, v := range vals {
		if strings.ContainsAny(v, "abcdefABCDEF") {
			hexOnly = true
			break
		}
	}
	nums := make([]uint64, len(vals))
	for i, v := range vals {
		n, ok := parseNumber(v, hexOnly)
		if !ok {
			return "", false
		}
		nums[i] = n
	}
	return classify(nums)
}

// classify decides whether a series is a timestamp or a counter.
func classify(nums []uint64) (string, bool) {
	nondecreasing, small := 0, 0
	inRange := true
	for i, n := range nums {
		if !(n >= TimestampMin && n <= TimestampMax) && !(n >= TimestampMin*1000 && n <= TimestampMax*1000) {
			inRange = false
		}
		if i == 0 {
			continue
		}
		if n >= nums[i-1] {
			nondecreasing++
			if d := n - nums[i-1]; d > 0 && d < MaxCounterStep {
				small++
			}
		}
	}
	steps := float64(len(nums) - 1)
	if inRange && float64(nondecreasing) >= CounterShare*steps {
		return "timestamp", true
	}
	if float64(small) >= CounterShare*steps {
		return "counter", true
	}
	return "", false
}

var (
	hexRun = regexp.MustCompile(`[0-9a-fA-F]{4,16}`)
	decRun = regexp.MustCompile(`[0-9]{4,16}`)
)

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// allBytes reports whether every byte of s satisfies in.
func allBytes(s string, in func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !in(s[i]) {
			return false
		}
	}
	return true
}

// innerFields looks for counters and timestamps inside the values: a
// leading or trailing run of digits, a hex/decimal run at the same offset of
// every value, and 32-bit words of the decoded bytes.
func innerFields(vals []string) []Field {
	var out []Field
	// Runs of digits at the same offset and length in every value.
	for _, run := range []struct {
		re *regexp.Regexp
		in func(byte) bool // the run's characters
	}{{decRun, isDigit}, {hexRun, isHexDigit}} {
		locs := run.re.FindAllStringIndex(vals[0], 8)
		for _, loc := range locs {
			nums := make([]string, 0, len(vals))
			for _, v := range vals {
				if loc[1] > len(v) {
					break
				}
				// the run's whole length (4 to 16, as in vals[0]) of its
				// characters: what the expression matches in full
				s := v[loc[0]:loc[1]]
				if !allBytes(s, run.in) {
					break
				}
				nums = append(nums, s)
			}
			if len(nums) != len(vals) {
				continue
			}
			if k, ok := numericSeries(nums); ok {
				out = append(out, Field{Kind: k, Where: fmt.Sprintf("characters %d-%d", loc[0], loc[1]-1), First: nums[0], Last: nums[len(nums)-1]})
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	// 32-bit words of decoded bytes (base64 or hex nonces).
	dec, enc := decodeAll(vals)
	if dec == nil {
		return out
	}
	shortest := len(dec[0])
	for _, d := range dec {
		shortest = min(shortest, len(d))
	}
	for off := 0; off+4 <= shortest && off <= 32; off += 4 {
		for _, big := range []bool{true, false} {
			nums := make([]uint64, len(dec))
			for i, d := range dec {
				w := d[off : off+4]
				if big {
					nums[i] = uint64(w[0])<<24 | uint64(w[1])<<16 | uint64(w[2])<<8 | uint64(w[3])
				} else {
					nums[i] = uint64(w[3])<<24 | uint64(w[2])<<16 | uint64(w[1])<<8 | uint64(w[0])
				}
			}
			if allEqual(nums) {
				continue
			}
			if k, ok := classify(nums); ok {
				order := "big-endian"
				if !big {
					order = "little-endian"
				}
				out = append(out, Field{Kind: k, Where: fmt.Sprintf("%s-decoded bytes %d-%d (%s)", enc, off, off+3, order),
					First: strconv.FormatUint(nums[0], 10), Last: strconv.FormatUint(nums[len(nums)-1], 10)})
				break
			}
		}
	}
	return out
}

func allEqual(nums []uint64) bool {
	for _, n := range nums[1:] {
		if n != nums[0] {
			return false
		}
	}
	return true
}

// decodeAll decodes every value as hex (even length) or standard/URL
// base64, or returns nil.
func decodeAll(vals []string) ([][]byte, string) {
	try := func(dec func(string) ([]byte, error)) [][]byte {
		out := make([][]byte, len(vals))
		for i, v := range vals {
			b, err := dec(v)
			if err != nil || len(b) == 0 {
				return nil
			}
			out[i] = b
		}
		return out
	}
	if d := try(hex.DecodeString); d != nil {
		return d, "hex"
	}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if d := try(e.DecodeString); d != nil {
			return d, "base64"
		}
	}
	return nil, ""
}

var (
	dottedIPv4 = regexp.MustCompile(`(?:^|[^0-9.])((?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3})(?:[^0-9.]|$)`)
	macSep     = regexp.MustCompile(`(?i)(?:^|[^0-9a-f])((?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2})(?:[^0-9a-f]|$)`)
	hex12      = regexp.MustCompile(`(?i)[0-9a-f]{12}`)
)

// addresses finds IPv4 and MAC addresses: dotted or colon-separated
// anywhere, or a 12-hex-digit run in the part every value shares that is
// not an obvious constant hash (only when the common part is at most 24
// characters, as a MAC in a Call-ID prefix is).
func addresses(vals []string, common string) []string {
	found := map[string]bool{}
	limit := min(len(vals), 50)
	for _, v := range vals[:limit] {
		// Neither pattern can match without its separators (three dots,
		// five colons or dashes): most values skip the expressions.
		if strings.Count(v, ".") >= 3 {
			for _, m := range dottedIPv4.FindAllStringSubmatch(v, 4) {
				found["ipv4 "+m[1]] = true
			}
		}
		if strings.Count(v, ":")+strings.Count(v, "-") >= 5 {
			for _, m := range macSep.FindAllStringSubmatch(v, 4) {
				found["mac "+strings.ToLower(m[1])] = true
			}
		}
	}
	if len(common) >= 12 && len(common) <= 24 {
		if m := hex12.FindString(common); m != "" && !isDecimal(m) {
			found["mac "+macString(m)] = true
		}
	}
	out := make([]string, 0, len(found))
	for k := range found {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func macString(h string) string {
	h = strings.ToLower(h)
	parts := make([]string, 0, 6)
	for i := 0; i+2 <= len(h) && len(parts) < 6; i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// estimate sums per-position min-entropy estimates (see the package doc).
// A position past the end of a value counts as one more symbol.
func estimate(syms []string) float64 {
	n := len(syms)
	if n < 2 {
		return 0
	}
	maxLen := 0
	for _, s := range syms {
		maxLen = max(maxLen, len(s))
	}
	total := 0.0
	counts := make(map[int]int, 64)
	for pos := 0; pos < maxLen; pos++ {
		clear(counts)
		for _, s := range syms {
			sym := -1
			if pos < len(s) {
				sym = int(s[pos])
			}
			counts[sym]++
		}
		total += positionBits(counts, n)
	}
	return total
}

// positionBits is the min-entropy credited to one position.
func positionBits(counts map[int]int, n int) float64 {
	k := len(counts)
	if k <= 1 {
		return 0
	}
	top := 0
	for _, c := range counts {
		top = max(top, c)
	}
	p := float64(top) / float64(n)
	pu := math.Min(1, p+2.576*math.Sqrt(p*(1-p)/float64(n-1)))
	return -math.Log2(pu)
}
