package server

import (
	"errors"
	"net/http"
)

// Error is an error a caller may see: a code, a safe message (Chinese
// first) and the HTTP status it maps to. Only internal errors are logged.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	status  int
	cause   error

	RetryAfter int `json:"-"` // seconds, sent as Retry-After when > 0
}

func (e *Error) Error() string {
	if e.cause != nil {
		return e.Code + ": " + e.Message + ": " + e.cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// Status is the HTTP status of the error.
func (e *Error) Status() int { return e.status }

// The error codes, one table from code to HTTP status.
const (
	CodeInvalid      = "invalid_request"
	CodeNotFound     = "not_found"
	CodeUnauthorized = "unauthorized"
	CodeTooLarge     = "too_large"
	CodeRateLimited  = "rate_limited"
	CodeTimeout      = "timeout"
	CodeTooMany      = "too_many_rows"
	CodeUnavailable  = "unavailable"
	CodeBusy         = "busy"
	CodeCanceled     = "canceled"
	CodeForbidden    = "forbidden"
	CodeMediaType    = "unsupported_media_type"
	CodeConflict     = "conflict" // a teaching that would change verified answers
	CodeMethod       = "method_not_allowed"
	CodeInternal     = "internal"
)

var statusOf = map[string]int{
	CodeInvalid:      http.StatusBadRequest,
	CodeNotFound:     http.StatusNotFound,
	CodeUnauthorized: http.StatusUnauthorized,
	CodeTooLarge:     http.StatusRequestEntityTooLarge,
	CodeRateLimited:  http.StatusTooManyRequests,
	CodeTimeout:      http.StatusGatewayTimeout,
	CodeTooMany:      http.StatusUnprocessableEntity,
	CodeUnavailable:  http.StatusServiceUnavailable,
	CodeBusy:         http.StatusServiceUnavailable,
	CodeCanceled:     499, // the client went away (nginx's convention); nobody reads it
	CodeForbidden:    http.StatusForbidden,
	CodeMediaType:    http.StatusUnsupportedMediaType,
	CodeConflict:     http.StatusConflict,
	CodeMethod:       http.StatusMethodNotAllowed,
	CodeInternal:     http.StatusInternalServerError,
}

// Errorf makes an Error with a code and message.
func newError(code, msg string, cause error) *Error {
	return &Error{Code: code, Message: msg, status: statusOf[code], cause: cause}
}

// retryError is an Error that tells the client when to come back
// (Retry-After, in seconds).
func retryError(code, msg string, after int, cause error) *Error {
	e := newError(code, msg, cause)
	e.RetryAfter = after
	return e
}

// AsError turns any error into an *Error (unknown errors are internal).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return newError(CodeInternal, "服务内部错误", err)
}
