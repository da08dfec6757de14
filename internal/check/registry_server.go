package check

// serverChecks are the scan checks for registrars, proxies and PBXs
// (items 01, 03, 04, 06, 07, 13, 14, 16, 19), in item order.
func serverChecks() []Check {
	return []Check{
		registerNoAuth{},
		fingerprint{},
	}
}
