package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"patchbay/model"
)

// failingDelete is a store whose DeleteConnector fails.
type failingDelete struct{ model.Connectors }

func (failingDelete) DeleteConnector(context.Context, string) error {
	return errors.New("database is locked")
}

// An error shown for a delete the store refuses takes Escape: the delete
// question gives the keys back before the delete runs.
func TestErrorAfterDeleteTakesEscape(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	m := newWindow(t, test.NewTempApp(t), failingDelete{st})
	m.onDelete() // the connector is shown: Delete connector
	confirmDialog(t, m, true)
	if m.win.Canvas().Overlays().Top() == nil {
		t.Fatal("no error shown")
	}
	if h := m.win.Canvas().OnTypedKey(); h != nil {
		h(&fyne.KeyEvent{Name: fyne.KeyEscape})
	}
	if m.win.Canvas().Overlays().Top() != nil {
		t.Error("Escape did not close the error shown after Delete")
	}
}

// A Webhook method duplicated after its Create Webhook Method was renamed
// follows the next rename too.
func TestRenameAfterDuplicateOfWebhook(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Create Webhook")
	retype(ed.settings.name, "Register")
	openMethod(t, m, "New Order")
	m.onDuplicate() // "New Order copy" names Register too
	ed = openMethod(t, m, "Register")
	retype(ed.settings.name, "Register Hook")
	for _, w := range []string{"New Order", "New Order copy"} {
		if got := m.open.conn.Method(w).CreateWebhookMethod; got != "Register Hook" {
			t.Errorf("%s's Create Webhook Method is %q, want Register Hook", w, got)
		}
	}
}

// A reference the author pointed at another method is not taken back when
// the renamed method's name passes through that method's name.
func TestRenameThroughRepointedName(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Create Webhook")
	retype(ed.settings.name, "Register")
	w := openMethod(t, m, "New Order")
	w.settings.createWebhook.SetSelected("Create Order")
	ed = openMethod(t, m, "Register")
	retype(ed.settings.name, "Create Order 2") // typed key by key: "Create Order" on the way
	if got := m.open.conn.Method("New Order").CreateWebhookMethod; got != "Create Order" {
		t.Errorf("New Order, pointed at Create Order, now uses %q", got)
	}
}

// A connector another Patchbay saves under the name typed here is a
// problem as soon as the window sees it, not at the next edit.
func TestNameTakenElsewhere(t *testing.T) {
	m, st := exampleWindow(t)
	retype(m.connEd.name, "Other")
	seedExample(t, st, "Other") // another Patchbay
	list, _ := st.ListConnectors(context.Background())
	m.showStored(list)
	if len(findings(m, "connector-name-taken")) != 1 {
		t.Errorf("no connector-name-taken after another Patchbay saved %q", "Other")
	}
}

// A list the watcher read before a save here is not shown after it: it
// would take the connector just saved out of the sidebar.
func TestStaleListAfterSave(t *testing.T) {
	m, st := exampleWindow(t)
	gen := m.listGen.Load()
	stale, _ := st.ListConnectors(context.Background()) // the watcher's read
	m.onNewConnector()
	retype(m.connEd.name, "Fresh")
	m.onSave()
	if m.listGen.Load() == gen { // its fyne.Do, run after the save
		m.showStored(stale)
	}
	for _, s := range m.stored {
		if s.Name == "Fresh" {
			return
		}
	}
	t.Errorf("the connector just saved is gone from m.stored: %v", m.stored)
}

// The open connector renamed elsewhere, and another saved under its old
// name: Delete here deletes the open one, not that other.
func TestDeleteAfterRenameElsewhere(t *testing.T) {
	ctx := context.Background()
	m, st := exampleWindow(t)
	c, _ := st.LoadConnector(ctx, "Example") // another Patchbay renames it
	c.Name = "Example renamed"
	if err := st.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	seedExample(t, st, "Example") // and saves a new one under the old name
	list, _ := st.ListConnectors(ctx)
	m.showStored(list)
	m.onDelete()
	confirmDialog(t, m, true)
	if _, err := st.LoadConnector(ctx, "Example"); err != nil {
		t.Errorf("deleting the connector open here deleted the other one: %v", err)
	}
}

// Ctrl+S keeps a filter that hides the method open.
func TestSaveKeepsFilter(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "Create Order")
	typeAtEnd(ed.settings.description, "x")
	test.Type(m.sidebar.filter, "webhook")
	shortcut(m, shortcutSave)
	if m.sidebar.filter.Text != "webhook" {
		t.Errorf("Save cleared the filter: %q", m.sidebar.filter.Text)
	}
}

// The open connector deleted by another Patchbay stays open as a new,
// unsaved connector, and the window says so; Save keeps it.
func TestOpenConnectorDeletedElsewhere(t *testing.T) {
	ctx := context.Background()
	m, st := exampleWindow(t)
	if err := st.DeleteConnector(ctx, "Example"); err != nil {
		t.Fatal(err)
	}
	list, _ := st.ListConnectors(ctx)
	m.showStored(list)
	if m.open == nil || m.open.key != newKey || m.open.storedName != "" || !m.open.dirty ||
		!strings.Contains(m.status.Text, `"Example" was deleted by another Patchbay: Save keeps it as a new connector`) {
		t.Fatalf("open %+v, status %q", m.open, m.status.Text)
	}
	if !m.save() {
		t.Fatal("Save refused")
	}
	if c, err := st.LoadConnector(ctx, "Example"); err != nil || len(c.Methods) != 4 {
		t.Errorf("after Save: %v, %v", c, err)
	}
}
