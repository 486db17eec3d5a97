package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// generateDialog makes fields from a sample payload: the author pastes
// JSON or XML, sees the fields model.GenerateFields finds in it (paths in Cyclr
// notation, data types inferred), and picks which to add to the grid.
type generateDialog struct {
	grid *fieldGrid

	sample  *escapeEntry
	problem *widget.Label
	preview *fyne.Container
	all     *widget.Check
	add     *widget.Button
	dlg     *dialog.CustomDialog

	found  []model.Field
	picks  []*widget.Check
	layout *columnsLayout
}

var generateColumns = []column{
	{min: 36},
	{title: "Connector Field", min: 200, weight: 3},
	{title: "Data Type", min: 90},
	{title: "Display Name", min: 140, weight: 2},
}

func newGenerateDialog(g *fieldGrid) *generateDialog {
	return &generateDialog{grid: g, layout: newColumnsLayout(generateColumns)}
}

func (d *generateDialog) show() {
	d.dlg = dialog.NewCustomWithoutButtons("Generate Fields: "+d.grid.grid, d.buildUI(), d.grid.ed.host.win)
	d.dlg.SetButtons([]fyne.CanvasObject{
		&widget.Button{Text: "Cancel", OnTapped: d.dlg.Hide},
		d.add,
	})
	d.dlg.Resize(fyne.NewSize(820, 640))
	dialogKeys(d.grid.ed.host.win, d.dlg, d.dlg.Hide, nil) // the sample box takes Return itself
	d.dlg.Show()
	d.grid.ed.host.win.Canvas().Focus(d.sample)
}

func (d *generateDialog) buildUI() fyne.CanvasObject {
	d.sample = &escapeEntry{Entry: widget.Entry{
		MultiLine:   true,
		Wrapping:    fyne.TextWrapBreak,
		TextStyle:   fyne.TextStyle{Monospace: true},
		PlaceHolder: `{"id": 1, "active": true}`,
		OnChanged:   d.onSampleChanged,
	}}
	d.sample.ExtendBaseWidget(d.sample)
	d.sample.onEscape = func() { d.dlg.Hide() } // the cursor is in the box when it opens
	d.sample.SetMinRowsVisible(8)
	d.problem = newHint()
	d.preview = container.NewVBox()
	d.all = &widget.Check{Text: "", OnChanged: d.onAll}
	d.add = &widget.Button{Text: "Add Fields", Importance: widget.HighImportance, OnTapped: d.onAdd}
	d.add.Disable()

	header := container.New(d.layout,
		d.all,
		&widget.Label{Text: "Connector Field", TextStyle: fyne.TextStyle{Bold: true}},
		&widget.Label{Text: "Data Type", TextStyle: fyne.TextStyle{Bold: true}},
		&widget.Label{Text: "Display Name", TextStyle: fyne.TextStyle{Bold: true}},
	)
	top := container.NewVBox(
		widget.NewLabel("Paste a sample payload, JSON or XML: a response, or a delivery the webhook receives."),
		d.sample,
		d.problem,
		&widget.Label{Text: "Fields it would make", TextStyle: fyne.TextStyle{Bold: true}},
		header,
	)
	return container.NewBorder(top, nil, nil, nil, container.NewVScroll(d.preview))
}

// onSampleChanged reads the sample again and lists its fields.
func (d *generateDialog) onSampleChanged(s string) {
	d.found, d.picks = nil, nil
	d.preview.Objects = nil
	fs, err := model.GenerateFields([]byte(s))
	if err != nil && s != "" {
		d.problem.SetText(err.Error())
		d.problem.Show()
	} else {
		d.problem.Hide()
	}
	have := map[string]bool{}
	for _, f := range *d.grid.fields() {
		have[f.ConnectorField] = true
	}
	if i := d.webhookIDField(fs); i >= 0 && !have[fs[i].ConnectorField] {
		fs[i].SystemField = model.SystemFieldWebhookID
	}
	for _, f := range fs {
		pick := &widget.Check{Checked: !have[f.ConnectorField], OnChanged: d.onPick}
		name := f.DisplayName
		if have[f.ConnectorField] {
			pick.Disable()
			name += " (in the grid already)"
		} else if f.SystemField != "" {
			name += " → " + f.SystemField
		}
		d.found = append(d.found, f)
		d.picks = append(d.picks, pick)
		d.preview.Add(container.New(d.layout, pick,
			widget.NewLabel(f.ConnectorField),
			widget.NewLabel(string(f.DataType)),
			widget.NewLabel(name)))
	}
	d.preview.Refresh()
	d.onPick(false)
}

// webhookIDField is the index of the generated field that holds a new
// webhook's id, to be mapped to Cyclr_Webhook_Id, when the grid is the
// Response Format of a Create Webhook Method that maps nothing to it yet:
// the shallowest field named id outside lists; -1 otherwise.
func (d *generateDialog) webhookIDField(fs []model.Field) int {
	if d.grid.grid != model.GridResponse {
		return -1
	}
	m := d.grid.ed.method()
	creates := false
	for _, w := range d.grid.ed.connector().Methods {
		creates = creates || (w.MethodType == model.MethodWebhook && w.CreateWebhookMethod == m.Name && m.Name != "")
	}
	if !creates || slices.ContainsFunc(*d.grid.fields(), func(f model.Field) bool { return f.SystemField == model.SystemFieldWebhookID }) {
		return -1
	}
	best, depth := -1, 0
	for i, f := range fs {
		path := f.ConnectorField
		if strings.ContainsAny(path, `[\`) {
			continue
		}
		leaf := path[strings.LastIndex(path, ".")+1:]
		if n := strings.Count(path, "."); strings.EqualFold(leaf, "id") && (best < 0 || n < depth) {
			best, depth = i, n
		}
	}
	return best
}

// onPick counts the picked fields into the Add button.
func (d *generateDialog) onPick(bool) {
	n, enabled := 0, 0
	for _, p := range d.picks {
		if !p.Disabled() {
			enabled++
			if p.Checked {
				n++
			}
		}
	}
	d.add.SetText(fmt.Sprintf("Add %s", plural(n, "Field")))
	setEnabled(d.add, n > 0)
	d.all.Checked = enabled > 0 && n == enabled
	d.all.Refresh()
}

func (d *generateDialog) onAll(on bool) {
	for _, p := range d.picks {
		if !p.Disabled() {
			p.Checked = on
			p.Refresh()
		}
	}
	d.onPick(on)
}

// onAdd adds the picked fields to the grid.
func (d *generateDialog) onAdd() {
	var add []model.Field
	for i, p := range d.picks {
		if p.Checked && !p.Disabled() {
			add = append(add, d.found[i])
		}
	}
	d.dlg.Hide()
	if host := d.grid.ed.host; host.methEd != d.grid.ed {
		return // the method it was opened on is no longer open
	}
	d.grid.addFields(add)
	d.grid.ed.host.setStatus(widget.MediumImportance, "Added %s to the %s.", plural(len(add), "field"), d.grid.grid)
}
