// Package siptest holds helpers for sipvet's tests: an in-process lab
// target, hostile UDP servers, golden-file comparison and a goroutine-leak
// check. Only _test.go files import it.
package siptest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/lab"
)

// StartLab starts a lab target and closes it when the test ends.
func StartLab(t testing.TB, opts lab.Options) *lab.Lab {
	t.Helper()
	l, err := lab.Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("siptest: start lab: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("siptest: close lab: %v", err)
		}
	})
	return l
}

// Golden compares got with the golden file at path; with update it
// rewrites the file instead. A mismatch fails the test with a line diff.
// Tests pass the value of their own flag:
//
//	var update = flag.Bool("update", false, "update golden files")
//	siptest.Golden(t, "testdata/out.golden", got, *update)
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("siptest: golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("siptest: golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("siptest: golden: %v (run the test with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	t.Errorf("siptest: output differs from %s (run with -update to accept):\n%s", path, LineDiff(string(want), string(got)))
}

// LineDiff renders a compact diff of two texts: the differing lines with
// their line numbers, "-" for want and "+" for got, at most 40 of them.
func LineDiff(want, got string) string {
	w := strings.Split(want, "\n")
	g := strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 40; i++ {
		var wl, gl string
		wok, gok := i < len(w), i < len(g)
		if wok {
			wl = w[i]
		}
		if gok {
			gl = g[i]
		}
		if wok && gok && wl == gl {
			continue
		}
		if wok {
			fmt.Fprintf(&b, "%4d - %q\n", i+1, wl)
		}
		if gok {
			fmt.Fprintf(&b, "%4d + %q\n", i+1, gl)
		}
		shown++
	}
	if shown == 40 {
		b.WriteString("     ... (more differences)\n")
	}
	fmt.Fprintf(&b, "(want %d lines, got %d lines)", len(w), len(g))
	return b.String()
}

// CheckGoroutines records the running goroutines and, when the test ends,
// fails it if goroutines started since are still running after a grace
// period of 5 seconds, printing their stacks. Call it first in a test (its
// cleanup must run after the cleanups that stop what the test started), and
// not in parallel tests, whose goroutines it would count.
func CheckGoroutines(t testing.TB) {
	t.Helper()
	checkGoroutines(t, 5*time.Second)
}

func checkGoroutines(t testing.TB, grace time.Duration) {
	before := goroutines()
	t.Cleanup(func() {
		deadline := time.Now().Add(grace)
		for {
			leaked := leakedSince(before)
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("siptest: %d goroutine(s) leaked:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// goroutines returns the stack of every goroutine by id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		if len(buf) >= 64<<20 {
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if id := goroutineID(g); id != "" {
			out[id] = g
		}
	}
	return out
}

// goroutineID returns N from a stack beginning "goroutine N [", or "".
func goroutineID(stack string) string {
	rest, ok := strings.CutPrefix(stack, "goroutine ")
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, " ")
	if !ok || id == "" || strings.Trim(id, "0123456789") != "" {
		return ""
	}
	return id
}

// leakedSince returns the stacks of goroutines that are not in before and
// are not part of the runtime or the testing framework.
func leakedSince(before map[string]string) []string {
	var leaked []string
	for id, stack := range goroutines() {
		if _, ok := before[id]; ok || benign(stack) {
			continue
		}
		leaked = append(leaked, stack)
	}
	slices.Sort(leaked)
	return leaked
}

// benign reports goroutines that belong to the test framework or runtime.
func benign(stack string) bool {
	for _, s := range []string{
		"testing.tRunner", "testing.(*T).Run", "testing.runTests", "testing.(*M).",
		"runtime.goexit0", "os/signal.signal_recv", "runtime.ensureSigM",
		"siptest.goroutines", "created by runtime.gc", "runtime/trace",
	} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}

// background returns a context for servers that live until t's cleanup.
func background(t testing.TB) (context.Context, context.CancelFunc) {
	return context.WithCancel(context.WithoutCancel(t.Context()))
}
