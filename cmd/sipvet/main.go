// Command sipvet audits SIP/VoIP products and deployments for the 22
// vulnerability items of IPA's survey "SIP に係る既知の脆弱性に関する調査".
//
// Run "sipvet demo" to audit the embedded lab target, "sipvet --help" for the
// commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev" //nolint:gochecknoglobals // set by the linker

// Exit codes of SPEC §2.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errFindings is returned by commands whose results reach --fail-on.
var errFindings = errors.New("findings at or above the --fail-on severity") //nolint:gochecknoglobals // sentinel

// usageError marks errors caused by bad input from the user.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// app carries what every command needs: streams and the environment.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// cpuProfile is the file of the hidden --cpuprofile flag, while the
	// profile is being written.
	cpuProfile *os.File
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if a.cpuProfile != nil {
		pprof.StopCPUProfile()
		if cerr := a.cpuProfile.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("--cpuprofile: %w", cerr)
		}
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFindings):
		return exitFindings
	}
	msg := strings.TrimSpace(strings.SplitN(err.Error(), "\n", 2)[0])
	fmt.Fprintf(stderr, "sipvet: %s\n", msg)
	return exitError
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "sipvet",
		Short: "Audit SIP/RTP systems for the 22 vulnerability classes of IPA's SIP survey",
		Long: `sipvet finds the 22 SIP/RTP vulnerability classes of IPA's survey
"SIP に係る既知の脆弱性に関する調査" in real VoIP products and deployments.

It attacks targets you are authorised to test, reads captures like an
eavesdropper, fuzzes with liveness monitoring, and writes evidence-backed
reports (HTML, Markdown, JSON, SARIF, JUnit) with CVSS scores and the
survey's guidance.

Start with:  sipvet demo
`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	// --cpuprofile FILE writes a Go CPU profile of the command (for
	// "go tool pprof"); hidden: it is for people working on sipvet.
	var profile string
	root.PersistentFlags().StringVar(&profile, "cpuprofile", "", "write a CPU profile of the command to FILE")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if profile == "" {
			return nil
		}
		f, err := os.Create(profile)
		if err != nil {
			return usagef("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		a.cpuProfile = f
		return nil
	}
	root.AddCommand(
		a.demoCmd(),
		a.scanCmd(),
		a.harnessCmd(),
		a.pcapCmd(),
		a.fuzzCmd(),
		a.replayCmd(),
		a.crackCmd(),
		a.enumCmd(),
		a.labCmd(),
		a.itemsCmd(),
		a.reportCmd(),
	)
	return root
}
