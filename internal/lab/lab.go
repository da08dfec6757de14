package lab

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// Defaults for zero Options fields.
const (
	DefaultRealm    = "sipvet.lab"
	DefaultRingTime = 30 * time.Second
	DefaultMaxCall  = defaultMaxCall
)

// ErrBadListen is wrapped when an Options.Listen entry cannot be used.
var ErrBadListen = errors.New("lab: bad listen address")

// DefaultUsers returns the accounts the lab knows when Options.Users is nil.
func DefaultUsers() map[string]string {
	return map[string]string{"alice": "wonderland", "bob": "builder", "1000": "1234", "1001": "secret"}
}

// Options configures Start. The zero value is a vulnerable lab on free UDP
// and TCP loopback ports.
type Options struct {
	// Profile is "vulnerable" (default, every flag on) or "hardened"
	// (every flag off).
	Profile string
	// Vulns are overrides applied in order after the profile: flag names
	// ("14.nc-replay"), item numbers ("01", "19") or "all"; a leading "-"
	// switches off ("-19"). Entries may be comma-separated lists.
	Vulns []string
	// Listen lists the addresses to serve, "udp://127.0.0.1:0",
	// "tcp://127.0.0.1:0", "tls://..." (needs TLSConfig), "ws://...";
	// port 0 picks a free port. Default: udp and tcp on 127.0.0.1.
	Listen []string
	// TLSConfig holds the certificate for tls and wss listeners.
	TLSConfig *tls.Config
	// Realm is the digest realm, default "sipvet.lab".
	Realm string
	// Users maps user names to passwords; nil means DefaultUsers.
	Users map[string]string
	// RingTime is how long the "ring" user rings before answering
	// (default 30 s).
	RingTime time.Duration
	// MaxCall bounds every call's media (default 60 s).
	MaxCall time.Duration
	// Rand is the source of nonces, tags, SSRCs; nil means crypto/rand.
	Rand io.Reader
	// Now is the clock for nonce ages and binding expiry; nil means time.Now.
	Now func() time.Time
	// Log receives diagnostics; nil discards them.
	Log *slog.Logger
}

// Lab is a running lab target.
type Lab struct {
	realm    string
	users    map[string]string
	flags    map[string]bool
	flagList []string
	ringTime time.Duration
	maxCall  time.Duration
	rand     io.Reader
	now      func() time.Time
	log      *slog.Logger

	listeners []transport.Listener
	targets   []string
	// offHost is set when a listener is bound to a non-loopback address;
	// only then may the lab send to addresses other than loopback.
	offHost bool

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	mu       sync.Mutex
	bindings *bindingTable
	nonces   *nonceTable
	calls    map[string]*call
	txs      *txCache
	// authx is the state of the auth-area flags (vuln_auth.go).
	authx authExtras
	// stallUntil is when a simulated address loop ends (16.address-loop).
	stallUntil time.Time
}

// Start resolves the profile and flags, opens every listener and starts
// serving. ctx bounds only the start-up; the lab runs until Close.
func Start(ctx context.Context, opts Options) (*Lab, error) {
	l, err := newLab(opts)
	if err != nil {
		return nil, err
	}
	listen := opts.Listen
	if len(listen) == 0 {
		listen = []string{"udp://127.0.0.1:0", "tcp://127.0.0.1:0"}
	}
	for _, spec := range listen {
		t, addr, err := parseListen(spec)
		if err != nil {
			l.closeListeners()
			return nil, err
		}
		ln, err := transport.Listen(ctx, t.Transport, addr, transport.Options{TLSConfig: opts.TLSConfig, Now: l.now})
		if err != nil {
			l.closeListeners()
			return nil, fmt.Errorf("lab: listen %s: %w", spec, err)
		}
		l.listeners = append(l.listeners, ln)
		if a, err := netip.ParseAddr(hostOf(ln.Addr())); err != nil || !a.IsLoopback() {
			l.offHost = true
		}
		t.Port = portOf(ln.Addr())
		l.targets = append(l.targets, t.String())
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	for _, ln := range l.listeners {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.serve(runCtx, ln)
		}()
	}
	l.log.Info("lab: started", "targets", l.targets, "flags", l.flagList)
	return l, nil
}

