package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/model"
)

// noTrigger is the trigger choice that runs no trigger method.
const noTrigger = "(none: wait for an event I cause myself)"

// testTab runs the method as it stands in the editor, saved or not: an
// Action once, a Webhook through its whole lifecycle. Every step's request
// and response, the console and the mapped values are shown as they come.
type testTab struct {
	ed *methodEditor

	run, cancel *widget.Button
	trigger     *widget.Select
	wait        *widget.Entry
	hookURL     *widget.Entry
	tunnel      *widget.Entry
	tunnelTo    *widget.Entry // the loopback address the tunnel forwards to
	tunnelHint  *widget.Label
	inputsBox   *fyne.Container
	webhookBox  *fyne.Container
	progress    *widget.ProgressBarInfinite
	state       *widget.Label
	webhookID   *canvas.Text
	problem     *widget.Label
	steps       *widget.Accordion
	delivery    *fyne.Container
	pending     *fyne.Container
	// history lists the method's earlier runs, historyRecs their records.
	history     *widget.Select
	historyRecs []model.RunRecord

	// values are the inputs typed so far, kept while the form is rebuilt
	// and, in inputs, while the connector is open.
	values map[string]string
	inputs *testInputs
	// stop cancels the run under way; nil when none is.
	stop context.CancelFunc
	// runName is the method the run under way runs, and runOpen the
	// connector it was opened in.
	runName string
	runOpen *openConnector
	// last is the result of the last run.
	last *engine.Result
}

func newTestTab(ed *methodEditor) *testTab {
	t := &testTab{ed: ed, values: map[string]string{}}
	if o := ed.host.open; o != nil {
		// The values typed and the trigger chosen stay when the author
		// opens another method and comes back.
		t.inputs = o.testInputsOf(ed.method().Name)
		t.values = t.inputs.values
	}
	return t
}

func (t *testTab) buildUI() fyne.CanvasObject {
	t.run = &widget.Button{Text: "Run test", Icon: theme.MediaPlayIcon(), Importance: widget.HighImportance, OnTapped: t.onRun}
	t.cancel = &widget.Button{Text: "Cancel", Icon: theme.CancelIcon(), OnTapped: t.onCancel}
	t.cancel.Disable()
	t.trigger = &widget.Select{OnChanged: func(s string) {
		if t.inputs != nil {
			t.inputs.trigger = s
		}
		t.rebuildInputs()
	}}
	t.wait = &widget.Entry{Text: "10s", PlaceHolder: "10s"}
	t.hookURL = &widget.Entry{PlaceHolder: "optional: registered instead"}
	t.tunnel = &widget.Entry{PlaceHolder: "optional: https://…"}
	t.inputsBox = container.NewVBox()
	t.tunnelTo = &widget.Entry{Text: engine.DefaultTunnelAddr}
	t.tunnelHint = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	t.tunnelTo.OnChanged = func(string) { t.showTunnelHint() }
	t.showTunnelHint()
	t.webhookBox = container.NewVBox(
		container.New(layout.NewFormLayout(),
			widget.NewLabel("Trigger"), t.trigger,
			widget.NewLabel("Wait for delivery"), t.wait,
			widget.NewLabel("Tunnel"), t.tunnel,
			widget.NewLabel("Forwards to"), t.tunnelTo,
			widget.NewLabel("Webhook URL"), t.hookURL,
		),
		t.tunnelHint,
	)
	t.progress = widget.NewProgressBarInfinite()
	t.progress.Stop()
	t.progress.Hide()
	t.state = &widget.Label{Text: notRunYet, Wrapping: fyne.TextWrapWord}
	t.webhookID = &canvas.Text{TextSize: 26, TextStyle: fyne.TextStyle{Bold: true}, Color: theme.Color(theme.ColorNamePrimary)}
	t.webhookID.Hide() // shown with an id
	t.problem = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	t.problem.Hide()
	t.steps = widget.NewAccordion()
	t.delivery = container.NewVBox()
	t.pending = container.NewVBox()
	t.history = &widget.Select{}

	controls := container.NewVBox(
		container.NewHBox(t.run, t.cancel),
		t.progress,
		t.history,
		t.webhookBox,
		&widget.Label{Text: "Values for this run", TextStyle: fyne.TextStyle{Bold: true}},
		t.inputsBox,
	)
	results := container.NewVBox(
		t.state, t.webhookID, t.problem, t.steps, t.delivery,
		widget.NewSeparator(), t.pending,
	)
	t.refresh()
	split := container.NewHSplit(container.NewVScroll(controls), container.NewVScroll(results))
	split.Offset = 0.36
	return split
}

