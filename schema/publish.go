package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// The warehouse file lifecycle.
//
// A published warehouse file is never written in place. Import builds a new
// file beside it; refresh copies it, changes the copy and publishes the copy.
// Both publish by one atomic rename over the live name. So:
//
//   - a reader (the server) always has a whole file open and never waits for
//     a writer, and a writer never waits for readers: there is no shared
//     journal, no lock between them, nothing half-written to see;
//   - the live file is always in rollback-journal mode with no journal of
//     its own, so no -journal, -wal or -shm file ever belongs to the live
//     name. SQLite opens any -wal it finds beside a file, whatever the file's
//     header says, so a sidecar left from an older file would be replayed
//     onto a new one: publish removes them before the rename;
//   - a killed writer leaves only its temporary file, which the next writer
//     removes (it holds the writer lock, so nobody else is using it).
//
// One writer at a time holds PATH.lock (an flock, released by the kernel if
// the writer dies); a second writer waits for it.

// Suffixes of the temporary files writers make beside the warehouse.
const (
	buildingSuffix   = ".building-"
	refreshingSuffix = ".refreshing-"
)

// ErrWriterBusy: another import or refresh holds the warehouse and did not
// finish within the caller's context.
var ErrWriterBusy = errors.New("另一个导入或刷新正在进行 (another import or refresh holds the warehouse)")

// write is one writer's turn: the writer lock held and its temporary file
// beside the warehouse.
type write struct {
	tmp  string
	lock *os.File
}

// startWrite takes the warehouse's writer lock, waiting while another
// writer holds it, removes what killed writers left behind, and makes the
// temporary file (suffix names the kind of writer).
func startWrite(ctx context.Context, path, suffix string) (*write, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open writer lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("take writer lock: %w", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("%w: %v", ErrWriterBusy, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	removeStale(path)
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+suffix+"*")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("create temporary warehouse: %w", err)
	}
	tmp.Close()
	return &write{tmp: tmp.Name(), lock: f}, nil
}

// end releases the writer lock (closing the descriptor releases the
// flock) and, when the write failed, removes its temporary file.
func (w *write) end(err error) {
	if err != nil {
		os.Remove(w.tmp)
		removeSidecars(w.tmp)
	}
	w.lock.Close()
}

// removeStale deletes the temporary files of writers that died. Only call
// it with the writer lock held.
func removeStale(path string) {
	for _, suffix := range []string{buildingSuffix, refreshingSuffix} {
		matches, _ := filepath.Glob(globEscape(path+suffix) + "*")
		for _, m := range matches {
			os.Remove(m)
		}
	}
}

// globEscape quotes the glob metacharacters of a literal path.
func globEscape(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch r {
		case '*', '?', '[', '\\':
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// publish makes the finished file tmp the warehouse at path: durable on
// disk first, then the sidecars of the old file removed, then one rename.
func publish(tmp, path string) error {
	if err := syncPath(tmp); err != nil {
		return fmt.Errorf("sync warehouse: %w", err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("finish warehouse: %w", err)
	}
	settleLegacyWAL(path)
	if err := removeSidecars(path); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("move warehouse into place: %w", err)
	}
	// A reader of the old file between the removal and the rename may have
	// made a -shm again; without a -wal it is inert, but leave nothing.
	removeSidecars(path)
	return syncPath(filepath.Dir(path))
}

// removeSidecars deletes PATH-journal, -wal and -shm.
func removeSidecars(path string) error {
	for _, s := range []string{"-journal", "-wal", "-shm"} {
		if err := os.Remove(path + s); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove %s%s: %w", path, s, err)
		}
	}
	return nil
}

// settleLegacyWAL folds the WAL of a warehouse written by an older chatbi
// (which refreshed in place in WAL mode) into the file and leaves WAL mode,
// so that the file is whole by itself. Best effort: it needs no other
// process to have the file open; if one does, the WAL is only removed.
func settleLegacyWAL(path string) {
	if _, err := os.Stat(path + "-wal"); err != nil {
		return
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=1000")
	if err != nil {
		return
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	db.Exec(`PRAGMA journal_mode=DELETE`)
}

// copyFile copies src to dst byte for byte (copy_file_range where the
// kernel has it); publish syncs dst.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncPath makes a file, or a directory's entries, durable. Some file
// systems refuse to sync a directory; the rename stands all the same.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		if fi, serr := f.Stat(); serr == nil && fi.IsDir() {
			return nil
		}
		return err
	}
	return nil
}