// newLab builds a Lab from opts without opening any socket.
func newLab(opts Options) (*Lab, error) {
	flags, err := ResolveFlags(opts.Profile, opts.Vulns)
	if err != nil {
		return nil, err
	}
	l := &Lab{
		realm:    opts.Realm,
		users:    opts.Users,
		flags:    map[string]bool{},
		flagList: flags,
		ringTime: opts.RingTime,
		maxCall:  opts.MaxCall,
		rand:     opts.Rand,
		now:      opts.Now,
		log:      opts.Log,
		bindings: newBindingTable(),
		nonces:   newNonceTable(),
		calls:    map[string]*call{},
		txs:      newTxCache(),
	}
	for _, f := range flags {
		l.flags[f] = true
	}
	if l.realm == "" {
		l.realm = DefaultRealm
	}
	if l.users == nil {
		l.users = DefaultUsers()
	} else {
		l.users = maps.Clone(l.users)
	}
	if l.ringTime <= 0 {
		l.ringTime = DefaultRingTime
	}
	if l.maxCall <= 0 {
		l.maxCall = DefaultMaxCall
	}
	if l.rand == nil {
		l.rand = rand.Reader
	} else {
		l.rand = &lockedReader{r: l.rand}
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.cancel = func() {}
	return l, nil
}

// parseListen parses "transport://host[:port]" (port 0 or absent: a free
// port) into a target and the address to listen on.
func parseListen(spec string) (target.Target, string, error) {
	scheme, rest, ok := strings.Cut(spec, "://")
	if !ok || !slices.Contains(target.Transports(), strings.ToLower(scheme)) {
		return target.Target{}, "", fmt.Errorf("%w %q: want transport://host[:port] with transport one of %s",
			ErrBadListen, spec, strings.Join(target.Transports(), ", "))
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	host, port := rest, "0"
	if h, p, err := net.SplitHostPort(rest); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
		host = rest[1 : len(rest)-1]
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || host == "" {
		return target.Target{}, "", fmt.Errorf("%w %q: bad host or port", ErrBadListen, spec)
	}
	t := target.Target{Transport: strings.ToLower(scheme), Host: host, Port: n}
	return t, net.JoinHostPort(host, port), nil
}

// Targets returns where the lab listens, "udp://127.0.0.1:PORT" and so on,
// in Options.Listen order.
func (l *Lab) Targets() []string { return slices.Clone(l.targets) }

// Flags returns the active vulnerability flags, sorted.
func (l *Lab) Flags() []string { return slices.Clone(l.flagList) }

// Users returns a copy of the accounts the lab authenticates.
func (l *Lab) Users() map[string]string { return maps.Clone(l.users) }

// Realm returns the digest realm.
func (l *Lab) Realm() string { return l.realm }

// Close stops every listener, call and goroutine and frees every port. It
// is safe to call more than once.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() {
		l.cancel()
		l.closeErr = l.closeListeners()
		l.mu.Lock()
		for k, c := range l.calls {
			c.end()
			delete(l.calls, k)
		}
		l.mu.Unlock()
		l.wg.Wait()
	})
	return l.closeErr
}

func (l *Lab) closeListeners() error {
	var errs []error
	for _, ln := range l.listeners {
		if err := ln.Close(); err != nil && !errors.Is(err, transport.ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// mayReach reports whether the lab may send to a (for media, reflected
// responses, forwarded requests): loopback always, other addresses only
// when the lab itself listens off loopback. A lab on 127.0.0.1 thus never
// sends off the machine, whatever hostile SDP, Via or Contact values say
// (SPEC §3).
func (l *Lab) mayReach(a netip.Addr) bool { return a.Unmap().IsLoopback() || l.offHost }

// on reports whether a flag is active.
func (l *Lab) on(flag string) bool { return l.flags[flag] }

// serve reads one listener until the lab closes.
func (l *Lab) serve(ctx context.Context, ln transport.Listener) {
	for {
		p, err := ln.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, transport.ErrClosed) {
				return
			}
			l.log.Debug("lab: recv", "listener", ln.Addr(), "err", err)
			continue
		}
		l.handlePacket(ctx, ln, p)
	}
}

// lockedReader makes a caller's io.Reader safe for concurrent use.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (r *lockedReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Read(p)
}

// portOf returns the port of "ip:port", or 0.
func portOf(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

// hostOf returns the host of "ip:port" without brackets.
func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

func netJoin(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }
