// Package ui is Patchbay's window: the sidebar of connectors and methods,
// the connector and method editors beside it, the problems Lint finds, and
// the toolbar, menus and status bar around them. It renders and binds; the
// model, the store and the engine do the work. It reaches the database only
// through the model.Connectors it is handed, and scripts only through
// patchbay/engine/script.
package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"patchbay/engine"
	"patchbay/model"
)

// Deps is what the window works with.
type Deps struct {
	// Store keeps the connectors and their account values.
	Store model.Connectors
	// Ledger records the webhooks test runs create; Runs keeps their logs.
	// The Test tab needs both.
	Ledger model.WebhookLedger
	Runs   model.RunHistory
	// Turns, if set, has the test runs' OAuth2 refreshes take turns with
	// other Patchbays on the same database.
	Turns model.RefreshTurns
	// Client sends the test requests; nil for the engine's defaults.
	Client *engine.Client
	// Explain, if set, says what to do about an error the store gave, such
	// as a database found damaged; nil when it has nothing to add.
	Explain func(error) error
	// Start, when its Connector is set, is what the window opens on
	// instead of the connector open last time.
	Start StartView
}

// StartView names what the window opens on: a connector, one of its
// methods and a tab of the method editor ("Settings", "Rate Limits",
// "Field Mappings" or straight to its "Request Format" or "Response
// Format", "Parameters", "Script", "Test"); Run starts the test at once.
type StartView struct {
	Connector, Method, Tab string
	Run                    bool
}

// Preference keys.
const (
	prefWidth         = "window.width"
	prefHeight        = "window.height"
	prefLastConnector = "connector.last"
)

// defaultLintDelay is how long after the last edit Lint runs.
const defaultLintDelay = 250 * time.Millisecond

// MainWindow is the designer's window and the state of the connector open in it.
type MainWindow struct {
	ctx   context.Context
	app   fyne.App
	win   fyne.Window
	store model.Connectors
	deps  Deps

	tools    *toolbar
	sidebar  *sidebar
	problems *problemsPanel
	editor   *fyne.Container // holds the connector or method editor
	status   *widget.Label

	// stored lists the connectors in the store, as the sidebar shows them.
	stored []model.ConnectorSummary
	// listGen counts reloadList's reads, for the watcher to drop a list
	// read before one.
	listGen atomic.Uint64
	// open is the connector being edited; nil when none is.
	open   *openConnector
	connEd *connectorEditor
	methEd *methodEditor
	// ask is the Save / Discard / Cancel question while it is shown.
	ask *askDialog

	// lintDelay debounces Lint after edits; zero lints at once (tests).
	lintDelay time.Duration
	// later runs f on the window's goroutine after d: time.AfterFunc and
	// fyne.Do, which tests replace to run it when they say.
	later     func(d time.Duration, f func())
	lintTimer *time.Timer
	// checkingScripts is set while scripts are parsed for lint off the
	// window's goroutine; scriptsTried are the texts the last such round
	// was given (those it could not check wait for the next round).
	checkingScripts bool
	scriptsTried    map[string]bool
	// scriptRounds counts the rounds under way, for a test to wait for.
	scriptRounds sync.WaitGroup
	// methodTab is the method editor tab to show when another method opens.
	methodTab int
	// closeAfterRun closes the window when the test run under way ends.
	closeAfterRun bool
	// running is the Test tab whose run is under way, on screen or left
	// behind when the author opened something else; nil when none is. One
	// run goes at a time.
	running *testTab
}

// NewMainWindow builds the designer's window over deps.Store, opens the
// connector that was open last time (or the first one) and returns the
// window, ready to show.
func NewMainWindow(ctx context.Context, a fyne.App, deps Deps) fyne.Window {
	m := newMainWindow(ctx, a, deps)
	m.watchStore(storeWatchEvery)
	return m.win
}

// storeWatchEvery is how often the window looks whether another Patchbay
// changed the list of connectors.
const storeWatchEvery = 2 * time.Second

// watchStore shows the connectors another Patchbay (the command line's
// import, another window) saved or deleted: every so often, while the
// window is open, it reads the list again and, when it differs from the
// one shown, shows it. The connector open here is left as it is edited.
func (m *MainWindow) watchStore(every time.Duration) {
	stop := make(chan struct{})
	m.win.SetOnClosed(func() { close(stop) })
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-m.ctx.Done():
				return
			case <-t.C:
			}
			m.lookAtStore()
		}
	}()
}

