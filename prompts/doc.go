// Package prompts will hold the LLM planner's prompt templates (embedded
// files) and fit them into a model's context window by counting tokens. The
// rule parser needs none of it: this package is the optional planner's.
package prompts
