package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sipvet/sipvet/internal/capture"
	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/crack"
	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/report"
	"github.com/sipvet/sipvet/internal/scan"
)

// pcapFlags are the flags of the capture audit.
type pcapFlags struct {
	audioDir             string
	wordlist, mask       string
	rules                string
	exportHashes, hashFm string
	progress             bool
	decryptAll           bool
}

func (a *app) pcapCmd() *cobra.Command {
	var pf pcapFlags
	var of outputFlags
	cmd := &cobra.Command{
		Use:   "pcap FILE...",
		Short: "Passive audit of pcap/pcapng captures; extract audio, keys and digests",
		Long: `Read pcap or pcapng captures like an eavesdropper and report what leaked
(SPEC §5, pcap mode), one result per check and capture file:

  ipa03.captured-digest      digest exchanges over cleartext SIP (user, realm,
                             method, algorithm, qop); cracked with --wordlist
                             or --mask; --export-hashes writes them for
                             sipcrack/sipvet crack or hashcat -m 11400
  ipa05.observed-fallback    a client that used TLS sends cleartext SIP
  ipa08.cleartext-audio      unencrypted RTP streams, G.711 decoded to WAV
                             (--extract-audio DIR: one file per direction and
                             a two-channel file per call)
  ipa08.dtmf                 DTMF digits from RFC 4733 events and in-band tones
  ipa09.injection-trace      one SSRC from two sources, sequence jumps
  ipa10.rtcp-spoof-trace     RTCP BYE/SDES from a source not of the stream
  ipa13.captured-identifiers Call-IDs, tags, branches, nonces per user agent
  ipa19.harvested-ids        every SIP URI, extension, display name, agent
  ipa21.captured-sdes-keys   a=crypto keys over cleartext SIP; the SRTP/SRTCP
                             decrypted with them (tags verified) and decoded;
                             without --extract-audio or --decrypt-all only the
                             first 64 packets of each stream, its DTMF events
                             and one packet in 1024 are decrypted
  ipa22.vbr-leak             payload-size entropy of encrypted streams (bits/s)

Link types: Ethernet (with VLAN tags), Linux cooked (SLL, SLL2), raw IP and
loopback; IPv4 (fragments reassembled) and IPv6; UDP and TCP (reassembled).
A damaged or truncated capture is analysed as far as it can be read, with a
warning; a file that cannot be read at all is an error (exit 2).

Passwords, keys and digits are masked unless --reveal.`,
		Example: `  sipvet pcap call.pcapng
  sipvet pcap call.pcapng --extract-audio audio/ --reveal
  sipvet pcap login.pcap --wordlist words.txt --format json -o r.json
  sipvet pcap login.pcap --mask '?d?d?d?d' --export-hashes hashes.txt`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("no capture file given (see 'sipvet pcap --help')")
			}
			return a.runPcap(cmd.Context(), args, &pf, &of)
		},
	}
	f := cmd.Flags()
	f.StringVar(&pf.audioDir, "extract-audio", "", "write decoded audio (WAV per stream and per call) into this directory")
	f.StringVar(&pf.wordlist, "wordlist", "", "crack captured digests with the words of this file (one per line)")
	f.StringVar(&pf.mask, "mask", "", "crack captured digests with a mask such as '?d?d?d?d'")
	f.StringVar(&pf.rules, "rules", "none", "word rules with --wordlist: none or simple (case, appended digits)")
	f.StringVar(&pf.exportHashes, "export-hashes", "", "write the captured digests to this file")
	f.StringVar(&pf.hashFm, "hash-format", "sipdump", "format of --export-hashes: sipdump (sipcrack, sipvet crack) or hashcat (mode 11400)")
	f.BoolVar(&pf.progress, "progress", false, "report progress on standard error")
	f.BoolVar(&pf.decryptAll, "decrypt-all", false, "decrypt and verify every SRTP packet (default: a sample per stream, all DTMF events; --extract-audio implies it)")
	of.register(cmd, "text")
	return cmd
}

