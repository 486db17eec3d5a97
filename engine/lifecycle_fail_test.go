package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/model"
)

func TestLifecycleFailures(t *testing.T) {
	type setup struct {
		create http.HandlerFunc // the API's answer to the create request
		edit   func(c *model.Connector)
		client *engine.Client
	}
	answer := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			io.WriteString(w, body)
		}
	}
	cases := []struct {
		name    string
		setup   setup
		want    []string // all in the result's error
		created bool     // a ledger row is expected
	}{
		{"create returns 500", setup{create: answer(500, `{"error":"database down"}`)},
			[]string{"answered 500 Internal Server Error", "database down"}, false},
		{"id path missing", setup{create: answer(201, `{"data": {"hook": {"id": "x"}}}`)},
			[]string{"its id could not be read", "data.webhook.id", `{"data": {"hook"`}, true},
		{"id is an object", setup{create: answer(201, `{"data": {"webhook": {"id": {"v": 1}}}}`)},
			[]string{"its id could not be read", "data.webhook.id"}, true},
		{"malformed JSON", setup{create: answer(201, `{"data": {"webhook": `)},
			[]string{"not JSON"}, true},
		{"oversized body", setup{
			create: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(201)
				chunk := strings.Repeat("x", 1<<20)
				for range 11 {
					io.WriteString(w, chunk)
				}
			}},
			[]string{"larger than 10 MiB"}, true},
		{"timeout", setup{
			create: func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body) // then the server notices the client leave
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
			client: &engine.Client{Timeout: 100 * time.Millisecond}},
			[]string{"no response within 100ms"}, true}, // the API may have made it
		{"runaway script", setup{create: answer(201, `{}`), edit: func(c *model.Connector) {
			c.Methods[0].Script = "function before_action() {\n  for (;;) {}\n}"
		}}, []string{"method 'Subscribe' script", "before_action", "time limit"}, false},
		{"script throw", setup{create: answer(201, `{}`), edit: func(c *model.Connector) {
			c.Methods[0].Script = "function before_action() {\n  throw new Error('no target configured');\n}"
		}}, []string{"no target configured", "line 2"}, false},
		{"unknown mergefield", setup{create: answer(201, `{}`), edit: func(c *model.Connector) {
			c.Methods[0].Endpoint += "?region={{Region}}"
		}}, []string{"Method 'Subscribe' › Settings › Endpoint", "Region"}, false},
		{"no field captures the id", setup{create: answer(201, `{"data": {"webhook": {"id": "x"}}}`), edit: func(c *model.Connector) {
			c.Methods[0].ResponseFormat.Fields[0].SystemField = ""
		}}, []string{"Method 'Subscribe' › Response Format: no field has the System Field Cyclr_Webhook_Id", "no webhook was created"}, false},
		{"the id's path is no path", setup{create: answer(201, `{"data": {"webhook": {"id": "x"}}}`), edit: func(c *model.Connector) {
			c.Methods[0].ResponseFormat.Fields[0].ConnectorField = ""
		}}, []string{"Method 'Subscribe' › Response Format › Cyclr_Webhook_Id: ", "not a Connector Field path", "no webhook was created"}, false},
		{"required field without value", setup{create: answer(201, `{}`), edit: func(c *model.Connector) {
			c.Methods[0].RequestFormat.Fields = append(c.Methods[0].RequestFormat.Fields,
				model.Field{ConnectorField: "description", SystemField: "Description", DataType: model.FieldText})
		}}, []string{"Request Format", "description"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			creates := 0
			mux.HandleFunc("POST /v2/hooks", func(w http.ResponseWriter, r *http.Request) {
				creates++
				tc.setup.create(w, r)
			})
			deletes := 0
			mux.HandleFunc("DELETE /v2/hooks/{id}", func(w http.ResponseWriter, r *http.Request) {
				deletes++
				w.WriteHeader(http.StatusNoContent)
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()
			c := hookConnector(srv.URL)
			c.Script = ""
			c.Methods[0].ResponseFormat.Fields[0].ConnectorField = "data.webhook.id"
			if tc.setup.edit != nil {
				tc.setup.edit(c)
			}
			ledger := &memLedger{}
			r := &engine.Runner{Connector: c, Account: map[string]string{model.SystemFieldAuthAPIKey: "test-api-key-0001"}, Client: tc.setup.client, ScriptTimeout: 200 * time.Millisecond}
			var shown []engine.StepStatus // of the create step, as each report said
			r.OnStep = func(s *engine.Step) {
				if s.Name == "Create webhook" {
					shown = append(shown, s.Status)
				}
			}
			res := r.RunWebhook(context.Background(), "Order Events", engine.WebhookOptions{Ledger: ledger})
			if res.OK {
				t.Fatal("the run passed")
			}
			if slices.Contains(shown, engine.StepOK) {
				t.Errorf("the create step was reported passed before it failed: %v", shown)
			}
			if (tc.name == "no field captures the id" || tc.name == "the id's path is no path") && creates != 0 {
				t.Errorf("a webhook was created whose id could not be saved")
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Error, w) {
					t.Errorf("error lacks %q:\n%s", w, res.Error)
				}
			}
			if deletes != 0 {
				t.Errorf("a delete was sent for a webhook whose id is unknown")
			}
			rows, _ := ledger.ListWebhooks(context.Background(), true)
			if tc.created && (len(rows) != 1 || !strings.Contains(rows[0].LastError, "by hand")) {
				t.Errorf("the API created a webhook, but the ledger has %+v", rows)
			}
			if !tc.created && len(rows) != 0 {
				t.Errorf("no webhook was created, but the ledger has %+v", rows)
			}
		})
	}
}

func TestLifecycleConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	r := &engine.Runner{Connector: hookConnector("http://" + addr), Account: map[string]string{model.SystemFieldAuthAPIKey: "test-api-key-0001"}}
	res := r.RunWebhook(context.Background(), "Order Events", engine.WebhookOptions{Ledger: &memLedger{}})
	if res.OK || !strings.Contains(res.Error, "connection refused") {
		t.Errorf("error %q, want connection refused", res.Error)
	}
}

func TestDeliveryTimesOutAndStillDeletes(t *testing.T) {
	sb, base := startSandbox(t)
	ledger := &memLedger{}
	r := &engine.Runner{Connector: exampleConnector(t), Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: "sandbox-key"}}
	// No trigger: nothing will be delivered within the wait.
	res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger, Wait: 150 * time.Millisecond})
	if res.OK || !strings.Contains(res.Error, "no delivery arrived") {
		t.Errorf("error %q", res.Error)
	}
	if last := res.Steps[len(res.Steps)-1]; last.Name != "Delete webhook" || !last.OK {
		t.Errorf("last step %+v, want a passing delete", last)
	}
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook was left on the API")
	}
}

func TestCancelledRunStillDeletes(t *testing.T) {
	sb, base := startSandbox(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := &engine.Runner{
		Connector: exampleConnector(t),
		Account:   map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: "sandbox-key"},
		OnStep: func(s *engine.Step) {
			if s.Name == "Receive delivery" && s.Status == engine.StepRunning {
				cancel() // the user presses Cancel while waiting
			}
		},
	}
	res := r.RunWebhook(ctx, "New Order", engine.WebhookOptions{Ledger: &memLedger{}, Wait: time.Minute})
	if res.OK {
		t.Fatal("a cancelled run passed")
	}
	if last := res.Steps[len(res.Steps)-1]; last.Name != "Delete webhook" || !last.OK {
		t.Errorf("last step %+v, want a passing delete", last)
	}
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook was left on the API")
	}
}

// TestCapturedIDWins stores a Cyclr_Webhook_Id among the account values and
// passes another as an input: the delete still goes to the webhook the run
// created.
func TestCapturedIDWins(t *testing.T) {
	sb, base := startSandbox(t)
	r := &engine.Runner{
		Connector: exampleConnector(t),
		Account:   map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: "sandbox-key", model.SystemFieldWebhookID: "999"},
		Inputs:    map[string]string{model.SystemFieldWebhookID: "998"},
	}
	res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: &memLedger{}})
	del := res.Steps[len(res.Steps)-1]
	if !res.OK || del.Request == nil || !strings.HasSuffix(del.Request.URL, "/webhooks/1") {
		t.Fatalf("ok=%t, delete %+v: %s", res.OK, del.Request, res.Error)
	}
	if len(sb.Webhooks()) != 0 {
		t.Error("the created webhook was left on the API")
	}
}

