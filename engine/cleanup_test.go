package engine_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

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
			out := engine.Cleanup(context.Background(), ledger, load, nil, pending, nil)
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
