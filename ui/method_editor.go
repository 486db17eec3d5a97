package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// The method editor's tabs, in order.
const (
	tabSettings = iota
	tabRateLimits
	tabFieldMappings
	tabParameters
	tabScript
	tabTest
)

// methodEditor edits one method of the open connector, in the builder's
// tabs: Settings | Rate Limits | Field Mappings | Parameters | Script | Test. Each tab is
// its own small type in its own file; the Test tab (testTab) is built by
// newTestTab and reached only through buildUI, canRun and onRun, so that
// the engine's test runner can replace it without touching the rest.
type methodEditor struct {
	host  *MainWindow
	index int

	title    *widget.Label
	tabs     *container.AppTabs
	items    []*container.TabItem
	settings *settingsTab
	rates    *rateLimitsTab
	fields   *fieldsTab
	params   *parametersTab
	script   *scriptTab
	test     *testTab
}

func newMethodEditor(host *MainWindow, index int) *methodEditor {
	ed := &methodEditor{host: host, index: index}
	ed.settings = newSettingsTab(ed)
	ed.rates = newRateLimitsTab(ed)
	ed.fields = newFieldsTab(ed)
	ed.params = newParametersTab(ed)
	ed.script = newScriptTab(host, ed.scriptName, ed.getScript, ed.setScript)
	ed.script.methodType = func() model.MethodType { return ed.method().MethodType }
	ed.test = newTestTab(ed)
	return ed
}

// method is the method being edited. It is looked up each time, because
// adding a method may move the connector's methods in memory.
func (ed *methodEditor) method() *model.Method {
	return &ed.host.open.conn.Methods[ed.index]
}

// connector is the open connector.
func (ed *methodEditor) connector() *model.Connector { return ed.host.open.conn }

func (ed *methodEditor) buildUI() fyne.CanvasObject {
	var header fyne.CanvasObject
	ed.title, header = editorHeader("", "")
	// The tabs are made and the right one chosen before their contents go
	// in, so that each content is drawn once (see tabContent).
	names := []string{model.TabSettings, model.TabRateLimits, model.TabFieldMappings, model.TabParameters, model.TabScript, "Test"}
	contents := make([]*tabContent, len(names))
	ed.items = make([]*container.TabItem, len(names))
	for i, name := range names {
		contents[i] = newTabContent()
		ed.items[i] = container.NewTabItem(name, contents[i])
	}
	ed.tabs = container.NewAppTabs(ed.items...)
	t := ed.host.methodTab
	if t > 0 && t < len(ed.items) {
		ed.tabs.SelectIndex(t)
	}
	for i, build := range []func() fyne.CanvasObject{ed.settings.buildUI, ed.rates.buildUI, ed.fields.buildUI, ed.params.buildUI, ed.script.buildUI, ed.test.buildUI} {
		contents[i].setContent(build())
	}
	ed.tabs.OnSelected = ed.onTabSelected
	if t > 0 && t < len(ed.items) {
		ed.onTabSelected(ed.items[t])
	}
	ed.updateTitle()
	return container.NewBorder(container.NewPadded(header), nil, nil, nil, ed.tabs)
}

func (ed *methodEditor) onTabSelected(*container.TabItem) {
	ed.host.methodTab = ed.tabs.SelectedIndex()
	switch ed.tabs.SelectedIndex() {
	case tabSettings:
		ed.settings.refreshWebhookChoices()
	case tabRateLimits:
		ed.rates.refresh() // the connector's limit may have changed
	case tabScript:
		ed.script.refreshEvents() // the Method Type may have changed
	case tabTest:
		ed.test.refresh()
	}
}

func (ed *methodEditor) selectTab(i int) {
	if i >= 0 && i < len(ed.items) {
		ed.tabs.SelectIndex(i)
	}
}

// updateTitle names the method above the tabs: connector › method · type.
func (ed *methodEditor) updateTitle() {
	m := ed.method()
	name := m.Name
	if name == "" {
		name = "(no name)"
	}
	ed.title.SetText(ed.host.open.displayName() + " › " + name + " · " + string(m.MethodType))
}

// changed records an edit to the method.
func (ed *methodEditor) changed() {
	ed.updateTitle()
	ed.host.changed()
}

// methodTypeChanged shows the fields the new Method Type has.
func (ed *methodEditor) methodTypeChanged() {
	ed.fields.setWebhook(ed.method().MethodType == model.MethodWebhook)
	ed.script.refreshEvents()
	ed.host.tools.update() // Run test follows the type
}

func (ed *methodEditor) scriptName() string { return "method '" + ed.method().Name + "' script" }
func (ed *methodEditor) getScript() string  { return ed.method().Script }
func (ed *methodEditor) setScript(s string) {
	ed.method().Script = s
	ed.changed()
}

// showFindings shows the method's findings beside its fields.
func (ed *methodEditor) showFindings(fs []model.Finding) {
	ed.settings.showFindings(inTab(fs, model.TabSettings, ""))
	ed.rates.rate.showFindings(inTab(fs, model.TabRateLimits, ""))
	ed.fields.showFindings(inTab(fs, model.TabFieldMappings, ""))
	ed.params.showFindings(inTab(fs, model.TabParameters, ""))
	ed.script.showFindings(inTab(fs, model.TabScript, ""))
	changed := false
	for i, tab := range []string{model.TabSettings, model.TabRateLimits, model.TabFieldMappings, model.TabParameters, model.TabScript} {
		changed = setTabIcon(ed.items[i], findingsIcon(inTab(fs, tab, ""))) || changed
	}
	if changed {
		ed.tabs.Refresh()
	}
}

// setTabIcon sets a tab's icon and reports whether that changed it.
// Refreshing tabs redraws everything in them, so callers refresh only then.
func setTabIcon(item *container.TabItem, icon fyne.Resource) bool {
	name := func(r fyne.Resource) string {
		if r == nil {
			return ""
		}
		return r.Name()
	}
	if name(item.Icon) == name(icon) {
		return false
	}
	item.Icon = icon
	return true
}

// findingsIcon marks a tab that has findings: red for errors, amber for
// warnings only.
func findingsIcon(fs []model.Finding) fyne.Resource {
	switch {
	case len(fs) == 0:
		return nil
	case model.HasErrors(fs):
		return theme.NewErrorThemedResource(theme.ErrorIcon())
	}
	return theme.NewWarningThemedResource(theme.WarningIcon())
}

// focus opens the tab a finding is on and puts the cursor in its field.
func (ed *methodEditor) focus(at model.Location) {
	switch at.Tab {
	case model.TabSettings:
		ed.selectTab(tabSettings)
		ed.settings.focus(at)
	case model.TabRateLimits:
		ed.selectTab(tabRateLimits)
		focusObject(ed.host.win, ed.rates.rate.entry)
	case model.TabFieldMappings:
		ed.selectTab(tabFieldMappings)
		ed.fields.focus(at)
	case model.TabParameters:
		ed.selectTab(tabParameters)
		ed.params.grid.focus(at)
	case model.TabScript:
		ed.selectTab(tabScript)
		ed.script.focusLine(at.Line)
	}
}

// focusObject puts the keyboard focus on o, if it takes focus.
func focusObject(w fyne.Window, o fyne.CanvasObject) {
	if f, ok := o.(fyne.Focusable); ok && o.Visible() {
		w.Canvas().Focus(f)
	}
}
