//go:build unix

package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The HTML report is loaded in headless Chromium (SPEC §7): it must render,
// log no console errors, throw no exceptions and make no network requests.
// Screenshots are kept in the test's temp dir and, when SIPVET_SCREENSHOT_DIR
// is set, copied there.

const chromiumTimeout = 60 * time.Second

// chromiumBin finds Debian's chromium; without it the test fails on CI and
// is skipped elsewhere.
func chromiumBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("headless chromium takes seconds; skipped in -short mode")
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found (apt-get install chromium)")
	}
	t.Skip("chromium not found; install Debian's chromium to run this test")
	return ""
}

// chromiumFlags are the flags of every run: headless, no sandbox (tests may
// run as root in a container) and nothing that talks to the network.
func chromiumFlags(userDir string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir=" + userDir,
	}
}

// browser is one chromium process in its own process group.
type browser struct {
	cmd    *exec.Cmd
	log    string
	waited bool
}

// startChromium starts chromium with args in a new process group that is
// killed when ctx ends and when the test finishes. Its output goes to a file
// (a pipe would keep Wait waiting for the helper processes).
func startChromium(ctx context.Context, t *testing.T, bin string, args ...string) *browser {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "chromium.log")
	out, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &browser{cmd: cmd, log: logPath}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers too
		if !b.waited {
			_ = cmd.Wait()
		}
	})
	return b
}

func (b *browser) wait() error {
	b.waited = true
	return b.cmd.Wait()
}

func (b *browser) output() string {
	out, _ := os.ReadFile(b.log)
	if len(out) > 4000 {
		out = out[len(out)-4000:]
	}
	return string(out)
}

func fileURL(path string) string { return "file://" + filepath.ToSlash(path) }

// screenshot renders page with --screenshot and returns the PNG path.
func screenshot(t *testing.T, bin, page, png string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), chromiumTimeout)
	defer cancel()
	args := append(chromiumFlags(t.TempDir()), "--screenshot="+png, "--window-size=1280,2000", fileURL(page))
	b := startChromium(ctx, t, bin, args...)
	if err := b.wait(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, b.output())
	}
}

// checkPNG asserts that path is a PNG of the expected size that is not
// blank: a rendered report has many colours.
func checkPNG(t *testing.T, path string, wantW, wantH int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	bnd := img.Bounds()
	if wantW > 0 && (bnd.Dx() != wantW || (wantH > 0 && bnd.Dy() != wantH)) {
		t.Errorf("screenshot is %dx%d, want %dx%d", bnd.Dx(), bnd.Dy(), wantW, wantH)
	}
	if n := colours(img, 4000); n < 64 {
		t.Errorf("screenshot has only %d distinct colours: blank page?", n)
	}
}

func colours(img image.Image, limit int) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[r>>8<<16|g>>8<<8|bl>>8] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// keepScreenshot copies a screenshot to $SIPVET_SCREENSHOT_DIR when set.
func keepScreenshot(t *testing.T, path string) {
	t.Helper()
	dir := os.Getenv("SIPVET_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, filepath.Base(path)), b, 0o644)
	}
	if err != nil {
		t.Errorf("keep screenshot: %v", err)
	}
}

// pageReport is what loading a page over the DevTools protocol found.
type pageReport struct {
	Problems []string // console errors, exceptions, log errors, network requests
	Rows     int      // coverage matrix rows in the DOM, -1 if unknown
	PNG      []byte   // full-page screenshot
}

