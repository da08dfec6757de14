// Command fragile is a deliberately fragile SIP UDP server for sipvet's
// fuzzing tests. It answers requests with 200 OK and has planted bugs:
//
//   - a method name longer than 1,024 bytes: panics (exit status 2);
//   - a negative CSeq number: aborts (killed by SIGABRT);
//   - a Content-Length larger than the body: hangs (stops reading) for -hang;
//   - 1,000 or more Via header lines: delays every answer by -slow for -slowfor;
//   - "%n" in User-Agent: prints an AddressSanitizer-style report on stderr
//     and carries on;
//   - Expires 4294967296: "reboots" (its Server header and To tags change).
//
// It is a test program under testdata/, built by the tests with go build.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:5060", "UDP address to serve")
	hang := flag.Duration("hang", 30*time.Second, "how long a Content-Length mismatch hangs the server")
	slow := flag.Duration("slow", 400*time.Millisecond, "delay of each answer while slow")
	slowFor := flag.Duration("slowfor", 1500*time.Millisecond, "how long the server stays slow")
	flag.Parse()
	pc, err := net.ListenPacket("udp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fragile:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "fragile: listening on", pc.LocalAddr())
	boot := 1
	var slowUntil time.Time
	buf := make([]byte, 65536)
	for n := 0; ; n++ {
		k, from, err := pc.ReadFrom(buf)
		if err != nil {
			continue
		}
		msg := buf[:k]
		head, body, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
		lines := strings.Split(string(head), "\r\n")
		method, _, _ := strings.Cut(lines[0], " ")
		if strings.HasPrefix(lines[0], "SIP/2.0") {
			continue
		}
		if len(method) > 1024 {
			panic(fmt.Sprintf("method name of %d bytes overflows the method buffer", len(method)))
		}
		vias := 0
		hdr := map[string]string{}
		for _, l := range lines[1:] {
			name, value, ok := strings.Cut(l, ":")
			if !ok {
				continue
			}
			name = strings.ToLower(strings.TrimSpace(name))
			value = strings.TrimSpace(value)
			if name == "via" || name == "v" {
				vias++
			}
			if _, seen := hdr[name]; !seen {
				hdr[name] = value
			}
		}
		if cseq := hdr["cseq"]; strings.HasPrefix(cseq, "-") {
			debug.SetTraceback("crash")
			var p *[4]int
			fmt.Println(p[int(cseq[1])%4]) // nil dereference, then SIGABRT
		}
		if cl, err := strconv.Atoi(hdr["content-length"]); err == nil && cl > len(body) {
			time.Sleep(*hang)
			continue
		}
		if vias >= 1000 {
			slowUntil = time.Now().Add(*slowFor)
		}
		if strings.Contains(hdr["user-agent"], "%n") {
			fmt.Fprintf(os.Stderr, "==%d==ERROR: AddressSanitizer: stack-buffer-overflow on address 0x7ffd%08x (format string in User-Agent)\n", os.Getpid(), n)
		}
		if hdr["expires"] == "4294967296" {
			boot++
		}
		if method == "ACK" {
			continue
		}
		delay := time.Duration(0)
		if time.Now().Before(slowUntil) {
			delay = *slow
		}
		var out strings.Builder
		out.WriteString("SIP/2.0 200 OK\r\n")
		for _, l := range lines[1:] {
			name, _, _ := strings.Cut(l, ":")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "via", "v", "from", "f", "call-id", "i", "cseq":
				out.WriteString(l + "\r\n")
			case "to", "t":
				out.WriteString(l + ";tag=fragile-boot" + strconv.Itoa(boot) + "-" + strconv.Itoa(n) + "\r\n")
			}
		}
		fmt.Fprintf(&out, "Server: fragile/1.0 boot-%d\r\nContent-Length: 0\r\n\r\n", boot)
		go func(b []byte) {
			time.Sleep(delay)
			_, _ = pc.WriteTo(b, from)
		}([]byte(out.String()))
	}
}
