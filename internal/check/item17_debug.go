package check

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
)

// Survey item 17: remote debugging facilities left reachable on a product
// (GDB stubs, the VxWorks WDB agent, remote shells).

// gdbServer is ipa17.gdbserver: a GDB remote serial protocol stub answers
// qSupported on a TCP port.
type gdbServer struct{}

func (gdbServer) Info() Info {
	return Info{
		ID: "ipa17.gdbserver", Item: 17,
		TitleEN: "GDB remote debugging stub reachable",
		TitleJA: "GDB リモートデバッグスタブへの到達",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
	}
}

// gdbDefaultPorts are ports gdbserver and embedded GDB stubs commonly use.
func gdbDefaultPorts() []int { return []int{1234, 2159, 2345, 3333, 9999} }

// gdbQuery is the probe: an acknowledgement followed by qSupported, framed
// as $payload#checksum (GDB manual, "Overview" of the remote protocol).
func gdbQuery() []byte { return []byte("+" + gdbPacket("qSupported")) }

func gdbPacket(payload string) string {
	var sum byte
	for i := 0; i < len(payload); i++ {
		sum += payload[i]
	}
	return fmt.Sprintf("$%s#%02x", payload, sum)
}

// parseGDBReply finds the first complete RSP packet in b ("+" acks and
// noise before it are skipped) and reports its payload when the checksum is
// right. An empty payload ("$#00", command not supported) still proves a
// stub.
func parseGDBReply(b []byte) (string, bool) {
	if len(b) > 1<<16 {
		b = b[:1<<16]
	}
	// A stub answers with acks ('+' or '-') and then a packet; anything
	// else before '$' means another protocol.
	i := 0
	for i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	if i >= len(b) || b[i] != '$' {
		return "", false
	}
	rest := b[i+1:]
	h := bytes.IndexByte(rest, '#')
	if h < 0 || h+3 > len(rest) {
		return "", false
	}
	payload := rest[:h]
	var sum byte
	for _, c := range payload {
		sum += c
	}
	var want byte
	if _, err := fmt.Sscanf(string(rest[h+1:h+3]), "%02x", &want); err != nil || want != sum {
		return "", false
	}
	return string(payload), true
}

func (gdbServer) Run(ctx context.Context, env *Env) (Outcome, error) {
	ports := env.infraPorts(gdbDefaultPorts()...)
	var rs []portResult
	for _, p := range ports {
		if ctx.Err() != nil {
			break
		}
		rs = append(rs, probeGDB(ctx, env, p))
	}
	return judgePorts(rs, ports, "a GDB remote stub answers without authentication", "GDB stub"), nil
}

func probeGDB(ctx context.Context, env *Env, port int) portResult {
	r := portResult{Port: port, Proto: "tcp"}
	c, done, err := env.dialPort(ctx, "tcp", port)
	if err != nil {
		r.Detail = "closed or filtered"
		return r
	}
	defer done()
	if _, err := c.Write(gdbQuery()); err != nil {
		r.Detail = "write failed"
		return r
	}
	b := readUntil(c, 8192, func(b []byte) bool { _, ok := parseGDBReply(b); return ok })
	payload, ok := parseGDBReply(b)
	if !ok {
		r.Detail = "open, not GDB"
		if len(b) > 0 {
			r.Evidence = printable(b, 80)
		}
		return r
	}
	r.Found = true
	r.Detail = "GDB remote serial protocol"
	r.Evidence = printable([]byte(payload), 200)
	// Acknowledge the reply so the stub does not resend it, and let the
	// close be an orderly one: gdbserver exits on a reset connection.
	_, _ = c.Write([]byte("+"))
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	readUntil(c, 8192, nil)
	return r
}

// judgePorts turns per-port findings into one outcome: vulnerable when any
// port hosts the service.
func judgePorts(rs []portResult, ports []int, what, short string) Outcome {
	var found []string
	for _, r := range rs {
		if r.Found {
			s := fmt.Sprintf("%s/%d", r.Proto, r.Port)
			if r.Evidence != "" {
				e := r.Evidence
				if len(e) > 80 {
					e = e[:80] + "…"
				}
				s += fmt.Sprintf(" (%s)", e)
			}
			found = append(found, s)
		}
	}
	var o Outcome
	if len(found) > 0 {
		o = Vulnerable("%s on %s", what, strings.Join(found, ", "))
	} else {
		o = Passed("no %s found on ports %s", short, portList(ports))
	}
	o.Data = map[string]any{"ports": portData(rs)}
	return o
}

// vxWorksWDB is ipa17.vxworks-wdb: the VxWorks WDB debug agent (an ONC RPC
// program on UDP 17185) answers.
type vxWorksWDB struct{}

