package main

import (
	"crypto/x509"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sipvet/sipvet/internal/check"
)

// infraFlags are the scan flags of the infrastructure checks (items 17–20).
type infraFlags struct {
	ports           string
	portsOnly       bool
	macs            []string
	credentialsFile string
	communities     []string
	tlsCA           string
}

func (i *infraFlags) register(f *pflag.FlagSet) {
	f.StringVar(&i.ports, "ports", "", "extra ports for the infrastructure checks (items 17–20), e.g. 2323,8081,10000-10010; each check identifies its own protocol on each")
	f.BoolVar(&i.portsOnly, "ports-only", false, "probe only the --ports, not the default port lists of the infrastructure checks")
	f.StringSliceVar(&i.macs, "mac", nil, "MAC address(es) of the device, for per-device TFTP provisioning file names (e.g. 00:04:f2:a1:b2:c3)")
	f.StringVar(&i.credentialsFile, "credentials-file", "", "more web-admin default credentials to try, one user:password per line")
	f.StringSliceVar(&i.communities, "snmp-community", nil, "more SNMP communities to try besides the built-in list")
	f.StringVar(&i.tlsCA, "tls-ca", "", "PEM file of CA certificates the TLS certificate check trusts (default: the system pool)")
}

// options validates the flags into check.InfraOptions.
func (i *infraFlags) options() (check.InfraOptions, error) {
	var o check.InfraOptions
	ports, err := parsePorts(i.ports)
	if err != nil {
		return o, err
	}
	o.Ports, o.OnlyPorts = ports, i.portsOnly
	if i.portsOnly && len(ports) == 0 {
		return o, usagef("--ports-only needs --ports")
	}
	for _, m := range i.macs {
		hex := strings.ToLower(strings.NewReplacer(":", "", "-", "", ".", "").Replace(m))
		if len(hex) != 12 || strings.Trim(hex, "0123456789abcdef") != "" {
			return o, usagef("bad --mac %q (want 12 hex digits, e.g. 00:04:f2:a1:b2:c3)", m)
		}
		o.MACs = append(o.MACs, hex)
	}
	if i.credentialsFile != "" {
		f, err := os.Open(i.credentialsFile)
		if err != nil {
			return o, usagef("read --credentials-file: %v", err)
		}
		defer f.Close()
		if o.Credentials, err = check.ParseCredentials(f); err != nil {
			return o, usagef("--credentials-file: %v", err)
		}
	}
	o.Communities = i.communities
	if i.tlsCA != "" {
		b, err := os.ReadFile(i.tlsCA)
		if err != nil {
			return o, usagef("read --tls-ca: %v", err)
		}
		o.RootCAs = x509.NewCertPool()
		if !o.RootCAs.AppendCertsFromPEM(b) {
			return o, usagef("--tls-ca %s holds no PEM certificate", i.tlsCA)
		}
	}
	return o, nil
}

// parsePorts parses "80,8080,10000-10010" (at most 1024 ports).
func parsePorts(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b {
			return nil, usagef("bad --ports entry %q (want ports 1-65535 or ranges like 8000-8010)", part)
		}
		for p := a; p <= b; p++ {
			out = append(out, p)
			if len(out) > 1024 {
				return nil, usagef("--ports lists more than 1024 ports")
			}
		}
	}
	return out, nil
}
