package sandbox

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// get asks url for the webhook list with a fresh client, so no kept-alive
// connection hides a stopped server.
func get(url string) (int, error) {
	req, err := http.NewRequest("GET", url+"/webhooks", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set(APIKeyHeader, DefaultAPIKey)
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestStartServesUntilStopped(t *testing.T) {
	url, stop, err := Start("127.0.0.1:0", Options{})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Errorf("url %q, want http://127.0.0.1:<port>", url)
	}
	if status, err := get(url); err != nil || status != http.StatusOK {
		t.Fatalf("GET before stop: %d, %v; want 200", status, err)
	}
	stopped := make(chan struct{})
	go func() {
		stop()
		stop() // a second stop is harmless
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(shutdownGrace + 2*time.Second):
		t.Fatal("stop did not return")
	}
	if status, err := get(url); err == nil {
		t.Errorf("GET after stop answered %d; want a connection error", status)
	}
}

func TestStartFailsOnBusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, stop, err := Start(ln.Addr().String(), Options{})
	if err == nil {
		stop()
		t.Fatal("Start on a busy address succeeded")
	}
	if !strings.Contains(err.Error(), "listen on "+ln.Addr().String()) {
		t.Errorf("error %q, want it to name the address", err)
	}
}

func TestStopWaitsForDeliveries(t *testing.T) {
	s := New(Options{})
	url, stop, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	rc := newReceiver(t, http.StatusOK)
	registerWebhook(t, url, rc.url)
	mustCall(t, "POST", url+"/orders", DefaultAPIKey, `{"customer": {"email": "a@example.com"}, "total": 1}`, http.StatusCreated)
	stop()
	if d := s.Deliveries(); len(d) != 1 || !d[0].OK() {
		t.Errorf("after stop, Deliveries() = %+v; want the one delivery finished", d)
	}
}

func TestListenAndServeShutsDownWhenContextEnds(t *testing.T) {
	// Find a free port, then let ListenAndServe take it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ListenAndServe(ctx, addr, Options{}) }()

	url := "http://" + addr
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, err := get(url)
		if err == nil && status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandbox never answered on %s: %d, %v", addr, status, err)
		}
		select {
		case err := <-done:
			t.Fatalf("ListenAndServe returned early: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe after cancel = %v, want nil", err)
		}
	case <-time.After(shutdownGrace + time.Second):
		t.Fatal("ListenAndServe did not return after its context ended")
	}
	if status, err := get(url); err == nil {
		t.Errorf("GET after shutdown answered %d; want a connection error", status)
	}
}

func TestListenAndServeReportsListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = ListenAndServe(context.Background(), ln.Addr().String(), Options{})
	if err == nil || !strings.Contains(err.Error(), "listen on ") {
		t.Errorf("ListenAndServe on a busy address = %v, want a listen error", err)
	}
}

func TestEnsureServing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a free port nobody listens on

	started, err := EnsureServing(addr)
	if err != nil || !started {
		t.Fatalf("first call: started=%t err=%v", started, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/webhooks", nil)
	req.Header.Set(APIKeyHeader, DefaultAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("the sandbox does not answer on %s: %v", addr, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /webhooks: %d", resp.StatusCode)
	}
	if started, err := EnsureServing(addr); started || err != nil {
		t.Errorf("second call: started=%t err=%v, want neither", started, err)
	}
}
