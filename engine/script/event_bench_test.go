package script_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"patchbay/engine/script"
)

// BenchmarkScriptEventBesideHTTP measures, in each iteration, what scripts
// add to an Action's call: a fresh runner (script.New starting a worker
// process, as Patchbay runs scripts, and compiling and running a connector
// script and a method script in it) and its before_action (Fire),
// which sets the Authorization header, a request id and a body field. Then
// the request they decorated goes to a loopback httptest server: JSON body
// encoded, POST sent, response read to the end on a kept-alive connection.
// It reports script-ns/op and http-ns/op (ns/op is both) and their ratio
// script/http.
func BenchmarkScriptEventBesideHTTP(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no auth", http.StatusUnauthorized)
			return
		}
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id": 4711, "status": "created", "links": {"self": "/orders/4711"}}`)
	}))
	defer srv.Close()
	client := srv.Client()

	sources := []script.Source{
		{Name: "connector script", Code: `function before_action() {
	method_request_headers.Authorization = 'Bearer ' + method_auth_value;
}`},
		{Name: "method 'Create Order' script", Code: `function before_action() {
	method_request_headers['X-Request-Id'] = 'req-' + method_request_mergefields.OrderRef;
	method_request.source = 'patchbay';
	return true;
}`},
	}
	ctx := context.Background()
	var scriptTime, httpTime time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		r, err := script.New(ctx, script.Options{}, sources...)
		if err != nil {
			b.Fatal(err)
		}
		g := &script.Globals{
			MethodEndpoint: srv.URL + "/orders",
			MethodRequest: map[string]any{
				"customer": map[string]any{"id": 42, "email": "ada@example.com"},
				"lines":    []any{map[string]any{"sku": "A-1", "quantity": 2}},
			},
			MethodRequestHeaders:     map[string]string{"Content-Type": "application/json"},
			MethodRequestMergefields: map[string]string{"OrderRef": "o-1"},
			MethodAuthValue:          "tok",
		}
		if proceed, err := r.Fire(ctx, script.EventBeforeAction, g); err != nil || !proceed {
			b.Fatal(proceed, err)
		}
		r.Close()
		t1 := time.Now()
		if err := send(client, g); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		scriptTime += t1.Sub(t0)
		httpTime += t2.Sub(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(scriptTime.Nanoseconds())/n, "script-ns/op")
	b.ReportMetric(float64(httpTime.Nanoseconds())/n, "http-ns/op")
	b.ReportMetric(float64(scriptTime)/float64(httpTime), "script/http")
}

// send makes the request g describes and reads the response to the end.
func send(client *http.Client, g *script.Globals) error {
	body, err := json.Marshal(g.MethodRequest)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, g.MethodEndpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range g.MethodRequestHeaders {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: status %d", g.MethodEndpoint, resp.StatusCode)
	}
	return nil
}