func (a *app) runPcap(ctx context.Context, files []string, pf *pcapFlags, of *outputFlags) error {
	if os.Getenv("GOGC") == "" {
		// The audit's heap is mostly short-lived SIP messages: collecting
		// at 150 % growth instead of 100 % takes about 3 % less time for
		// about 20 MB more at the peak on the 314 MB benchmark capture
		// (docs/pcap.md). GOGC in the environment still decides.
		defer debug.SetGCPercent(debug.SetGCPercent(150))
	}
	lang, err := a.langFlag(of.lang)
	if err != nil {
		return err
	}
	failOn, err := finding.ParseSeverity(of.failOn)
	if err != nil {
		return usageError{err}
	}
	if of.format != "text" && !contains(report.Formats(), of.format) {
		return usagef("unknown --format %q (want text, %s)", of.format, strings.Join(report.Formats(), ", "))
	}
	if pf.wordlist != "" && pf.mask != "" {
		return usagef("--wordlist and --mask exclude each other")
	}
	if pf.hashFm != "sipdump" && pf.hashFm != "hashcat" {
		return usagef("unknown --hash-format %q (want sipdump or hashcat)", pf.hashFm)
	}
	if !contains(crack.Rules(), pf.rules) {
		return usagef("unknown --rules %q (want %s)", pf.rules, strings.Join(crack.Rules(), " or "))
	}
	if pf.mask != "" {
		if _, err := crack.Mask(pf.mask, nil); err != nil {
			return usageError{err}
		}
	}
	if pf.wordlist != "" {
		if _, err := os.Stat(pf.wordlist); err != nil {
			return usagef("wordlist: %v", err)
		}
	}
	var baseline *finding.Run
	if of.baseline != "" {
		if baseline, err = loadRun(of.baseline); err != nil {
			return err
		}
	}
	run := newRun("pcap", lang)
	var hashLines, failed []string
	readable := 0
	for i, file := range files {
		opt := capture.Options{DecryptAll: pf.decryptAll}
		if pf.audioDir != "" {
			dir := pf.audioDir
			if len(files) > 1 {
				dir = filepath.Join(dir, fmt.Sprintf("%02d-%s", i+1, strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))))
			}
			opt.Audio = capture.DirStore{Dir: dir}
		}
		start := time.Now()
		rep, st, err := capture.AnalyzeFile(ctx, file, opt)
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		readable++
		run.Targets = append(run.Targets, file)
		if pf.progress {
			el := time.Since(start).Seconds()
			fmt.Fprintf(a.stderr, "%s: %s, %d frames, %.1f MB in %.2f s (%.0f MB/s), %d SIP messages, %d streams\n",
				file, st.Format, st.Frames, float64(st.Bytes)/1e6, el, float64(st.Bytes)/1e6/max(el, 1e-9), rep.SIPMessages, len(rep.Streams))
		}
		if st.Stopped != nil {
			fmt.Fprintf(a.stderr, "sipvet: warning: %s: reading stopped at frame %d (offset %d): %v; results cover what was read\n",
				file, st.StoppedAt, st.StoppedOffset, st.Stopped)
		}
		ro := capture.ResultOptions{Target: file, Reveal: of.reveal, Read: st}
		if (pf.wordlist != "" || pf.mask != "") && len(rep.Digests) > 0 {
			ro.Cracking = true
			if ro.Cracked, err = a.crackCaptured(ctx, rep, pf); err != nil {
				return err
			}
		}
		for _, d := range rep.Digests {
			line, err := formatHash(pf.hashFm, d)
			if err != nil {
				fmt.Fprintf(a.stderr, "sipvet: warning: %s: digest of %s not exported: %v\n", file, d.Credentials.Username, err)
				continue
			}
			hashLines = append(hashLines, line)
		}
		run.Results = append(run.Results, capture.Results(rep, ro)...)
	}
	if readable == 0 {
		return fmt.Errorf("no capture could be read: %s", strings.Join(failed, "; "))
	}
	for _, f := range failed {
		fmt.Fprintf(a.stderr, "sipvet: warning: %s (skipped)\n", f)
	}
	if pf.exportHashes != "" {
		if err := writeLines(pf.exportHashes, hashLines); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "%d hash(es) written to %s (%s format)\n", len(hashLines), pf.exportHashes, pf.hashFm)
	}
	run.Results = append(run.Results, scan.Coverage(run.Results, run.Targets, check.ModePcap, nil)...)
	run.Finished = time.Now().UTC()
	if err := a.writeOutputs(run, of, lang, baseline, false); err != nil {
		return err
	}
	if run.FailsAt(failOn) {
		return errFindings
	}
	return nil
}

// hostOf returns the IP address of an "ip:port" string.
func hostOf(s string) string {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().String()
	}
	return s
}

func hashEntry(d capture.Digest) *digest.HashEntry {
	cred := d.Credentials
	return &digest.HashEntry{Server: hostOf(d.Server), Client: hostOf(d.Client), Cred: &cred, Req: d.Request}
}

func formatHash(format string, d capture.Digest) (string, error) {
	e := hashEntry(d)
	if format == "hashcat" {
		return digest.FormatHashcat11400(e.Server, e.Client, e.Cred, e.Req)
	}
	return digest.FormatSipdump(e.Server, e.Client, e.Cred, e.Req)
}

// crackCaptured runs internal/crack on the captured digests.
func (a *app) crackCaptured(ctx context.Context, rep *capture.Report, pf *pcapFlags) ([]capture.Cracked, error) {
	entries := make([]*digest.HashEntry, len(rep.Digests))
	for i, d := range rep.Digests {
		entries[i] = hashEntry(d)
	}
	var src crack.Source
	if pf.mask != "" {
		s, err := crack.Mask(pf.mask, nil)
		if err != nil {
			return nil, usageError{err}
		}
		src = s
	} else {
		f, err := os.Open(pf.wordlist)
		if err != nil {
			return nil, usagef("wordlist: %v", err)
		}
		defer f.Close()
		var size int64
		if fi, err := f.Stat(); err == nil {
			size = fi.Size()
		}
		src = crack.Wordlist(f, size, filepath.Base(pf.wordlist))
	}
	opt := crack.Options{Rules: pf.rules}
	if pf.progress {
		opt.Progress = func(p crack.Progress) {
			fmt.Fprintf(a.stderr, "crack: %d/%d found, %.0f candidates/s\n", p.Found, p.Total, p.Rate)
		}
	}
	res, err := crack.Run(ctx, entries, src, opt)
	if err != nil && !errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("crack: %w", err)
	}
	var out []capture.Cracked
	for i, r := range res {
		if r.Found {
			out = append(out, capture.Cracked{Digest: i, Password: r.Password})
		}
	}
	return out, nil
}

func writeLines(path string, lines []string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
