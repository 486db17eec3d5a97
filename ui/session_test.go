package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"patchbay/model/store"
)

// TestUnsavedChanges_AskBeforeSwitch edits one connector and tries to
// leave it for another: Cancel stays, Discard drops the edit, Save keeps it.
func TestUnsavedChanges_AskBeforeSwitch(t *testing.T) {
	ctx := context.Background()
	a := test.NewTempApp(t)
	st, _ := newStore(t)
	alpha := seedExample(t, st, "Alpha")
	beta := seedExample(t, st, "Beta")
	m := newWindow(t, a, st)
	if m.open == nil || m.open.conn.Name != "Alpha" {
		t.Fatalf("the window opened %v, want the first connector, Alpha", m.open)
	}
	if !m.tools.save.Disabled() {
		t.Error("Save is enabled with nothing changed")
	}

	typeAtEnd(m.connEd.apiVersion, ".1")
	if !m.open.dirty || !strings.HasPrefix(m.win.Title(), "• Alpha") {
		t.Errorf("after an edit: dirty %v, title %q; want marked", m.open.dirty, m.win.Title())
	}
	if got := nodeText(m, storedKey(alpha.ID)); got != "Alpha •" {
		t.Errorf("the sidebar shows %q, want \"Alpha •\"", got)
	}
	if m.tools.save.Disabled() {
		t.Error("Save is disabled with a change to save")
	}

	// Cancel: still on Alpha, edit and all, and the sidebar says so.
	m.sidebar.tree.Select(storedKey(beta.ID))
	if m.ask == nil {
		t.Fatal("switching away from an edited connector did not ask")
	}
	test.Tap(m.ask.cancel)
	if m.open.conn.Name != "Alpha" || m.open.conn.ApiVersion != "1.1" || !m.open.dirty {
		t.Errorf("after Cancel: open %q, version %q, dirty %v; want Alpha as edited", m.open.conn.Name, m.open.conn.ApiVersion, m.open.dirty)
	}
	if m.sidebar.selected != storedKey(alpha.ID) {
		t.Errorf("after Cancel the sidebar selects %q, want Alpha", m.sidebar.selected)
	}

	// Discard: on Beta, and Alpha as stored.
	m.sidebar.tree.Select(storedKey(beta.ID))
	test.Tap(m.ask.discard)
	if m.open.conn.Name != "Beta" || m.open.dirty {
		t.Errorf("after Discard: open %q dirty %v; want Beta, unchanged", m.open.conn.Name, m.open.dirty)
	}
	if got, _ := st.LoadConnector(ctx, "Alpha"); got.ApiVersion != "1" {
		t.Errorf("Alpha's stored version is %q after Discard, want 1", got.ApiVersion)
	}

	// Save: the edit to Beta is stored, and Alpha opens.
	typeAtEnd(m.connEd.apiVersion, ".2")
	m.sidebar.tree.Select(nodeID(storedKey(alpha.ID), 0))
	test.Tap(m.ask.save)
	if got, _ := st.LoadConnector(ctx, "Beta"); got.ApiVersion != "1.2" {
		t.Errorf("Beta's stored version is %q after Save, want 1.2", got.ApiVersion)
	}
	if m.open.conn.Name != "Alpha" || m.methEd == nil || m.methEd.index != 0 {
		t.Error("after Save the method clicked did not open")
	}

	// Moving between one connector's methods does not ask.
	typeAtEnd(m.methEd.settings.description, "!")
	m.sidebar.tree.Select(nodeID(storedKey(alpha.ID), 1))
	if m.ask != nil || m.methEd.index != 1 || !m.open.dirty {
		t.Error("moving to another method of the edited connector asked or lost the edit")
	}
}

// TestUnsavedChanges_AskBeforeClose asks before the window closes with
// changes, and remembers its size and the open connector when it does.
func TestUnsavedChanges_AskBeforeClose(t *testing.T) {
	a := test.NewTempApp(t)
	st, path := newStore(t)
	seedExample(t, st, "Alpha")
	seedExample(t, st, "Beta")
	m := newWindow(t, a, st)
	m.sidebar.tree.Select(storedKey(m.stored[1].ID))
	typeAtEnd(m.connEd.description, " Edited.")
	m.win.Resize(fyne.NewSize(1111, 777))

	m.onCloseRequested()
	if m.ask == nil {
		t.Fatal("closing with changes did not ask")
	}
	test.Tap(m.ask.save)
	if got, _ := st.LoadConnector(context.Background(), "Beta"); !strings.HasSuffix(got.Description, " Edited.") {
		t.Errorf("Beta's description is %q after Save on close", got.Description)
	}
	prefs := a.Preferences()
	if w, h := prefs.Float(prefWidth), prefs.Float(prefHeight); w != 1111 || h != 777 {
		t.Errorf("remembered size %vx%v, want 1111x777", w, h)
	}

	m2 := newMainWindow(context.Background(), a, Deps{Store: openStore(t, path)})
	if m2.open == nil || m2.open.conn.Name != "Beta" {
		t.Errorf("the next window opened %v, want the last connector, Beta", m2.open)
	}
	if size := m2.win.Canvas().Size(); size.Width != 1111 || size.Height != 777 {
		t.Errorf("the next window is %v, want 1111x777", size)
	}
}

