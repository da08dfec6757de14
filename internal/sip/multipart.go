package sip

import (
	"bytes"
	"fmt"
	"strings"
)

// Part is one body part of a multipart body (RFC 2046 §5.1, RFC 5621).
type Part struct {
	// Headers are the part's MIME headers in wire order.
	Headers []Header
	// Body is the part's content, without the CRLF that precedes the
	// next boundary delimiter.
	Body []byte
}

// Get returns the first value of the named part header
// (case-insensitive), or "".
func (p Part) Get(name string) string {
	for _, h := range p.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// ContentType returns the media type of a Content-Type value (lower-cased,
// without parameters) and its parameters with quotes removed.
func ContentType(v string) (string, []Param) {
	mt, rest, _ := strings.Cut(v, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	parts, err := splitQuoted(rest, ';')
	if err != nil {
		parts = strings.Split(rest, ";")
	}
	var ps []Param
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			continue
		}
		name, value, has := strings.Cut(p, "=")
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		ps = append(ps, Param{Name: strings.TrimSpace(name), Value: value, HasValue: has})
	}
	return mt, ps
}

// ParseMultipart splits a multipart body (Content-Type multipart/*, with a
// boundary parameter) into its parts. LF-only line ends are tolerated.
// Errors wrap ErrMultipart.
func ParseMultipart(contentType string, body []byte) ([]Part, error) {
	mt, ps := ContentType(contentType)
	if !strings.HasPrefix(mt, "multipart/") {
		return nil, fmt.Errorf("sip: content type %q is not multipart: %w", mt, ErrMultipart)
	}
	boundary, ok := lookupParam(ps, "boundary")
	if !ok || boundary == "" || len(boundary) > 70 {
		return nil, fmt.Errorf("sip: multipart boundary %q missing or invalid: %w", boundary, ErrMultipart)
	}
	delim := []byte("--" + boundary)

	// Locate each delimiter line: "--boundary" at the start of the body
	// or after a line break.
	var starts []int // index of each delimiter
	for i := 0; i <= len(body)-len(delim); {
		j := bytes.Index(body[i:], delim)
		if j < 0 {
			break
		}
		at := i + j
		if at == 0 || body[at-1] == '\n' {
			starts = append(starts, at)
		}
		i = at + len(delim)
	}
	if len(starts) == 0 {
		return nil, fmt.Errorf("sip: multipart: no boundary delimiter: %w", ErrMultipart)
	}
	var parts []Part
	closed := false
	for k, at := range starts {
		after := at + len(delim)
		if bytes.HasPrefix(body[after:], []byte("--")) {
			closed = true
			break
		}
		// Skip transport padding to the end of the delimiter line.
		nl := bytes.IndexByte(body[after:], '\n')
		if nl < 0 || k+1 >= len(starts) {
			break
		}
		content := body[after+nl+1 : starts[k+1]]
		// The line break before the next delimiter belongs to it.
		content = bytes.TrimSuffix(content, []byte("\n"))
		content = bytes.TrimSuffix(content, []byte("\r"))
		p, err := parsePart(content)
		if err != nil {
			return parts, err
		}
		parts = append(parts, p)
	}
	if !closed {
		return parts, fmt.Errorf("sip: multipart: missing close delimiter: %w", ErrMultipart)
	}
	return parts, nil
}

func parsePart(b []byte) (Part, error) {
	var p Part
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return p, fmt.Errorf("sip: multipart: part headers not terminated: %w", ErrMultipart)
		}
		line := string(bytes.TrimSuffix(b[:nl], []byte("\r")))
		b = b[nl+1:]
		if line == "" {
			p.Body = bytes.Clone(b)
			return p, nil
		}
		if (line[0] == ' ' || line[0] == '\t') && len(p.Headers) > 0 {
			h := &p.Headers[len(p.Headers)-1]
			h.Value = strings.TrimSpace(h.Value + " " + strings.TrimSpace(line))
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isToken(strings.TrimSpace(name)) {
			return p, fmt.Errorf("sip: multipart: part header %q: %w", truncate(line, 64), ErrMultipart)
		}
		p.Headers = append(p.Headers, Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	// A part with headers only (or nothing) and no body.
	return p, nil
}
