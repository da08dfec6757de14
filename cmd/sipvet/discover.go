package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/report"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// maxDiscoverEndpoints bounds one discovery sweep (addresses × ports).
const maxDiscoverEndpoints = 65536

// discoverFlags are the discovery flags of sipvet scan.
type discoverFlags struct {
	ranges    []string
	transport string
	wait      time.Duration
}

func (d *discoverFlags) register(f *pflag.FlagSet) {
	f.StringSliceVar(&d.ranges, "discover", nil, "find SIP services first: CIDR (127.0.0.0/29), range (192.0.2.1-192.0.2.20) or address, on the --ports (default 5060-5061); only these are probed, then every service found is scanned")
	f.StringVar(&d.transport, "discover-transport", "udp", "transport of the discovery sweep: udp or tcp")
	f.DurationVar(&d.wait, "discover-wait", time.Second, "how long each discovery probe waits for an answer")
}

// discoverEndpoints expands ranges × ports, bounded.
func discoverEndpoints(ranges []string, ports, tr string) ([]target.Target, string, error) {
	if ports == "" {
		ports = "5060-5061"
	}
	ps, err := discoverPorts(ports)
	if err != nil {
		return nil, "", err
	}
	var addrs []netip.Addr
	for _, r := range ranges {
		as, err := discoverAddrs(strings.TrimSpace(r))
		if err != nil {
			return nil, "", err
		}
		addrs = append(addrs, as...)
		if len(addrs)*len(ps) > maxDiscoverEndpoints {
			return nil, "", usagef("--discover: more than %d address × port pairs", maxDiscoverEndpoints)
		}
	}
	var eps []target.Target
	for _, a := range addrs {
		for _, p := range ps {
			eps = append(eps, target.Target{Transport: tr, Host: a.String(), Port: p})
		}
	}
	scope := fmt.Sprintf("%s ports %s %s", strings.Join(ranges, ","), ports, tr)
	return eps, scope, nil
}

