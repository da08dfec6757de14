package sip

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseMultipart(t *testing.T) {
	body := "preamble\r\n" +
		"--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n" +
		"--b1  \r\nContent-Type: application/pidf+xml\r\nContent-ID:\r\n <x@y>\r\n\r\n<p/>\r\n" +
		"--b1\r\n\r\nno headers\r\n" +
		"--b1--\r\nepilogue"
	parts, err := ParseMultipart(`multipart/mixed; boundary="b1"`, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []Part{
		{Headers: []Header{{"Content-Type", "application/sdp"}}, Body: []byte("v=0\r\n")},
		{Headers: []Header{{"Content-Type", "application/pidf+xml"}, {"Content-ID", "<x@y>"}}, Body: []byte("<p/>")},
		{Body: []byte("no headers")},
	}
	if !reflect.DeepEqual(parts, want) {
		t.Errorf("parts =\n%q\nwant\n%q", parts, want)
	}
	if parts[1].Get("content-id") != "<x@y>" {
		t.Error("Part.Get")
	}

	lf, err := ParseMultipart("multipart/alternative;boundary=zz", []byte("--zz\nA: 1\n\none\n--zz--\n"))
	if err != nil || len(lf) != 1 || string(lf[0].Body) != "one" {
		t.Errorf("LF-only: %q %v", lf, err)
	}

	bad := []struct {
		name, ct, body string
	}{
		{"not multipart", "application/sdp", "x"},
		{"no boundary", "multipart/mixed", "x"},
		{"no delimiter", "multipart/mixed;boundary=q", "hello"},
		{"no close", "multipart/mixed;boundary=q", "--q\r\n\r\nbody\r\n--q\r\n\r\nmore"},
		{"bad part header", "multipart/mixed;boundary=q", "--q\r\nnocolon\r\n\r\nx\r\n--q--"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseMultipart(tc.ct, []byte(tc.body)); !errors.Is(err, ErrMultipart) {
				t.Errorf("error %v, want ErrMultipart", err)
			}
		})
	}
}

func TestContentType(t *testing.T) {
	mt, ps := ContentType(` Multipart/Mixed ; boundary="a;b" ; charset=utf-8`)
	if mt != "multipart/mixed" || len(ps) != 2 || ps[0].Value != "a;b" || ps[1].Name != "charset" {
		t.Errorf("ContentType = %q %+v", mt, ps)
	}
}
