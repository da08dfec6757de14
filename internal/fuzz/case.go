package fuzz

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/sipvet/sipvet/internal/target"
)

// Kind tells what protocol a case's bytes are.
type Kind string

// Case kinds.
const (
	KindSIP  Kind = "sip"
	KindRTP  Kind = "rtp"
	KindRTCP Kind = "rtcp"
)

// Placeholders that a stateful or media case may hold; the runner replaces
// them with the dialog's values before sending.
const (
	// PlaceToTag is replaced by the To tag the target gave the dialog.
	PlaceToTag = "{{to-tag}}"
)

// Errors callers may match with errors.Is.
var (
	// ErrUnknownSource is wrapped when a source name is not known.
	ErrUnknownSource = errors.New("fuzz: unknown source")
	// ErrBadCase is wrapped when a case reference cannot be parsed or is out of range.
	ErrBadCase = errors.New("fuzz: bad case reference")
	// ErrBadShard is wrapped when a shard spec is not "i/n" with 0 <= i < n.
	ErrBadShard = errors.New("fuzz: bad shard")
)

// Case is one generated test case.
type Case struct {
	// Source is the generator's name ("protos"); N the case number in it.
	Source string
	N      int
	// Index is the case number in the campaign (over the selected sources).
	Index int
	// Group names what the case exercises, e.g. "protos/Via.branch/overflow".
	Group string
	// Detail describes the concrete anomaly, e.g. "length 1024".
	Detail string
	// Kind is sip, rtp or rtcp.
	Kind Kind
	// Data is the message or packet.
	Data []byte
	// Dialog is the dialog block the case belongs to (stateful and media
	// cases), or -1 when the case is sent outside any dialog.
	Dialog int
	// Echo is a payload whose reflection in a response is reported.
	Echo string
	// Codec marks media cases that exercise codec payload decoding (item 11).
	Codec bool
	// Answers is, for a "uac" response case, the method of the device's
	// request that the response answers.
	Answers string
}

// ID returns "source:N", the stable name of the case.
func (c Case) ID() string { return c.Source + ":" + strconv.Itoa(c.N) }

// Params are what the generators need to know about the campaign.
type Params struct {
	// Seed makes random choices reproducible.
	Seed uint64
	// Target is where the messages go (Request-URI, To).
	Target target.Target
	// Local is sipvet's "ip:port" as written in Via and Contact.
	Local string
	// User is the Request-URI user part ("" = none).
	User string
	// Mutations is the size of the mutation source (default 2000).
	Mutations int
}

func (p Params) host() string {
	h := p.Target.Host
	if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
		return "[" + h + "]"
	}
	return h
}

// hostPort is the target as written in a SIP URI.
func (p Params) hostPort() string { return fmt.Sprintf("%s:%d", p.host(), p.Target.Port) }

func (p Params) localHost() string {
	l := p.Local
	if i := strings.LastIndex(l, ":"); i > 0 {
		l = l[:i]
	}
	if l == "" {
		return "127.0.0.1"
	}
	return l
}

func (p Params) local() string {
	if p.Local == "" {
		return "127.0.0.1:5060"
	}
	return p.Local
}

func (p Params) via() string { return p.Target.ViaTransport() }

func (p Params) ipVer() string {
	if strings.Contains(p.localHost(), ":") {
		return "IP6"
	}
	return "IP4"
}

func (p Params) sdpAddr() string { return strings.Trim(p.localHost(), "[]") }

// ruri returns the Request-URI for the given user.
func (p Params) ruri(user string) string {
	if user == "" {
		return "sip:" + p.hostPort()
	}
	return "sip:" + user + "@" + p.hostPort()
}

func (p Params) user() string {
	if p.User == "" {
		return "fuzz"
	}
	return p.User
}

// Source generates the cases of one test-case source.
type Source interface {
	// Name is the source name used in case ids and check ids.
	Name() string
	// Len is the number of cases.
	Len() int
	// Case returns case n (0 <= n < Len); the same n and Params give the
	// same bytes.
	Case(n int) Case
}

