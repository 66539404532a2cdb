package chdbtest

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/chatbi/chatbi/schema/clickhouse"
	"github.com/chatbi/chatbi/server/enginetest"
)

// TestClickHouseRefreshSameRows: a refresh run inside ClickHouse — an
// earlier day, a day replaced, a later day — writes the very rows a
// refresh in SQLite writes (segments, CLV scores, tags, window measures,
// snapshots, meta), and the refreshed warehouse answers as SQLite does.
func TestClickHouseRefreshSameRows(t *testing.T) {
	_, ch := openChDB(t, enginetest.Warehouse(t))
	enginetest.RefreshOnClickHouse(t, clickhouse.Cluster{Shards: []*sql.DB{ch}})
	want := enginetest.RefreshedReference(t)
	enginetest.SameRefreshedRows(t, ch, want)
	pool, err := sql.Open("chdb", "session="+filepath.Join(chDir, "chdb"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := enginetest.Services(t, want, pool, opt)
	enginetest.Compare(t, a, b, enginetest.CoreSets(t))
}
