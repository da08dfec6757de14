package peertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// KamailioProxy starts the naive open-relay proxy of
// testdata/kamailio-proxy.cfg (it relays any request along a pre-loaded
// Route) on a free 127.0.0.1 UDP+TCP port and returns the port.
func KamailioProxy(t testing.TB) int {
	t.Helper()
	return s2StartKamailio(t, testdata("kamailio-proxy.cfg"), nil, nil)
}

// KamailioWithUsers starts testdata/kamailio.cfg in an authenticated
// variant (KamailioPermissive or KamailioStrict) whose SQLite subscriber
// table holds users instead of KamailioUsers (for enumeration tests), and
// returns the port.
func KamailioWithUsers(t testing.TB, variant string, users []KamailioUser) int {
	t.Helper()
	return s2StartKamailio(t, testdata("kamailio.cfg"), []string{variant}, users)
}

// EnumUsers returns n distinct extensions spread over [from, from+span):
// the accounts of the enumeration tests and benchmark (password "pw"+ID).
func EnumUsers(n, from, span int) []KamailioUser {
	var us []KamailioUser
	if n <= 0 || span <= 0 {
		return us
	}
	step := span / n
	for i := 0; i < n; i++ {
		id := fmt.Sprint(from + i*step + (i*7)%max(step, 1))
		us = append(us, KamailioUser{Name: id, Password: "pw" + id})
	}
	return us
}

func s2StartKamailio(t testing.TB, cfg string, defines []string, users []KamailioUser) int {
	t.Helper()
	dir := t.TempDir()
	if len(defines) > 0 {
		db := filepath.Join(dir, "kamailio.db")
		s2SQLite(t, db, users)
		defines = append(append([]string(nil), defines...), fmt.Sprintf(`DBURL="sqlite:///%s"`, db))
	}
	return runKamailio(t, "kamailio", cfg, dir, defines)
}

// s2SQLite creates the kamailio schema and the given subscribers.
func s2SQLite(t testing.TB, path string, users []KamailioUser) {
	t.Helper()
	bin := Need(t, "sqlite3")
	var sql strings.Builder
	for _, f := range []string{"/usr/share/kamailio/db_sqlite/standard-create.sql", "/usr/share/kamailio/db_sqlite/auth_db-create.sql"} {
		b, err := os.ReadFile(f)
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("kamailio sqlite schema: %v (install kamailio-sqlite-modules)", err)
			}
			t.Skipf("kamailio sqlite schema missing: %v", err)
		}
		sql.Write(b)
		sql.WriteString("\n")
	}
	sql.WriteString("BEGIN;\n")
	for _, u := range users {
		fmt.Fprintf(&sql, "INSERT INTO subscriber (username, domain, password) VALUES ('%s', '127.0.0.1', '%s');\n", u.Name, u.Password)
	}
	sql.WriteString("COMMIT;\n")
	cmd := exec.Command(bin, path)
	cmd.Stdin = strings.NewReader(sql.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("create kamailio database: %v\n%s", err, out)
	}
}