// refresh fits the form to the method: trigger choices for a Webhook, the
// inputs, the pending cleanups.
func (t *testTab) refresh() {
	m := t.ed.method()
	if m.MethodType == model.MethodWebhook {
		opts := []string{noTrigger}
		for _, o := range t.ed.connector().Methods {
			if o.MethodType == model.MethodAction && o.Name != m.CreateWebhookMethod && o.Name != m.DeleteWebhookMethod {
				opts = append(opts, o.Name)
			}
		}
		t.trigger.Options = opts
		if t.trigger.Selected == "" {
			choice := defaultTrigger(opts)
			if t.inputs != nil && slices.Contains(opts, t.inputs.trigger) {
				choice = t.inputs.trigger
			}
			t.trigger.SetSelected(choice)
		}
		t.webhookBox.Show()
	} else {
		t.webhookBox.Hide()
	}
	t.rebuildInputs()
	t.showPending()
	t.showHistory()
	t.updateButtons()
	if r := t.ed.host.running; r != nil && r != t {
		t.state.SetText(fmt.Sprintf("The test of %s is still running: Run test waits for it to end, and Cancel stops it (a webhook it created is still deleted).", r.runName))
	}
}

// defaultTrigger picks the first method that is not the "none" choice.
func defaultTrigger(opts []string) string {
	if len(opts) > 1 {
		return opts[1]
	}
	return opts[0]
}

// inputMethod is the method whose Request Format the inputs fill: the
// method itself, or a Webhook's trigger.
func (t *testTab) inputMethod() *model.Method {
	m := t.ed.method()
	if m.MethodType == model.MethodWebhook {
		if t.trigger.Selected == "" || t.trigger.Selected == noTrigger {
			return nil
		}
		return t.ed.connector().Method(t.trigger.Selected)
	}
	return m
}

// rebuildInputs shows an entry for each visible Request Format field the
// run can be given a value for.
func (t *testTab) rebuildInputs() {
	t.inputsBox.RemoveAll()
	m := t.inputMethod()
	if m == nil {
		t.inputsBox.Add(&widget.Label{Text: "None needed.", Importance: widget.LowImportance})
		return
	}
	form := container.New(layout.NewFormLayout())
	n := 0
	// A secret typed here is masked as it is in the account values.
	conn := t.ed.connector()
	for _, f := range m.RequestFormat.Fields {
		key := f.SystemField
		if key == "" {
			key = f.ConnectorField
		}
		if f.IsHidden || key == "" {
			continue
		}
		e := &widget.Entry{Text: t.values[key], PlaceHolder: inputHint(f), Password: conn.IsSecretValue(key)}
		e.OnChanged = func(s string) { t.values[key] = s }
		label := f.DisplayName
		if label == "" {
			label = key
		}
		form.Add(widget.NewLabel(label))
		form.Add(e)
		n++
	}
	for _, name := range t.mergefieldInputs(m) {
		e := &widget.Entry{Text: t.values[name], PlaceHolder: "a value for {{" + name + "}}", Password: conn.IsSecretValue(name)}
		e.OnChanged = func(s string) { t.values[name] = s }
		form.Add(widget.NewLabel(name))
		form.Add(e)
		n++
	}
	if n == 0 {
		t.inputsBox.Add(&widget.Label{Text: fmt.Sprintf("Method '%s' takes no values.", m.Name), Importance: widget.LowImportance})
		return
	}
	t.inputsBox.Add(form)
}

