package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/assets"
	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/model"
)

// memLedger is an in-memory webhook ledger; the SQLite one is tested in
// model/store and end to end from the command line.
type memLedger struct {
	mu   sync.Mutex
	rows []model.WebhookRecord
}

func (l *memLedger) RecordWebhook(_ context.Context, rec *model.WebhookRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec.ID = int64(len(l.rows) + 1)
	rec.CreatedAt = time.Now()
	l.rows = append(l.rows, *rec)
	return nil
}

func (l *memLedger) SetWebhookID(_ context.Context, id int64, webhookID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.rows[id-1].Pending() { // as the store: the id would be lost
		return model.Errorf(model.EConflict, "set webhook id %d: the row was marked deleted meanwhile", id)
	}
	l.rows[id-1].WebhookID = webhookID
	l.rows[id-1].LastError = ""
	return nil
}

// ForgetWebhook marks the row forgotten by giving it ID 0; ListWebhooks
// leaves such rows out.
func (l *memLedger) ForgetWebhook(_ context.Context, id int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rows[id-1].WebhookID != "" {
		return fmt.Errorf("row %d has webhook %s", id, l.rows[id-1].WebhookID)
	}
	l.rows[id-1].ID = 0
	return nil
}

func (l *memLedger) MarkWebhookDeleted(_ context.Context, id int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rows[id-1].DeletedAt = time.Now()
	l.rows[id-1].LastError, l.rows[id-1].Owner = "", ""
	return nil
}

func (l *memLedger) MarkWebhookRemoved(ctx context.Context, id int64) error {
	if err := l.MarkWebhookDeleted(ctx, id); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rows[id-1].RemovedByHand = true
	return nil
}

func (l *memLedger) MarkWebhookFailed(_ context.Context, id int64, reason string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.rows[id-1].Pending() { // as the store: a row deleted meanwhile stays so
		return model.Errorf(model.EConflict, "mark webhook failed %d: the row was marked deleted meanwhile", id)
	}
	l.rows[id-1].LastError, l.rows[id-1].Owner = reason, ""
	return nil
}

func (l *memLedger) ListWebhooks(_ context.Context, pendingOnly bool) ([]model.WebhookRecord, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []model.WebhookRecord
	for _, r := range l.rows {
		if r.ID != 0 && (!pendingOnly || r.Pending()) {
			out = append(out, r)
		}
	}
	return out, nil
}

func exampleConnector(t *testing.T) *model.Connector { return mustExample(t) }

func exampleDocument() []byte { return assets.ExampleConnector }

func startSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, srv.URL
}

func TestLifecycleAgainstSandbox(t *testing.T) {
	sb, base := startSandbox(t)
	ledger := &memLedger{}
	var seen []string
	r := &engine.Runner{
		Connector: exampleConnector(t),
		Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey,
			"SigningSecret": sandbox.DefaultSigningSecret},
		Inputs: map[string]string{"CustomerEmail": "ada@example.com", "Total": "12.50"},
		OnStep: func(s *engine.Step) {
			seen = append(seen, fmt.Sprintf("%s:%s", s.Name, s.Status))
		},
	}
	res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger, Trigger: "Create Order", Wait: 5 * time.Second})
	if !res.OK {
		t.Fatalf("lifecycle failed: %s\n%s", res.Error, dump(res))
	}
	if res.WebhookID != "1" {
		t.Errorf("webhook id %q, want 1", res.WebhookID)
	}
	wantSteps := []string{"Create webhook:running", "Create webhook:ok", "Trigger:running", "Trigger:ok",
		"Receive delivery:running", "Receive delivery:ok", "Delete webhook:running", "Delete webhook:ok"}
	if strings.Join(seen, " ") != strings.Join(wantSteps, " ") {
		t.Errorf("steps seen:\n %v\nwant\n %v", seen, wantSteps)
	}
	if res.Delivery == nil {
		t.Fatal("no delivery in the result")
	}
	got := mappedValues(res.Delivery.Mapped)
	want := map[string]string{"Event": `"order.created"`, "OrderId": "1", "CustomerEmail": `"ada@example.com"`, "LineSku": `["A-1"]`}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("delivery mapped %s = %s, want %s", k, got[k], v)
		}
	}
	if !strings.Contains(res.WebhookURL, "127.0.0.1") || !strings.Contains(res.Steps[0].Request.Body, res.WebhookURL) {
		t.Errorf("the create request did not send the receiver's URL %q: %s", res.WebhookURL, res.Steps[0].Request.Body)
	}
	if left := sb.Webhooks(); len(left) != 0 {
		t.Errorf("webhooks left on the API: %+v", left)
	}
	rows, _ := ledger.ListWebhooks(context.Background(), false)
	if len(rows) != 1 || rows[0].WebhookID != "1" || rows[0].Pending() {
		t.Errorf("ledger: %+v", rows)
	}
	for _, s := range res.Steps {
		if s.Request != nil && strings.Contains(s.Request.Headers["X-Api-Key"], sandbox.DefaultAPIKey) {
			t.Errorf("step %s shows the API key unmasked", s.Name)
		}
	}
}

