package capture

import (
	"context"
	"io"
)

// Analyze reads a capture from r and analyses it.
func Analyze(ctx context.Context, r io.Reader, o Options) (*Report, ReadStats, error) {
	a := NewAnalyzer(o)
	st, err := Read(ctx, r, a.Packet)
	if err != nil {
		return nil, st, err
	}
	return a.Finish(), st, nil
}

// AnalyzeFile reads the capture at path and analyses it.
func AnalyzeFile(ctx context.Context, path string, o Options) (*Report, ReadStats, error) {
	a := NewAnalyzer(o)
	st, err := ReadFile(ctx, path, a.Packet)
	if err != nil {
		return nil, st, err
	}
	return a.Finish(), st, nil
}
