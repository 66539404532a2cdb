package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// The warehouse file lifecycle as users run it: import, serve, refresh under
// load, stop, import again, and kill -9 anywhere in import and refresh. After
// every step the file must pass integrity_check and answer as before.

const (
	pubData  = "../../testdata/eval/public/data"
	seedQ    = "过去3个月买过口红没买过粉底液的重要价值客户"
	seedSize = 78 // the public set's gold for the seed question as of 2026-11-22
)

// TestMain lets the test binary act as the chatbi command, so kill -9 hits
// a real process doing a real import or refresh.
func TestMain(m *testing.M) {
	if os.Getenv("CHATBI_RUN_AS_COMMAND") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// child is chatbi as a child process.
func child(args ...string) *exec.Cmd {
	c := exec.Command(os.Args[0], args...)
	c.Env = append(os.Environ(), "CHATBI_RUN_AS_COMMAND=1")
	return c
}

// checkWhole fails unless the file passes integrity_check and answers the
// seed question as the gold says (at the gold's as-of date).
func checkWhole(t *testing.T, db, when string) {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var res string
	if err := conn.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("%s: integrity_check: %q %v", when, res, err)
	}
	code, out, errs := chatbi(t, "ask", "--db", db, "--as-of", "2026-11-22", "--json", seedQ)
	if code != 0 {
		t.Fatalf("%s: ask: %d %s", when, code, errs)
	}
	var ans struct{ Total int }
	json.Unmarshal([]byte(out), &ans)
	if ans.Total != seedSize {
		t.Fatalf("%s: seed question answered %d customers, want %d", when, ans.Total, seedSize)
	}
}

// staleWAL makes a real WAL of db with uncheckpointed frames and returns
// its bytes: what an older chatbi's in-place refresh left beside the file.
func staleWAL(t *testing.T, db string) []byte {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "old.db")
	b, _ := os.ReadFile(db)
	os.WriteFile(tmp, b, 0o644)
	conn, err := sql.Open("sqlite3", "file:"+tmp+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	conn.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA wal_autocheckpoint=0`, `UPDATE customer_measures SET recency = recency + 1`,
		`UPDATE purchase_lines SET amount_cents = amount_cents + 1`} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	wal, err := os.ReadFile(tmp + "-wal")
	if err != nil || len(wal) < 100000 {
		t.Fatalf("no WAL made: %d bytes, %v", len(wal), err)
	}
	conn.Close()
	return wal
}

// An older warehouse's -wal beside the live name must not be replayed onto
// a newly imported file (it used to be, corrupting the new file).
func TestImportOverStaleWAL(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.db")
	if code, _, errs := chatbi(t, "import", "--db", db, pubData); code != 0 {
		t.Fatal(errs)
	}
	wal := staleWAL(t, db)
	os.WriteFile(db+"-wal", wal, 0o644)
	if code, _, errs := chatbi(t, "import", "--db", db, pubData); code != 0 {
		t.Fatal(errs)
	}
	for _, s := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(db + s); err == nil {
			t.Errorf("%s left beside the new warehouse", s)
		}
	}
	checkWhole(t, db, "import over a stale WAL")
	// And refresh never leaves the file in WAL mode or with sidecars.
	if code, _, errs := chatbi(t, "refresh", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	if ents, _ := filepath.Glob(db + "*"); len(ents) != 2 { // w.db and w.db.lock
		t.Errorf("files after refresh: %v", ents)
	}
	checkWhole(t, db, "refresh")
}

// The sequence: import → serve → refresh → 8 clients asking during
// 3 more refreshes (the server follows each, never erring) → stop → import.
func TestImportServeRefreshUnderLoadImport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.db")
	if code, _, errs := chatbi(t, "import", "--db", db, pubData); code != 0 {
		t.Fatal(errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan string, 1), make(chan int, 1)
	go func() {
		e := env{ctx: ctx, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
		done <- serve(e, serveConfig{db: db, addr: "127.0.0.1:0", timeout: 5 * time.Second, maxRows: 10000, rate: 1000, burst: 1000},
			slog.New(slog.DiscardHandler), func(a string) { addrc <- a })
	}()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	if code, _, errs := chatbi(t, "refresh", "--db", db); code != 0 {
		t.Fatal(errs)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var asked, failed atomic.Int64
	var firstErr atomic.Value
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"question":%q,"as_of":"2026-11-22"}`, seedQ)
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Post(base+"/api/v1/ask", "application/json", strings.NewReader(body))
				asked.Add(1)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				var ans struct{ Total int }
				json.NewDecoder(resp.Body).Decode(&ans)
				resp.Body.Close()
				if resp.StatusCode != 200 || ans.Total != seedSize {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d, total %d", resp.StatusCode, ans.Total))
				}
			}
		}()
	}
	for _, day := range []string{"2026-10-31", "2026-11-22", "2026-11-30"} {
		start := time.Now()
		if code, _, errs := chatbi(t, "refresh", "--db", db, "--as-of", day); code != 0 {
			close(stop)
			t.Fatalf("refresh %s under load: %s", day, errs)
		}
		t.Logf("refresh %s under load: %s", day, time.Since(start).Round(time.Millisecond))
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failed.Load() > 0 || asked.Load() < 16 {
		t.Fatalf("%d of %d questions failed during refreshes; first: %v", failed.Load(), asked.Load(), firstErr.Load())
	}
	// The server follows the refresh that moved the as-of date, no restart.
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		AsOf string `json:"as_of"`
	}
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if h.AsOf != "2026-11-30" {
		t.Errorf("healthz as_of after refresh = %q, want 2026-11-30", h.AsOf)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	if code, _, errs := chatbi(t, "import", "--db", db, pubData); code != 0 {
		t.Fatal(errs)
	}
	checkWhole(t, db, "import after serve and refreshes")
}

