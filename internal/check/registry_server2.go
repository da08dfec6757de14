package check

// server2Checks are the scan checks for SIP servers of items 04, 06, 07,
// 16 (server side) and 19 (enumeration, discovery), in item order.
func server2Checks() []Check {
	return []Check{
		noIntegrity{},
		unexpectedBody{},
		viaReflection{},
		routeRelay{},
		flood{},
		extMethods{},
		referTrigger{},
		viaSelf(),
		viaBroadcast(),
		recordRouteLoopback(),
		userEnum{},
		discovery{},
	}
}