// SourceNames lists the sources in campaign order.
func SourceNames() []string {
	return []string{"torture", "protos", "mutation", "application", "stateful", "media"}
}

// NewSource returns the named source for p.
func NewSource(name string, p Params) (Source, error) {
	switch name {
	case "torture":
		return newTorture(p), nil
	case "protos":
		return newProtos(p), nil
	case "mutation":
		return newMutation(p), nil
	case "application":
		return newApplication(p), nil
	case "stateful":
		return newStateful(p), nil
	case "media":
		return newMedia(p), nil
	}
	return nil, fmt.Errorf("%w %q (want %s)", ErrUnknownSource, name, strings.Join(SourceNames(), ", "))
}

// rng returns the random generator of case n of a source: a PCG seeded
// from the campaign seed, the source name and n, so that every case can be
// generated on its own.
func rng(seed uint64, source string, n int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(source))
	return rand.New(rand.NewPCG(seed^h.Sum64(), uint64(n)*0x9e3779b97f4a7c15+1))
}

// Plan numbers the cases of several sources into one campaign.
type Plan struct {
	sources []Source
	offsets []int
	total   int
}

// NewPlan builds the campaign over the named sources, in SourceNames order
// whatever the order of names.
func NewPlan(p Params, names []string) (*Plan, error) {
	want := map[string]bool{}
	for _, n := range names {
		if _, err := NewSource(n, Params{}); err != nil {
			return nil, err
		}
		want[n] = true
	}
	pl := &Plan{}
	for _, n := range SourceNames() {
		if !want[n] {
			continue
		}
		s, _ := NewSource(n, p)
		pl.sources = append(pl.sources, s)
		pl.offsets = append(pl.offsets, pl.total)
		pl.total += s.Len()
	}
	return pl, nil
}

// Len is the number of cases in the campaign.
func (pl *Plan) Len() int { return pl.total }

// Sources returns the sources in campaign order.
func (pl *Plan) Sources() []Source { return pl.sources }

// Case returns campaign case i with its Index set.
func (pl *Plan) Case(i int) Case {
	for k := len(pl.sources) - 1; k >= 0; k-- {
		if i >= pl.offsets[k] {
			c := pl.sources[k].Case(i - pl.offsets[k])
			c.Index = i
			return c
		}
	}
	return Case{Index: i}
}

// Lookup resolves a case reference: a campaign index ("1234") or a source
// case ("protos:1234").
func (pl *Plan) Lookup(ref string) (int, error) {
	if src, num, ok := strings.Cut(ref, ":"); ok {
		n, err := strconv.Atoi(num)
		if err != nil {
			return 0, fmt.Errorf("%w %q", ErrBadCase, ref)
		}
		for k, s := range pl.sources {
			if s.Name() == src {
				if n < 0 || n >= s.Len() {
					return 0, fmt.Errorf("%w %q: %s has cases 0–%d", ErrBadCase, ref, src, s.Len()-1)
				}
				return pl.offsets[k] + n, nil
			}
		}
		return 0, fmt.Errorf("%w %q: source %s is not selected", ErrBadCase, ref, src)
	}
	n, err := strconv.Atoi(ref)
	if err != nil || n < 0 || n >= pl.total {
		return 0, fmt.Errorf("%w %q (campaign has cases 0–%d)", ErrBadCase, ref, pl.total-1)
	}
	return n, nil
}

// Shard is a deterministic slice of a campaign: case i belongs to shard
// I of N when i mod N == I.
type Shard struct{ I, N int }

// ParseShard parses "i/n"; "" is the whole campaign.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{0, 1}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%w %q (want i/n with 0 <= i < n)", ErrBadShard, s)
	}
	return Shard{i, n}, nil
}

// Has reports whether case i is in the shard.
func (s Shard) Has(i int) bool { return s.N <= 1 || i%s.N == s.I }
