package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// paramGrid edits a Parameters grid: a method's, or the connector's, which
// has the Sensitive and Account Connector Property columns besides.
type paramGrid struct {
	host      *MainWindow
	params    func() *[]model.Parameter
	changed   func()
	connector bool

	view     *gridView
	rows     []*paramRow
	findings []model.Finding
}

// paramRow is one parameter's widgets.
type paramRow struct {
	targetType                           *widget.Select
	targetName, displayName, description *widget.Entry
	hidden, optional                     *widget.Check
	sensitive, accountProperty           *widget.Check
	value                                *widget.Entry
	moreValues                           *widget.Button
	hint                                 *widget.Label
}

func paramColumns(connector bool) []column {
	// Values is wide enough for a BaseUrl such as http://127.0.0.1:8089.
	cols := []column{
		{title: "Target Type", min: 130},
		{title: "Target Name", min: 110, weight: 3},
		{title: "Display Name", min: 90, weight: 2},
		{title: "Description", min: 100, weight: 3},
		{title: "Hidden"},
		{title: "Optional"},
	}
	if connector {
		cols = append(cols, column{title: "Sensitive"}, column{title: "Account\nConnector\nProperty"})
	}
	return append(cols, column{title: "Values", min: 195, weight: 3})
}

func newParamGrid(host *MainWindow, params func() *[]model.Parameter, changed func(), connector bool) *paramGrid {
	g := &paramGrid{host: host, params: params, changed: changed, connector: connector}
	buttons := newGridButtons("Add Parameter", "Delete Selected Parameters", g.onAdd, g.onDeleteSelected, g.onMoveUp, g.onMoveDown)
	empty := "No parameters. A {{Mergefield}} used in an Endpoint or value needs one here (Target Type MergeField); you do not need the curly braces."
	g.view = newGridView(paramColumns(connector), empty, buttons)
	return g
}

func (g *paramGrid) buildUI() fyne.CanvasObject {
	g.reload()
	return g.view.buildUI()
}

func (g *paramGrid) reload() {
	ps := *g.params()
	g.rows = nil
	g.view.beginRows(len(ps))
	var objs []fyne.CanvasObject
	for i, p := range ps {
		objs = append(objs, g.buildRow(i, p))
	}
	g.view.setRows(objs)
	g.showFindings(g.findings)
}

func (g *paramGrid) buildRow(i int, p model.Parameter) fyne.CanvasObject {
	r := g.newRow(i, p)
	g.rows = append(g.rows, r)
	cells := []fyne.CanvasObject{r.targetType, r.targetName, r.displayName, r.description, r.hidden, r.optional}
	if g.connector {
		cells = append(cells, r.sensitive, r.accountProperty)
	}
	cells = append(cells, container.NewBorder(nil, nil, nil, r.moreValues, r.value))
	return g.view.row(i, r.hint, cells...)
}

func (g *paramGrid) newRow(i int, p model.Parameter) *paramRow {
	edit := func(set func(*model.Parameter)) {
		set(&(*g.params())[i])
		g.changed()
	}
	text := func(v string, set func(*model.Parameter, string)) *widget.Entry {
		return &widget.Entry{Text: v, OnChanged: func(s string) { edit(func(p *model.Parameter) { set(p, s) }) }}
	}
	check := func(v bool, set func(*model.Parameter, bool)) *widget.Check {
		return &widget.Check{Checked: v, OnChanged: func(on bool) { edit(func(p *model.Parameter) { set(p, on) }) }}
	}
	r := &paramRow{
		targetType: &widget.Select{Options: enumStrings(model.TargetTypes), Selected: string(p.TargetType), OnChanged: func(s string) {
			edit(func(p *model.Parameter) { p.TargetType = model.TargetType(s) })
		}},
		targetName:      text(p.TargetName, func(p *model.Parameter, s string) { p.TargetName = s }),
		displayName:     text(p.DisplayName, func(p *model.Parameter, s string) { p.DisplayName = s }),
		description:     text(p.Description, func(p *model.Parameter, s string) { p.Description = s }),
		hidden:          check(p.IsHidden, func(p *model.Parameter, on bool) { p.IsHidden = on }),
		optional:        check(p.IsOptional, func(p *model.Parameter, on bool) { p.IsOptional = on }),
		accountProperty: check(p.IsAccountConnectorProperty, func(p *model.Parameter, on bool) { p.IsAccountConnectorProperty = on }),
		value: &widget.Entry{Text: p.Value(), Password: p.IsSensitive, PlaceHolder: valuesPlaceholder(p), OnChanged: func(s string) {
			edit(func(p *model.Parameter) { setFirstValue(p, s) })
		}},
		moreValues: &widget.Button{Icon: theme.MoreHorizontalIcon(), Importance: widget.LowImportance, OnTapped: func() { g.onEditValues(i) }},
		hint:       newHint(),
	}
	// A Sensitive value is masked; the row is rebuilt to add the reveal toggle.
	r.sensitive = &widget.Check{Checked: p.IsSensitive, OnChanged: func(on bool) {
		edit(func(p *model.Parameter) { p.IsSensitive = on })
		g.reload()
	}}
	return r
}

