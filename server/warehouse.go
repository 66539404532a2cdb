package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clickhouse"
)

// warehouse follows one warehouse file. Import and refresh never write the
// live file; they publish a new one under the same name (schema/publish.go).
// So the service serves the file it opened until a new one appears, then
// opens that one for the next question and closes the old one when its
// last question (or export) is done. A question never sees a half-made
// warehouse and nobody restarts the server after a refresh.
type warehouse struct {
	path string
	// fixed is an engine served as it is (ClickHouse): no file to follow,
	// and the views made for new teachings share it.
	fixed *executor.Executor
	opt   executor.Options
	log   *slog.Logger
	lex   []nlq.Entry // a retailer's own words, on top of the core lexicon
	// taught: the admins' teachings in force, on top of lex (teach.go).
	taught atomic.Pointer[[]nlq.Entry]

	cur       atomic.Pointer[view]
	reopen    sync.Mutex   // one reopen at a time
	lastCheck atomic.Int64 // unix nanoseconds of the last stat
}

// view is one opened warehouse file: its engine (catalog) and executor.
type view struct {
	Engine *nlq.Engine
	Exec   *executor.Executor
	file   os.FileInfo  // the file served (nil on ClickHouse)
	mark   string       // the ClickHouse copy served (clickhouse.State)
	shared bool         // Exec is the warehouse's fixed engine: retiring keeps it open
	cache  *resultCache // this file's recent results (cache.go)

	inUse  sync.RWMutex // readers: questions using it; the writer: its closing
	closed bool
}

// checkEvery bounds how often a question stats the file: a stat is ~1 µs,
// but a burst of questions needs only one. On ClickHouse the look is a
// query (~1 ms on a LAN), made at most once a second: a new import is
// served within a second of its publication.
const (
	checkEvery       = 100 * time.Millisecond
	checkEngineEvery = time.Second
)

func openWarehouse(ctx context.Context, path string, opt executor.Options, lex []nlq.Entry) (*warehouse, error) {
	w := &warehouse{path: path, opt: opt, lex: lex, log: slog.New(slog.DiscardHandler)}
	v, err := openView(ctx, path, opt, lex)
	if err != nil {
		return nil, err
	}
	w.cur.Store(v)
	w.lastCheck.Store(time.Now().UnixNano())
	return w, nil
}

func openView(ctx context.Context, path string, opt executor.Options, lex []nlq.Entry) (*view, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open warehouse: %w", err)
	}
	x, err := executor.Open(path, opt)
	if err != nil {
		return nil, err
	}
	v, err := newView(ctx, x, lex)
	if err != nil {
		x.Close()
		return nil, err
	}
	v.file = fi
	return v, nil
}

// newView reads the catalog through x and builds the engine for x's
// dialect: the same catalog queries and compiler serve SQLite and
// ClickHouse.
func newView(ctx context.Context, x *executor.Executor, lex []nlq.Entry) (*view, error) {
	var mark string
	if x.ClickHouse() {
		var err error
		if mark, err = settledMark(ctx, x); err != nil {
			return nil, err
		}
	}
	cat, err := schema.LoadCatalog(ctx, x.DB())
	if err != nil {
		return nil, err
	}
	if x.ClickHouse() { // the catalog must be the copy's the mark names
		if again, err := settledMark(ctx, x); err != nil {
			return nil, err
		} else if again != mark {
			return nil, errRepublished
		}
	}
	eng, err := nlq.NewEngineWith(cat, lex)
	if err != nil {
		return nil, err
	}
	if x.ClickHouse() {
		eng.Dialect = nlq.ClickHouse
		major, err := x.ClickHouseMajor(ctx)
		if err != nil {
			return nil, err
		}
		eng.OldClickHouse = major < 21
	}
	return &view{Engine: eng, Exec: x, mark: mark, cache: newResultCache(512, 2000)}, nil
}

// acquire returns the current view, switching to a newly published file
// first; the caller must release it.
func (w *warehouse) acquire(ctx context.Context) *view {
	w.follow(ctx)
	for {
		v := w.cur.Load()
		v.inUse.RLock()
		if !v.closed {
			return v
		}
		v.inUse.RUnlock() // retired between Load and RLock: take the new one
	}
}

func (v *view) release() { v.inUse.RUnlock() }

// current is the view without holding it (catalog reads only).
func (w *warehouse) current() *view {
	w.follow(context.Background())
	return w.cur.Load()
}

// follow switches to a new file, or a new ClickHouse copy, if one was
// published since the last look.
func (w *warehouse) follow(ctx context.Context) {
	every := checkEvery
	if w.fixed != nil {
		every = checkEngineEvery
	}
	now := time.Now().UnixNano()
	last := w.lastCheck.Load()
	if now-last < int64(every) || !w.lastCheck.CompareAndSwap(last, now) {
		return
	}
	w.reload(ctx)
}

