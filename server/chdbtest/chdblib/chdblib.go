// Package chdblib points chdb-go at libchdb.so before chdb-go loads it.
//
// chdb-go opens the library in its package init, from CHDB_LIB_PATH or a
// system path, and panics if it is not there. Go initializes a test
// binary's packages in import-path order once their dependencies are
// done, so this package (github.com/chatbi/…, which sorts before
// github.com/chdb-io/…) runs first: without CHDB_LIB_PATH it uses the copy
// scripts/install-chdb.sh put under .cache/chdb, and without one it stops
// the binary with the command to run — a ClickHouse test never skips.
package chdblib

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

func init() {
	if os.Getenv("CHDB_LIB_PATH") != "" {
		return
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	found, _ := filepath.Glob(filepath.Join(root, ".cache", "chdb", "*", "libchdb.so"))
	if len(found) == 0 {
		fmt.Fprintln(os.Stderr, "chdbtest: libchdb.so not found; run bash scripts/install-chdb.sh (make test does) or set CHDB_LIB_PATH")
		os.Exit(2)
	}
	os.Setenv("CHDB_LIB_PATH", found[len(found)-1])
}
