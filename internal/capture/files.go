package capture

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// DirStore is an AudioStore writing into a directory.
type DirStore struct{ Dir string }

// Create creates (or truncates) Dir/name.
func (d DirStore) Create(name string) (WAVFile, error) {
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	f, err := os.Create(filepath.Join(d.Dir, name))
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	return f, nil
}

// Open opens Dir/name for reading.
func (d DirStore) Open(name string) (io.ReadCloser, error) {
	f, err := os.Open(filepath.Join(d.Dir, name))
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	return f, nil
}

// Remove deletes Dir/name.
func (d DirStore) Remove(name string) error {
	if err := os.Remove(filepath.Join(d.Dir, name)); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	return nil
}

// Path returns Dir/name.
func (d DirStore) Path(name string) string { return filepath.Join(d.Dir, name) }
