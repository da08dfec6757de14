package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ActionKind is something the harness asks the DUT to do.
type ActionKind string

// The actions of a harness run.
const (
	// ActRegister: register the device (its account pointing at the harness).
	ActRegister ActionKind = "register"
	// ActDial: place a call to Action.URI.
	ActDial ActionKind = "dial"
	// ActHangup: end the current call.
	ActHangup ActionKind = "hangup"
)

// Action is one request to the DUT.
type Action struct {
	Kind ActionKind
	// URI is the address to dial (ActDial).
	URI string
	// Number is the user part of URI, what a person types on a keypad.
	Number string
	// Hint is extra text for a person ("the call is rejected at once").
	Hint string
}

// Driver asks the DUT to act. Do returns once the request is delivered, not
// when the DUT has acted; the harness watches the network for that. An
// automated driver returns an error when its control channel fails.
type Driver interface {
	// Name describes the driver ("manual", "baresip ctrl_tcp 127.0.0.1:4444").
	Name() string
	// Do asks the DUT to carry out a.
	Do(ctx context.Context, a Action) error
	// Automated reports whether no person is needed.
	Automated() bool
}

// Manual is the driver for a person operating the DUT: the harness prints
// the prompts and waits.
type Manual struct{}

// Name implements Driver.
func (Manual) Name() string { return "manual" }

// Do implements Driver; the prompt itself is printed by the harness.
func (Manual) Do(context.Context, Action) error { return nil }

// Automated implements Driver.
func (Manual) Automated() bool { return false }

// ParseDriver parses a --dut-control value: "baresip-ctrl://host:port"
// (baresip's ctrl_tcp module, netstring JSON over TCP) or
// "baresip-cons://host:port" (its cons module, text commands over UDP).
// The empty string gives Manual.
func ParseDriver(s string) (Driver, error) {
	if s == "" || s == "manual" {
		return Manual{}, nil
	}
	scheme, addr, ok := strings.Cut(s, "://")
	if !ok {
		return nil, fmt.Errorf("%w: --dut-control %q: want baresip-ctrl://host:port or baresip-cons://host:port", ErrConfig, s)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("%w: --dut-control %q: %w", ErrConfig, s, err)
	}
	switch scheme {
	case "baresip-ctrl":
		return &BaresipCtrl{Addr: addr}, nil
	case "baresip-cons":
		return &BaresipCons{Addr: addr}, nil
	}
	return nil, fmt.Errorf("%w: --dut-control scheme %q: want baresip-ctrl or baresip-cons", ErrConfig, scheme)
}

// baresipCommand maps an action to a baresip menu command and its parameter.
func baresipCommand(a Action) (string, string, bool) {
	switch a.Kind {
	case ActDial:
		return "dial", a.URI, true
	case ActHangup:
		return "hangup", "", true
	}
	// baresip registers by itself at start and on refresh.
	return "", "", false
}

// BaresipCtrl drives baresip through its ctrl_tcp module: each command is a
// netstring holding {"command":…,"params":…,"token":…}; baresip answers
// with a netstring {"response":true,"ok":…,"data":…,"token":…}.
type BaresipCtrl struct {
	// Addr is the ctrl_tcp_listen address.
	Addr string

	mu    sync.Mutex
	token int
}

// Name implements Driver.
func (b *BaresipCtrl) Name() string { return "baresip ctrl_tcp " + b.Addr }

// Automated implements Driver.
func (b *BaresipCtrl) Automated() bool { return true }

// Do implements Driver.
func (b *BaresipCtrl) Do(ctx context.Context, a Action) error {
	cmd, param, ok := baresipCommand(a)
	if !ok {
		return nil
	}
	b.mu.Lock()
	b.token++
	tok := strconv.Itoa(b.token)
	b.mu.Unlock()
	body, err := json.Marshal(map[string]string{"command": cmd, "params": param, "token": tok})
	if err != nil {
		return fmt.Errorf("harness: baresip ctrl: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", b.Addr)
	if err != nil {
		return fmt.Errorf("harness: baresip ctrl: %w", err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	if _, err := fmt.Fprintf(c, "%d:%s,", len(body), body); err != nil {
		return fmt.Errorf("harness: baresip ctrl: %w", err)
	}
	r := bufio.NewReader(c)
	// baresip may send events first; read until the response with our token.
	for i := 0; i < 32; i++ {
		msg, err := readNetstring(r, 64<<10)
		if err != nil {
			return fmt.Errorf("harness: baresip ctrl: %w", err)
		}
		var resp struct {
			Response bool   `json:"response"`
			OK       bool   `json:"ok"`
			Data     string `json:"data"`
			Token    string `json:"token"`
		}
		if json.Unmarshal(msg, &resp) != nil || !resp.Response || resp.Token != tok {
			continue
		}
		if !resp.OK {
			return fmt.Errorf("harness: baresip ctrl: %s %s failed: %s", cmd, param, strings.TrimSpace(resp.Data))
		}
		return nil
	}
	return fmt.Errorf("harness: baresip ctrl: no response to %s", cmd)
}

// readNetstring reads one netstring ("len:data,") of at most max bytes.
func readNetstring(r *bufio.Reader, max int) ([]byte, error) {
	head, err := r.ReadString(':')
	if err != nil {
		return nil, fmt.Errorf("netstring: %w", err)
	}
	if len(head) > 12 {
		return nil, fmt.Errorf("netstring: length field too long")
	}
	n, err := strconv.Atoi(strings.TrimSuffix(head, ":"))
	if err != nil || n < 0 || n > max {
		return nil, fmt.Errorf("netstring: bad length %q", head)
	}
	buf := make([]byte, n+1)
	if _, err := ioReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("netstring: %w", err)
	}
	if buf[n] != ',' {
		return nil, fmt.Errorf("netstring: missing trailing comma")
	}
	return buf[:n], nil
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// BaresipCons drives baresip through its cons module: one UDP datagram per
// command line ("/dial URI\n"). cons gives no acknowledgement.
type BaresipCons struct {
	// Addr is the cons_listen address.
	Addr string
}

// Name implements Driver.
func (b *BaresipCons) Name() string { return "baresip cons " + b.Addr }

// Automated implements Driver.
func (b *BaresipCons) Automated() bool { return true }

// Do implements Driver.
func (b *BaresipCons) Do(ctx context.Context, a Action) error {
	cmd, param, ok := baresipCommand(a)
	if !ok {
		return nil
	}
	line := "/" + cmd
	if param != "" {
		line += " " + param
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", b.Addr)
	if err != nil {
		return fmt.Errorf("harness: baresip cons: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return fmt.Errorf("harness: baresip cons: %w", err)
	}
	return nil
}