// loadPage opens page in chromium over the DevTools protocol, waits for the
// load event and a short settling time, and collects every console error,
// uncaught exception, error log entry and non-file network request.
func loadPage(t *testing.T, bin, page string, fullPage bool) pageReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), chromiumTimeout)
	defer cancel()
	userDir := t.TempDir()
	args := append(chromiumFlags(userDir), "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1280,2000", "about:blank")
	b := startChromium(ctx, t, bin, args...)
	wsURL, err := devToolsURL(ctx, userDir)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.output())
	}
	conn, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatalf("dial devtools: %v", err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(256 << 20)
	c := newCDP(ctx, conn)

	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := c.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	s := attached.SessionID
	for _, m := range []string{"Runtime.enable", "Log.enable", "Page.enable", "Network.enable"} {
		if err := c.call(ctx, s, m, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	c.loaded = false
	if err := c.call(ctx, s, "Page.navigate", map[string]any{"url": fileURL(page)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.until(ctx, func() bool { return c.loaded }); err != nil {
		t.Fatalf("page did not load: %v", err)
	}
	settle, stop := context.WithTimeout(ctx, 700*time.Millisecond)
	_ = c.until(settle, func() bool { return false }) // collect late events
	stop()

	rep := pageReport{Rows: -1}
	var ev struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
	}
	if err := c.call(ctx, s, "Runtime.evaluate", map[string]any{
		"expression": "document.querySelectorAll('table.matrix tbody tr').length", "returnByValue": true,
	}, &ev); err == nil {
		if f, ok := ev.Result.Value.(float64); ok {
			rep.Rows = int(f)
		}
	}
	if fullPage {
		var m struct {
			Content struct {
				Height float64 `json:"height"`
			} `json:"cssContentSize"`
		}
		if err := c.call(ctx, s, "Page.getLayoutMetrics", nil, &m); err != nil {
			t.Fatal(err)
		}
		h := min(max(int(m.Content.Height), 600), 16000)
		if err := c.call(ctx, s, "Emulation.setDeviceMetricsOverride", map[string]any{
			"width": 1280, "height": h, "deviceScaleFactor": 1, "mobile": false,
		}, nil); err != nil {
			t.Fatal(err)
		}
		var shot struct {
			Data string `json:"data"`
		}
		if err := c.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
			t.Fatal(err)
		}
		if rep.PNG, err = base64.StdEncoding.DecodeString(shot.Data); err != nil {
			t.Fatal(err)
		}
	}
	rep.Problems = c.problems
	_ = c.call(ctx, "", "Browser.close", nil, nil)
	_ = b.wait()
	return rep
}

// devToolsURL waits for chromium to write DevToolsActivePort (port, then
// browser path) into its user data dir.
func devToolsURL(ctx context.Context, userDir string) (string, error) {
	for {
		b, err := os.ReadFile(filepath.Join(userDir, "DevToolsActivePort"))
		if err == nil {
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) == 2 {
				return "ws://127.0.0.1:" + strings.TrimSpace(lines[0]) + strings.TrimSpace(lines[1]), nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no DevToolsActivePort: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// cdp is a minimal Chrome DevTools Protocol client: one reader goroutine
// feeds msgs; calls and waits run on the test goroutine.
type cdp struct {
	conn     *websocket.Conn
	msgs     chan cdpMsg
	id       int
	replies  map[int]cdpMsg
	problems []string
	loaded   bool
}

type cdpMsg struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
	err error
}

func newCDP(ctx context.Context, conn *websocket.Conn) *cdp {
	c := &cdp{conn: conn, msgs: make(chan cdpMsg, 64), replies: map[int]cdpMsg{}}
	go func() {
		defer close(c.msgs)
		for {
			_, b, err := conn.Read(ctx)
			var m cdpMsg
			if err == nil {
				err = json.Unmarshal(b, &m)
			}
			m.err = err
			select {
			case c.msgs <- m:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

func (c *cdp) call(ctx context.Context, session, method string, params, out any) error {
	c.id++
	id := c.id
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if err := c.until(ctx, func() bool { _, ok := c.replies[id]; return ok }); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	r := c.replies[id]
	delete(c.replies, id)
	if r.Error != nil {
		return fmt.Errorf("%s: %s", method, r.Error.Message)
	}
	if out != nil {
		return json.Unmarshal(r.Result, out)
	}
	return nil
}

// until handles messages until done() or ctx ends.
func (c *cdp) until(ctx context.Context, done func() bool) error {
	for !done() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m, ok := <-c.msgs:
			if !ok {
				return errors.New("devtools connection closed")
			}
			if m.err != nil {
				return m.err
			}
			if m.Method == "" {
				c.replies[m.ID] = m
				continue
			}
			c.event(m)
		}
	}
	return nil
}

// event records the events that count as problems.
func (c *cdp) event(m cdpMsg) {
	switch m.Method {
	case "Page.loadEventFired":
		c.loaded = true
	case "Runtime.exceptionThrown":
		var p struct {
			Details struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		_ = json.Unmarshal(m.Params, &p)
		c.problems = append(c.problems, "exception: "+p.Details.Text+" "+p.Details.Exception.Description)
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		_ = json.Unmarshal(m.Params, &p)
		if p.Type == "error" || p.Type == "assert" {
			var parts []string
			for _, a := range p.Args {
				parts = append(parts, fmt.Sprint(a.Value)+a.Description)
			}
			c.problems = append(c.problems, "console."+p.Type+": "+strings.Join(parts, " "))
		}
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Level  string `json:"level"`
				Source string `json:"source"`
				Text   string `json:"text"`
				URL    string `json:"url"`
			} `json:"entry"`
		}
		_ = json.Unmarshal(m.Params, &p)
		if p.Entry.Level == "error" {
			c.problems = append(c.problems, "log "+p.Entry.Source+": "+p.Entry.Text+" "+p.Entry.URL)
		}
	case "Network.requestWillBeSent":
		var p struct {
			Request struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		_ = json.Unmarshal(m.Params, &p)
		u := p.Request.URL
		if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "about:") {
			c.problems = append(c.problems, "network request: "+u)
		}
	}
}

func TestChromiumDetectsConsoleErrors(t *testing.T) {
	bin := chromiumBin(t)
	page := filepath.Join(t.TempDir(), "bad.html")
	html := `<!DOCTYPE html><html><head><meta charset="utf-8"><title>bad</title></head><body><p>bad</p>
<script>console.error("sipvet-deliberate-error"); setTimeout(function(){ throw new Error("sipvet-deliberate-throw") }, 0)</script></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := loadPage(t, bin, page, false)
	all := strings.Join(rep.Problems, "\n")
	for _, want := range []string{"console.error: sipvet-deliberate-error", "sipvet-deliberate-throw"} {
		if !strings.Contains(all, want) {
			t.Errorf("deliberate %q not detected; problems:\n%s", want, all)
		}
	}
}

func TestChromiumReport(t *testing.T) {
	bin := chromiumBin(t)
	for _, lang := range langs() {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			page := filepath.Join(dir, "report."+lang+".html")
			var buf bytes.Buffer
			if err := Render(&buf, "html", sampleRun(), sampleOptions(lang)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}

			shot := filepath.Join(dir, "sipvet-report-"+lang+".png")
			screenshot(t, bin, page, shot)
			checkPNG(t, shot, 1280, 2000)
			keepScreenshot(t, shot)

			rep := loadPage(t, bin, page, true)
			if len(rep.Problems) > 0 {
				t.Errorf("the report caused console errors, exceptions or requests:\n%s", strings.Join(rep.Problems, "\n"))
			}
			if rep.Rows != 22 {
				t.Errorf("coverage matrix has %d rows in the DOM, want 22", rep.Rows)
			}
			full := filepath.Join(dir, "sipvet-report-"+lang+"-full.png")
			if err := os.WriteFile(full, rep.PNG, 0o644); err != nil {
				t.Fatal(err)
			}
			checkPNG(t, full, 1280, 0)
			keepScreenshot(t, full)
		})
	}
}
