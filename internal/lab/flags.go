package lab

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Profile names accepted by Options.Profile.
const (
	// ProfileVulnerable switches every flag on.
	ProfileVulnerable = "vulnerable"
	// ProfileHardened switches every flag off: authentication everywhere,
	// single-use nonces with nc checking, replies to the packet source, 415
	// for unknown bodies and a Server header without a version.
	ProfileHardened = "hardened"
)

// Flag names, one per switchable flaw. The number before the dot is the
// survey item the flaw belongs to.
const (
	FlagRegisterNoAuth      = "01.register-noauth"
	FlagUnexpectedBody      = "04.unexpected-body"
	FlagViaReflection       = "06.via-reflection"
	FlagMethods             = "07.methods"
	FlagNCReplay            = "14.nc-replay"
	FlagForeignNonce        = "14.foreign-nonce"
	FlagUnchallengedMethods = "14.unchallenged-methods"
	FlagUserMismatch        = "14.user-mismatch"
	FlagURIMismatch         = "14.uri-mismatch"
	FlagVersionBanner       = "19.version-banner"
	FlagNoIntegrity         = "04.no-integrity"
	FlagRouteRelay          = "06.route-relay"
	FlagReferTrigger        = "07.refer-trigger"
	FlagAddressLoop         = "16.address-loop"
	FlagUserEnum            = "19.user-enum"
	FlagOnlineGuess         = "03.online-guess"
	FlagPredictableIDs      = "13.predictable-ids"
	FlagCSeqBump            = "13.cseq-bump"
	FlagRealmMismatch       = "14.realm-mismatch"
	FlagQopDowngrade        = "14.qop-downgrade"
	FlagMD5Only             = "14.md5-only"
	// UA and media flaws (vuln_ua.go).
	FlagDialogForeignSource = "01.dialog-foreign-source"
	FlagRTPLatch            = "09.rtp-latch"
	FlagRTCPBye             = "10.rtcp-bye"
	FlagRTCPLoss            = "10.rtcp-loss"
	FlagBadSDPAddress       = "16.bad-sdp-address"
	FlagSDESCleartext       = "21.sdes-cleartext"
	FlagVBR                 = "22.vbr"
)

// ErrUnknownFlag is wrapped when Options.Vulns names no known flag or item.
var ErrUnknownFlag = errors.New("lab: unknown vulnerability flag")

// ErrUnknownProfile is wrapped when Options.Profile is not a known profile.
var ErrUnknownProfile = errors.New("lab: unknown profile")

// FlagInfo describes one switchable flaw.
type FlagInfo struct {
	// Name is the flag key, "NN.short-name".
	Name string
	// Help is a one-line description of what the lab does when the flag is on
	// (and, after the semicolon, when it is off).
	Help string
}