// lookAtStore reads what other Patchbays may have changed (the list of
// connectors, the open one's account values) and shows it; it runs on the
// watcher's goroutine, not the window's.
func (m *MainWindow) lookAtStore() {
	gen := m.listGen.Load()
	list, err := m.store.ListConnectors(m.ctx)
	if err != nil {
		return // a database busy or gone: the next look, or the author's next step, says so
	}
	// The open connector's account values, which another Patchbay
	// may have set ('patchbay set'): the Account Values tab shows
	// what the next run uses.
	var open string
	fyne.DoAndWait(func() {
		if m.open != nil {
			open = m.open.storedName
		}
	})
	var values map[string]string
	if open != "" {
		values, _ = m.store.AccountValues(m.ctx, open)
	}
	fyne.Do(func() {
		if m.listGen.Load() == gen { // not read before a reloadList here
			m.showStored(list)
		}
		// Values read before a save here, which bumps listGen, are older
		// than what the window holds.
		if o := m.open; o != nil && values != nil && o.storedName == open && m.listGen.Load() == gen {
			if changed := o.freshenFrom(values); len(changed) > 0 && m.connEd != nil {
				m.connEd.account.showValues(changed)
			}
		}
	})
}

// showStored shows list, the connectors as the store has them now, in the
// sidebar if it differs from the list shown.
func (m *MainWindow) showStored(list []model.ConnectorSummary) {
	if o := m.open; o != nil && o.storedName != "" {
		found := false
		for _, s := range list {
			if storedKey(s.ID) == o.key {
				found = true
				if s.Name != o.storedName {
					o.storedName = s.Name // renamed elsewhere: Delete, the ledger, the Test tab go by it
				}
			}
		}
		if !found {
			// Deleted elsewhere: what is open here is all that is left of
			// it, a new connector that Save keeps.
			name := o.storedName
			o.key, o.storedName, o.conn.ID, o.dirty = newKey, "", 0, true
			m.updateChrome()
			m.setStatus(widget.WarningImportance, "%q was deleted by another Patchbay: Save keeps it as a new connector; opening another lets it go.", name)
		}
	}
	if !sameConnectors(list, m.stored) {
		m.stored = list
		m.sidebar.refresh()
		if m.open != nil {
			m.lint() // connector-name-taken reads m.stored
		}
	}
}

// sameConnectors reports whether two lists of connectors name the same
// ones, saved at the same moments.
func sameConnectors(a, b []model.ConnectorSummary) bool {
	return slices.EqualFunc(a, b, func(x, y model.ConnectorSummary) bool {
		return x.ID == y.ID && x.Name == y.Name && x.UpdatedAt.Equal(y.UpdatedAt)
	})
}

func newMainWindow(ctx context.Context, a fyne.App, deps Deps) *MainWindow {
	m := &MainWindow{
		ctx: ctx, app: a, store: deps.Store, deps: deps,
		win:       a.NewWindow("Patchbay"),
		lintDelay: defaultLintDelay,
	}
	m.buildUI()
	prefs := a.Preferences()
	m.win.Resize(fyne.NewSize(
		float32(prefs.FloatWithFallback(prefWidth, 1280)),
		float32(prefs.FloatWithFallback(prefHeight, 800))))
	m.win.SetCloseIntercept(m.onCloseRequested)
	m.reloadList()
	if deps.Start.Connector != "" {
		m.openStart(deps.Start)
	} else {
		m.openInitial(prefs.String(prefLastConnector))
	}
	return m
}

// openStart opens the start view; what it does not find, it says in the
// status bar.
func (m *MainWindow) openStart(v StartView) {
	m.openInitial(v.Connector)
	if m.open == nil || m.open.conn.Name != v.Connector {
		m.setStatus(widget.WarningImportance, "There is no connector named %q.", v.Connector)
		return
	}
	if v.Method == "" {
		return
	}
	method := -1
	for i, meth := range m.open.conn.Methods {
		if meth.Name == v.Method {
			method = i
		}
	}
	if method < 0 {
		m.setStatus(widget.WarningImportance, "%q has no method named %q.", v.Connector, v.Method)
		return
	}
	m.show(method)
	tab := v.Tab
	if strings.EqualFold(tab, model.GridRequest) || strings.EqualFold(tab, model.GridResponse) {
		tab = model.TabFieldMappings
	}
	found := tab == ""
	var names []string
	for i, item := range m.methEd.items {
		names = append(names, item.Text)
		if strings.EqualFold(item.Text, tab) {
			m.methEd.selectTab(i)
			found = true
		}
	}
	if !found {
		m.setStatus(widget.WarningImportance, "There is no tab %q; the tabs are %s.", v.Tab, strings.Join(names, ", "))
	}
	if strings.EqualFold(v.Tab, model.GridResponse) {
		m.methEd.fields.grids.Select(m.methEd.fields.responseItem)
	}
	if v.Run {
		m.onRunTest()
	}
}

