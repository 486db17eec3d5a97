package ui

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"patchbay/engine/sandbox"
	"patchbay/model"
	"patchbay/model/store"
)

// testWindow is a window whose Test tab runs against a real store.
func testWindow(t *testing.T, st *store.DB) *MainWindow {
	t.Helper()
	m := newMainWindow(context.Background(), test.NewTempApp(t), Deps{Store: st, Ledger: st, Runs: st})
	m.lintDelay = 0
	m.win.Resize(fyne.NewSize(1280, 800))
	m.win.Show()
	return m
}

// waitRun waits until the Test tab's run is over.
func waitRun(t *testing.T, tab *testTab) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var done bool
		fyne.DoAndWait(func() { done = tab.stop == nil && tab.last != nil })
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the test run did not finish")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// typeInput types a value into the Test tab's input labelled label.
func typeInput(t *testing.T, tab *testTab, label, text string) {
	t.Helper()
	objs := tab.inputsBox.Objects[0].(*fyne.Container).Objects
	for i := 0; i+1 < len(objs); i += 2 {
		if l, ok := objs[i].(*widget.Label); ok && l.Text == label {
			test.Type(objs[i+1].(*widget.Entry), text)
			return
		}
	}
	t.Fatalf("no input %q in the Test tab", label)
}

// sandboxTest opens the window on the example connector, whose account
// values point at a fresh sandbox served at base, at method's Test tab.
// edit, if not nil, changes the stored connector first.
func sandboxTest(t *testing.T, method string, edit func(*model.Connector)) (sb *sandbox.Server, base string, st *store.DB, m *MainWindow, ed *methodEditor) {
	t.Helper()
	sb = sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	st, _ = newStore(t)
	c := seedExample(t, st, "Example")
	if edit != nil {
		edit(c)
		if err := st.SaveConnector(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	st.SetAccountValues(context.Background(), "Example", map[string]string{"BaseUrl": srv.URL,
		model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey, "SigningSecret": sandbox.DefaultSigningSecret})
	m = testWindow(t, st)
	ed = openMethod(t, m, method)
	ed.selectTab(tabTest)
	return sb, srv.URL, st, m, ed
}

func TestTestTab_WebhookLifecycleAgainstSandbox(t *testing.T) {
	sb, base, st, m, ed := sandboxTest(t, "New Order", nil)
	ctx := context.Background()
	tab := ed.test
	if tab.trigger.Selected != "Create Order" {
		t.Errorf("trigger %q, want Create Order offered first", tab.trigger.Selected)
	}
	typeInput(t, tab, "Customer email", "ada@example.com")
	typeInput(t, tab, "Total", "12.50")
	if m.tools.runTest.Disabled() {
		t.Fatal("Run test is disabled on a Webhook method")
	}
	shortcut(m, shortcutRunTest) // Ctrl+R
	waitRun(t, tab)

	fyne.DoAndWait(func() {
		if !tab.last.OK {
			t.Fatalf("the run failed: %s", tab.last.Error)
		}
		if got := tab.webhookID.Text; got != "Cyclr_Webhook_Id = 1" {
			t.Errorf("the large id reads %q", got)
		}
		var titles []string
		for _, item := range tab.steps.Items {
			titles = append(titles, item.Title)
		}
		if len(titles) != 4 || !strings.HasPrefix(titles[0], "✓ Create webhook (Create Webhook)   → 201   ") || !strings.HasSuffix(titles[0], " ms   POST "+base+"/webhooks") ||
			!strings.HasPrefix(titles[3], "✓ Delete webhook (Delete Webhook)   → 204   ") || !strings.HasSuffix(titles[3], " ms   DELETE "+base+"/webhooks/1") {
			t.Errorf("steps:\n%s", strings.Join(titles, "\n"))
		}
		tab.steps.OpenAll() // the requests and responses, headers included
		markup := test.RenderToMarkup(m.win.Canvas())
		for _, want := range []string{"Passed: webhook created, tested and deleted", "Mapped through the Request Format",
			"ada@example.com", "Payload", "X-Api-Key: ••••••", "Signed: the signature checks: the X-Webhook-Signature header"} {
			if !strings.Contains(markup, want) {
				t.Errorf("the Test tab does not show %q", want)
			}
		}
		if strings.Contains(markup, sandbox.DefaultAPIKey) {
			t.Error("the Test tab shows the API key")
		}
		// Fields are offered from the delivery alone: the create's and
		// the trigger's answers are not what New Order maps.
		if n := strings.Count(markup, "Generate Fields from this"); n != 1 {
			t.Errorf("Generate Fields from this offered %d times, want once, for the payload", n)
		}
		if m.tools.runTest.Disabled() {
			t.Error("Run test stays disabled after the run")
		}
	})
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook was left on the sandbox")
	}
	runs, err := st.ListRuns(ctx, "Example", 0)
	if err != nil || len(runs) != 1 || !runs[0].OK {
		t.Errorf("run history %+v, %v", runs, err)
	}
	if rows, _ := st.ListWebhooks(ctx, true); len(rows) != 0 {
		t.Errorf("pending ledger rows %+v", rows)
	}
}

func TestTestTab_ActionAndGenerateFromResponse(t *testing.T) {
	_, _, _, m, ed := sandboxTest(t, "Create Order", nil)
	typeInput(t, ed.test, "Customer email", "bo@example.com")
	typeInput(t, ed.test, "Total", "3")
	test.Tap(ed.test.run)
	waitRun(t, ed.test)
	fyne.DoAndWait(func() {
		if !ed.test.last.OK || len(ed.test.last.Mapped) != 1 {
			t.Fatalf("run: ok=%t mapped=%v error=%s", ed.test.last.OK, ed.test.last.Mapped, ed.test.last.Error)
		}
		// Its one step is open, its mapped values in view, and no empty
		// line waits for a webhook id an Action has none of.
		if len(ed.test.steps.Items) != 1 || !ed.test.steps.Items[0].Open || ed.test.webhookID.Visible() {
			t.Errorf("%d steps, the first open: %t; the webhook id line shown: %t", len(ed.test.steps.Items), len(ed.test.steps.Items) > 0 && ed.test.steps.Items[0].Open, ed.test.webhookID.Visible())
		}
		ed.test.generateFrom(ed.test.last.Steps[0].Response.Body)
	})
	if m.win.Canvas().Overlays().Top() == nil {
		t.Fatal("Generate Fields did not open")
	}
	markup := test.RenderToMarkup(m.win.Canvas())
	for _, want := range []string{"Generate Fields: Response Format", "customer.email", "[lines].sku", "created_at"} {
		if !strings.Contains(markup, want) {
			t.Errorf("Generate Fields does not offer %q from the response", want)
		}
	}
}

// A failed Action's step is shown open with its error, which is not said
// again above the steps; a run refused before any step says why there.
func TestTestTab_FailedActionSaysWhyOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error": "upstream down"}`, http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	st.SetAccountValues(context.Background(), "Example", map[string]string{"BaseUrl": srv.URL, model.SystemFieldAuthAPIKey: "k-123456"})
	ed := runOnTestTab(t, st, "Create Order")
	fyne.DoAndWait(func() {
		if ed.test.last.OK || !strings.Contains(ed.test.last.Error, "upstream down") {
			t.Fatalf("run: ok=%t error=%q", ed.test.last.OK, ed.test.last.Error)
		}
		if len(ed.test.steps.Items) != 1 || !ed.test.steps.Items[0].Open || ed.test.problem.Visible() {
			t.Errorf("%d steps, the first open: %t; the error said again above them: %t", len(ed.test.steps.Items), len(ed.test.steps.Items) > 0 && ed.test.steps.Items[0].Open, ed.test.problem.Visible())
		}
	})
}

