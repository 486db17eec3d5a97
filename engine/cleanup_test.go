package engine_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/model"
)

// failingDeletes is the sandbox API, except that it answers 503 to every
// DELETE while fail is set.
type failingDeletes struct {
	sb   *sandbox.Server
	fail atomic.Bool
}

func (f *failingDeletes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete && f.fail.Load() {
		http.Error(w, `{"error":"try later"}`, http.StatusServiceUnavailable)
		return
	}
	f.sb.ServeHTTP(w, r)
}

// TestCleanupAfterWebhookMethodRenamed runs the example's lifecycle against
// the sandbox with its delete failing, edits the connector as the author
// might, and runs Cleanup: the ledger row's recorded Delete Webhook Method
// deletes the webhook after its Webhook method was renamed, and when both
// are gone the row stays pending with an error that names both.
func TestCleanupAfterWebhookMethodRenamed(t *testing.T) {
	const bothGone = `connector "Webhook Example" has no method "New Order" (renamed or removed?), and no Delete Webhook Method "Delete Webhook" to delete webhook 1 with; ` +
		`restore one of them, or remove the webhook on the API by hand and run 'patchbay webhook forget 1'`
	cases := []struct {
		name string
		edit func(c *model.Connector, rec *model.WebhookRecord)
		// want is the cleanup's error; "" when the webhook is deleted.
		want string
	}{
		{"Webhook method renamed", func(c *model.Connector, _ *model.WebhookRecord) {
			c.Method("New Order").Name = "Order Created"
		}, ""},
		{"Webhook method removed", func(c *model.Connector, _ *model.WebhookRecord) {
			c.Methods = remove(c.Methods, "New Order")
		}, ""},
		{"Create Webhook Method removed: the delete needs only its own", func(c *model.Connector, _ *model.WebhookRecord) {
			c.Methods = remove(c.Methods, "Create Webhook")
		}, ""},
		{"Webhook method replaced by an Action of its name", func(c *model.Connector, _ *model.WebhookRecord) {
			c.Method("New Order").MethodType = model.MethodAction
		}, ""},
		{"Webhook method's Delete Webhook Method no Action", func(c *model.Connector, _ *model.WebhookRecord) {
			c.Method("New Order").DeleteWebhookMethod = "New Order"
		}, ""},
		{"Webhook and Delete Webhook Methods renamed", func(c *model.Connector, _ *model.WebhookRecord) {
			c.Method("New Order").Name = "Order Created"
			c.Method("Delete Webhook").Name = "Remove Webhook"
		}, bothGone},
		{"Delete Webhook Method name taken by a Webhook method", func(c *model.Connector, _ *model.WebhookRecord) {
			c.Methods = remove(c.Methods, "Delete Webhook")
			c.Method("New Order").Name = "Delete Webhook"
		}, bothGone},
		{"row from before the Delete Webhook Method was recorded", func(c *model.Connector, rec *model.WebhookRecord) {
			c.Method("New Order").Name = "Order Created"
			rec.DeleteMethod = ""
		}, `connector "Webhook Example" has no method "New Order"`}, // as before
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := &failingDeletes{sb: sandbox.New(sandbox.Options{})}
			api.fail.Store(true)
			srv := httptest.NewServer(api)
			defer srv.Close()
			c := exampleConnector(t)
			account := map[string]string{"BaseUrl": srv.URL, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}
			ledger := &memLedger{}
			r := &engine.Runner{Connector: c, Account: account}
			res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger})
			if res.OK || !strings.Contains(res.Error, "webhook 1 was not deleted") {
				t.Fatalf("ok=%t error %q, want the delete to fail", res.OK, res.Error)
			}
			pending, _ := ledger.ListWebhooks(context.Background(), true)
			if len(pending) != 1 || pending[0].DeleteMethod != "Delete Webhook" {
				t.Fatalf("pending rows %+v, want one naming its Delete Webhook Method", pending)
			}

			tc.edit(c, &pending[0])
			api.fail.Store(false)
			load := func(context.Context, string) (*model.Connector, map[string]string, error) { return c, account, nil }
			out := engine.Cleanup(context.Background(), ledger, load, pending, engine.CleanupOptions{})
			if len(out) != 1 {
				t.Fatalf("cleanup: %+v", out)
			}
			left, _ := ledger.ListWebhooks(context.Background(), true)
			if tc.want == "" {
				if !out[0].Deleted || out[0].Step == nil || !strings.HasSuffix(out[0].Step.Request.URL, "/webhooks/1") {
					t.Fatalf("cleanup did not delete webhook 1: %s", dump(out))
				}
				if len(api.sb.Webhooks()) != 0 || len(left) != 0 {
					t.Errorf("after cleanup: on the API %v, pending %+v", api.sb.Webhooks(), left)
				}
				return
			}
			if out[0].Deleted || out[0].Step != nil {
				t.Fatalf("cleanup sent a delete: %s", dump(out))
			}
			if out[0].Error != tc.want {
				t.Errorf("error:\n got %s\nwant %s", out[0].Error, tc.want)
			}
			if len(left) != 1 || left[0].LastError != out[0].Error {
				t.Errorf("pending rows %+v, want the row with the error", left)
			}
			if len(api.sb.Webhooks()) != 1 {
				t.Errorf("on the API %v, want webhook 1 still there", api.sb.Webhooks())
			}
		})
	}
}

