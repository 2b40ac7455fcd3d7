package scheduler

import (
	"context"
	"time"
)

// Clock is the scheduler's source of time. Everything that decides what a
// feed shows (which articles are out, which appeals run) and when the
// scheduler wakes reads it, so tests can move time instead of waiting.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop cancels the call; it reports false when f already ran or was stopped.
	Stop() bool
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// nowClock reads time from a function and runs timers on wall time.
type nowClock struct{ now func() time.Time }

func (c nowClock) Now() time.Time { return c.now() }

func (nowClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// armWake sets the wake-up for the next moment the clock alone changes a
// feed — an embargo lifting, an appeal starting or ending — so that a
// 09:00:00 embargo goes live at 09:00:00 rather than at the next cron
// tick. It runs after every pass, which both moves the wake-up when writes
// add an earlier time and bounds the drift of a long timer to one cron
// interval. On an error the cron schedule remains the safety net.
func (s *Scheduler) armWake(ctx context.Context, now time.Time) {
	next, ok, err := s.opts.Store.NextChange(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("cannot plan the next scheduled change; relying on the cron schedule", "err", err)
		}
		return
	}
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	if s.wakeTimer != nil {
		s.wakeTimer.Stop()
		s.wakeTimer = nil
	}
	s.wakeAt = time.Time{}
	if !ok || s.stopping.Load() {
		return
	}
	d := max(next.Sub(s.clock.Now()), 0)
	s.wakeAt = next
	s.wakeTimer = s.clock.AfterFunc(d, func() { signal(s.wake) })
	s.log.Debug("next scheduled change", "at", next, "in", d)
}

// stopWake cancels the pending wake-up, if any.
func (s *Scheduler) stopWake() {
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	if s.wakeTimer != nil {
		s.wakeTimer.Stop()
		s.wakeTimer = nil
	}
}

// NextWake is the moment the scheduler will next wake for a scheduled
// change, and false when none is planned.
func (s *Scheduler) NextWake() (time.Time, bool) {
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	return s.wakeAt, !s.wakeAt.IsZero()
}

// signal sends on a channel of capacity one without blocking: a signal
// already pending absorbs the new one.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