// FlagHelp returns every switchable flag with its description, sorted by name.
// Adding a flaw to the lab means adding one line here and one branch where it
// is consulted.
func FlagHelp() []FlagInfo {
	flags := []FlagInfo{
		{FlagRegisterNoAuth, "REGISTER without credentials is accepted and the binding stored, for any AOR; off: 401 challenge"},
		{FlagUnexpectedBody, "INVITE with an unsupported Content-Type/Content-Disposition (image/jpeg, render) is answered 200; off: 415"},
		{FlagViaReflection, "UDP responses go to the Via sent-by address when the Via has no rport; off: always to the packet source"},
		{FlagMethods, "out-of-dialog INFO/SUBSCRIBE/NOTIFY/UPDATE/REFER/MESSAGE/PUBLISH answered 2xx without authentication; off: 405 or 401"},
		{FlagNCReplay, "a reused nonce+nc+cnonce (or a non-increasing nc) is accepted; off: nc must grow, qop-less nonces are single-use"},
		{FlagForeignNonce, "nonces the lab never issued (or that expired) are accepted; off: 401 (stale=true after 30 s)"},
		{FlagUnchallengedMethods, "INVITE (also to outside numbers), MESSAGE, SUBSCRIBE and REFER are served without a challenge; off: 401"},
		{FlagUserMismatch, "Authorization username different from the To (REGISTER) or From user is accepted; off: 403"},
		{FlagURIMismatch, "Authorization uri different from the Request-URI is accepted; off: 400"},
		{FlagNoIntegrity, "digest challenges offer qop=auth only, so nothing protects message bodies over cleartext; off: auth and auth-int offered, and auth-int required for requests with a body"},
		{FlagRouteRelay, "a request whose top Route names another address is relayed there statelessly (open relay); off: Route ignored"},
		{FlagReferTrigger, "an accepted out-of-dialog REFER makes the lab send an INVITE to the Refer-To URI (loopback only); off: no call"},
		{FlagAddressLoop, "a request whose Via or Record-Route names the lab itself, or a Via naming a broadcast address, stalls the lab for 3 s; off: answered normally"},
		{FlagUserEnum, "OPTIONS to an unknown user gets 404 while known users get 200 (enumerable); off: 200 for every user"},
		{FlagOnlineGuess, "any number of wrong passwords is answered at full speed; off: 5 failures from one address for a user lock that address out for 60 s (403)"},
		{FlagPredictableIDs, "To-tags and nonces are counters (nonces prefixed with the time); off: 64/128 random bits"},
		{FlagCSeqBump, "the CSeq of a REGISTER is recorded before authentication, so a spoofed high CSeq blocks the next refresh (500); off: only accepted REGISTERs count"},
		{FlagRealmMismatch, "credentials for another realm are verified with that realm and accepted; off: challenged again"},
		{FlagQopDowngrade, "an answer without qop is accepted although qop was offered; off: challenged again"},
		{FlagMD5Only, "challenges offer MD5 only; off: SHA-256 first, then MD5 (RFC 8760)"},
		{FlagDialogForeignSource, "the UA accepts BYE, CANCEL, re-INVITE and PRACK of its calls from any source; off: only from the address the INVITE came from (others get 403, CANCEL 481)"},
		{FlagRTPLatch, "the UA's media latches onto the source of any RTP packet (injected media is played and answered); off: only the SDP address is heard"},
		{FlagRTCPBye, "an RTCP BYE stops the UA's media (from any source only with 09.rtp-latch; else from the negotiated address); off: ignored"},
		{FlagRTCPLoss, "a receiver report of 50 % loss or more of the UA's stream makes it give the line up and stop its media (from any source only with 09.rtp-latch); off: ignored"},
		{FlagBadSDPAddress, "INVITEs with loopback, broadcast, multicast or self media addresses, well-known media ports or a foreign loopback Contact are answered; off: 488/403"},
		{FlagSDESCleartext, "SDES offers (RTP/SAVP a=crypto) over UDP/TCP/WS are answered with the UA's key; off: 488 (DTLS-SRTP and SDES over TLS are accepted)"},
		{FlagVBR, "Opus is answered under SRTP without cbr=1 (variable bitrate); off: cbr=1"},
		{FlagVersionBanner, "Server/User-Agent carry product, version and OS (sipvet-lab/1.0.3 (Linux)); off: \"sipvet-lab\""},
	}
	slices.SortFunc(flags, func(a, b FlagInfo) int { return strings.Compare(a.Name, b.Name) })
	return flags
}

// FlagNames returns the name of every switchable flag, sorted.
func FlagNames() []string {
	var names []string
	for _, f := range FlagHelp() {
		names = append(names, f.Name)
	}
	return names
}

// Profiles returns the profile names, the default first.
func Profiles() []string { return []string{ProfileVulnerable, ProfileHardened} }

// ResolveFlags computes the active flag set from a profile ("" means
// vulnerable) and a list of overrides applied in order. An override is a flag
// name ("14.nc-replay"), an item number ("01", "1", "14": every flag of that
// item), a flag name without its number ("nc-replay") or "all"; a leading "-"
// switches off instead of on. It returns the active flags sorted.
func ResolveFlags(profile string, vulns []string) ([]string, error) {
	on := map[string]bool{}
	switch profile {
	case "", ProfileVulnerable:
		for _, n := range FlagNames() {
			on[n] = true
		}
	case ProfileHardened:
	default:
		return nil, fmt.Errorf("%w %q (want one of %s)", ErrUnknownProfile, profile, strings.Join(Profiles(), ", "))
	}
	for _, v := range vulns {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			val := true
			if rest, ok := strings.CutPrefix(item, "-"); ok {
				item, val = rest, false
			} else if rest, ok := strings.CutPrefix(item, "+"); ok {
				item = rest
			}
			names := matchFlags(item)
			if len(names) == 0 {
				return nil, fmt.Errorf("%w %q (see lab.FlagNames)", ErrUnknownFlag, item)
			}
			for _, n := range names {
				on[n] = val
			}
		}
	}
	var out []string
	for n, v := range on {
		if v {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// matchFlags returns the flags an override selects.
func matchFlags(sel string) []string {
	sel = strings.ToLower(sel)
	all := FlagNames()
	if sel == "all" {
		return all
	}
	var out []string
	for _, n := range all {
		num, short, _ := strings.Cut(n, ".")
		switch {
		case sel == n, sel == short:
			out = append(out, n)
		case isItemNumber(sel) && strings.TrimLeft(sel, "0") == strings.TrimLeft(num, "0"):
			out = append(out, n)
		}
	}
	return out
}

func isItemNumber(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
