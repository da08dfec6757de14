package fuzz

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrBadCommand is wrapped when an --exec command line cannot be parsed or started.
var ErrBadCommand = errors.New("fuzz: bad target command")

// ProcExit is how a watched target process ended.
type ProcExit struct {
	// Code is the exit status (-1 when killed by a signal).
	Code int
	// Signal names the signal that killed it ("" when it exited).
	Signal string
}

func (e ProcExit) String() string {
	if e.Signal != "" {
		return "killed by " + e.Signal
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// Process is a target program that sipvet starts and watches (--exec): it
// reports when the program exits or is killed and which sanitizer or crash
// reports it printed on standard error.
type Process struct {
	argv []string
	cmd  *exec.Cmd
	done chan struct{}
	log  io.Writer

	mu        sync.Mutex
	exit      *ProcExit
	tail      []byte
	sanitizer []string
	starts    int
}

// SplitCommand splits a command line into words, honouring single and
// double quotes and backslash escapes (no other shell syntax).
func SplitCommand(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, quote, esc := false, byte(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			cur.WriteByte(c)
			esc, in = false, true
		case c == '\\' && quote != '\'':
			esc = true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 || esc {
		return nil, fmt.Errorf("%w: unterminated quote in %q", ErrBadCommand, s)
	}
	if in {
		out = append(out, cur.String())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty command", ErrBadCommand)
	}
	return out, nil
}

// NewProcess prepares a target command; Start runs it. Its standard output
// and error are copied to log (which may be nil).
func NewProcess(cmdline string, log io.Writer) (*Process, error) {
	argv, err := SplitCommand(cmdline)
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath(argv[0]); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCommand, err)
	}
	return &Process{argv: argv, log: log}, nil
}

// sanitizerMarkers are lines that crash reporters print.
func sanitizerMarkers() []string {
	return []string{"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "WARNING: ThreadSanitizer", "WARNING: MemorySanitizer",
		"SUMMARY: UndefinedBehaviorSanitizer", "runtime error:", "panic: ", "fatal error: ", "Segmentation fault",
		"stack smashing detected", "double free or corruption", "malloc(): ", "free(): invalid", "AddressSanitizer:DEADLYSIGNAL"}
}

// Start (re)starts the program; a running instance is stopped first.
func (p *Process) Start() error {
	p.Stop()
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadCommand, err)
	}
	cmd.Stdout = p.log
	if cmd.Stdout == nil {
		cmd.Stdout = io.Discard
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadCommand, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.exit, p.sanitizer, p.tail = cmd, done, nil, nil, nil
	p.starts++
	p.mu.Unlock()
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if p.log != nil {
				fmt.Fprintln(p.log, line)
			}
			p.mu.Lock()
			p.tail = append(p.tail, line...)
			p.tail = append(p.tail, '\n')
			if len(p.tail) > 16*1024 {
				p.tail = p.tail[len(p.tail)-16*1024:]
			}
			for _, m := range sanitizerMarkers() {
				if strings.Contains(line, m) && len(p.sanitizer) < 100 {
					p.sanitizer = append(p.sanitizer, line)
					break
				}
			}
			p.mu.Unlock()
		}
	}()
	go func() {
		<-read
		err := cmd.Wait()
		e := ProcExit{}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				e.Code, e.Signal = -1, signalName(ws.Signal())
			} else {
				e.Code = ee.ExitCode()
			}
		}
		p.mu.Lock()
		p.exit = &e
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

func signalName(s syscall.Signal) string {
	names := map[syscall.Signal]string{syscall.SIGSEGV: "SIGSEGV", syscall.SIGABRT: "SIGABRT", syscall.SIGKILL: "SIGKILL",
		syscall.SIGTERM: "SIGTERM", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE", syscall.SIGILL: "SIGILL", syscall.SIGINT: "SIGINT", syscall.SIGTRAP: "SIGTRAP"}
	if n, ok := names[s]; ok {
		return n
	}
	return s.String()
}

// Pid returns the process id of the running instance (0 when none).
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Exited reports whether the running instance has ended, and how.
func (p *Process) Exited() (ProcExit, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exit == nil {
		return ProcExit{}, false
	}
	return *p.exit, true
}

// WaitExit waits up to d for the process to end.
func (p *Process) WaitExit(ctx context.Context, d time.Duration) (ProcExit, bool) {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return ProcExit{}, false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
	return p.Exited()
}

// TakeSanitizer returns the crash-report lines seen since the last call.
func (p *Process) TakeSanitizer() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.sanitizer
	p.sanitizer = nil
	return s
}

func (p *Process) hasSanitizer() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sanitizer) > 0
}

// Tail returns the last 16 KiB of the program's standard error.
func (p *Process) Tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.tail)
}

// Stop kills the running instance (its whole process group) and waits for it.
func (p *Process) Stop() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	if _, ok := p.Exited(); !ok {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

// Command returns the command line words.
func (p *Process) Command() []string { return append([]string(nil), p.argv...) }