// reload opens the file at the path if it is not the one being served. A
// file that cannot be opened (mid-upgrade, corrupt, removed) is logged and
// the current one kept.
func (w *warehouse) reload(ctx context.Context) error {
	w.reopen.Lock()
	defer w.reopen.Unlock()
	old := w.cur.Load()
	if w.fixed != nil {
		return w.reloadEngine(ctx, old)
	}
	fi, err := os.Stat(w.path)
	if err != nil {
		w.log.Warn("warehouse file missing: serving the one already open", "path", w.path, "err", err)
		return err
	}
	if os.SameFile(fi, old.file) && fi.ModTime().Equal(old.file.ModTime()) && fi.Size() == old.file.Size() {
		return nil
	}
	return w.swap(ctx, old)
}

// reloadEngine reads the ClickHouse copy's mark and serves the copy anew
// (catalog, answer cache) if it changed: a new import was published. An
// engine that does not answer is logged and the current view kept; the
// question then gets the engine's own error.
func (w *warehouse) reloadEngine(ctx context.Context, old *view) error {
	look, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	mark, _, err := clickhouse.State(look, w.fixed.DB())
	if err != nil {
		w.log.Warn("cannot read the ClickHouse copy's mark: serving the one already open", "err", err)
		return err
	}
	if mark == old.mark {
		return nil
	}
	return w.swap(ctx, old)
}

// settledMark returns the mark of the ClickHouse copy x serves, or
// errRepublished while a new copy is being published over it.
func settledMark(ctx context.Context, x *executor.Executor) (string, error) {
	mark, publishing, err := clickhouse.State(ctx, x.DB())
	if err != nil {
		return "", fmt.Errorf("read the ClickHouse copy's mark: %w", err)
	}
	if publishing {
		return "", errRepublished
	}
	return mark, nil
}

// errRepublished: a new ClickHouse copy was published, or is being
// published, before or while a statement ran, so it does not run or its
// result (which may mix the two copies) is not given. Ask waits and asks
// again within its budget; other callers get the 503.
var errRepublished = retryError(CodeUnavailable, "数据仓库正在更新，请稍后再试 (a new warehouse copy is being published)", 1, nil)

// readOneCopy runs read on v. On ClickHouse it runs only while the copy v
// was made for is served and no new copy is being published (which waits
// for reads under way), and its result stands only if that still held when
// it ended: no answer or export mixes two copies' tables.
func (w *warehouse) readOneCopy(ctx context.Context, v *view, read func() error) error {
	if !v.Exec.ClickHouse() {
		return read()
	}
	if err := w.stillServes(ctx, v); err != nil {
		return err
	}
	if err := read(); err != nil {
		return err
	}
	return w.stillServes(ctx, v)
}

// stillServes reports errRepublished unless the ClickHouse copy v was made
// for is still the one served, untouched (readOneCopy). The next question
// looks for the new copy at once.
func (w *warehouse) stillServes(ctx context.Context, v *view) error {
	mark, err := settledMark(ctx, w.fixed)
	if err == nil && mark == v.mark {
		return nil
	}
	w.lastCheck.Store(0)
	if err != nil && !errors.Is(err, errRepublished) {
		return err
	}
	return errRepublished
}

// swap opens the file anew and retires old; the caller holds reopen.
func (w *warehouse) swap(ctx context.Context, old *view) error {
	var v *view
	var err error
	if w.fixed != nil {
		if v, err = newView(ctx, w.fixed, w.words()); err == nil {
			v.shared = true
		}
	} else {
		v, err = openView(ctx, w.path, w.opt, w.words())
	}
	if err != nil {
		w.log.Error("new warehouse file cannot be served: keeping the current one", "path", w.path, "err", err)
		return err
	}
	w.cur.Store(v)
	w.log.Info("serving a newly published warehouse", "path", w.path, "as_of", schema.FormatDate(v.Engine.Catalog.AsOf))
	go old.retire()
	return nil
}

// words are the lexicon entries on top of the core: the retailer's, then
// the teachings in force.
func (w *warehouse) words() []nlq.Entry {
	out := append([]nlq.Entry{}, w.lex...)
	if t := w.taught.Load(); t != nil {
		out = append(out, *t...)
	}
	return out
}

// relearn serves the same file with new teachings: a new view, swapped in
// like a newly published warehouse (questions under way finish on the old).
func (w *warehouse) relearn(ctx context.Context, taught []nlq.Entry) error {
	w.reopen.Lock()
	defer w.reopen.Unlock()
	w.taught.Store(&taught)
	return w.swap(ctx, w.cur.Load())
}

// retire closes a view once no question uses it.
func (v *view) retire() {
	v.inUse.Lock()
	defer v.inUse.Unlock()
	v.closed = true
	if !v.shared {
		v.Exec.Close()
	}
}

// close closes the current view (the service is stopping).
func (w *warehouse) close() error {
	v := w.cur.Load()
	v.inUse.Lock()
	defer v.inUse.Unlock()
	v.closed = true
	return v.Exec.Close()
}
