// Package executor runs compiled statements against a warehouse, read-only by
// construction rather than by inspecting SQL text:
//
//   - the file is opened with mode=ro and query_only;
//   - every connection carries an SQLite authorizer that allows SELECT, reads
//     of the warehouse's own tables and an allow-list of functions, and
//     denies everything else (writes, ATTACH, PRAGMA, load_extension, temp
//     tables, transactions);
//   - SQLite limits cap statement length, expression depth and attachments;
//   - a time budget interrupts a statement that runs too long, and a row cap
//     bounds what one answer may return;
//   - personal data (phone numbers) is masked in every result.
//
// The connections also carry the customer-set functions of schema/custset
// (set_union, set_and, …), pure functions over the warehouse's set BLOBs,
// so that a compiled statement combines sets inside SQLite and what ran is
// still the one statement shown to the user.
//
// Statements are prepared (compiled by SQLite itself) before they run.
package executor