// remove returns ms without the method named name.
func remove(ms []model.Method, name string) []model.Method {
	var out []model.Method
	for _, m := range ms {
		if m.Name != name {
			out = append(out, m)
		}
	}
	return out
}

// pendingWebhooks runs n lifecycles of the example connector, named name,
// against api with its deletes failing, so that the ledger holds n pending
// rows and the sandbox n webhooks; then it lets deletes through.
func pendingWebhooks(t *testing.T, name string, n int, api *failingDeletes) (*model.Connector, engine.LoadFunc, *memLedger, []model.WebhookRecord) {
	t.Helper()
	c, account, load := exampleAgainst(t, name, api)
	ledger := &memLedger{}
	api.fail.Store(true)
	for range n {
		if res := (&engine.Runner{Connector: c, Account: account}).RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger}); res.OK {
			t.Fatal("the delete did not fail")
		}
	}
	api.fail.Store(false)
	pending, _ := ledger.ListWebhooks(context.Background(), true)
	if len(pending) != n || len(api.sb.Webhooks()) != n {
		t.Fatalf("%d pending rows and %d webhooks, want %d", len(pending), len(api.sb.Webhooks()), n)
	}
	return c, load, ledger, pending
}

// exampleAgainst serves api on loopback and returns the example connector,
// named name, with account values pointing at it, and a LoadFunc that
// gives both to a cleanup.
func exampleAgainst(t *testing.T, name string, api http.Handler) (*model.Connector, map[string]string, engine.LoadFunc) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c := exampleConnector(t)
	c.Name = name
	account := map[string]string{"BaseUrl": srv.URL, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}
	load := func(context.Context, string) (*model.Connector, map[string]string, error) { return c, account, nil }
	return c, account, load
}

// Cancelling a cleanup while a delete waits for its turn under the rate
// limit stops there: the deletes done are recorded, the waiting one sends
// nothing and says why, the rest are said not to have been tried, and the
// rows of both are left as they were, with their errors.
func TestCleanupCancelledWhileWaiting(t *testing.T) {
	api := &failingDeletes{sb: sandbox.New(sandbox.Options{})}
	// A name of its own each time: the rate limit's turns are kept per
	// process, by connector name, and a repeat (-count 2) would wait.
	c, load, ledger, pending := pendingWebhooks(t, fmt.Sprintf("Cleanup cancelled while waiting %d", time.Now().UnixNano()), 3, api)
	c.RateLimit = 0.5 // one request every 2 s: the second delete waits
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waited := 0
	onStep := func(s *engine.Step) {
		if s.Status == engine.StepRunning && s.RateLimitWaitMS > 0 {
			waited++
			cancel()
		}
	}
	out := engine.Cleanup(ctx, ledger, load, pending, engine.CleanupOptions{OnStep: onStep})
	if len(out) != 3 || !out[0].Deleted || out[1].Deleted || !strings.Contains(out[1].Error, "cancelled while waiting") ||
		out[2].Deleted || out[2].Step != nil || out[2].Error != "not tried: the cleanup was cancelled" {
		t.Fatalf("want the first deleted, the second cancelled and the third not tried: %s", dump(out))
	}
	if waited != 1 {
		t.Errorf("%d steps were shown waiting, want 1", waited)
	}
	left, _ := ledger.ListWebhooks(context.Background(), true)
	if len(left) != 2 || left[0].ID != pending[1].ID || left[0].LastError != pending[1].LastError ||
		left[1].ID != pending[2].ID || left[1].LastError != pending[2].LastError {
		t.Errorf("pending rows %s, want the second and third as they were", dump(left))
	}
	if n := len(api.sb.Webhooks()); n != 2 {
		t.Errorf("%d webhooks left on the API, want 2", n)
	}
}

