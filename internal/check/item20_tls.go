package check

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
)

// Survey item 20, server side: what the SIP-over-TLS (and WSS) server
// accepts and presents.

// tlsPorts returns the TLS ports to audit: the target's own port when it is
// tls or wss, 5061 (unless OnlyPorts), and the user's ports.
func (e *Env) tlsPorts() []int {
	var def []int
	if e.Target.Secure() {
		def = append(def, e.Target.Port)
	}
	ports := e.infraPorts(5061)
	for _, p := range ports {
		if !slices.Contains(def, p) {
			def = append(def, p)
		}
	}
	return def
}

// tlsOffer sends one hand-built ClientHello to port and parses the answer.
func tlsOffer(ctx context.Context, env *Env, port int, version uint16, suites []uint16) (ServerFlight, error) {
	c, done, err := env.dialPort(ctx, "tcp", port)
	if err != nil {
		return ServerFlight{}, err
	}
	defer done()
	random := make([]byte, 32)
	_, _ = io.ReadFull(env.Rand, random)
	if _, err := c.Write(buildClientHello(version, suites, env.Target.Host, random)); err != nil {
		return ServerFlight{}, err
	}
	var f ServerFlight
	var perr error
	readUntil(c, tlsFlightLimit, func(b []byte) bool {
		var complete bool
		f, complete, perr = parseServerFlight(b)
		return complete || perr != nil
	})
	if perr != nil {
		return f, perr
	}
	return f, nil
}

// tlsPortState is the first probe of a port: is it TLS at all?
func tlsIdentify(ctx context.Context, env *Env, port int) (ServerFlight, bool) {
	f, err := tlsOffer(ctx, env, port, verTLS12, broadSuites())
	if err != nil || !f.TLS {
		return f, false
	}
	return f, true
}

// tlsVersions is ipa20.tls-versions: SSLv3, TLS 1.0 or TLS 1.1 accepted.
type tlsVersions struct{}

func (tlsVersions) Info() Info {
	return Info{
		ID: "ipa20.tls-versions", Item: 20,
		TitleEN: "Obsolete TLS versions accepted (SSLv3, TLS 1.0, TLS 1.1)",
		TitleJA: "旧い TLS バージョン（SSLv3・TLS 1.0・TLS 1.1）の受け入れ",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
	}
}

func (tlsVersions) Run(ctx context.Context, env *Env) (Outcome, error) {
	ports := env.tlsPorts()
	var accepted []string
	var data []map[string]any
	tlsSeen := false
	sev := finding.Medium
	for _, p := range ports {
		if _, ok := tlsIdentify(ctx, env, p); !ok {
			data = append(data, map[string]any{"port": p, "tls": false})
			continue
		}
		tlsSeen = true
		var vs []string
		for _, v := range []uint16{verSSL30, verTLS10, verTLS11, verTLS12} {
			f, err := tlsOffer(ctx, env, p, v, broadSuites())
			if err == nil && f.HelloSeen && f.Version == v {
				vs = append(vs, versionName(v))
				if v != verTLS12 {
					accepted = append(accepted, fmt.Sprintf("%s on tcp/%d", versionName(v), p))
				}
				if v == verSSL30 {
					sev = finding.High
				}
			}
		}
		data = append(data, map[string]any{"port": p, "tls": true, "versions": nonNil(vs)})
	}
	var o Outcome
	switch {
	case !tlsSeen:
		o = NotApplicable("no TLS server on tcp %s", portList(ports))
	case len(accepted) > 0:
		o = Vulnerable("the TLS server accepts obsolete protocol versions: %s", strings.Join(accepted, ", "))
		o.Severity = sev
	default:
		o = Passed("SSLv3, TLS 1.0 and TLS 1.1 are refused on tcp %s", portList(ports))
	}
	o.Data = map[string]any{"ports": data}
	return o, nil
}

// weakCiphers is ipa20.weak-ciphers: NULL, EXPORT, DES, 3DES, RC4, IDEA or
// anonymous suites accepted.
type weakCiphers struct{}

func (weakCiphers) Info() Info {
	return Info{
		ID: "ipa20.weak-ciphers", Item: 20,
		TitleEN: "Weak cipher suites accepted (NULL, EXPORT, DES, 3DES, RC4, IDEA, anonymous)",
		TitleJA: "弱い暗号スイート（NULL・EXPORT・DES・3DES・RC4・IDEA・匿名）の受け入れ",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
	}
}

