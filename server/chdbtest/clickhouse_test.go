package chdbtest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/chatbi/chatbi/server/chdbtest/chdblib" // before chdb-go: finds libchdb.so
	_ "github.com/chdb-io/chdb-go/chdb/driver"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clickhouse"
	"github.com/chatbi/chatbi/schema/schematest"
	"github.com/chatbi/chatbi/server"
	"github.com/chatbi/chatbi/server/enginetest"
)

// chDB is one engine per process: a second session with another path is
// the first one. So the tests share one session, made once, and each test
// copies the warehouse it needs into it (Copy replaces the tables).
var (
	chOnce sync.Once
	chDir  string
	chDB   *sql.DB
	chErr  error
)

func TestMain(m *testing.M) {
	// The public warehouse is far too sparse for the bitmaps to pay (a
	// product's day is one or two lines): build them anyway, so the
	// answers here go through them.
	clickhouse.BitmapMinLines = 0
	schematest.Main(m, func() {
		if chDB != nil {
			chDB.Close()
		}
		if chDir != "" {
			os.RemoveAll(chDir)
		}
	})
}

func session(t *testing.T) *sql.DB {
	t.Helper()
	chOnce.Do(func() {
		if chDir, chErr = os.MkdirTemp("", "chatbi-chdb"); chErr != nil {
			return
		}
		chDB, chErr = sql.Open("chdb", "session="+filepath.Join(chDir, "chdb"))
	})
	if chErr != nil {
		t.Fatal(chErr)
	}
	return chDB
}

var opt = executor.Options{Timeout: 30 * time.Second, MaxRows: 100000}

// openChDB copies the warehouse at path into the shared chDB session.
func openChDB(t *testing.T, path string) (lite, ch *sql.DB) {
	t.Helper()
	var err error
	if lite, err = schema.OpenRO(path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	ch = session(t)
	if err := clickhouse.Copy(context.Background(), lite, ch); err != nil {
		t.Fatal(err)
	}
	return lite, ch
}

// services answers the same questions on SQLite (customer sets and all)
// and on chDB (plain SQL in the ClickHouse dialect), caches off.
func services(t *testing.T) (onSQLite, onCH *server.Service, ch *sql.DB) {
	t.Helper()
	path := enginetest.Warehouse(t)
	_, ch = openChDB(t, path)
	// The service closes its pool when it closes: give it its own on the
	// shared session.
	pool, err := sql.Open("chdb", "session="+filepath.Join(chDir, "chdb"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := enginetest.Services(t, path, pool, opt)
	return a, b, ch
}

// TestClickHouseSameAnswers asks every public and paraphrase question —
// with its follow-up turns — on SQLite and on chDB (purchases read from
// the day bitmaps) and requires the same answer: status, type, columns, total and every row on the first page of
// 100. It also requires that every answer type was compared.
func TestClickHouseSameAnswers(t *testing.T) {
	a, b, _ := services(t)
	if !b.Engine().Catalog.PurchaseBitmaps {
		t.Error("chDB 26.7 has the bitmap functions: the copy must have built purchase_bitmaps (the answers below then test them)")
	}
	seen := enginetest.Compare(t, a, b, enginetest.AllSets(t))
	for _, k := range []string{"customers", "count", "table", "migration", "clv ranking"} {
		if seen[k] == 0 {
			t.Errorf("no %s answer was compared", k)
		}
	}
}

// TestClickHouseOldShapeSameAnswers: the list shape for servers before
// 21.x (no window functions, one join per SELECT), which the 18.16
// cluster test runs, also answers as SQLite does on chDB 26.7 — one SQL
// for old and new servers.
func TestClickHouseOldShapeSameAnswers(t *testing.T) {
	a, b, _ := services(t)
	if b.Engine().OldClickHouse {
		t.Fatal("chDB 26.7 taken for an old server")
	}
	b.Engine().OldClickHouse = true
	seen := enginetest.Compare(t, a, b, enginetest.CoreSets(t))
	if seen["customers"] == 0 {
		t.Error("no list was compared")
	}
}