// kill -9 an import or a refresh at points spread over its run: the file is
// always the whole old or the whole new warehouse, and the next writer
// cleans up what the killed one left.
func TestKillNineDuringImportAndRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	if code, _, errs := chatbi(t, "import", "--db", db, pubData); code != 0 {
		t.Fatal(errs)
	}
	for _, args := range [][]string{
		{"import", "--db", db, pubData},
		{"refresh", "--db", db, "--as-of", "2026-11-22"},
	} {
		// How long the step takes when left alone.
		start := time.Now()
		if out, err := child(args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", args, err, out)
		}
		full := time.Since(start)
		for _, frac := range []float64{0.05, 0.2, 0.4, 0.6, 0.8, 0.95} {
			c := child(args...)
			var out bytes.Buffer
			c.Stdout, c.Stderr = &out, &out
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(frac * float64(full)))
			c.Process.Signal(syscall.SIGKILL)
			c.Wait()
			checkWhole(t, db, fmt.Sprintf("%s killed at %.0f%% of %s", args[0], frac*100, full.Round(time.Millisecond)))
		}
		if out, err := child(args...).CombinedOutput(); err != nil {
			t.Fatalf("%v after kills: %v %s", args, err, out)
		}
		if ents, _ := filepath.Glob(filepath.Join(dir, "*")); len(ents) != 2 {
			t.Errorf("after %s: files %v (want the warehouse and its lock)", args[0], ents)
		}
		checkWhole(t, db, args[0]+" after kills")
	}
	// A server killed while it answers and while a refresh publishes.
	srv := child("serve", "--db", db, "--addr", "127.0.0.1:0")
	var out bytes.Buffer
	srv.Stdout, srv.Stderr = &out, io.Discard
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ref := child("refresh", "--db", db)
	ref.Start()
	time.Sleep(300 * time.Millisecond)
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	ref.Process.Signal(syscall.SIGKILL)
	ref.Wait()
	checkWhole(t, db, "serve and refresh killed together")
}
