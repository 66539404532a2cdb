package custset

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/RoaringBitmap/roaring/v2"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// Set is a set of customer keys.
type Set = roaring.Bitmap

// New returns an empty set.
func New() *Set { return roaring.New() }

// Encode serializes s in the portable roaring format, compressed first.
func Encode(s *Set) ([]byte, error) {
	s.RunOptimize()
	return s.ToBytes()
}

// ErrNotASet: a blob given to a set function is not a serialized set.
var ErrNotASet = errors.New("not a customer set")

// Decode reads a blob written by Encode; nil is the empty set. It never
// panics on a malformed blob (the roaring reader may), it returns ErrNotASet.
func Decode(b []byte) (s *Set, err error) {
	s = roaring.New()
	if len(b) == 0 {
		return s, nil
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w: %v", ErrNotASet, r)
		}
	}()
	if _, err := s.FromBuffer(b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotASet, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotASet, err)
	}
	return s, nil
}

// blob takes a function argument: SQLite hands NULL as nil (the empty set)
// and a BLOB as []byte; anything else is not a set.
func blob(v any) ([]byte, error) {
	switch b := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	}
	return nil, fmt.Errorf("%w: %T argument", ErrNotASet, v)
}

// union is the set_union aggregate. It keeps the rows' sets and ORs them
// all at once in Done, into a plain bit array: folding them one by one (or
// roaring's FastOr) re-merges the growing result's sorted arrays at every
// row, which was a quarter of the seed question's time.
type union struct {
	parts []*Set
	err   error
}

func (u *union) Step(v any) error {
	if u.err != nil {
		return u.err
	}
	b, err := blob(v)
	if err != nil {
		u.err = err
		return err
	}
	x, err := Decode(b)
	if err != nil {
		u.err = err
		return err
	}
	u.parts = append(u.parts, x)
	return nil
}

func (u *union) Done() ([]byte, error) {
	if u.err != nil {
		return nil, u.err
	}
	return Encode(orAll(u.parts))
}

// denseLimit bounds the bit array orAll allocates (8 MB); sets of larger
// keys are ORed by roaring itself.
const denseLimit = 1 << 26

// orAll is the union of many sets.
func orAll(parts []*Set) *Set {
	var max uint32
	for _, p := range parts {
		if !p.IsEmpty() && p.Maximum() > max {
			max = p.Maximum()
		}
	}
	if len(parts) < 8 || max >= denseLimit {
		return roaring.FastOr(parts...)
	}
	words := make([]uint64, max/64+1)
	buf := make([]uint32, 512)
	for _, p := range parts {
		it := p.ManyIterator()
		for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
			for _, x := range buf[:n] {
				words[x>>6] |= 1 << (x & 63)
			}
		}
	}
	return roaring.FromDense(words, false)
}

// arg decodes one function argument.
func arg(v any) (*Set, error) {
	b, err := blob(v)
	if err != nil {
		return nil, err
	}
	return Decode(b)
}

// fold decodes every argument and combines them left to right.
func fold(args []any, op func(a, b *Set)) ([]byte, error) {
	if len(args) == 0 {
		return Encode(New())
	}
	acc, err := arg(args[0])
	if err != nil {
		return nil, err
	}
	for _, v := range args[1:] {
		x, err := arg(v)
		if err != nil {
			return nil, err
		}
		op(acc, x)
	}
	return Encode(acc)
}

func or(args ...any) ([]byte, error) { return fold(args, (*Set).Or) }

func and(args ...any) ([]byte, error) { return fold(args, (*Set).And) }

func minus(a, b any) ([]byte, error) { return fold([]any{a, b}, (*Set).AndNot) }

func count(a any) (int64, error) {
	s, err := arg(a)
	if err != nil {
		return 0, err
	}
	return int64(s.GetCardinality()), nil
}

// first is the set of a's n smallest members: json_each(set_keys(a)) with
// a LIMIT still renders every member, first renders only what is read.
func first(a any, n int64) ([]byte, error) {
	s, err := arg(a)
	if err != nil {
		return nil, err
	}
	out := New()
	it := s.Iterator()
	for ; n > 0 && it.HasNext(); n-- {
		out.Add(it.Next())
	}
	return Encode(out)
}