// TestCreateWithBadOtherFieldStillDeletes: a Response Format field other
// than the id does not convert, so the create step fails; the API made the
// webhook all the same, and the run deletes it.
func TestCreateWithBadOtherFieldStillDeletes(t *testing.T) {
	sb, base := startSandbox(t)
	c := exampleConnector(t)
	c.Method("Create Webhook").ResponseFormat.Fields[1].DataType = model.FieldInteger // active is a Boolean
	ledger := &memLedger{}
	r := &engine.Runner{Connector: c, Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: "sandbox-key"}}
	res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger})
	if res.OK || !strings.Contains(res.Error, "active") {
		t.Errorf("ok=%t error %q, want the active field named", res.OK, res.Error)
	}
	if res.WebhookID != "1" || len(sb.Webhooks()) != 0 {
		t.Errorf("webhook id %q, left on the API: %v", res.WebhookID, sb.Webhooks())
	}
	if rows, _ := ledger.ListWebhooks(context.Background(), true); len(rows) != 0 {
		t.Errorf("pending rows %+v", rows)
	}
}

// hooksAPI serves hookConnector's API with handlers a test chooses, and
// counts the creates and deletes it gets.
type hooksAPI struct {
	mu              sync.Mutex
	create, del     http.HandlerFunc
	creates, delets int
}

func (a *hooksAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v2/hooks":
		a.creates++
		a.create(w, r)
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v2/hooks/"):
		a.delets++
		if a.del == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		a.del(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (a *hooksAPI) counts() (creates, deletes int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.creates, a.delets
}

// createdWH1 answers a create with webhook wh_1.
func createdWH1(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, `{"data": {"webhook": {"id": "wh_1"}}}`)
}

// hooksRun runs hookConnector's lifecycle against api and returns the
// result and the rows left pending.
func hooksRun(t *testing.T, api http.Handler, edit func(*model.Connector), ledger model.WebhookLedger) (*engine.Result, []model.WebhookRecord) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c := hookConnector(srv.URL)
	c.Script = ""
	if edit != nil {
		edit(c)
	}
	r := &engine.Runner{Connector: c, Account: map[string]string{model.SystemFieldAuthAPIKey: "test-api-key-0001"}}
	res := r.RunWebhook(context.Background(), "Order Events", engine.WebhookOptions{Ledger: ledger})
	rows, err := ledger.ListWebhooks(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	return res, rows
}

// A delete answered 301 or 302 is not followed as a GET, whose 200 would
// pass for the delete: the step fails, says where the redirect points, and
// the webhook stays pending. A 303 says the delete was carried out, and
// is followed.
func TestDeleteRedirectIsNotTakenForTheDelete(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			gets := 0
			api := &hooksAPI{create: createdWH1, del: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.Path+"/", status)
			}}
			mux := http.NewServeMux()
			mux.Handle("/", api)
			mux.HandleFunc("GET /v2/hooks/{id}/", func(w http.ResponseWriter, r *http.Request) {
				gets++
				io.WriteString(w, `{"id": "wh_1"}`)
			})
			res, rows := hooksRun(t, mux, nil, &memLedger{})
			if status == http.StatusSeeOther {
				if !res.OK || gets != 1 || len(rows) != 0 {
					t.Errorf("ok=%t after %d GETs, pending %+v: want the 303 followed and the webhook deleted: %s", res.OK, gets, rows, res.Error)
				}
				return
			}
			if res.OK || gets != 0 {
				t.Fatalf("ok=%t after %d GETs: a redirect of the delete was followed", res.OK, gets)
			}
			del := res.Steps[len(res.Steps)-1]
			if want := fmt.Sprintf("answered %d", status); !strings.Contains(del.Error, want) || !strings.Contains(del.Error, "(to /v2/hooks/wh_1/;") {
				t.Errorf("delete error %q, want %q and where it points", del.Error, want)
			}
			if len(rows) != 1 || rows[0].WebhookID != "wh_1" {
				t.Errorf("pending rows %+v, want wh_1", rows)
			}
		})
	}
}

