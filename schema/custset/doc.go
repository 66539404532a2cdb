// Package custset owns the customer sets: compressed bitmaps of customer
// keys (roaring, portable format) stored as BLOBs in the warehouse, and the
// SQL functions that combine them inside a query.
//
// Why: a question such as "过去3个月买过口红没买过粉底液的重要价值客户" is
// set algebra over ~100k-member sets (lipstick buyers, foundation buyers, a
// segment). SQLite answers it with nested loops: every member of one set is
// looked up in another, about a microsecond each, ~160 ms at 1M customers.
// Stored as per-day bitmaps (purchase sets) and per-snapshot bitmaps
// (attribute sets), the same question is a union over a few hundred small
// blobs and two word-wise set operations, and only the members of the
// answer are ever turned back into rows.
//
// The functions run inside the statement the executor prepares, so the SQL
// shown to the user is still exactly what ran:
//
//	set_union(blob)         aggregate: union of the rows' sets (none: empty)
//	set_or(a, b, ...)       union
//	set_and(a, b, ...)      intersection
//	set_minus(a, b)         a without b
//	set_count(a)            number of members
//	set_keys(a)             the members as a JSON array, ascending, for json_each
//	set_first(a, n)         the n smallest members of a
//	set_ref(a)              a handle to a decoded once, for set_has
//	set_has(h, key)         whether key is a member of set_ref's set h
//	set_head(bucket, h, n)  aggregate over a ranking's buckets in rank order:
//	                        h's members in the first buckets holding n of them
//
// NULL stands for the empty set everywhere. A blob that is not a set is an
// error, never a crash.
package custset
