package check

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/gosnmp/gosnmp"

	"github.com/sipvet/sipvet/internal/finding"
)

// snmpWalk is ipa19.snmp-walk: with a community found as in ipa18.snmp,
// walk the tables that describe the device and its network (system,
// interfaces, IP addresses, listening TCP and UDP ports).
type snmpWalk struct{}

func (snmpWalk) Info() Info {
	return Info{
		ID: "ipa19.snmp-walk", Item: 19,
		TitleEN: "Configuration harvested over SNMP (system, interfaces, addresses, ports)",
		TitleJA: "SNMP による構成情報の収集（システム・インタフェース・アドレス・ポート）",
		Modes:   []Mode{ModeScan, ModeEnum}, Roles: []Role{RoleAny},
		Severity: finding.Medium,
	}
}

// snmpSubtree is one part of the MIB the walk reads.
type snmpSubtree struct {
	Key, OID string
}

// snmpWalkTrees lists the subtrees walked, in order.
func snmpWalkTrees() []snmpSubtree {
	return []snmpSubtree{
		{"system", ".1.3.6.1.2.1.1"},
		{"interfaces", ".1.3.6.1.2.1.2.2.1.2"},     // ifDescr
		{"mac_addresses", ".1.3.6.1.2.1.2.2.1.6"},  // ifPhysAddress
		{"ip_addresses", ".1.3.6.1.2.1.4.20.1.1"},  // ipAdEntAddr
		{"tcp_listeners", ".1.3.6.1.2.1.6.20.1.4"}, // tcpListenerProcess
		{"tcp_connections", ".1.3.6.1.2.1.6.13.1.1"},
		{"udp_endpoints", ".1.3.6.1.2.1.7.7.1.8"}, // udpEndpointProcess
		{"udp_listeners", ".1.3.6.1.2.1.7.5.1.2"}, // udpLocalPort (old table)
	}
}

// snmpWalkLimit bounds the entries read per subtree.
const snmpWalkLimit = 200

func (snmpWalk) Run(ctx context.Context, env *Env) (Outcome, error) {
	found, rs := findSNMPAccess(ctx, env)
	if len(found) == 0 {
		o := Passed("no SNMP community found to walk with (UDP %s)", portList(env.infraPorts(snmpDefaultPorts()...)))
		o.Data = map[string]any{"ports": portData(rs)}
		return o, nil
	}
	a := found[0]
	c, done, err := env.dialPort(ctx, "udp", a.Port)
	if err != nil {
		return Outcome{}, fmt.Errorf("ipa19.snmp-walk: %w", err)
	}
	defer done()
	cl := &snmpClient{c: c, version: a.Version, comm: a.Community, rand: env.Rand, wait: env.portTimeout() / 4}
	data := map[string]any{"port": a.Port, "version": a.versionName(), "community": env.Mask(a.Community)}
	var counts []string
	total := 0
	for _, tr := range snmpWalkTrees() {
		if ctx.Err() != nil {
			break
		}
		vals := walkSubtree(cl, tr.OID, snmpWalkLimit)
		if len(vals) == 0 {
			continue
		}
		total += len(vals)
		data[tr.Key] = summariseWalk(tr.Key, tr.OID, vals)
		counts = append(counts, fmt.Sprintf("%s %d", strings.ReplaceAll(tr.Key, "_", " "), len(vals)))
	}
	data["entries"] = total
	if total == 0 {
		o := Passed("community %q answers but the walk returned nothing", env.Mask(a.Community))
		o.Data = data
		return o, nil
	}
	o := Vulnerable("SNMP%s community %q on udp/%d reveals the device's configuration: %s", a.versionName(), env.Mask(a.Community), a.Port, strings.Join(counts, ", "))
	o.Data = data
	return o, nil
}

// walkSubtree reads root with GETNEXT until it leaves the subtree, an error
// or end of MIB, or limit entries (RFC 3416 §4.2.2).
func walkSubtree(cl *snmpClient, root string, limit int) []gosnmp.SnmpPDU {
	var out []gosnmp.SnmpPDU
	cur := root
	for len(out) < limit {
		p, err := cl.do(gosnmp.GetNextRequest, []gosnmp.SnmpPDU{{Name: cur, Type: gosnmp.Null}}, 0)
		if err != nil || p.Error != gosnmp.NoError || len(p.Variables) == 0 {
			break
		}
		v := p.Variables[0]
		if v.Type == gosnmp.EndOfMibView || v.Type == gosnmp.NoSuchObject || v.Type == gosnmp.NoSuchInstance {
			break
		}
		name := v.Name
		if !strings.HasPrefix(name, ".") {
			name = "." + name
		}
		if !strings.HasPrefix(name, root+".") || name == cur {
			break
		}
		out = append(out, v)
		cur = name
	}
	return out
}

// summariseWalk turns walked variables into report data: values for text
// tables, and the index (address, port) for the tables whose information is
// in the OID itself.
func summariseWalk(key, root string, vals []gosnmp.SnmpPDU) []string {
	var out []string
	for _, v := range vals {
		name := strings.TrimPrefix(strings.TrimPrefix(v.Name, "."), strings.TrimPrefix(root, ".")+".")
		switch key {
		case "system":
			out = append(out, fmt.Sprintf("%s = %s", systemName(name), printable([]byte(snmpValue(v)), 120)))
		case "mac_addresses":
			if b, ok := v.Value.([]byte); ok && len(b) == 6 {
				out = append(out, fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]))
			}
		case "ip_addresses":
			out = append(out, snmpValue(v))
		case "tcp_listeners", "udp_endpoints", "tcp_connections", "udp_listeners":
			out = append(out, name)
		default:
			out = append(out, printable([]byte(snmpValue(v)), 120))
		}
	}
	sort.Strings(out)
	return out
}

// systemName names the scalars of the system group.
func systemName(suffix string) string {
	names := map[string]string{"1.0": "sysDescr", "2.0": "sysObjectID", "3.0": "sysUpTime", "4.0": "sysContact", "5.0": "sysName", "6.0": "sysLocation", "7.0": "sysServices"}
	if n, ok := names[suffix]; ok {
		return n
	}
	return "system." + suffix
}
