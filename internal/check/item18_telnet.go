package check

import (
	"context"

	"github.com/sipvet/sipvet/internal/finding"
)

// telnetOpen is ipa18.telnet: a telnet management service is reachable
// (informational: telnet carries passwords in clear).
type telnetOpen struct{}

func (telnetOpen) Info() Info {
	return Info{
		ID: "ipa18.telnet", Item: 18,
		TitleEN: "Telnet management service reachable",
		TitleJA: "Telnet による管理機能への到達",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
		Severity: finding.Info,
	}
}

func (telnetOpen) Run(ctx context.Context, env *Env) (Outcome, error) {
	ports := env.infraPorts(portTelnet)
	var rs []portResult
	for _, p := range ports {
		if ctx.Err() != nil {
			break
		}
		if p == portRlogin || p == portRsh {
			continue
		}
		r := probeShell(ctx, env, p)
		if r.Proto != "telnet" {
			r.Found = false
		}
		rs = append(rs, r)
	}
	return judgePorts(rs, ports, "a telnet service (passwords travel in clear) is reachable", "telnet service"), nil
}
