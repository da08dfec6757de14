package check

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/transport"
)

// SNMP for items 18 (default communities) and 19 (walking what they
// reveal). gosnmp encodes and decodes the messages; the datagrams go through
// the Env's raw dialer like every other socket.

// Well-known OIDs (RFC 3418 system group, RFC 2863 interfaces, RFC 4293 IP,
// RFC 4022 TCP, RFC 4113 UDP).
const (
	oidSysDescr    = ".1.3.6.1.2.1.1.1.0"
	oidSysLocation = ".1.3.6.1.2.1.1.6.0"
)

// snmpDefaultPorts are the agent ports probed by default.
func snmpDefaultPorts() []int { return []int{161} }

// snmpCommunities is the built-in list of community strings tried, the
// common factory defaults of network and VoIP equipment.
func snmpCommunities() []string {
	return []string{"public", "private", "community", "admin", "manager", "cisco", "snmp", "default",
		"monitor", "secret", "read", "write", "voip", "password", "test", "system", "all private"}
}

// snmpAccess is a community that works on an agent.
type snmpAccess struct {
	Port      int
	Version   gosnmp.SnmpVersion
	Community string
	SysDescr  string
}

func (a snmpAccess) versionName() string {
	if a.Version == gosnmp.Version1 {
		return "v1"
	}
	return "v2c"
}

// snmpClient exchanges SNMP messages over a raw UDP connection.
type snmpClient struct {
	c       transport.RawConn
	version gosnmp.SnmpVersion
	comm    string
	rand    io.Reader
	wait    time.Duration
}

// errSNMPNoAnswer means the agent did not answer (wrong community: agents
// stay silent; or no agent).
var errSNMPNoAnswer = errors.New("check: no SNMP answer")

// encodeSNMP builds a v1/v2c request.
func encodeSNMP(version gosnmp.SnmpVersion, community string, pdu gosnmp.PDUType, reqID uint32, vars []gosnmp.SnmpPDU, maxRep uint32) ([]byte, error) {
	p := &gosnmp.SnmpPacket{Version: version, Community: community, PDUType: pdu, RequestID: reqID, Variables: vars}
	if pdu == gosnmp.GetBulkRequest {
		p.MaxRepetitions = maxRep
	}
	b, err := p.MarshalMsg()
	if err != nil {
		return nil, fmt.Errorf("check: encode SNMP: %w", err)
	}
	return b, nil
}

// decodeSNMP parses a v1/v2c message (bounded: at most 64 KiB).
func decodeSNMP(b []byte) (*gosnmp.SnmpPacket, error) {
	if len(b) > 65535 || len(b) < 2 || b[0] != 0x30 {
		return nil, fmt.Errorf("check: not an SNMP message (%d bytes)", len(b))
	}
	x := &gosnmp.GoSNMP{Version: gosnmp.Version2c}
	p, err := x.SnmpDecodePacket(b)
	if err != nil {
		return nil, fmt.Errorf("check: decode SNMP: %w", err)
	}
	if p.Version != gosnmp.Version1 && p.Version != gosnmp.Version2c {
		return nil, fmt.Errorf("check: SNMP version %d", p.Version)
	}
	return p, nil
}

func (s *snmpClient) do(pdu gosnmp.PDUType, vars []gosnmp.SnmpPDU, maxRep uint32) (*gosnmp.SnmpPacket, error) {
	var idb [4]byte
	_, _ = io.ReadFull(s.rand, idb[:])
	id := binary.BigEndian.Uint32(idb[:]) & 0x7fffffff
	msg, err := encodeSNMP(s.version, s.comm, pdu, id, vars, maxRep)
	if err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 2; attempt++ {
		if _, err := s.c.Write(msg); err != nil {
			return nil, err
		}
		_ = s.c.SetReadDeadline(time.Now().Add(s.wait))
		buf := make([]byte, 65535)
		for {
			n, _, err := s.c.ReadFromAddr(buf)
			if err != nil {
				break
			}
			p, err := decodeSNMP(buf[:n])
			if err != nil || p.RequestID != id || p.PDUType != gosnmp.GetResponse {
				continue
			}
			return p, nil
		}
	}
	return nil, errSNMPNoAnswer
}

// findSNMPAccess tries every community with v2c then v1 on each port and
// returns the first working one per port.
func findSNMPAccess(ctx context.Context, env *Env) ([]snmpAccess, []portResult) {
	comms := append(snmpCommunities(), env.Infra.Communities...)
	ports := env.infraPorts(snmpDefaultPorts()...)
	var found []snmpAccess
	var rs []portResult
	for _, port := range ports {
		r := portResult{Port: port, Proto: "udp", Detail: "no answer to any community"}
		a, ok := probeSNMPPort(ctx, env, port, comms)
		if ok {
			found = append(found, a)
			r.Found, r.Detail = true, fmt.Sprintf("SNMP%s community %q", a.versionName(), env.Mask(a.Community))
			r.Evidence = printable([]byte(a.SysDescr), 120)
		}
		rs = append(rs, r)
	}
	return found, rs
}

// probeSNMPPort sends one GET sysDescr.0 per version × community in a
// burst (like onesixtyone: agents stay silent on a wrong community, so
// asking one at a time would cost a timeout each) and collects the answers.
func probeSNMPPort(ctx context.Context, env *Env, port int, comms []string) (snmpAccess, bool) {
	all := probeSNMPAll(ctx, env, port, comms)
	if len(all) == 0 {
		return snmpAccess{}, false
	}
	return all[0], true
}

