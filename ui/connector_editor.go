package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// The connector editor's tabs, in order.
const (
	connTabSettings = iota
	connTabAuthentication
	connTabParameters
	connTabScript
	connTabAccount
)

// connectorEditor edits the open connector itself: its settings, how it
// authenticates, its connector-level parameters and script, and the
// account values a test run uses.
type connectorEditor struct {
	host *MainWindow

	title                         *widget.Label
	tabs                          *container.AppTabs
	items                         []*container.TabItem
	name, description, apiVersion *widget.Entry
	nameHint                      *widget.Label
	rate                          *rateField
	auth                          *authGrid
	params                        *paramGrid
	script                        *scriptTab
	account                       *accountTab
}

func newConnectorEditor(host *MainWindow) *connectorEditor {
	e := &connectorEditor{host: host}
	e.auth = newAuthGrid(e)
	e.params = newParamGrid(host, e.parameters, e.changed, true)
	e.script = newScriptTab(host, func() string { return "connector script" }, e.getScript, e.setScript)
	e.account = newAccountTab(e)
	return e
}

func (e *connectorEditor) conn() *model.Connector { return e.host.open.conn }

func (e *connectorEditor) buildUI() fyne.CanvasObject {
	var header fyne.CanvasObject
	e.title, header = editorHeader("", "Connector")
	e.items = []*container.TabItem{
		container.NewTabItem(model.TabSettings, e.buildSettings()),
		container.NewTabItem(model.TabAuthentication, e.auth.buildUI()),
		container.NewTabItem(model.TabParameters, e.params.buildUI()),
		container.NewTabItem(model.TabScript, e.script.buildUI()),
		container.NewTabItem("Account Values", e.account.buildUI()),
	}
	e.tabs = container.NewAppTabs(e.items...)
	e.tabs.OnSelected = e.onTabSelected
	e.updateTitle()
	return container.NewBorder(container.NewPadded(header), nil, nil, nil, e.tabs)
}

func (e *connectorEditor) buildSettings() fyne.CanvasObject {
	c := e.conn()
	e.name = &widget.Entry{Text: c.Name, OnChanged: e.onNameChanged}
	e.description = &widget.Entry{Text: c.Description, MultiLine: true, Wrapping: fyne.TextWrapWord, OnChanged: e.onDescriptionChanged}
	e.description.SetMinRowsVisible(3)
	e.apiVersion = &widget.Entry{Text: c.ApiVersion, PlaceHolder: "e.g. 1 or v2", OnChanged: e.onAPIVersionChanged}
	e.nameHint = newHint()
	open := e.host.open
	e.rate = newRateField("none", func() float64 { return e.conn().RateLimit }, func(r float64) {
		e.conn().RateLimit = r
		e.changed()
	}, open.refusedRate(-1, c.RateLimit), func(text string) {
		open.keepRefusedRate(-1, text)
	})
	note := &widget.Label{
		Text:       "Methods are listed under the connector on the left. Select one to edit its Settings, Rate Limits, Field Mappings, Parameters and Script.",
		Importance: widget.LowImportance,
		Wrapping:   fyne.TextWrapWord,
	}
	form := container.NewVBox(
		container.NewGridWithColumns(2, formField("Name", e.name, e.nameHint), formField("API Version", e.apiVersion, nil)),
		formField("Description", e.description, nil),
		container.NewGridWithColumns(2, formField("Rate limit (requests a second)", e.rate.entry, e.rate.hint), layout.NewSpacer()),
		note,
	)
	return container.NewVScroll(container.NewPadded(form))
}

func (e *connectorEditor) onTabSelected(*container.TabItem) {
	if e.tabs.SelectedIndex() == connTabAccount {
		e.account.reload() // the parameters may have changed
	}
}

func (e *connectorEditor) updateTitle() { e.title.SetText(e.host.open.displayName()) }

func (e *connectorEditor) changed() {
	e.updateTitle()
	e.host.changed()
}

func (e *connectorEditor) onNameChanged(s string)        { e.conn().Name = s; e.changed() }
func (e *connectorEditor) onDescriptionChanged(s string) { e.conn().Description = s; e.changed() }
func (e *connectorEditor) onAPIVersionChanged(s string)  { e.conn().ApiVersion = s; e.changed() }

func (e *connectorEditor) parameters() *[]model.Parameter { return &e.conn().Parameters }
func (e *connectorEditor) getScript() string              { return e.conn().Script }
func (e *connectorEditor) setScript(s string)             { e.conn().Script = s; e.changed() }

func (e *connectorEditor) focusName() { focusObject(e.host.win, e.name) }

// showFindings shows the connector's findings beside its fields.
func (e *connectorEditor) showFindings(fs []model.Finding) {
	var settings, rate []model.Finding
	for _, f := range inTab(fs, model.TabSettings, "") {
		if f.At.Column == model.ColumnRateLimit {
			rate = append(rate, f)
		} else {
			settings = append(settings, f)
		}
	}
	showHint(e.nameHint, settings, nil)
	markEntry(e.name, settings)
	e.rate.showFindings(rate)
	e.auth.showFindings(inTab(fs, model.TabAuthentication, ""))
	e.params.showFindings(inTab(fs, model.TabParameters, ""))
	e.script.showFindings(inTab(fs, model.TabScript, ""))
	changed := false
	for i, tab := range []string{model.TabSettings, model.TabAuthentication, model.TabParameters, model.TabScript} {
		changed = setTabIcon(e.items[i], findingsIcon(inTab(fs, tab, ""))) || changed
	}
	if changed {
		e.tabs.Refresh()
	}
}

// focus opens the tab a finding is on and puts the cursor in its field.
func (e *connectorEditor) focus(at model.Location) {
	switch at.Tab {
	case model.TabSettings:
		e.tabs.SelectIndex(connTabSettings)
		if at.Column == model.ColumnRateLimit {
			focusObject(e.host.win, e.rate.entry)
		} else {
			e.focusName()
		}
	case model.TabAuthentication:
		e.tabs.SelectIndex(connTabAuthentication)
		e.auth.focus(at)
	case model.TabParameters:
		e.tabs.SelectIndex(connTabParameters)
		e.params.focus(at)
	case model.TabScript:
		e.tabs.SelectIndex(connTabScript)
		e.script.focusLine(at.Line)
	}
}
