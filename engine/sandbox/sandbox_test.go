package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// newSandbox serves a sandbox over real loopback HTTP for the test.
func newSandbox(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.WaitDeliveries(ctx); err != nil {
			t.Errorf("deliveries still in flight at the end of the test: %v", err)
		}
		ts.Close()
	})
	return s, ts.URL
}

// call sends one request and returns the status and the whole body.
func call(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-Api-Key", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}

// mustCall is call that also checks the status.
func mustCall(t *testing.T, method, url, key, body string, want int) string {
	t.Helper()
	got, resp := call(t, method, url, key, body)
	if got != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, url, got, want, resp)
	}
	return resp
}

// receiver is a real HTTP endpoint that records what is delivered to it.
type receiver struct {
	url    string
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
}

func newReceiver(t *testing.T, status int) *receiver {
	t.Helper()
	rc := &receiver{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, b)
		rc.heads = append(rc.heads, r.Header.Clone())
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(ts.Close)
	rc.url = ts.URL + "/hook"
	return rc
}

func (rc *receiver) received() ([][]byte, []http.Header) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...), append([]http.Header(nil), rc.heads...)
}

func waitDeliveries(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitDeliveries(ctx); err != nil {
		t.Fatalf("WaitDeliveries: %v", err)
	}
}

func registerWebhook(t *testing.T, base, hookURL string) int {
	t.Helper()
	body := mustCall(t, "POST", base+"/webhooks", DefaultAPIKey, fmt.Sprintf(`{"url": %q}`, hookURL), http.StatusCreated)
	var got struct{ ID int }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("create webhook answer %s: %v", body, err)
	}
	return got.ID
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestAuthRequiredOnEveryRoute(t *testing.T) {
	const key = "k-3f9a61"
	var logs syncBuffer
	s, base := newSandbox(t, Options{APIKey: key, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	hook := newReceiver(t, http.StatusOK)

	routes := []struct {
		method, path, body string
		withKey            int // the status when the key is right
	}{
		{"POST", "/webhooks", fmt.Sprintf(`{"url": %q}`, hook.url), http.StatusCreated},
		{"GET", "/webhooks", "", http.StatusOK},
		{"GET", "/webhooks/1", "", http.StatusOK},
		{"DELETE", "/webhooks/1", "", http.StatusNoContent},
		{"POST", "/orders", `{"customer": {"email": "a@example.com"}, "total": 12.5}`, http.StatusCreated},
		{"GET", "/orders/1", "", http.StatusOK},
		{"PUT", "/webhooks", "", http.StatusMethodNotAllowed},
		{"GET", "/nowhere", "", http.StatusNotFound},
	}
	keys := []struct{ name, key string }{
		{"missing", ""},
		{"wrong", "sandbox-key"},
		{"prefix", key[:4]},
		{"case", strings.ToUpper(key)},
	}
	for _, rt := range routes {
		for _, k := range keys {
			t.Run(rt.method+" "+rt.path+" key "+k.name, func(t *testing.T) {
				status, body := call(t, rt.method, base+rt.path, k.key, rt.body)
				if status != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401; body %s", status, body)
				}
				if want := `{"error":"missing or wrong X-Api-Key"}` + "\n"; body != want {
					t.Errorf("body %q, want %q", body, want)
				}
			})
		}
		t.Run(rt.method+" "+rt.path+" key right", func(t *testing.T) {
			if status, body := call(t, rt.method, base+rt.path, key, rt.body); status != rt.withKey {
				t.Errorf("status %d, want %d; body %s", status, rt.withKey, body)
			}
		})
	}
	if got := len(s.Webhooks()); got != 0 {
		t.Errorf("%d webhooks left, want 0 (unauthorised requests must change nothing)", got)
	}
	if got := len(s.Orders()); got != 1 {
		t.Errorf("%d orders, want 1", got)
	}

	waitDeliveries(t, s)
	out := logs.String()
	if !strings.Contains(out, "sandbox request") {
		t.Errorf("requests not logged; log:\n%s", out)
	}
	if strings.Contains(out, key) {
		t.Errorf("the API key %q appears in the log:\n%s", key, out)
	}
}

func TestWebhookCreateListGetDelete(t *testing.T) {
	s, base := newSandbox(t, Options{})
	const k = DefaultAPIKey

	for i, u := range []string{"http://127.0.0.1:9/a", "https://example.com/b"} {
		body := mustCall(t, "POST", base+"/webhooks", k, fmt.Sprintf(`{"url": %q}`, u), http.StatusCreated)
		if want := fmt.Sprintf(`{"active":true,"id":%d}`+"\n", i+1); body != want {
			t.Errorf("create %s: body %q, want %q", u, body, want)
		}
	}

	steps := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/webhooks", 200, `[{"id":1,"url":"http://127.0.0.1:9/a","active":true},{"id":2,"url":"https://example.com/b","active":true}]` + "\n"},
		{"GET", "/webhooks/2", 200, `{"id":2,"url":"https://example.com/b","active":true}` + "\n"},
		{"DELETE", "/webhooks/1", 204, ""},
		{"GET", "/webhooks/1", 404, `{"error":"no webhook 1"}` + "\n"},
		{"DELETE", "/webhooks/1", 404, `{"error":"no webhook 1"}` + "\n"},
		{"DELETE", "/webhooks/7", 404, `{"error":"no webhook 7"}` + "\n"},
		{"DELETE", "/webhooks/abc", 404, `{"error":"no webhook abc"}` + "\n"},
		{"GET", "/webhooks", 200, `[{"id":2,"url":"https://example.com/b","active":true}]` + "\n"},
	}
	for _, st := range steps {
		status, body := call(t, st.method, base+st.path, k, "")
		if status != st.status || body != st.body {
			t.Errorf("%s %s: got %d %q, want %d %q", st.method, st.path, status, body, st.status, st.body)
		}
	}

	// Ids are never reused, even after a delete.
	body := mustCall(t, "POST", base+"/webhooks", k, `{"url": "http://127.0.0.1:9/c"}`, http.StatusCreated)
	if want := `{"active":true,"id":3}` + "\n"; body != want {
		t.Errorf("create after delete: body %q, want %q", body, want)
	}
	got := s.Webhooks()
	if len(got) != 2 || got[0].ID != 2 || got[1].ID != 3 {
		t.Errorf("Webhooks() = %+v, want ids 2 and 3", got)
	}
}

