package ui

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"patchbay/engine"
	"patchbay/model"
)

// openMethod selects a method of the open connector in the sidebar.
func openMethod(t *testing.T, m *MainWindow, name string) *methodEditor {
	t.Helper()
	for i, meth := range m.open.conn.Methods {
		if meth.Name == name {
			m.sidebar.tree.Select(nodeID(m.open.key, i))
			if m.methEd == nil || m.methEd.index != i {
				t.Fatalf("selecting %q did not open its editor", name)
			}
			return m.methEd
		}
	}
	t.Fatalf("no method %q", name)
	return nil
}

func TestGenerateFields_Dialog(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Create Webhook")
	ed.selectTab(tabFieldMappings)
	ed.fields.grids.Select(ed.fields.responseItem)
	g := ed.fields.response
	before := len(*g.fields())

	test.Tap(g.generate)
	d := g.gen
	if d == nil {
		t.Fatal("Generate Fields opened no dialog")
	}
	test.Type(d.sample, `{"id": 1, "oops`)
	if !d.problem.Visible() || !strings.Contains(d.problem.Text, "line 1") {
		t.Errorf("bad JSON: problem %q (shown %v), want where it stops being JSON", d.problem.Text, d.problem.Visible())
	}
	if !d.add.Disabled() {
		t.Error("Add is enabled with nothing to add")
	}

	d.sample.SetText(`{"id": 1, "active": true, "created": "2024-05-01T10:00:00Z", "owner": {"email": "a@b.c"}, "lines": [{"sku": "A"}]}`)
	if d.problem.Visible() {
		t.Errorf("good JSON still shows %q", d.problem.Text)
	}
	var paths []string
	for _, f := range d.found {
		paths = append(paths, f.ConnectorField)
	}
	wantPaths := []string{"id", "active", "created", "owner.email", "[lines].sku"}
	if !reflect.DeepEqual(paths, wantPaths) {
		t.Fatalf("the dialog lists %q, want %q", paths, wantPaths)
	}
	// id and active are in the grid already: offered, but not to add twice.
	if !d.picks[0].Disabled() || !d.picks[1].Disabled() || d.picks[2].Disabled() {
		t.Errorf("picks disabled: id %v, active %v, created %v; want the two in the grid disabled",
			d.picks[0].Disabled(), d.picks[1].Disabled(), d.picks[2].Disabled())
	}
	test.Tap(d.picks[3]) // leave owner.email out
	if d.add.Text != "Add 2 Fields" {
		t.Errorf("the Add button says %q, want \"Add 2 Fields\"", d.add.Text)
	}
	test.Tap(d.add)

	fs := *g.fields()
	if len(fs) != before+2 {
		t.Fatalf("the grid has %d fields, want %d", len(fs), before+2)
	}
	added := fs[before:]
	want := []model.Field{
		{ConnectorField: "created", DisplayName: "created", DataType: model.FieldDateTime},
		{ConnectorField: "[lines].sku", DisplayName: "sku", DataType: model.FieldText},
	}
	if !reflect.DeepEqual(added, want) {
		t.Errorf("added %+v, want %+v", added, want)
	}
	if got := g.rows[before].dataType.Selected; got != "DateTime" {
		t.Errorf("the new row shows Data Type %q, want DateTime", got)
	}
	if !m.open.dirty {
		t.Error("generating fields did not mark the connector changed")
	}
}

