package ui

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"patchbay/model"
)

// The Test tab lists the method's earlier runs from the history, newest
// first, and shows a chosen one step by step, masked with the secrets the
// connector has now: a header value made Sensitive after the run is
// masked in it.
func TestTestTab_EarlierRuns(t *testing.T) {
	const tenant = "tenant-Jd82kQp1"
	_, _, _, m, ed := sandboxTest(t, "Create Order", func(c *model.Connector) {
		co := c.Method("Create Order")
		co.Parameters = append(co.Parameters, model.Parameter{TargetType: model.TargetHttpHeader, TargetName: "X-Tenant", Values: []string{tenant}})
	})
	tab := ed.test
	fyne.DoAndWait(func() {
		if !tab.history.Disabled() || tab.history.PlaceHolder != "No earlier runs of this method" {
			t.Errorf("before any run: disabled %t, %q", tab.history.Disabled(), tab.history.PlaceHolder)
		}
	})
	for _, email := range []string{"bo@example.com", "cy@example.com"} {
		fyne.DoAndWait(func() {
			typeInput(t, tab, "Customer email", email)
			tab.onRun()
		})
		waitRun(t, tab)
	}

	var older string
	fyne.DoAndWait(func() {
		if tab.history.Disabled() || tab.history.PlaceHolder != "Earlier runs of this method (2)" || len(tab.history.Options) != 2 ||
			!strings.HasPrefix(tab.history.Options[0], "#2 · ") || !strings.HasPrefix(tab.history.Options[1], "#1 · ") ||
			!strings.Contains(tab.history.Options[1], " · passed in ") {
			t.Fatalf("after two runs: %q, %q", tab.history.PlaceHolder, tab.history.Options)
		}
		older = tab.history.Options[1]
		// The author ticks Sensitive on the header after the runs.
		m.open.conn.Method("Create Order").Parameters[0].IsSensitive = true
		tab.history.SetSelected(older)
	})
	fyne.DoAndWait(func() {
		if !strings.HasPrefix(tab.state.Text, "Run #1 of ") || !strings.Contains(tab.state.Text, "from the history. Passed in ") || len(tab.steps.Items) != 1 {
			t.Fatalf("the older run shows as %q with %d steps", tab.state.Text, len(tab.steps.Items))
		}
		tab.steps.OpenAll()
		markup := test.RenderToMarkup(m.win.Canvas())
		// The second run's email was typed after the first's, in the same entry.
		if body := tab.last.Steps[0].Request.Body; !strings.Contains(body, `"bo@example.com"`) {
			t.Errorf("the older run's request body is %s", body)
		}
		if strings.Contains(markup, tenant) || !strings.Contains(markup, "X-Tenant: ••••••") {
			t.Error("the header made Sensitive since the run shows unmasked")
		}
	})

	// Another method has its own history; a new run clears the choice.
	fyne.DoAndWait(func() {
		other := openMethod(t, m, "New Order")
		other.selectTab(tabTest)
		if other.test.history.PlaceHolder != "No earlier runs of this method" {
			t.Errorf("New Order's earlier runs: %q", other.test.history.PlaceHolder)
		}
		back := openMethod(t, m, "Create Order")
		back.selectTab(tabTest)
		tab = back.test
		if len(tab.history.Options) != 2 {
			t.Errorf("Create Order's earlier runs after reopening: %q", tab.history.Options)
		}
		tab.history.SetSelected(tab.history.Options[1])
		tab.onRun()
	})
	waitRun(t, tab)
	fyne.DoAndWait(func() {
		if tab.history.Selected != "" || len(tab.history.Options) != 3 || strings.HasPrefix(tab.state.Text, "Run #") {
			t.Errorf("after a new run: selected %q, %d runs, state %q", tab.history.Selected, len(tab.history.Options), tab.state.Text)
		}
	})
}