func (vxWorksWDB) Info() Info {
	return Info{
		ID: "ipa17.vxworks-wdb", Item: 17,
		TitleEN: "VxWorks WDB debug agent reachable",
		TitleJA: "VxWorks WDB デバッグエージェントへの到達",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
	}
}

// WDB RPC constants (Wind River wdb.h / wdbRpcLib.c; ONC RPC, RFC 5531).
const (
	wdbProg           = 0x55555555
	wdbVers           = 1
	wdbProcPing       = 0
	wdbProcConnect    = 1
	wdbProcDisconnect = 2
	wdbPort           = 17185
)

// WDBInfo is what a WDB agent reports on WDB_TARGET_CONNECT.
type WDBInfo struct {
	AgentVersion string
	MTU          uint32
	RTVersion    string
	BSP          string
	Bootline     string
}

// wdbRequest builds an RPC CALL of procedure proc with transaction id xid
// and sequence number seq: the RPC header with AUTH_NULL credentials, then
// the WDB parameter wrapper (checksum word, byte count, sequence number).
// The checksum is the 16-bit one's complement sum of the message, flagged
// by 0xffff in the upper half.
func wdbRequest(xid, proc, seq uint32) []byte {
	w := make([]byte, 0, 52)
	for _, v := range []uint32{xid, 0 /* CALL */, 2 /* RPC version */, wdbProg, wdbVers, proc, 0, 0, 0, 0, 0, 0, seq} {
		w = binary.BigEndian.AppendUint32(w, v)
	}
	binary.BigEndian.PutUint32(w[44:], uint32(len(w)))
	binary.BigEndian.PutUint32(w[40:], 0xffff0000|uint32(wdbChecksum(w)))
	return w
}

// wdbChecksum is the 16-bit one's complement of the one's complement sum of
// b taken as big-endian 16-bit words (the RFC 1071 sum).
func wdbChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// errWDB is returned by parseWDBReply for a datagram that is not a WDB reply.
var errWDB = errors.New("check: not a WDB RPC reply")

// parseWDBReply checks that b is an accepted, successful RPC reply to xid
// and returns the WDB error code and the result bytes after the wrapper.
func parseWDBReply(b []byte, xid uint32) (uint32, []byte, error) {
	if len(b) < 24 || len(b) > 65535 {
		return 0, nil, fmt.Errorf("%w: %d bytes", errWDB, len(b))
	}
	u := func(i int) uint32 { return binary.BigEndian.Uint32(b[4*i:]) }
	if u(0) != xid || u(1) != 1 /* REPLY */ {
		return 0, nil, fmt.Errorf("%w: xid or direction", errWDB)
	}
	if u(2) != 0 /* MSG_ACCEPTED */ {
		return 0, nil, fmt.Errorf("%w: RPC call denied", errWDB)
	}
	// verifier: flavor, length (opaque body follows, padded)
	vlen := int(u(4))
	if vlen < 0 || vlen > 400 || 20+((vlen+3)&^3)+4 > len(b) {
		return 0, nil, fmt.Errorf("%w: verifier", errWDB)
	}
	off := 20 + (vlen+3)&^3
	if st := binary.BigEndian.Uint32(b[off:]); st != 0 /* SUCCESS */ {
		return 0, nil, fmt.Errorf("%w: accept status %d (program unavailable)", errWDB, st)
	}
	off += 4
	if len(b) < off+12 {
		// A reply without the wrapper (ping) still proves the program.
		return 0, nil, nil
	}
	return binary.BigEndian.Uint32(b[off+8:]), b[off+12:], nil
}

// xdrReader decodes XDR (RFC 4506) items, failing softly on short input.
type xdrReader struct {
	b   []byte
	err error
}

func (x *xdrReader) u32() uint32 {
	if x.err != nil || len(x.b) < 4 {
		x.err = io.ErrUnexpectedEOF
		return 0
	}
	v := binary.BigEndian.Uint32(x.b)
	x.b = x.b[4:]
	return v
}

func (x *xdrReader) str() string {
	n := x.u32()
	if x.err != nil {
		return ""
	}
	p := (int(n) + 3) &^ 3
	if n > 4096 || p > len(x.b) {
		x.err = io.ErrUnexpectedEOF
		return ""
	}
	s := string(bytes.TrimRight(x.b[:n], "\x00"))
	x.b = x.b[p:]
	return s
}

// parseWDBTargetInfo decodes WDB_TGT_INFO: the agent info (version, MTU,
// mode) and the run-time info (type, version, CPU, FPU, write protection,
// page size, endianness, BSP name, boot line).
func parseWDBTargetInfo(b []byte) (WDBInfo, error) {
	x := &xdrReader{b: b}
	var in WDBInfo
	in.AgentVersion = x.str()
	in.MTU = x.u32()
	x.u32() // mode
	x.u32() // rtType
	in.RTVersion = x.str()
	x.u32() // cpuType
	x.u32() // hasFpp
	x.u32() // hasWriteProtect
	x.u32() // pageSize
	x.u32() // endian
	in.BSP = x.str()
	in.Bootline = x.str()
	if x.err != nil && in.AgentVersion == "" {
		return in, fmt.Errorf("check: WDB target info: %w", x.err)
	}
	return in, nil
}