func TestNewConnector_SaveDuplicateDelete(t *testing.T) {
	ctx := context.Background()
	a := test.NewTempApp(t)
	st, _ := newStore(t)
	m := newWindow(t, a, st)
	if !m.tools.newMethod.Disabled() || !m.tools.remove.Disabled() {
		t.Error("New method and Delete are enabled with no connector open")
	}

	shortcut(m, shortcutNewConnector)
	if m.open == nil || m.open.key != newKey || m.win.Canvas().Focused() != m.connEd.name {
		t.Fatal("New connector did not open an unsaved connector with the cursor in its Name")
	}
	if got := nodeText(m, newKey); got != "New connector •" {
		t.Errorf("the sidebar shows %q for the new connector", got)
	}
	m.connEd.name.SetText("")
	shortcut(m, shortcutSave)
	if m.win.Canvas().Overlays().Top() == nil || !m.open.dirty {
		t.Fatal("saving a connector without a name showed no error, or dropped the changes")
	}
	m.win.Canvas().Overlays().Top().Hide()
	retype(m.connEd.name, "Shop")
	shortcut(m, shortcutSave)
	list, _ := st.ListConnectors(ctx)
	if len(list) != 1 || list[0].Name != "Shop" || m.open.key != storedKey(list[0].ID) {
		t.Fatalf("after saving: store lists %v, open key %q", list, m.open.key)
	}

	shortcut(m, shortcutNewMethod)
	retype(m.methEd.settings.name, "List Orders")
	shortcut(m, shortcutDuplicate)
	if names := methodNames(m.open.conn); !names["List Orders"] || !names["List Orders copy"] || m.methEd.index != 1 {
		t.Errorf("after Duplicate the methods are %v, editing %d", names, m.methEd.index)
	}
	test.Tap(m.tools.remove)
	confirmDialog(t, m, true)
	if len(m.open.conn.Methods) != 1 || m.methEd != nil {
		t.Errorf("after deleting the copy: %d methods, method editor %v", len(m.open.conn.Methods), m.methEd)
	}
	shortcut(m, shortcutSave)

	test.Tap(m.tools.remove) // the connector itself
	confirmDialog(t, m, true)
	if list, _ := st.ListConnectors(ctx); len(list) != 0 || m.open != nil {
		t.Errorf("after deleting the connector: store lists %v, open %v", list, m.open)
	}
}

