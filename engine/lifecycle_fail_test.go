package engine_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"patchbay/engine"
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
		{"required field without value", setup{create: answer(201, `{}`), edit: func(c *model.Connector) {
			c.Methods[0].RequestFormat.Fields = append(c.Methods[0].RequestFormat.Fields,
				model.Field{ConnectorField: "description", SystemField: "Description", DataType: model.FieldText})
		}}, []string{"Request Format", "description"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /v2/hooks", tc.setup.create)
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
			res := r.RunWebhook(context.Background(), "Order Events", engine.WebhookOptions{Ledger: ledger})
			if res.OK {
				t.Fatal("the run passed")
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