// A rename saved while a webhook test runs: the run's ledger row and its
// history record follow the connector's new name, so the Test tab lists
// the run and cleanup still finds the connector.
func TestTestTab_RenameSavedWhileRunning(t *testing.T) {
	sb, _, st, m, ed := sandboxTest(t, "New Order", nil)
	startLifecycle(t, sb, ed)
	fyne.DoAndWait(func() {
		m.open.conn.Name = "Example v2"
		m.open.dirty = true
		if !m.save() {
			t.Fatal("the rename was not saved")
		}
		m.runningTest().onCancel()
	})
	waitRun(t, ed.test)
	ctx := context.Background()
	if runs, err := st.ListRuns(ctx, "Example v2", 0); err != nil || len(runs) != 1 || runs[0].Method != "New Order" {
		t.Errorf("runs under the new name: %+v, %v", runs, err)
	}
	rows, err := st.ListWebhooks(ctx, false)
	if err != nil || len(rows) != 1 || rows[0].Connector != "Example v2" || rows[0].Pending() {
		t.Errorf("ledger rows: %+v, %v", rows, err)
	}
	fyne.DoAndWait(func() {
		tab := openMethod(t, m, "New Order").test
		if len(tab.history.Options) != 1 {
			t.Errorf("New Order's earlier runs after the rename: %q", tab.history.Options)
		}
	})
}

