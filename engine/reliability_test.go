package engine_test

// The bad-input catalogue (docs/RELIABILITY.md) end to end: each response
// and delivery an API might send, run through a Runner as the window and
// the command line run it, and the message the user is shown.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"patchbay/engine"
	"patchbay/model"
)

// orderConnector has one Action method, Get Order, that reads the id of
// what base/order answers.
func orderConnector(base string) *model.Connector {
	return &model.Connector{
		Name: "Orders",
		Methods: []model.Method{{
			Name: "Get Order", MethodType: model.MethodAction, HttpMethod: "GET", DataType: model.BodyJson,
			Endpoint:       base + "/order",
			ResponseFormat: model.Format{Fields: []model.Field{{ConnectorField: "id", SystemField: "OrderId", DataType: model.FieldInteger}}},
		}},
	}
}

// hijack answers with a status line, headers announcing a body of declared
// bytes, then only the first part of it, and drops the connection: with a
// TCP reset when reset is set, else with a plain close.
func hijack(declared int, part string, reset bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", declared, part)
		buf.Flush()
		if tcp, ok := conn.(*net.TCPConn); ok && reset {
			tcp.SetLinger(0) // close sends RST, not FIN
		}
		conn.Close()
	}
}

func TestBadResponses(t *testing.T) {
	htmlPage := "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>" +
		strings.Repeat("<p>The upstream server did not answer.</p>", 20) + "</body></html>"
	cases := []struct {
		name    string
		handler http.HandlerFunc
		client  *engine.Client
		ok      bool
		want    []string // in the result's error
	}{
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"id": 1, "items": [`)
		}, nil, false, []string{"Method 'Get Order' › Response Format: the body is not JSON", `it starts: {"id": 1, "items": [`}},
		{"huge body", func(w http.ResponseWriter, r *http.Request) {
			chunk := strings.Repeat(" ", 1<<20)
			for range 11 {
				io.WriteString(w, chunk)
			}
		}, nil, false, []string{"GET 127.0.0.1:", "response body is larger than 10 MiB"}},
		{"HTML error page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, htmlPage)
		}, nil, false, []string{"GET Get Order answered 502 Bad Gateway: <!DOCTYPE html>", "…"}},
		{"nested ten million deep", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, strings.Repeat("[", 10_000_000))
		}, nil, false, []string{"Method 'Get Order' › Response Format: the body nests arrays and objects more than 1000 deep, which Patchbay does not read"}},
		{"a byte order mark before the JSON", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "\xef\xbb\xbf{\"id\": 7}")
		}, nil, true, nil},
		{"non-ASCII error page", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "x"+strings.Repeat("é", 300))
		}, nil, false, []string{"GET Get Order answered 502 Bad Gateway: x" + strings.Repeat("é", 99) + "…"}},
		{"HTML page with 200", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, htmlPage)
		}, nil, false, []string{"Method 'Get Order' › Response Format: the body is not JSON; it starts: <!DOCTYPE html>"}},
		{"non-2xx", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error": "no such order"}`)
		}, nil, false, []string{`GET Get Order answered 404 Not Found: {"error": "no such order"}`}},
		{"redirects followed", func(w http.ResponseWriter, r *http.Request) {
			n, _ := strconv.Atoi(r.URL.Query().Get("hop"))
			if n < 2 {
				http.Redirect(w, r, fmt.Sprintf("/order?hop=%d", n+1), http.StatusFound)
				return
			}
			io.WriteString(w, `{"id": 7}`)
		}, nil, true, nil},
		{"too many redirects", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/order", http.StatusMovedPermanently)
		}, nil, false, []string{"GET 127.0.0.1:", "stopped after 5 redirects"}},
		{"slow server", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, &engine.Client{Timeout: 100 * time.Millisecond}, false, []string{"GET 127.0.0.1:", "no response within 100ms (the request timeout)"}},
		{"connection closed mid-body", hijack(1000, `{"id": 7, "note": "`+strings.Repeat("x", 81), false),
			nil, false, []string{"GET 127.0.0.1:", "the response body broke off after 100 of the 1000 bytes the server announced"}},
		{"connection reset mid-body", hijack(1000, `{"id": 7, "note": "`+strings.Repeat("x", 81), true),
			nil, false, []string{"GET 127.0.0.1:", "the response body broke off after", "connection reset by peer"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			r := &engine.Runner{Connector: orderConnector(srv.URL), Client: tc.client}
			res := r.RunMethod(context.Background(), "Get Order")
			t.Logf("error: %s", res.Error)
			if res.OK != tc.ok {
				t.Fatalf("ok=%t, want %t: %s", res.OK, tc.ok, res.Error)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Error, w) {
					t.Errorf("error lacks %q:\n%s", w, res.Error)
				}
			}
			if len(res.Error) > 600 {
				t.Errorf("the error is %d characters long; a body in it should be clipped", len(res.Error))
			}
			if strings.Contains(res.Error, "goroutine") || strings.Contains(res.Error, "panic") {
				t.Errorf("a Go panic reached the run log: %s", res.Error)
			}
			if !utf8.ValidString(res.Error) {
				t.Errorf("the error is not valid UTF-8: %q", res.Error)
			}
			if !tc.ok && len(res.Mapped) != 0 {
				t.Errorf("a failed step mapped %+v", res.Mapped)
			}
			if tc.name == "HTML error page" {
				// The start of the page, cut at 200 bytes.
				if want := ": " + htmlPage[:200] + "…"; !strings.HasSuffix(res.Error, want) {
					t.Errorf("error %q\ndoes not end with the page's first 200 bytes: %q", res.Error, want)
				}
			}
			if tc.name == "huge body" {
				if resp := res.Steps[0].Response; resp == nil || resp.Status != 200 || len(resp.Body) != engine.MaxResponseBody {
					t.Errorf("the run log should keep the status and the first 10 MiB of the body")
				}
			}
			if tc.name == "redirects followed" {
				step := res.Steps[0]
				want := []string{"302 → GET " + srv.URL + "/order?hop=1", "302 → GET " + srv.URL + "/order?hop=2"}
				if step.Response == nil || fmt.Sprint(step.Response.Redirects) != fmt.Sprint(want) {
					t.Errorf("the run log's redirects = %+v, want %q", step.Response, want)
				}
				if got := mappedValues(res.Mapped)["OrderId"]; got != "7" {
					t.Errorf("OrderId = %s after the redirects, want 7", got)
				}
			}
		})
	}
}