// A create answered with a redirect is followed, as a GET for a 301, 302
// or 303, to read the id from the new resource. When that fails, the
// create still reached the API: its row stays pending, for removal by
// hand. That holds for a redirect that then cannot connect too, which is
// not a request never sent.
func TestRedirectedCreate(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/v2/hooks"
	ln.Close()
	for _, tc := range []struct {
		name   string
		status int
		to     string
		ok     bool // the id is read and the webhook deleted
	}{
		{"302 to the new webhook", http.StatusFound, "/v2/hooks/wh_1", true},
		{"303 to the new webhook", http.StatusSeeOther, "/v2/hooks/wh_1", true},
		{"301 to nothing", http.StatusMovedPermanently, "/nowhere", false},
		{"307 to a host that refuses", http.StatusTemporaryRedirect, dead, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &hooksAPI{create: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", tc.to)
				w.WriteHeader(tc.status)
			}}
			mux := http.NewServeMux()
			mux.Handle("/", api)
			mux.HandleFunc("GET /v2/hooks/{id}", func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, `{"data": {"webhook": {"id": "`+r.PathValue("id")+`"}}}`)
			})
			res, rows := hooksRun(t, mux, nil, &memLedger{})
			creates, deletes := api.counts()
			if tc.ok {
				if !res.OK || res.WebhookID != "wh_1" || deletes != 1 || len(rows) != 0 {
					t.Errorf("ok=%t id %q, %d deletes, pending %+v: %s", res.OK, res.WebhookID, deletes, rows, res.Error)
				}
				return
			}
			if res.OK || creates != 1 {
				t.Fatalf("ok=%t, %d creates", res.OK, creates)
			}
			if len(rows) != 1 || !strings.Contains(rows[0].LastError, "by hand") {
				t.Fatalf("pending rows %+v, want the create's row kept for removal by hand", rows)
			}
			if tc.to == dead && !strings.Contains(res.Error, ", redirected to "+strings.TrimSuffix(strings.TrimPrefix(dead, "http://"), "/v2/hooks")+": ") {
				t.Errorf("error %q does not name the redirect's target", res.Error)
			}
			// The run itself says so, not only the ledger.
			want := fmt.Sprintf("the API may have made a webhook Patchbay cannot delete: look on the API for one registered to %s and remove it by hand (the ledger keeps it pending as row %d)", rows[0].URL, rows[0].ID)
			if !strings.Contains(res.Error, want) {
				t.Errorf("error %q, want it to say %q", res.Error, want)
			}
		})
	}
}

// An after_action that throws on the create's 2xx answer fails the step,
// and the webhook's id is still read from the body the API sent, so that
// the webhook is deleted.
func TestAfterActionThrowOnCreateStillDeletes(t *testing.T) {
	api := &hooksAPI{create: createdWH1}
	res, rows := hooksRun(t, api, func(c *model.Connector) {
		c.Methods[0].Script = "function after_action() { throw new Error('boom'); }"
	}, &memLedger{})
	if _, deletes := api.counts(); res.OK || res.WebhookID != "wh_1" || deletes != 1 {
		t.Fatalf("ok=%t id %q, %d deletes: %s", res.OK, res.WebhookID, deletes, res.Error)
	}
	if !strings.Contains(res.Error, "boom") || len(rows) != 0 {
		t.Errorf("error %q, pending rows %+v", res.Error, rows)
	}
}

// A numeric id above 2^53 survives an after_action that rewrites the
// response and leaves the id alone: JavaScript would round it, and the
// delete would go to another webhook. An id the script changes is taken as
// it left it.
func TestLargeNumericIDSurvivesAfterAction(t *testing.T) {
	const big = "12345678901234567891" // 1.2345678901234567e19 to JavaScript
	for _, tc := range []struct {
		name, script, want string
	}{
		{"id left alone", "function after_action() { method_response.seen = true; }", big},
		{"id changed", "function after_action() { method_response.data.webhook.id = 42; }", "42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var deleted string
			api := &hooksAPI{
				create: func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(http.StatusCreated)
					io.WriteString(w, `{"data": {"webhook": {"id": `+big+`}}}`)
				},
				del: func(w http.ResponseWriter, r *http.Request) {
					deleted = strings.TrimPrefix(r.URL.Path, "/v2/hooks/")
					w.WriteHeader(http.StatusNoContent)
				},
			}
			res, rows := hooksRun(t, api, func(c *model.Connector) { c.Methods[0].Script = tc.script }, &memLedger{})
			if !res.OK || res.WebhookID != tc.want || deleted != tc.want || len(rows) != 0 {
				t.Errorf("ok=%t id %q, deleted %q, pending %+v: %s; want %s", res.OK, res.WebhookID, deleted, rows, res.Error, tc.want)
			}
		})
	}
}

// setIDFails is a ledger whose first failsFor SetWebhookID calls fail.
type setIDFails struct {
	memLedger
	failsFor int
}

func (l *setIDFails) SetWebhookID(ctx context.Context, id int64, webhookID string) error {
	if l.failsFor > 0 {
		l.failsFor--
		return errors.New("database is locked")
	}
	return l.memLedger.SetWebhookID(ctx, id, webhookID)
}

// forgetsAtOnce is a ledger whose first row is marked deleted the moment it
// is written, as when the author runs 'patchbay webhook forget' on it while
// the run goes on.
type forgetsAtOnce struct{ memLedger }

