package ui

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

func TestSidebar_IconsDimmingAndFilter(t *testing.T) {
	a := test.NewTempApp(t)
	st, _ := newStore(t)
	c := seedExample(t, st, "Example")
	seedExample(t, st, "Other")
	m := newWindow(t, a, st)
	key := storedKey(c.ID)

	node := func(j int) (*widget.Label, *widget.Icon) {
		o := m.sidebar.createNode(false)
		m.sidebar.updateNode(nodeID(key, j), false, o)
		box := o.(*fyne.Container)
		return box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Icon)
	}
	create, createIcon := node(0) // hidden Action
	order, orderIcon := node(2)   // Action
	_, hookIcon := node(3)        // Webhook
	if create.Importance != widget.LowImportance || order.Importance == widget.LowImportance {
		t.Errorf("importance: hidden %v, shown %v; want the hidden method dimmed", create.Importance, order.Importance)
	}
	if orderIcon.Resource.Name() != theme.MailSendIcon().Name() || hookIcon.Resource.Name() != theme.DownloadIcon().Name() {
		t.Errorf("icons: Action %q, Webhook %q; want them told apart", orderIcon.Resource.Name(), hookIcon.Resource.Name())
	}
	if createIcon.Resource.Name() == orderIcon.Resource.Name() {
		t.Error("the hidden Action's icon is not dimmed")
	}

	shortcut(m, shortcutFilter)
	if m.win.Canvas().Focused() != m.sidebar.filter {
		t.Fatal("Ctrl+F did not focus the filter")
	}
	test.Type(m.sidebar.filter, "webhook")
	var shown []string
	for _, id := range m.sidebar.childUIDs("") {
		for _, mid := range m.sidebar.childUIDs(id) {
			shown = append(shown, nodeText(m, mid))
		}
	}
	// Both connectors have the two webhook methods.
	want := []string{"Create Webhook", "Delete Webhook", "Create Webhook", "Delete Webhook"}
	if !reflect.DeepEqual(shown, want) {
		t.Errorf("filtered on webhook: %q, want %q", shown, want)
	}
	retype(m.sidebar.filter, "other")
	if ids := m.sidebar.childUIDs(""); len(ids) != 1 || len(m.sidebar.childUIDs(ids[0])) != 4 {
		t.Errorf("filtered on a connector's name: %v; want it with all its methods", ids)
	}
}

func TestScriptTab(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Delete Webhook")
	ed.selectTab(tabScript)
	sc := ed.script
	if !sc.editor.TextStyle.Monospace {
		t.Error("the script editor is not monospace")
	}

	tapButton(t, ed.items[tabScript].Content, "before_action")
	wantContains(t, "script", sc.editor.Text, "function before_action() {")
	if ed.method().Script != sc.editor.Text {
		t.Error("the inserted stub did not reach the method")
	}
	// Inside the stub, before "return true;", add a line reading the id.
	sc.editor.CursorRow, sc.editor.CursorColumn = 3, 4
	tapButton(t, ed.items[tabScript].Content, "method_request_parameters")
	test.Type(sc.editor, ".Cyclr_Webhook_Id;\n    ")
	wantContains(t, "script", sc.editor.Text, "    method_request_parameters.Cyclr_Webhook_Id;\n    return true;")
	test.Tap(sc.check)
	if sc.result.Text != "No syntax errors." {
		t.Errorf("Check says %q, want no syntax errors", sc.result.Text)
	}
	if len(m.problems.findings) != 0 {
		t.Errorf("problems: %v; the parameter exists, so none", m.problems.findings)
	}

	// A second click on the event goes to the handler instead of adding another.
	tapButton(t, ed.items[tabScript].Content, "before_action")
	if strings.Count(sc.editor.Text, "function before_action") != 1 {
		t.Error("clicking an event twice defined its handler twice")
	}

	// A syntax error: Check says where, and the cursor goes there.
	typeAtEnd(sc.editor, "function after_action( {\n")
	test.Tap(sc.check)
	wantContains(t, "Check", sc.result.Text, "line 8")
	if sc.editor.CursorRow != 7 {
		t.Errorf("the cursor is on row %d, want the error's line 8", sc.editor.CursorRow+1)
	}

	// A script reading a parameter the method lacks gets a finding by line.
	ed.method().Parameters = nil
	sc.editor.SetText("function before_action() {\n  return !!method_request_parameters.Cyclr_Webhook_Id;\n}\n")
	if f := findings(m, "script-unknown-parameter"); len(f) != 1 || f[0].At.Line != 2 {
		t.Fatalf("findings %v, want script-unknown-parameter on line 2", m.problems.findings)
	}
	wantContains(t, "hint under the script", sc.findings.Text, "line 2: ")
}

