package sip

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ReadStreamMessage reads the raw bytes of one SIP message from a stream
// transport (TCP, TLS, WebSocket payload concatenations) as RFC 3261
// §18.3 frames them:
//
//   - CRLFs before the start line are keep-alives (§7.5, RFC 5626 §3.5.1)
//     and are skipped;
//   - the header block is read up to the empty line (CRLFCRLF or LFLF);
//   - then exactly Content-Length body bytes are read; a missing
//     Content-Length means an empty body, since the stream offers no other
//     delimiter.
//
// The returned bytes never exceed lim.MaxMessageSize. At a clean end of
// stream before any message byte, it returns io.EOF unwrapped. Other
// failures wrap ErrTooLarge, ErrContentLength or ErrTruncated (with
// io.ErrUnexpectedEOF), or the reader's error; after any error the stream
// position is undefined and the connection should be closed. The partial
// bytes read so far are returned with ErrTruncated for evidence.
func ReadStreamMessage(r *bufio.Reader, lim Limits) ([]byte, error) {
	lim = lim.withDefaults()
	for {
		c, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		if c != '\r' && c != '\n' {
			if err := r.UnreadByte(); err != nil {
				return nil, fmt.Errorf("sip: stream: %w", err)
			}
			break
		}
	}

	var buf []byte
	var lines []string
	headers := 0
	for {
		start := len(buf)
		var err error
		buf, err = readStreamLine(r, buf, lim)
		if err != nil {
			return buf, err
		}
		line := bytes.TrimRight(buf[start:], "\r\n")
		if len(line) == 0 {
			break
		}
		if line[0] != ' ' && line[0] != '\t' && len(lines) > 0 {
			headers++
			if headers > lim.MaxHeaders {
				return buf, fmt.Errorf("sip: stream: more than %d headers: %w", lim.MaxHeaders, ErrTooLarge)
			}
		}
		lines = append(lines, string(line))
	}

	// Find Content-Length; folding and compact forms are handled by
	// reusing the header parser.
	var m Message
	m.parseHeaders(lines[1:], lim)
	cl, err := contentLength(&m)
	if err != nil {
		return buf, fmt.Errorf("sip: stream: cannot frame body: %w", err)
	}
	if cl < 0 {
		cl = 0
	}
	if cl > lim.MaxMessageSize-len(buf) {
		return buf, fmt.Errorf("sip: stream: Content-Length %d exceeds limit %d: %w", cl, lim.MaxMessageSize, ErrTooLarge)
	}
	hdr := len(buf)
	buf = append(buf, make([]byte, cl)...)
	n, err := io.ReadFull(r, buf[hdr:])
	if err != nil {
		buf = buf[:hdr+n]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return buf, fmt.Errorf("sip: stream: body has %d of %d bytes: %w: %w", n, cl, ErrTruncated, io.ErrUnexpectedEOF)
		}
		return buf, fmt.Errorf("sip: stream: reading body: %w", err)
	}
	return buf, nil
}

// readStreamLine appends one line, LF included, to buf, enforcing the line
// and message limits.
func readStreamLine(r *bufio.Reader, buf []byte, lim Limits) ([]byte, error) {
	lineStart := len(buf)
	for {
		chunk, err := r.ReadSlice('\n')
		if len(buf)+len(chunk) > lim.MaxMessageSize {
			room := lim.MaxMessageSize - len(buf)
			buf = append(buf, chunk[:room]...)
			return buf, fmt.Errorf("sip: stream: header block exceeds %d bytes: %w", lim.MaxMessageSize, ErrTooLarge)
		}
		buf = append(buf, chunk...)
		if len(buf)-lineStart > lim.MaxLineLength+2 {
			return buf, fmt.Errorf("sip: stream: line exceeds %d bytes: %w", lim.MaxLineLength, ErrTooLarge)
		}
		switch {
		case err == nil:
			return buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return buf, fmt.Errorf("sip: stream: header block ends after %d bytes: %w: %w", len(buf), ErrTruncated, io.ErrUnexpectedEOF)
		default:
			return buf, fmt.Errorf("sip: stream: %w", err)
		}
	}
}