// heldDeletes is an API whose DELETEs wait until release is closed, after
// saying on arrived that they came.
type heldDeletes struct {
	api     *failingDeletes
	arrived chan struct{}
	release chan struct{}
}

func (h *heldDeletes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete && !h.api.fail.Load() {
		h.arrived <- struct{}{}
		<-h.release
	}
	h.api.ServeHTTP(w, r)
}

// A delete already sent when the cleanup is cancelled runs to its answer,
// and the answer is recorded: cutting it off would leave the row pending
// for a webhook the API has deleted.
func TestCleanupCancelledAfterSending(t *testing.T) {
	api := &failingDeletes{sb: sandbox.New(sandbox.Options{})}
	held := &heldDeletes{api: api, arrived: make(chan struct{}, 1), release: make(chan struct{})}
	srv := httptest.NewServer(held)
	defer srv.Close()
	_, load, ledger, pending := pendingWebhooks(t, "Cleanup cancelled after sending", 1, api)
	// Send to the holding server from here on.
	c, account, _ := load(context.Background(), "")
	account["BaseUrl"] = srv.URL
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-held.arrived
		cancel()
		time.Sleep(50 * time.Millisecond) // a cut-off request would have given up by now
		close(held.release)
	}()
	out := engine.Cleanup(ctx, ledger, func(context.Context, string) (*model.Connector, map[string]string, error) { return c, account, nil }, pending, engine.CleanupOptions{})
	if len(out) != 1 || !out[0].Deleted {
		t.Fatalf("want the delete seen through and recorded: %s", dump(out))
	}
	if left, _ := ledger.ListWebhooks(context.Background(), true); len(left) != 0 {
		t.Errorf("pending rows %s, want none", dump(left))
	}
	if n := len(api.sb.Webhooks()); n != 0 {
		t.Errorf("%d webhooks left on the API, want 0", n)
	}
}

// Two cleanups at once: a row the other one deleted before this one came
// to it sends nothing, and one it deleted while this one's delete was on
// its way (the API answers 404) is no failure either; both are reported
// deleted meanwhile.
func TestCleanupRowsDeletedMeanwhile(t *testing.T) {
	api := &failingDeletes{sb: sandbox.New(sandbox.Options{})}
	_, load, ledger, pending := pendingWebhooks(t, "Cleanup meanwhile", 2, api)
	// What the other cleanup does: delete the webhook, mark its row.
	other := func(rec model.WebhookRecord) {
		del := httptest.NewRequest(http.MethodDelete, "/webhooks/"+rec.WebhookID, nil)
		del.Header.Set("X-Api-Key", sandbox.DefaultAPIKey)
		api.sb.ServeHTTP(httptest.NewRecorder(), del)
		ledger.MarkWebhookDeleted(context.Background(), rec.ID)
	}
	// The first row: done before this cleanup comes to it; the second
	// while this one's delete is on its way.
	other(pending[0])
	onStep := func(s *engine.Step) {
		if s.Status == engine.StepRunning && s.Request == nil {
			other(pending[1])
		}
	}
	out := engine.Cleanup(context.Background(), ledger, load, pending, engine.CleanupOptions{OnStep: onStep})
	if len(out) != 2 {
		t.Fatalf("results %s", dump(out))
	}
	for i, r := range out {
		if !r.Deleted || !r.Meanwhile || r.Error != "" {
			t.Errorf("row %d: %s; want it deleted meanwhile, without an error", i+1, dump(r))
		}
	}
	if out[0].Step != nil {
		t.Error("a delete was sent for the row deleted before the cleanup came to it")
	}
	if n := len(api.sb.Webhooks()); n != 0 {
		t.Errorf("%d webhooks left on the API", n)
	}
}

