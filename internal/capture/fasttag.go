package capture

import (
	"strings"

	"github.com/sipvet/sipvet/internal/sip"
)

// headerTag returns the tag parameter of a From or To value. The common
// shape — a URI in angle brackets followed by plain token parameters — is
// read directly (FuzzHeaderTag holds it to sip.ParseNameAddr wherever the
// parser accepts the value; it does not judge the URI); anything else goes
// through the parser.
func headerTag(v string) string {
	if t, ok := quickTag(v); ok {
		return t
	}
	na, err := sip.ParseNameAddr(v)
	if err != nil {
		return ""
	}
	return na.Tag()
}

// quickTag reads the tag of "…<uri>;p=v;tag=t" when every character after
// the '>' is a token character, ';' or '='; ok is false otherwise.
func quickTag(v string) (tag string, ok bool) {
	i := strings.LastIndexByte(v, '>')
	if i < 0 || strings.IndexByte(v, '<') < 0 {
		return "", false
	}
	params := v[i+1:]
	for j := 0; j < len(params); j++ {
		if !isTagChar(params[j]) {
			return "", false
		}
	}
	if params == "" {
		return "", true
	}
	if params[0] != ';' {
		return "", false
	}
	found := false
	for _, p := range strings.Split(params[1:], ";") {
		name, val, _ := strings.Cut(p, "=")
		if name == "" || strings.Contains(val, "=") {
			return "", false
		}
		if !found && strings.EqualFold(name, "tag") {
			tag, found = val, true
		}
	}
	return tag, true
}

func isTagChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '!', '%', '*', '_', '+', '`', '\'', '~', ';', '=':
		return true
	}
	return false
}

// topBranch returns the branch parameter of a top Via value v
// (sip.Message.Get("Via")), or "" when it has none or does not parse.
func topBranch(v string) string {
	if b, ok := quickBranch(v); ok {
		return b
	}
	vs, err := sip.ParseVia(v)
	if err != nil {
		return ""
	}
	return vs[0].Branch()
}

// quickBranch reads the branch of "SIP/2.0/UDP host:port;p=v;branch=b"
// when the parameters hold only token characters, ';', '=' and the ':',
// '[' and ']' of addresses, and each is a name with at most one non-empty
// value; ok is false otherwise. (The part before the parameters is not
// checked: where sip.ParseVia rejects it, the branch read is still the one
// the sender wrote, which is all item 13 needs.)
func quickBranch(v string) (branch string, ok bool) {
	i := strings.IndexByte(v, ';')
	if i < 0 {
		return "", true // no parameters, or no Via that parses: "" either way
	}
	params := v[i+1:]
	for j := 0; j < len(params); j++ {
		if c := params[j]; !isTagChar(c) && c != ':' && c != '[' && c != ']' {
			return "", false
		}
	}
	found := false
	for p := range strings.SplitSeq(params, ";") {
		name, val, has := strings.Cut(p, "=")
		if name == "" || has && (val == "" || strings.IndexByte(val, '=') >= 0) {
			return "", false
		}
		if !found && strings.EqualFold(name, "branch") {
			branch, found = val, true
		}
	}
	return branch, true
}