func (l *forgetsAtOnce) RecordWebhook(ctx context.Context, rec *model.WebhookRecord) error {
	if err := l.memLedger.RecordWebhook(ctx, rec); err != nil || rec.ID != 1 {
		return err
	}
	return l.MarkWebhookDeleted(ctx, rec.ID)
}

// When the id cannot be recorded and the delete then fails too, the id is
// recorded after all if the ledger takes it by then, on a new row if the
// old one was marked deleted meanwhile, and named in the row's error when
// it cannot be written: a row without it can only be removed by hand, and
// needs to say which webhook.
func TestUnrecordedIDWithFailedDelete(t *testing.T) {
	fail := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }
	t.Run("recorded after the delete", func(t *testing.T) {
		_, rows := hooksRun(t, &hooksAPI{create: createdWH1, del: fail}, nil, &setIDFails{failsFor: 1})
		if len(rows) != 1 || rows[0].WebhookID != "wh_1" || !strings.Contains(rows[0].LastError, "answered 503") {
			t.Errorf("pending rows %+v, want wh_1 recorded with the delete's error", rows)
		}
	})
	t.Run("row forgotten during the run", func(t *testing.T) {
		ledger := &forgetsAtOnce{}
		_, rows := hooksRun(t, &hooksAPI{create: createdWH1, del: fail}, nil, ledger)
		if len(rows) != 1 || rows[0].ID != 2 || rows[0].WebhookID != "wh_1" || !strings.Contains(rows[0].LastError, "answered 503") {
			t.Errorf("pending rows %+v, want a new row keeping wh_1 with the delete's error", rows)
		}
	})
	t.Run("never recorded", func(t *testing.T) {
		_, rows := hooksRun(t, &hooksAPI{create: createdWH1, del: fail}, nil, &setIDFails{failsFor: 2})
		if len(rows) != 1 || rows[0].WebhookID != "" || !strings.Contains(rows[0].LastError, "webhook wh_1 was created") ||
			!strings.Contains(rows[0].LastError, "by hand") {
			t.Errorf("pending rows %+v, want the row naming wh_1", rows)
		}
	})
}

// forgetsOnceRecorded is a ledger whose row is marked deleted the moment
// its id is written, as when the author forgets it while the run waits for
// a delivery.
type forgetsOnceRecorded struct{ memLedger }

func (l *forgetsOnceRecorded) SetWebhookID(ctx context.Context, id int64, webhookID string) error {
	if err := l.memLedger.SetWebhookID(ctx, id, webhookID); err != nil {
		return err
	}
	return l.MarkWebhookDeleted(ctx, id)
}

// A row forgotten after its id was recorded, whose delete then fails,
// comes back as a new pending row: the webhook is still on the API.
func TestForgottenRowWithFailedDelete(t *testing.T) {
	fail := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }
	_, rows := hooksRun(t, &hooksAPI{create: createdWH1, del: fail}, nil, &forgetsOnceRecorded{})
	if len(rows) != 1 || rows[0].ID != 2 || rows[0].WebhookID != "wh_1" || !strings.Contains(rows[0].LastError, "answered 503") {
		t.Errorf("pending rows %+v, want a new row keeping wh_1 with the delete's error", rows)
	}
}

