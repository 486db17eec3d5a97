package ui

import (
	"context"
	"math"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"patchbay/model"
)

// TestRateLimits sets the connector's rate limit and a method's own through
// the window: text that is not a number is refused beside the field, a
// negative rate is a lint finding on the Rate Limits tab, and both limits
// come back from the database after a save.
func TestRateLimits(t *testing.T) {
	m, st := exampleWindow(t)

	retype(m.connEd.rate.entry, "0.5")
	if got := m.open.conn.RateLimit; got != 0.5 {
		t.Fatalf("connector rate limit = %v, want 0.5", got)
	}

	ed := openMethod(t, m, "Create Order")
	ed.selectTab(tabRateLimits)
	wantContains(t, "the Rate Limits tab", ed.rates.inherited.Text, "The connector's limit applies: 1 request every 2s")

	// A number with a decimal comma is read; then a word is refused, and the
	// rate is no number (not the last one typed), which Save refuses.
	retype(ed.rates.rate.entry, "2,5")
	if got := ed.method().RateLimit; got != 2.5 {
		t.Errorf("2,5 gave the rate limit %v, want 2.5", got)
	}
	// Go's number syntax reads NaN and Inf; the field refuses them too.
	for _, text := range []string{"NaN", "Inf", "two"} {
		retype(ed.rates.rate.entry, "2")
		retype(ed.rates.rate.entry, text)
		if !ed.rates.rate.hint.Visible() || !strings.Contains(ed.rates.rate.hint.Text, `"`+text+`" is not a number`) {
			t.Errorf("%s: hint = %q (shown %v), want the text refused", text, ed.rates.rate.hint.Text, ed.rates.rate.hint.Visible())
		}
		if got := ed.method().RateLimit; !math.IsNaN(got) {
			t.Errorf("after the refused %q the rate limit is %v, want it not a number", text, got)
		}
	}
	if len(findings(m, "rate-limit-invalid")) == 0 {
		t.Error("the problems list does not show the refused rate")
	}
	if m.save() {
		t.Error("Save stored a rate limit the field refused")
	}

	retype(ed.rates.rate.entry, "-3")
	var onTab []model.Finding
	for _, f := range m.problems.findings {
		if f.At.Tab == model.TabRateLimits && f.Severity == model.SeverityError {
			onTab = append(onTab, f)
		}
	}
	if len(onTab) == 0 {
		t.Errorf("a negative rate limit gave no error on the Rate Limits tab; problems: %v", m.problems.findings)
	}
	if !ed.rates.rate.hint.Visible() {
		t.Error("the finding is not shown beside the field")
	}

	retype(ed.rates.rate.entry, "4")
	wantContains(t, "the Rate Limits tab", ed.rates.inherited.Text, "This method's own limit applies: 4 requests a second")
	wantNoErrors(t, m)
	if !m.save() {
		t.Fatal("save failed")
	}
	c, err := st.LoadConnector(context.Background(), "Example")
	if err != nil {
		t.Fatal(err)
	}
	if c.RateLimit != 0.5 || c.Method("Create Order").RateLimit != 4 {
		t.Errorf("stored rate limits: connector %v, Create Order %v; want 0.5 and 4", c.RateLimit, c.Method("Create Order").RateLimit)
	}
}

// TestRefusedRateTextComesBack: text the rate field refused is shown again,
// with its problem, when the author comes back to the method or the
// connector, not "NaN".
func TestRefusedRateTextComesBack(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	m := newWindow(t, test.NewTempApp(t), st)
	retype(m.connEd.rate.entry, "5 per s")
	ed := openMethod(t, m, "Create Order")
	ed.selectTab(tabRateLimits)
	retype(ed.rates.rate.entry, "2,5/s")

	openMethod(t, m, "Create Webhook")
	ed = openMethod(t, m, "Create Order")
	ed.selectTab(tabRateLimits)
	if got := ed.rates.rate.entry.Text; got != "2,5/s" || !strings.Contains(ed.rates.rate.hint.Text, `"2,5/s" is not a number`) {
		t.Errorf("back at the method the field shows %q, hint %q; want what was typed and why it is refused", got, ed.rates.rate.hint.Text)
	}
	m.sidebar.tree.Select(m.open.key)
	if got := m.connEd.rate.entry.Text; got != "5 per s" {
		t.Errorf("back at the connector the field shows %q, want %q", got, "5 per s")
	}
	// A number typed over it is the rate, and the refused text is gone.
	retype(m.connEd.rate.entry, "3")
	m.sidebar.tree.Select(nodeID(m.open.key, 0))
	m.sidebar.tree.Select(m.open.key)
	if got := m.connEd.rate.entry.Text; got != "3" || m.open.conn.RateLimit != 3 {
		t.Errorf("after a number the field shows %q and the rate is %v", got, m.open.conn.RateLimit)
	}
}

// TestRefusedRateTextSurvivesARename: the refused text is the method's,
// whatever it is called meanwhile.
func TestRefusedRateTextSurvivesARename(t *testing.T) {
	m, ed := refusedRate(t)
	retype(ed.settings.name, "Create Order 2")
	openMethod(t, m, "Create Webhook")
	ed = openMethod(t, m, "Create Order 2")
	ed.selectTab(tabRateLimits)
	if got := ed.rates.rate.entry.Text; got != "fast" {
		t.Errorf("after a rename the rate field shows %q, want %q", got, "fast")
	}
}

// TestRefusedRateTextMovesWithItsMethod: deleting or duplicating another
// method keeps a method's refused text with it.
func TestRefusedRateTextMovesWithItsMethod(t *testing.T) {
	m, ed := refusedRate(t) // Create Order, index 2
	m.deleteMethod(0)       // Create Webhook goes: Create Order moves to index 1
	openMethod(t, m, "New Order")
	m.onDuplicate() // New Order copy after New Order: Create Order stays
	ed = openMethod(t, m, "Create Order")
	ed.selectTab(tabRateLimits)
	if got := ed.rates.rate.entry.Text; got != "fast" {
		t.Errorf("after a delete and a duplicate the rate field shows %q, want %q", got, "fast")
	}
	if other := openMethod(t, m, "New Order"); other.rates.rate.entry.Text == "fast" {
		t.Error("the text went to another method")
	}
}

// Duplicating a method whose rate text was refused: the copy's field
// shows the text, not "NaN".
func TestRateLimits_DuplicateKeepsRefusedText(t *testing.T) {
	m, ed := refusedRate(t)
	shortcut(m, shortcutDuplicate) // Ctrl+D: "Create Order copy" opens
	ed = openMethod(t, m, "Create Order copy")
	ed.selectTab(tabRateLimits)
	if got := ed.rates.rate.entry.Text; got != "fast" {
		t.Errorf("the copy's rate field shows %q, want %q", got, "fast")
	}
}

// refusedRate opens the example's Create Order on its Rate Limits tab and
// types a rate the field refuses ("fast").
func refusedRate(t *testing.T) (*MainWindow, *methodEditor) {
	t.Helper()
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	m := newWindow(t, test.NewTempApp(t), st)
	ed := openMethod(t, m, "Create Order")
	ed.selectTab(tabRateLimits)
	retype(ed.rates.rate.entry, "fast")
	return m, ed
}
