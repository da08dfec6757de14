package capture

import (
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"sort"
	"sync"
	"time"
)

// The media pipeline. The goroutine that calls Analyzer.Packet keeps all
// the state that depends on packet order across flows (SIP dialogs, SDP
// media, stream lookup and creation, idle sweeps). The per-stream work —
// SRTP decryption, G.711 decoding, DTMF detection, size and byte
// statistics, WAV writing — is independent between streams, so it is
// sharded by stream number to worker goroutines. Each stream belongs to one
// worker and its packets reach it in capture order (FIFO batches), so the
// per-stream results do not depend on scheduling; what workers collect
// across streams is merged in stream and frame order by Finish. Batches
// are recycled through a bounded free list: a slow worker stalls the
// reader instead of letting memory grow.

// Job kinds.
const (
	jobRTP = iota + 1
	jobRTCP
	jobFinish
)

// job is one unit of per-stream work. It carries only what the workers
// use of the packet: jobs cross from one core to another by the million,
// and their size is memory traffic.
type job struct {
	s     *stream
	pl    []byte        // the payload: in the batch arena, the reader's batch or (inline) the caller's buffer
	at    time.Duration // the packet's capture time from the capture's start (no pointer, unlike a time.Time)
	index int64
	h     rtpHdr
	kind  uint8
	rtcp  *rtcpJob // jobRTCP
}

// rtcpJob is what an RTCP job carries besides the payload.
type rtcpJob struct {
	src  netip.AddrPort
	time time.Time
	keys []SDESKey // the dialog's keys
}

const (
	batchJobs  = 512
	batchBytes = 256 << 10
	// batchesPerWorker bounds the memory in flight per worker.
	batchesPerWorker = 16
)

type batch struct {
	jobs  []job
	arena []byte
	// srcs are the reader batches the jobs' payloads point into; the
	// batch holds one reference on each until its jobs have run (one
	// atomic operation per batch and reader batch, not per packet: the
	// counter is shared between cores).
	srcs []*packetBatch
}

// mediaWorker does the per-stream work of the streams assigned to it and
// collects their results. It reads only the Analyzer's constant fields
// (options, tables, start time).
type mediaWorker struct {
	a     *Analyzer
	in    chan *batch
	free  chan *batch
	cur   *batch
	store AudioStore
	// results
	finished   []*doneStream
	injections []InjectionTrace
	rtcpEvents []rtcpEvent
	failed     int
	failFrame  int64
	failure    string
	dtmfKept   int
	// rtcpBuf is reused for decrypted SRTCP
	rtcpBuf []byte
}

// pipeline is the set of workers; with one worker the jobs run inline on
// the caller's goroutine.
type pipeline struct {
	workers []*mediaWorker
	inline  bool
	wg      sync.WaitGroup
	started bool
}

func newPipeline(a *Analyzer, n int) *pipeline {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	pl := &pipeline{inline: n <= 1}
	var store AudioStore
	if a.opt.Audio != nil {
		store = a.opt.Audio
		if !pl.inline {
			store = &lockedStore{s: a.opt.Audio}
		}
	}
	for range max(n, 1) {
		pl.workers = append(pl.workers, &mediaWorker{a: a, store: store})
	}
	return pl
}

// start launches the worker goroutines (on the first job, so an Analyzer
// that never sees media starts none).
func (pl *pipeline) start() {
	pl.started = true
	for _, w := range pl.workers {
		w.in = make(chan *batch, batchesPerWorker)
		w.free = make(chan *batch, batchesPerWorker)
		for range batchesPerWorker {
			// the arena is used only for packets the caller owns (not
			// read by readInto): allocated when first needed
			w.free <- &batch{jobs: make([]job, 0, batchJobs)}
		}
		pl.wg.Add(1)
		go func() {
			defer pl.wg.Done()
			for b := range w.in {
				for i := range b.jobs {
					w.run(&b.jobs[i])
					b.jobs[i] = job{}
				}
				for i, src := range b.srcs {
					src.release()
					b.srcs[i] = nil
				}
				b.jobs, b.arena, b.srcs = b.jobs[:0], b.arena[:0], b.srcs[:0]
				w.free <- b
			}
		}()
	}
}

// send hands a job to the worker of its stream; the payload is copied
// unless the job runs inline.
func (pl *pipeline) send(j job) {
	pl.sendTo(pl.workerOf(j.s), j)
}