// TestScriptTabEvents offers a method the events of its type: an Action's
// for an Action, a Webhook's for a Webhook, following a change of type;
// the connector's script offers them all.
func TestScriptTabEvents(t *testing.T) {
	m, _ := exampleWindow(t)
	shown := func(sc *scriptTab) []string {
		var out []string
		for _, b := range sc.events {
			if b.Visible() {
				out = append(out, b.Text)
			}
		}
		return out
	}
	want := func(what string, got []string, names ...string) {
		t.Helper()
		if strings.Join(got, " ") != strings.Join(names, " ") {
			t.Errorf("%s offers %v, want %v", what, got, names)
		}
	}
	want("the connector's script", shown(m.connEd.script),
		"before_action", "after_action", "after_error", "before_webhook", "after_webhook")

	ed := openMethod(t, m, "Create Order")
	ed.selectTab(tabScript)
	want("an Action method", shown(ed.script), "before_action", "after_action", "after_error")
	ed.settings.methodType.SetSelected(string(model.MethodWebhook))
	want("the method made a Webhook", shown(ed.script), "before_webhook", "after_webhook")

	ed = openMethod(t, m, "New Order")
	ed.selectTab(tabScript)
	want("a Webhook method", shown(ed.script), "before_webhook", "after_webhook")

	// A handler of the other kind already in the script stays reachable.
	ed.script.editor.SetText("function after_action() {\n  return true;\n}\n")
	ed.selectTab(tabSettings)
	ed.selectTab(tabScript)
	want("a Webhook method with an after_action handler", shown(ed.script), "after_action", "before_webhook", "after_webhook")
}