// probeSNMPAll returns every version × community the agent on port
// answered, v2c first, in the order of the list.
func probeSNMPAll(ctx context.Context, env *Env, port int, comms []string) []snmpAccess {
	c, done, err := env.dialPort(ctx, "udp", port)
	if err != nil {
		return nil
	}
	defer done()
	type req struct {
		v    gosnmp.SnmpVersion
		comm string
	}
	sent := map[uint32]req{}
	var idb [4]byte
	_, _ = io.ReadFull(env.Rand, idb[:])
	base := binary.BigEndian.Uint32(idb[:]) & 0x3fffffff
	for _, v := range []gosnmp.SnmpVersion{gosnmp.Version2c, gosnmp.Version1} {
		for _, comm := range comms {
			id := base + uint32(len(sent))
			msg, err := encodeSNMP(v, comm, gosnmp.GetRequest, id, []gosnmp.SnmpPDU{{Name: oidSysDescr, Type: gosnmp.Null}}, 0)
			if err != nil {
				continue
			}
			if _, err := c.Write(msg); err != nil {
				return nil
			}
			sent[id] = req{v, comm}
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(env.portTimeout() / 2))
	buf := make([]byte, 65535)
	got := map[uint32]snmpAccess{}
	for range 2 * len(sent) {
		n, _, err := c.ReadFromAddr(buf)
		if err != nil {
			break
		}
		p, err := decodeSNMP(buf[:n])
		if err != nil || p.PDUType != gosnmp.GetResponse {
			continue
		}
		r, ok := sent[p.RequestID]
		if !ok {
			continue
		}
		got[p.RequestID] = snmpAccess{Port: port, Version: r.v, Community: r.comm, SysDescr: snmpString(p)}
		if len(got) == len(sent) {
			break
		}
	}
	var out []snmpAccess
	for id := base; id < base+uint32(len(sent)); id++ {
		if a, ok := got[id]; ok {
			out = append(out, a)
		}
	}
	return out
}

// snmpString renders the first variable of a response as text.
func snmpString(p *gosnmp.SnmpPacket) string {
	if p == nil || len(p.Variables) == 0 {
		return ""
	}
	return snmpValue(p.Variables[0])
}

func snmpValue(v gosnmp.SnmpPDU) string {
	switch x := v.Value.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// snmpDefault is ipa18.snmp: a default community grants read (and, with
// --allow snmp-write, write) access.
type snmpDefault struct{}

func (snmpDefault) Info() Info {
	return Info{
		ID: "ipa18.snmp", Item: 18,
		TitleEN: "SNMP v1/v2c default community accepted",
		TitleJA: "SNMP v1/v2c の既定コミュニティ名",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
		Severity: finding.High,
	}
}

func (snmpDefault) Run(ctx context.Context, env *Env) (Outcome, error) {
	found, rs := findSNMPAccess(ctx, env)
	ports := env.infraPorts(snmpDefaultPorts()...)
	if len(found) == 0 {
		o := Passed("no SNMP v1/v2c agent accepted any of %d common communities on UDP %s", len(snmpCommunities())+len(env.Infra.Communities), portList(ports))
		o.Data = map[string]any{"ports": portData(rs)}
		return o, nil
	}
	var parts []string
	var writable []string
	for _, a := range found {
		parts = append(parts, fmt.Sprintf("udp/%d %s community %q (sysDescr %q)", a.Port, a.versionName(), env.Mask(a.Community), printable([]byte(a.SysDescr), 80)))
		if env.Allowed != nil && env.Allowed(AllowSNMPWrite) {
			seen := map[string]bool{}
			for _, b := range probeSNMPAll(ctx, env, a.Port, append(snmpCommunities(), env.Infra.Communities...)) {
				if seen[b.Community] {
					continue
				}
				seen[b.Community] = true
				if snmpWriteBack(ctx, env, b) {
					writable = append(writable, fmt.Sprintf("udp/%d (%s community %q)", b.Port, b.versionName(), env.Mask(b.Community)))
					break
				}
			}
		}
	}
	o := Vulnerable("SNMP read access with a default community: %s", strings.Join(parts, "; "))
	switch {
	case len(writable) > 0:
		o.Severity = finding.Critical
		o.Summary += "; write access confirmed (sysLocation written back unchanged) on " + strings.Join(writable, ", ")
	case env.Allowed == nil || !env.Allowed(AllowSNMPWrite):
		o.Summary += "; write access not tested (needs --allow snmp-write)"
	default:
		o.Summary += "; the community cannot write sysLocation"
	}
	o.Data = map[string]any{"ports": portData(rs), "writable": nonNil(writable)}
	return o, nil
}

// snmpWriteBack reads sysLocation.0 and sets it to the same value: a
// noError answer proves write access without changing the device.
func snmpWriteBack(ctx context.Context, env *Env, a snmpAccess) bool {
	c, done, err := env.dialPort(ctx, "udp", a.Port)
	if err != nil {
		return false
	}
	defer done()
	cl := &snmpClient{c: c, version: a.Version, comm: a.Community, rand: env.Rand, wait: env.portTimeout() / 4}
	p, err := cl.do(gosnmp.GetRequest, []gosnmp.SnmpPDU{{Name: oidSysLocation, Type: gosnmp.Null}}, 0)
	if err != nil || len(p.Variables) == 0 || p.Variables[0].Type != gosnmp.OctetString {
		return false
	}
	cur := p.Variables[0].Value
	s, err := cl.do(gosnmp.SetRequest, []gosnmp.SnmpPDU{{Name: oidSysLocation, Type: gosnmp.OctetString, Value: cur}}, 0)
	return err == nil && s.Error == gosnmp.NoError
}