// An earlier run on show in a method's reopened Test tab gives way to the
// method's run that was going on meanwhile when that run ends: the pane
// shows the finished run alone, not both runs' steps together.
func TestTestTab_EarlierRunGivesWayToTheFinishedRun(t *testing.T) {
	sb, _, _, m, ed := sandboxTest(t, "New Order", nil)
	fyne.DoAndWait(func() {
		ed.test.trigger.SetSelected(noTrigger)
		ed.test.wait.SetText("0s")
		ed.test.onRun()
	})
	waitRun(t, ed.test)
	startLifecycle(t, sb, ed)
	var again *methodEditor
	fyne.DoAndWait(func() {
		openMethod(t, m, "Create Order")
		again = openMethod(t, m, "New Order")
		again.selectTab(tabTest)
		if len(again.test.history.Options) != 1 {
			t.Fatalf("earlier runs: %q", again.test.history.Options)
		}
		again.test.history.SetSelected(again.test.history.Options[0])
		if !strings.HasPrefix(again.test.state.Text, "Run #1 of ") {
			t.Errorf("the earlier run is not on show: %q", again.test.state.Text)
		}
		m.runningTest().onCancel()
	})
	waitRun(t, ed.test)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var state, selected string
		var steps, want int
		fyne.DoAndWait(func() {
			state, selected, steps = again.test.state.Text, again.test.history.Selected, len(again.test.steps.Items)
			if again.test.last != nil {
				want = len(again.test.last.Steps)
			}
		})
		// The test driver runs the run's end on the run's goroutine: it
		// is over once the pane holds the finished run's steps alone.
		if state == "Cancelled." && steps == want && selected == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("New Order's Test tab after its run: %q, %d steps shown for a run of %d, %q still chosen", state, steps, want, selected)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A method renamed and saved keeps its earlier runs.
func TestTestTab_EarlierRunsFollowARename(t *testing.T) {
	_, _, _, m, ed := sandboxTest(t, "Create Order", nil)
	fyne.DoAndWait(func() { ed.test.onRun() })
	waitRun(t, ed.test)
	fyne.DoAndWait(func() {
		ed.selectTab(tabSettings)
		retype(ed.settings.name, "Place Order")
		if !m.save() {
			t.Fatal("not saved")
		}
		renamed := openMethod(t, m, "Place Order")
		renamed.selectTab(tabTest)
		if len(renamed.test.history.Options) != 1 {
			t.Errorf("the renamed method's earlier runs: %q", renamed.test.history.Options)
		}
	})
}

// A method renamed and saved while its test runs: the run, saved when it
// ends, goes under the method's new name with its earlier runs.
func TestTestTab_MethodRenamedWhileRunning(t *testing.T) {
	sb, _, st, m, ed := sandboxTest(t, "New Order", nil)
	startLifecycle(t, sb, ed)
	fyne.DoAndWait(func() {
		ed.selectTab(tabSettings)
		retype(ed.settings.name, "Order Placed")
		if !m.save() {
			t.Fatal("the rename was not saved")
		}
		m.runningTest().onCancel()
	})
	waitRun(t, ed.test)
	if runs, err := st.ListMethodRuns(context.Background(), "Example", "Order Placed"); err != nil || len(runs) != 1 {
		t.Errorf("runs of the renamed method: %+v, %v", runs, err)
	}
}

// A method's last run in this window is shown again when the author comes
// back to its Test tab from another method, not "Not run in this window".
func TestTestTab_LastRunShownAgain(t *testing.T) {
	_, _, _, m, ed := sandboxTest(t, "Create Order", nil)
	tab := ed.test
	fyne.DoAndWait(func() {
		typeInput(t, tab, "Customer email", "bo@example.com")
		tab.onRun()
	})
	waitRun(t, tab)
	fyne.DoAndWait(func() {
		other := openMethod(t, m, "New Order")
		other.selectTab(tabTest)
		if other.test.state.Text != notRunYet || len(other.test.steps.Items) != 0 {
			t.Errorf("New Order, not run: %q with %d steps", other.test.state.Text, len(other.test.steps.Items))
		}
		back := openMethod(t, m, "Create Order")
		back.selectTab(tabTest)
		if s := back.test.state.Text; !strings.HasPrefix(s, "The last run in this window, at ") || !strings.Contains(s, ". Passed in ") || len(back.test.steps.Items) != 1 || back.test.last == nil {
			t.Errorf("Create Order again: %q with %d steps", s, len(back.test.steps.Items))
		}
	})
}

// A last run shown again is masked with the secrets the connector has now:
// a value made Sensitive after the run does not show in it.
func TestTestTab_LastRunMaskedAgain(t *testing.T) {
	const email = "bo-masked@example.com"
	_, _, _, m, ed := sandboxTest(t, "Create Order", nil)
	fyne.DoAndWait(func() {
		typeInput(t, ed.test, "Customer email", email)
		ed.test.onRun()
	})
	waitRun(t, ed.test)
	fyne.DoAndWait(func() {
		if b, _ := json.Marshal(ed.test.last); !strings.Contains(string(b), email) {
			t.Fatal("the run does not show the email at all")
		}
		m.open.conn.Parameters = append(m.open.conn.Parameters, model.Parameter{TargetType: model.TargetMergeField, TargetName: "Email", IsSensitive: true, Values: []string{email}})
		m.changed()
		openMethod(t, m, "New Order")
		back := openMethod(t, m, "Create Order")
		back.selectTab(tabTest)
		if back.test.last == nil {
			t.Fatal("the last run is not shown again")
		}
		if b, _ := json.Marshal(back.test.last); strings.Contains(string(b), email) {
			t.Errorf("a value made Sensitive since shows in the last run")
		}
		// The run's steps as shown; the input the author typed the email
		// into keeps it, as typed.
		back.test.steps.OpenAll()
		if markup := test.RenderObjectToMarkup(back.test.steps); strings.Contains(markup, email) {
			t.Errorf("the run's steps show a value made Sensitive since")
		}
	})
}

// The values typed for a run and the trigger chosen stay when the author
// opens another method and comes back.
func TestTestTab_InputsKept(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "New Order")
	ed.selectTab(tabTest)
	ed.test.trigger.SetSelected(noTrigger)
	ed.test.trigger.SetSelected("Create Order")
	typeInput(t, ed.test, "Customer email", "kept@example.com")
	ed.test.trigger.SetSelected(noTrigger)
	openMethod(t, m, "Create Order")
	back := openMethod(t, m, "New Order")
	back.selectTab(tabTest)
	if back.test.trigger.Selected != noTrigger {
		t.Errorf("trigger %q, want the one chosen", back.test.trigger.Selected)
	}
	back.test.trigger.SetSelected("Create Order")
	if back.test.values["CustomerEmail"] != "kept@example.com" {
		t.Errorf("values %v, want the email typed", back.test.values)
	}
}
