package capture

import (
	"slices"
	"strconv"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
)

// Report is what an Analyzer found in a capture.
type Report struct {
	// Start and End are the capture times of the first and last packet.
	Start, End time.Time
	// Packets and Bytes count the UDP/TCP packets and payload bytes analysed.
	Packets, Bytes int64
	// SIPMessages counts parsed SIP messages; Dialogs distinct Call-IDs;
	// Challenges the digest challenges seen in cleartext; TLSFlows the TLS
	// connections (ClientHello) seen.
	SIPMessages, Dialogs, Challenges, TLSFlows int
	// Failed counts packets an analyser failed on (recovered panics);
	// FirstFailure describes the first.
	Failed       int
	FirstFailure string
	// Digests are the digest responses seen over cleartext SIP.
	Digests []Digest
	// SDES are the a=crypto keys seen over cleartext SIP.
	SDES []SDESExposure
	// Streams are the RTP streams, in order of first appearance.
	Streams []StreamSummary
	// Calls are the stereo files mixed from two directions of a call.
	Calls []CallAudio
	// DTMF are the recovered key presses, in time order.
	DTMF []DTMFDigit
	// Injections are signs of RTP injection (item 09).
	Injections []InjectionTrace
	// RTCPSpoofs are RTCP BYE/SDES packets from a source not of the stream (item 10).
	RTCPSpoofs []RTCPSpoofTrace
	// Fallbacks are clients seen moving from TLS to cleartext (item 05).
	Fallbacks []Fallback
	// Harvest is every identity seen (item 19).
	Harvest Harvest
	// Agents are the identifiers each user agent generated (item 13).
	Agents []AgentIDs
}

// Digest is one digest response captured over cleartext SIP, with the
// challenge it answers when that was captured too.
type Digest struct {
	Time      time.Time
	Transport string
	// Client and Server are the transport addresses of the request.
	Client, Server string
	// Header is Authorization or Proxy-Authorization.
	Header      string
	Challenge   *digest.Challenge
	Credentials digest.Credentials
	// Request is what the response was computed over (method, digest-uri,
	// body for auth-int).
	Request  digest.Request
	Evidence []finding.Evidence
}

// SDESExposure is an SRTP master key seen in SDP over cleartext SIP.
type SDESExposure struct {
	Time   time.Time
	CallID string
	// Sender is who sent the SDP; Media the address the SDP advertises.
	Sender, Media string
	Key           SDESKey
	Evidence      []finding.Evidence
}

// StreamSummary describes one RTP stream (SPEC §4 data.streams).
type StreamSummary struct {
	SSRC    string  `json:"ssrc"`
	Src     string  `json:"src"`
	Dst     string  `json:"dst"`
	Codec   string  `json:"codec"`
	Packets int64   `json:"packets"`
	Seconds float64 `json:"seconds"`
	// Encrypted is true for SRTP (known from SDP, or judged from the
	// payload bytes' entropy when no SDP was captured).
	Encrypted bool `json:"encrypted"`
	// Decrypted is true when captured SDES keys decrypted it (auth tags verified).
	Decrypted bool `json:"decrypted"`
	// WAV is the file of the decoded audio ("" when none).
	WAV string `json:"wav"`
	// AudioSeconds is the length of the decoded audio.
	AudioSeconds float64 `json:"audio_seconds"`
	// SampleRate is the rate of the decoded audio: 8000 (G.711) or 16000
	// (G.722); 0 when none was decoded.
	SampleRate int `json:"sample_rate,omitempty"`
	// FoundBy is "sdp" or "heuristic".
	FoundBy string `json:"found_by"`
	CallID  string `json:"call_id,omitempty"`
	Suite   string `json:"srtp_suite,omitempty"`
	// AuthFailures counts SRTP packets whose tag did not verify.
	AuthFailures int64 `json:"auth_failures,omitempty"`
	// SRTPVerified counts the SRTP packets decrypted whose authentication
	// tag verified; SRTPSkipped those left encrypted because only a sample
	// is decrypted when the audio is not extracted (Options.DecryptAll).
	SRTPVerified int64 `json:"srtp_verified,omitempty"`
	SRTPSkipped  int64 `json:"srtp_skipped,omitempty"`
	// SRTCPDecrypted counts SRTCP packets of this stream's flow decrypted.
	SRTCPDecrypted int64 `json:"srtcp_decrypted,omitempty"`
	// Sizes is the payload-size distribution (size → packets).
	Sizes SizeCounts `json:"sizes"`
	// BitsPerPacket is the entropy of the size sequence; BitsPerSecond
	// that times the packet rate.
	BitsPerPacket float64 `json:"bits_per_packet"`
	BitsPerSecond float64 `json:"bits_per_second"`
	// Talkspurts counts marker-bit restarts after a timestamp gap
	// (silence suppression).
	Talkspurts int `json:"talkspurts,omitempty"`
	// SeqJumps counts sequence-number discontinuities.
	SeqJumps int `json:"seq_jumps,omitempty"`
	// PayloadEntropy is the entropy of the payload bytes in bits per byte.
	PayloadEntropy float64 `json:"payload_entropy"`
	index          int
	first          time.Time
	clock          int
}

