package check

import (
	"testing"
)

// FuzzInfraParsers feeds hostile bytes to every parser of the
// infrastructure checks (GDB RSP, WDB RPC/XDR, TFTP, provisioning-file
// secrets, SNMP, adb, telnet, TLS server flights): none may panic, and
// outputs stay bounded.
func FuzzInfraParsers(f *testing.F) {
	f.Add([]byte("+$PacketSize=47ff#c2"))
	f.Add(wdbRequest(1, 1, 1))
	f.Add([]byte("\x00\x03\x00\x01account.1.password = x\n"))
	f.Add([]byte("<P34>pw</P34> password=\"a\""))
	f.Add([]byte{22, 3, 1, 0, 4, 14, 0, 0, 0})
	f.Add([]byte{21, 3, 1, 0, 2, 2, 40})
	f.Add(adbConnect())
	f.Add([]byte("\xff\xfd\x18\xff\xfa\x18"))
	f.Add([]byte{0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c', 0xa2, 0x19})
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, ok := parseGDBReply(b); ok && len(p) > len(b) {
			t.Fatal("gdb payload longer than input")
		}
		if _, res, err := parseWDBReply(b, 0); err == nil {
			_, _ = parseWDBTargetInfo(res)
		}
		_, _ = parseWDBTargetInfo(b)
		_, _ = parseTFTP(b)
		if s := findSecrets("f", b); len(s) > 64 {
			t.Fatalf("%d secrets", len(s))
		}
		_, _ = decodeSNMP(b)
		_, _ = parseADB(b)
		if s := telnetText(b); len(s) > 1000 {
			t.Fatalf("telnet text of %d bytes", len(s))
		}
		fl, _, _ := parseServerFlight(b)
		if len(fl.Certificates) > 10 {
			t.Fatal("too many certificates")
		}
		_ = printable(b, 80)
	})
}