// A cleanup while a lifecycle is still running leaves its row to it: the
// run owns the row until it ends, and deletes its webhook itself. A row
// whose run's process is gone is cleaned up as before.
func TestCleanupLeavesLiveRunsAlone(t *testing.T) {
	api := &failingDeletes{sb: sandbox.New(sandbox.Options{})}
	c, account, load := exampleAgainst(t, "Cleanup during a run", api)
	ledger := &memLedger{}
	var during []engine.CleanupResult
	r := &engine.Runner{Connector: c, Account: account, OnStep: func(s *engine.Step) {
		if s.Name == "Receive delivery" && s.Status == engine.StepRunning && during == nil {
			pending, _ := ledger.ListWebhooks(context.Background(), true)
			during = engine.Cleanup(context.Background(), ledger, load, pending, engine.CleanupOptions{})
		}
	}}
	res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger, Wait: 50 * time.Millisecond, Trigger: "Create Order"})
	if len(during) != 1 || during[0].InUse != strconv.Itoa(os.Getpid()) || during[0].Step != nil || during[0].Deleted {
		t.Fatalf("the cleanup during the run: %s", dump(during))
	}
	if res.Steps[len(res.Steps)-1].Name != "Delete webhook" || !res.Steps[len(res.Steps)-1].OK {
		t.Errorf("the run's own delete: %s", dump(res))
	}
	if rows, _ := ledger.ListWebhooks(context.Background(), false); len(rows) != 1 || rows[0].Pending() || rows[0].Owner != "" {
		t.Errorf("ledger %s, want the row deleted by the run and no owner left", dump(rows))
	}

	// A row whose run died (its process is gone) is the cleanup's.
	api.fail.Store(true)
	(&engine.Runner{Connector: c, Account: account}).RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger})
	api.fail.Store(false)
	pending, _ := ledger.ListWebhooks(context.Background(), true)
	if len(pending) != 1 || pending[0].Owner != "" {
		t.Fatalf("after a failed delete: %s, want one pending row without an owner", dump(pending))
	}
	ledger.mu.Lock()
	ledger.rows[pending[0].ID-1].Owner = "999999999 started 1" // as a killed run leaves it
	ledger.mu.Unlock()
	pending, _ = ledger.ListWebhooks(context.Background(), true)
	if out := engine.Cleanup(context.Background(), ledger, load, pending, engine.CleanupOptions{}); len(out) != 1 || !out[0].Deleted || out[0].InUse != "" {
		t.Errorf("a dead run's row: %s", dump(out))
	}
}

// markFailedFails is a ledger whose first MarkWebhookFailed fails, as when
// the database stays locked: the row keeps its run's owner.
type markFailedFails struct {
	memLedger
	failed bool
}

func (l *markFailedFails) MarkWebhookFailed(ctx context.Context, id int64, reason string) error {
	if !l.failed {
		l.failed = true
		return errors.New("database is locked")
	}
	return l.memLedger.MarkWebhookFailed(ctx, id, reason)
}

// A run that ended without clearing its row's owner (its last ledger write
// failed) does not keep the row from a cleanup in the same process.
func TestCleanupAfterARunThatLeftItsOwner(t *testing.T) {
	api := &failingDeletes{sb: sandbox.New(sandbox.Options{})}
	c, account, load := exampleAgainst(t, "Owner left behind", api)
	ledger := &markFailedFails{}
	api.fail.Store(true)
	(&engine.Runner{Connector: c, Account: account}).RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger})
	api.fail.Store(false)
	pending, _ := ledger.ListWebhooks(context.Background(), true)
	if len(pending) != 1 || pending[0].Owner == "" {
		t.Fatalf("after the failed delete and ledger write: %s, want one pending row still owned", dump(pending))
	}
	if out := engine.Cleanup(context.Background(), ledger, load, pending, engine.CleanupOptions{}); len(out) != 1 || !out[0].Deleted {
		t.Errorf("cleanup of a row its ended run still owns: %s", dump(out))
	}
}