// CallAudio is a two-channel WAV mixed from the two directions of a call.
type CallAudio struct {
	WAV     string  `json:"wav"`
	Left    int     `json:"left_stream"`
	Right   int     `json:"right_stream"`
	Seconds float64 `json:"seconds"`
}

// InjectionTrace is a sign of RTP injection: one SSRC sent to the same
// destination from two sources, or a stream whose sequence numbers or
// timestamps jump.
type InjectionTrace struct {
	SSRC    string   `json:"ssrc"`
	Dst     string   `json:"dst"`
	Sources []string `json:"sources"`
	Kind    string   `json:"kind"`
	Detail  string   `json:"detail"`
	stream  int      // number of the stream (seq-jumps), for a stable order
}

// RTCPSpoofTrace is an RTCP BYE or SDES about an SSRC, sent from an address
// that is not the one the SSRC's RTP came from.
type RTCPSpoofTrace struct {
	Kind       string   `json:"kind"`
	SSRC       string   `json:"ssrc"`
	From       string   `json:"from"`
	StreamFrom []string `json:"stream_from"`
	Frame      int64    `json:"frame"`
}

// Fallback is a client seen leaving TLS for cleartext SIP.
type Fallback struct {
	Client    string
	TLSAt     time.Time
	ClearAt   time.Time
	Transport string
	Request   string
	Reason    string
	Evidence  []finding.Evidence
}

// Harvest is every identity seen in SIP (item 19).
type Harvest struct {
	URIs         []string `json:"uris"`
	Extensions   []string `json:"extensions"`
	DisplayNames []string `json:"display_names"`
	UserAgents   []string `json:"user_agents"`
	Servers      []string `json:"servers"`
	Truncated    bool     `json:"truncated,omitempty"`
}

// AgentIDs are the identifiers one user agent generated (item 13).
type AgentIDs struct {
	// Agent is the User-Agent/Server value, or "ip ADDR" without one.
	Agent    string   `json:"agent"`
	CallIDs  []string `json:"call_ids"`
	FromTags []string `json:"from_tags"`
	ToTags   []string `json:"to_tags"`
	Branches []string `json:"branches"`
	Nonces   []string `json:"nonces"`
}

// pow10 holds the powers of ten up to 10^17.
var pow10 = [18]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17}

// SizeCounts is a payload-size distribution: size → packets.
type SizeCounts map[int]int64

// MarshalJSON encodes the counts as encoding/json encodes a map[int]int64
// (keys as strings, in the order of those strings), without its
// reflection and sorting of reflected values: a report holds thousands
// of these.
func (c SizeCounts) MarshalJSON() ([]byte, error) {
	w := jsonWriter{b: make([]byte, 0, 2+len(c)*12)}
	c.write(&w)
	return w.b, nil
}

// write writes the counts to w.
func (c SizeCounts) write(w *jsonWriter) {
	if c == nil {
		w.null()
		return
	}
	w.open('{')
	// For keys of at most 17 digits, the order of their strings is that
	// of (k scaled to 17 digits, digits of k): "100" < "20" < "200" < "3".
	// Both fit one uint64 to sort; other keys take a string comparison.
	var buf [64]uint64
	order := buf[:0]
	plain := true
	for k := range c {
		if k < 0 || k >= 1e17 {
			plain = false
			break
		}
		d := 1
		for d < 17 && uint64(k) >= pow10[d] {
			d++
		}
		order = append(order, uint64(k)*pow10[17-d]*32+uint64(d))
	}
	if plain {
		slices.Sort(order)
		for _, o := range order {
			k := o / 32 / pow10[17-o%32]
			w.keyInt(k)
			w.b = strconv.AppendInt(w.b, c[int(k)], 10)
		}
	} else {
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, strconv.Itoa(k))
		}
		slices.Sort(keys)
		for _, ks := range keys {
			k, _ := strconv.Atoi(ks)
			w.key(ks)
			w.b = strconv.AppendInt(w.b, c[k], 10)
		}
	}
	w.close('}')
}
