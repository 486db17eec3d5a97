package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"patchbay/model"
)

// maxTurnGap is the longest wait between two requests a rate limit makes:
// one request a day. Lint calls a slower rate a mistake.
const maxTurnGap = 24 * time.Hour

// rateLimits spaces the requests sent to each API, process-wide: a run,
// another run in the window and a cleanup all keep to the same turns.
var rateLimits = &limiter{}

// limiter hands out sending turns. It remembers when each key's latest
// turn is, not when its next one is, so that a changed rate applies to the
// very next request.
type limiter struct {
	mu   sync.Mutex
	last map[string]time.Time
	now  func() time.Time // time.Now; tests set a clock of their own
}

// turn is a request's reserved sending time.
type turn struct {
	l        *limiter
	key      string
	at, prev time.Time
}

// rateKey names the turns a method's requests take: a method with a limit
// of its own keeps to its own turns, the others share the connector's.
func rateKey(c *model.Connector, m *model.Method) string {
	if m.RateLimit > 0 {
		return c.Name + "\x00" + m.Name
	}
	return c.Name
}

// turnGap is the time between two turns at rate requests a second.
func turnGap(rate float64) time.Duration {
	return time.Duration(min(float64(time.Second)/rate, float64(maxTurnGap)))
}

// reserve takes the next turn of key at rate requests a second (rate > 0).
func (l *limiter) reserve(key string, rate float64) turn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		l.last = map[string]time.Time{}
	}
	now := l.clock()
	t := turn{l: l, key: key, at: now, prev: l.last[key]}
	if next := t.prev.Add(turnGap(rate)); next.After(now) {
		t.at = next
	}
	l.last[key] = t.at
	return t
}

func (l *limiter) clock() time.Time {
	if l.now != nil {
		return l.now()
	}
	return time.Now()
}

// wait is how long until the turn comes; 0 when it has.
func (t turn) wait() time.Duration { return max(t.at.Sub(t.l.clock()), 0) }

// giveBack returns a turn no request was sent in, so that the next request
// need not wait for it; a turn taken after it since stays as it is.
func (t turn) giveBack() {
	t.l.mu.Lock()
	defer t.l.mu.Unlock()
	if t.l.last[t.key].Equal(t.at) {
		t.l.last[t.key] = t.prev
	}
}

// waitTurn waits until the turn comes; cancelling ctx or its deadline
// passing first ends the wait with an error saying so.
func waitTurn(ctx context.Context, t turn, rate float64) error {
	d := t.wait()
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(t.at) {
		return fmt.Errorf("the next turn under the rate limit (%s) is %s away, after this run's time runs out", RateText(rate), d.Round(time.Millisecond))
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("cancelled while waiting %s for its turn under the rate limit (%s): %w", d.Round(time.Millisecond), RateText(rate), ctx.Err())
	case <-timer.C:
		return nil
	}
}

// RateText says a rate limit in words, as the window and the run log show
// it: "2 requests a second", or "1 request every 2s" below one a second.
func RateText(rate float64) string {
	switch {
	case rate == 1:
		return "1 request a second"
	case rate > 1:
		return fmt.Sprintf("%g requests a second", rate)
	}
	return "1 request every " + turnGap(rate).Round(time.Millisecond).String()
}