// runOnTestTab opens the window on the method's Test tab, runs it and
// waits for the run to end.
func runOnTestTab(t *testing.T, st *store.DB, method string) *methodEditor {
	t.Helper()
	ed := openMethod(t, testWindow(t, st), method)
	ed.selectTab(tabTest)
	test.Tap(ed.test.run)
	waitRun(t, ed.test)
	return ed
}

// A run a script stopped says why in its step, shown open.
func TestTestTab_StoppedActionSaysWhy(t *testing.T) {
	st, _ := newStore(t)
	c := seedExample(t, st, "Example")
	c.Method("Create Order").Script = "function before_action() { return false; }"
	if err := st.SaveConnector(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	st.SetAccountValues(context.Background(), "Example", map[string]string{model.SystemFieldAuthAPIKey: "k-123456"})
	ed := runOnTestTab(t, st, "Create Order")
	fyne.DoAndWait(func() {
		if ed.test.last.OK || !strings.Contains(ed.test.last.Error, "before_action returned false") || len(ed.test.steps.Items) != 1 ||
			!ed.test.steps.Items[0].Open && !ed.test.problem.Visible() {
			t.Errorf("ok %t (%q), %d steps, why in view: step open %t, above the steps %t", ed.test.last.OK, ed.test.last.Error, len(ed.test.steps.Items),
				len(ed.test.steps.Items) > 0 && ed.test.steps.Items[0].Open, ed.test.problem.Visible())
		}
	})
}

// flakyAPI creates webhooks and fails to delete them until told otherwise.
type flakyAPI struct {
	deleteOK atomic.Bool
	deletes  atomic.Int32 // DELETE requests received
}

func (a *flakyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete {
		a.deletes.Add(1)
	}
	switch {
	case r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"id": 41, "active": true}`))
	case a.deleteOK.Load():
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, `{"error": "maintenance"}`, http.StatusServiceUnavailable)
	}
}

// exampleTestTab opens a window on the example connector, its account
// values pointing at baseURL, with method's Test tab shown.
func exampleTestTab(t *testing.T, baseURL, method string) (*store.DB, *MainWindow, *methodEditor) {
	t.Helper()
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	st.SetAccountValues(context.Background(), "Example", map[string]string{"BaseUrl": baseURL, model.SystemFieldAuthAPIKey: "k-123456"})
	m := testWindow(t, st)
	ed := openMethod(t, m, method)
	ed.selectTab(tabTest)
	return st, m, ed
}

// failedDelete runs the example's New Order from the Test tab against an
// API that does not delete, so that webhook 41 stays pending.
func failedDelete(t *testing.T) (*flakyAPI, *store.DB, *MainWindow, *methodEditor) {
	t.Helper()
	api := &flakyAPI{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	st, m, ed := exampleTestTab(t, srv.URL, "New Order")
	ed.test.trigger.SetSelected(noTrigger)
	ed.test.wait.SetText("100ms") // no delivery is coming
	test.Tap(ed.test.run)
	waitRun(t, ed.test)
	fyne.DoAndWait(func() {
		if ed.test.last.OK || !strings.Contains(ed.test.last.Error, "webhook 41 was not deleted") {
			t.Fatalf("run: ok=%t error=%q", ed.test.last.OK, ed.test.last.Error)
		}
		if !ed.test.webhookID.Visible() {
			t.Error("the webhook id is not shown")
		}
	})
	return api, st, m, ed
}

func TestTestTab_PendingCleanupRetry(t *testing.T) {
	api, st, m, ed := failedDelete(t)

	var retry *widget.Button
	fyne.DoAndWait(func() {
		markup := test.RenderToMarkup(m.win.Canvas())
		if !strings.Contains(markup, "Pending cleanups") || !strings.Contains(markup, "webhook 41") {
			t.Fatal("the pending webhook is not listed")
		}
		for _, o := range test.LaidOutObjects(ed.test.pending) {
			if b, ok := o.(*widget.Button); ok && b.Text == "Retry delete" {
				retry = b
			}
		}
	})
	if retry == nil {
		t.Fatal("no Retry delete button")
	}
	api.deleteOK.Store(true)
	test.Tap(retry)
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, _ := st.ListWebhooks(context.Background(), true)
		if len(rows) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still pending after Retry: %+v", rows)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTestTab_RetryStopWaiting: a Retry that waits for its turn under the
// connector's rate limit turns into Stop waiting; stopping sends nothing and
// the webhook stays pending. The rate limit is set in the window and not
// saved: Retry uses the connector as edited, as a test run does.
func TestTestTab_RetryStopWaiting(t *testing.T) {
	api, st, m, ed := failedDelete(t)
	ctx := context.Background()
	fyne.DoAndWait(func() {
		m.open.conn.RateLimit = 0.5             // one request every 2 s,
		m.open.conn.Name = "Retry stop waiting" // on turns of its own
	})
	rows, _ := st.ListWebhooks(ctx, true)
	if len(rows) != 1 {
		t.Fatalf("%d pending rows, want 1", len(rows))
	}
	rec := rows[0]
	eventually := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			var ok bool
			fyne.DoAndWait(func() { ok = cond() })
			if ok {
				return
			}
			if time.Now().After(deadline) {
				var status string
				fyne.DoAndWait(func() { status = m.status.Text })
				t.Fatalf("%s: not within 10 s (status %q)", what, status)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The run's end has had its say (tests run fyne.Do at once, on the
	// caller's goroutine).
	eventually("the run's status", func() bool { return strings.Contains(m.status.Text, "New Order failed") })
	// The first retry takes the turn there is and fails; the second waits.
	first := api.deletes.Load()
	fyne.DoAndWait(func() { ed.test.retry(rec, &widget.Button{}) })
	eventually("the first retry's delete is sent and fails", func() bool {
		return api.deletes.Load() == first+1 && strings.Contains(m.status.Text, "is still pending: DELETE")
	})
	retry := &widget.Button{}
	fyne.DoAndWait(func() { ed.test.retry(rec, retry) })
	eventually("the second retry offers to stop waiting", func() bool {
		return retry.Text == "Stop waiting" && !retry.Disabled() && strings.Contains(m.status.Text, "for its turn under the rate limit")
	})
	fyne.DoAndWait(func() { test.Tap(retry) })
	eventually("the status says the wait stopped", func() bool {
		return strings.Contains(m.status.Text, "Stopped waiting: webhook 41 is still pending.")
	})
	if n := api.deletes.Load() - first; n != 1 {
		t.Errorf("%d deletes sent, want only the first retry's", n)
	}
	if rows, _ := st.ListWebhooks(ctx, true); len(rows) != 1 || !strings.Contains(rows[0].LastError, "answered 503") {
		t.Errorf("pending rows %+v, want the webhook with the last delete's error", rows)
	}
}

// TestTestTab_PendingCleanupMarkRemoved: a pending webhook with an id can
// also be marked removed by hand, after a question; No keeps it pending.
func TestTestTab_PendingCleanupMarkRemoved(t *testing.T) {
	_, st, m, ed := failedDelete(t)

	pending := func() int {
		rows, err := st.ListWebhooks(context.Background(), true)
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	if pending() != 1 {
		t.Fatalf("%d pending webhooks after a failed delete, want 1", pending())
	}
	fyne.DoAndWait(func() { tapButton(t, ed.test.pending, "Mark removed…") })
	fyne.DoAndWait(func() { confirmDialog(t, m, false) })
	if pending() != 1 {
		t.Fatal("No marked the webhook removed")
	}
	fyne.DoAndWait(func() {
		tapButton(t, ed.test.pending, "Mark removed…")
		confirmDialog(t, m, true)
	})
	if pending() != 0 {
		t.Fatal("Yes left the webhook pending")
	}
	fyne.DoAndWait(func() {
		if strings.Contains(test.RenderToMarkup(m.win.Canvas()), "Pending cleanups") {
			t.Error("the list still shows the webhook")
		}
		if !strings.HasPrefix(m.status.Text, "Webhook ") || !strings.HasSuffix(m.status.Text, " marked removed by hand: Patchbay no longer tracks it.") {
			t.Errorf("status %q", m.status.Text)
		}
	})
	if rows, _ := st.ListWebhooks(context.Background(), false); len(rows) != 1 || !rows[0].RemovedByHand {
		t.Errorf("the ledger: %+v, want the row removed by hand", rows)
	}
}

// TestTestTab_DeleteAlone tests Delete Webhook on its own: the tab asks for
// the Cyclr_Webhook_Id it needs, and the run deletes that webhook.
func TestTestTab_DeleteAlone(t *testing.T) {
	sb, base, _, _, ed := sandboxTest(t, "Delete Webhook", nil)

	// A webhook to delete.
	req, _ := http.NewRequest(http.MethodPost, base+"/webhooks", strings.NewReader(`{"url":"http://127.0.0.1:1/x"}`))
	req.Header.Set(sandbox.APIKeyHeader, sandbox.DefaultAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	typeInput(t, ed.test, model.SystemFieldWebhookID, "1")
	test.Tap(ed.test.run)
	waitRun(t, ed.test)
	fyne.DoAndWait(func() {
		if !ed.test.last.OK {
			t.Errorf("delete alone failed: %s", ed.test.last.Error)
		}
	})
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook is still on the sandbox")
	}
}

// TestTestTab_CloseWhileRunning closes the window while a webhook test waits
// for a delivery: the run is cancelled and still deletes its webhook.
func TestTestTab_CloseWhileRunning(t *testing.T) {
	sb, _, st, m, ed := sandboxTest(t, "New Order", nil)
	ed.test.trigger.SetSelected(noTrigger)
	ed.test.wait.SetText("1m")
	test.Tap(ed.test.run)
	deadline := time.Now().Add(10 * time.Second)
	for len(sb.Webhooks()) == 0 { // wait until the webhook exists
		if time.Now().After(deadline) {
			t.Fatal("the webhook was never created")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fyne.DoAndWait(m.onCloseRequested)
	waitRun(t, ed.test)
	if n := len(sb.Webhooks()); n != 0 {
		t.Errorf("%d webhooks left on the API after closing during the run", n)
	}
	if rows, _ := st.ListWebhooks(context.Background(), true); len(rows) != 0 {
		t.Errorf("pending rows %+v", rows)
	}
}

// startLifecycle starts New Order's lifecycle with no trigger and a long
// wait, and returns once its webhook exists on the sandbox.
func startLifecycle(t *testing.T, sb *sandbox.Server, ed *methodEditor) {
	t.Helper()
	ed.test.trigger.SetSelected(noTrigger)
	ed.test.wait.SetText("1m")
	test.Tap(ed.test.run)
	deadline := time.Now().Add(10 * time.Second)
	for len(sb.Webhooks()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the webhook was never created")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTestTab_RunGoesOnElsewhere: a run goes on while the author looks at
// another method. Closing then still waits for the run to delete its
// webhook; meanwhile the other method's Test tab says which test runs,
// cannot start another, and its Cancel stops the one under way.
func TestTestTab_RunGoesOnElsewhere(t *testing.T) {
	sb, _, st, m, ed := sandboxTest(t, "New Order", nil)
	startLifecycle(t, sb, ed)
	closed := false
	var other *methodEditor
	fyne.DoAndWait(func() {
		m.win.SetOnClosed(func() { closed = true })
		other = openMethod(t, m, "Create Order")
		other.selectTab(tabTest)
		if !strings.Contains(other.test.state.Text, "The test of New Order is still running") || other.test.canRun() || other.test.cancel.Disabled() {
			t.Errorf("the other method's Test tab: %q, can run %t, cancel disabled %t", other.test.state.Text, other.test.canRun(), other.test.cancel.Disabled())
		}
		m.onCloseRequested()
	})
	if closed {
		t.Errorf("the window closed at once while the run still held webhook(s) %v on the API", sb.Webhooks())
	}
	waitRun(t, ed.test) // cancelled by the close, and its webhook deleted
	if n := len(sb.Webhooks()); n != 0 {
		t.Errorf("%d webhooks left on the API", n)
	}
	if rows, _ := st.ListWebhooks(context.Background(), true); len(rows) != 0 {
		t.Errorf("pending rows %+v", rows)
	}
	// The close comes at the very end of the run's end: wait for it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var done bool
		fyne.DoAndWait(func() { done = closed })
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the window did not close once the run was over")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTestTab_ConnectorDeletedWhileRunning: the connector whose test runs
// is deleted; the run still deletes its webhook, and its end does not take
// the window down.
func TestTestTab_ConnectorDeletedWhileRunning(t *testing.T) {
	sb, _, st, m, ed := sandboxTest(t, "New Order", nil)
	// Another connector's webhook, pending: the run's end lists the ledger.
	st.RecordWebhook(context.Background(), &model.WebhookRecord{Connector: "Other", Method: "Hook", URL: "http://x.test/h"})
	startLifecycle(t, sb, ed)
	fyne.DoAndWait(func() {
		m.sidebar.tree.Select(m.open.key)
		m.deleteConnector()
		if m.open != nil {
			t.Fatalf("the connector is still open")
		}
		m.runningTest().onCancel()
	})
	waitRun(t, ed.test)
	if n := len(sb.Webhooks()); n != 0 {
		t.Errorf("%d webhooks left on the API", n)
	}
}

// TestTestTab_WebhookNeedsSavedConnector: a webhook test of a connector
// renamed but not saved is refused, since cleanup finds connectors by their
// saved name.
func TestTestTab_WebhookNeedsSavedConnector(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	m := testWindow(t, st)
	ed := openMethod(t, m, "New Order")
	m.open.conn.Name = "Example 2" // as the connector editor would, unsaved
	ed.selectTab(tabTest)
	test.Tap(ed.test.run)
	if ed.test.stop != nil || ed.test.last != nil {
		t.Fatal("the run started")
	}
	if !ed.test.problem.Visible() || !strings.Contains(ed.test.problem.Text, "Save the connector first") {
		t.Errorf("problem %q", ed.test.problem.Text)
	}
	if rows, _ := st.ListWebhooks(context.Background(), false); len(rows) != 0 {
		t.Errorf("ledger rows %+v", rows)
	}
}

// TestTestTab_CloseAgainWhileDeleting: asked to close a second time while a
// cancelled run's delete waits for its turn under a rate limit, the window
// offers to close at once, and the webhook stays pending in the ledger.
func TestTestTab_CloseAgainWhileDeleting(t *testing.T) {
	// The delete waits about a second for its turn.
	_, _, st, m, ed := sandboxTest(t, "New Order", func(c *model.Connector) { c.RateLimit = 1 })
	ed.test.trigger.SetSelected(noTrigger)
	ed.test.wait.SetText("1m")
	test.Tap(ed.test.run)
	deadline := time.Now().Add(10 * time.Second)
	for { // wait until the ledger has the webhook's id
		rows, _ := st.ListWebhooks(context.Background(), true)
		if len(rows) == 1 && rows[0].WebhookID != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the webhook's id never reached the ledger")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fyne.DoAndWait(m.onCloseRequested) // cancels; the delete waits for its turn
	fyne.DoAndWait(m.onCloseRequested)
	fyne.DoAndWait(func() { confirmDialog(t, m, true) })

	if slices.Contains(fyne.CurrentApp().Driver().AllWindows(), m.win) {
		t.Error("the window is still open after Close now")
	}
	rows, err := st.ListWebhooks(context.Background(), true)
	if err != nil || len(rows) != 1 || rows[0].WebhookID == "" {
		t.Errorf("pending rows %+v, %v; want the webhook, with its id, for cleanup", rows, err)
	}
	waitRun(t, ed.test) // in this test process the run goes on; let it end
}

// TestTestTab_SecretInputsMasked: the Test tab asks for a Sensitive
// mergefield in a password entry, and for an ordinary one in the clear.
func TestTestTab_SecretInputsMasked(t *testing.T) {
	_, _, _, _, ed := sandboxTest(t, "Create Order", func(c *model.Connector) {
		m := c.Method("Create Order")
		m.Parameters = append(m.Parameters,
			model.Parameter{TargetType: model.TargetMergeField, TargetName: "Token", IsSensitive: true},
			model.Parameter{TargetType: model.TargetMergeField, TargetName: "Region"})
	})
	password := map[string]bool{}
	fyne.DoAndWait(func() {
		objs := ed.test.inputsBox.Objects[0].(*fyne.Container).Objects
		for i := 0; i+1 < len(objs); i += 2 {
			if l, ok := objs[i].(*widget.Label); ok {
				password[l.Text] = objs[i+1].(*widget.Entry).Password
			}
		}
	})
	if p, ok := password["Token"]; !ok || !p {
		t.Errorf("Token: asked %t, password entry %t; want a password entry", ok, p)
	}
	if p, ok := password["Region"]; !ok || p {
		t.Errorf("Region: asked %t, password entry %t; want a plain entry", ok, p)
	}
}

// TestTestTab_RunShownOnItsMethodAgain: the author opens another method
// while New Order's test runs, then New Order again: when the run ends its
// Test tab shows how it ended, with its steps.
func TestTestTab_RunShownOnItsMethodAgain(t *testing.T) {
	sb, _, _, m, ed := sandboxTest(t, "New Order", nil)
	startLifecycle(t, sb, ed)
	var again *methodEditor
	fyne.DoAndWait(func() {
		openMethod(t, m, "Create Order")
		again = openMethod(t, m, "New Order")
		m.runningTest().onCancel()
	})
	waitRun(t, ed.test)
	// The run's end reaches the tab on screen last: wait for it there.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var state string
		var steps int
		fyne.DoAndWait(func() { state, steps = again.test.state.Text, len(again.test.steps.Items) })
		if state == "Cancelled." && steps > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("New Order's Test tab after its run: %q, %d steps", state, steps)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A method before the running one is deleted while the run goes on: the
// run's end, with its tab off screen, does not take the window down.
func TestTestTab_EarlierMethodDeletedWhileRunning(t *testing.T) {
	sb, _, _, m, ed := sandboxTest(t, "New Order", nil) // New Order is the last method
	startLifecycle(t, sb, ed)
	fyne.DoAndWait(func() {
		openMethod(t, m, "Create Order")
		m.onDelete()
		confirmDialog(t, m, true) // Create Order goes: New Order is now index 2
		m.runningTest().onCancel()
	})
	waitRun(t, ed.test)
}

// Another connector, with fewer methods, is opened while the run goes on.
func TestTestTab_OtherConnectorOpenedWhileRunning(t *testing.T) {
	sb, _, st, m, ed := sandboxTest(t, "New Order", nil) // index 3
	small := seedExample(t, st, "Small")
	small.Methods = small.Methods[:1]
	if err := st.SaveConnector(context.Background(), small); err != nil {
		t.Fatal(err)
	}
	startLifecycle(t, sb, ed)
	fyne.DoAndWait(func() {
		m.reloadList()
		m.sidebar.tree.Select(storedKey(small.ID)) // nothing unsaved: opens at once
		if m.open == nil || m.open.conn.Name != "Small" {
			t.Fatalf("Small did not open")
		}
		m.runningTest().onCancel()
	})
	waitRun(t, ed.test)
}

// TestTestTab_PendingErrorMaskedWithTodaysSecrets: a pending row's last
// error, kept masked with the secrets of its day, is shown masked with
// those of the connector as it is open now too.
func TestTestTab_PendingErrorMaskedWithTodaysSecrets(t *testing.T) {
	_, _, m, ed := failedDelete(t)
	pending := func() string {
		var b strings.Builder
		for _, o := range test.LaidOutObjects(ed.test.pending) {
			if l, ok := o.(*widget.Label); ok {
				b.WriteString(l.Text + "\n")
			}
		}
		return b.String()
	}
	fyne.DoAndWait(func() {
		if shown := pending(); !strings.Contains(shown, "webhook 41") || !strings.Contains(shown, `{"error": "maintenance"}`) ||
			!strings.Contains(shown, "\nMade with BaseUrl=http://127.0.0.1:") {
			t.Fatalf("the pending row's error is not shown as kept:\n%s", shown)
		}
		conn := m.open.conn
		conn.Parameters = append(conn.Parameters, model.Parameter{TargetName: "Mode", TargetType: model.TargetMergeField, IsSensitive: true, Values: []string{"maintenance"}})
		ed.test.showPending()
		if shown := pending(); strings.Contains(shown, "maintenance") || !strings.Contains(shown, `{"error": "••••••"}`) {
			t.Errorf("the value made Sensitive shows, or the row is gone:\n%s", shown)
		}
	})
}

// TestTestTab_LargeResponseShownInPart: a 2 MB answer is shown in part, in
// short lines wrapped by word, with a note of how much was left out; Copy takes
// all of it, and a mapped value is cut too. Fyne took minutes to lay out
// such a body wrapped, and the window did not answer meanwhile.
func TestTestTab_LargeResponseShownInPart(t *testing.T) {
	pad := strings.Repeat("x", 2<<20)
	body := `{"id":42,"pad":"` + pad + `"}`
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, body)
	}))
	t.Cleanup(api.Close)
	_, m, ed := exampleTestTab(t, api.URL, "Create Order")
	fyne.DoAndWait(func() {
		f := ed.method().ResponseFormat.Fields
		ed.method().ResponseFormat.Fields = append(f, model.Field{ConnectorField: "pad", DataType: model.FieldText})
	})
	test.Tap(ed.test.run)
	waitRun(t, ed.test)
	fyne.DoAndWait(func() {
		if !ed.test.last.OK {
			t.Fatalf("run: %s", ed.test.last.Error)
		}
		var code, note *widget.Label
		var copyResponse *widget.Button
		var mapped []string
		for _, o := range test.LaidOutObjects(ed.test.steps) {
			switch o := o.(type) {
			case *widget.Label:
				switch {
				case o.TextStyle.Monospace && strings.Contains(o.Text, `"pad": "xxx`):
					code = o
				case strings.HasPrefix(o.Text, "Showing the first"):
					note = o
				case o.TextStyle.Monospace && strings.HasPrefix(o.Text, `"xxx`):
					mapped = append(mapped, o.Text)
				}
			case *widget.Button:
				if o.Text == "Copy" {
					copyResponse = o // the last Copy: the response's
				}
			}
		}
		if code == nil || note == nil {
			t.Fatalf("the response or the note is not shown (code %v, note %v)", code != nil, note != nil)
		}
		if len(code.Text) > shownBytes+shownBytes/shownLine || code.Wrapping != fyne.TextWrapWord {
			t.Errorf("%d bytes laid out, wrapping %v", len(code.Text), code.Wrapping)
		}
		for _, l := range strings.Split(code.Text, "\n") {
			if utf8.RuneCountInString(l) > shownLine {
				t.Fatalf("a line of %d characters is shown", utf8.RuneCountInString(l))
			}
		}
		if note.Text != "Showing the first 16 KB of 2.0 MB; Copy copies all of it." {
			t.Errorf("note %q", note.Text)
		}
		if len(mapped) != 1 || !strings.HasSuffix(mapped[0], "… (2.0 MB in all)") || len(mapped[0]) > 2*shownValue || strings.Contains(mapped[0], strings.Repeat("x", shownLine+1)) {
			t.Errorf("the mapped pad shows as %d labels, the first %d bytes", len(mapped), len(strings.Join(mapped, "")))
		}
		test.Tap(copyResponse)
		if got := m.app.Clipboard().Content(); !strings.Contains(got, pad) {
			t.Errorf("Copy took %d bytes, not the whole body", len(got))
		}
	})
}