// workerOf returns the index of the worker of stream s: every job of a
// stream goes to the same worker, in order.
func (pl *pipeline) workerOf(s *stream) int { return s.idx % len(pl.workers) }

// sendTo hands a job to worker wi (workerOf of the job's stream).
func (pl *pipeline) sendTo(wi int, j job) {
	w := pl.workers[wi]
	if pl.inline {
		w.run(&j)
		return
	}
	if !pl.started {
		pl.start()
	}
	if w.cur == nil {
		w.cur = <-w.free
	}
	b := w.cur
	if src := w.a.src; src != nil {
		// the payload stays in the reader's batch until the job has run
		if n := len(b.srcs); n == 0 || b.srcs[n-1] != src {
			src.refs.Add(1)
			b.srcs = append(b.srcs, src)
		}
	} else if len(j.pl) > 0 {
		off := len(b.arena)
		b.arena = append(b.arena, j.pl...)
		j.pl = b.arena[off:len(b.arena):len(b.arena)]
	}
	b.jobs = append(b.jobs, j)
	if len(b.jobs) >= batchJobs || len(b.arena) >= batchBytes {
		w.in <- b
		w.cur = nil
	}
}

// flush hands every worker its pending batch.
func (pl *pipeline) flush() {
	if !pl.started {
		return
	}
	for _, w := range pl.workers {
		if w.cur != nil && len(w.cur.jobs) > 0 {
			w.in <- w.cur
			w.cur = nil
		}
	}
}

// wait flushes the pending batches and waits for the workers to finish.
func (pl *pipeline) wait() {
	if !pl.started {
		return
	}
	pl.flush()
	for _, w := range pl.workers {
		w.cur = nil
		close(w.in)
	}
	pl.wg.Wait()
	pl.started = false
}

// run does one job; a panic counts as a failed packet, as in Packet.
func (w *mediaWorker) run(j *job) {
	defer func() {
		if r := recover(); r != nil {
			w.failed++
			if w.failure == "" || j.index < w.failFrame {
				w.failFrame, w.failure = j.index, fmt.Sprintf("frame %d: %v", j.index, r)
			}
		}
	}()
	switch j.kind {
	case jobRTP:
		w.streamPacket(j.s, j)
	case jobRTCP:
		p := Packet{Index: j.index, Time: j.rtcp.time, Payload: j.pl, Src: j.rtcp.src}
		w.rtcp(&p, j.s, j.rtcp.keys)
	case jobFinish:
		w.finishStream(j.s)
	}
}

// merge collects the workers' results into the report, in an order that
// does not depend on the number of workers or on scheduling.
func (a *Analyzer) merge() {
	var inj []InjectionTrace
	var dtmf []DTMFDigit
	events := a.rtcpEvents
	for _, w := range a.pipe.workers {
		a.finished = append(a.finished, w.finished...)
		inj = append(inj, w.injections...)
		events = append(events, w.rtcpEvents...)
		a.rep.Failed += w.failed
		if w.failure != "" && (a.rep.FirstFailure == "" || w.failFrame < a.failFrame) {
			a.failFrame, a.rep.FirstFailure = w.failFrame, w.failure
		}
	}
	sort.Slice(a.finished, func(i, j int) bool { return a.finished[i].idx < a.finished[j].idx })
	for _, s := range a.finished {
		dtmf = append(dtmf, s.dtmf...)
		s.dtmf = nil
	}
	a.rep.DTMF = append(a.rep.DTMF, dtmf[:min(len(dtmf), maxDTMF)]...)
	sort.SliceStable(inj, func(i, j int) bool { return inj[i].stream < inj[j].stream })
	for _, t := range inj {
		if len(a.rep.Injections) < maxTraces {
			a.rep.Injections = append(a.rep.Injections, t)
		}
	}
	// Events of one frame come from one place, so a stable sort by frame
	// restores capture order.
	sort.SliceStable(events, func(i, j int) bool { return events[i].frame < events[j].frame })
	a.rtcpEvents = events[:min(len(events), maxRTCPEvents)]
}

// lockedStore serialises an AudioStore shared by the workers.
type lockedStore struct {
	mu sync.Mutex
	s  AudioStore
}

func (l *lockedStore) Create(name string) (WAVFile, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Create(name)
}

func (l *lockedStore) Open(name string) (io.ReadCloser, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Open(name)
}

func (l *lockedStore) Remove(name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Remove(name)
}

func (l *lockedStore) Path(name string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Path(name)
}