func (vxWorksWDB) Run(ctx context.Context, env *Env) (Outcome, error) {
	ports := env.infraPorts(wdbPort)
	var rs []portResult
	for _, p := range ports {
		if ctx.Err() != nil {
			break
		}
		rs = append(rs, probeWDB(ctx, env, p))
	}
	return judgePorts(rs, ports, "the VxWorks WDB debug agent answers without authentication", "WDB agent"), nil
}

func wdbCall(c interface {
	Write([]byte) (int, error)
	ReadFromAddr([]byte) (int, string, error)
}, xid, proc, seq uint32) (uint32, []byte, error) {
	if _, err := c.Write(wdbRequest(xid, proc, seq)); err != nil {
		return 0, nil, err
	}
	buf := make([]byte, 2048)
	for range 4 {
		n, _, err := c.ReadFromAddr(buf)
		if err != nil {
			return 0, nil, err
		}
		code, res, err := parseWDBReply(buf[:n], xid)
		if err == nil {
			return code, res, nil
		}
		if !errors.Is(err, errWDB) || binary.BigEndian.Uint32(buf[:4]) == xid {
			return 0, nil, err
		}
	}
	return 0, nil, errWDB
}

func probeWDB(ctx context.Context, env *Env, port int) portResult {
	r := portResult{Port: port, Proto: "udp"}
	c, done, err := env.dialPort(ctx, "udp", port)
	if err != nil {
		r.Detail = "cannot send"
		return r
	}
	defer done()
	var xidb [4]byte
	_, _ = io.ReadFull(env.Rand, xidb[:])
	xid := binary.BigEndian.Uint32(xidb[:])
	_ = c.SetReadDeadline(time.Now().Add(env.portTimeout() / 2))
	if _, _, err := wdbCall(c, xid, wdbProcPing, 1); err != nil {
		r.Detail = "no WDB reply"
		return r
	}
	r.Found = true
	r.Detail = "WDB RPC agent (ping answered)"
	_ = c.SetReadDeadline(time.Now().Add(env.portTimeout() / 2))
	if code, res, err := wdbCall(c, xid+1, wdbProcConnect, 2); err == nil && code == 0 {
		if info, err := parseWDBTargetInfo(res); err == nil {
			r.Evidence = strings.TrimSpace(fmt.Sprintf("agent %s, %s, BSP %q", info.AgentVersion, info.RTVersion, info.BSP))
		}
		// Undo the connection sipvet made.
		_, _, _ = wdbCall(c, xid+2, wdbProcDisconnect, 3)
	}
	return r
}

// remoteShells is ipa17.remote-shells: telnet, rlogin, rsh or adb reachable.
type remoteShells struct{}

func (remoteShells) Info() Info {
	return Info{
		ID: "ipa17.remote-shells", Item: 17,
		TitleEN: "Remote shell services reachable (telnet, rlogin, rsh, adb)",
		TitleJA: "リモートシェル（telnet・rlogin・rsh・adb）への到達",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
		Severity: finding.Medium,
	}
}

// Remote shell ports.
const (
	portTelnet = 23
	portRlogin = 513
	portRsh    = 514
	portADB    = 5555
)

func (remoteShells) Run(ctx context.Context, env *Env) (Outcome, error) {
	ports := env.infraPorts(portTelnet, portRlogin, portRsh, portADB)
	var rs []portResult
	sev := finding.Severity("")
	for _, p := range ports {
		if ctx.Err() != nil {
			break
		}
		r := probeShell(ctx, env, p)
		if r.Found && r.Proto == "adb" && !strings.Contains(r.Detail, "AUTH") {
			sev = finding.Critical
		}
		rs = append(rs, r)
	}
	o := judgePorts(rs, ports, "a remote shell service is reachable", "remote shell service")
	if o.Verdict == finding.Vulnerable && sev != "" {
		o.Severity = sev
		o.Summary += "; adb grants a shell without authentication"
	}
	return o, nil
}