// TestTestTab_CancelledWhileTheAPIThinks: a run cancelled while its
// request waits for the API's answer is headed "Cancelled.", and says so
// in the author's words, not Go's "context canceled". While it went on,
// the status line said so, not "Ready.", when another method was shown.
func TestTestTab_CancelledWhileTheAPIThinks(t *testing.T) {
	sent := make(chan struct{}, 1)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server sees the client go
		sent <- struct{}{}
		<-r.Context().Done() // never answers
	}))
	t.Cleanup(api.Close)
	_, m, ed := exampleTestTab(t, api.URL, "Create Order")
	fyne.DoAndWait(func() { m.setStatus(widget.DangerImportance, "Create Order failed: an earlier run") })
	test.Tap(ed.test.run)
	select {
	case <-sent:
	case <-time.After(10 * time.Second):
		t.Fatal("the request was not sent")
	}
	fyne.DoAndWait(func() {
		if m.status.Text != "Running Create Order…" {
			t.Errorf("status as the run starts: %q", m.status.Text)
		}
	})
	// Another method shown meanwhile: the status line says the run goes on.
	openMethod(t, m, "New Order")
	fyne.DoAndWait(func() {
		if m.status.Text != "Running Create Order…" {
			t.Errorf("status while the run goes on: %q", m.status.Text)
		}
		m.runningTest().onCancel()
	})
	waitRun(t, ed.test)
	fyne.DoAndWait(func() {
		if ed.test.state.Text != "Cancelled." || ed.test.state.Importance != widget.WarningImportance {
			t.Errorf("state %q", ed.test.state.Text)
		}
		want := fmt.Sprintf("Create Order was cancelled: POST %s: the run was cancelled before the API answered", strings.TrimPrefix(api.URL, "http://"))
		if m.status.Text != want {
			t.Errorf("status %q,\nwant %q", m.status.Text, want)
		}
	})
	// Shown again, on coming back, and in the earlier runs: cancelled.
	again := openMethod(t, m, "Create Order")
	again.selectTab(tabTest)
	fyne.DoAndWait(func() {
		if !strings.HasSuffix(again.test.state.Text, ". Cancelled.") {
			t.Errorf("state shown again %q", again.test.state.Text)
		}
		if len(again.test.history.Options) != 1 || !strings.Contains(again.test.history.Options[0], " · cancelled after ") {
			t.Errorf("earlier runs %q", again.test.history.Options)
		}
	})
}

