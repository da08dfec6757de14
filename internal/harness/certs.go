package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"
)

// CertKind names a server certificate the harness presents for ipa20.
type CertKind string

// The certificates of ipa20: one valid control and four invalid ones.
const (
	// CertValid is signed by the harness CA, names the harness, and is
	// current: a DUT that trusts the CA must accept it (the control).
	CertValid CertKind = "valid"
	// CertSelfSigned is signed by its own key.
	CertSelfSigned CertKind = "self-signed"
	// CertWrongName is signed by the CA but names another host.
	CertWrongName CertKind = "wrong-name"
	// CertExpired is signed by the CA, names the harness, and expired.
	CertExpired CertKind = "expired"
	// CertUntrustedCA is signed by a second CA the DUT was never given.
	CertUntrustedCA CertKind = "untrusted-ca"
)

// BadCertKinds returns the four invalid certificates in test order.
func BadCertKinds() []CertKind {
	return []CertKind{CertSelfSigned, CertWrongName, CertExpired, CertUntrustedCA}
}

// CA is the certificate authority of the harness. The user installs its
// certificate in the DUT so that the valid, wrong-name and expired
// certificates differ from an acceptable one in one property only.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// NewCA creates a CA valid from now-1h for ten years, keys from rnd.
func NewCA(rnd io.Reader, now time.Time, name string) (*CA, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, fmt.Errorf("harness: ca key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(rnd), Subject: pkix.Name{CommonName: name, Organization: []string{"sipvet harness"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rnd, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("harness: ca certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("harness: ca certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// CertPEM returns the CA certificate in PEM form.
func (ca *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// KeyPEM returns the CA private key in PEM form.
func (ca *CA) KeyPEM() ([]byte, error) {
	b, err := x509.MarshalECPrivateKey(ca.Key)
	if err != nil {
		return nil, fmt.Errorf("harness: ca key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b}), nil
}

// LoadCA parses a CA certificate and EC key in PEM form.
func LoadCA(certPEM, keyPEM []byte) (*CA, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, errors.New("harness: ca: no PEM block")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("harness: ca certificate: %w", err)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("harness: ca key: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("harness: ca: certificate is not a CA")
	}
	return &CA{Cert: cert, Key: key}, nil
}

func serial(rnd io.Reader) *big.Int {
	b := make([]byte, 16)
	_, _ = io.ReadFull(rnd, b)
	b[0] &= 0x7f
	n := new(big.Int).SetBytes(b)
	if n.Sign() == 0 {
		n.SetInt64(1)
	}
	return n
}

// Certificates builds the server certificate of each kind for the harness
// known to the DUT as name (an IP address or a DNS name).
func Certificates(ca *CA, rnd io.Reader, now time.Time, name string) (map[CertKind]tls.Certificate, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	other, err := NewCA(rnd, now, "sipvet untrusted CA")
	if err != nil {
		return nil, err
	}
	out := map[CertKind]tls.Certificate{}
	for _, k := range append([]CertKind{CertValid}, BadCertKinds()...) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
		if err != nil {
			return nil, fmt.Errorf("harness: %s key: %w", k, err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial(rnd), Subject: pkix.Name{CommonName: name, Organization: []string{"sipvet harness " + string(k)}},
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		setName(tmpl, name)
		parent, signer := ca.Cert, ca.Key
		switch k {
		case CertSelfSigned:
			parent, signer = tmpl, key
		case CertWrongName:
			tmpl.Subject.CommonName = "wrong-name.invalid"
			tmpl.IPAddresses, tmpl.DNSNames = nil, []string{"wrong-name.invalid"}
		case CertExpired:
			tmpl.NotBefore, tmpl.NotAfter = now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0)
		case CertUntrustedCA:
			parent, signer = other.Cert, other.Key
		}
		der, err := x509.CreateCertificate(rnd, tmpl, parent, &key.PublicKey, signer)
		if err != nil {
			return nil, fmt.Errorf("harness: %s certificate: %w", k, err)
		}
		chain := [][]byte{der}
		if k == CertUntrustedCA {
			chain = append(chain, other.Cert.Raw)
		}
		out[k] = tls.Certificate{Certificate: chain, PrivateKey: key}
	}
	return out, nil
}

func setName(t *x509.Certificate, name string) {
	if ip := net.ParseIP(name); ip != nil {
		t.IPAddresses = []net.IP{ip}
		return
	}
	t.DNSNames = []string{name}
}
