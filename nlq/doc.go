// Package nlq turns a marketer's Chinese question into a Plan and a Plan into
// SQL and a Chinese explanation. It owns the question language: the
// normalizer, the lexicon (built from the schema catalog plus the fixed
// vocabulary of spec semantics.md), the hand-written grammar, the Plan, the
// compiler and the explainer. It never imports an HTTP package and never
// touches a database: the executor runs what it compiles.
//
// The pipeline, one file each:
//
//	normalize.go  width folding, case, whitespace; rune offsets back to the question
//	lexicon.go    surface → meaning, from the catalog and the lexicon files
//	lexfile.go    lexicon/*.lex: the phrasing as data (core.lex, a retailer's own file)
//	lexer.go      longest-match tokens, numbers (三十五, 2千, 1.5万), dates
//	parser.go     the grammar engine: tokens → rules → conditions, window, answer
//	parse_*.go    the rules, a file per family: time, purchase, threshold
//	              (and rankings), attribute, group (and answer words),
//	              conditions (joining, negation scope), followup (edits)
//	timephrase.go time phrases → absolute date windows against as_of
//	plan.go       the Plan: the one typed description every stage shares
//	followup.go   a follow-up question edits the previous Plan
//	compile.go    Plan → one SQL statement with bound parameters: the entry
//	              and the shared pieces (snapshot or customers, scope)
//	compile_filter.go  the condition tree as a WHERE clause
//	compile_list.go    customer lists (one page, sorted) and counts
//	compile_table.go   tables: groups of customers or purchases, migrations
//	compile_sets.go  the same, as set algebra over the warehouse's customer
//	              sets, for lists and counts that combine purchases with
//	              segments (same answers, proved by TestSetPathSameAnswers)
//	compile_lines.go  item-level measures over order lines (X的销售额, 各品类)
//	explain.go    Plan → Chinese explanation
//
// Principle: every span of the question is either placed in the Plan or
// reported back as Unplaced; a question with any unplaced span is never run.
package nlq