// hookAPI is an API shaped unlike the sandbox: Form-encoded create, Bearer
// auth, the id a string nested at data.webhook.id, a 204 delete.
type hookAPI struct {
	mu          sync.Mutex
	token       string
	createForm  url.Values
	createAuth  string
	deleted     []string
	deleteFails bool
}

func (a *hookAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+a.token {
		http.Error(w, `{"error":"unauthorised"}`, http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v2/hooks":
		r.ParseForm()
		a.createForm, a.createAuth = r.PostForm, r.Header.Get("Authorization")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"data": {"webhook": {"id": "wh_7f3a", "status": "enabled"}}}`)
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v2/hooks/"):
		if a.deleteFails {
			http.Error(w, `{"error":"try later"}`, http.StatusInternalServerError)
			return
		}
		a.deleted = append(a.deleted, strings.TrimPrefix(r.URL.Path, "/v2/hooks/"))
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func hookConnector(base string) *model.Connector {
	return &model.Connector{
		Name:           "Hooks",
		Authentication: []model.Authentication{{AuthName: "Token", AuthType: model.AuthApiKey, IsDefault: true}},
		Script:         "function before_action() { method_request_headers.Authorization = 'Bearer ' + method_auth_value; }",
		Methods: []model.Method{
			{Name: "Subscribe", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyForm, Endpoint: base + "/v2/hooks",
				RequestFormat: model.Format{Fields: []model.Field{
					{ConnectorField: "target", DataType: model.FieldText, IsHidden: true, DefaultValue: "{{Cyclr_Webhook_Url}}"},
					{ConnectorField: "enabled_events[]", DataType: model.FieldList, DefaultValue: `["order.created","order.paid"]`},
				}},
				ResponseFormat: model.Format{Fields: []model.Field{{ConnectorField: "data.webhook.id", SystemField: model.SystemFieldWebhookID, DataType: model.FieldText}}},
			},
			{Name: "Unsubscribe", MethodType: model.MethodAction, HttpMethod: "DELETE", DataType: model.BodyJson, Endpoint: base + "/v2/hooks/{{Cyclr_Webhook_Id}}",
				Parameters: []model.Parameter{{TargetType: model.TargetMergeField, TargetName: model.SystemFieldWebhookID, IsHidden: true}},
				Script:     "function before_action() { console.log('deleting ' + method_request_parameters.Cyclr_Webhook_Id); }"},
			{Name: "Order Events", MethodType: model.MethodWebhook, CreateWebhookMethod: "Subscribe", DeleteWebhookMethod: "Unsubscribe"},
		},
	}
}

func TestLifecycleAgainstADifferentAPI(t *testing.T) {
	api := &hookAPI{token: "tok-5b1e"}
	srv := httptest.NewServer(api)
	defer srv.Close()
	ledger := &memLedger{}
	r := &engine.Runner{Connector: hookConnector(srv.URL), Account: map[string]string{model.SystemFieldAuthAPIKey: api.token}}
	res := r.RunWebhook(context.Background(), "Order Events", engine.WebhookOptions{Ledger: ledger})
	if !res.OK {
		t.Fatalf("lifecycle failed: %s\n%s", res.Error, dump(res))
	}
	if res.WebhookID != "wh_7f3a" {
		t.Errorf("webhook id %q, want wh_7f3a", res.WebhookID)
	}
	if got := api.createForm["enabled_events[]"]; strings.Join(got, ",") != "order.created,order.paid" {
		t.Errorf("form enabled_events[] = %v", got)
	}
	if api.createForm.Get("target") != res.WebhookURL {
		t.Errorf("form target %q, want the receiver's URL %q", api.createForm.Get("target"), res.WebhookURL)
	}
	if len(api.deleted) != 1 || api.deleted[0] != "wh_7f3a" {
		t.Errorf("deleted %v", api.deleted)
	}
	del := res.Steps[len(res.Steps)-1]
	if del.Response == nil || del.Response.Status != http.StatusNoContent {
		t.Errorf("delete response %+v", del.Response)
	}
	if len(del.Console) != 1 || !strings.Contains(del.Console[0], "deleting wh_7f3a") {
		t.Errorf("delete console %q: the script did not see method_request_parameters.Cyclr_Webhook_Id", del.Console)
	}
	if strings.Contains(dump(res), api.token) {
		t.Error("the run log shows the Bearer token")
	}
}

func TestDeleteFailureLeavesPendingAndCleanupDeletes(t *testing.T) {
	api := &hookAPI{token: "tok", deleteFails: true}
	srv := httptest.NewServer(api)
	defer srv.Close()
	ledger := &memLedger{}
	c := hookConnector(srv.URL)
	account := map[string]string{model.SystemFieldAuthAPIKey: api.token}
	r := &engine.Runner{Connector: c, Account: account}
	res := r.RunWebhook(context.Background(), "Order Events", engine.WebhookOptions{Ledger: ledger})
	if res.OK {
		t.Fatal("lifecycle passed though the delete failed")
	}
	if !strings.Contains(res.Error, "webhook wh_7f3a was not deleted") || !strings.Contains(res.Error, "500") {
		t.Errorf("error %q", res.Error)
	}
	pending, _ := ledger.ListWebhooks(context.Background(), true)
	if len(pending) != 1 || !strings.Contains(pending[0].LastError, "500") {
		t.Fatalf("pending %+v", pending)
	}

	api.mu.Lock()
	api.deleteFails = false
	api.mu.Unlock()
	load := func(context.Context, string) (*model.Connector, map[string]string, error) { return c, account, nil }
	out := engine.Cleanup(context.Background(), ledger, load, pending, engine.CleanupOptions{})
	if len(out) != 1 || !out[0].Deleted {
		t.Fatalf("cleanup: %+v", out)
	}
	if pending, _ := ledger.ListWebhooks(context.Background(), true); len(pending) != 0 {
		t.Errorf("still pending after cleanup: %+v", pending)
	}
	if len(api.deleted) != 1 || api.deleted[0] != "wh_7f3a" {
		t.Errorf("deleted %v", api.deleted)
	}
}

func mappedValues(fs []engine.MappedField) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		b, _ := json.Marshal(f.Value)
		out[f.SystemField] = string(b)
	}
	return out
}

func dump(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // & < > as they are: a secret holding one is searched for as it is
	enc.SetIndent("", "  ")
	enc.Encode(v)
	return b.String()
}

// TestAfterActionAlone: a script with only an after_action handler still
// rewrites what gets mapped, and one with only after_error sees the failure.
func TestAfterActionAlone(t *testing.T) {
	_, base := startSandbox(t)
	c := exampleConnector(t)
	c.Method("Create Order").Script = "function after_action() { method_response.id = method_response.id + 1000; }"
	r := &engine.Runner{Connector: c, Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}}
	res := r.RunMethod(context.Background(), "Create Order")
	if !res.OK || mappedValues(res.Mapped)["OrderId"] != "1001" {
		t.Errorf("ok=%t mapped %v: %s", res.OK, mappedValues(res.Mapped), res.Error)
	}

	c.Method("Create Order").Script = "function after_error() { console.log('failed with ' + statusCode); }"
	r.Account[model.SystemFieldAuthAPIKey] = "wrong-key-123"
	res = r.RunMethod(context.Background(), "Create Order")
	if res.OK || len(res.Steps[0].Console) != 1 || !strings.Contains(res.Steps[0].Console[0], "failed with 401") {
		t.Errorf("ok=%t console %q", res.OK, res.Steps[0].Console)
	}
}

// TestConcurrentLifecycles runs lifecycles side by side, as the window and a
// cleanup may: they share the loopback receiver, the HTTP client and the
// parsed templates. Each gets its own webhook and delivery, and every one is
// deleted. make test runs it with the race detector too.
func TestConcurrentLifecycles(t *testing.T) {
	sb, base := startSandbox(t)
	const runs = 6
	results := make([]*engine.Result, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &engine.Runner{
				Connector: exampleConnector(t),
				Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey,
					"SigningSecret": sandbox.DefaultSigningSecret},
				Inputs: map[string]string{"CustomerEmail": fmt.Sprintf("run%d@example.com", i), "Total": "3"},
			}
			results[i] = r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Create Order", Wait: 5 * time.Second})
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for i, res := range results {
		if !res.OK {
			t.Errorf("run %d: %s", i, res.Error)
			continue
		}
		ids[res.WebhookID] = true
		if res.Delivery == nil || len(res.Delivery.Mapped) == 0 {
			t.Errorf("run %d mapped no delivery", i)
		}
	}
	if len(ids) != runs {
		t.Errorf("%d distinct webhook ids for %d runs", len(ids), runs)
	}
	if left := sb.Webhooks(); len(left) != 0 {
		t.Errorf("webhooks left on the API: %v", left)
	}
}

// A Webhook method whose Create or Delete Webhook Method is missing, or
// whose Delete Webhook Method is no Action, fails before anything is
// created: a webhook that cannot be deleted is never made.
func TestLifecycleChecksItsMethodsFirst(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*model.Method)
		want string
	}{
		{"no such Create Webhook Method", func(m *model.Method) { m.CreateWebhookMethod = "Nope" },
			`Method 'New Order' › Settings › Create Webhook Method: "Nope" names no method`},
		{"no such Delete Webhook Method", func(m *model.Method) { m.DeleteWebhookMethod = "Nope" },
			`Method 'New Order' › Settings › Delete Webhook Method: "Nope" names no method`},
		{"Delete Webhook Method no Action", func(m *model.Method) { m.DeleteWebhookMethod = "New Order" },
			`Method 'New Order' › Settings › Delete Webhook Method: 'New Order' is a Webhook method, not an Action that can delete the webhook`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, base := startSandbox(t)
			c := exampleConnector(t)
			tc.edit(c.Method("New Order"))
			r := &engine.Runner{Connector: c, Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}}
			ledger := &memLedger{}
			res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger})
			if res.OK || res.Error != tc.want {
				t.Errorf("error %q, want %q", res.Error, tc.want)
			}
			if len(sb.Webhooks()) != 0 || len(ledger.rows) != 0 {
				t.Errorf("something was created: %d webhooks, %d ledger rows", len(sb.Webhooks()), len(ledger.rows))
			}
		})
	}
}

// A lifecycle's delete waits for its turn however long the delete's own
// time limit is: the limit starts when the turn comes.
func TestLifecycleDeleteWaitsBeyondItsTimeLimit(t *testing.T) {
	// The delete waits 2 s for its turn, twice its own time limit, which is
	// still long enough for a loopback request on a busy machine.
	defer engine.SetDeleteTimeout(time.Second)()

	var mu sync.Mutex
	hooks := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Method {
		case http.MethodPost:
			hooks["7"] = true
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":7}`))
		case http.MethodDelete:
			delete(hooks, strings.TrimPrefix(r.URL.Path, "/hooks/"))
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	c := plainHooks("Rate delete", srv.URL)
	c.RateLimit = 0.5
	ledger := &memLedger{}
	res := (&engine.Runner{Connector: c}).RunWebhook(context.Background(), "Hook", engine.WebhookOptions{Ledger: ledger, WebhookURL: "https://example.com/in"})
	if !res.OK {
		t.Fatalf("run: %s", res.Error)
	}
	if len(hooks) != 0 {
		t.Error("the webhook was left on the API")
	}
	if del := res.Steps[len(res.Steps)-1]; del.RateLimitWaitMS == 0 {
		t.Error("the delete did not wait for its turn")
	}
	if rows, _ := ledger.ListWebhooks(context.Background(), false); rows[0].Pending() {
		t.Errorf("the ledger row is still pending: %+v", rows[0])
	}
}

