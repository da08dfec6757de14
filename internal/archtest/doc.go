// Package archtest enforces the import rules of ARCHITECTURE.md: imports only
// go downward, pure packages do no I/O, only transport and the lab open
// sockets, only capture imports gopacket, report never imports network code.
// It has no code of its own; the rules live in its test.
package archtest
