// Package schematest gives tests of every stage the same real warehouse:
// the public evaluation data imported once per test binary into a temp dir
// (the way net/http/httptest gives them a real server).
package schematest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/chatbi/chatbi/schema"
)

var (
	once sync.Once
	dir  string
	path string
	err  error
)

// Main runs a test binary's tests and then removes the warehouse they
// shared, after the binary's own cleanups; call it from TestMain so test
// runs leave nothing in the temp dir.
func Main(m *testing.M, cleanups ...func()) {
	code := m.Run()
	for _, f := range cleanups {
		f()
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// PublicDataDir is testdata/eval/public/data of this repository.
func PublicDataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "eval", "public", "data")
}

// PublicWarehouse returns the path of a warehouse imported from the public
// evaluation data (as of 2026-11-22). Tests must not write to it.
func PublicWarehouse(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		d, e := os.MkdirTemp("", "chatbi-public")
		if e != nil {
			err = e
			return
		}
		dir = d
		path = filepath.Join(dir, "public.db")
		_, err = schema.Import(context.Background(), path, PublicDataDir(), schema.ImportOptions{})
	})
	if err != nil {
		tb.Fatalf("import public data: %v", err)
	}
	return path
}