// confirmDialog answers the confirmation dialog on top of the window.
func confirmDialog(t *testing.T, m *MainWindow, yes bool) {
	t.Helper()
	top := m.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog is shown")
	}
	want := []string{"No", "Cancel"}
	if yes {
		want = []string{"Yes", "Delete"}
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && slices.Contains(want, b.Text) {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no %s button in the dialog", strings.Join(want, " or "))
}

// TestStartView: the window opens on the connector, method and tab the
// command line names, and says in the status line what it did not find.
func TestStartView(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	open := func(v StartView) *MainWindow {
		m := newMainWindow(context.Background(), test.NewTempApp(t), Deps{Store: st, Start: v})
		m.lintDelay = 0
		return m
	}
	m := open(StartView{Connector: "Example", Method: "New Order", Tab: "script"})
	if m.methEd == nil || m.methEd.method().Name != "New Order" || m.methEd.tabs.Selected().Text != "Script" {
		t.Errorf("opened %+v, want New Order's Script tab", m.methEd)
	}
	m = open(StartView{Connector: "Example", Method: "New Order", Tab: "Scrpit"})
	wantContains(t, "status", m.status.Text, `There is no tab "Scrpit"; the tabs are Settings, Rate Limits, Field Mappings, Parameters, Script, Test.`)
	m = open(StartView{Connector: "Example", Method: "Old Order"})
	wantContains(t, "status", m.status.Text, `"Example" has no method named "Old Order".`)
	m = open(StartView{Connector: "Exampel"})
	wantContains(t, "status", m.status.Text, `There is no connector named "Exampel".`)
}

// TestSaveOverAnotherPatchbaysSave: the connector was saved by another
// Patchbay since the window opened it. Save refuses once, saying why, and
// keeps the edits; Save again overwrites, as the author then chose.
func TestSaveOverAnotherPatchbaysSave(t *testing.T) {
	st, path := newStore(t)
	seedExample(t, st, "Example")
	m := newWindow(t, test.NewTempApp(t), st)
	other, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	c, err := other.LoadConnector(context.Background(), "Example")
	if err != nil {
		t.Fatal(err)
	}
	c.Description = "saved by the other Patchbay"
	if err := other.SaveConnector(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	m.open.conn.Description = "edited in the window"
	m.changed()
	if m.save() {
		t.Fatal("the save over the other Patchbay's went through")
	}
	if !m.open.dirty || m.open.conn.Description != "edited in the window" {
		t.Error("the refused save lost the window's edit")
	}
	if top := m.win.Canvas().Overlays().Top(); top == nil {
		t.Error("no message about the other save")
	} else {
		var text string
		for _, o := range test.LaidOutObjects(top) {
			if l, ok := o.(*widget.Label); ok {
				text += l.Text
			}
		}
		wantContains(t, "the message", text, "saved from another window or Patchbay since it was opened here")
		top.Hide()
	}
	if !m.save() {
		t.Fatal("the second save did not overwrite")
	}
	if got, _ := other.LoadConnector(context.Background(), "Example"); got.Description != "edited in the window" {
		t.Errorf("stored %q after the second save", got.Description)
	}
}

// Ctrl+S with nothing changed, after another Patchbay saved the
// connector, writes nothing: the other's save stays.
func TestSaveWithNothingChanged(t *testing.T) {
	ctx := context.Background()
	st, path := newStore(t)
	seedExample(t, st, "Example")
	m := newWindow(t, test.NewTempApp(t), st)
	if !m.tools.save.Disabled() {
		t.Fatal("the Save button is enabled with nothing changed")
	}
	if !m.tools.saveItem.Disabled {
		t.Error("File › Save (Ctrl+S) is enabled with nothing changed, though the Save button is not")
	}
	other, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	c, _ := other.LoadConnector(ctx, "Example")
	c.Description = "saved by the other Patchbay"
	if err := other.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	shortcut(m, shortcutSave) // nothing changed here
	if top := m.win.Canvas().Overlays().Top(); top != nil {
		top.Hide()
	}
	shortcut(m, shortcutSave)
	if got, _ := other.LoadConnector(ctx, "Example"); got.Description != "saved by the other Patchbay" {
		t.Errorf("Ctrl+S twice with nothing changed here overwrote the other Patchbay's save: description now %q", got.Description)
	}
}

// A shortcut does nothing while a dialog is open: the dialog's question is
// about what was open when it was asked. Ctrl+Shift+N under "Delete
// method" used to open a new connector, and Yes then deleted out of it
// and ended the window.
func TestShortcutsWaitForTheDialog(t *testing.T) {
	m, _ := exampleWindow(t)
	openMethod(t, m, "Delete Webhook")
	m.onDelete()
	danger := false // the delete is the button marked as a danger, not Yes
	for _, o := range test.LaidOutObjects(m.win.Canvas().Overlays().Top()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Delete" && b.Importance == widget.DangerImportance {
			danger = true
		}
	}
	if !danger {
		t.Error("the delete dialog has no Delete button marked as a danger")
	}
	shortcut(m, shortcutNewConnector)
	if m.open == nil || m.open.storedName != "Example" {
		t.Fatalf("a shortcut under the dialog opened %v", m.open)
	}
	confirmDialog(t, m, true)
	if m.open.conn.Method("Delete Webhook") != nil || len(m.open.conn.Methods) != 3 {
		t.Errorf("methods after Yes: %v, want Delete Webhook gone", m.open.conn.Methods)
	}
	// Without a dialog, the shortcut works: it asks about the unsaved
	// delete first.
	shortcut(m, shortcutNewConnector)
	if m.win.Canvas().Overlays().Top() == nil {
		t.Error("with no dialog open, New connector's shortcut did nothing")
	}
}

// Escape answers a dialog as its Cancel; Return takes an error's OK and
// never a delete.
func TestDialogKeys(t *testing.T) {
	m, _ := exampleWindow(t)
	openMethod(t, m, "Delete Webhook")
	key := func(name fyne.KeyName) { m.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: name}) }
	before := m.win.Canvas().OnTypedKey()

	m.onDelete()
	key(fyne.KeyReturn)
	if m.win.Canvas().Overlays().Top() == nil || m.open.conn.Method("Delete Webhook") == nil {
		t.Fatal("Return answered the delete")
	}
	key(fyne.KeyEscape)
	if m.win.Canvas().Overlays().Top() != nil || m.open.conn.Method("Delete Webhook") == nil {
		t.Fatal("Escape did not cancel the delete")
	}
	m.showError(errors.New("something went wrong"))
	key(fyne.KeyReturn)
	if m.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Return did not close the error")
	}
	if after := m.win.Canvas().OnTypedKey(); (before == nil) != (after == nil) {
		t.Error("the window's own keys did not come back")
	}
}

// Escape with the cursor in Generate Fields' sample box closes the dialog.
func TestGenerateFieldsEscape(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Create Order")
	ed.selectTab(tabFieldMappings)
	g := ed.fields.response
	test.Tap(g.generate)
	test.Type(g.gen.sample, `{"id": 1}`)
	g.gen.sample.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if m.win.Canvas().Overlays().Top() != nil {
		t.Error("Escape in the sample box did not close Generate Fields")
	}
}