func TestBadBodies(t *testing.T) {
	s, base := newSandbox(t, Options{})
	cases := []struct {
		name, path, body string
		status           int
		want             string // part of the error message
	}{
		{"webhook empty", "/webhooks", "", 400, "request body is empty"},
		{"webhook not JSON", "/webhooks", `url=http://x`, 400, "request body is not JSON"},
		{"webhook truncated", "/webhooks", `{"url": "http://x/"`, 400, "request body is not JSON"},
		{"webhook array", "/webhooks", `["http://x/"]`, 400, "request body must be a JSON object, not array"},
		{"webhook no url", "/webhooks", `{}`, 400, "url is required"},
		{"webhook url null", "/webhooks", `{"url": null}`, 400, "url is required"},
		{"webhook url number", "/webhooks", `{"url": 5}`, 400, "url must be a string, not number"},
		{"webhook url relative", "/webhooks", `{"url": "/hook"}`, 400, `url "/hook" is not an absolute http or https URL`},
		{"webhook url ftp", "/webhooks", `{"url": "ftp://x/hook"}`, 400, `url "ftp://x/hook" is not an absolute http or https URL`},
		{"webhook url no host", "/webhooks", `{"url": "http://"}`, 400, "is not an absolute http or https URL"},
		{"webhook url junk", "/webhooks", `{"url": "http://[::1"}`, 400, "is not an absolute http or https URL"},
		{"webhook too big", "/webhooks", `{"url": "http://x/` + strings.Repeat("a", maxBodyBytes) + `"}`, 413, "request body is larger than"},
		{"order not JSON", "/orders", `total=1`, 400, "request body is not JSON"},
		{"order no customer", "/orders", `{"total": 1}`, 400, "customer.email is required"},
		{"order no email", "/orders", `{"customer": {}, "total": 1}`, 400, "customer.email is required"},
		{"order customer string", "/orders", `{"customer": "bob", "total": 1}`, 400, "customer must be an object, not string"},
		{"order no total", "/orders", `{"customer": {"email": "a@x"}}`, 400, "total is required"},
		{"order total string", "/orders", `{"customer": {"email": "a@x"}, "total": "12.5"}`, 400, "total must be a number, not string"},
		{"order total negative", "/orders", `{"customer": {"email": "a@x"}, "total": -1}`, 400, "total -1 must not be negative"},
		{"order line no sku", "/orders", `{"customer": {"email": "a@x"}, "total": 1, "lines": [{"sku": "A"}, {"qty": 2}]}`, 400, "lines[1].sku is required"},
		{"order line negative qty", "/orders", `{"customer": {"email": "a@x"}, "total": 1, "lines": [{"sku": "A", "qty": -2}]}`, 400, "lines[0].qty -2 must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := call(t, "POST", base+c.path, DefaultAPIKey, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d; body %s", status, c.status, body)
			}
			var e struct{ Error string }
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("error body %q is not JSON: %v", body, err)
			}
			if !strings.Contains(e.Error, c.want) {
				t.Errorf("error %q, want it to contain %q", e.Error, c.want)
			}
		})
	}
	if n, m := len(s.Webhooks()), len(s.Orders()); n != 0 || m != 0 {
		t.Errorf("bad bodies created %d webhooks and %d orders, want none", n, m)
	}
}