// TestTestTab_RunTakesAccountValuesSetElsewhere: a BaseUrl set with
// 'patchbay set' while the connector is open here is the one the next test
// run calls, but a value the author typed here and has not saved wins.
func TestTestTab_RunTakesAccountValuesSetElsewhere(t *testing.T) {
	var hits [2]atomic.Int32
	apis := [2]*httptest.Server{}
	for i := range apis {
		apis[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id": 1}`)
		}))
		t.Cleanup(apis[i].Close)
	}
	st, m, ed := exampleTestTab(t, "http://127.0.0.1:9", "Create Order")
	// The command line points the account at the first API.
	st.SetAccountValues(context.Background(), "Example", map[string]string{"BaseUrl": apis[0].URL})
	test.Tap(ed.test.run)
	waitRun(t, ed.test)
	if hits[0].Load() != 1 {
		t.Fatalf("the run did not call the BaseUrl set elsewhere: %s", ed.test.last.Error)
	}
	// Typed here, not saved: the author's value wins over others set
	// elsewhere since, also after one of them was the typed value itself.
	fyne.DoAndWait(func() { m.open.account["BaseUrl"] = apis[1].URL })
	for _, elsewhere := range []string{apis[1].URL, "http://127.0.0.1:9"} {
		st.SetAccountValues(context.Background(), "Example", map[string]string{"BaseUrl": elsewhere})
		test.Tap(ed.test.run)
		waitRun(t, ed.test)
	}
	if hits[1].Load() != 2 || hits[0].Load() != 1 {
		t.Errorf("calls: %d to the first API, %d to the one typed here, want 1 and 2", hits[0].Load(), hits[1].Load())
	}
}

// forDisplay says what it left out: of a body the run history cut, how
// big the body was; and it breaks long lines after a space where one is
// near the end of the line, not inside a word.
func TestForDisplayNotes(t *testing.T) {
	kept := strings.Repeat("lorem ipsum dolor sit amet ", 64<<10/27) + " (3077799 bytes in all; the run history keeps the first 64 KiB)"
	shown, note := forDisplay(kept)
	if want := "Showing the first 16 KB of the 64 KB the run history keeps of a body of 2.9 MB; Copy copies what it keeps."; note != want {
		t.Errorf("note %q, want %q", note, want)
	}
	for _, l := range strings.Split(shown, "\n") {
		if utf8.RuneCountInString(l) > shownLine || strings.HasPrefix(l, "psum") || strings.HasPrefix(l, "orem") || strings.HasPrefix(l, "met") {
			t.Fatalf("line %q: too long, or cut inside a word", l)
		}
	}
	if _, note := forDisplay(strings.Repeat("x", 20<<10)); note != "Showing the first 16 KB of 20 KB; Copy copies all of it." {
		t.Errorf("note %q", note)
	}
}
