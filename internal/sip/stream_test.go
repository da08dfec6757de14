package sip

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadStreamMessage(t *testing.T) {
	const opt = "OPTIONS sip:a SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 3\r\n\r\nabc"
	const bye = "BYE sip:a SIP/2.0\r\nl:2\r\n\r\nxy"
	type result struct {
		msg string
		err error
	}
	cases := []struct {
		name string
		in   string
		lim  Limits
		want []result // one per call, in order
	}{
		{name: "one message then EOF", in: opt,
			want: []result{{msg: opt}, {err: io.EOF}}},
		{name: "keep-alives before and between", in: "\r\n\r\n" + opt + "\r\n\r\n\r\n" + bye + "\r\n",
			want: []result{{msg: opt}, {msg: bye}, {err: io.EOF}}},
		{name: "back to back", in: opt + bye + opt,
			want: []result{{msg: opt}, {msg: bye}, {msg: opt}, {err: io.EOF}}},
		{name: "missing Content-Length means empty body", in: "OPTIONS sip:a SIP/2.0\r\nCall-ID: 1\r\n\r\n" + bye,
			want: []result{{msg: "OPTIONS sip:a SIP/2.0\r\nCall-ID: 1\r\n\r\n"}, {msg: bye}}},
		{name: "LF-only", in: "OPTIONS sip:a SIP/2.0\nl: 1\n\nZ" + bye,
			want: []result{{msg: "OPTIONS sip:a SIP/2.0\nl: 1\n\nZ"}, {msg: bye}}},
		{name: "folded Content-Length", in: "OPTIONS sip:a SIP/2.0\r\nContent-Length:\r\n 2\r\n\r\nxy",
			want: []result{{msg: "OPTIONS sip:a SIP/2.0\r\nContent-Length:\r\n 2\r\n\r\nxy"}}},
		{name: "body cut short", in: "OPTIONS sip:a SIP/2.0\r\nl: 10\r\n\r\nabc",
			want: []result{{msg: "OPTIONS sip:a SIP/2.0\r\nl: 10\r\n\r\nabc", err: ErrTruncated}}},
		{name: "header block cut short", in: "OPTIONS sip:a SIP/2.0\r\nVia: x",
			want: []result{{msg: "OPTIONS sip:a SIP/2.0\r\nVia: x", err: ErrTruncated}}},
		{name: "bad Content-Length", in: "OPTIONS sip:a SIP/2.0\r\nl: -1\r\n\r\n",
			want: []result{{msg: "OPTIONS sip:a SIP/2.0\r\nl: -1\r\n\r\n", err: ErrContentLength}}},
		{name: "conflicting Content-Length", in: "OPTIONS sip:a SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nxx",
			want: []result{{msg: "OPTIONS sip:a SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\n", err: ErrContentLength}}},
		{name: "oversize body", in: "OPTIONS sip:a SIP/2.0\r\nl: 100\r\n\r\n" + strings.Repeat("b", 100), lim: Limits{MaxMessageSize: 64},
			want: []result{{msg: "OPTIONS sip:a SIP/2.0\r\nl: 100\r\n\r\n", err: ErrTooLarge}}},
		{name: "oversize header block", in: "OPTIONS sip:a SIP/2.0\r\nX: " + strings.Repeat("h", 100) + "\r\n\r\n", lim: Limits{MaxMessageSize: 40},
			want: []result{{msg: ("OPTIONS sip:a SIP/2.0\r\nX: " + strings.Repeat("h", 100))[:40], err: ErrTooLarge}}},
		{name: "long line", in: "OPTIONS sip:a SIP/2.0\r\nX: " + strings.Repeat("h", 100) + "\r\n\r\n", lim: Limits{MaxLineLength: 30},
			want: []result{{err: ErrTooLarge}}},
		{name: "too many headers", in: "OPTIONS sip:a SIP/2.0\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n", lim: Limits{MaxHeaders: 2},
			want: []result{{err: ErrTooLarge}}},
		{name: "only keep-alives", in: "\r\n\r\n\r\n",
			want: []result{{err: io.EOF}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A tiny buffer exercises lines longer than the bufio buffer.
			r := bufio.NewReaderSize(iotest.HalfReader(strings.NewReader(tc.in)), 16)
			for i, w := range tc.want {
				got, err := ReadStreamMessage(r, tc.lim)
				if w.err == nil && err != nil || w.err != nil && !errors.Is(err, w.err) {
					t.Fatalf("call %d: error %v, want %v", i, err, w.err)
				}
				if w.msg != "" && string(got) != w.msg {
					t.Fatalf("call %d: got %q, want %q", i, got, w.msg)
				}
				if w.err == io.EOF && err != io.EOF {
					t.Fatalf("call %d: EOF must be returned unwrapped, got %v", i, err)
				}
			}
		})
	}
}

func TestReadStreamMessageParses(t *testing.T) {
	r := bufio.NewReader(strings.NewReader("\r\n" + inviteText + inviteText))
	for i := range 2 {
		b, err := ReadStreamMessage(r, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(b)
		if err != nil || m.Method != "INVITE" || string(m.Body) != "v=0\n" {
			t.Fatalf("message %d: %v %+v", i, err, m)
		}
	}
}

func TestReadStreamMessageReaderError(t *testing.T) {
	boom := errors.New("boom")
	r := bufio.NewReader(io.MultiReader(strings.NewReader("OPTIONS sip:a SIP/2.0\r\nl: 5\r\n\r\nab"), iotest.ErrReader(boom)))
	if _, err := ReadStreamMessage(r, Limits{}); !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
}