// probeShell identifies telnet, rlogin, rsh or adb on a TCP port.
func probeShell(ctx context.Context, env *Env, port int) portResult {
	r := portResult{Port: port, Proto: "tcp"}
	switch port {
	case portRlogin:
		// RFC 1282: NUL, local user, remote user, terminal/speed; the
		// server answers a NUL byte (or 0x01 and an error text).
		return probeRSeries(ctx, env, port, "rlogin", []byte("\x00sipvet\x00sipvet\x00dumb/9600\x00"))
	case portRsh:
		// rsh: stderr port ("0": none), local user, remote user, command.
		return probeRSeries(ctx, env, port, "rsh", []byte("0\x00sipvet\x00sipvet\x00true\x00"))
	}
	c, done, err := env.dialPort(ctx, "tcp", port)
	if err != nil {
		r.Detail = "closed or filtered"
		return r
	}
	defer done()
	_ = c.SetReadDeadline(time.Now().Add(env.portTimeout() / 2))
	banner := readUntil(c, 2048, func(b []byte) bool { return len(b) >= 3 && isTelnet(b) && len(b) > 64 })
	if isTelnet(banner) {
		r.Proto, r.Found, r.Detail = "telnet", true, "telnet option negotiation"
		r.Evidence = telnetText(banner)
		return r
	}
	if len(banner) > 0 {
		r.Detail = "open, another protocol"
		r.Evidence = printable(banner, 80)
		return r
	}
	// Silent service: try the adb host handshake.
	_ = c.SetDeadline(time.Now().Add(env.portTimeout() / 2))
	if _, err := c.Write(adbConnect()); err != nil {
		r.Detail = "open, silent"
		return r
	}
	reply := readUntil(c, 4096, func(b []byte) bool { return len(b) >= 24 })
	if cmd, ok := parseADB(reply); ok {
		r.Proto, r.Found = "adb", true
		r.Detail = "Android debug bridge, answered " + cmd
		r.Evidence = printable(reply[24:], 120)
		return r
	}
	r.Detail = "open, not a remote shell"
	return r
}

func probeRSeries(ctx context.Context, env *Env, port int, name string, hello []byte) portResult {
	r := portResult{Port: port, Proto: "tcp"}
	c, done, err := env.dialPort(ctx, "tcp", port)
	if err != nil {
		r.Detail = "closed or filtered"
		return r
	}
	defer done()
	_ = c.SetDeadline(time.Now().Add(env.portTimeout() / 2))
	if _, err := c.Write(hello); err != nil {
		r.Detail = "open, write failed"
		return r
	}
	reply := readUntil(c, 1024, func(b []byte) bool { return len(b) > 1 && bytes.IndexByte(b[1:], '\n') >= 0 })
	if len(reply) > 0 && (reply[0] == 0 || reply[0] == 1) {
		r.Proto, r.Found, r.Detail = name, true, name+" protocol answer"
		r.Evidence = printable(reply, 120)
		return r
	}
	r.Detail = "open, not " + name
	return r
}

// isTelnet reports whether b starts like a telnet server: IAC followed by
// DO, DONT, WILL or WONT (RFC 854), or a login prompt in clear.
func isTelnet(b []byte) bool {
	if len(b) >= 3 && b[0] == 0xff && b[1] >= 251 && b[1] <= 254 {
		return true
	}
	s := strings.ToLower(string(b))
	return strings.Contains(s, "login:") && !strings.HasPrefix(s, "http/")
}

// telnetText strips telnet commands and returns the readable banner.
func telnetText(b []byte) string {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == 0xff && i+1 < len(b) {
			switch {
			case b[i+1] >= 251 && b[i+1] <= 254:
				i += 2
			case b[i+1] == 250: // sub-negotiation until IAC SE
				j := bytes.Index(b[i:], []byte{0xff, 240})
				if j < 0 {
					return printable(out, 120)
				}
				i += j + 1
			default:
				i++
			}
			continue
		}
		out = append(out, b[i])
	}
	return strings.TrimSpace(printable(out, 120))
}

// adbConnect is the host's CNXN message (version 0x01000000, max payload
// 4096, "host::" identity): six little-endian words — command, arg0, arg1,
// payload length, payload checksum (byte sum), command ^ 0xffffffff.
func adbConnect() []byte {
	payload := []byte("host::sipvet\x00")
	var sum uint32
	for _, c := range payload {
		sum += uint32(c)
	}
	const cnxn = 0x4e584e43
	h := make([]byte, 0, 24+len(payload))
	for _, v := range []uint32{cnxn, 0x01000000, 4096, uint32(len(payload)), sum, cnxn ^ 0xffffffff} {
		h = binary.LittleEndian.AppendUint32(h, v)
	}
	return append(h, payload...)
}

// parseADB recognises an adb message header (CNXN or AUTH with a valid
// magic word) and returns its command name.
func parseADB(b []byte) (string, bool) {
	if len(b) < 24 {
		return "", false
	}
	cmd := binary.LittleEndian.Uint32(b)
	magic := binary.LittleEndian.Uint32(b[20:])
	if magic != cmd^0xffffffff {
		return "", false
	}
	switch string(b[:4]) {
	case "CNXN", "AUTH", "STLS":
		return string(b[:4]), true
	}
	return "", false
}
