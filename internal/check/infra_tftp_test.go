package check

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/pin/tftp/v3"

	"github.com/sipvet/sipvet/internal/transport"
)

// TestTFTPGetPinServer downloads through tftpGet from an independent TFTP
// implementation (pin/tftp) a file of several blocks, and a missing file.
func TestTFTPGetPinServer(t *testing.T) {
	content := bytes.Repeat([]byte("account.1.password = x\n"), 60) // 1380 bytes: 3 blocks
	srv := tftp.NewServer(func(name string, rf io.ReaderFrom) error {
		if name != "big.cfg" {
			return os.ErrNotExist
		}
		_, err := rf.ReadFrom(bytes.NewReader(content))
		return err
	}, nil)
	srv.SetTimeout(time.Second)
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(pc); close(done) }()
	defer func() { srv.Shutdown(); <-done }()

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := transport.DialRaw(ctx, "udp", pc.LocalAddr().String(), transport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data, found, err := tftpGet(c, pc.LocalAddr().String(), "big.cfg", time.Second)
	if err != nil || !found || !bytes.Equal(data, content) {
		t.Fatalf("big.cfg: %d bytes, found=%v, err=%v", len(data), found, err)
	}
	if len(findSecrets("big.cfg", data)) != 1 {
		t.Errorf("secrets: %v", findSecrets("big.cfg", data))
	}
	data, found, err = tftpGet(c, pc.LocalAddr().String(), "missing.cfg", time.Second)
	if err != nil || found || data != nil {
		t.Errorf("missing.cfg: %q found=%v err=%v", data, found, err)
	}
}