func TestMethodNotAllowedFromMux(t *testing.T) {
	_, base := newSandbox(t, Options{})
	for _, c := range []struct{ method, path string }{
		{"PUT", "/webhooks"}, {"PATCH", "/webhooks/1"}, {"DELETE", "/orders/1"}, {"GET", "/orders"},
	} {
		if status, body := call(t, c.method, base+c.path, DefaultAPIKey, ""); status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: status %d, want 405; body %s", c.method, c.path, status, body)
		}
	}
}

// hmacHex is the signature computed independently of the package.
func hmacHex(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestOrderDeliversSignedEventToEveryWebhook(t *testing.T) {
	cases := []struct {
		name, secret, verifyWith string
	}{
		{"default secret", "", DefaultSigningSecret},
		{"own secret", "whsec-71c2", "whsec-71c2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, base := newSandbox(t, Options{SigningSecret: c.secret})
			a, b := newReceiver(t, http.StatusOK), newReceiver(t, http.StatusAccepted)
			idA, idB := registerWebhook(t, base, a.url), registerWebhook(t, base, b.url)

			body := mustCall(t, "POST", base+"/orders", DefaultAPIKey,
				`{"customer": {"email": "ada@example.com"}, "total": 12.5, "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-7"}]}`,
				http.StatusCreated)
			var order Order
			if err := json.Unmarshal([]byte(body), &order); err != nil {
				t.Fatalf("order answer %s: %v", body, err)
			}
			if order.ID != 1 || order.Status != "created" || order.Customer.Email != "ada@example.com" || order.Total != 12.5 {
				t.Errorf("order answer = %+v", order)
			}
			if _, err := time.Parse(time.RFC3339, order.CreatedAt); err != nil {
				t.Errorf("created_at %q is not RFC 3339: %v", order.CreatedAt, err)
			}
			waitDeliveries(t, s)

			for _, r := range []struct {
				name string
				rc   *receiver
				id   int
			}{{"a", a, idA}, {"b", b, idB}} {
				bodies, heads := r.rc.received()
				if len(bodies) != 1 {
					t.Fatalf("receiver %s got %d deliveries, want 1", r.name, len(bodies))
				}
				raw, h := bodies[0], heads[0]
				if got, want := h.Get(SignatureHeader), hmacHex(c.verifyWith, raw); !hmac.Equal([]byte(got), []byte(want)) {
					t.Errorf("receiver %s: signature %q, want %q", r.name, got, want)
				}
				if hmacHex("some other secret", raw) == h.Get(SignatureHeader) {
					t.Errorf("receiver %s: signature verifies with the wrong secret", r.name)
				}
				if got := h.Get("Content-Type"); got != "application/json" {
					t.Errorf("receiver %s: Content-Type %q", r.name, got)
				}
				if got, want := h.Get(WebhookIDHeader), fmt.Sprint(r.id); got != want {
					t.Errorf("receiver %s: %s %q, want %q", r.name, WebhookIDHeader, got, want)
				}
				if got := h.Get(APIKeyHeader); got != "" {
					t.Errorf("receiver %s: the API key was sent along: %q", r.name, got)
				}
				// The fields the bundled example's New Order webhook maps.
				var ev struct {
					Event string
					Data  struct {
						ID       int
						Customer struct{ Email string }
						Total    float64
						Lines    []struct {
							SKU string
							Qty int
						}
						CreatedAt string `json:"created_at"`
					}
				}
				if err := json.Unmarshal(raw, &ev); err != nil {
					t.Fatalf("receiver %s: body %s: %v", r.name, raw, err)
				}
				if ev.Event != "order.created" || ev.Data.ID != 1 || ev.Data.Customer.Email != "ada@example.com" ||
					ev.Data.Total != 12.5 || ev.Data.CreatedAt != order.CreatedAt {
					t.Errorf("receiver %s: event %+v", r.name, ev)
				}
				if len(ev.Data.Lines) != 2 || ev.Data.Lines[0].SKU != "A-1" || ev.Data.Lines[0].Qty != 2 ||
					ev.Data.Lines[1].SKU != "B-7" || ev.Data.Lines[1].Qty != 1 {
					t.Errorf("receiver %s: lines %+v, want A-1×2 and B-7×1", r.name, ev.Data.Lines)
				}
			}

			got := s.Deliveries()
			if len(got) != 2 {
				t.Fatalf("Deliveries() has %d, want 2: %+v", len(got), got)
			}
			want := map[string]int{a.url: http.StatusOK, b.url: http.StatusAccepted}
			for _, d := range got {
				if !d.OK() || d.Event != EventOrderCreated || d.OrderID != 1 || want[d.URL] != d.StatusCode {
					t.Errorf("delivery %+v, want OK order 1 to %s with %d", d, d.URL, want[d.URL])
				}
				delete(want, d.URL)
			}
			if len(want) != 0 {
				t.Errorf("no delivery recorded for %v", want)
			}
		})
	}
}