// TestLint_BraceTypo types the seed page's own typo into the Delete
// Webhook's Endpoint and follows the finding from the problems list.
func TestLint_BraceTypo(t *testing.T) {
	m, st := exampleWindow(t)
	wantNoErrors(t, m)
	// With none, the problems panel is shut to its title.
	if p := m.problems; p.list.Visible() || p.split.Offset != problemsShut {
		t.Errorf("no problems: the list shown %t, the split at %v", p.list.Visible(), p.split.Offset)
	}

	ed := openMethod(t, m, "Delete Webhook")
	typeAtEnd(ed.settings.endpoint, "}") // {{Cyclr_Webhook_Id}}}
	if p := m.problems; !p.list.Visible() || p.split.Offset != problemsOpen {
		t.Errorf("a problem: the list shown %t, the split at %v", p.list.Visible(), p.split.Offset)
	}
	fs := findings(m, "mergefield-syntax")
	if len(fs) != 1 {
		t.Fatalf("problems list: %v; want one mergefield-syntax finding", m.problems.findings)
	}
	if at := fs[0].At; at.Method != "Delete Webhook" || at.Tab != model.TabSettings || at.Column != "Endpoint" {
		t.Errorf("the finding is at %s, want the Delete Webhook's Endpoint", at.Where())
	}
	hint := ed.settings.hints["Endpoint"]
	if !hint.Visible() || !strings.Contains(hint.Text, "brace") {
		t.Errorf("under the Endpoint: %q (shown %v), want the brace mistake", hint.Text, hint.Visible())
	}
	if ed.items[tabSettings].Icon == nil {
		t.Error("the Settings tab is not marked as having a problem")
	}
	wantContains(t, "problems title", m.problems.title.Text, "1 error")

	// Clicking the problem from another method comes back to the field.
	openMethod(t, m, "Create Order")
	m.methEd.selectTab(tabScript)
	for i, f := range m.problems.findings {
		if f.Rule == "mergefield-syntax" {
			m.problems.list.Select(i)
		}
	}
	if m.methEd == nil || m.open.conn.Methods[m.methEd.index].Name != "Delete Webhook" {
		t.Fatal("clicking the problem did not open the Delete Webhook")
	}
	if m.methEd.tabs.SelectedIndex() != tabSettings {
		t.Errorf("clicking the problem opened tab %d, want Settings", m.methEd.tabs.SelectedIndex())
	}
	if m.win.Canvas().Focused() != m.methEd.settings.endpoint {
		t.Errorf("focus is on %T, want the Endpoint entry", m.win.Canvas().Focused())
	}
	if key, j := splitNode(m.sidebar.selected); key != m.open.key || j != m.methEd.index {
		t.Errorf("the sidebar selects %q, want the Delete Webhook", m.sidebar.selected)
	}

	// Saving with an error saves, and says so.
	test.Tap(m.tools.save)
	wantContains(t, "status", m.status.Text, "1 error")
	got, err := st.LoadConnector(context.Background(), "Example")
	if err != nil {
		t.Fatal(err)
	}
	if e := got.Method("Delete Webhook").Endpoint; e != "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}}" {
		t.Errorf("stored Endpoint %q, want the draft with its typo", e)
	}

	// Fixing it clears the finding and the hint.
	e := m.methEd.settings.endpoint
	e.CursorColumn = len([]rune(e.Text))
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if e.Text != "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}" {
		t.Fatalf("after Backspace the Endpoint is %q", e.Text)
	}
	if len(findings(m, "mergefield-syntax")) != 0 || m.methEd.settings.hints["Endpoint"].Visible() {
		t.Error("the fixed Endpoint still shows its finding")
	}
}

// TestLint_GridFinding shows a finding under its grid row.
func TestLint_GridFinding(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Create Webhook")
	ed.selectTab(tabFieldMappings)
	ed.fields.grids.Select(ed.fields.responseItem)
	row := ed.fields.response.rows[0]
	retype(row.systemField, "Webhook_Id")
	if len(findings(m, "webhook-id-not-captured")) != 1 {
		t.Errorf("problems: %v; want webhook-id-not-captured", m.problems.findings)
	}
	if h := ed.fields.response.view.hint; !h.Visible() || !strings.Contains(h.Text, model.SystemFieldWebhookID) {
		t.Errorf("above the Response Format: %q, want the missing Cyclr_Webhook_Id", h.Text)
	}
	retype(row.connectorField, "[id")
	if !row.hint.Visible() || !strings.HasPrefix(row.hint.Text, "Connector Field: ") {
		t.Errorf("under the row: %q (shown %v), want the Connector Field's finding", row.hint.Text, row.hint.Visible())
	}
}

