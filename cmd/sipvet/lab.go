package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sipvet/sipvet/internal/lab"
)

func (a *app) labCmd() *cobra.Command {
	var (
		profile  string
		vulns    []string
		listen   []string
		duration time.Duration
		verbose  bool
		list     bool
	)
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run the embedded lab target: a deliberately vulnerable (or hardened) SIP registrar, proxy and UA",
		Long: `Start sipvet's embedded lab target and keep it running until Ctrl-C (or
--duration). It is a SIP registrar with digest authentication and test users,
a proxy to registered contacts, and an auto-answering UA with RTP, in which
each vulnerability sipvet checks can be switched on or off.

Profiles: vulnerable (every flaw on, the default) and hardened (every flaw
off, strict behaviour). --vuln switches single flags on (e.g. 01.register-noauth,
or 19 for every flag of item 19) or off with a leading '-'. --list-vulns shows
them. Test users: alice/wonderland, bob/builder, 1000/1234, 1001/secret.`,
		Example: `  sipvet lab
  sipvet lab --profile hardened --listen udp://127.0.0.1:5070,tcp://127.0.0.1:5070
  sipvet lab --profile hardened --vuln 01.register-noauth
  sipvet lab --list-vulns`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if list {
				for _, f := range lab.FlagNames() {
					fmt.Fprintln(a.stdout, f)
				}
				return nil
			}
			if !contains(lab.Profiles(), profile) {
				return usagef("unknown --profile %q (want %s)", profile, strings.Join(lab.Profiles(), " or "))
			}
			logger := slog.New(slog.DiscardHandler)
			if verbose {
				logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
			}
			ctx := cmd.Context()
			l, err := lab.Start(ctx, lab.Options{Profile: profile, Vulns: vulns, Listen: listen, Log: logger})
			if err != nil {
				return usagef("start lab: %v", err)
			}
			defer l.Close()
			fmt.Fprintf(a.stdout, "sipvet lab (%s profile) listening on:\n", profile)
			for _, t := range l.Targets() {
				fmt.Fprintf(a.stdout, "  %s\n", t)
			}
			flags := l.Flags()
			if len(flags) == 0 {
				flags = []string{"(none)"}
			}
			fmt.Fprintf(a.stdout, "vulnerabilities on: %s\n", strings.Join(flags, " "))
			fmt.Fprintln(a.stdout, "users: alice/wonderland bob/builder 1000/1234 1001/secret — Ctrl-C stops")
			if duration > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(duration):
				}
			} else {
				<-ctx.Done()
			}
			fmt.Fprintln(a.stdout, "sipvet lab stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&profile, "profile", "vulnerable", "vulnerable or hardened")
	cmd.Flags().StringSliceVar(&vulns, "vuln", nil, "switch flags on (e.g. 01.register-noauth, 14) or off (-19.version-banner)")
	cmd.Flags().StringSliceVar(&listen, "listen", nil, "where to listen, e.g. udp://127.0.0.1:5060,tcp://127.0.0.1:5060 (default: udp and tcp on free 127.0.0.1 ports)")
	cmd.Flags().DurationVar(&duration, "duration", 0, "stop after this long (default: run until interrupted)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "log every message the lab handles")
	cmd.Flags().BoolVar(&list, "list-vulns", false, "list the switchable vulnerability flags and exit")
	return cmd
}
