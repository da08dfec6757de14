package main

import (
	"bufio"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sipvet/sipvet/internal/scan"
)

// maxWordlist bounds the candidates read from --wordlist.
const maxWordlist = 1_000_000

// authFlags are the scan flags of the authentication checks (items 03, 14).
type authFlags struct {
	wordlist, mask, otherUser string
	guessLimit                int
}

func (a *authFlags) register(f *pflag.FlagSet) {
	f.StringVar(&a.wordlist, "wordlist", "", "candidate passwords for ipa03.online-guess (--allow bruteforce), one per line")
	f.StringVar(&a.mask, "mask", "", "candidate mask for ipa03.online-guess, hashcat style: ?d ?l ?u ?s ?a, e.g. 10?d?d")
	f.IntVar(&a.guessLimit, "guess-limit", 100, "most passwords ipa03.online-guess tries (at most 10000)")
	f.StringVar(&a.otherUser, "other-user", "", "a second existing account name for ipa14.username-mismatch (never modified)")
}

// apply validates the flags and copies them into cfg.
func (a *authFlags) apply(cfg *scan.Config) error {
	if a.guessLimit < 0 {
		return usagef("--guess-limit must not be negative")
	}
	if a.mask != "" {
		for i := 0; i < len(a.mask); i++ {
			if a.mask[i] == '?' {
				if i+1 >= len(a.mask) || !strings.ContainsRune("dlusa?", rune(a.mask[i+1])) {
					return usagef("--mask %q: after ? want d, l, u, s, a or ?", a.mask)
				}
				i++
			}
		}
	}
	cfg.GuessMask, cfg.GuessLimit, cfg.OtherUser = a.mask, a.guessLimit, a.otherUser
	if a.wordlist == "" {
		return nil
	}
	f, err := os.Open(a.wordlist)
	if err != nil {
		return usagef("--wordlist: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(cfg.Wordlist) < maxWordlist {
		if w := strings.TrimRight(sc.Text(), "\r"); w != "" {
			cfg.Wordlist = append(cfg.Wordlist, w)
		}
	}
	if err := sc.Err(); err != nil {
		return usagef("--wordlist: %v", err)
	}
	return nil
}