func TestFieldGrid_MoveAndDelete(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "New Order")
	ed.selectTab(tabFieldMappings)
	g := ed.fields.request
	names := func() []string {
		var out []string
		for _, f := range *g.fields() {
			out = append(out, f.ConnectorField)
		}
		return out
	}
	if !g.view.buttons.remove.Disabled() {
		t.Error("Delete Selected Fields is enabled with nothing selected")
	}
	test.Tap(g.view.checks[2]) // data.customer.email
	test.Tap(g.view.buttons.up)
	test.Tap(g.view.buttons.up)
	test.Tap(g.view.buttons.up) // at the top already: stays
	if got, want := names(), []string{"data.customer.email", "event", "data.id", "data.[lines].sku"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after moving up: %q, want %q", got, want)
	}
	if !g.view.checks[0].Checked || g.view.checks[2].Checked {
		t.Error("the selection did not move with the row")
	}
	test.Tap(g.view.buttons.down)
	if got := names(); got[1] != "data.customer.email" {
		t.Errorf("after moving down: %q", got)
	}
	test.Tap(g.view.checks[0])
	test.Tap(g.view.buttons.remove)
	if got, want := names(), []string{"data.id", "data.[lines].sku"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after deleting two: %q, want %q", got, want)
	}
	if len(g.rows) != 2 || g.rows[0].connectorField.Text != "data.id" {
		t.Errorf("the grid shows %d rows, first %q", len(g.rows), g.rows[0].connectorField.Text)
	}
}

