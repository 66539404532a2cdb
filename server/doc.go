// Package server answers questions: the ask service (question → Plan → SQL →
// guarded execution → the spec api.md answer), conversations for follow-ups,
// and the HTTP surface. The service itself has no HTTP in it, so the
// `chatbi ask` command and the HTTP handlers give the same answer.
package server
