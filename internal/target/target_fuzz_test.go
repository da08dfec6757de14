package target

import "testing"

// FuzzParse checks that Parse never panics and that a parsed target's
// canonical form parses back to the same target.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"udp://127.0.0.1:5060", "sips:bob@[2001:db8::1]", "ws://h:80/x", "sip:a@b;transport=tcp", "[::1]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(tg.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which does not parse again: %v", s, tg, err)
		}
		tg.User = ""
		if again != tg {
			t.Fatalf("round trip of %q: %+v != %+v", s, again, tg)
		}
	})
}