// A create that could not be encoded never left Patchbay: a header value
// with a line break, or an endpoint a script turned into something not
// http. The run says why, nothing reaches the API, and no ledger row is
// left pending as if a webhook might exist.
func TestUnsentCreateLeavesNoRow(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *model.Connector)
		want string
	}{
		{"a line break in a header value", func(c *model.Connector) {
			c.Methods[0].Parameters = append(c.Methods[0].Parameters, model.Parameter{TargetType: model.TargetHttpHeader, TargetName: "X-Tenant",
				Values: []string{"acme\r\nX-Injected: 1"}})
		}, `header "X-Tenant": the value holds a control character (U+000D at byte 5)`},
		{"a script's endpoint that is not http", func(c *model.Connector) {
			c.Methods[0].Script = "function before_action() { method_endpoint = 'ftp://nowhere/x'; }"
		}, `before_action set method_endpoint: "ftp://nowhere/x" is not an absolute http or https URL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &hooksAPI{create: createdWH1}
			res, rows := hooksRun(t, api, tc.edit, &memLedger{})
			creates, _ := api.counts()
			if res.OK || creates != 0 || !strings.Contains(res.Error, tc.want) {
				t.Errorf("ok=%t, %d creates reached the API, error %q; want %q", res.OK, creates, res.Error, tc.want)
			}
			if len(rows) != 0 {
				t.Errorf("pending rows %+v, want none: nothing was sent", rows)
			}
			if strings.Contains(res.Error, "X-Injected") {
				t.Errorf("the error shows the header's value: %s", res.Error)
			}
		})
	}
}

// A delete the API answers with a 2xx whose step then fails, as a script
// fails on the answer, stays pending: an API may refuse a delete with a
// 200 and an error in the body ({"ok": false}), which is what such a
// script looks for, and the ledger must not lose a webhook still there.
// The run says what the API answered and how to forget the row if the
// webhook is gone. A cleanup's delete is the same.
func TestDeleteAnswered2xxButFailedStaysPending(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		del          http.HandlerFunc
		status       int
	}{
		{"a script that crashes on a 204", "function after_action() { console.log(method_response.data.length); }", nil, 204},
		{"a 200 refusing the delete", "function after_action() { if (!method_response.ok) throw new Error('delete refused: ' + method_response.error); }",
			func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, `{"ok": false, "error": "webhook_locked"}`)
			}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &hooksAPI{create: createdWH1, del: tc.del}
			res, rows := hooksRun(t, api, func(c *model.Connector) {
				c.Methods[1].Script = tc.script
			}, &memLedger{})
			if _, deletes := api.counts(); res.OK || deletes != 1 || len(rows) != 1 {
				t.Fatalf("ok=%t, %d deletes, pending %+v: %s", res.OK, deletes, rows, res.Error)
			}
			want := fmt.Sprintf("webhook wh_1 may not be deleted: the API answered the delete %d, but the step failed", tc.status)
			if !strings.Contains(res.Error, want) || !strings.Contains(res.Error, fmt.Sprintf("'patchbay webhook forget %d'", rows[0].ID)) {
				t.Errorf("error %q, want it to say %q and how to forget the row", res.Error, want)
			}

			// A cleanup of the pending row, with the same script.
			srv := httptest.NewServer(api)
			defer srv.Close()
			c := hookConnector(srv.URL)
			c.Methods[1].Script = tc.script
			ledger := &memLedger{}
			rec := &model.WebhookRecord{Connector: c.Name, Method: "Order Events", DeleteMethod: "Unsubscribe", WebhookID: "wh_9"}
			if err := ledger.RecordWebhook(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			load := func(context.Context, string) (*model.Connector, map[string]string, error) {
				return c, map[string]string{model.SystemFieldAuthAPIKey: "test-api-key-0001"}, nil
			}
			out := engine.Cleanup(context.Background(), ledger, load, []model.WebhookRecord{*rec}, engine.CleanupOptions{})
			if len(out) != 1 || out[0].Deleted || !strings.Contains(out[0].Error, "after_action") {
				t.Fatalf("cleanup: %+v", out)
			}
			if pending, _ := ledger.ListWebhooks(context.Background(), true); len(pending) != 1 {
				t.Errorf("pending after the cleanup: %+v, want the row kept", pending)
			}
		})
	}
}

// A Delete Webhook Method whose scripts do not load (a syntax error, a
// throw in top-level code, in its own script or the connector's) could not
// delete the webhook: nothing is sent, and nothing is left in the ledger.
func TestLifecycleRefusesDeleteScriptsThatDoNotLoad(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *model.Connector)
		want string
	}{
		{"syntax error", func(c *model.Connector) { c.Methods[1].Script = "function after_action() {\n  return }}\n" }, "line 2"},
		{"top-level throw", func(c *model.Connector) { c.Methods[1].Script = "throw new Error('not configured');" }, "not configured"},
		{"connector script", func(c *model.Connector) { c.Script = "function before_action( {" }, "connector script"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &hooksAPI{create: createdWH1}
			res, rows := hooksRun(t, api, tc.edit, &memLedger{})
			if creates, _ := api.counts(); res.OK || creates != 0 || len(rows) != 0 {
				t.Fatalf("ok=%t, %d creates, pending %+v: %s", res.OK, creates, rows, res.Error)
			}
			if !strings.Contains(res.Error, tc.want) || !strings.Contains(res.Error, "the Delete Webhook Method's scripts do not load, so the webhook could not be deleted; no webhook was created") {
				t.Errorf("error %q", res.Error)
			}
		})
	}
}

// An after_action that reshapes the response, for a mapping written for
// the new shape, and then throws: the id is read from the response as the
// script left it, and the webhook is deleted, where it used to be left on
// the API with no id.
func TestAfterActionThrowAfterReshapingStillDeletes(t *testing.T) {
	api := &hooksAPI{create: createdWH1}
	res, rows := hooksRun(t, api, func(c *model.Connector) {
		c.Methods[0].ResponseFormat.Fields[0].ConnectorField = "hook.data.webhook.id"
		c.Methods[0].Script = `function after_action() {
  method_response = { hook: method_response };
  if (!method_response.hook.secret) throw new Error('the API did not return a signing secret');
  return true;
}`
	}, &memLedger{})
	if _, deletes := api.counts(); res.OK || res.WebhookID != "wh_1" || deletes != 1 || len(rows) != 0 {
		t.Fatalf("ok=%t id %q, %d deletes, pending %+v: %s", res.OK, res.WebhookID, deletes, rows, res.Error)
	}
	if !strings.Contains(res.Error, "the API did not return a signing secret") {
		t.Errorf("error %q", res.Error)
	}
}

// A Delete Webhook Method whose request cannot be made (a brace too many
// in its Endpoint, a mergefield with no value, a Request Format field that
// needs one) could not delete the webhook: nothing is sent, nothing is
// left in the ledger, and the error names the place. The id is no such
// value: it is stood in for, in the Endpoint and in a body field alike.
func TestLifecycleRefusesADeleteThatCannotBeMade(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *model.Connector)
		want string // "" for a lifecycle that passes
	}{
		{"a brace too many", func(c *model.Connector) { c.Methods[1].Endpoint += "}" }, `Method 'Unsubscribe' › Settings › Endpoint`},
		{"a mergefield with no value", func(c *model.Connector) { c.Methods[1].Endpoint += "?region={{Region}}" }, "Region"},
		{"a required body field with no value", func(c *model.Connector) {
			c.Methods[1].RequestFormat.Fields = []model.Field{{ConnectorField: "reason", DataType: model.FieldText}}
		}, "reason"},
		{"the id in a body field", func(c *model.Connector) {
			c.Methods[1].RequestFormat.Fields = []model.Field{{ConnectorField: "hook", DataType: model.FieldText, DefaultValue: "{{Cyclr_Webhook_Id}}"}}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &hooksAPI{create: createdWH1}
			res, rows := hooksRun(t, api, tc.edit, &memLedger{})
			creates, deletes := api.counts()
			if tc.want == "" {
				if !res.OK || creates != 1 || deletes != 1 || len(rows) != 0 {
					t.Fatalf("ok=%t, %d creates, %d deletes, pending %+v: %s", res.OK, creates, deletes, rows, res.Error)
				}
				return
			}
			if res.OK || creates != 0 || len(rows) != 0 || len(res.Steps) != 0 {
				t.Fatalf("ok=%t, %d creates, %d steps, pending %+v: %s", res.OK, creates, len(res.Steps), rows, res.Error)
			}
			if !strings.Contains(res.Error, tc.want) || !strings.Contains(res.Error, "the Delete Webhook Method's request could not be made, so the webhook could not be deleted; no webhook was created") {
				t.Errorf("error %q", res.Error)
			}
		})
	}
}

// An API whose webhook id is the webhook's own address: the Delete Webhook
// Method's Endpoint is the id alone, which a number cannot stand in for
// before the create; the lifecycle goes ahead and deletes it.
func TestLifecycleDeleteEndpointIsTheID(t *testing.T) {
	api := &hooksAPI{create: func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"data": {"webhook": {"id": "http://`+r.Host+`/v2/hooks/wh_1"}}}`)
	}}
	res, rows := hooksRun(t, api, func(c *model.Connector) { c.Methods[1].Endpoint = "{{Cyclr_Webhook_Id}}" }, &memLedger{})
	if creates, deletes := api.counts(); !res.OK || creates != 1 || deletes != 1 || len(rows) != 0 {
		t.Fatalf("ok=%t, %d creates, %d deletes, pending %+v: %s", res.OK, creates, deletes, rows, res.Error)
	}
}