func (m *MainWindow) buildUI() {
	m.tools = newToolbar(m)
	m.sidebar = newSidebar(m)
	m.problems = newProblemsPanel(m)
	m.status = &widget.Label{Text: "Ready.", Truncation: fyne.TextTruncateEllipsis}
	m.editor = container.NewStack(placeholder("Choose a connector or a method in the list, or make a new connector."))

	right := container.NewVSplit(m.editor, m.problems.buildUI())
	right.Offset = problemsShut
	m.problems.split = right
	split := container.NewHSplit(m.sidebar.buildUI(), right)
	split.Offset = 0.18
	m.win.SetContent(container.NewBorder(
		container.NewVBox(m.tools.buildUI(), widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), m.status),
		nil, nil, split))
	m.win.SetMainMenu(m.tools.mainMenu())
	m.tools.addShortcuts(m.win.Canvas())
	m.updateChrome()
}

// placeholder is what the editor area shows when there is nothing to edit.
func placeholder(text string) fyne.CanvasObject {
	return container.NewCenter(&widget.Label{Text: text, Importance: widget.LowImportance})
}

// openInitial opens the named connector if it is stored, else the first one.
func (m *MainWindow) openInitial(name string) {
	if len(m.stored) == 0 {
		return
	}
	target := m.stored[0]
	for _, s := range m.stored {
		if s.Name == name {
			target = s
		}
	}
	m.openStored(storedKey(target.ID), -1)
}

// reloadList reads the list of connectors from the store.
func (m *MainWindow) reloadList() {
	m.listGen.Add(1)
	list, err := m.store.ListConnectors(m.ctx)
	if err != nil {
		m.showError(fmt.Errorf("list the connectors: %w", err))
		return
	}
	m.stored = list
	m.sidebar.refresh()
}

// showError shows err in a dialog: errors end here, at the edge.
func (m *MainWindow) showError(err error) {
	if m.deps.Explain != nil {
		if more := m.deps.Explain(err); more != nil {
			err = fmt.Errorf("%w\n\n%v", err, more)
		}
	}
	d := dialog.NewError(err, m.win)
	dialogKeys(m.win, d, d.Hide, d.Hide) // Escape or Return: OK
	d.Show()
}

// setStatus writes a message in the status bar.
func (m *MainWindow) setStatus(importance widget.Importance, format string, args ...any) {
	m.status.Importance = importance
	m.status.SetText(fmt.Sprintf(format, args...))
}

// briefStatusFor is how long a brief acknowledgment stays in the status
// line (see briefStatus).
const briefStatusFor = 4 * time.Second

// briefStatus says something that is true only for a moment ("Request
// copied."), and gives the line back (see idle) after briefStatusFor,
// unless something else was said meanwhile: the next method shown should
// not seem to have been copied.
func (m *MainWindow) briefStatus(format string, args ...any) {
	m.setStatus(widget.MediumImportance, format, args...)
	said := m.status.Text
	later := m.later
	if later == nil {
		later = func(d time.Duration, f func()) { time.AfterFunc(d, func() { fyne.Do(f) }) }
	}
	later(briefStatusFor, func() {
		if m.status.Text == said {
			m.setStatus(widget.MediumImportance, "%s", m.idle())
		}
	})
}

// idle is what the status line says when there is nothing else to say:
// that a test run is under way, while one is.
func (m *MainWindow) idle() string {
	if t := m.running; t != nil {
		return fmt.Sprintf("Running %s…", t.runName)
	}
	return "Ready."
}

// changed records an edit to the open connector: the unsaved marker, the
// sidebar's names and, a moment later, Lint.
func (m *MainWindow) changed() {
	if m.open == nil {
		return
	}
	m.open.dirty = true
	m.updateChrome()
	m.sidebar.refresh()
	m.scheduleLint()
}

// scheduleLint runs Lint once the edits pause.
func (m *MainWindow) scheduleLint() {
	if m.lintDelay <= 0 {
		m.lint()
		return
	}
	if m.lintTimer != nil {
		m.lintTimer.Stop()
	}
	m.lintTimer = time.AfterFunc(m.lintDelay, func() { fyne.Do(m.lint) })
}

// lint checks the open connector and shows what it finds beside the fields
// and in the problems list.
func (m *MainWindow) lint() { m.runLint(false) }

// lintNow is lint with the scripts not checked yet parsed at once, on the
// window's goroutine, for a count that must be whole (a save's).
func (m *MainWindow) lintNow() { m.runLint(true) }

func (m *MainWindow) runLint(scriptsNow bool) {
	var fs []model.Finding
	if m.open != nil {
		fs = append(model.Lint(m.open.conn), model.SecretsWritten(m.open.conn, m.open.account)...)
		fs = append(fs, m.nameTaken()...)
		fs = engine.WithScriptFindings(fs, m.scriptFindings(scriptsNow))
		m.open.findings = fs
	}
	m.problems.set(fs)
	if m.connEd != nil {
		m.connEd.showFindings(findingsFor(fs, -1))
	}
	if m.methEd != nil {
		m.methEd.showFindings(findingsFor(fs, m.methEd.index))
	}
}

