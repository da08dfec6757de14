package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
)

// journalSchema heads a journal file: one JSON object per line, the header
// first, then one result per line as it is found. An interrupted run keeps
// every line written before it stopped; --resume reads them back.
const journalSchema = "sipvet.journal/v1"

type journalHeader struct {
	Schema  string    `json:"schema"`
	Mode    string    `json:"mode"`
	Started time.Time `json:"started"`
	Targets []string  `json:"targets"`
}

// journal appends results to a file and syncs each line to disk.
type journal struct {
	mu sync.Mutex
	f  *os.File
}

// openJournal opens path for appending; a new file gets a header line.
func openJournal(path string, h journalHeader) (*journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal: %w", err)
	}
	j := &journal{f: f}
	if st.Size() == 0 {
		h.Schema = journalSchema
		if err := j.writeLine(h); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

func (j *journal) writeLine(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return j.f.Sync()
}

// Add records one result.
func (j *journal) Add(r finding.Result) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.writeLine(r)
}

func (j *journal) Close() error { return j.f.Close() }

// readJournal returns the header and the results of a journal; a missing
// file gives no results and no error; a torn last line is ignored.
func readJournal(path string) (*journalHeader, []finding.Result, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var h journalHeader
	var rs []finding.Result
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			first = false
			if err := json.Unmarshal(line, &h); err != nil || h.Schema != journalSchema {
				return nil, nil, fmt.Errorf("read journal %s: not a sipvet journal", path)
			}
			continue
		}
		var r finding.Result
		if err := json.Unmarshal(line, &r); err != nil {
			break // torn write at the end of an interrupted run
		}
		rs = append(rs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read journal %s: %w", path, err)
	}
	if first {
		return nil, nil, nil
	}
	return &h, rs, nil
}