func (weakCiphers) Run(ctx context.Context, env *Env) (Outcome, error) {
	ports := env.tlsPorts()
	var accepted []string
	var data []map[string]any
	tlsSeen := false
	for _, p := range ports {
		first, ok := tlsIdentify(ctx, env, p)
		if !ok {
			data = append(data, map[string]any{"port": p, "tls": false})
			continue
		}
		tlsSeen = true
		ver := verTLS12
		if first.HelloSeen && first.Version < verTLS12 && first.Version >= verSSL30 {
			ver = first.Version
		}
		groups := map[string]string{}
		for _, g := range weakSuiteGroups() {
			f, err := tlsOffer(ctx, env, p, ver, g.Suites)
			if err == nil && f.HelloSeen && slices.Contains(g.Suites, f.Suite) {
				name := suiteName(f.Suite)
				groups[g.Name] = name
				accepted = append(accepted, fmt.Sprintf("%s (%s) on tcp/%d", g.Name, name, p))
			}
		}
		data = append(data, map[string]any{"port": p, "tls": true, "accepted": groups})
	}
	var o Outcome
	switch {
	case !tlsSeen:
		o = NotApplicable("no TLS server on tcp %s", portList(ports))
	case len(accepted) > 0:
		o = Vulnerable("the TLS server accepts weak cipher suites: %s", strings.Join(accepted, ", "))
	default:
		o = Passed("no NULL, EXPORT, DES, 3DES, RC4, IDEA or anonymous suite is accepted on tcp %s", portList(ports))
	}
	o.Data = map[string]any{"ports": data}
	return o, nil
}

// tlsChain gets the server's certificate chain and whether it requested a
// client certificate: from the clear-text TLS 1.2 flight when the server
// speaks TLS ≤ 1.2, else with crypto/tls (TLS 1.3 encrypts both).
func tlsChain(ctx context.Context, env *Env, port int) (certs []*x509.Certificate, certReq bool, version string, err error) {
	f, ok := tlsIdentify(ctx, env, port)
	if !ok {
		return nil, false, "", errNotTLS
	}
	if f.HelloSeen && len(f.Certificates) > 0 {
		for _, der := range f.Certificates {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, false, "", fmt.Errorf("check: server certificate: %w", err)
			}
			certs = append(certs, c)
		}
		return certs, f.CertRequest, versionName(f.Version), nil
	}
	// TLS 1.3 only (or no certificate seen in clear).
	c, done, err := env.dialPort(ctx, "tcp", port)
	if err != nil {
		return nil, false, "", err
	}
	defer done()
	cfg := &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // the certificate is judged below, not trusted
		ServerName:         env.Target.Host,
		MinVersion:         tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			certs = cs.PeerCertificates
			return nil
		},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			certReq = true
			return &tls.Certificate{}, nil
		},
	}
	tc := tls.Client(c, cfg)
	herr := tc.HandshakeContext(ctx)
	if len(certs) == 0 {
		return nil, false, "", fmt.Errorf("check: TLS handshake: %w", herr)
	}
	return certs, certReq, versionName(tc.ConnectionState().Version), nil
}

var errNotTLS = errors.New("check: no TLS server")

// tlsCertificate is ipa20.certificate: the server's certificate is expired,
// not yet valid, self-signed or untrusted, for another name, weak or signed
// with SHA-1/MD5.
type tlsCertificate struct{}

func (tlsCertificate) Info() Info {
	return Info{
		ID: "ipa20.certificate", Item: 20,
		TitleEN: "Server certificate problems (validity, trust, name, key, signature)",
		TitleJA: "サーバ証明書の問題（有効期限・信頼性・名前・鍵長・署名）",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
	}
}

// judgeCertificate lists the problems of a chain presented for host at time
// now, with roots as trust anchors (nil: the system pool).
func judgeCertificate(chain []*x509.Certificate, host string, now time.Time, roots *x509.CertPool) []string {
	if len(chain) == 0 {
		return []string{"no certificate"}
	}
	leaf := chain[0]
	var p []string
	if now.After(leaf.NotAfter) {
		p = append(p, "expired on "+leaf.NotAfter.UTC().Format("2006-01-02"))
	}
	if now.Before(leaf.NotBefore) {
		p = append(p, "not valid before "+leaf.NotBefore.UTC().Format("2006-01-02"))
	}
	selfSigned := leaf.Subject.String() == leaf.Issuer.String() && leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, verr := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	switch {
	case selfSigned && verr != nil:
		p = append(p, "self-signed")
	case verr != nil && !isOnlyTimeError(verr):
		p = append(p, "untrusted chain ("+shortErr(verr)+")")
	}
	if host != "" {
		if err := leaf.VerifyHostname(host); err != nil {
			p = append(p, fmt.Sprintf("name does not match %q (%s)", host, certNames(leaf)))
		}
	}
	for i, c := range chain {
		who := "certificate"
		if i > 0 {
			who = fmt.Sprintf("chain certificate %d", i)
		}
		if k, ok := c.PublicKey.(*rsa.PublicKey); ok {
			if k.N.BitLen() < 2048 {
				p = append(p, fmt.Sprintf("%s has an RSA key of %d bits", who, k.N.BitLen()))
			}
			if k.E == 3 {
				p = append(p, who+" has RSA exponent 3")
			}
		}
		if i == len(chain)-1 && i > 0 && c.Subject.String() == c.Issuer.String() {
			continue // a root's self-signature is not relied upon
		}
		switch c.SignatureAlgorithm {
		case x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
			p = append(p, who+" is signed with SHA-1")
		case x509.MD5WithRSA, x509.MD2WithRSA:
			p = append(p, who+" is signed with MD5")
		}
	}
	return p
}

