package check

import (
	"bufio"
	"context"
	"crypto/tls"
	_ "embed" // the built-in credential list
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

//go:embed data/http-credentials.txt
var httpCredentialsFile string

// ParseCredentials parses a credential list: one "user:password" per line,
// blank lines and "#" comments ignored (bounded to 10 000 entries). A line
// without a colon is an error naming its number.
func ParseCredentials(r io.Reader) ([]Credential, error) {
	var out []Credential
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, p, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("check: credentials line %d: want user:password", n)
		}
		out = append(out, Credential{User: u, Password: p})
		if len(out) > 10000 {
			return nil, fmt.Errorf("check: credentials: more than 10000 entries")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("check: credentials: %w", err)
	}
	return out, nil
}

// DefaultCredentials returns the built-in web-admin credential list.
func DefaultCredentials() []Credential {
	c, _ := ParseCredentials(strings.NewReader(httpCredentialsFile))
	return c
}

// httpAdmin is ipa18.http-admin: web management reachable in clear, without
// authentication, or with a default credential.
type httpAdmin struct{}

func (httpAdmin) Info() Info {
	return Info{
		ID: "ipa18.http-admin", Item: 18,
		TitleEN: "Web management interface: cleartext, no authentication or default credentials",
		TitleJA: "Web 管理画面：平文・認証なし・既定の認証情報",
		Modes:   []Mode{ModeScan}, Roles: []Role{RoleAny},
	}
}

func httpDefaultPorts() []int { return []int{80, 443, 8080, 8443, 8000, 8888} }

// httpBodyLimit bounds what is read of each response body.
const httpBodyLimit = 64 << 10

// webPort is what ipa18.http-admin saw on one port.
type webPort struct {
	Port     int
	Scheme   string // http or https; "" when no web server
	Status   int
	Auth     string // Basic, Digest, form or ""
	Server   string
	Default  *Credential
	Problems []string
}

func (httpAdmin) Run(ctx context.Context, env *Env) (Outcome, error) {
	rd, ok := env.Dialer.(RawDialer)
	if !ok {
		return Outcome{}, fmt.Errorf("ipa18.http-admin: %w", errNoRawDialer)
	}
	creds := append(DefaultCredentials(), env.Infra.Credentials...)
	ports := env.infraPorts(httpDefaultPorts()...)
	var wps []webPort
	for _, p := range ports {
		if ctx.Err() != nil {
			break
		}
		wps = append(wps, probeWeb(ctx, env, rd, p, creds))
	}
	return judgeHTTPAdmin(env, wps, ports, len(creds)), nil
}

// webClient is an HTTP client whose connections go through the raw dialer.
func webClient(ctx context.Context, rd RawDialer) *http.Client {
	tr := &http.Transport{
		DialContext: transport.NetDialFunc(func(_ context.Context, network, hostport string) (transport.RawConn, error) {
			return rd.DialRaw(ctx, network, hostport)
		}),
		TLSClientConfig:        &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10}, //nolint:gosec // a scanner talks to self-signed devices
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

type webResp struct {
	status int
	header http.Header
	body   []byte
}

func webGet(ctx context.Context, cl *http.Client, url, authz string, env *Env) (webResp, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return webResp{}, err
	}
	req.Header.Set("User-Agent", env.UserAgent)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	res, err := cl.Do(req)
	if err != nil {
		return webResp{}, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, httpBodyLimit))
	return webResp{status: res.StatusCode, header: res.Header, body: body}, nil
}

func probeWeb(ctx context.Context, env *Env, rd RawDialer, port int, creds []Credential) webPort {
	wp := webPort{Port: port}
	pctx, cancel := context.WithTimeout(ctx, env.portTimeout()*time.Duration(2))
	defer cancel()
	cl := webClient(pctx, rd)
	defer cl.CloseIdleConnections()
	host := target.JoinHostPort(env.Target.Host, port)
	var first webResp
	var err error
	// TLS first: a plain request to an HTTPS port often gets an HTTP
	// error page back (nginx: 400 "plain HTTP request was sent to HTTPS
	// port"), while a ClientHello to a plain port fails at once.
	for _, scheme := range []string{"https", "http"} {
		first, err = webGet(pctx, cl, scheme+"://"+host+"/", "", env)
		if err == nil {
			wp.Scheme = scheme
			break
		}
		if errors.Is(err, context.DeadlineExceeded) && scheme == "https" {
			// A silent plain server times out on the ClientHello; give
			// plain HTTP a fresh budget.
			cancel()
			pctx, cancel = context.WithTimeout(ctx, env.portTimeout())
			defer cancel()
			cl = webClient(pctx, rd)
		}
	}
	if wp.Scheme == "" {
		return wp
	}
	wp.Status, wp.Server = first.status, first.header.Get("Server")
	url := wp.Scheme + "://" + host + "/"
	if wp.Scheme == "http" {
		wp.Problems = append(wp.Problems, "cleartext HTTP")
	}
	switch {
	case first.status == http.StatusUnauthorized:
		ch := first.header.Values("WWW-Authenticate")
		wp.Auth = authScheme(ch)
		// Default credentials: a fresh budget, bounded by the list size.
		cctx, ccancel := context.WithTimeout(ctx, env.portTimeout()*time.Duration(4+len(creds)/4))
		defer ccancel()
		ccl := webClient(cctx, rd)
		defer ccl.CloseIdleConnections()
		for _, c := range creds {
			if cctx.Err() != nil {
				break
			}
			ok, err := tryWebCredential(cctx, ccl, url, ch, c, env)
			if err != nil {
				continue
			}
			if ok {
				cc := c
				wp.Default = &cc
				wp.Problems = append(wp.Problems, fmt.Sprintf("default credential %s:%s accepted (%s)", c.User, env.Mask(c.Password), wp.Auth))
				break
			}
		}
	case first.status >= 200 && first.status < 300:
		if loginForm(first.body) {
			wp.Auth = "form"
		} else {
			wp.Problems = append(wp.Problems, fmt.Sprintf("served without authentication (%d)", first.status))
		}
	}
	return wp
}