// tapButton taps the button with the given text inside root.
func tapButton(t *testing.T, root fyne.CanvasObject, text string) {
	t.Helper()
	for _, obj := range test.LaidOutObjects(root) {
		if b, ok := obj.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no button %q", text)
}

// TestTabOrder follows the keyboard from a method's Name through its
// Settings in the order they are laid out.
func TestTabOrder(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Create Order")
	s := ed.settings
	want := []fyne.Focusable{s.name, s.category, s.description, s.methodType, s.httpMethod, s.dataType, s.endpoint, s.ignoreAuth, s.hide}
	c := m.win.Canvas()
	c.Focus(s.name)
	for i := 1; i < len(want); i++ {
		if want[i-1] == s.description {
			// A multi-line entry takes Tab itself; Ctrl+Tab or a click moves on.
			c.Focus(want[i])
			continue
		}
		test.FocusNext(c)
		if c.Focused() != want[i] {
			t.Fatalf("Tab from field %d went to %T, want field %d", i-1, c.Focused(), i)
		}
	}
}

// A brief acknowledgment ("Response copied.") gives the status line back
// after a moment, unless something else was said meanwhile.
func TestBriefStatus(t *testing.T) {
	a := test.NewTempApp(t)
	st, _ := newStore(t)
	m := newWindow(t, a, st)
	var due []func()
	m.later = func(d time.Duration, f func()) {
		if d != briefStatusFor {
			t.Errorf("later after %s", d)
		}
		due = append(due, f)
	}
	fyne.DoAndWait(func() {
		m.briefStatus("%s copied.", "Response")
		if m.status.Text != "Response copied." {
			t.Errorf("status %q", m.status.Text)
		}
		due[0]()
		if m.status.Text != "Ready." {
			t.Errorf("status %q once the moment is over: the brief message stayed", m.status.Text)
		}
		m.briefStatus("Request copied.")
		m.setStatus(widget.SuccessImportance, "Saved %q.", "X")
		due[1]()
		if m.status.Text != `Saved "X".` {
			t.Errorf("status %q: a message said after the brief one was replaced", m.status.Text)
		}
	})
}

// A hint that mixes errors and warnings, red as a whole, says which each
// labelled line is; one of a single kind does not repeat it.
func TestHintSaysWhichLinesAreWarnings(t *testing.T) {
	test.NewTempApp(t)
	h := widget.NewLabel("")
	byLine := func(f model.Finding) string { return fmt.Sprintf("line %d", f.At.Line) }
	showHint(h, []model.Finding{
		{Severity: model.SeverityError, At: model.Location{Line: 1}, Message: "does not parse"},
		{Severity: model.SeverityWarning, At: model.Location{Line: 4}, Message: "never runs"},
	}, byLine)
	if want := "line 1, error: does not parse\nline 4, warning: never runs"; h.Text != want || h.Importance != widget.DangerImportance {
		t.Errorf("mixed: %q (importance %v), want %q", h.Text, h.Importance, want)
	}
	showHint(h, []model.Finding{{Severity: model.SeverityWarning, At: model.Location{Line: 4}, Message: "never runs"}}, byLine)
	if want := "line 4: never runs"; h.Text != want || h.Importance != widget.WarningImportance {
		t.Errorf("warnings alone: %q (importance %v), want %q", h.Text, h.Importance, want)
	}
}

// A connector another Patchbay saves (the command line's import) shows in
// the sidebar when the window next looks at the store, and one it deletes
// goes; the connector open here stays open.
func TestShowStored(t *testing.T) {
	m, st := exampleWindow(t)
	look := func() {
		list, err := st.ListConnectors(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		fyne.DoAndWait(func() { m.showStored(list) })
	}
	shown := func() string {
		var markup string
		fyne.DoAndWait(func() { markup = test.RenderToMarkup(m.win.Canvas()) })
		return markup
	}
	seedExample(t, st, "Imported Elsewhere")
	if strings.Contains(shown(), "Imported Elsewhere") {
		t.Fatal("the sidebar shows the new connector before the window looked")
	}
	look()
	if !strings.Contains(shown(), "Imported Elsewhere") {
		t.Error("the sidebar does not show a connector saved by another Patchbay")
	}
	if err := st.DeleteConnector(context.Background(), "Imported Elsewhere"); err != nil {
		t.Fatal(err)
	}
	look()
	if markup := shown(); strings.Contains(markup, "Imported Elsewhere") || m.open == nil || m.open.storedName != "Example" {
		t.Errorf("after a delete elsewhere: the sidebar still shows it, or the open connector changed (%v)", m.open)
	}
}

// A new method made while the filter hides its name is shown: the filter
// is cleared rather than the new method left out of the sidebar.
func TestNewMethodShownUnderAFilter(t *testing.T) {
	m, _ := exampleWindow(t)
	openMethod(t, m, "Create Order")
	test.Type(m.sidebar.filter, "order")
	if m.sidebar.shows(nodeID(m.open.key, len(m.open.conn.Methods))) {
		t.Fatal("a method not made yet is shown")
	}
	m.onNewMethod()
	id := nodeID(m.open.key, len(m.open.conn.Methods)-1)
	if !m.sidebar.shows(id) || m.sidebar.filter.Text != "" || m.sidebar.selected != id {
		t.Errorf("the new method: shown %t, filter %q, selected %q", m.sidebar.shows(id), m.sidebar.filter.Text, m.sidebar.selected)
	}
}

// A connector renamed to another stored connector's name is a problem at
// once, before Save refuses it.
func TestConnectorNameTakenIsAProblem(t *testing.T) {
	a := test.NewTempApp(t)
	st, _ := newStore(t)
	seedExample(t, st, "Acme")
	seedExample(t, st, "Acme copy")
	m := newWindow(t, a, st)
	m.openStored(storedKey(m.stored[1].ID), -1)
	if m.open.conn.Name != "Acme copy" || m.connEd == nil {
		t.Fatalf("opened %q", m.open.conn.Name)
	}
	retype(m.connEd.name, "Acme")
	if fs := findings(m, "connector-name-taken"); len(fs) != 1 || fs[0].At.Where() != "Connector › Settings › Name" {
		t.Errorf("problems %v, want the name taken", m.problems.findings)
	}
	retype(m.connEd.name, "Acme 2")
	if fs := findings(m, "connector-name-taken"); len(fs) != 0 {
		t.Errorf("problems %v after another name", fs)
	}
}

// The status line speaks of what is shown: moving to another method
// leaves "Ready.", and a method duplicated or deleted says so.
func TestStatusFollowsTheView(t *testing.T) {
	m, _ := exampleWindow(t)
	openMethod(t, m, "Create Order")
	m.setStatus(widget.DangerImportance, "Create Order failed: 400")
	openMethod(t, m, "New Order")
	if m.status.Text != "Ready." || m.status.Importance != widget.MediumImportance {
		t.Errorf("after moving on: %q", m.status.Text)
	}
	m.onDuplicate()
	if want := `Duplicated as "New Order copy" (not saved yet).`; m.status.Text != want {
		t.Errorf("after Duplicate: %q, want %q", m.status.Text, want)
	}
	m.onDelete()
	confirmDialog(t, m, true)
	if want := `Deleted the method "New Order copy" (not saved yet).`; m.status.Text != want {
		t.Errorf("after Delete: %q, want %q", m.status.Text, want)
	}
}

// TestAccountValuesSetElsewhereShown: a value another Patchbay set
// ('patchbay set') shows in the open connector's Account Values at the
// window's next look, as what the next run uses, and is no edit; a value
// typed here and not saved stays as typed.
func TestAccountValuesSetElsewhereShown(t *testing.T) {
	m, st := exampleWindow(t)
	fyne.DoAndWait(func() {
		m.sidebar.tree.Select(m.open.key) // the connector's editor
		m.connEd.tabs.SelectIndex(connTabAccount)
		test.Type(m.connEd.account.entries[model.SystemFieldAuthAPIKey], "-typed")
	})
	st.SetAccountValues(context.Background(), "Example", map[string]string{"BaseUrl": "http://127.0.0.1:9999", model.SystemFieldAuthAPIKey: "set-elsewhere"})
	m.lookAtStore()
	fyne.DoAndWait(func() {
		ce := m.connEd
		if got := ce.account.entries["BaseUrl"].Text; got != "http://127.0.0.1:9999" {
			t.Errorf("BaseUrl shows %q", got)
		}
		if got := ce.account.entries[model.SystemFieldAuthAPIKey].Text; !strings.HasSuffix(got, "-typed") || m.open.account[model.SystemFieldAuthAPIKey] != got {
			t.Errorf("the typed key shows %q, is %q", got, m.open.account[model.SystemFieldAuthAPIKey])
		}
		if ch := m.open.accountChanges(); len(ch) != 1 || ch[model.SystemFieldAuthAPIKey] == "" {
			t.Errorf("changes to save %v, want only the typed key", ch)
		}
	})
}

// saveMidRead is a store whose account values, once, are read just
// before the window saves: the values it returns are older than the save.
type saveMidRead struct {
	model.Connectors
	during func()
}

func (s *saveMidRead) AccountValues(ctx context.Context, name string) (map[string]string, error) {
	v, err := s.Connectors.AccountValues(ctx, name)
	if d := s.during; d != nil {
		s.during = nil
		d()
	}
	return v, err
}

// TestAccountValuesReadBeforeASaveHere: values the watcher read before the
// author saved here are older than the window's, and are not taken.
func TestAccountValuesReadBeforeASaveHere(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	mid := &saveMidRead{Connectors: st}
	m := newWindow(t, test.NewTempApp(t), mid)
	fyne.DoAndWait(func() {
		m.sidebar.tree.Select(m.open.key)
		test.Type(m.connEd.account.entries["BaseUrl"], "9")
	})
	typed := m.open.account["BaseUrl"]
	mid.during = func() { fyne.DoAndWait(func() { m.save() }) }
	m.lookAtStore()
	fyne.DoAndWait(func() {
		if got := m.open.account["BaseUrl"]; got != typed || m.connEd.account.entries["BaseUrl"].Text != typed {
			t.Errorf("BaseUrl %q after a save during the look, want %q as typed and saved", got, typed)
		}
	})
}