// TestFailedTriggerNamedBeforeTheFailedDelete: when the trigger fails and
// then the delete does, the run's error names the trigger's failure first,
// and the delete's after it. It used to name only the delete, so the
// window's headline hid why the test failed.
func TestFailedTriggerNamedBeforeTheFailedDelete(t *testing.T) {
	sb := sandbox.New(sandbox.Options{})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/orders":
			http.Error(w, `{"error":"no such route"}`, http.StatusNotFound)
		case r.Method == http.MethodDelete:
			http.Error(w, `{"error":"try later"}`, http.StatusServiceUnavailable)
		default:
			sb.ServeHTTP(w, r)
		}
	})
	c, account, _ := exampleAgainst(t, "Webhook Example", api)
	res := (&engine.Runner{Connector: c, Account: account}).RunWebhook(context.Background(), "New Order",
		engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Create Order", Wait: time.Second})
	if res.OK || !strings.HasPrefix(res.Error, "Trigger: POST Create Order answered 404 Not Found") ||
		!strings.Contains(res.Error, "; webhook 1 was not deleted (DELETE Delete Webhook answered 503") {
		t.Errorf("error %q, want the trigger's failure and then the delete's", res.Error)
	}
}

// TestAnswerAfterARedirectSaysSo: a 401 from the host a 302 led to, which
// was sent no credentials, is said to be that request's, not the POST's;
// a redirect on the same host is named too.
func TestAnswerAfterARedirectSaysSo(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"missing or wrong X-Api-Key"}`, http.StatusUnauthorized)
	}))
	defer other.Close()
	var api *httptest.Server
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/orders":
			http.Redirect(w, r, other.URL+"/orders", http.StatusFound)
		default:
			http.Error(w, `{"error":"gone"}`, http.StatusGone)
		}
	}))
	defer api.Close()
	c := exampleConnector(t)
	account := map[string]string{"BaseUrl": api.URL, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}
	res := (&engine.Runner{Connector: c, Account: account}).RunMethod(context.Background(), "Create Order")
	want := fmt.Sprintf("POST Create Order was redirected (302 → GET %s/orders, on another host, which was sent no credentials (no API key, Authorization or Sensitive header)), and that answered 401 Unauthorized: ", other.URL)
	if res.OK || !strings.Contains(res.Error, want) {
		t.Errorf("error %q,\nwant it to hold %q", res.Error, want)
	}
	// The same host: the redirect is named, the credentials are not.
	api.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/orders" {
			http.Redirect(w, r, "/v2/orders", http.StatusSeeOther)
			return
		}
		http.Error(w, `{"error":"gone"}`, http.StatusGone)
	})
	res = (&engine.Runner{Connector: c, Account: account}).RunMethod(context.Background(), "Create Order")
	if want := fmt.Sprintf("POST Create Order was redirected (303 → GET %s/v2/orders), and that answered 410 Gone", api.URL); !strings.Contains(res.Error, want) {
		t.Errorf("error %q,\nwant it to hold %q", res.Error, want)
	}
}

// TestCancelledOnlyWhenCancellingFailedIt: a run is Cancelled when it
// failed for being cancelled (Cancel while it waits for a delivery), not
// when a step had failed on its own before Cancel was pressed (a create
// whose answer does not map, Cancel pressed while the delete runs).
func TestCancelledOnlyWhenCancellingFailedIt(t *testing.T) {
	for _, tc := range []struct {
		name       string
		count      string // the create's "count", mapped as an Integer
		ledgerFail bool   // the ledger cannot mark the webhook deleted
		cancelled  bool
	}{
		{"cancelled while waiting", "1", false, true},
		{"failed before the cancel", "true", false, false},
		{"the ledger failed after the cancel", "1", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			waiting := make(chan struct{})
			api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodDelete {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, `{"id": 1, "count": `+tc.count+`}`)
			})
			c, account, _ := exampleAgainst(t, "Webhook Example", api)
			create := c.Method("Create Webhook")
			create.ResponseFormat.Fields = append(create.ResponseFormat.Fields, model.Field{ConnectorField: "count", DataType: model.FieldInteger})
			r := &engine.Runner{Connector: c, Account: account, OnStep: func(s *engine.Step) {
				if s.Name == "Create webhook" && s.Status != engine.StepRunning {
					close(waiting)
				}
			}}
			go func() { <-waiting; cancel() }() // once the create is over: while it waits, or after it failed
			var ledger model.WebhookLedger = &memLedger{}
			if tc.ledgerFail {
				ledger = &unmarkableLedger{&memLedger{}}
			}
			res := r.RunWebhook(ctx, "New Order", engine.WebhookOptions{Ledger: ledger, Wait: 10 * time.Second})
			if res.OK || res.Cancelled != tc.cancelled {
				t.Errorf("ok=%t cancelled=%t, want cancelled=%t; error %q", res.OK, res.Cancelled, tc.cancelled, res.Error)
			}
		})
	}
}

// unmarkableLedger cannot mark a webhook deleted.
type unmarkableLedger struct{ *memLedger }

func (unmarkableLedger) MarkWebhookDeleted(context.Context, int64) error {
	return errors.New("database is locked")
}
