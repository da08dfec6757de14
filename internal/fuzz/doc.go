// Package fuzz is sipvet's protocol fuzzer for survey item 12 (malformed
// messages) and the codec-payload robustness that item 11 points to.
//
// It has two halves. The generators are pure and seeded: a Source turns a
// case number into bytes, so that, for the same Params (seed, target and
// local address), case N is always the same message. The sources are
// "torture" (RFC 4475 and RFC 5118 messages retargeted to the target),
// "protos" (PROTOS c07-sip-style element × anomaly groups over a valid
// INVITE and its SDP), "mutation" (seeded grammar-aware mutation), and
// "application" (SQL/HTML/shell payloads whose echo is detected), "stateful"
// (in-dialog requests) and "media" (RTP/RTCP/SDP inside a call).
//
// The Runner sends cases through internal/transport only, probes the
// target's liveness (OPTIONS, or INVITE/CANCEL) every ProbeEvery cases and
// after anomalies, classifies failures (no-answer, hang, slow, restart, and
// with a watched process exit, signal, sanitizer), and saves a reproducer
// directory per failure. Replay and Minimize (delta debugging) work from
// those directories.
package fuzz
