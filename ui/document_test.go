package ui

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"patchbay/assets"
	"patchbay/model"
)

// TestExportImport writes the open connector through Export… and reads it
// back through Import…, which asks before it replaces a connector.
func TestExportImport(t *testing.T) {
	ctx := context.Background()
	a := test.NewTempApp(t)
	st, _ := newStore(t)
	stored := seedExample(t, st, "Example")
	const secret = "whsec-stored-0001"
	planted := ""
	for i, p := range stored.Parameters {
		if p.IsSensitive {
			stored.Parameters[i].Values, planted = []string{secret}, p.TargetName
		}
	}
	if planted == "" {
		t.Fatal("the example has no Sensitive parameter")
	}
	if err := st.SaveConnector(ctx, stored); err != nil {
		t.Fatal(err)
	}
	m := newWindow(t, a, st)
	typeAtEnd(m.connEd.description, " Edited.")

	path := filepath.Join(t.TempDir(), "Example.json")
	w, err := storage.Writer(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	m.onExportChosen(w, nil)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the export wrote nothing: %v", err)
	}
	exported, err := model.Import(data)
	if err != nil {
		t.Fatalf("the export does not import: %v", err)
	}
	want := m.open.conn.Clone()
	want.ID = 0
	for i := range want.Methods {
		want.Methods[i].ID = 0 // the store's keys are not exported
	}
	for i := range want.Parameters {
		if want.Parameters[i].IsSensitive {
			want.Parameters[i].Values = nil // secrets stay behind
		}
	}
	if !reflect.DeepEqual(exported, want) {
		t.Errorf("exported %+v\nwant the connector as edited %+v", exported, want)
	}
	wantContains(t, "status", m.status.Text, "Exported")

	// Importing it asks about the unsaved edit, then to replace the stored
	// one.
	r, err := storage.Reader(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	m.onImportChosen(r, nil)
	if m.ask == nil {
		t.Fatal("the import did not ask about the unsaved edit")
	}
	test.Tap(m.ask.discard)
	confirmDialog(t, m, true)
	got, err := st.LoadConnector(ctx, "Example")
	if err != nil {
		t.Fatal(err)
	}
	if got.Description != want.Description {
		t.Errorf("after importing over it, the stored description is %q, want %q", got.Description, want.Description)
	}
	// The secret the export left out stays as it was stored.
	if p := findParam(got.Parameters, planted); p == nil || !reflect.DeepEqual(p.Values, []string{secret}) {
		t.Errorf("after importing over it, Sensitive %s is %+v, want its stored value kept", planted, p)
	}
	if list, _ := st.ListConnectors(ctx); len(list) != 1 {
		t.Errorf("the store lists %d connectors after replacing one, want 1", len(list))
	}
	if m.open == nil || m.open.conn.Name != "Example" || m.open.dirty {
		t.Error("the imported connector is not open and saved")
	}
}

// TestLongGridScrolls keeps a long grid inside the window.
func TestLongGridScrolls(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "New Order")
	ed.selectTab(tabFieldMappings)
	for range 80 {
		test.Tap(ed.fields.request.view.buttons.add)
	}
	if h := m.win.Content().MinSize().Height; h > 800 {
		t.Errorf("with 84 fields the window needs %v pixels of height; the grid should scroll instead", h)
	}
	if f := m.win.Canvas().Focused(); f != ed.fields.request.rows[83].connectorField {
		t.Errorf("focus is on %T, want the new row's Connector Field", f)
	}
	if off := ed.fields.request.view.scroll.Offset.Y; off <= 0 {
		t.Errorf("the grid did not scroll to the new row (offset %v)", off)
	}
}

func findParam(ps []model.Parameter, name string) *model.Parameter {
	for i := range ps {
		if ps[i].TargetName == name {
			return &ps[i]
		}
	}
	return nil
}

