package finding

import "strings"

// Mask hides a secret for reports: the first character stays, the rest
// becomes '*', so a reader can tell a secret was found without learning it.
// Secrets of up to two characters are fully masked. Reports call Mask unless
// the user passed --reveal.
func Mask(secret string) string {
	r := []rune(secret)
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}
