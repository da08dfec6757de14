// Package lab is sipvet's embedded, deliberately vulnerable SIP target
// (SPEC §8): one in-process SIP element that is a registrar with digest
// authentication, a stateless proxy to registered contacts, and an
// auto-answering user agent with an RTP endpoint, in which every flaw
// sipvet checks for can be switched on or off.
//
// Start it like httptest.NewServer: it listens on free loopback ports by
// default, Targets lists where it is reachable, and Close stops every
// goroutine and frees every port.
//
//	l, err := lab.Start(ctx, lab.Options{Profile: "hardened", Vulns: []string{"14.nc-replay"}})
//	...
//	defer l.Close()
//	fmt.Println(l.Targets()) // [udp://127.0.0.1:40123 tcp://127.0.0.1:40127]
//
// # Profiles and flags
//
// Each flaw is a flag named "NN.short-name" after the survey item it belongs
// to (FlagHelp lists them). The "vulnerable" profile switches every flag on;
// "hardened" switches every flag off, which gives strict behaviour:
// authentication for REGISTER, INVITE, MESSAGE, SUBSCRIBE and REFER,
// single-use nonces with nc checking that expire after 30 s, Authorization
// username and uri bound to the request, responses sent to the packet source,
// 415 for bodies other than application/sdp, 405 for INFO, UPDATE, NOTIFY
// and PUBLISH outside a dialog, and a Server header without a version.
// Options.Vulns then switches single flags or whole items on ("14",
// "14.nc-replay") or off ("-19").
//
// # Addresses served
//
// Request-URIs are routed by their user part:
//
//   - "echo" or no user (the lab itself): the auto-answering UA. INVITE gets
//     100, 180 and 200 with an SDP answer; the RTP port echoes every RTP
//     packet back to its sender, sends a 1 kHz PCMU (or PCMA) tone every
//     20 ms and answers RTCP with a receiver report. A call ends at BYE or
//     after Options.MaxCall (60 s).
//   - "ring": like echo, but rings (180) for Options.RingTime before
//     answering, so that CANCEL (200 + 487) can be exercised.
//   - a user with a registration binding: the request is forwarded
//     statelessly to the bound Contact; responses come back through the lab.
//   - a user of Options.Users without a binding: 480.
//   - an outside number (a telephone number of five or more digits): answered
//     like echo, as if a gateway had connected the call.
//   - anything else: 404.
package lab
