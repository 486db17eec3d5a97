package ui

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"patchbay/engine"
	"patchbay/model"
)

// openConnector is the connector being edited: a working copy that only
// reaches the store on Save.
type openConnector struct {
	// key names it in the sidebar: storedKey(ID), or newKey before its first save.
	key string
	// storedName is its name in the store; "" before its first save.
	storedName string
	conn       *model.Connector
	// account holds the account values as edited; savedAccount as stored.
	account, savedAccount map[string]string
	dirty                 bool
	findings              []model.Finding
	// refusedRates keep the text a rate field refused, by method index
	// (-1 for the connector's), so that the field shows it again rather
	// than "NaN" when the author comes back to it. A method added or
	// removed clears them: the indexes move.
	refusedRates map[int]string
	// edits keep, by method index, what a method's Settings set aside or
	// follow while the connector is open, also when the author opens
	// another method in between: see methodEdits.
	edits map[int]*methodEdits
	// tests keep each method's Test tab: its inputs and last run (see
	// testInputs).
	tests map[string]*testInputs
}

// testInputs are what a method's Test tab keeps by the method's name
// while its connector is open: the values typed for a run, the trigger
// chosen, and the result of its last run in this window, which the tab
// shows again when the author comes back to it.
type testInputs struct {
	values  map[string]string
	trigger string
	last    *engine.Result
}

// testInputsOf returns what is kept of the method's Test tab.
func (o *openConnector) testInputsOf(method string) *testInputs {
	if o.tests == nil {
		o.tests = map[string]*testInputs{}
	}
	in := o.tests[method]
	if in == nil {
		in = &testInputs{values: map[string]string{}}
		o.tests[method] = in
	}
	return in
}

// methodEdits is what the Settings tab keeps of one method's editing.
type methodEdits struct {
	// stash keeps what a change of Method Type set aside, so that changing
	// it back restores it.
	stash model.Method
	// refs are the Webhook methods' Create and Delete Webhook Methods that
	// named this method when its name first changed; nil until then. They
	// follow every change of the name, to nothing and back, or through
	// another method's name on the way.
	refs []webhookRef
}

// editsOf returns what is kept of the editing of the method at index.
func (o *openConnector) editsOf(index int) *methodEdits {
	if o.edits == nil {
		o.edits = map[int]*methodEdits{}
	}
	e := o.edits[index]
	if e == nil {
		e = &methodEdits{}
		o.edits[index] = e
	}
	return e
}

// keepLastRun keeps res as its method's last run in this window.
func (o *openConnector) keepLastRun(res *engine.Result) { o.testInputsOf(res.Method).last = res }

// refusedRate returns the text refused for the rate at index, while the
// rate is still not a number.
func (o *openConnector) refusedRate(index int, rate float64) string {
	if math.IsNaN(rate) {
		return o.refusedRates[index]
	}
	return ""
}

// methodsMoved moves the methods' refused rate texts with their methods
// when by methods were inserted (by > 0) or deleted (by < 0) at index at:
// the texts of deleted methods go, those after them shift.
func (o *openConnector) methodsMoved(at, by int) {
	o.refusedRates = movedIndexes(o.refusedRates, at, by)
	o.edits = movedIndexes(o.edits, at, by)
	for _, e := range o.edits {
		var refs []webhookRef // the Webhook methods they name move too
		for _, r := range e.refs {
			if i, ok := movedIndex(r.index, at, by); ok {
				refs = append(refs, webhookRef{i, r.create})
			}
		}
		if e.refs != nil && refs == nil {
			refs = []webhookRef{}
		}
		e.refs = refs
	}
}

// movedIndexes moves what a map keeps by method index when methods are
// inserted or deleted (see methodsMoved).
func movedIndexes[V any](m map[int]V, at, by int) map[int]V {
	moved := make(map[int]V, len(m))
	for i, v := range m {
		if j, ok := movedIndex(i, at, by); ok {
			moved[j] = v
		}
	}
	return moved
}

// movedIndex is where the method at i is after by methods were inserted
// (by > 0) or deleted (by < 0) at at, and false if it was deleted.
func movedIndex(i, at, by int) (int, bool) {
	switch {
	case i < at:
		return i, true // the connector's (-1), and methods before
	case by < 0 && i < at-by:
		return 0, false // deleted with its method
	}
	return i + by, true
}

// keepRefusedRate keeps, or with "" forgets, the text refused for the rate
// at index.
func (o *openConnector) keepRefusedRate(index int, text string) {
	if text == "" {
		delete(o.refusedRates, index)
		return
	}
	if o.refusedRates == nil {
		o.refusedRates = map[int]string{}
	}
	o.refusedRates[index] = text
}

// newKey is the sidebar key of a connector that has never been saved.
const newKey = "new"

func storedKey(id int64) string { return "c" + strconv.FormatInt(id, 10) }

func (o *openConnector) displayName() string {
	if o.conn.Name == "" {
		return "(no name)"
	}
	return o.conn.Name
}

