// Package llm is the optional LLM planner: for a question the rule parser
// could not place, an OpenAI-compatible model proposes a Plan through a tool
// call whose arguments are the Plan as JSON. The Plan is decoded strictly
// and validated against the catalog like any other input; anything else (an
// unknown field, an unknown category, prose instead of a tool call, an
// impossible date range) is an error the caller turns into a clarify. The
// model never writes SQL.
//
// Calls have a time budget, retry with backoff on 429 and 5xx, and go
// through a circuit breaker, so a dead endpoint costs one fast failure
// rather than a stall per question.
package llm
