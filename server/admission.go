package server

import (
	"context"
	"runtime"
	"time"
)

// admission bounds how many warehouse statements run at once. SQLite work
// is CPU work: past a couple per core, running more at once only makes
// each slower, until every question runs past its budget (the 504 storm of
// an unbounded server). A statement waits a short while for a slot and is
// otherwise refused at once with 503 and Retry-After, so under overload
// most questions are answered fast and the rest are shed cleanly.
type admission struct {
	slots chan struct{}
	wait  time.Duration
}

// Admission defaults: two statements per core, half a second's wait.
var (
	DefaultConcurrency = 2 * runtime.NumCPU()
	DefaultQueueWait   = 500 * time.Millisecond
)

func newAdmission(n int, wait time.Duration) *admission {
	if n <= 0 {
		n = DefaultConcurrency
	}
	if wait <= 0 {
		wait = DefaultQueueWait
	}
	return &admission{slots: make(chan struct{}, n), wait: wait}
}

// enter takes a slot, waiting at most the queue wait (and never past ctx);
// leave gives it back.
func (a *admission) enter(ctx context.Context) (leave func(), err error) {
	select {
	case a.slots <- struct{}{}:
		return a.leave, nil
	default:
	}
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return a.leave, nil
	case <-t.C:
		return nil, errBusy()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (a *admission) leave() { <-a.slots }

func errBusy() *Error {
	return retryError(CodeBusy, "服务繁忙，请稍后再试 (too many questions at once; retry shortly)", 1, nil)
}