// TestWebhookIDShapes runs the lifecycle against APIs whose create
// response has an id that is an object, a list or null: the run fails
// saying so, sends no delete, and the ledger keeps a row to remove by hand.
func TestWebhookIDShapes(t *testing.T) {
	for _, tc := range []struct{ name, id, want string }{
		{"object", `{"v": 1}`, `the id is an object, not a string or number: {"v": 1}`},
		{"array", `["wh_1", "wh_2"]`, `the id is a list, not a string or number: ["wh_1", "wh_2"]`},
		{"null", `null`, "the id is null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deletes := 0
			mux := http.NewServeMux()
			mux.HandleFunc("POST /v2/hooks", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, `{"data": {"webhook": {"id": `+tc.id+`}}}`)
			})
			mux.HandleFunc("DELETE /v2/hooks/{id}", func(w http.ResponseWriter, r *http.Request) { deletes++ })
			srv := httptest.NewServer(mux)
			defer srv.Close()
			c := hookConnector(srv.URL)
			c.Script = ""
			ledger := &memLedger{}
			r := &engine.Runner{Connector: c, Account: map[string]string{model.SystemFieldAuthAPIKey: "test-api-key-0001"}}
			res := r.RunWebhook(context.Background(), "Order Events", engine.WebhookOptions{Ledger: ledger})
			t.Logf("error: %s", res.Error)
			for _, w := range []string{"the webhook was created, but its id could not be read", `no Cyclr_Webhook_Id at "data.webhook.id"`, tc.want} {
				if !strings.Contains(res.Error, w) {
					t.Errorf("error lacks %q:\n%s", w, res.Error)
				}
			}
			if res.OK || deletes != 0 {
				t.Errorf("ok=%t, %d deletes; want a failed run and no delete", res.OK, deletes)
			}
			rows, _ := ledger.ListWebhooks(context.Background(), true)
			if len(rows) != 1 || !strings.Contains(rows[0].LastError, "remove it on the API by hand") {
				t.Errorf("ledger %+v, want one pending row to remove by hand", rows)
			}
		})
	}
}

