package fuzz

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
)

func testParams(seed uint64) Params {
	t, _ := target.Parse("udp://127.0.0.1:5070")
	return Params{Seed: seed, Target: t, Local: "127.0.0.1:40000", Mutations: 300}
}

func TestSourcesDeterministic(t *testing.T) {
	for _, name := range SourceNames() {
		t.Run(name, func(t *testing.T) {
			a, err := NewSource(name, testParams(7))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := NewSource(name, testParams(7))
			if a.Len() == 0 {
				t.Fatal("empty source")
			}
			for _, n := range []int{0, 1, a.Len() / 2, a.Len() - 1} {
				ca, cb := a.Case(n), b.Case(n)
				if !bytes.Equal(ca.Data, cb.Data) || ca.Group != cb.Group {
					t.Errorf("case %d differs between two generations", n)
				}
				// generating other cases first must not change case n
				_ = b.Case((n + 7) % a.Len())
				if !bytes.Equal(a.Case(n).Data, b.Case(n).Data) {
					t.Errorf("case %d depends on generation order", n)
				}
				if ca.Source != name || ca.N != n || ca.ID() != name+":"+itoa(n) {
					t.Errorf("case %d has id %s", n, ca.ID())
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestMutationSeedMatters(t *testing.T) {
	a, _ := NewSource("mutation", testParams(1))
	b, _ := NewSource("mutation", testParams(2))
	same := 0
	for n := 0; n < 50; n++ {
		if bytes.Equal(a.Case(n).Data, b.Case(n).Data) {
			same++
		}
	}
	if same > 5 {
		t.Errorf("%d of 50 mutation cases identical across seeds", same)
	}
}

func TestTortureRetarget(t *testing.T) {
	src := newTorture(testParams(1))
	if src.Len() != 50+len(rfc5118()) {
		t.Fatalf("torture has %d cases", src.Len())
	}
	for n := 0; n < src.Len(); n++ {
		c := src.Case(n)
		first, _, _ := strings.Cut(string(c.Data), "\r\n")
		switch c.Detail {
		case "wsinv", "esc01", "longreq", "intmeth", "dblreq", "semiuri":
			if !strings.Contains(first, "127.0.0.1:5070") {
				t.Errorf("%s not retargeted: %q", c.Detail, first)
			}
		case "novelsc", "unkscm", "bigcode":
			if strings.Contains(first, "127.0.0.1:5070") {
				t.Errorf("%s should stay as is: %q", c.Detail, first)
			}
		}
	}
	// what the message tests stays: wsinv keeps its whitespace, body and length
	for n := 0; n < src.Len(); n++ {
		c := src.Case(n)
		if c.Detail != "wsinv" {
			continue
		}
		orig := tortureCorpus()
		for _, m := range orig {
			if m.name == "wsinv" {
				_, ob, _ := bytes.Cut(m.data, []byte("\r\n\r\n"))
				_, nb, _ := bytes.Cut(c.Data, []byte("\r\n\r\n"))
				if !bytes.Equal(ob, nb) {
					t.Error("wsinv body changed")
				}
				if !strings.HasPrefix(string(c.Data), "INVITE sip:vivekg@127.0.0.1:5070;unknownparam SIP/2.0\r\n") {
					t.Errorf("wsinv start line: %q", strings.SplitN(string(c.Data), "\r\n", 2)[0])
				}
			}
		}
	}
}

func TestProtosBaseIsValid(t *testing.T) {
	b := &msgBuilder{p: testParams(1), id: "x"}
	m, err := sip.Parse(b.build())
	if err != nil {
		t.Fatalf("base INVITE does not parse: %v\n%s", err, b.build())
	}
	if errs := sip.Validate(m); len(errs) > 0 {
		t.Fatalf("base INVITE invalid: %v", errs)
	}
	pr := newProtos(testParams(1))
	if pr.Len() < 1000 {
		t.Errorf("protos has only %d cases", pr.Len())
	}
	groups := map[string]bool{}
	for n := 0; n < pr.Len(); n++ {
		c := pr.Case(n)
		parts := strings.Split(c.Group, "/")
		groups[parts[len(parts)-1]] = true
	}
	for _, g := range []string{"overflow", "format-string", "integer", "injection", "encoding", "empty", "uri-escape", "missing", "dup", "folded", "mismatch"} {
		if !groups[g] {
			t.Errorf("no protos group %q", g)
		}
	}
}

func TestPlan(t *testing.T) {
	pl, err := NewPlan(testParams(3), []string{"protos", "torture"})
	if err != nil {
		t.Fatal(err)
	}
	tor := newTorture(testParams(3))
	if pl.Case(0).Source != "torture" || pl.Case(tor.Len()).Source != "protos" {
		t.Error("sources are not in campaign order")
	}
	i, err := pl.Lookup("protos:5")
	if err != nil || i != tor.Len()+5 || pl.Case(i).ID() != "protos:5" {
		t.Errorf("Lookup protos:5 = %d, %v", i, err)
	}
	for _, bad := range []string{"media:1", "protos:-1", "x", "999999"} {
		if _, err := pl.Lookup(bad); err == nil {
			t.Errorf("Lookup(%q) accepted", bad)
		}
	}
	if _, err := NewPlan(testParams(1), []string{"nope"}); err == nil {
		t.Error("unknown source accepted")
	}
	s, err := ParseShard("1/3")
	if err != nil || !s.Has(4) || s.Has(3) {
		t.Errorf("shard 1/3: %v", err)
	}
	for _, bad := range []string{"3/3", "a/b", "1", "-1/2"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}

func TestDDMin(t *testing.T) {
	items := make([]int, 100)
	for i := range items {
		items[i] = i
	}
	calls := 0
	got := ddmin(items, func(s []int) bool {
		calls++
		has := map[int]bool{}
		for _, x := range s {
			has[x] = true
		}
		return has[17] && has[80]
	})
	if len(got) != 2 || got[0] != 17 || got[1] != 80 {
		t.Errorf("ddmin = %v", got)
	}
	if calls > 100 {
		t.Errorf("ddmin used %d tests", calls)
	}
}

func TestSplitCommand(t *testing.T) {
	got, err := SplitCommand(`prog -a 'b c' "d \"e\"" f\ g`)
	want := []string{"prog", "-a", "b c", `d "e"`, "f g"}
	if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("SplitCommand = %q, %v", got, err)
	}
	for _, bad := range []string{"", "  ", "a 'b"} {
		if _, err := SplitCommand(bad); err == nil {
			t.Errorf("SplitCommand(%q) accepted", bad)
		}
	}
}
