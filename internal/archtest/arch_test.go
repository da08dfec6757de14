package archtest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/sipvet/sipvet"

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// short turns "github.com/sipvet/sipvet/internal/sip" into "sip" and
// "github.com/sipvet/sipvet/cmd/sipvet" into "cmd/sipvet".
func short(path string) string {
	path = strings.TrimPrefix(path, module+"/")
	return strings.TrimPrefix(path, "internal/")
}

// layer of each internal package (ARCHITECTURE.md); imports must go to a
// lower layer, or to the few same-layer leaves listed in sameLayerOK.
func layers() map[string]int {
	return map[string]int{
		"sip": 0, "sdp": 0, "rtp": 0, "digest": 0, "cvss": 0, "kb": 0, "finding": 0, "target": 0,
		"transport": 1,
		"enum":      1,
		"check":     2, "harness": 2, "capture": 2, "fuzz": 2, "crack": 2, "lab": 2, "report": 2,
		"scan":       3,
		"siptest":    3,
		"peertest":   3,
		"archtest":   0,
		"crack/md5x": 0,
		"ident":      0,
		"cmd/sipvet": 4,
	}
}

func sameLayerOK() map[string]bool {
	return map[string]bool{"kb->cvss": true}
}

// pure packages may import only these standard packages' families: nothing
// that does I/O with the outside world.
func forbiddenInPure() []string {
	return []string{"net", "net/http", "os", "os/exec", "os/signal", "syscall", "log/slog", "log", "io/fs", "path/filepath"}
}

func TestImportRules(t *testing.T) {
	lay := layers()
	for _, p := range listPackages(t) {
		name := short(p.ImportPath)
		l, ok := lay[name]
		if !ok {
			t.Errorf("package %s has no layer in the architecture table: add it to ARCHITECTURE.md and this test", name)
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") {
				dep := short(imp)
				dl, ok := lay[dep]
				if !ok {
					continue // reported for the package itself
				}
				if dl >= l && !sameLayerOK()[name+"->"+dep] {
					t.Errorf("%s (layer %d) imports %s (layer %d): imports must go downward", name, l, dep, dl)
				}
				if dep == "siptest" {
					t.Errorf("%s imports siptest: only _test.go files may", name)
				}
				if dep == "lab" && name != "cmd/sipvet" && name != "siptest" {
					t.Errorf("%s imports lab: only cmd/sipvet, siptest and tests may", name)
				}
				continue
			}
			if l == 0 {
				for _, f := range forbiddenInPure() {
					if imp == f {
						t.Errorf("pure package %s imports %s", name, imp)
					}
				}
			}
			if strings.HasPrefix(imp, "github.com/gopacket/") && name != "capture" {
				t.Errorf("%s imports %s: only capture may import gopacket", name, imp)
			}
			if imp == "net" && !map[string]bool{"transport": true, "lab": true, "harness": true, "siptest": true, "peertest": true, "capture": true}[name] {
				t.Errorf("%s imports net: only transport (and lab/harness through it) open sockets", name)
			}
			if name == "report" && (imp == "net" || imp == "net/http" || strings.HasSuffix(imp, "/transport")) {
				t.Errorf("report imports network code %s", imp)
			}
		}
	}
}