// keys renders the members as a JSON array of integers.
func keys(a any) (string, error) {
	s, err := arg(a)
	if err != nil {
		return "", err
	}
	buf := make([]byte, 0, 2+8*int(s.GetCardinality()))
	buf = append(buf, '[')
	it := s.Iterator()
	for i := 0; it.HasNext(); i++ {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendUint(buf, uint64(it.Next()), 10)
	}
	return string(append(buf, ']')), nil
}

// Functions are the names Register defines, for an authorizer's allow-list.
var Functions = []string{"set_union", "set_or", "set_and", "set_minus", "set_count", "set_keys", "set_first", "set_ref", "set_has", "set_head"}

// refs is one connection's decoded sets for set_has, by handle. A statement
// walking an index tests each row's key against one set; passing the blob
// every row would copy and decode it every row, so set_ref decodes it once
// and hands out a small integer. Handles live for the connection's next
// refSlots set_ref calls (a statement makes one or two), and a handle that
// has been reused is an error, never another set's answer.
type refs struct {
	next  int64
	slots [refSlots]struct {
		id  int64
		set *Set
	}
}

const refSlots = 16

func (r *refs) ref(a any) (int64, error) {
	s, err := arg(a)
	if err != nil {
		return 0, err
	}
	r.next++
	slot := &r.slots[r.next%refSlots]
	slot.id, slot.set = r.next, s
	return r.next, nil
}

func (r *refs) has(id, key int64) (bool, error) {
	slot := &r.slots[id%refSlots]
	if id <= 0 || slot.id != id {
		return false, fmt.Errorf("%w: stale set handle %d", ErrNotASet, id)
	}
	return key >= 0 && key <= 1<<32-1 && slot.set.Contains(uint32(key)), nil
}

// Register defines the set functions on a connection (from a driver's
// ConnectHook).
func Register(c *sqlite3.SQLiteConn) error {
	if err := c.RegisterAggregator("set_union", func() *union { return &union{} }, true); err != nil {
		return err
	}
	fns := []struct {
		name string
		impl any
	}{
		{"set_or", or}, {"set_and", and}, {"set_minus", minus}, {"set_count", count}, {"set_keys", keys}, {"set_first", first},
	}
	for _, f := range fns {
		if err := c.RegisterFunc(f.name, f.impl, true); err != nil {
			return fmt.Errorf("register %s: %w", f.name, err)
		}
	}
	// set_ref has an effect (a handle), so it is not deterministic: each
	// call is a new handle. Queries call it once, in an uncorrelated
	// subquery, which SQLite evaluates once per statement.
	r := &refs{}
	if err := c.RegisterFunc("set_ref", r.ref, false); err != nil {
		return fmt.Errorf("register set_ref: %w", err)
	}
	if err := c.RegisterFunc("set_has", r.has, false); err != nil {
		return fmt.Errorf("register set_has: %w", err)
	}
	if err := c.RegisterAggregator("set_head", func() *head { return &head{refs: r} }, false); err != nil {
		return fmt.Errorf("register set_head: %w", err)
	}
	return nil
}

// head is the set_head aggregate: given a ranking cut into buckets (rows
// in rank order, best first) and a set (by set_ref handle), it is the set's
// members in the first buckets that hold at least n of them — where the n
// best-ranked members must be. Buckets after that are not decoded.
type head struct {
	refs *refs
	acc  uint64
	n    int64
	out  *Set
	err  error
}

func (h *head) Step(bucket any, id, n int64) error {
	if h.err != nil {
		return h.err
	}
	if h.out == nil {
		h.out, h.n = New(), n
	}
	if int64(h.acc) >= h.n {
		return nil // the n best are in the buckets taken
	}
	slot := &h.refs.slots[id%refSlots]
	if id <= 0 || slot.id != id {
		h.err = fmt.Errorf("%w: stale set handle %d", ErrNotASet, id)
		return h.err
	}
	b, err := arg(bucket)
	if err != nil {
		h.err = err
		return err
	}
	b.And(slot.set)
	h.acc += b.GetCardinality()
	h.out.Or(b)
	return nil
}

func (h *head) Done() ([]byte, error) {
	if h.err != nil {
		return nil, h.err
	}
	if h.out == nil {
		return Encode(New())
	}
	return Encode(h.out)
}