// learnt takes account values a run learnt (a rotated refresh token):
// kept in the store already, or to be saved with the connector. A value
// the author typed and has not saved stays on screen, to be saved over
// the kept one if they choose.
func (o *openConnector) learnt(updates map[string]string, kept bool) {
	if len(updates) == 0 {
		return
	}
	if o.account == nil {
		o.account = map[string]string{}
	}
	if o.savedAccount == nil {
		o.savedAccount = map[string]string{}
	}
	for k, v := range updates {
		typed := o.account[k] != o.savedAccount[k] // by the author, not saved yet
		if kept {
			o.savedAccount[k] = v
		}
		if !typed || !kept {
			o.account[k] = v
		}
	}
}

// freshen takes the account values another Patchbay (the command line's
// 'patchbay set', another window, a run that replaced a refresh token)
// changed in the store since the connector was opened, except those the
// author typed here and has not saved: a test run goes by what the store
// holds, as the command line's does. It ran against a BaseUrl the author
// had since changed with 'patchbay set'.
func (o *openConnector) freshen(ctx context.Context, st model.Connectors) {
	if o.storedName == "" {
		return
	}
	values, err := st.AccountValues(ctx, o.storedName)
	if err != nil {
		return // the run reports the store's trouble, if it has any
	}
	o.freshenFrom(values)
}

// freshenFrom takes what freshen takes from values, the store's account
// values, and returns the keys it changed.
func (o *openConnector) freshenFrom(values map[string]string) []string {
	// A key the author typed is left whole, the value they saved before it
	// too: were that brought up to the store's, a value set elsewhere
	// that happens to equal the typed one would make it seem untyped, and
	// the next value set elsewhere would replace it.
	typed := func(k string) bool { return o.account[k] != o.savedAccount[k] }
	updates := map[string]string{}
	for k, v := range values {
		if o.savedAccount[k] != v && !typed(k) {
			updates[k] = v
		}
	}
	for k, v := range o.savedAccount {
		if _, ok := values[k]; !ok && v != "" && !typed(k) {
			updates[k] = "" // cleared elsewhere
		}
	}
	o.learnt(updates, true)
	return slices.Sorted(maps.Keys(updates))
}

// accountChanges returns the account values to hand to SetAccountValues:
// every value edited, and "" for each one cleared.
func (o *openConnector) accountChanges() map[string]string {
	out := map[string]string{}
	for k, v := range o.account {
		if o.savedAccount[k] != v {
			out[k] = v
		}
	}
	for k := range o.savedAccount {
		if _, ok := o.account[k]; !ok {
			out[k] = ""
		}
	}
	return out
}

// openStored loads a stored connector and shows it: the connector editor
// (method -1) or one of its methods.
func (m *MainWindow) openStored(key string, method int) {
	var name string
	for _, s := range m.stored {
		if storedKey(s.ID) == key {
			name = s.Name
		}
	}
	if name == "" {
		return
	}
	c, err := m.store.LoadConnector(m.ctx, name)
	if err != nil {
		m.showError(fmt.Errorf("open %q: %w", name, err))
		return
	}
	values, err := m.store.AccountValues(m.ctx, name)
	if err != nil {
		m.showError(fmt.Errorf("open %q: %w", name, err))
		return
	}
	m.setOpen(&openConnector{
		key: key, storedName: name, conn: c,
		account: maps.Clone(values), savedAccount: values,
	}, method)
	m.app.Preferences().SetString(prefLastConnector, name)
	m.setStatus(widget.MediumImportance, "Opened %q.", name)
}

// setOpen makes o the open connector and shows it.
func (m *MainWindow) setOpen(o *openConnector, method int) {
	if m.open != nil && m.open.key != o.key {
		m.methodTab = 0
	}
	m.open = o
	m.sidebar.refresh()
	m.sidebar.openBranch(o.key)
	m.show(method)
}

// show puts the connector editor (method -1) or a method editor in the
// editor area and selects its node in the sidebar.
func (m *MainWindow) show(method int) {
	m.connEd, m.methEd = nil, nil
	// What the status line said was about what was shown: the callers
	// that have something to say of the new view say it after. A warning
	// that still holds (a refresh token to save, a test being cancelled
	// before closing) stays.
	if m.status.Importance != widget.WarningImportance {
		m.setStatus(widget.MediumImportance, "%s", m.idle())
	}
	var content fyne.CanvasObject
	switch {
	case m.open == nil:
		content = placeholder("Choose a connector or a method in the list, or make a new connector.")
	case method < 0 || method >= len(m.open.conn.Methods):
		method = -1
		m.connEd = newConnectorEditor(m)
		content = m.connEd.buildUI()
	default:
		m.methEd = newMethodEditor(m, method)
		content = m.methEd.buildUI()
	}
	// Laid out and drawn, not refreshed: a Container's Refresh redraws all
	// it holds, and the new editor's contents were drawn as they were made.
	m.editor.Objects = []fyne.CanvasObject{content}
	content.Resize(m.editor.Size())
	canvas.Refresh(m.editor)
	if m.open != nil {
		m.sidebar.selectNode(nodeID(m.open.key, method))
	} else {
		m.sidebar.selectNode("")
	}
	m.updateChrome()
	m.lint()
}

