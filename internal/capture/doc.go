// Package capture audits packet captures the way an eavesdropper would: it
// reads pcap and pcapng files (the only package of sipvet that imports
// gopacket), reassembles IP fragments and SIP over TCP, follows SIP dialogs
// and transactions, ties SDP offers and answers to RTP/RTCP flows (or finds
// RTP by heuristics), and reports what leaked: digest exchanges over
// cleartext, SDES keys, decodable or decryptable audio, DTMF digits,
// identifiers, signs of RTP injection and RTCP spoofing, and the size
// information a variable-bit-rate SRTP stream gives away.
//
// The file reading (Read, ReadFile) turns frames into Packet values; the
// analysis (Analyzer) is pure and works on Packet values only, so tests and
// fuzzers drive it without any capture file. Memory grows with the dialogs
// and streams active at the same time, not with the size of the capture:
// idle dialogs, streams and TCP connections are finished and dropped.
package capture