// TestCleanupCallsTheAPIItWasMadeOn: two APIs each keep a webhook 1 that
// Patchbay could not delete; the account's BaseUrl then points at the
// second. Each row's cleanup deletes its webhook on the API it was made
// on: the account's non-secret values are kept with the row, the key is
// read as it is now. The delete used to go to the BaseUrl of the day, so
// a Retry deleted the other API's webhook 1 and marked its own row done.
func TestCleanupCallsTheAPIItWasMadeOn(t *testing.T) {
	prod, staging := &failingDeletes{sb: sandbox.New(sandbox.Options{})}, &failingDeletes{sb: sandbox.New(sandbox.Options{})}
	c, account, _ := exampleAgainst(t, "Webhook Example", prod)
	stagingSrv := httptest.NewServer(staging)
	defer stagingSrv.Close()
	prodURL := account["BaseUrl"]
	ledger := &memLedger{}
	for _, api := range []*failingDeletes{prod, staging} {
		api.fail.Store(true)
		if api == staging {
			account["BaseUrl"] = stagingSrv.URL
		}
		if res := (&engine.Runner{Connector: c, Account: account}).RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger}); res.OK {
			t.Fatal("the delete did not fail")
		}
		api.fail.Store(false)
	}
	pending, _ := ledger.ListWebhooks(context.Background(), true)
	if len(pending) != 2 || pending[0].AccountValues["BaseUrl"] != prodURL || pending[1].AccountValues["BaseUrl"] != stagingSrv.URL {
		t.Fatalf("pending rows %+v, want each with its BaseUrl", pending)
	}
	if _, ok := pending[0].AccountValues[model.SystemFieldAuthAPIKey]; ok {
		t.Fatal("the API key is kept with the row")
	}
	if made := pending[0].MadeWith(); made != "BaseUrl="+prodURL {
		t.Errorf("MadeWith %q", made)
	}
	// The account now points at staging, with a new key both APIs take.
	account[model.SystemFieldAuthAPIKey] = sandbox.DefaultAPIKey
	load := func(context.Context, string) (*model.Connector, map[string]string, error) { return c, account, nil }
	out := engine.Cleanup(context.Background(), ledger, load, pending[:1], engine.CleanupOptions{})
	if len(out) != 1 || !out[0].Deleted {
		t.Fatalf("cleanup of the first row: %s", dump(out))
	}
	if len(prod.sb.Webhooks()) != 0 || len(staging.sb.Webhooks()) != 1 {
		t.Errorf("after the first row's cleanup: %d webhooks on the first API, %d on staging; want 0 and 1", len(prod.sb.Webhooks()), len(staging.sb.Webhooks()))
	}
}

// failedLifecycle runs the example's New Order lifecycle, as c and the
// values say, against api with its deletes failing, and returns the
// pending row it leaves.
func failedLifecycle(t *testing.T, c *model.Connector, account, inputs map[string]string, api *failingDeletes) (*memLedger, []model.WebhookRecord) {
	t.Helper()
	ledger := &memLedger{}
	api.fail.Store(true)
	res := (&engine.Runner{Connector: c, Account: account, Inputs: inputs}).RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger})
	api.fail.Store(false)
	pending, _ := ledger.ListWebhooks(context.Background(), true)
	if res.OK || len(pending) != 1 || len(api.sb.Webhooks()) != 1 {
		t.Fatalf("want a failed delete, a pending row and a webhook: %s", res.Error)
	}
	return ledger, pending
}