// TestLint_Debounced runs Lint once typing pauses, not on every key.
func TestLint_Debounced(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Delete Webhook")
	m.lintDelay = 50 * time.Millisecond
	typeAtEnd(ed.settings.endpoint, "}")
	if len(findings(m, "mergefield-syntax")) != 0 {
		t.Fatal("Lint ran before the typing paused")
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(findings(m, "mergefield-syntax")) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(findings(m, "mergefield-syntax")) != 1 {
		t.Error("Lint did not run after the typing paused")
	}
}

// TestGridRowFindings: a finding about a grid cell outlines that entry and
// shows under its row, and going to it focuses the cell, in the field and
// the parameter grids alike.
func TestGridRowFindings(t *testing.T) {
	m, _ := exampleWindow(t)

	ed := openMethod(t, m, "Create Webhook")
	row := ed.fields.response.rows[1]
	var outlined error
	row.connectorField.SetOnValidationChanged(func(err error) { outlined = err })
	retype(row.connectorField, "data..active")
	fs := findings(m, "connector-field-invalid")
	if len(fs) != 1 {
		t.Fatalf("findings %v", m.problems.findings)
	}
	if outlined == nil || !row.hint.Visible() || !strings.Contains(row.hint.Text, "Connector Field:") {
		t.Errorf("the row shows no finding: outlined=%v hint=%q", outlined, row.hint.Text)
	}
	m.goTo(fs[0].At)
	if m.win.Canvas().Focused() != row.connectorField {
		t.Errorf("going to the finding focused %T", m.win.Canvas().Focused())
	}
	at := fs[0].At
	at.Column = "Data Type"
	ed.fields.response.focus(at)
	if m.win.Canvas().Focused() != row.dataType {
		t.Errorf("focus for Data Type went to %T", m.win.Canvas().Focused())
	}

	ed = openMethod(t, m, "Delete Webhook")
	p := ed.params.grid.rows[0]
	outlined = nil
	p.targetName.SetOnValidationChanged(func(err error) { outlined = err })
	retype(p.targetName, "")
	if outlined == nil || len(findings(m, "parameter-name-empty")) != 1 {
		t.Errorf("an empty Target Name is not outlined: %v", m.problems.findings)
	}
}

// TestRenameKeepsWebhookReferences: a Webhook method's Create Webhook
// Method follows a rename of the method it names, keystroke by keystroke,
// also through an empty name; and a method renamed through another
// method's name on the way does not take that method's references.
func TestRenameKeepsWebhookReferences(t *testing.T) {
	m, _ := exampleWindow(t)
	refs := func() (string, string) {
		w := m.open.conn.Method("New Order")
		return w.CreateWebhookMethod, w.DeleteWebhookMethod
	}

	ed := openMethod(t, m, "Create Webhook")
	retype(ed.settings.name, "Register Webhook") // cleared first, then typed
	if c, d := refs(); c != "Register Webhook" || d != "Delete Webhook" {
		t.Errorf("after the rename New Order uses %q and %q, want Register Webhook and Delete Webhook", c, d)
	}
	retype(ed.settings.name, "Create Webhook")

	// A copy, renamed by deleting " copy" and typing " v2": on the way it
	// is called "Create Webhook", as the original is.
	m.onDuplicate()
	copyEd := m.methEd
	if got := copyEd.method().Name; got != "Create Webhook copy" {
		t.Fatalf("the copy is called %q", got)
	}
	name := "Create Webhook copy"
	for len(name) > len("Create Webhook") {
		name = name[:len(name)-1]
		copyEd.settings.name.SetText(name)
	}
	test.Type(copyEd.settings.name, " v2")
	if c, _ := refs(); c != "Create Webhook" {
		t.Errorf("after renaming the copy New Order uses %q, want the original Create Webhook", c)
	}

	// A name cleared, another method opened in between, and the name
	// typed again: the reference follows it back.
	ed = openMethod(t, m, "Create Webhook")
	ed.settings.name.SetText("")
	openMethod(t, m, "Create Order")
	ed = openMethod(t, m, "")
	test.Type(ed.settings.name, "Register Webhook")
	if c, _ := refs(); c != "Register Webhook" {
		t.Errorf("after a name cleared, left and typed again New Order uses %q, want Register Webhook", c)
	}
	// One the author pointed elsewhere since no longer follows.
	m.open.conn.Method("New Order").CreateWebhookMethod = "Create Order"
	retype(ed.settings.name, "Create Webhook")
	if c, _ := refs(); c != "Create Order" {
		t.Errorf("New Order, pointed at Create Order, now uses %q", c)
	}
}

// A Method Type changed away and back restores what it set aside, also
// when the author opened another method in between.
func TestMethodTypeBackRestoresRequest(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Delete Webhook")
	want := *ed.method()
	ed.settings.methodType.SetSelected(string(model.MethodWebhook))
	if got := ed.method(); got.HttpMethod != "" || got.Endpoint != "" {
		t.Fatalf("as a Webhook method: %q %q", got.HttpMethod, got.Endpoint)
	}
	openMethod(t, m, "Create Order")
	ed = openMethod(t, m, "Delete Webhook")
	ed.settings.methodType.SetSelected(string(model.MethodAction))
	if got := ed.method(); got.HttpMethod != want.HttpMethod || got.Endpoint != want.Endpoint || got.DataType != want.DataType {
		t.Errorf("back to an Action: %q %q %q, want %q %q %q", got.HttpMethod, got.Endpoint, got.DataType, want.HttpMethod, want.Endpoint, want.DataType)
	}
}

// A finding on a Response Format row of a method made a Webhook: the
// rows are kept and checked, so the grid stays, and a click on the
// finding reaches the row.
func TestLint_WebhookResponseFormatInReach(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Create Order")
	ed.selectTab(tabFieldMappings)
	ed.fields.grids.Select(ed.fields.responseItem)
	cell := ed.fields.response.rows[0].connectorField
	retype(cell, "data..id") // a typo, then the type changes
	ed.selectTab(tabSettings)
	ed.settings.methodType.SetSelected(string(model.MethodWebhook))
	fs := findings(m, "connector-field-invalid")
	if len(fs) != 1 {
		t.Fatalf("findings %v", m.problems.findings)
	}
	m.goTo(fs[0].At) // a click on it in Problems
	if m.win.Canvas().Focused() != cell {
		t.Errorf("%s\nclick: grid %q shown (of %d), focus %v; the row is not on screen",
			fs[0], ed.fields.grids.Selected().Text, len(ed.fields.grids.Items), m.win.Canvas().Focused())
	}
	// Its rows deleted, the grid goes, and the note no longer asks for it.
	ed.selectTab(tabFieldMappings)
	ed.fields.grids.Select(ed.fields.responseItem)
	for i := range ed.fields.response.rows {
		ed.fields.response.view.sel[i] = true
	}
	ed.fields.response.onDeleteSelected()
	if len(ed.fields.grids.Items) != 1 || strings.Contains(ed.fields.webhookNote.Text, "delete them") {
		t.Errorf("after its rows went: %d grids, note %q", len(ed.fields.grids.Items), ed.fields.webhookNote.Text)
	}
}

// TestLint_ScriptSyntax: a script that does not parse, or a handler that
// is never called, is a problem in the list with its line, without
// pressing Check; off the window's goroutine when lint waits for a pause.
func TestLint_ScriptSyntax(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Delete Webhook")
	ed.selectTab(tabScript)
	ed.script.editor.SetText("function after_action() {\n  return }}\n")
	fs := findings(m, "script-syntax")
	if len(fs) != 1 || fs[0].At.Line != 2 || fs[0].At.Method != "Delete Webhook" || fs[0].At.Tab != model.TabScript {
		t.Fatalf("problems %v, want a script-syntax finding on the Delete Webhook's line 2", m.problems.findings)
	}
	wantContains(t, "problems title", m.problems.title.Text, "1 error")

	// With a lint delay, the script is parsed off the window's goroutine
	// and lint runs again after. (An hour: lint runs when called below,
	// not from a timer.)
	m.lintDelay = time.Hour
	ed.script.editor.SetText("// checked off the window's goroutine\nfunction afterAction() {}\n")
	m.lintTimer.Stop()
	m.lint()
	m.scriptRounds.Wait()
	m.lintTimer.Stop() // the round asked for a lint: this test runs it
	m.lint()
	fs = findings(m, "script-handler-misnamed")
	if len(fs) != 1 || fs[0].At.Line != 2 || len(findings(m, "script-syntax")) != 0 {
		t.Errorf("problems %v, want only the misnamed after_action on line 2", m.problems.findings)
	}
}

// TestSaveCountsScriptErrors: a save right after an edit, before lint's
// pause is over, counts a script that does not parse in what it says.
func TestSaveCountsScriptErrors(t *testing.T) {
	m, _ := exampleWindow(t)
	m.lintDelay = time.Hour // no lint of its own before the save
	ed := openMethod(t, m, "Delete Webhook")
	ed.script.editor.SetText("// saved at once\nfunction after_action() {\n  return }}\n")
	m.lintTimer.Stop()
	test.Tap(m.tools.save)
	m.scriptRounds.Wait()
	wantContains(t, "status", m.status.Text, "1 error")
	if fs := findings(m, "script-syntax"); len(fs) != 1 || fs[0].At.Line != 3 {
		t.Errorf("problems %v, want the script's syntax error on line 3", m.problems.findings)
	}
}

// TestStepDetailShowsItsNote: a step that passed without doing all it
// does (a delivery a script filtered out) shows its note.
func TestStepDetailShowsItsNote(t *testing.T) {
	test.NewTempApp(t)
	note := "method 'New Order' script, after_webhook returned false: the event was filtered out, and nothing was mapped"
	box := stepDetail(nil, &engine.Step{Name: "Receive delivery", OK: true, Note: note}).(*fyne.Container)
	for _, o := range box.Objects {
		if l, ok := o.(*widget.Label); ok && l.Text == note && l.Importance == widget.WarningImportance {
			return
		}
	}
	t.Errorf("the step's detail does not show its note: %v", box.Objects)
}

// Generate Fields on a Create Webhook Method's Response Format that maps
// nothing to Cyclr_Webhook_Id offers the shallowest id mapped to it; on
// another method's, and once one is mapped, nothing is.
func TestGenerateFields_WebhookID(t *testing.T) {
	m, _ := exampleWindow(t)
	const sample = `{"data": {"id": "wh_1", "owner": {"id": 3}, "items": [{"id": 4}]}, "status": "ok"}`
	generated := func(method string, edit func(*model.Method)) map[string]string {
		ed := openMethod(t, m, method)
		if edit != nil {
			edit(ed.method())
		}
		ed.selectTab(tabFieldMappings)
		g := ed.fields.response
		test.Tap(g.generate)
		g.gen.sample.SetText(sample)
		out := map[string]string{}
		for _, f := range g.gen.found {
			out[f.ConnectorField] = f.SystemField
		}
		g.gen.dlg.Hide()
		return out
	}
	got := generated("Create Webhook", func(m *model.Method) { m.ResponseFormat.Fields = nil })
	if got["data.id"] != model.SystemFieldWebhookID || got["data.owner.id"] != "" || got["data.[items].id"] != "" {
		t.Errorf("Create Webhook without an id mapped: %v", got)
	}
	if got := generated("Create Webhook", func(m *model.Method) {
		m.ResponseFormat.Fields = []model.Field{{ConnectorField: "id", SystemField: model.SystemFieldWebhookID, DataType: model.FieldText}}
	}); got["data.id"] != "" {
		t.Errorf("Create Webhook with its id mapped already: %v", got)
	}
	if got := generated("Create Order", nil); got["data.id"] != "" {
		t.Errorf("Create Order, which creates no webhook: %v", got)
	}
}