// discoverAddrs parses a CIDR, an a-b range or one address.
func discoverAddrs(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	if p, err := netip.ParsePrefix(s); err == nil {
		p = p.Masked()
		for a := p.Addr(); p.Contains(a); a = a.Next() {
			if len(out) >= maxDiscoverEndpoints {
				return nil, usagef("--discover %s: more than %d addresses", s, maxDiscoverEndpoints)
			}
			out = append(out, a)
		}
		return out, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
	b := a
	var err2 error
	if isRange {
		b, err2 = netip.ParseAddr(strings.TrimSpace(hi))
	}
	if err1 != nil || err2 != nil || a.Is4() != b.Is4() || b.Less(a) {
		return nil, usagef("--discover %q: want a CIDR, FIRST-LAST addresses or one address", s)
	}
	for x := a; ; x = x.Next() {
		if len(out) >= maxDiscoverEndpoints {
			return nil, usagef("--discover %s: more than %d addresses", s, maxDiscoverEndpoints)
		}
		out = append(out, x)
		if x == b {
			break
		}
	}
	return out, nil
}

// discoverPorts parses "5060-5070,5080".
func discoverPorts(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b {
			return nil, usagef("--ports %q: want ports or FROM-TO ranges between 1 and 65535", s)
		}
		for p := a; p <= b; p++ {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, usagef("--ports %q: no port", s)
	}
	return out, nil
}

// sweepDialer is the discovery sweep's scope guard and rate limit: it dials
// only the endpoints the user named.
type sweepDialer struct {
	allowed map[string]bool
	opts    transport.Options
	tick    <-chan time.Time
}

func (d *sweepDialer) Dial(ctx context.Context, t target.Target, local string) (transport.Conn, error) {
	if !d.allowed[t.String()] {
		return nil, fmt.Errorf("discover: %s is outside the --discover ranges", t)
	}
	if d.tick != nil {
		select {
		case <-d.tick:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	o := d.opts
	if local != "" {
		o.LocalAddr = local
	}
	return transport.Dial(ctx, t, o)
}

// discoverTargets sweeps the --discover ranges and returns the services
// found (added to targets) and the sweep for ipa19.discovery.
func (a *app) discoverTargets(ctx context.Context, targets []target.Target, sf *scanFlags) ([]target.Target, *scanExtras, error) {
	df := &sf.discover
	if len(df.ranges) == 0 {
		return targets, nil, nil
	}
	if df.transport != "udp" && df.transport != "tcp" {
		return nil, nil, usagef("--discover-transport %q: want udp or tcp", df.transport)
	}
	if df.wait <= 0 || sf.rate == 0 {
		return nil, nil, usagef("--discover-wait and --rate must be positive")
	}
	eps, scope, err := discoverEndpoints(df.ranges, sf.infra.ports, df.transport)
	if err != nil {
		return nil, nil, err
	}
	d := &sweepDialer{allowed: map[string]bool{}, opts: transport.Options{LocalAddr: sf.sourceA}}
	for _, ep := range eps {
		d.allowed[ep.String()] = true
	}
	if sf.rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / sf.rate))
		defer t.Stop()
		d.tick = t.C
	}
	fmt.Fprintf(a.stderr, "discover: %d endpoints (%s)\n", len(eps), scope)
	tm := transport.DefaultTimers()
	tm.T1, tm.Timeout = df.wait/4, df.wait
	svcs := check.Discover(ctx, d, eps, check.DiscoverOptions{Timers: tm, Rand: rand.Reader, UserAgent: "sipvet/" + version, Concurrency: 64})
	fmt.Fprintf(a.stderr, "discover: %d SIP service(s) answered\n", len(svcs))
	seen := map[string]bool{}
	for _, t := range targets {
		seen[t.String()] = true
	}
	for _, s := range svcs {
		fmt.Fprintf(a.stderr, "  %s  %d  %s\n", s.Target, s.Status, strings.TrimSpace(s.Server+" "+s.UserAgent))
		t, err := target.Parse(s.Target)
		if err == nil && !seen[t.String()] {
			seen[t.String()] = true
			targets = append(targets, t)
		}
	}
	return targets, &scanExtras{sweep: &check.Sweep{Scope: scope, Endpoints: len(eps), Services: svcs}}, ctx.Err()
}

// withSweep replaces the registry's ipa19.discovery by one that reports
// the sweep already made.
func withSweep(checks []check.Check, s *check.Sweep) []check.Check {
	out := make([]check.Check, 0, len(checks))
	for _, c := range checks {
		if c.Info().ID == "ipa19.discovery" {
			c = check.NewDiscovery(s)
		}
		out = append(out, c)
	}
	return out
}

// writeEmptySweep reports a sweep that found nothing: one ipa19.discovery
// result for the swept scope.
func (a *app) writeEmptySweep(s *check.Sweep, of *outputFlags) error {
	lang, err := a.langFlag(of.lang)
	if err != nil {
		return err
	}
	if of.format != "text" && !contains(report.Formats(), of.format) {
		return usagef("unknown --format %q (want text, %s)", of.format, strings.Join(report.Formats(), ", "))
	}
	now := time.Now().UTC()
	r := finding.Result{Item: 19, Check: "ipa19.discovery", Target: s.Scope, Verdict: finding.NotVulnerable, Severity: finding.Info,
		Summary:  fmt.Sprintf("no SIP service answered an anonymous OPTIONS on the %d endpoints of %s", s.Endpoints, s.Scope),
		Evidence: []finding.Evidence{}, Data: map[string]any{"found": []string{}, "scope": s.Scope, "endpoints": s.Endpoints}}
	run := &finding.Run{Schema: finding.Schema, Tool: finding.Tool{Name: "sipvet", Version: version}, Mode: "scan",
		Started: now, Finished: now, Targets: []string{s.Scope}, Lang: lang, Results: []finding.Result{r}}
	run.Results = append(run.Results, scan.Coverage(run.Results, run.Targets, check.ModeScan, nil)...)
	return a.writeOutputs(run, of, lang, nil, false)
}
