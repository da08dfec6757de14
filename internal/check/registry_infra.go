package check

// infraChecks are the scan checks for what a SIP product exposes besides
// SIP (items 17, 18, 19 and the server side of 20), in item order.
func infraChecks() []Check {
	return []Check{
		gdbServer{},
		vxWorksWDB{},
		remoteShells{},
		httpAdmin{},
		tftpConfig{},
		snmpDefault{},
		telnetOpen{},
		snmpWalk{},
		tlsVersions{},
		weakCiphers{},
		tlsCertificate{},
		noClientAuth{},
	}
}
