package engine_test

import (
	"net/http"
	"strings"
	"testing"

	"patchbay/engine"
)

// A receiver keeps 100 deliveries; an API that sends more is told 429, and
// nothing more is kept.
func TestReceiverKeepsAHundredDeliveries(t *testing.T) {
	recv, err := engine.OpenReceiver(0)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	var last int
	for range 101 {
		resp, err := http.Post(recv.URL, "application/json", strings.NewReader(`{"n": 1}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp.StatusCode
	}
	if n := len(recv.Deliveries()); n != 100 || last != http.StatusTooManyRequests {
		t.Errorf("%d deliveries kept, the 101st answered %d; want 100 and 429", n, last)
	}
}