// selectedMethod is the index of the method being edited, or -1.
func (m *MainWindow) selectedMethod() int {
	if m.methEd != nil {
		return m.methEd.index
	}
	return -1
}

// onSave saves the open connector when it has changes (Ctrl+S, File ›
// Save). With none there is nothing to write, and writing the version
// loaded would undo another Patchbay's save since.
func (m *MainWindow) onSave() {
	if m.open != nil && m.open.dirty {
		m.save()
	}
}

// save writes the open connector and its account values to the store and
// reports whether it did. Findings do not stop it: a draft with errors is
// saved, and the status bar says so.
func (m *MainWindow) save() bool {
	o := m.open
	if o == nil {
		return false
	}
	if err := m.store.SaveConnector(m.ctx, o.conn); err != nil {
		m.showError(err) // the store's errors say what and where
		return false
	}
	if changes := o.accountChanges(); len(changes) > 0 {
		if err := m.store.SetAccountValues(m.ctx, o.conn.Name, changes); err != nil {
			m.showError(err)
			return false
		}
	}
	o.key, o.storedName, o.dirty = storedKey(o.conn.ID), o.conn.Name, false
	o.savedAccount = maps.Clone(o.account)
	m.app.Preferences().SetString(prefLastConnector, o.conn.Name)
	m.reloadList()
	m.sidebar.openBranch(o.key)
	m.sidebar.selectNode(nodeID(o.key, m.selectedMethod()))
	m.updateChrome()
	m.lintNow() // the count below holds the scripts' findings too
	errs, warns := countFindings(o.findings)
	switch {
	case errs > 0:
		m.setStatus(widget.DangerImportance,
			"Saved %q with %s and %s: it is kept as a draft; see Problems.", o.conn.Name, plural(errs, "error"), plural(warns, "warning"))
	case warns > 0:
		m.setStatus(widget.WarningImportance, "Saved %q with %s.", o.conn.Name, plural(warns, "warning"))
	default:
		m.setStatus(widget.SuccessImportance, "Saved %q.", o.conn.Name)
	}
	return true
}

// discard drops the open connector's unsaved changes.
func (m *MainWindow) discard() {
	if m.open == nil {
		return
	}
	m.open = nil
	m.show(-1)
	m.sidebar.refresh()
}

// confirmLeave runs next once the open connector's changes are saved or
// discarded, asking first if there are any; cancel (which may be nil) runs
// if the user would rather stay.
func (m *MainWindow) confirmLeave(next, cancel func()) {
	if m.open == nil || !m.open.dirty {
		next()
		return
	}
	m.ask = newAskDialog(m, m.open.displayName(), next, cancel)
	dialogKeys(m.win, m.ask.dlg, m.ask.cancel.OnTapped, nil) // Escape stays; Save or Discard is a choice to make
	m.ask.dlg.Show()
}

// askDialog asks whether to save changes before leaving a connector.
type askDialog struct {
	dlg                   *dialog.CustomDialog
	save, discard, cancel *widget.Button
}

func newAskDialog(m *MainWindow, name string, next, cancel func()) *askDialog {
	a := &askDialog{}
	done := func(then func()) func() {
		return func() {
			a.dlg.Hide()
			m.ask = nil
			if then != nil {
				then()
			}
		}
	}
	a.save = &widget.Button{Text: "Save", Importance: widget.HighImportance, OnTapped: done(func() {
		if m.save() {
			next()
		} else if cancel != nil {
			cancel()
		}
	})}
	a.discard = &widget.Button{Text: "Discard", Importance: widget.DangerImportance, OnTapped: done(func() {
		m.discard()
		next()
	})}
	a.cancel = &widget.Button{Text: "Cancel", OnTapped: done(cancel)}
	text := fmt.Sprintf("%q has unsaved changes.\nSave them before you go on?", name)
	a.dlg = dialog.NewCustomWithoutButtons("Unsaved changes", widget.NewLabel(text), m.win)
	a.dlg.SetButtons([]fyne.CanvasObject{a.cancel, a.discard, a.save})
	return a
}

// countFindings counts errors and warnings.
func countFindings(fs []model.Finding) (errs, warns int) {
	for _, f := range fs {
		if f.Severity == model.SeverityError {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// editorHeader is the line above an editor's tabs: what is being edited.
func editorHeader(title, subtitle string) (*widget.Label, fyne.CanvasObject) {
	t := &widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	s := &widget.Label{Text: subtitle, Importance: widget.LowImportance}
	return t, container.NewBorder(nil, nil, nil, s, t)
}