// TestImportAndDuplicateKeepWork: a bad import file changes nothing, not
// even the open connector with its unsaved edit; and Duplicate › Discard
// copies the connector as stored.
func TestImportAndDuplicateKeepWork(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	m := newWindow(t, test.NewTempApp(t), st)
	stored := m.open.conn.Description
	m.open.conn.Description = "edited, not saved"
	m.changed()

	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"Name": "Broken",`), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := storage.Reader(storage.NewFileURI(bad))
	if err != nil {
		t.Fatal(err)
	}
	m.onImportChosen(r, nil)
	if m.ask != nil {
		t.Error("a bad file asked about the unsaved edit")
	}
	if m.open == nil || m.open.conn.Description != "edited, not saved" || !m.open.dirty {
		t.Fatalf("after a bad import the open connector is %+v, want Example with its edit", m.open)
	}

	m.sidebar.tree.Select(m.open.key) // the connector itself
	m.onDuplicate()
	if m.ask == nil {
		t.Fatal("Duplicate did not ask about the unsaved edit")
	}
	test.Tap(m.ask.discard)
	if m.open == nil || m.open.conn.Name != "Example copy" || m.open.conn.Description != stored {
		t.Errorf("after Duplicate › Discard the open connector is %+v, want a copy of Example as stored", m.open)
	}
}

// TestDeleteMethodWarnsOfItsUsers: deleting a method a Webhook method
// creates or deletes its webhooks with says so, and counts the webhooks in
// the ledger still to be deleted with it.
func TestDeleteMethodWarnsOfItsUsers(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	if err := st.RecordWebhook(context.Background(), &model.WebhookRecord{Connector: "Example", Method: "New Order",
		DeleteMethod: "Delete Webhook", WebhookID: "7", URL: "http://127.0.0.1:1/hooks/x"}); err != nil {
		t.Fatal(err)
	}
	m := testWindow(t, st)
	openMethod(t, m, "Delete Webhook")
	m.onDelete()
	top := m.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no question asked")
	}
	var text string
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Label); ok {
			text += l.Text + "\n"
		}
	}
	for _, want := range []string{`Delete the method "Delete Webhook"?`, `The Webhook method "New Order" uses it`, "Still to be deleted with it: 1 webhook in the webhook ledger"} {
		if !strings.Contains(text, want) {
			t.Errorf("the question %q does not say %q", text, want)
		}
	}
	confirmDialog(t, m, false)

	// Renamed since the row was written: cleanup goes through New Order,
	// whose Delete Webhook Method followed the rename, so the row still
	// counts.
	ed := openMethod(t, m, "Delete Webhook")
	retype(ed.settings.name, "Remove Webhook")
	m.onDelete()
	text = ""
	for _, o := range test.LaidOutObjects(m.win.Canvas().Overlays().Top()) {
		if l, ok := o.(*widget.Label); ok {
			text += l.Text + "\n"
		}
	}
	if !strings.Contains(text, "Still to be deleted with it: 1 webhook") {
		t.Errorf("after a rename the question %q does not count the row", text)
	}
	confirmDialog(t, m, false)
}

// TestImportAfterSavingARename: the open connector, renamed and not saved,
// takes the imported one's name when its changes are saved: the import
// then asks to replace it, rather than failing on the name.
func TestImportAfterSavingARename(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	m := newWindow(t, test.NewTempApp(t), st)
	m.open.conn.Name = "Imported"
	m.changed()
	doc := strings.Replace(string(assets.ExampleConnector), `"Name": "Webhook Example"`, `"Name": "Imported"`, 1)
	file := filepath.Join(t.TempDir(), "imported.json")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := storage.Reader(storage.NewFileURI(file))
	if err != nil {
		t.Fatal(err)
	}
	m.onImportChosen(r, nil)
	if m.ask == nil {
		t.Fatal("the import did not ask about the unsaved rename")
	}
	test.Tap(m.ask.save)
	confirmDialog(t, m, true) // replace the one just saved under that name
	if list, _ := st.ListConnectors(context.Background()); len(list) != 1 || list[0].Name != "Imported" {
		t.Errorf("stored %+v, want one connector, the imported one", list)
	}
}

// TestExportRefusesAPastedKey: Export… of a connector whose script holds
// the account's API key says where it is, and asks for no file, so that
// no file is left empty.
func TestExportRefusesAPastedKey(t *testing.T) {
	m, _ := exampleWindow(t)
	const key = "sk_live_pasted_0001"
	m.open.account[model.SystemFieldAuthAPIKey] = key
	ed := openMethod(t, m, "Create Order")
	ed.selectTab(tabScript)
	ed.script.editor.SetText("function before_action() {\n  method_request_headers['X-Api-Key'] = '" + key + "';\n}\n")
	m.onExport()
	text := ""
	for _, o := range test.LaidOutObjects(m.win.Canvas().Overlays().Top()) {
		if l, ok := o.(*widget.Label); ok {
			text += l.Text + "\n"
		}
	}
	if !strings.Contains(text, "Method 'Create Order' › Script › line 2 (Methods[") || !strings.Contains(text, "holds the value of Cyclr_Auth_ApiKey, a secret") ||
		strings.Contains(text, "--include-secrets") {
		t.Errorf("the window says %q; want the refusal naming the script's line in the window's words, and no command-line flag", text)
	}
	// Problems lists it before any export, at the script's line.
	m.lintNow()
	found := false
	for _, f := range m.problems.findings {
		if f.Rule == model.RuleSecretWritten && f.At.Method == "Create Order" && f.At.Tab == model.TabScript && f.At.Line == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("Problems lists %v; want the key in Create Order's script, line 2", m.problems.findings)
	}
}
