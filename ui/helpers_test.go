package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"patchbay/assets"
	"patchbay/model"
	"patchbay/model/store"
)

// openStore opens (or creates) a real SQLite database for a test.
func openStore(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatalf("store.Open(%s): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newStore opens a new database under the test's temporary directory and
// returns it with its path.
func newStore(t testing.TB) (*store.DB, string) {
	path := filepath.Join(t.TempDir(), "patchbay.db")
	return openStore(t, path), path
}

// newWindow builds the window over st, with Lint running at once after
// each edit, at the size the issue asks the window to be readable at.
func newWindow(t testing.TB, a fyne.App, st model.Connectors) *MainWindow {
	t.Helper()
	m := newMainWindow(context.Background(), a, Deps{Store: st})
	m.lintDelay = 0
	m.win.Resize(fyne.NewSize(1280, 800))
	m.win.Show()
	return m
}

// seedExample stores the bundled example connector under a name.
func seedExample(t testing.TB, st *store.DB, name string) *model.Connector {
	t.Helper()
	c, err := model.Import(assets.ExampleConnector)
	if err != nil {
		t.Fatalf("import the example: %v", err)
	}
	c.Name = name
	if err := st.SaveConnector(context.Background(), c); err != nil {
		t.Fatalf("save %q: %v", name, err)
	}
	return c
}

// retype clears an entry and types text into it, key by key.
func retype(e *widget.Entry, text string) {
	e.SetText("")
	test.Type(e, text)
}

// shortcut presses a keyboard shortcut on the window.
func shortcut(m *MainWindow, sc fyne.Shortcut) {
	m.win.Canvas().(fyne.Shortcutable).TypedShortcut(sc)
}

// findings returns the findings of a rule in the problems list.
func findings(m *MainWindow, rule string) []model.Finding {
	var out []model.Finding
	for _, f := range m.problems.findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// wantNoErrors fails the test if the problems list shows an error.
func wantNoErrors(t *testing.T, m *MainWindow) {
	t.Helper()
	for _, f := range m.problems.findings {
		if f.Severity == model.SeverityError {
			t.Errorf("problems list shows %s", f)
		}
	}
}

// nodeText is what the sidebar shows for a node.
func nodeText(m *MainWindow, id string) string {
	o := m.sidebar.createNode(false)
	m.sidebar.updateNode(id, false, o)
	return o.(*fyne.Container).Objects[0].(*widget.Label).Text
}

func wantContains(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s = %q, want it to contain %q", what, got, want)
	}
}

// typeAtEnd types text at the end of an entry, as a user who clicked after
// its last character would.
func typeAtEnd(e *widget.Entry, text string) {
	e.CursorRow = strings.Count(e.Text, "\n")
	lines := strings.Split(e.Text, "\n")
	e.CursorColumn = len([]rune(lines[len(lines)-1]))
	test.Type(e, text)
}

// exampleWindow is a window over a new database holding the bundled example
// as "Example", with the store.
func exampleWindow(t testing.TB) (*MainWindow, *store.DB) {
	t.Helper()
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	return newWindow(t, test.NewTempApp(t), st), st
}