func isOnlyTimeError(err error) bool {
	var ce x509.CertificateInvalidError
	return errors.As(err, &ce) && ce.Reason == x509.Expired
}

func shortErr(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "x509: ")
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return s
}

func certNames(c *x509.Certificate) string {
	var n []string
	if c.Subject.CommonName != "" {
		n = append(n, "CN="+c.Subject.CommonName)
	}
	n = append(n, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		n = append(n, ip.String())
	}
	if len(n) == 0 {
		return "no names"
	}
	return strings.Join(n, ", ")
}

func (tlsCertificate) Run(ctx context.Context, env *Env) (Outcome, error) {
	ports := env.tlsPorts()
	var probs []string
	var data []map[string]any
	tlsSeen := false
	var lastErr error
	for _, p := range ports {
		chain, _, ver, err := tlsChain(ctx, env, p)
		if err != nil {
			if !errors.Is(err, errNotTLS) {
				lastErr = err
			}
			data = append(data, map[string]any{"port": p, "tls": !errors.Is(err, errNotTLS)})
			continue
		}
		tlsSeen = true
		ps := judgeCertificate(chain, env.Target.Host, env.Now(), env.Infra.RootCAs)
		leaf := chain[0]
		data = append(data, map[string]any{"port": p, "tls": true, "version": ver,
			"subject": leaf.Subject.String(), "issuer": leaf.Issuer.String(),
			"not_before": leaf.NotBefore.UTC().Format(time.RFC3339), "not_after": leaf.NotAfter.UTC().Format(time.RFC3339),
			"names": certNames(leaf), "signature": leaf.SignatureAlgorithm.String(), "problems": nonNil(ps)})
		for _, x := range ps {
			probs = append(probs, fmt.Sprintf("tcp/%d: %s", p, x))
		}
	}
	var o Outcome
	switch {
	case !tlsSeen && lastErr != nil:
		o = Inconclusive("TLS server found but its certificate could not be read: %v", lastErr)
	case !tlsSeen:
		o = NotApplicable("no TLS server on tcp %s", portList(ports))
	case len(probs) > 0:
		o = Vulnerable("the server certificate has problems: %s", strings.Join(probs, "; "))
	default:
		o = Passed("the server certificate is valid, trusted, names %s and uses a strong key and signature", env.Target.Host)
	}
	o.Data = map[string]any{"ports": data}
	return o, nil
}

// noClientAuth is ipa20.no-client-auth: the TLS server does not ask for a
// client certificate (informational: SIP peers then authenticate only at
// the SIP layer).
type noClientAuth struct{}

func (noClientAuth) Info() Info {
	return Info{
		ID: "ipa20.no-client-auth", Item: 20,
		TitleEN: "TLS server does not request a client certificate",
		TitleJA: "TLS サーバがクライアント証明書を要求しない",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
		Severity: finding.Info,
	}
}

func (noClientAuth) Run(ctx context.Context, env *Env) (Outcome, error) {
	ports := env.tlsPorts()
	var without, with []string
	var data []map[string]any
	for _, p := range ports {
		_, req, _, err := tlsChain(ctx, env, p)
		if err != nil {
			data = append(data, map[string]any{"port": p, "tls": false})
			continue
		}
		data = append(data, map[string]any{"port": p, "tls": true, "client_cert_requested": req})
		if req {
			with = append(with, fmt.Sprintf("tcp/%d", p))
		} else {
			without = append(without, fmt.Sprintf("tcp/%d", p))
		}
	}
	var o Outcome
	switch {
	case len(without) > 0:
		o = Vulnerable("the TLS server does not request a client certificate on %s (mutual TLS not used)", strings.Join(without, ", "))
	case len(with) > 0:
		o = Passed("the TLS server requests a client certificate on %s", strings.Join(with, ", "))
	default:
		o = NotApplicable("no TLS server on tcp %s", portList(ports))
	}
	o.Data = map[string]any{"ports": data}
	return o, nil
}
