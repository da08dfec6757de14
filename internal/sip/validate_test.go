package sip

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	// base returns a valid OPTIONS with the given header lines replaced
	// (name: value) or removed (name: "").
	base := func(edit map[string]string, body string) *Message {
		m := NewRequest("OPTIONS", "sip:bob@example.com")
		m.Add("Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1")
		m.Add("Max-Forwards", "70")
		m.Add("From", "<sip:alice@example.com>;tag=1")
		m.Add("To", "<sip:bob@example.com>")
		m.Add("Call-ID", "c1")
		m.Add("CSeq", "1 OPTIONS")
		for name, value := range edit {
			if value == "" {
				m.Del(name)
			} else {
				m.Set(name, value)
			}
		}
		if _, ok := edit["Content-Length"]; !ok {
			m.Set("Content-Length", strconv.Itoa(len(body)))
		}
		m.Body = []byte(body)
		return m
	}
	cases := []struct {
		name string
		m    *Message
		want []error
	}{
		{"clean", base(nil, ""), nil},
		{"clean with body", base(map[string]string{"Content-Type": "text/plain"}, "hi"), nil},
		{"body without Content-Type", base(nil, "hi"), []error{ErrMissingHeader}},
		{"Content-Length mismatch", base(map[string]string{"Content-Length": "5", "Content-Type": "text/plain"}, "hi"), []error{ErrContentLength}},
		{"missing Via", base(map[string]string{"Via": ""}, ""), []error{ErrMissingHeader}},
		{"no branch", base(map[string]string{"Via": "SIP/2.0/UDP h"}, ""), []error{ErrVia}},
		{"bad Via", base(map[string]string{"Via": "garbage"}, ""), []error{ErrVia}},
		{"From without tag", base(map[string]string{"From": "<sip:a@b>"}, ""), []error{ErrNameAddr}},
		{"Max-Forwards text", base(map[string]string{"Max-Forwards": "ten"}, ""), []error{ErrValue}},
		{"Max-Forwards zero", base(map[string]string{"Max-Forwards": "0"}, ""), []error{ErrUnsupported}},
		{"CSeq mismatch", base(map[string]string{"CSeq": "1 INVITE"}, ""), []error{ErrMismatch}},
		{"CSeq overflow", base(map[string]string{"CSeq": "4294967296 OPTIONS"}, ""), []error{ErrCSeq}},
		{"Call-ID with space", base(map[string]string{"Call-ID": "a b"}, ""), []error{ErrValue}},
		{"Expires overflow", base(map[string]string{"Expires": "4294967296"}, ""), []error{ErrValue}},
		{"Contact expires ok and star", base(map[string]string{"Contact": "<sip:a@b>;expires=60, *"}, ""), nil},
		{"Route addr-spec", base(map[string]string{"Route": "sip:p1;lr"}, ""), []error{ErrNameAddr}},
		{"Route ok", base(map[string]string{"Route": "<sip:p1;lr>, <sip:p2;lr>"}, ""), nil},
		{"Date ok", base(map[string]string{"Date": "Sat, 13 Nov 2010 23:29:00 GMT"}, ""), nil},
		{"Date bad", base(map[string]string{"Date": "yesterday"}, ""), []error{ErrValue}},
		{"Warning ok", base(map[string]string{"Warning": `399 host "text", 370 h2 "x"`}, ""), nil},
		{"Require known", base(map[string]string{"Require": "100rel, timer"}, ""), nil},
		{"tel Request-URI", func() *Message { m := base(nil, ""); m.RequestURI = "tel:+1234"; return m }(), nil},
		{"Digest Authorization", base(map[string]string{"Authorization": `Digest username="a", realm="r"`}, ""), nil},
		{"bad version", func() *Message { m := base(nil, ""); m.Version = "SIP/3.0"; return m }(), []error{ErrVersion}},
		{"response ok", func() *Message {
			r := NewResponse(base(nil, ""), 200, "")
			return r
		}(), nil},
		{"response missing headers", &Message{StatusCode: 200, Reason: "OK", Version: "SIP/2.0"}, []error{ErrMissingHeader}},
		{"response bad code", &Message{StatusCode: 42, Version: "SIP/2.0"}, []error{ErrStartLine}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Validate(tc.m)
			if tc.want == nil && got != nil {
				t.Fatalf("Validate = %v, want none", got)
			}
			for _, w := range tc.want {
				if !slicesHasErr(got, w) {
					t.Errorf("Validate = %v, want one wrapping %v", got, w)
				}
			}
			for _, e := range got {
				if !strings.HasPrefix(e.Error(), "sip: ") {
					t.Errorf("error %q lacks the package prefix", e)
				}
				if !isSentinel(e) {
					t.Errorf("error %q wraps no sentinel", e)
				}
			}
		})
	}
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrEmpty, ErrStartLine, ErrVersion, ErrHeader, ErrContentLength, ErrTooLarge, ErrTruncated,
		ErrURI, ErrNameAddr, ErrVia, ErrCSeq, ErrMissingHeader, ErrMismatch, ErrValue, ErrDuplicate, ErrUnsupported, ErrMultipart} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