// pushAPI creates one webhook (id 5, with a signing secret in the create
// response) and, when /emit is called, makes the deliveries it was given
// to the webhook's URL before it answers.
type pushAPI struct {
	mu         sync.Mutex
	target     string
	deliveries []push
	answers    []int // the receiver's status for each delivery
	deleted    bool
}

// push is one delivery: a body and the headers it is sent with.
type push struct {
	body    string
	headers map[string]string
}

const pushSecret = "whsec_reliability_1"

func signed(body string) map[string]string {
	mac := hmac.New(sha256.New, []byte(pushSecret))
	mac.Write([]byte(body))
	return map[string]string{"X-Sig": "sha256=" + hex.EncodeToString(mac.Sum(nil))}
}

func (a *pushAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/hooks":
		var in struct{ URL string }
		json.NewDecoder(r.Body).Decode(&in)
		a.target = in.URL
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id": 5, "secret": "`+pushSecret+`"}`)
	case r.Method == http.MethodDelete && r.URL.Path == "/hooks/5":
		a.deleted = true
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/emit":
		for _, d := range a.deliveries {
			req, _ := http.NewRequest(http.MethodPost, a.target, strings.NewReader(d.body))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range d.headers {
				req.Header.Set(k, v)
			}
			status := 0
			if resp, err := http.DefaultClient.Do(req); err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			a.answers = append(a.answers, status)
		}
		io.WriteString(w, `{"emitted": true}`)
	default:
		http.NotFound(w, r)
	}
}

