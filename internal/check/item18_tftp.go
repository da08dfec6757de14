package check

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/transport"
)

// tftpConfig is ipa18.tftp-config: a TFTP server hands out provisioning
// files, and the files hold credentials.
type tftpConfig struct{}

func (tftpConfig) Info() Info {
	return Info{
		ID: "ipa18.tftp-config", Item: 18,
		TitleEN: "Provisioning files with credentials served over TFTP",
		TitleJA: "TFTP で配布される設定ファイル中の認証情報",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
	}
}

// TFTP opcodes (RFC 1350).
const (
	tftpRRQ   = 1
	tftpDATA  = 3
	tftpACK   = 4
	tftpERROR = 5
)

// tftpMaxFile bounds one download.
const tftpMaxFile = 256 << 10

// tftpFileNames returns the provisioning names tried: common fixed names of
// VoIP phone vendors, and per-MAC names for each MAC (12 hex digits).
func tftpFileNames(macs []string) []string {
	names := []string{
		"y000000000000.cfg", "000000000000.cfg", "SEPDefault.cnf.xml", "XMLDefault.cnf.xml",
		"sip.cfg", "phone.cfg", "aastra.cfg", "cfg.xml", "spa.cfg", "default.cfg",
		"provisioning.cfg", "config.cfg", "snom.htm", "gxp.cfg",
	}
	for _, m := range macs {
		lo, up := strings.ToLower(m), strings.ToUpper(m)
		names = append(names,
			lo+".cfg", up+".cfg", // Polycom, Yealink
			"cfg"+lo+".xml", "cfg"+lo, // Grandstream
			"SEP"+up+".cnf.xml", // Cisco
			"spa"+lo+".xml",     // Linksys/Cisco SPA
			lo+"-phone.cfg", "snom-"+up+".htm",
		)
	}
	return names
}

// tftpRequest builds an RRQ in octet mode.
func tftpRequest(name string) []byte {
	b := []byte{0, tftpRRQ}
	b = append(b, name...)
	b = append(b, 0)
	b = append(b, "octet"...)
	return append(b, 0)
}

// tftpPacket is a parsed server packet.
type tftpPacket struct {
	Op    uint16
	Block uint16
	Data  []byte
	Code  uint16
	Msg   string
}

var errTFTP = errors.New("check: not a TFTP packet")

// parseTFTP parses DATA and ERROR packets (the ones a server sends to an
// RRQ; OACK is not requested).
func parseTFTP(b []byte) (tftpPacket, error) {
	if len(b) < 4 {
		return tftpPacket{}, errTFTP
	}
	p := tftpPacket{Op: binary.BigEndian.Uint16(b)}
	switch p.Op {
	case tftpDATA:
		if len(b) > 4+512 {
			return tftpPacket{}, fmt.Errorf("%w: DATA of %d bytes", errTFTP, len(b)-4)
		}
		p.Block = binary.BigEndian.Uint16(b[2:])
		p.Data = b[4:]
	case tftpERROR:
		p.Code = binary.BigEndian.Uint16(b[2:])
		msg := b[4:]
		if i := bytes.IndexByte(msg, 0); i >= 0 {
			msg = msg[:i]
		}
		p.Msg = printable(msg, 120)
	default:
		return tftpPacket{}, fmt.Errorf("%w: opcode %d", errTFTP, p.Op)
	}
	return p, nil
}

// tftpGet downloads name (bounded). It returns found=false when the server
// answered with an ERROR, and an error when nothing TFTP-like came back.
func tftpGet(c transport.RawConn, server, name string, wait time.Duration) (data []byte, found bool, err error) {
	if _, err := c.WriteToAddr(tftpRequest(name), server); err != nil {
		return nil, false, err
	}
	buf := make([]byte, 1024)
	var tid string
	expect := uint16(1)
	for range tftpMaxFile/512 + 8 {
		_ = c.SetReadDeadline(time.Now().Add(wait))
		n, from, err := c.ReadFromAddr(buf)
		if err != nil {
			if tid == "" {
				return nil, false, fmt.Errorf("check: tftp %s: %w", name, err)
			}
			return data, true, nil // truncated transfer: keep what came
		}
		if tid != "" && from != tid {
			continue
		}
		p, err := parseTFTP(buf[:n])
		if err != nil {
			if tid == "" {
				return nil, false, err
			}
			continue
		}
		if p.Op == tftpERROR {
			return nil, false, nil
		}
		tid = from
		ack := []byte{0, tftpACK, byte(p.Block >> 8), byte(p.Block)}
		if _, err := c.WriteToAddr(ack, tid); err != nil {
			return data, true, nil
		}
		if p.Block != expect {
			continue
		}
		expect++
		data = append(data, p.Data...)
		if len(p.Data) < 512 {
			return data, true, nil
		}
		if len(data) >= tftpMaxFile {
			// Tell the server to stop (RFC 1350 §5: an ERROR terminates).
			e := append([]byte{0, tftpERROR, 0, 0}, "sipvet: size limit\x00"...)
			_, _ = c.WriteToAddr(e, tid)
			return data, true, nil
		}
	}
	return data, true, nil
}

