package fuzz

import (
	"fmt"
	"strconv"
	"strings"
)

// anomaly is one value-level test of the protos source.
type anomaly struct {
	class  string // overflow, format-string, integer, injection, encoding, empty, uri-escape
	detail string
	value  string
	insert bool // inserted into the default value instead of replacing it
}

// overflowLengths are the lengths around powers of two up to 65,535.
func overflowLengths() []int {
	return []int{127, 128, 255, 256, 511, 512, 1023, 1024, 1025, 2048, 4096, 8192, 16384, 32767, 32768, 65535}
}

func valueAnomalies(kind fieldKind) []anomaly {
	var out []anomaly
	for _, n := range overflowLengths() {
		out = append(out, anomaly{"overflow", fmt.Sprintf("%d×'A'", n), strings.Repeat("A", n), false})
	}
	for _, f := range []string{"%s%s%s%s%s%s%s%s%s%s", "%n%n%n%n%n%n%n%n", strings.Repeat("%x", 64), "%99999999999s", "%.1024d%n", "%@%@%@%@"} {
		out = append(out, anomaly{"format-string", strconv.Quote(f), f, false})
	}
	if kind == kindNum {
		for _, v := range []string{"-1", "0", "2147483647", "2147483648", "4294967295", "4294967296", "-2147483649", "9223372036854775807", "9223372036854775808", "18446744073709551616", "999999999999999999999999999999999999", "0x7fffffff", "1e9", "+1", "007"} {
			out = append(out, anomaly{"integer", v, v, false})
		}
	}
	for _, v := range []struct{ d, s string }{{"NUL", "\x00"}, {"CR", "\r"}, {"LF", "\n"}, {"CRLF", "\r\n"}, {"space", " "}, {"tab", "\t"}, {"CRLF header", "\r\nX-Injected: sipvet"}, {"CRLFCRLF", "\r\n\r\n"}} {
		out = append(out, anomaly{"injection", v.d, v.s, true})
	}
	for _, v := range []struct{ d, s string }{{"0xFF 0xFE", "\xff\xfe"}, {"overlong NUL", "\xc0\x80"}, {"surrogate", "\xed\xa0\x80"}, {"truncated UTF-8", "\xe3\x81"}, {"ANSI clear+colour", "\x1b[2J\x1b[31m"}, {"ANSI OSC title", "\x1b]0;sipvet\x07"}, {"RTL override", "\u202e"}, {"C1 controls", "\x85\x9b"}} {
		out = append(out, anomaly{"encoding", v.d, v.s, true})
	}
	out = append(out, anomaly{"empty", "empty", "", false})
	if kind == kindURI {
		for _, v := range []string{"%00", "%25", "%2525", "%", "%zz", "%0d%0a", "%ff%fe", "%3b%3e%3c"} {
			out = append(out, anomaly{"uri-escape", v, v, true})
		}
	}
	return out
}

func headerOps(name string) []lineOp {
	ops := []lineOp{{"missing", 0}, {"dup", 2}, {"dup", 10}, {"empty", 0}, {"folded", 0}, {"nocolon", 0}, {"leading-space", 0}, {"lower", 0}, {"space-before-colon", 0}}
	if name == "Via" || name == "Contact" {
		ops = append(ops, lineOp{"dup", 100}, lineOp{"dup", 1000})
	}
	return ops
}

// protosCase describes one protos case before rendering.
type protosCase struct {
	group, detail string
	field         string
	an            anomaly
	head, body    int // line index for line ops (-1 none)
	op            lineOp
	clDelta       int
	clValue       string
}

// protos is the "protos" source: PROTOS c07-sip-style groups, every INVITE
// and SDP element × anomaly class, numbered in a fixed order.
type protos struct {
	p     Params
	cases []protosCase
}

func newProtos(p Params) *protos {
	pr := &protos{p: p}
	names, kinds := fieldNames()
	for i, f := range names {
		for _, a := range valueAnomalies(kinds[i]) {
			pr.cases = append(pr.cases, protosCase{group: "protos/" + f + "/" + a.class, detail: a.detail, field: f, an: a, head: -1, body: -1})
		}
	}
	for i, h := range headerNames() {
		if i == 0 {
			continue
		}
		for _, op := range headerOps(h) {
			d := op.kind
			if op.kind == "dup" {
				d = fmt.Sprintf("%d copies", op.count)
			}
			pr.cases = append(pr.cases, protosCase{group: "protos/header " + h + "/" + op.kind, detail: d, head: i, body: -1, op: op})
		}
	}
	_, body := inviteTemplate()
	for i := range body {
		for _, op := range []lineOp{{"missing", 0}, {"dup", 2}, {"dup", 100}, {"empty", 0}} {
			pr.cases = append(pr.cases, protosCase{group: fmt.Sprintf("protos/sdp line %d/%s", i+1, op.kind), detail: op.kind, head: -1, body: i, op: op})
		}
	}
	for _, d := range []int{-1, 1, 100, 65536} {
		pr.cases = append(pr.cases, protosCase{group: "protos/Content-Length/mismatch", detail: fmt.Sprintf("body %+d", d), head: -1, body: -1, clDelta: d})
	}
	for _, v := range []string{"-1", "-4294967296", " 0", "1 1", "0x10"} {
		pr.cases = append(pr.cases, protosCase{group: "protos/Content-Length/mismatch", detail: strconv.Quote(v), head: -1, body: -1, clValue: v})
	}
	return pr
}

func (pr *protos) Name() string { return "protos" }
func (pr *protos) Len() int     { return len(pr.cases) }

func (pr *protos) Case(n int) Case {
	pc := pr.cases[n%len(pr.cases)]
	b := &msgBuilder{p: pr.p, id: fmt.Sprintf("p%x.%d", pr.p.Seed, n), clDelta: pc.clDelta}
	if pc.field != "" {
		if pc.an.insert {
			b.insert = map[string]string{pc.field: pc.an.value}
		} else {
			b.override = map[string]string{pc.field: pc.an.value}
		}
	}
	if pc.clValue != "" {
		b.override = map[string]string{"content-length": pc.clValue}
	}
	if pc.head >= 0 {
		b.headOps = map[int]lineOp{pc.head: pc.op}
	}
	if pc.body >= 0 {
		b.bodyOps = map[int]lineOp{pc.body: pc.op}
	}
	return Case{Source: pr.Name(), N: n, Group: pc.group, Detail: pc.detail, Kind: KindSIP, Data: b.build(), Dialog: -1}
}