func authScheme(chs []string) string {
	var out []string
	for _, c := range chs {
		s, _, _ := strings.Cut(strings.TrimSpace(c), " ")
		out = append(out, s)
	}
	return strings.Join(out, "+")
}

// tryWebCredential answers the server's challenge (Digest preferred over
// Basic) with c and reports whether the server let it in.
func tryWebCredential(ctx context.Context, cl *http.Client, url string, chs []string, c Credential, env *Env) (bool, error) {
	var authz string
	for _, h := range chs {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(h)), "digest") {
			// Fetch a fresh nonce for each attempt.
			r, err := webGet(ctx, cl, url, "", env)
			if err != nil {
				return false, err
			}
			for _, h2 := range r.header.Values("WWW-Authenticate") {
				if strings.HasPrefix(strings.ToLower(strings.TrimSpace(h2)), "digest") {
					h = h2
				}
			}
			ch, err := digest.ParseChallenge(h)
			if err != nil {
				return false, err
			}
			cn := make([]byte, 8)
			_, _ = io.ReadFull(env.Rand, cn)
			path := url[strings.Index(url[len("https://"):], "/")+len("https://"):]
			cred, err := digest.Answer(ch, c.User, c.Password, digest.Request{Method: http.MethodGet, URI: path}, fmt.Sprintf("%x", cn), 1)
			if err != nil {
				return false, err
			}
			authz = cred.String()
			break
		}
	}
	if authz == "" {
		authz = "Basic " + base64.StdEncoding.EncodeToString([]byte(c.User+":"+c.Password))
	}
	r, err := webGet(ctx, cl, url, authz, env)
	if err != nil {
		return false, err
	}
	return r.status >= 200 && r.status < 400, nil
}

// loginForm reports whether an HTML page holds a password field.
func loginForm(body []byte) bool {
	return regexp.MustCompile(`(?i)<input[^>]+type\s*=\s*["']?password`).Match(body)
}

func judgeHTTPAdmin(env *Env, wps []webPort, ports []int, tried int) Outcome {
	var found, probs []string
	serious := false
	var data []map[string]any
	for _, w := range wps {
		if w.Scheme == "" {
			data = append(data, map[string]any{"port": w.Port, "found": false})
			continue
		}
		found = append(found, fmt.Sprintf("%s/%d", w.Scheme, w.Port))
		m := map[string]any{"port": w.Port, "found": true, "scheme": w.Scheme, "status": w.Status, "auth": w.Auth, "server": w.Server, "problems": nonNil(w.Problems)}
		if w.Default != nil {
			m["credential"] = map[string]any{"user": w.Default.User, "password": env.Mask(w.Default.Password)}
		}
		data = append(data, m)
		for _, p := range w.Problems {
			probs = append(probs, fmt.Sprintf("%s/%d: %s", w.Scheme, w.Port, p))
			serious = serious || !strings.HasPrefix(p, "cleartext")
		}
	}
	var o Outcome
	switch {
	case len(found) == 0:
		o = Passed("no web server found on ports %s", portList(ports))
	case len(probs) == 0:
		o = Passed("web interface on %s is served over TLS and requires authentication (Basic/Digest: %d default credentials refused; login forms are not guessed)", strings.Join(found, ", "), tried)
	default:
		o = Vulnerable("web management weaknesses: %s", strings.Join(probs, "; "))
		if !serious {
			o.Severity = finding.Medium // cleartext only: credentials can be sniffed
		}
	}
	o.Data = map[string]any{"ports": data, "credentials_tried": tried}
	return o
}