func TestDeletedWebhookReceivesNothing(t *testing.T) {
	s, base := newSandbox(t, Options{})
	kept, gone := newReceiver(t, http.StatusOK), newReceiver(t, http.StatusOK)
	registerWebhook(t, base, kept.url)
	id := registerWebhook(t, base, gone.url)
	mustCall(t, "DELETE", fmt.Sprintf("%s/webhooks/%d", base, id), DefaultAPIKey, "", http.StatusNoContent)

	for range 3 {
		mustCall(t, "POST", base+"/orders", DefaultAPIKey, `{"customer": {"email": "a@example.com"}, "total": 1}`, http.StatusCreated)
	}
	waitDeliveries(t, s)

	if bodies, _ := gone.received(); len(bodies) != 0 {
		t.Errorf("deleted webhook got %d deliveries, want 0: %s", len(bodies), bodies)
	}
	if bodies, _ := kept.received(); len(bodies) != 3 {
		t.Errorf("kept webhook got %d deliveries, want 3", len(bodies))
	}
	for _, d := range s.Deliveries() {
		if d.URL == gone.url {
			t.Errorf("delivery recorded to the deleted webhook: %+v", d)
		}
	}
}

func TestOrderDefaultsAndLookup(t *testing.T) {
	_, base := newSandbox(t, Options{})
	mustCall(t, "POST", base+"/orders", DefaultAPIKey, `{"customer": {"email": "a@example.com", "name": "Ada"}, "total": 0}`, http.StatusCreated)

	body := mustCall(t, "GET", base+"/orders/1", DefaultAPIKey, "", http.StatusOK)
	var o Order
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatalf("order %s: %v", body, err)
	}
	if len(o.Lines) != 1 || o.Lines[0] != defaultLine {
		t.Errorf("lines %+v, want the one default line %+v", o.Lines, defaultLine)
	}
	if o.Customer.Name != "Ada" || o.Total != 0 {
		t.Errorf("order %+v", o)
	}
	for _, p := range []string{"/orders/2", "/orders/0", "/orders/x"} {
		status, body := call(t, "GET", base+p, DefaultAPIKey, "")
		if want := `{"error":"no order ` + strings.TrimPrefix(p, "/orders/") + `"}` + "\n"; status != 404 || body != want {
			t.Errorf("GET %s: %d %q, want 404 %q", p, status, body, want)
		}
	}
}