// ConfigSecret is a credential found in a provisioning file.
type ConfigSecret struct {
	File, Key, Value string
}

// secretPatterns recognise credentials in provisioning formats: key=value
// and key: value lines, XML elements and attributes, and Grandstream
// P-values (P34 SIP password, P2 admin password).
func secretPatterns() []*regexp.Regexp {
	key := `[A-Za-z0-9_.\-\[\]]*(?:pass(?:word|wd)?|pwd|secret|passphrase|auth_?key|community)[A-Za-z0-9_.\-\[\]]*`
	return []*regexp.Regexp{
		regexp.MustCompile(`(?im)^\s*(` + key + `)\s*[=:]\s*"?([^"\r\n#;]*?)"?\s*(?:[#;].*)?$`),
		regexp.MustCompile(`(?is)<(` + key + `)(?:\s[^>]*)?>([^<]{1,200})</`),
		regexp.MustCompile(`(?i)\s(` + key + `)\s*=\s*"([^"]{1,200})"`),
		regexp.MustCompile(`(?m)<(P(?:2|34|35|36|3|4|10|64))>([^<]{1,200})</P`),
	}
}

// findSecrets scans a provisioning file for credentials with non-empty
// values (bounded: the first 64 matches).
func findSecrets(file string, b []byte) []ConfigSecret {
	if len(b) > tftpMaxFile {
		b = b[:tftpMaxFile]
	}
	seen := map[string]bool{}
	var out []ConfigSecret
	for _, re := range secretPatterns() {
		for _, m := range re.FindAllSubmatch(b, 64) {
			k, v := string(m[1]), strings.TrimSpace(string(m[2]))
			if v == "" || strings.EqualFold(k, "password_required") || v == "*" || strings.Trim(v, "*") == "" {
				continue
			}
			if seen[k+"\x00"+v] {
				continue
			}
			seen[k+"\x00"+v] = true
			out = append(out, ConfigSecret{File: file, Key: k, Value: v})
			if len(out) >= 64 {
				return out
			}
		}
	}
	return out
}

func (tftpConfig) Run(ctx context.Context, env *Env) (Outcome, error) {
	ports := env.infraPorts(69)
	names := tftpFileNames(env.Infra.MACs)
	var rs []portResult
	var secrets []ConfigSecret
	var files []string
	for _, port := range ports {
		if ctx.Err() != nil {
			break
		}
		r := portResult{Port: port, Proto: "udp", Detail: "no TFTP answer"}
		c, done, err := env.dialPort(ctx, "udp", port)
		if err != nil {
			rs = append(rs, r)
			continue
		}
		server := c.RemoteAddr().String()
		for i, name := range names {
			data, found, err := tftpGet(c, server, name, env.portTimeout()/4)
			if err != nil {
				if i == 0 {
					break // nothing TFTP on this port
				}
				continue
			}
			r.Found, r.Detail = true, "TFTP server"
			if !found {
				continue
			}
			files = append(files, fmt.Sprintf("udp/%d:%s (%d bytes)", port, name, len(data)))
			secrets = append(secrets, findSecrets(name, data)...)
		}
		done()
		rs = append(rs, r)
	}
	return judgeTFTP(env, rs, files, secrets, ports, len(names)), nil
}

func judgeTFTP(env *Env, rs []portResult, files []string, secrets []ConfigSecret, ports []int, tried int) Outcome {
	var server bool
	for _, r := range rs {
		server = server || r.Found
	}
	var sec []map[string]any
	var show []string
	for _, s := range secrets {
		sec = append(sec, map[string]any{"file": s.File, "key": s.Key, "value": env.Mask(s.Value)})
		if len(show) < 5 {
			show = append(show, fmt.Sprintf("%s: %s=%s", s.File, s.Key, env.Mask(s.Value)))
		}
	}
	data := map[string]any{"ports": portData(rs), "files": nonNil(files), "secrets": sec, "names_tried": tried}
	if sec == nil {
		data["secrets"] = []map[string]any{}
	}
	var o Outcome
	switch {
	case len(secrets) > 0:
		o = Vulnerable("TFTP serves provisioning files with credentials to anyone: %s", strings.Join(show, "; "))
	case len(files) > 0:
		o = Passed("TFTP serves %s, but no credentials were recognised in them", strings.Join(files, ", "))
	case server:
		o = Passed("a TFTP server answers but none of %d provisioning names exists (give --mac for per-device names)", tried)
	default:
		o = Passed("no TFTP server answered on UDP %s", portList(ports))
	}
	o.Data = data
	return o
}
