package ui

import (
	"fmt"
	"slices"
	"time"

	"fyne.io/fyne/v2/widget"

	"patchbay/engine"
	"patchbay/model"
)

// The Test tab's earlier runs: the method's runs the history keeps, newest
// first, each shown as it was when chosen, masked again with the secrets
// the connector has now.

// historyRuns lists the open method's runs from the history, newest
// first, without their logs: one is read when it is chosen.
func (t *testTab) historyRuns() ([]model.RunRecord, error) {
	host := t.ed.host
	if host.deps.Runs == nil || host.open == nil || host.open.storedName == "" || host.methEd != t.ed {
		// Off screen (a run that ended after its method was left), its
		// method index may name another method, or none.
		return nil, nil
	}
	return host.deps.Runs.ListMethodRuns(host.ctx, host.open.storedName, t.ed.method().Name)
}

// historyLabel is a run's line in the Earlier runs list.
func historyLabel(r model.RunRecord) string {
	outcome := "failed"
	switch {
	case r.OK:
		outcome = "passed"
	case r.Cancelled:
		outcome = "cancelled"
	}
	when := r.StartedAt.Local().Format("2 Jan 15:04:05")
	if r.FinishedAt.IsZero() {
		return fmt.Sprintf("#%d · %s · %s", r.ID, when, outcome)
	}
	in := "in"
	if outcome == "cancelled" {
		in = "after"
	}
	return fmt.Sprintf("#%d · %s · %s %s %s", r.ID, when, outcome, in, r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond))
}

// showHistory fills the Earlier runs list.
func (t *testTab) showHistory() {
	if t.history == nil {
		return
	}
	recs, err := t.historyRuns()
	t.historyRecs = recs
	opts := make([]string, len(recs))
	for i, r := range recs {
		opts[i] = historyLabel(r)
	}
	t.history.OnChanged = nil
	t.history.Options = opts
	if !slices.Contains(opts, t.history.Selected) {
		t.history.ClearSelected() // the run on show aged out, or a new one ran
	}
	switch {
	case err != nil:
		t.history.PlaceHolder = "The run history cannot be read: " + err.Error()
	case len(recs) == 0:
		t.history.PlaceHolder = "No earlier runs of this method"
	default:
		t.history.PlaceHolder = fmt.Sprintf("Earlier runs of this method (%d)", len(recs))
	}
	if len(recs) == 0 {
		t.history.Disable()
	} else {
		t.history.Enable()
	}
	t.history.Refresh()
	t.history.OnChanged = t.onHistoryChosen
	if t.last == nil && t.stop == nil && (t.state.Text == notRunYet || t.state.Text == notRunHere) {
		t.showNotRun()
	}
}

// showNotRun shows the method's last run in this window, if it ran here,
// or says it has not run yet, and where its earlier runs are.
func (t *testTab) showNotRun() {
	host := t.ed.host
	if host.open != nil && host.methEd == t.ed {
		if res := host.open.testInputsOf(t.ed.method().Name).last; res != nil {
			// Masked again: a value may have been made Sensitive since.
			again, err := res.MaskedAgain(host.open.conn, host.open.account)
			if err != nil {
				t.clearResults()
				t.state.SetText("")
				t.showProblem(err.Error())
				return
			}
			res = again
			t.clearResults()
			for _, s := range res.Steps {
				t.showStep(s)
			}
			t.showResult(res)
			t.state.SetText("The last run in this window, at " + res.StartedAt.Local().Format("15:04:05") + ". " + t.state.Text)
			return
		}
	}
	if len(t.historyRecs) > 0 {
		t.state.SetText(notRunHere)
	} else {
		t.state.SetText(notRunYet)
	}
}

// What the results pane says before the method has run in this window.
const (
	notRunYet  = "Not run yet."
	notRunHere = "Not run in this window yet: choose one of its earlier runs in the list on the left to see it."
)

// onHistoryChosen shows the chosen run in place of the last one.
func (t *testTab) onHistoryChosen(label string) {
	if t.stop != nil || label == "" {
		return // a run on screen is under way: it keeps the results pane
	}
	for _, r := range t.historyRecs {
		if historyLabel(r) != label {
			continue
		}
		host := t.ed.host
		var res *engine.Result
		rec, err := host.deps.Runs.LoadRun(host.ctx, r.ID)
		if err == nil {
			res, err = engine.FromHistory(*rec, host.open.conn, host.open.account)
		}
		t.clearResults()
		if err != nil {
			t.state.SetText("")
			t.showProblem(err.Error())
			return
		}
		for _, s := range res.Steps {
			t.showStep(s)
		}
		t.showResult(res)
		t.state.SetText(fmt.Sprintf("Run #%d of %s, from the history. %s", r.ID, r.StartedAt.Local().Format("2 Jan 2006 15:04:05"), t.state.Text))
		return
	}
}

// clearResults empties the results pane.
func (t *testTab) clearResults() {
	t.last = nil
	t.steps.Items = nil
	t.steps.Refresh()
	t.delivery.RemoveAll()
	t.problem.Hide()
	t.webhookID.Text = ""
	t.webhookID.Hide() // empty, it would still take a line's height
	t.state.Importance = widget.MediumImportance
}