// The account values a webhook was made with are account values at
// cleanup too, found after the method's own parameters and the run's
// inputs, as in the run (found in review: kept as inputs, they won over
// both):
//   - a BaseUrl the webhook methods set as a parameter of their own;
//   - a run's input that blanked an account value (--set Prefix=);
//   - a Sensitive header made of an account value ({{ApiToken}}) is no
//     value kept: the token of the day is sent, after a rotation.
func TestCleanupKeepsTheRunsOrderOfValues(t *testing.T) {
	t.Run("method parameter", func(t *testing.T) {
		hooks := &failingDeletes{sb: sandbox.New(sandbox.Options{})}
		srv := httptest.NewServer(hooks)
		defer srv.Close()
		c := exampleConnector(t)
		for _, name := range []string{"Create Webhook", "Delete Webhook"} {
			m := c.Method(name)
			m.Parameters = append(m.Parameters, model.Parameter{TargetType: model.TargetMergeField, TargetName: "BaseUrl", Values: []string{srv.URL}})
		}
		account := map[string]string{"BaseUrl": "http://127.0.0.1:9", model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}
		ledger, pending := failedLifecycle(t, c, account, nil, hooks)
		load := func(context.Context, string) (*model.Connector, map[string]string, error) { return c, account, nil }
		if out := engine.Cleanup(context.Background(), ledger, load, pending, engine.CleanupOptions{}); !out[0].Deleted {
			t.Errorf("cleanup: %s", dump(out))
		}
	})
	t.Run("blank input", func(t *testing.T) {
		api := &failingDeletes{sb: sandbox.New(sandbox.Options{})}
		c, account, load := exampleAgainst(t, "Webhook Example", api)
		c.Method("Create Webhook").Endpoint = "{{BaseUrl}}{{Prefix}}/webhooks"
		c.Method("Delete Webhook").Endpoint = "{{BaseUrl}}{{Prefix}}/webhooks/{{Cyclr_Webhook_Id}}"
		account["Prefix"] = "/v9"
		ledger, pending := failedLifecycle(t, c, account, map[string]string{"Prefix": ""}, api)
		if v, ok := pending[0].RunValues["Prefix"]; !ok || v != "" {
			t.Errorf("run values %v, want the blank Prefix", pending[0].RunValues)
		}
		if out := engine.Cleanup(context.Background(), ledger, load, pending, engine.CleanupOptions{}); !out[0].Deleted {
			t.Errorf("cleanup: %s", dump(out))
		}
	})
	t.Run("rotated token a Sensitive header is made of", func(t *testing.T) {
		sb := sandbox.New(sandbox.Options{})
		var valid atomic.Value
		valid.Store("old-token-123456")
		api := &failingDeletes{sb: sb}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Token") != valid.Load().(string) {
				http.Error(w, `{"error":"bad token"}`, http.StatusUnauthorized)
				return
			}
			r.Header.Set("X-Api-Key", sandbox.DefaultAPIKey)
			api.ServeHTTP(w, r)
		}))
		defer srv.Close()
		c := exampleConnector(t)
		c.Authentication = nil
		c.Parameters = append(c.Parameters,
			model.Parameter{TargetType: model.TargetHttpHeader, TargetName: "X-Token", IsSensitive: true, Values: []string{"{{ApiToken}}"}},
			model.Parameter{TargetType: model.TargetMergeField, TargetName: "ApiToken", IsAccountConnectorProperty: true})
		account := map[string]string{"BaseUrl": srv.URL, "ApiToken": "old-token-123456"}
		ledger, pending := failedLifecycle(t, c, account, nil, api)
		if _, ok := pending[0].AccountValues["ApiToken"]; ok || pending[0].AccountValues["BaseUrl"] != srv.URL {
			t.Errorf("account values kept %v, want the BaseUrl and not the token", pending[0].AccountValues)
		}
		valid.Store("new-token-654321")
		account["ApiToken"] = "new-token-654321"
		load := func(context.Context, string) (*model.Connector, map[string]string, error) { return c, account, nil }
		if out := engine.Cleanup(context.Background(), ledger, load, pending, engine.CleanupOptions{}); !out[0].Deleted {
			t.Errorf("cleanup after the token was rotated: %s", dump(out))
		}
	})
}