// A lifecycle cancelled while its create waits for a turn under the rate
// limit sends nothing: the create counts as never sent, and its ledger row
// is forgotten rather than left pending for a webhook that was never made.
func TestLifecycleCancelledWhileCreateWaits(t *testing.T) {
	var mu sync.Mutex
	posts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPost {
			posts++
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":7}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := plainHooks("Rate cancelled create", srv.URL)
	c.Method("Create").RateLimit = 0.5
	// The first lifecycle takes the create's turn; the second waits 2 s
	// for its own, and is cancelled while it waits.
	first := &memLedger{}
	if res := (&engine.Runner{Connector: c}).RunWebhook(context.Background(), "Hook", engine.WebhookOptions{Ledger: first, WebhookURL: "https://example.com/in"}); !res.OK {
		t.Fatalf("first run: %s", res.Error)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &engine.Runner{Connector: c, OnStep: func(s *engine.Step) {
		if s.Waiting {
			cancel()
		}
	}}
	ledger := &memLedger{}
	res := r.RunWebhook(ctx, "Hook", engine.WebhookOptions{Ledger: ledger, WebhookURL: "https://example.com/in"})
	if res.OK || !strings.Contains(res.Error, "cancelled while waiting") {
		t.Errorf("ok=%t error %q; want it cancelled while waiting", res.OK, res.Error)
	}
	mu.Lock()
	defer mu.Unlock()
	if posts != 1 {
		t.Errorf("%d creates sent, want only the first run's", posts)
	}
	if rows, _ := ledger.ListWebhooks(context.Background(), true); len(rows) != 0 {
		t.Errorf("pending rows %+v, want the never-sent create's row forgotten", rows)
	}
}

// The ledger row is written before the create request is sent: while the
// API answers the create, the ledger already holds a pending row that says
// where to look for the webhook, should the run be killed there.
func TestLedgerRowBeforeTheCreateIsSent(t *testing.T) {
	ledger := &memLedger{}
	var during []model.WebhookRecord
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			during, _ = ledger.ListWebhooks(context.Background(), true)
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":7}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := plainHooks("Row first", srv.URL)
	const url = "https://example.com/in/abc"
	res := (&engine.Runner{Connector: c}).RunWebhook(context.Background(), "Hook", engine.WebhookOptions{Ledger: ledger, WebhookURL: url})
	if !res.OK {
		t.Fatalf("run: %s", res.Error)
	}
	if len(during) != 1 || during[0].URL != url || during[0].WebhookID != "" ||
		!strings.Contains(during[0].LastError, "look on the API for a webhook to "+url) {
		t.Errorf("while the API answered the create the ledger held %+v; want one pending row naming %s", during, url)
	}
}

// plainHooks is a connector whose Webhook method Hook creates a webhook
// with POST base/hooks, reads its id at "id", and deletes it with DELETE
// base/hooks/{{Cyclr_Webhook_Id}}: no auth, no body, no script.
func plainHooks(name, base string) *model.Connector {
	return &model.Connector{Name: name, Methods: []model.Method{
		{Name: "Create", MethodType: model.MethodAction, HttpMethod: "POST", Endpoint: base + "/hooks",
			ResponseFormat: model.Format{Fields: []model.Field{{ConnectorField: "id", SystemField: model.SystemFieldWebhookID, DataType: model.FieldInteger}}}},
		{Name: "Delete", MethodType: model.MethodAction, HttpMethod: "DELETE", Endpoint: base + "/hooks/{{Cyclr_Webhook_Id}}"},
		{Name: "Hook", MethodType: model.MethodWebhook, CreateWebhookMethod: "Create", DeleteWebhookMethod: "Delete"},
	}}
}

// A create response that repeats the id's key is read as Cyclr reads it,
// the last value winning, by the id capture and by an after_action script
// alike; the step says so, and the delete goes to the webhook that id
// names.
func TestRepeatedKeyReadLastAsCyclrDoes(t *testing.T) {
	var deleted string
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/hooks", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"data": {"webhook": {"id": "wh-old-1", "id": "wh-new-2"}}}`)
	})
	mux.HandleFunc("DELETE /v2/hooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		deleted = r.PathValue("id")
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := hookConnector(srv.URL)
	c.Methods[0].Script = "function after_action() { console.log('script reads ' + method_response.data.webhook.id); }"
	r := &engine.Runner{Connector: c, Account: map[string]string{model.SystemFieldAuthAPIKey: "k-1"}}
	res := r.RunWebhook(context.Background(), "Order Events", engine.WebhookOptions{Ledger: &memLedger{}})
	if !res.OK || res.WebhookID != "wh-new-2" || deleted != "wh-new-2" {
		t.Fatalf("ok %t, id %q, deleted %q: %s", res.OK, res.WebhookID, deleted, res.Error)
	}
	console := strings.Join(res.Steps[0].Console, "\n")
	if !strings.Contains(console, `the response has the key "data.webhook.id" more than once in one object; each such key is read with its last value`) ||
		!strings.Contains(console, "script reads wh-new-2") {
		t.Errorf("the create step's console:\n%s", console)
	}
	if !strings.Contains(res.Steps[0].Response.Body, `"wh-old-1"`) {
		t.Errorf("the log does not keep the response as it came: %s", res.Steps[0].Response.Body)
	}
}

// A delivery a handler filters out (before_webhook or after_webhook
// returning false) passes, is not mapped, and its step says which handler
// filtered it; the Webhook method's script sees the payload.
func TestDeliveryFilteredSaysWhy(t *testing.T) {
	for _, ev := range []string{"before_webhook", "after_webhook"} {
		t.Run(ev, func(t *testing.T) {
			res, step := exampleDelivery(t, func(wm *model.Method) {
				wm.Script = "function " + ev + "() { console.log('event ' + method_request.event); return false; }"
			})
			d := res.Delivery
			if !d.Filtered || d.FilteredBy != ev || len(d.Mapped) != 0 || !slices.Contains(d.Console, "method 'New Order' script: event order.created") {
				t.Errorf("delivery %+v", d)
			}
			if want := "method 'New Order' script, " + ev + " returned false: the event was filtered out, and nothing was mapped"; step == nil || step.Note != want {
				t.Errorf("the delivery's step %+v, want the note %q", step, want)
			}
		})
	}
}

// A delivery that lacks fields the Request Format does not mark Optional
// passes, and its step says which, as a hint at a path with a mistake.
func TestDeliveryLackingRequiredFieldsSaysWhich(t *testing.T) {
	_, step := exampleDelivery(t, func(wm *model.Method) {
		wm.RequestFormat.Fields = append(wm.RequestFormat.Fields,
			model.Field{ConnectorField: "data.custmer.email", DataType: model.FieldText},
			model.Field{ConnectorField: "data.coupon", DataType: model.FieldText, IsOptional: true},
			model.Field{ConnectorField: "data.totl", DataType: model.FieldDecimal})
	})
	want := "data.custmer.email, data.totl, which the Request Format does not mark Optional, were not in the delivery: check their Connector Field paths, or mark them Optional"
	if step == nil || step.Note != want {
		t.Errorf("the delivery's step %+v, want the note %q", step, want)
	}
}

// exampleDelivery runs the example's New Order lifecycle against the
// sandbox, with Create Order as its trigger and New Order edited as edit
// says, and returns the result, which must pass with a delivery, and the
// delivery's step.
func exampleDelivery(t *testing.T, edit func(wm *model.Method)) (*engine.Result, *engine.Step) {
	t.Helper()
	_, base := startSandbox(t)
	c := exampleConnector(t)
	edit(c.Method("New Order"))
	r := &engine.Runner{
		Connector: c,
		Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey,
			"SigningSecret": sandbox.DefaultSigningSecret},
		Inputs: map[string]string{"CustomerEmail": "ada@example.com", "Total": "12.50"},
	}
	res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Create Order", Wait: 5 * time.Second})
	if !res.OK || res.Delivery == nil {
		t.Fatalf("ok=%t: %s", res.OK, res.Error)
	}
	var step *engine.Step
	for _, s := range res.Steps {
		if s.Name == "Receive delivery" {
			step = s
		}
	}
	return res, step
}
