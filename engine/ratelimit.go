package engine

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// rateLimits spaces the requests sent to each connector's API, process-wide:
// a run, another run in the window and a cleanup all keep to the
// connector's rate together.
var rateLimits = &limiter{next: map[string]time.Time{}}

// limiter hands out sending times per connector.
type limiter struct {
	mu   sync.Mutex
	next map[string]time.Time // connector name → earliest time of its next request
}

// reserve takes the next turn of connector at rate requests a second and
// returns how long until it comes (0 for now). A rate of 0 or less is no
// limit.
func (l *limiter) reserve(connector string, rate float64) time.Duration {
	if rate <= 0 {
		return 0
	}
	gap := time.Duration(float64(time.Second) / rate)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	at := l.next[connector]
	if at.Before(now) {
		at = now
	}
	l.next[connector] = at.Add(gap)
	return at.Sub(now)
}

// waitTurn waits d for a request's turn under rate; cancelling ctx ends
// the wait with its error.
func waitTurn(ctx context.Context, d time.Duration, rate float64) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("cancelled while waiting %s for the rate limit (%s): %w", d.Round(time.Millisecond), rateText(rate), ctx.Err())
	case <-t.C:
		return nil
	}
}

// rateText says a rate the way the window shows it, e.g. "2 requests a
// second" or "1 request every 2s".
func rateText(rate float64) string {
	switch {
	case rate == 1:
		return "1 request a second"
	case rate > 1:
		return fmt.Sprintf("%g requests a second", rate)
	}
	return fmt.Sprintf("1 request every %s", time.Duration(float64(time.Second)/rate).Round(time.Millisecond))
}