func TestDeliveryFailuresAreRecordedAndDoNotBlockTheOrder(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL + "/hook"
	refused.Close()
	failing := newReceiver(t, http.StatusInternalServerError)

	const timeout = 300 * time.Millisecond
	s, base := newSandbox(t, Options{DeliveryTimeout: timeout})
	for _, u := range []string{slow.URL + "/hook", refusedURL, failing.url} {
		registerWebhook(t, base, u)
	}

	start := time.Now()
	mustCall(t, "POST", base+"/orders", DefaultAPIKey, `{"customer": {"email": "a@example.com"}, "total": 1}`, http.StatusCreated)
	if took := time.Since(start); took >= timeout {
		t.Errorf("the order answer took %v; it waited for the slow receiver", took)
	}
	waitDeliveries(t, s)

	byURL := map[string]DeliveryResult{}
	for _, d := range s.Deliveries() {
		byURL[d.URL] = d
	}
	cases := []struct {
		name, url string
		status    int
		errPart   string
	}{
		{"slow", slow.URL + "/hook", 0, "deadline exceeded"},
		{"refused", refusedURL, 0, "refused"},
		{"500", failing.url, http.StatusInternalServerError, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, ok := byURL[c.url]
			if !ok {
				t.Fatalf("no delivery recorded for %s", c.url)
			}
			if d.OK() {
				t.Errorf("delivery %+v reports OK", d)
			}
			if d.StatusCode != c.status {
				t.Errorf("status %d, want %d", d.StatusCode, c.status)
			}
			if c.errPart == "" && d.Error != "" || !strings.Contains(d.Error, c.errPart) {
				t.Errorf("error %q, want it to contain %q", d.Error, c.errPart)
			}
		})
	}
}

func TestWaitDeliveriesHonoursContext(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	s, base := newSandbox(t, Options{})
	registerWebhook(t, base, slow.URL)
	mustCall(t, "POST", base+"/orders", DefaultAPIKey, `{"customer": {"email": "a@example.com"}, "total": 1}`, http.StatusCreated)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.WaitDeliveries(ctx); err != context.DeadlineExceeded {
		t.Errorf("WaitDeliveries with a slow receiver = %v, want %v", err, context.DeadlineExceeded)
	}
	close(release)
	waitDeliveries(t, s)
	if d := s.Deliveries(); len(d) != 1 || !d[0].OK() {
		t.Errorf("Deliveries() = %+v, want one OK", d)
	}
}

func TestConcurrentOrdersAndWebhooks(t *testing.T) {
	s, base := newSandbox(t, Options{})
	rc := newReceiver(t, http.StatusOK)
	registerWebhook(t, base, rc.url)

	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			call(t, "POST", base+"/orders", DefaultAPIKey, `{"customer": {"email": "a@example.com"}, "total": 1}`)
			call(t, "POST", base+"/webhooks", DefaultAPIKey, `{"url": "http://127.0.0.1:9/x"}`)
			s.Webhooks()
			s.Deliveries()
		})
	}
	wg.Wait()
	waitDeliveries(t, s)

	orders := s.Orders()
	if len(orders) != n {
		t.Fatalf("%d orders, want %d", len(orders), n)
	}
	for i, o := range orders {
		if o.ID != i+1 {
			t.Errorf("orders[%d].ID = %d, want %d", i, o.ID, i+1)
		}
	}
	if got := len(s.Webhooks()); got != n+1 {
		t.Errorf("%d webhooks, want %d", got, n+1)
	}
	if bodies, _ := rc.received(); len(bodies) != n {
		t.Errorf("first receiver got %d deliveries, want %d", len(bodies), n)
	}
}

func TestSignMatchesHMAC(t *testing.T) {
	body := []byte(`{"event":"order.created"}`)
	if got, want := Sign("s", body), hmacHex("s", body); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
	cases := []struct {
		name, secret, header string
		want                 bool
	}{
		{"right", "s", hmacHex("s", body), true},
		{"wrong secret", "t", hmacHex("s", body), false},
		{"bare hex", "s", strings.TrimPrefix(hmacHex("s", body), "sha256="), false},
		{"empty", "s", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := VerifySignature(c.secret, body, c.header); got != c.want {
				t.Errorf("VerifySignature = %v, want %v", got, c.want)
			}
		})
	}
}
