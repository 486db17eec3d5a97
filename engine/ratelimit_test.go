package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/model"
)

// sendTimes is a Transport that notes when each request is handed to it,
// that is when the engine sends it.
type sendTimes struct {
	mu sync.Mutex
	at []time.Time
}

func (s *sendTimes) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.at = append(s.at, time.Now())
	s.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (s *sendTimes) times() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.at...)
}

func okServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"ok":true}`)) }))
	t.Cleanup(srv.Close)
	return srv
}

func pingConnector(name, base string, connectorRate, methodRate float64) *model.Connector {
	return &model.Connector{Name: name, RateLimit: connectorRate, Methods: []model.Method{
		{Name: "Ping", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: base + "/ping", RateLimit: methodRate},
		{Name: "Pong", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: base + "/pong"},
	}}
}

// Requests keep to the rate limit, the connector's or the method's own,
// across runs: the k-th request is sent no sooner than k-1 turns after the
// first run began.
func TestRateLimitSpacesRequests(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		connectorRate, methodRate float64
	}{
		{"connector's", 8, 0},
		{"method's own", 0, 8},
		{"method's over the connector's", 1000, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := okServer(t)
			sent := &sendTimes{}
			c := pingConnector("Rate "+tc.name, srv.URL, tc.connectorRate, tc.methodRate)
			begin := time.Now()
			for i := range 3 {
				// A Runner per run, as the window makes: the turns are the
				// connector's, not the Runner's.
				res := (&Runner{Connector: c, Client: &Client{Transport: sent}}).RunMethod(context.Background(), "Ping")
				if !res.OK {
					t.Fatalf("run %d: %s", i, res.Error)
				}
			}
			const turn = time.Second / 8
			for k, at := range sent.times() {
				if early := begin.Add(time.Duration(k) * turn).Sub(at); early > 0 {
					t.Errorf("request %d was sent %s before its turn", k+1, early)
				}
			}
		})
	}
}

// clock is a settable time for the limiter.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// Turns are one gap apart, per key; a changed rate applies to the next
// turn; a turn given back frees its place; a tiny rate waits a day at most.
func TestLimiterTurns(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := &limiter{now: clk.now}
	wait := func(key string, rate float64) time.Duration { return l.reserve(key, rate).wait() }

	if d := wait("A", 2); d != 0 {
		t.Errorf("the first request waits %s", d)
	}
	if d := wait("A", 2); d != 500*time.Millisecond {
		t.Errorf("the second request at 2 a second waits %s, want 500ms", d)
	}
	if d := wait("B", 2); d != 0 {
		t.Errorf("another key waits %s for A's turns", d)
	}
	// A's latest turn is 500ms away; at 1000 a second the next follows it
	// by 1ms, not by the 500ms the old rate asked.
	if d := wait("A", 1000); d != 501*time.Millisecond {
		t.Errorf("after the rate went up, the next request waits %s, want 501ms", d)
	}

	clk.t = clk.t.Add(time.Hour)
	l.reserve("C", 0.01)
	cancelled := l.reserve("C", 0.01)
	if d := cancelled.wait(); d != 100*time.Second {
		t.Fatalf("the second turn at 0.01 a second waits %s, want 100s", d)
	}
	cancelled.giveBack()
	if d := wait("C", 0.01); d != 100*time.Second {
		t.Errorf("after a turn was given back, the next waits %s, want the 100s the first leaves", d)
	}

	if d := wait("D", 1e-12); d != 0 {
		t.Errorf("first request at a tiny rate waits %s", d)
	}
	if d := wait("D", 1e-12); d != maxTurnGap {
		t.Errorf("a tiny rate waits %s, want the most, %s", d, maxTurnGap)
	}
}

// A method with a limit of its own does not hold up the connector's other
// methods, and the other way round.
func TestRateLimitKeys(t *testing.T) {
	c := pingConnector("Rate keys", "http://127.0.0.1:1", 5, 0.1)
	ping, pong := c.Method("Ping"), c.Method("Pong")
	if rateKey(c, ping) == rateKey(c, pong) {
		t.Errorf("Ping, with its own limit, shares the key %q with Pong", rateKey(c, ping))
	}
	c2 := pingConnector("Rate keys", "http://127.0.0.1:1", 5, 0)
	if rateKey(c2, c2.Method("Ping")) != rateKey(c2, c2.Method("Pong")) {
		t.Error("two methods on the connector's limit do not share its turns")
	}
}

// A run cancelled while it waits for its turn sends nothing, says why and
// how long it waited, and gives its turn back.
func TestRateLimitWaitCancelled(t *testing.T) {
	srv := okServer(t)
	sent := &sendTimes{}
	c := pingConnector("Rate cancelled", srv.URL, 0.5, 0)
	client := &Client{Transport: sent}
	if res := (&Runner{Connector: c, Client: client}).RunMethod(context.Background(), "Ping"); !res.OK {
		t.Fatal(res.Error)
	}
	ctx, cancel := context.WithCancel(context.Background())
	waiting := false
	r := &Runner{Connector: c, Client: client, OnStep: func(s *Step) {
		if s.Status == StepRunning && s.RateLimitWaitMS > 0 {
			waiting = true
			cancel()
		}
	}}
	res := r.RunMethod(ctx, "Ping")
	if res.OK || !strings.Contains(res.Error, "cancelled while waiting") || !strings.Contains(res.Error, "1 request every 2s") {
		t.Errorf("run: ok=%t error=%q", res.OK, res.Error)
	}
	if !waiting {
		t.Error("the step was not shown waiting for the rate limit")
	}
	if n := len(sent.times()); n != 1 {
		t.Errorf("%d requests were sent, want only the first", n)
	}
	if d := rateLimits.reserve(rateKey(c, c.Method("Ping")), 0.5).wait(); d > 2*time.Second {
		t.Errorf("the next request waits %s: the cancelled turn was not given back", d)
	}
}

// A run whose time runs out before its turn comes fails at once, and says
// so; a lifecycle's delete is not bound that way (see lifecycle tests).
func TestRateLimitTurnAfterDeadline(t *testing.T) {
	srv := okServer(t)
	c := pingConnector("Rate deadline", srv.URL, 0.01, 0)
	if res := (&Runner{Connector: c}).RunMethod(context.Background(), "Ping"); !res.OK {
		t.Fatal(res.Error)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res := (&Runner{Connector: c}).RunMethod(ctx, "Ping")
	if res.OK || !strings.Contains(res.Error, "after this run's time runs out") {
		t.Errorf("run: ok=%t error=%q", res.OK, res.Error)
	}
}
