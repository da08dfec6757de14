package main

import (
	"os"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/transport"
)

// newRun starts the results of one command run.
func newRun(mode, lang string, targets ...string) *finding.Run {
	return &finding.Run{Schema: finding.Schema, Tool: finding.Tool{Name: "sipvet", Version: version}, Mode: mode,
		Started: time.Now().UTC(), Targets: targets, Lang: lang}
}

// openEvidencePcap creates the --evidence-pcap file; observe records a
// packet in it and closeFn flushes and closes it. A path that cannot be
// created is a usage error.
func openEvidencePcap(path string) (observe transport.Observer, closeFn func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, usagef("evidence pcap: %v", err)
	}
	pw, err := transport.NewPcapngWriter(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return pw.Observe, func() {
		pw.Close()
		f.Close()
	}, nil
}