// mergefieldInputs are the mergefields a method run on its own needs and
// nothing else supplies: its Endpoint's and its MergeField parameters' names
// (such as Cyclr_Webhook_Id when Delete Webhook is tested alone), less the
// account values, the auth values and the parameters with a value.
func (t *testTab) mergefieldInputs(m *model.Method) []string {
	if t.ed.method().MethodType == model.MethodWebhook {
		return nil // the lifecycle supplies the system fields itself
	}
	supplied := map[string]bool{}
	for k, v := range t.ed.host.open.account {
		supplied[k] = v != ""
	}
	for _, k := range model.AuthValueKeys {
		supplied[k] = true
	}
	for _, p := range append(append([]model.Parameter(nil), t.ed.connector().Parameters...), m.Parameters...) {
		if p.Value() != "" {
			supplied[p.TargetName] = true
		}
	}
	names, _ := model.MergefieldNames(m.Endpoint, true)
	for _, p := range m.Parameters {
		if p.TargetType == model.TargetMergeField {
			names = append(names, p.TargetName)
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if !supplied[n] && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func inputHint(f model.Field) string {
	hint := string(f.DataType)
	if f.DefaultValue != "" {
		hint += ", default " + f.DefaultValue
	}
	if f.IsOptional {
		hint += ", optional"
	}
	return hint
}

// canRun reports whether Run test can run this method now.
func (t *testTab) canRun() bool {
	open := t.ed.host.open
	if t.ed.host.running != nil || open == nil || t.ed.index >= len(open.conn.Methods) {
		return false // a run is under way, or the method is being deleted
	}
	mt := t.ed.method().MethodType
	return mt == model.MethodAction || mt == model.MethodWebhook
}

func (t *testTab) updateButtons() {
	if t.run == nil {
		return
	}
	if t.canRun() {
		t.run.Enable()
	} else {
		t.run.Disable()
	}
	if t.ed.host.running != nil {
		t.cancel.Enable() // this tab's run, or one left behind on another method
	} else {
		t.cancel.Disable()
	}
}

// onRun starts the run in the background.
func (t *testTab) onRun() {
	if !t.canRun() {
		return
	}
	host := t.ed.host
	conn := host.open.conn.Clone()
	m := t.ed.method()
	inputs := map[string]string{}
	for k, v := range t.values {
		if v != "" {
			inputs[k] = v
		}
	}
	host.open.freshen(host.ctx, host.store)
	account := map[string]string{}
	for k, v := range host.open.account {
		account[k] = v
	}
	var wait time.Duration
	if m.MethodType == model.MethodWebhook {
		d, err := time.ParseDuration(strings.TrimSpace(t.wait.Text))
		if err != nil || d < 0 {
			t.showProblem(fmt.Sprintf("Wait for delivery: %q is not a duration such as 10s or 1m.", t.wait.Text))
			return
		}
		wait = d
	}
	tunnel, tunnelAddr := strings.TrimSpace(t.tunnel.Text), strings.TrimSpace(t.tunnelTo.Text)
	if tunnel != "" {
		if _, err := engine.TunnelURL(tunnel); err != nil {
			t.showProblem("Tunnel: " + err.Error() + ".")
			return
		}
		if _, err := engine.CheckTunnelAddr(tunnelAddr); err != nil {
			t.showProblem("Forwards to: " + err.Error() + ".")
			return
		}
		if strings.TrimSpace(t.hookURL.Text) != "" {
			t.showProblem("Give a Tunnel or a Webhook URL, not both: a Webhook URL's deliveries are not seen here, a Tunnel's are.")
			return
		}
	}
	if m.MethodType == model.MethodWebhook && host.open.storedName != conn.Name {
		// The ledger names the connector, and cleanup loads it by that name.
		t.showProblem("Save the connector first (Ctrl+S): the webhook ledger finds it by its saved name to delete the webhook later.")
		return
	}
	note := ensureExampleAPI(conn, account, inputs)

	ctx, cancel := context.WithCancel(host.ctx)
	t.stop, t.runName, t.runOpen, host.running = cancel, m.Name, host.open, t
	if note == "" {
		note = host.idle() // "Running …"
	}
	host.setStatus(widget.MediumImportance, "%s", note)
	t.clearResults()
	t.history.ClearSelected()
	t.state.SetText(fmt.Sprintf("Running %s…", m.Name))
	t.progress.Show()
	t.progress.Start()
	t.updateButtons()
	host.tools.update()

	r := &engine.Runner{Connector: conn, Account: account, Inputs: inputs, Client: host.deps.Client, Turns: host.deps.Turns}
	r.OnAccountUpdate = func(updates map[string]string) error { return keepLearnt(host, conn.ID, updates, t.runOpen) }
	r.OnStep = func(s *engine.Step) {
		copied := *s
		fyne.Do(func() { t.showStep(&copied) })
	}
	// Read everything the run needs now: the editor may change the
	// method while the run goes on.
	name, trigger, hookURL := m.Name, t.trigger.Selected, strings.TrimSpace(t.hookURL.Text)
	isWebhook := m.MethodType == model.MethodWebhook
	if trigger == noTrigger {
		trigger = ""
	}
	go func() {
		var res *engine.Result
		if isWebhook {
			res = r.RunWebhook(ctx, name, engine.WebhookOptions{Ledger: host.deps.Ledger, Trigger: trigger, Wait: wait, WebhookURL: hookURL, Tunnel: tunnel, TunnelAddr: tunnelAddr})
		} else {
			res = r.RunMethod(ctx, name)
		}
		saveErr := saveRun(host.deps.Runs, res)
		fyne.Do(func() { t.finish(res, saveErr) })
	}()
}

// showTunnelHint says how to run a tunnel to the address in Forwards to.
func (t *testTab) showTunnelHint() {
	addr := strings.TrimSpace(t.tunnelTo.Text)
	port := addr[strings.LastIndex(addr, ":")+1:]
	t.tunnelHint.SetText(fmt.Sprintf("An API outside this machine cannot deliver to 127.0.0.1. Run a tunnel to the receiver "+
		"(cloudflared tunnel --url http://%s, or ngrok http %s) and give its public URL as the Tunnel: its deliveries are mapped here. "+
		"A Webhook URL is registered as it is, and its deliveries are not seen here.", addr, port))
}

// ensureExampleAPI starts the bundled example's sandbox API when the run
// points at its address and nothing answers there, and says so.
func ensureExampleAPI(c *model.Connector, account, inputs map[string]string) string {
	base := inputs["BaseUrl"]
	if base == "" {
		base = account["BaseUrl"]
	}
	if base == "" {
		for _, p := range c.Parameters {
			if p.TargetName == "BaseUrl" {
				base = p.Value()
			}
		}
	}
	u, err := url.Parse(base)
	if err != nil || u.Host != sandbox.DefaultAddr {
		return ""
	}
	started, err := sandbox.EnsureServing(sandbox.DefaultAddr)
	switch {
	case err != nil:
		return fmt.Sprintf("The example API could not be served on %s: %v", sandbox.DefaultAddr, err)
	case started:
		return fmt.Sprintf("Serving the example API on http://%s for this test.", sandbox.DefaultAddr)
	}
	return ""
}

func saveRun(runs model.RunHistory, res *engine.Result) error {
	if runs == nil {
		return nil
	}
	rec, err := res.HistoryRecord()
	if err != nil {
		return err
	}
	return runs.SaveRun(context.Background(), rec)
}

func (t *testTab) onCancel() {
	if r := t.ed.host.running; r != nil && r != t {
		r.onCancel() // the run left behind on another method
	}
	if t.stop != nil || t.ed.host.running != nil {
		if t.stop != nil {
			t.stop()
		}
		t.state.SetText("Cancelling… a webhook that was created is still deleted.")
	}
}

// finish shows the whole result once the run is over, and takes the
// account values it learnt that the store could not keep. The run counts
// as under way (stop is set) until all of it is shown.
func (t *testTab) finish(res *engine.Result, saveErr error) {
	t.progress.Stop()
	t.progress.Hide()
	if t.runOpen != nil {
		t.runOpen.keepLastRun(res)
	}
	t.showResult(res)
	t.showPending()
	t.showHistory()
	host := t.ed.host
	if o := t.runOpen; o != nil && len(res.AccountUpdates) > 0 {
		// What the store could not keep goes with the connector's next
		// save: the window says so, and asks before closing.
		o.learnt(res.AccountUpdates, false)
		if o == host.open {
			host.changed()
		}
	}
	switch {
	case host.closeAfterRun:
	case len(res.AccountUpdates) > 0:
		host.setStatus(widget.WarningImportance, "The API gave a new refresh token, and the old one is spent: save the connector to keep the new one.")
	case saveErr != nil:
		host.setStatus(widget.WarningImportance, "The run was not saved in the history: %v", saveErr)
	case res.OK:
		host.setStatus(widget.SuccessImportance, "%s passed.", res.Method)
	case res.Cancelled:
		host.setStatus(widget.WarningImportance, "%s was cancelled: %s", res.Method, res.Error)
	default:
		host.setStatus(widget.DangerImportance, "%s failed: %s", res.Method, res.Error)
	}
	t.stop = nil
	if host.running == t {
		host.running = nil
	}
	t.updateButtons()
	if e := host.methEd; e != nil && e.test != t {
		// The author opened something else while it ran: the Test tab on
		// screen is free again, and shows the run if it is the same
		// method's.
		e.test.updateButtons()
		e.test.showPending()
		e.test.showHistory()
		switch {
		case host.open != nil && host.open == t.runOpen && e.method().Name == t.runName:
			e.test.clearResults() // an earlier run may be on show there
			e.test.history.ClearSelected()
			for _, s := range res.Steps {
				e.test.showStep(s)
			}
			e.test.showResult(res)
		case e.test.last == nil:
			e.test.showNotRun()
		}
	}
	host.tools.update()
	if host.closeAfterRun {
		host.closeAfterRun = false
		host.onCloseRequested()
	}
}

// showResult shows how a run ended: passed or failed, the captured id and
// the delivery.
func (t *testTab) showResult(res *engine.Result) {
	t.last = res
	switch {
	case res.OK && res.Kind == "webhook":
		t.state.SetText(fmt.Sprintf("Passed: webhook created, tested and deleted in %s.", res.FinishedAt.Sub(res.StartedAt).Round(time.Millisecond)))
	case res.OK:
		t.state.SetText(fmt.Sprintf("Passed in %s.", res.FinishedAt.Sub(res.StartedAt).Round(time.Millisecond)))
	case res.Cancelled:
		t.state.SetText("Cancelled.")
	default:
		t.state.SetText("Failed.")
		// The failed step, shown open, says why; an error of no step (a
		// run refused before it sent anything) is said here.
		if !slices.ContainsFunc(res.Steps, func(s *engine.Step) bool { return s != nil && s.Error == res.Error }) {
			t.showProblem(res.Error)
		}
	}
	switch {
	case res.OK:
		t.state.Importance = widget.SuccessImportance
	case res.Cancelled:
		t.state.Importance = widget.WarningImportance
	default:
		t.state.Importance = widget.DangerImportance
	}
	t.state.Refresh()
	if res.WebhookID != "" {
		t.webhookID.Text = model.SystemFieldWebhookID + " = " + res.WebhookID
		t.webhookID.Show()
		t.webhookID.Refresh()
	}
	if n := len(t.steps.Items); res.OK && res.Kind != "webhook" && n > 0 {
		t.steps.Open(n - 1) // the Action's request, response and mapped values, after any token step
	}
	t.showDelivery(res)
}

func (t *testTab) showProblem(msg string) {
	t.problem.SetText(msg)
	t.problem.Show()
}

// showStep adds a step, or updates it when it was shown running.
func (t *testTab) showStep(s *engine.Step) {
	if s.Name == "Create webhook" && s.OK {
		for _, f := range s.Mapped {
			if f.SystemField == model.SystemFieldWebhookID {
				t.webhookID.Text = model.SystemFieldWebhookID + " = " + f.Text()
				t.webhookID.Show()
				t.webhookID.Refresh()
			}
		}
	}
	item := &widget.AccordionItem{Title: stepTitle(s), Detail: stepDetail(t, s)}
	n := len(t.steps.Items)
	if n > 0 && t.steps.Items[n-1].Title == stepTitle(&engine.Step{Name: s.Name, Method: s.Method, Status: engine.StepRunning}) {
		t.steps.Items[n-1] = item
		t.steps.Refresh()
	} else {
		t.steps.Append(item)
	}
	if s.Status == engine.StepFailed || s.Status == engine.StepStopped || s.Status == engine.StepRunning && len(s.Console) > 0 {
		// A failure, a stop (a script's false), or what a step says
		// while it runs (a delivery rejected, another Patchbay's token
		// request waited for), is shown open.
		t.steps.Open(len(t.steps.Items) - 1)
	}
}

// keepLearnt keeps learnt account values of the stored connector connID,
// from a goroutine other than the window's: in the store, under the name
// that ID has now, and in the connector open in the window and in also
// (the one a run began from), when they have that ID.
func keepLearnt(host *MainWindow, connID int64, updates map[string]string, also *openConnector) error {
	if connID == 0 {
		return errors.New("the connector is not saved yet")
	}
	if _, err := host.store.KeepAccountValues(context.Background(), connID, updates); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		for _, o := range []*openConnector{host.open, also} {
			if o != nil && o.conn.ID == connID {
				o.learnt(updates, true)
			}
		}
	})
	return nil
}
