package ui

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

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
	for i := range want.Parameters {
		if want.Parameters[i].IsSensitive {
			want.Parameters[i].Values = nil // secrets stay behind
		}
	}
	if !reflect.DeepEqual(exported, want) {
		t.Errorf("exported %+v\nwant the connector as edited %+v", exported, want)
	}
	wantContains(t, "status", m.status.Text, "Exported")

	// Importing it asks first (the edit is unsaved), then asks to replace.
	r, err := storage.Reader(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	m.confirmLeave(func() { m.onImportChosen(r, nil) }, nil)
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
	a := test.NewTempApp(t)
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	m := newWindow(t, a, st)
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
