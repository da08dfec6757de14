package peertest

import (
	"bytes"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stopGrace is how long a stopped peer's process group gets between SIGTERM
// and SIGKILL.
const stopGrace = 5 * time.Second

// ProcLogs collects a peer's standard output and error; its methods are safe
// for the process's writers and the test's readers at the same time.
type ProcLogs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the collected output.
func (l *ProcLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns the output collected so far.
func (l *ProcLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// StartProcess starts cmd in its own process group with its standard output
// and error collected in the returned ProcLogs, and stops it on cleanup:
// SIGTERM to the group, then SIGKILL after 5 s. When the test failed the
// cleanup logs the last tailBytes bytes of the output (all of it when
// tailBytes <= 0) under name. The returned channel is closed when the
// process has exited. A start failure fails the test.
func StartProcess(t testing.TB, name string, cmd *exec.Cmd, tailBytes int) (*ProcLogs, <-chan struct{}) {
	t.Helper()
	logs := &ProcLogs{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(stopGrace):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			out := logs.String()
			if tailBytes > 0 {
				out = tail(out, tailBytes)
			}
			t.Logf("%s output:\n%s", name, out)
		}
	})
	return logs, exited
}
