package lab

import (
	"fmt"
	"net"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/sip"
)

// Behaviour of the auth-area flags (items 03, 13, 14): password-guessing
// lockout, predictable identifiers, CSeq recorded before authentication,
// and the strength of the digest challenge.

// Lockout bounds when 03.online-guess is off.
const (
	guessMaxFailures = 5
	guessWindow      = 60 * time.Second
	maxGuessEntries  = 1024
	maxPreAuthCSeqs  = 1024
)

// authExtras is the state behind the auth-area flags. The zero value is
// ready; the caller holds Lab.mu.
type authExtras struct {
	counter  uint64
	failures map[string]*guessState
	preCSeq  map[string]uint32
}

type guessState struct {
	count int
	first time.Time
}

// newToTag returns the lab's To tag: a counter with 13.predictable-ids,
// else 64 random bits.
func (l *Lab) newToTag() string {
	if l.on(FlagPredictableIDs) {
		l.authx.counter++
		return fmt.Sprintf("%08x", l.authx.counter)
	}
	return sip.NewTag(l.rand)
}

// authNonce returns a new nonce: the time and a counter with
// 13.predictable-ids, else 128 random bits.
func (l *Lab) authNonce() string {
	if l.on(FlagPredictableIDs) {
		l.authx.counter++
		return fmt.Sprintf("%08x%08x", l.now().Unix(), l.authx.counter)
	}
	return newNonce(l.rand)
}

// addStrongChallenge puts a SHA-256 challenge with the same nonce before
// the MD5 one (RFC 8760 §2.4: the preferred algorithm first), unless
// 14.md5-only.
func (l *Lab) addStrongChallenge(resp *sip.Message, ch digest.Challenge) {
	if l.on(FlagMD5Only) {
		return
	}
	ch.Algorithm = digest.SHA256
	resp.Prepend("WWW-Authenticate", ch.String())
}

// guessKey identifies a guessing source: packet source IP and user.
func guessKey(in *inbound, user string) string {
	host, _, err := net.SplitHostPort(in.pkt.Src)
	if err != nil {
		host = in.pkt.Src
	}
	return host + "|" + user
}

// guessLocked returns a 403 when 03.online-guess is off and the source has
// failed guessMaxFailures passwords for the claimed user within
// guessWindow.
func (l *Lab) guessLocked(in *inbound) *sip.Message {
	if l.on(FlagOnlineGuess) || l.authx.failures == nil {
		return nil
	}
	st := l.authx.failures[guessKey(in, claimedUser(in.msg))]
	if st == nil || st.count < guessMaxFailures {
		return nil
	}
	if l.now().Sub(st.first) > guessWindow {
		delete(l.authx.failures, guessKey(in, claimedUser(in.msg)))
		return nil
	}
	return sip.NewResponse(in.msg, 403, "Too Many Failed Attempts")
}

// guessFailed counts a wrong password (bounded table).
func (l *Lab) guessFailed(in *inbound, user string) {
	if l.on(FlagOnlineGuess) {
		return
	}
	if l.authx.failures == nil {
		l.authx.failures = map[string]*guessState{}
	}
	k := guessKey(in, user)
	st := l.authx.failures[k]
	now := l.now()
	if st == nil || now.Sub(st.first) > guessWindow {
		if len(l.authx.failures) >= maxGuessEntries {
			clear(l.authx.failures)
		}
		st = &guessState{first: now}
		l.authx.failures[k] = st
	}
	st.count++
}

// cseqPreAuth records the CSeq of a REGISTER before it is authenticated
// (13.cseq-bump).
func (l *Lab) cseqPreAuth(req *sip.Message) {
	if !l.on(FlagCSeqBump) {
		return
	}
	seq, _, err := req.CSeq()
	if err != nil {
		return
	}
	if l.authx.preCSeq == nil || len(l.authx.preCSeq) >= maxPreAuthCSeqs {
		l.authx.preCSeq = map[string]uint32{}
	}
	if seq > l.authx.preCSeq[req.CallID()] {
		l.authx.preCSeq[req.CallID()] = seq
	}
}

// cseqOutOfOrder applies RFC 3261 §10.3 step 7: a REGISTER whose Call-ID
// matches a binding of aor (or, with 13.cseq-bump, an earlier REGISTER)
// must have a higher CSeq, else it fails with 500.
func (l *Lab) cseqOutOfOrder(req *sip.Message, aor string, seq uint32) *sip.Message {
	highest := uint32(0)
	seen := false
	for _, b := range l.bindings.lookup(aor, l.now()) {
		if b.callID == req.CallID() {
			highest, seen = max(highest, b.cseq), true
		}
	}
	if l.on(FlagCSeqBump) && l.authx.preCSeq != nil {
		if s, ok := l.authx.preCSeq[req.CallID()]; ok && s > seq {
			highest, seen = max(highest, s), true
		}
	}
	if seen && seq <= highest {
		return sip.NewResponse(req, 500, "CSeq Out of Order")
	}
	return nil
}

// foreignRealmOK reports whether 14.realm-mismatch is on and cred, made for
// a realm the lab did not offer, is nevertheless a correct answer for a
// known user (so the lab "trusts" the client's realm). Wrong answers for a
// foreign realm are still challenged.
func (l *Lab) foreignRealmOK(cred *digest.Credentials, req *sip.Message) bool {
	if !l.on(FlagRealmMismatch) {
		return false
	}
	password, known := l.users[cred.Username]
	if !known {
		return false
	}
	ok, err := digest.Verify(cred, digest.Request{Method: req.Method, URI: cred.URI, Body: req.Body}, password)
	return err == nil && ok
}