// pushConnector's Webhook method Events maps n from a delivery; with
// signature set it checks X-Sig, an HMAC-SHA256 under the secret of the
// create response.
func pushConnector(base string, signature bool) *model.Connector {
	events := model.Method{Name: "Events", MethodType: model.MethodWebhook, CreateWebhookMethod: "Create", DeleteWebhookMethod: "Delete",
		RequestFormat: model.Format{Fields: []model.Field{{ConnectorField: "n", SystemField: "N", DataType: model.FieldInteger}}}}
	if signature {
		events.WebhookSignature = model.SignatureCheck{Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", Prefix: "sha256=", SecretResponseField: "HookSecret"}
	}
	return &model.Connector{
		Name: "Push",
		Methods: []model.Method{
			{Name: "Create", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson, Endpoint: base + "/hooks",
				RequestFormat: model.Format{Fields: []model.Field{{ConnectorField: "url", DataType: model.FieldText, IsHidden: true, DefaultValue: "{{Cyclr_Webhook_Url}}"}}},
				ResponseFormat: model.Format{Fields: []model.Field{
					{ConnectorField: "id", SystemField: model.SystemFieldWebhookID, DataType: model.FieldInteger},
					{ConnectorField: "secret", SystemField: "HookSecret", DataType: model.FieldText},
				}}},
			{Name: "Delete", MethodType: model.MethodAction, HttpMethod: "DELETE", DataType: model.BodyJson, Endpoint: base + "/hooks/{{Cyclr_Webhook_Id}}"},
			{Name: "Emit", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson, Endpoint: base + "/emit"},
			events,
		},
	}
}

func TestBadDeliveries(t *testing.T) {
	big := `{"n": 1, "pad": "` + strings.Repeat("x", engine.DefaultDeliveryLimit) + `"}`
	cases := []struct {
		name      string
		signature bool
		sends     []push
		ok        bool
		mapped    string // N as mapped, "" for none
		received  int    // Result.Deliveries
		want      string // in the result's error
		answers   string // the receiver's answers to the API
	}{
		{"duplicate delivery", false, []push{{`{"n": 1}`, nil}, {`{"n": 1}`, nil}}, true, "1", 2, "", "[200 200]"},
		{"oversized delivery", false, []push{{big, nil}}, false, "", 1,
			"Receive delivery: the delivery's body is larger than 1048576 bytes", "[413]"},
		{"unsigned delivery", true, []push{{`{"n": 3}`, nil}}, false, "", 1,
			"Receive delivery: signature check failed: the delivery has no X-Sig header: it is unsigned", "[401]"},
		{"wrongly signed delivery", true, []push{{`{"n": 4}`, signed(`{"n": 5}`)}}, false, "", 1,
			"Receive delivery: signature check failed: the X-Sig header does not match the HMAC-SHA256 of the body under the secret", "[401]"},
		{"rightly signed delivery", true, []push{{`{"n": 6}`, signed(`{"n": 6}`)}}, true, "6", 1, "", "[200]"},
		{"an unsigned delivery, then a signed one", true, []push{{`{"n": 7}`, nil}, {`{"n": 8}`, signed(`{"n": 8}`)}}, true, "8", 2, "", "[401 200]"},
		{"a ping without a body, then the event", false, []push{{``, nil}, {`{"n": 9}`, nil}}, true, "9", 2, "", "[200 200]"},
		{"a byte order mark before the JSON", false, []push{{"\xef\xbb\xbf{\"n\": 13}", nil}}, true, "13", 1, "", "[200]"},
		{"an unsigned delivery, then a wrongly signed one", true, []push{{`{"n": 10}`, nil}, {`{"n": 11}`, signed(`{"n": 12}`)}}, false, "", 2,
			"Receive delivery: signature check failed: the X-Sig header does not match", "[401 401]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := &pushAPI{deliveries: tc.sends}
			srv := httptest.NewServer(api)
			defer srv.Close()
			r := &engine.Runner{Connector: pushConnector(srv.URL, tc.signature)}
			said := 0 // deliveries said to be set aside while the step still waited
			r.OnStep = func(s *engine.Step) {
				if s.Name == "Receive delivery" && s.Status == engine.StepRunning {
					said = 0
					for _, c := range s.Console {
						if strings.Contains(c, "and was not mapped: ") && strings.Contains(c, "; waiting for another until ") {
							said++
						}
					}
				}
			}
			wait := 5 * time.Second
			if !tc.ok {
				wait = time.Second // waited out: a better delivery may come
			}
			res := r.RunWebhook(context.Background(), "Events", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Emit", Wait: wait})
			t.Logf("error: %s", res.Error)
			if res.OK != tc.ok {
				t.Fatalf("ok=%t, want %t: %s\n%s", res.OK, tc.ok, res.Error, dump(res))
			}
			if tc.want != "" && !strings.Contains(res.Error, tc.want) {
				t.Errorf("error lacks %q:\n%s", tc.want, res.Error)
			}
			if res.Delivery == nil {
				t.Fatal("no delivery in the run log")
			}
			got := mappedValues(res.Delivery.Mapped)["N"]
			if tc.mapped == "" && (len(res.Delivery.Mapped) != 0 || res.Delivery.Rejected == "") {
				t.Errorf("a bad delivery was mapped: %+v", res.Delivery)
			}
			if tc.mapped != "" && got != tc.mapped {
				t.Errorf("mapped N = %s, want %s", got, tc.mapped)
			}
			if res.Deliveries != tc.received {
				t.Errorf("Deliveries = %d, want %d", res.Deliveries, tc.received)
			}
			setAside := map[string]int{"oversized delivery": 1, "unsigned delivery": 1, "wrongly signed delivery": 1, "an unsigned delivery, then a signed one": 1,
				"a ping without a body, then the event": 1, "an unsigned delivery, then a wrongly signed one": 2}[tc.name]
			if said != setAside {
				t.Errorf("%d deliveries not mapped were said to be while the step waited, want %d", said, setAside)
			}
			if fmt.Sprint(api.answers) != tc.answers {
				t.Errorf("the receiver answered %v, want %s", api.answers, tc.answers)
			}
			if !api.deleted {
				t.Error("the webhook was not deleted")
			}
			if tc.signature && strings.Contains(dump(res), pushSecret) {
				t.Error("the run log shows the signing secret")
			}
		})
	}
}
