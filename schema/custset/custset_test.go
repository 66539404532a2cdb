package custset

import (
	"database/sql"
	"strings"
	"testing"

	sqlite3 "github.com/mattn/go-sqlite3"
)

func init() {
	sql.Register("sqlite3_custset_test", &sqlite3.SQLiteDriver{ConnectHook: Register})
}

func blobOf(t *testing.T, keys ...uint32) []byte {
	t.Helper()
	s := New()
	s.AddMany(keys)
	b, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFunctionsInSQL(t *testing.T) {
	db, err := sql.Open("sqlite3_custset_test", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE s(name TEXT, b BLOB)`); err != nil {
		t.Fatal(err)
	}
	for name, keys := range map[string][]uint32{"a": {1, 2, 3, 70000}, "b": {2, 3, 4}, "c": {3, 9}} {
		if _, err := db.Exec(`INSERT INTO s VALUES (?, ?)`, name, blobOf(t, keys...)); err != nil {
			t.Fatal(err)
		}
	}
	set := func(n string) string { return "(SELECT b FROM s WHERE name = '" + n + "')" }
	cases := []struct{ expr, want string }{
		{"set_keys((SELECT set_union(b) FROM s))", "[1,2,3,4,9,70000]"},
		{"set_keys((SELECT set_union(b) FROM s WHERE 0))", "[]"},
		{"set_keys(set_and(" + set("a") + ", " + set("b") + ", " + set("c") + "))", "[3]"},
		{"set_keys(set_or(" + set("b") + ", " + set("c") + "))", "[2,3,4,9]"},
		{"set_keys(set_minus(" + set("a") + ", " + set("b") + "))", "[1,70000]"},
		{"set_keys(set_minus(" + set("a") + ", NULL))", "[1,2,3,70000]"},
		{"set_keys(set_and(" + set("a") + ", " + set("missing") + "))", "[]"},
		{"set_count(" + set("a") + ")", "4"},
		{"set_count(NULL)", "0"},
		{"set_keys(set_first(" + set("a") + ", 2))", "[1,2]"},
		{"set_keys(set_first(" + set("a") + ", 0))", "[]"},
		{"set_keys(set_first(" + set("a") + ", 9))", "[1,2,3,70000]"},
		{"(SELECT group_concat(value) FROM json_each(set_keys(" + set("a") + ")))", "1,2,3,70000"},
	}
	for _, c := range cases {
		var got string
		if err := db.QueryRow("SELECT " + c.expr).Scan(&got); err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
	// Anything that is not a set is an error, not a crash or a wrong answer.
	for _, bad := range []string{"set_count(x'3a300000ffffffff')", "set_count('text')", "set_count(42)",
		"set_keys(x'0102')", "(SELECT set_union(x) FROM (SELECT x'00' AS x))", "set_minus(x'ff', NULL)"} {
		var v any
		err := db.QueryRow("SELECT " + bad).Scan(&v)
		if err == nil || !strings.Contains(err.Error(), "not a customer set") {
			t.Errorf("%s: err = %v, want not a customer set", bad, err)
		}
	}
}

// set_has tests keys against a set decoded once by set_ref: a walk over a
// table in some order keeps the members, and a handle from before the
// connection's last refSlots set_ref calls is an error, not another answer.
func TestSetHasWalksInOrder(t *testing.T) {
	db, err := sql.Open("sqlite3_custset_test", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE w(k INTEGER PRIMARY KEY, v INTEGER); CREATE INDEX w_v ON w(v DESC, k)`); err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= 1000; k++ {
		if _, err := db.Exec(`INSERT INTO w VALUES (?, ?)`, k, (k*37)%101); err != nil {
			t.Fatal(err)
		}
	}
	members := blobOf(t, 3, 10, 500, 999, 5000)
	var got string
	err = db.QueryRow(`SELECT group_concat(k) FROM (SELECT k FROM w INDEXED BY w_v WHERE set_has((SELECT set_ref(?)), k) ORDER BY v DESC, k LIMIT 3)`, members).Scan(&got)
	if err != nil {
		t.Fatal(err)
	}
	// v = k·37 mod 101: 999→98, 10→67, 500→17, 3→10 (5000 has no row).
	if got != "999,10,500" {
		t.Errorf("walk = %s, want 999,10,500", got)
	}
	var h int64
	if err := db.QueryRow(`SELECT set_ref(?)`, members).Scan(&h); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < refSlots; i++ {
		if _, err := db.Exec(`SELECT set_ref(?)`, members); err != nil {
			t.Fatal(err)
		}
	}
	var ok bool
	if err := db.QueryRow(`SELECT set_has(?, 3)`, h).Scan(&ok); err == nil || !strings.Contains(err.Error(), "stale set handle") {
		t.Errorf("a reused handle answered: %v %v", ok, err)
	}
	if err := db.QueryRow(`SELECT set_has(0, 3)`).Scan(&ok); err == nil {
		t.Error("handle 0 answered")
	}
}

// set_head takes a ranking's buckets in order and keeps a set's members
// from the first buckets until it holds n of them.
func TestSetHead(t *testing.T) {
	db, err := sql.Open("sqlite3_custset_test", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE r(bucket INTEGER PRIMARY KEY, b BLOB)`); err != nil {
		t.Fatal(err)
	}
	for i, keys := range [][]uint32{{5, 9}, {1, 7, 8}, {2, 3, 4}, {6}} {
		if _, err := db.Exec(`INSERT INTO r VALUES (?, ?)`, i, blobOf(t, keys...)); err != nil {
			t.Fatal(err)
		}
	}
	members := blobOf(t, 1, 3, 4, 6, 8, 100)
	for n, want := range map[int]string{0: "[]", 1: "[1,8]", 2: "[1,8]", 3: "[1,3,4,8]", 5: "[1,3,4,6,8]", 9: "[1,3,4,6,8]"} {
		var got string
		err := db.QueryRow(`SELECT set_keys((SELECT set_head(b, (SELECT set_ref(?)), ? ORDER BY bucket) FROM r))`, members, n).Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("n=%d: head %s, want %s", n, got, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add(blobOfF(1, 2, 3))
	f.Add(blobOfF(0, 1<<20, 1<<31))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Decode(b)
		if err != nil {
			return
		}
		if _, err := Encode(s); err != nil {
			t.Fatal(err)
		}
	})
}

func blobOfF(keys ...uint32) []byte {
	s := New()
	s.AddMany(keys)
	b, _ := Encode(s)
	return b
}

// TestOrAll: the bit-array union and roaring's agree, across container
// boundaries and for the many-small-sets shape of a window of days.
func TestOrAll(t *testing.T) {
	var parts []*Set
	for d := 0; d < 90; d++ {
		s := New()
		for i := 0; i < 300; i++ {
			s.Add(uint32((d*7919 + i*104729) % 1_000_003))
		}
		parts = append(parts, s)
	}
	parts = append(parts, New(), blobSet(t, 0, 65535, 65536, 1<<20))
	got, want := orAll(parts), New()
	for _, p := range parts {
		want.Or(p)
	}
	if !got.Equals(want) {
		t.Fatalf("orAll: %d members, want %d", got.GetCardinality(), want.GetCardinality())
	}
	if big := orAll([]*Set{blobSet(t, denseLimit+5), New(), New(), New(), New(), New(), New(), blobSet(t, 3)}); big.GetCardinality() != 2 {
		t.Fatalf("large keys: %v", big.ToArray())
	}
}

func blobSet(t *testing.T, keys ...uint32) *Set {
	s, err := Decode(blobOf(t, keys...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