// nameTaken finds another stored connector with the open one's name:
// Save refuses that, and lint says so before.
func (m *MainWindow) nameTaken() []model.Finding {
	name := strings.TrimSpace(m.open.conn.Name)
	for _, c := range m.stored {
		if storedKey(c.ID) != m.open.key && name != "" && c.Name == name {
			at := model.Location{MethodIndex: -1, Row: -1, Tab: model.TabSettings, Column: "Name"}
			return []model.Finding{{Severity: model.SeverityError, Rule: "connector-name-taken", At: at,
				Message: fmt.Sprintf("another connector is named %q: give this one another name, or Save refuses it", name)}}
		}
	}
	return nil
}

// scriptFindings returns what is known of the open connector's scripts.
// Scripts not checked yet are parsed in a script worker, off the window's
// goroutine, and lint runs again when they are, as after an edit; the
// findings about them come then. Without a lint delay (tests) they are
// checked at once.
func (m *MainWindow) scriptFindings(now bool) []model.Finding {
	fs, unchecked := engine.ScriptFindings(m.open.conn)
	// A text the last round could not check (no worker started) waits
	// for another round, which an edit starts.
	unchecked = slices.DeleteFunc(unchecked, func(code string) bool { return m.scriptsTried[code] })
	switch {
	case len(unchecked) == 0:
	case now || m.lintDelay <= 0:
		engine.CheckScripts(unchecked)
		fs, _ = engine.ScriptFindings(m.open.conn)
	case m.checkingScripts:
		// The round under way lints again when it is done.
	default:
		m.checkingScripts = true
		m.scriptRounds.Add(1)
		go func() {
			engine.CheckScripts(unchecked)
			fyne.Do(func() {
				defer m.scriptRounds.Done()
				m.checkingScripts = false
				m.scriptsTried = make(map[string]bool, len(unchecked))
				for _, code := range unchecked {
					m.scriptsTried[code] = true
				}
				// The delay may have become 0 meanwhile (a test's
				// window): such a window checks at once, on its own.
				if m.lintDelay > 0 {
					m.scheduleLint()
				}
			})
		}()
	}
	return fs
}

// findingsFor keeps the findings about one method, or the connector (-1).
func findingsFor(fs []model.Finding, method int) []model.Finding {
	var out []model.Finding
	for _, f := range fs {
		if f.At.MethodIndex == method {
			out = append(out, f)
		}
	}
	return out
}

// updateChrome brings the title, the actions and the menus up to date.
func (m *MainWindow) updateChrome() {
	title := "Patchbay"
	if m.open != nil {
		title = m.open.displayName() + " — Patchbay"
		if m.open.dirty {
			title = "• " + title
		}
	}
	m.win.SetTitle(title)
	m.tools.update()
}

// onCloseRequested asks about unsaved changes, remembers the window's size
// and the open connector, and closes.
func (m *MainWindow) onCloseRequested() {
	if t := m.runningTest(); t != nil {
		if m.closeAfterRun {
			m.confirmCloseNow()
			return
		}
		// A webhook the run created must be deleted first: cancel the run,
		// which still deletes, and close when it is over.
		m.closeAfterRun = true
		t.onCancel()
		m.setStatus(widget.WarningImportance, "Cancelling the test and deleting its webhook before closing…")
		return
	}
	m.confirmLeave(func() {
		m.savePrefs()
		m.win.Close()
	}, nil)
}

// confirmCloseNow offers, when closing is asked for again while a
// cancelled run still deletes its webhook (its delete may wait long for
// its turn under a rate limit), to close at once and leave the webhook
// pending in the ledger.
func (m *MainWindow) confirmCloseNow() {
	dialog.ShowConfirm("Close now?",
		"The test is still deleting its webhook; under a rate limit it may wait for its turn.\n\n"+
			"Close now, and the webhook stays pending in the webhook ledger:\n"+
			"retry it from the Test tab next time, or run 'patchbay webhook cleanup'.",
		func(ok bool) {
			if ok {
				m.confirmLeave(func() {
					m.closeAfterRun = false // closed now: not again when the run ends
					m.savePrefs()
					m.win.Close()
				}, nil)
			}
		}, m.win)
}

// runningTest is the Test tab whose run is under way, on screen or not,
// or nil.
func (m *MainWindow) runningTest() *testTab {
	return m.running
}

func (m *MainWindow) savePrefs() {
	prefs := m.app.Preferences()
	size := m.win.Canvas().Size()
	if size.Width > 0 && size.Height > 0 {
		prefs.SetFloat(prefWidth, float64(size.Width))
		prefs.SetFloat(prefHeight, float64(size.Height))
	}
	if m.open != nil && m.open.storedName != "" {
		prefs.SetString(prefLastConnector, m.open.storedName)
	}
}
