package peertest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// RtpengineConfig configures a userspace rtpengine started by Rtpengine.
type RtpengineConfig struct {
	// Learning is --endpoint-learning: "" (rtpengine's default, delayed),
	// "immediate", "off" or "heuristic".
	Learning string
	// DeleteDelay is --delete-delay in seconds: how long rtpengine keeps a
	// deleted call (and keeps relaying it); negative leaves rtpengine's
	// default (30 s).
	DeleteDelay int
	// Ports is the size of the media port range (default 100).
	Ports int
}

// RtpenginePeer is a running rtpengine.
type RtpenginePeer struct {
	// NgAddr is the ng control address ("127.0.0.1:PORT").
	NgAddr string
	// PortMin and PortMax bound its media ports on 127.0.0.1.
	PortMin, PortMax int
	logs             *ProcLogs
	seq              atomic.Uint64
}

// Logs returns rtpengine's output so far.
func (p *RtpenginePeer) Logs() string { return p.logs.String() }

// MediaRelay returns the relay as sipvet's --media-relay value.
func (p *RtpenginePeer) MediaRelay() string {
	return fmt.Sprintf("127.0.0.1:%d-%d", p.PortMin, p.PortMax)
}

// Rtpengine starts rtpengine (package rtpengine-daemon) in userspace mode
// (--table=-1, no kernel module) on 127.0.0.1 with a free ng port and a free
// media port range, waits until it answers ping and stops it on cleanup.
func Rtpengine(t testing.TB, cfg RtpengineConfig) *RtpenginePeer {
	t.Helper()
	bin := Need(t, "rtpengine")
	ng := FreePort(t)
	n := cfg.Ports
	if n <= 0 {
		n = 100
	}
	lo := rtpengineRange(t, n)
	p := &RtpenginePeer{NgAddr: fmt.Sprintf("127.0.0.1:%d", ng), PortMin: lo, PortMax: lo + n - 1}
	args := []string{"--interface=127.0.0.1", "--listen-ng=" + p.NgAddr, "--foreground", "--table=-1",
		"--port-min=" + strconv.Itoa(p.PortMin), "--port-max=" + strconv.Itoa(p.PortMax), "--log-stderr",
		"--log-level=6", "--timeout=60", "--silent-timeout=60", "--final-timeout=120"}
	if cfg.Learning != "" {
		args = append(args, "--endpoint-learning="+cfg.Learning)
	}
	if cfg.DeleteDelay >= 0 {
		args = append(args, "--delete-delay="+strconv.Itoa(cfg.DeleteDelay))
	}
	var exited <-chan struct{}
	p.logs, exited = StartProcess(t, "rtpengine", exec.Command(bin, args...), 6000)
	for i := 0; i < 50; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		res, err := p.Ng(ctx, map[string]any{"command": "ping"})
		cancel()
		if err == nil && res["result"] == "pong" {
			return p
		}
		select {
		case <-exited:
			t.Fatalf("rtpengine exited:\n%s", tail(p.logs.String(), 4000))
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("rtpengine did not answer ping on %s:\n%s", p.NgAddr, tail(p.logs.String(), 4000))
	return nil
}

// rtpengineRange finds n consecutive free UDP ports (starting even) on
// 127.0.0.1 in 40000–59999.
func rtpengineRange(t testing.TB, n int) int {
	t.Helper()
	for try := 0; try < 40; try++ {
		base := 40000 + 2*((int(time.Now().UnixNano()/1000)+try*977)%((20000-n)/2))
		ok := true
		for p := base; p < base+n && ok; p += 7 {
			c, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				ok = false
				break
			}
			c.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range for rtpengine")
	return 0
}

// Ng sends one ng command (a bencoded dictionary behind a cookie) and
// returns the decoded answer. An answer with result "error" is an error.
func (p *RtpenginePeer) Ng(ctx context.Context, cmd map[string]any) (map[string]any, error) {
	body, err := BencodeEncode(cmd)
	if err != nil {
		return nil, err
	}
	cookie := fmt.Sprintf("sv%d_%d", time.Now().UnixNano()%1e9, p.seq.Add(1))
	c, err := net.Dial("udp4", p.NgAddr)
	if err != nil {
		return nil, fmt.Errorf("peertest: ng dial: %w", err)
	}
	defer c.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(d)
	} else {
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	}
	if _, err := c.Write(append([]byte(cookie+" "), body...)); err != nil {
		return nil, fmt.Errorf("peertest: ng send: %w", err)
	}
	buf := make([]byte, 65535)
	for i := 0; i < 4; i++ {
		n, err := c.Read(buf)
		if err != nil {
			return nil, fmt.Errorf("peertest: ng %v: %w", cmd["command"], err)
		}
		got, rest, ok := bytes.Cut(buf[:n], []byte(" "))
		if !ok || string(got) != cookie {
			continue
		}
		v, err := BencodeDecode(rest)
		if err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: ng answer is not a dictionary", ErrBencode)
		}
		if m["result"] == "error" {
			return m, fmt.Errorf("peertest: ng %v: %v", cmd["command"], m["error-reason"])
		}
		return m, nil
	}
	return nil, fmt.Errorf("peertest: ng %v: no answer with our cookie", cmd["command"])
}
