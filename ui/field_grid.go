package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// fieldColumns are the builder's Request and Response Format columns.
// System Field and Default Value are wide enough for Cyclr_Webhook_Id and
// {{Cyclr_Webhook_Url}}, the values a webhook's methods hold there.
var fieldColumns = []column{
	{title: "Connector Field", min: 140, weight: 3},
	{title: "System Field", min: 165, weight: 2},
	{title: "Display Name", min: 100, weight: 2},
	{title: "Description", min: 90, weight: 3},
	{title: "Hidden"},
	{title: "Optional"},
	{title: "Data Type", min: 116},
	{title: "Default Value", min: 185, weight: 3},
}

// fieldGrid edits a Request Format or Response Format grid in place.
type fieldGrid struct {
	ed   *methodEditor
	grid string // model.GridRequest or model.GridResponse
	view *gridView
	rows []*fieldRow

	generate *widget.Button
	gen      *generateDialog
	findings []model.Finding
}

// fieldRow is one field's widgets.
type fieldRow struct {
	connectorField, systemField, displayName *widget.Entry
	description, defaultValue                *widget.Entry
	hidden, optional                         *widget.Check
	dataType                                 *widget.Select
	hint                                     *widget.Label
}

func newFieldGrid(ed *methodEditor, grid string) *fieldGrid {
	g := &fieldGrid{ed: ed, grid: grid}
	buttons := newGridButtons("Add Field", "Delete Selected Fields", g.onAdd, g.onDeleteSelected, g.onMoveUp, g.onMoveDown)
	g.view = newGridView(fieldColumns, "No fields yet: Add Field, or Generate Fields from a sample payload.", buttons)
	g.generate = &widget.Button{Text: "Generate Fields", Icon: theme.SearchIcon(), OnTapped: g.onGenerate}
	return g
}

// fields is the grid's list in the method, looked up afresh each time.
func (g *fieldGrid) fields() *[]model.Field {
	m := g.ed.method()
	if g.grid == model.GridResponse {
		return &m.ResponseFormat.Fields
	}
	return &m.RequestFormat.Fields
}

func (g *fieldGrid) buildUI() fyne.CanvasObject {
	g.reload()
	return g.view.buildUI(g.generate)
}

// reload builds a row of widgets for every field.
func (g *fieldGrid) reload() {
	fs := *g.fields()
	g.rows = nil
	g.view.beginRows(len(fs))
	var objs []fyne.CanvasObject
	for i, f := range fs {
		objs = append(objs, g.buildRow(i, f))
	}
	g.view.setRows(objs)
	g.showFindings(g.findings)
}

// appendRows shows the fields from index from on, added at the end, without
// building the rows before them again.
func (g *fieldGrid) appendRows(from int) {
	fs := *g.fields()
	for i := from; i < len(fs); i++ {
		g.view.appendRow(g.buildRow(i, fs[i]))
	}
}

func (g *fieldGrid) buildRow(i int, f model.Field) fyne.CanvasObject {
	r := g.newRow(i, f)
	g.rows = append(g.rows, r)
	return g.view.row(i, r.hint,
		r.connectorField, r.systemField, r.displayName, r.description,
		r.hidden, r.optional, r.dataType, r.defaultValue)
}

func (g *fieldGrid) newRow(i int, f model.Field) *fieldRow {
	edit := func(set func(*model.Field)) {
		set(&(*g.fields())[i])
		g.ed.changed()
	}
	text := func(v string, set func(*model.Field, string)) *widget.Entry {
		return &widget.Entry{Text: v, OnChanged: func(s string) { edit(func(f *model.Field) { set(f, s) }) }}
	}
	return &fieldRow{
		connectorField: text(f.ConnectorField, func(f *model.Field, s string) { f.ConnectorField = s }),
		systemField:    text(f.SystemField, func(f *model.Field, s string) { f.SystemField = s }),
		displayName:    text(f.DisplayName, func(f *model.Field, s string) { f.DisplayName = s }),
		description:    text(f.Description, func(f *model.Field, s string) { f.Description = s }),
		defaultValue:   text(f.DefaultValue, func(f *model.Field, s string) { f.DefaultValue = s }),
		hidden: &widget.Check{Checked: f.IsHidden, OnChanged: func(on bool) {
			edit(func(f *model.Field) { f.IsHidden = on })
		}},
		optional: &widget.Check{Checked: f.IsOptional, OnChanged: func(on bool) {
			edit(func(f *model.Field) { f.IsOptional = on })
		}},
		dataType: &widget.Select{Options: enumStrings(model.FieldTypes), Selected: string(f.DataType), OnChanged: func(s string) {
			edit(func(f *model.Field) { f.DataType = model.FieldType(s) })
		}},
		hint: newHint(),
	}
}

// onAdd adds an empty Text field and puts the cursor in its Connector Field.
func (g *fieldGrid) onAdd() {
	fs := g.fields()
	*fs = append(*fs, model.Field{DataType: model.FieldText})
	g.appendRows(len(*fs) - 1)
	g.ed.changed()
	last := len(g.rows) - 1
	g.view.scrollTo(last)
	focusObject(g.ed.host.win, g.rows[last].connectorField)
}

func (g *fieldGrid) onDeleteSelected() {
	fs := g.fields()
	*fs = deleteSelected(*fs, g.view.sel)
	g.reload()
	g.ed.changed()
	if g.grid == model.GridResponse && g.ed.method().MethodType == model.MethodWebhook {
		g.ed.fields.setWebhook(true) // a Webhook's last unused rows gone: so is their grid
	}
}

func (g *fieldGrid) onMoveUp()   { g.move(true) }
func (g *fieldGrid) onMoveDown() { g.move(false) }

func (g *fieldGrid) move(up bool) {
	if moveSelected(*g.fields(), g.view.sel, up) {
		g.reload()
		g.ed.changed()
	}
}

// addFields appends generated fields.
func (g *fieldGrid) addFields(add []model.Field) {
	if len(add) == 0 {
		return
	}
	fs := g.fields()
	*fs = append(*fs, add...)
	g.appendRows(len(*fs) - len(add))
	g.ed.changed()
}

func (g *fieldGrid) onGenerate() {
	g.gen = newGenerateDialog(g)
	g.gen.show()
}

// showFindings shows findings about the whole grid above it and the rest
// under their rows.
func (g *fieldGrid) showFindings(fs []model.Finding) {
	g.findings = fs
	showRowFindings(g.view, fs, g.rows)
}

// focus scrolls to a finding's row and puts the cursor in its column.
func (g *fieldGrid) focus(at model.Location) { focusRowCell(g.view, g.ed.host.win, at, g.rows) }

func (r *fieldRow) rowHint() *widget.Label { return r.hint }

func (r *fieldRow) cells() (fyne.CanvasObject, map[string]fyne.CanvasObject) {
	return r.connectorField, map[string]fyne.CanvasObject{
		"Connector Field": r.connectorField, "System Field": r.systemField,
		"Data Type": r.dataType, "Default Value": r.defaultValue,
	}
}
