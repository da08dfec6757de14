package main

import (
	"github.com/spf13/pflag"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/scan"
)

// uaFlags are the scan flags of the UA and media checks (items 01–22 on
// user agents and media relays).
type uaFlags struct {
	mediaRelay string
}

func (u *uaFlags) register(f *pflag.FlagSet) {
	f.StringVar(&u.mediaRelay, "media-relay", "", "media relay in the path of calls to the target, IP:LOW-HIGH (e.g. 192.0.2.5:30000-40000), for ipa09.rtp-bleed and the ipa16 after-BYE checks; it is added to the scope")
}

// apply validates the flags and copies them into cfg.
func (u *uaFlags) apply(cfg *scan.Config) error {
	if u.mediaRelay == "" {
		return nil
	}
	r, err := check.ParseMediaRelay(u.mediaRelay)
	if err != nil {
		return usagef("--media-relay: %v", err)
	}
	cfg.MediaRelay = r
	return nil
}
