package check

// authChecks are the authentication and identifier checks for registrars
// and proxies (items 01, 03, 13 and 14), in item order.
func authChecks() []Check {
	checks := []Check{
		deregisterSpoof{},
		cleartextChallenge{},
		onlineGuess{},
		serverIdentifiers{},
		cseqBump{},
	}
	return append(checks, digestChecks()...)
}
