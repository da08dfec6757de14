package check

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// discovery is ipa19.discovery: which SIP services answer an anonymous
// OPTIONS, and what do they tell about themselves? In a normal scan it
// sweeps the common SIP ports of the target host; with `sipvet scan
// --discover` it reports each service the range sweep found.
type discovery struct {
	sweep *Sweep
}

// Sweep is the outcome of a discovery sweep over address and port ranges.
type Sweep struct {
	// Scope names what was swept ("127.0.0.0/29 ports 5060-5070 udp").
	Scope string
	// Endpoints is how many address × port pairs were probed.
	Endpoints int
	// Services lists every endpoint that answered, in address order.
	Services []Service
}

// Service is a SIP endpoint that answered OPTIONS.
type Service struct {
	Target    string   `json:"target"`
	Status    int      `json:"status"`
	Server    string   `json:"server,omitempty"`
	UserAgent string   `json:"user_agent,omitempty"`
	Product   string   `json:"product,omitempty"`
	Version   string   `json:"version,omitempty"`
	Allow     []string `json:"allow,omitempty"`
}

// NewDiscovery returns the ipa19.discovery check reporting the services of
// a sweep already made (sipvet scan --discover).
func NewDiscovery(s *Sweep) Check { return discovery{sweep: s} }

func (discovery) Info() Info {
	return Info{
		ID:       "ipa19.discovery",
		Item:     19,
		TitleEN:  "SIP services discoverable by anonymous OPTIONS over address and port ranges",
		TitleJA:  "アドレス・ポート範囲への匿名 OPTIONS による SIP サービスの発見",
		Modes:    []Mode{ModeScan},
		Roles:    []Role{RoleAny},
		Severity: finding.Low,
	}
}

// DiscoveryPorts returns the ports a normal scan sweeps on the target host.
func DiscoveryPorts() []int { return []int{5060, 5061, 5062, 5070, 5080, 5160, 5260, 6060} }

func (c discovery) Run(ctx context.Context, env *Env) (Outcome, error) {
	if c.sweep != nil {
		// One result per discovered service: its own fingerprint decides,
		// the whole sweep is in the data.
		sub := &Sweep{Scope: c.sweep.Scope, Endpoints: c.sweep.Endpoints}
		var all []string
		for _, svc := range c.sweep.Services {
			all = append(all, svc.Target)
			if svc.Target == env.Target.String() {
				sub.Services = append(sub.Services, svc)
			}
		}
		o := judgeDiscovery(sub, env.Target.String(), len(all))
		o.Data["found"] = nonNil(all)
		return o, nil
	}
	ports := DiscoveryPorts()
	if !slices.Contains(ports, env.Target.Port) {
		ports = append([]int{env.Target.Port}, ports...)
	}
	var eps []target.Target
	for _, p := range ports {
		t := env.Target
		t.Port = p
		eps = append(eps, t)
	}
	tm := env.Timers
	tm.Timeout = time.Second
	svcs := Discover(ctx, env.Dialer, eps, DiscoverOptions{Timers: tm, Rand: env.Rand, UserAgent: env.UserAgent, Concurrency: 8})
	s := &Sweep{Scope: fmt.Sprintf("%s ports %s %s", env.Target.Host, joinInts(ports), env.Target.Transport), Endpoints: len(eps), Services: svcs}
	return judgeDiscovery(s, env.Target.String(), len(svcs)), nil
}

func joinInts(xs []int) string {
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, ",")
}

// DiscoverOptions tunes Discover.
type DiscoverOptions struct {
	// Timers bound each OPTIONS transaction (keep Timeout short: most
	// endpoints of a sweep never answer).
	Timers transport.Timers
	// Concurrency is how many endpoints are probed at once (default 32).
	Concurrency int
	Rand        io.Reader
	UserAgent   string
	// Progress, when set, is called after each endpoint.
	Progress func(done, total int)
}

// Discover sends one OPTIONS to every endpoint through d (whose scope
// guard decides what may be reached) and returns those that answered, with
// their fingerprints, sorted by target.
func Discover(ctx context.Context, d Dialer, endpoints []target.Target, o DiscoverOptions) []Service {
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	var (
		mu   sync.Mutex
		out  []Service
		done int
		wg   sync.WaitGroup
	)
	sem := make(chan struct{}, o.Concurrency)
	for _, ep := range endpoints {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(ep target.Target) {
			defer wg.Done()
			defer func() { <-sem }()
			svc, ok := probeService(ctx, d, ep, o)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				out = append(out, svc)
			}
			done++
			if o.Progress != nil {
				o.Progress(done, len(endpoints))
			}
		}(ep)
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}

func probeService(ctx context.Context, d Dialer, ep target.Target, o DiscoverOptions) (Service, bool) {
	c, err := d.Dial(ctx, ep, "")
	if err != nil {
		return Service{}, false
	}
	defer c.Close()
	env := &Env{Target: ep, Rand: o.Rand, UserAgent: o.UserAgent, Timers: o.Timers}
	dl := env.newDialog()
	ruri := uriFor(ep, "", ep.HostPort())
	req := env.request(c, dl, "OPTIONS", ruri, "", ruri)
	res, err := transport.Transact(ctx, c, req.Bytes(), o.Timers)
	if err != nil || res.Final == nil {
		return Service{}, false
	}
	fp := judgeFingerprint(res.Final)
	str := func(k string) string { s, _ := fp.Data[k].(string); return s }
	allow, _ := fp.Data["allow"].([]string)
	return Service{Target: ep.String(), Status: res.Final.StatusCode, Server: str("server"), UserAgent: str("user_agent"),
		Product: str("product"), Version: str("version"), Allow: allow}, true
}

// judgeDiscovery: a discovered service that names its product and version
// is a finding (as ipa19.fingerprint); services that answer without a
// version pass; nothing answering passes the sweep but is inconclusive
// for the target itself.
func judgeDiscovery(s *Sweep, self string, answered int) Outcome {
	found := []string{}
	var versioned []string
	for _, svc := range s.Services {
		found = append(found, svc.Target)
		if svc.Version != "" {
			versioned = append(versioned, fmt.Sprintf("%s (%s %s)", svc.Target, svc.Product, svc.Version))
		}
	}
	data := map[string]any{"scope": s.Scope, "endpoints": s.Endpoints, "found": found, "services": s.Services}
	var o Outcome
	switch {
	case len(versioned) > 0:
		o = Vulnerable("%d of %d endpoints in %s answered an anonymous OPTIONS; these disclose product and version: %s", answered, s.Endpoints, s.Scope, strings.Join(versioned, ", "))
	case len(found) > 0:
		o = Passed("%d of %d endpoints in %s answered an anonymous OPTIONS; %s discloses no version", answered, s.Endpoints, s.Scope, strings.Join(found, ", "))
	case self != "" && !strings.Contains(s.Scope, "/"):
		o = Inconclusive("no endpoint in %s answered OPTIONS, not even the target", s.Scope)
	default:
		o = Passed("no SIP service answered an anonymous OPTIONS on the %d endpoints of %s", s.Endpoints, s.Scope)
	}
	o.Data = data
	return o
}
