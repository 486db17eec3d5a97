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

// arrivals is an API that notes when each request arrives.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.at = append(a.at, time.Now())
	a.mu.Unlock()
	w.Write([]byte(`{"ok":true}`))
}

func (a *arrivals) times() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.at...)
}

func pingConnector(name, base string, connectorRate, methodRate float64) *model.Connector {
	return &model.Connector{Name: name, RateLimit: connectorRate, Methods: []model.Method{{
		Name: "Ping", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: base + "/ping", RateLimit: methodRate}}}
}

// Requests keep to the rate limit, the connector's or the method's own,
// across runs; the server sees them at least a turn apart.
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
			api := &arrivals{}
			srv := httptest.NewServer(api)
			defer srv.Close()
			c := pingConnector("Rate "+tc.name, srv.URL, tc.connectorRate, tc.methodRate)
			for i := range 3 {
				// A Runner per run, as the window makes: the limit is the
				// connector's, not the Runner's.
				res := (&Runner{Connector: c}).RunMethod(context.Background(), "Ping")
				if !res.OK {
					t.Fatalf("run %d: %s", i, res.Error)
				}
			}
			at := api.times()
			const turn = time.Second / 8
			for i := 1; i < len(at); i++ {
				// A little below the turn: the time a request takes to
				// arrive varies.
				if gap := at[i].Sub(at[i-1]); gap < turn*8/10 {
					t.Errorf("requests %d and %d arrived %s apart; the limit allows one every %s", i, i+1, gap, turn)
				}
			}
		})
	}
}

// reserve hands out turns one gap apart and says how long each is away.
func TestLimiterTurns(t *testing.T) {
	l := &limiter{next: map[string]time.Time{}}
	if d := l.reserve("A", 0); d != 0 {
		t.Errorf("no limit waited %s", d)
	}
	if d := l.reserve("A", 2); d != 0 {
		t.Errorf("the first request waits %s", d)
	}
	if d := l.reserve("A", 2); d < 400*time.Millisecond || d > 500*time.Millisecond {
		t.Errorf("the second request at 2 a second waits %s, want about 500ms", d)
	}
	if d := l.reserve("B", 2); d != 0 {
		t.Errorf("another connector waits %s for A's turns", d)
	}
}

// A run cancelled while it waits for its turn sends nothing and says why.
func TestRateLimitWaitCancelled(t *testing.T) {
	api := &arrivals{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := pingConnector("Rate cancelled", srv.URL, 0.5, 0)
	if res := (&Runner{Connector: c}).RunMethod(context.Background(), "Ping"); !res.OK {
		t.Fatal(res.Error)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var waiting *Step
	r := &Runner{Connector: c, OnStep: func(s *Step) {
		if s.Status == StepRunning && s.RateLimitWaitMS > 0 {
			waiting = s
			cancel()
		}
	}}
	res := r.RunMethod(ctx, "Ping")
	if res.OK || !strings.Contains(res.Error, "cancelled while waiting") || !strings.Contains(res.Error, "1 request every 2s") {
		t.Errorf("run: ok=%t error=%q", res.OK, res.Error)
	}
	if waiting == nil {
		t.Error("the step was not shown waiting for the rate limit")
	}
	if n := len(api.times()); n != 1 {
		t.Errorf("the API got %d requests, want only the first", n)
	}
}