func valuesPlaceholder(p model.Parameter) string {
	if len(p.Values) > 1 {
		return ""
	}
	return "value"
}

// setFirstValue sets the parameter's value, the first of its Values.
func setFirstValue(p *model.Parameter, s string) {
	switch {
	case len(p.Values) == 0 && s == "":
	case len(p.Values) == 0:
		p.Values = []string{s}
	case len(p.Values) == 1 && s == "":
		p.Values = nil
	default:
		p.Values[0] = s
	}
}

// onEditValues edits all of a parameter's Values, one a line, and on the
// connector whether the value is Multiline (which the grid has no room for).
func (g *paramGrid) onEditValues(i int) {
	p := (*g.params())[i]
	e := &widget.Entry{MultiLine: true, Text: strings.Join(p.Values, "\n"), Password: p.IsSensitive}
	e.SetMinRowsVisible(6)
	multiline := &widget.Check{Text: "Multiline: the account enters the value in a box of several lines", Checked: p.IsMultiline}
	var bottom fyne.CanvasObject
	if g.connector {
		bottom = multiline
	}
	content := container.NewBorder(widget.NewLabel("One value a line: the first is the value, the others the choices offered."), bottom, nil, nil, e)
	o := g.host.open
	d := dialog.NewCustomConfirm("Values of "+p.TargetName, "Set", "Cancel", content, func(ok bool) {
		if !ok || g.host.open != o || i >= len(*g.params()) {
			return // the connector it was opened on is no longer open
		}
		var vs []string
		for _, line := range strings.Split(e.Text, "\n") {
			if line = strings.TrimRight(line, "\r"); line != "" {
				vs = append(vs, line)
			}
		}
		(*g.params())[i].Values = vs
		(*g.params())[i].IsMultiline = multiline.Checked
		g.reload()
		g.changed()
	}, g.host.win)
	d.Resize(fyne.NewSize(520, 360))
	d.Show()
}

// onAdd adds a MergeField parameter and puts the cursor in its Target Name.
func (g *paramGrid) onAdd() {
	ps := g.params()
	*ps = append(*ps, model.Parameter{TargetType: model.TargetMergeField})
	last := len(*ps) - 1
	g.view.appendRow(g.buildRow(last, (*ps)[last]))
	g.changed()
	g.view.scrollTo(last)
	focusObject(g.host.win, g.rows[last].targetName)
}

func (g *paramGrid) onDeleteSelected() {
	ps := g.params()
	*ps = deleteSelected(*ps, g.view.sel)
	g.reload()
	g.changed()
}

func (g *paramGrid) onMoveUp()   { g.move(true) }
func (g *paramGrid) onMoveDown() { g.move(false) }

func (g *paramGrid) move(up bool) {
	if moveSelected(*g.params(), g.view.sel, up) {
		g.reload()
		g.changed()
	}
}

func (g *paramGrid) showFindings(fs []model.Finding) {
	g.findings = fs
	showRowFindings(g.view, fs, g.rows)
}

func (g *paramGrid) focus(at model.Location) { focusRowCell(g.view, g.host.win, at, g.rows) }

func (r *paramRow) rowHint() *widget.Label { return r.hint }

func (r *paramRow) cells() (fyne.CanvasObject, map[string]fyne.CanvasObject) {
	return r.targetName, map[string]fyne.CanvasObject{
		"Target Type": r.targetType, "Target Name": r.targetName, "Values": r.value,
	}
}
