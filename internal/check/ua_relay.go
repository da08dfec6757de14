package check

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ErrMediaRelay is wrapped when a --media-relay value cannot be parsed.
var ErrMediaRelay = errors.New("check: bad media relay")

// MediaRelay is a media relay the user names (--media-relay): an address
// and the range of ports it relays on. SDP answers whose media address lies
// there are treated as relayed, whatever their o= and Contact say.
type MediaRelay struct {
	// Addr is the relay's media address.
	Addr netip.Addr
	// Low and High bound its ports (inclusive).
	Low, High int
}

// IsZero reports whether no relay was named.
func (r MediaRelay) IsZero() bool { return !r.Addr.IsValid() }

// Contains reports whether ap is one of the relay's media ports.
func (r MediaRelay) Contains(ap netip.AddrPort) bool {
	return !r.IsZero() && ap.Addr().Unmap() == r.Addr.Unmap() && int(ap.Port()) >= r.Low && int(ap.Port()) <= r.High
}

// String renders the relay as HOST:LOW-HIGH ("" when none).
func (r MediaRelay) String() string {
	if r.IsZero() {
		return ""
	}
	h := r.Addr.String()
	if r.Addr.Is6() && !r.Addr.Is4In6() {
		h = "[" + h + "]"
	}
	return fmt.Sprintf("%s:%d-%d", h, r.Low, r.High)
}

// ParseMediaRelay parses "IP:LOW-HIGH" ("[v6]:LOW-HIGH"; "IP:PORT" for one
// port; "IP" for every port).
func ParseMediaRelay(s string) (MediaRelay, error) {
	s = strings.TrimSpace(s)
	host, ports := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return MediaRelay{}, fmt.Errorf("%w %q: unclosed [", ErrMediaRelay, s)
		}
		host, ports = s[1:end], strings.TrimPrefix(s[end+1:], ":")
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.Count(s, ":") == 1 {
		host, ports = s[:i], s[i+1:]
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return MediaRelay{}, fmt.Errorf("%w %q: want IP:LOW-HIGH, e.g. 192.0.2.5:30000-40000", ErrMediaRelay, s)
	}
	r := MediaRelay{Addr: a.Unmap(), Low: 1, High: 65535}
	if ports != "" {
		lo, hi, isRange := strings.Cut(ports, "-")
		if !isRange {
			hi = lo
		}
		l, err1 := strconv.Atoi(lo)
		h, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || l < 1 || h > 65535 || l > h {
			return MediaRelay{}, fmt.Errorf("%w %q: bad port range %q", ErrMediaRelay, s, ports)
		}
		r.Low, r.High = l, h
	}
	return r, nil
}
