// Package prompts holds the LLM planner's prompt templates (embedded files,
// text/template) and fits a rendered prompt into the model's context budget
// by counting tokens with tiktoken's offline BPE (no download at run time).
//
// When the catalog and the worked examples do not all fit, it keeps the most
// relevant first: catalog values that appear in the question, then values
// sharing characters with it, then the rest; examples likewise. The rules
// (time windows, segments, measures), the as-of date, the previous plan and
// the question itself are never cut.
package prompts
