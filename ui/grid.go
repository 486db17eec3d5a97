package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// column is one column of an editable grid.
type column struct {
	title string // may hold "\n" to break a long title
	// min is the least width; the title's width if that is more.
	min float32
	// weight is the column's share of the width left over.
	weight float32
}

// columnsLayout places a grid row's cells side by side. The header and
// every row share one, so that the columns line up.
type columnsLayout struct {
	widths  []float32
	weights []float32
}

func newColumnsLayout(cols []column) *columnsLayout {
	l := &columnsLayout{}
	for _, c := range cols {
		w := c.min
		for _, line := range strings.Split(c.title, "\n") {
			tw := fyne.MeasureText(line, theme.TextSize(), fyne.TextStyle{Bold: true}).Width + 2*theme.InnerPadding()
			w = max(w, tw)
		}
		l.widths = append(l.widths, w)
		l.weights = append(l.weights, c.weight)
	}
	return l
}

func (l *columnsLayout) minWidth() float32 {
	w := theme.Padding() * float32(len(l.widths)-1)
	for _, cw := range l.widths {
		w += cw
	}
	return w
}

// MinSize is the columns' least widths side by side, as tall as the tallest cell.
func (l *columnsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		if o.Visible() {
			h = max(h, o.MinSize().Height)
		}
	}
	return fyne.NewSize(l.minWidth(), h)
}

// Layout gives each cell its column's width plus its share of what is left.
func (l *columnsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	spare := max(0, size.Width-l.minWidth())
	total := float32(0)
	for _, w := range l.weights {
		total += w
	}
	x := float32(0)
	for i, o := range objs {
		if i >= len(l.widths) {
			break
		}
		w := l.widths[i]
		if total > 0 {
			w += spare * l.weights[i] / total
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + theme.Padding()
	}
}

// gridView is what every editable grid shares: buttons above, a hint for
// the whole grid, a header that stays put, rows that scroll, and a first
// column of check boxes that select rows for the buttons to act on.
type gridView struct {
	cols   []column
	layout *columnsLayout
	hint   *widget.Label
	rows   *fyne.Container
	scroll *container.Scroll
	empty  *widget.Label

	// sel says which rows are selected; checks are their check boxes.
	sel       []bool
	checks    []*widget.Check
	selectAll *widget.Check
	buttons   *gridButtons
}

// selectColumn is the first column of every grid: the row's check box.
var selectColumn = column{min: 36}

func newGridView(cols []column, emptyText string, buttons *gridButtons) *gridView {
	cols = append([]column{selectColumn}, cols...)
	g := &gridView{cols: cols, layout: newColumnsLayout(cols), hint: newHint(), buttons: buttons}
	g.rows = container.NewVBox()
	g.scroll = container.NewVScroll(g.rows)
	g.empty = &widget.Label{Text: emptyText, Importance: widget.LowImportance}
	g.selectAll = &widget.Check{OnChanged: g.onSelectAll}
	return g
}

// buildUI lays the grid out under its buttons. The grid scrolls sideways
// when the window is narrower than its columns.
func (g *gridView) buildUI(extra ...fyne.CanvasObject) fyne.CanvasObject {
	titles := []fyne.CanvasObject{g.selectAll}
	for _, c := range g.cols[1:] {
		titles = append(titles, &widget.Label{Text: c.title, TextStyle: fyne.TextStyle{Bold: true}})
	}
	header := container.New(g.layout, titles...)
	grid := container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil, g.scroll)
	b := g.buttons
	bar := container.NewHBox(append([]fyne.CanvasObject{b.add}, append(extra, b.remove, b.up, b.down)...)...)
	return container.NewBorder(container.NewVBox(bar, g.hint), nil, nil, nil, container.NewHScroll(grid))
}

// beginRows starts building n rows: the selection is kept if the number
// of rows is the same (a move keeps it so), else cleared.
func (g *gridView) beginRows(n int) {
	g.checks = nil
	if len(g.sel) != n {
		g.sel = make([]bool, n)
	}
}

// setRows replaces the rows shown by those built since beginRows.
func (g *gridView) setRows(rows []fyne.CanvasObject) {
	if len(rows) == 0 {
		rows = []fyne.CanvasObject{g.empty}
	}
	g.rows.Objects = rows
	g.rows.Refresh()
	g.selectionChanged()
}

// appendRow adds one row, built by row, at the end; it starts unselected.
func (g *gridView) appendRow(obj fyne.CanvasObject) {
	if len(g.sel) == 0 {
		g.rows.Objects = nil // the "no rows yet" text
	}
	g.sel = append(g.sel, false)
	g.rows.Add(obj)
	g.selectionChanged()
}

// row lays one row's cells out in the grid's columns, after its check box,
// with the row's hint below.
func (g *gridView) row(i int, hint *widget.Label, cells ...fyne.CanvasObject) fyne.CanvasObject {
	check := &widget.Check{OnChanged: func(on bool) { g.onSelect(i, on) }}
	if i < len(g.sel) {
		check.Checked = g.sel[i]
	}
	g.checks = append(g.checks, check)
	return container.NewVBox(container.New(g.layout, append([]fyne.CanvasObject{check}, cells...)...), hint)
}

func (g *gridView) onSelect(i int, on bool) {
	if i < len(g.sel) {
		g.sel[i] = on
	}
	g.selectionChanged()
}

func (g *gridView) onSelectAll(on bool) {
	for i := range g.sel {
		g.sel[i] = on
	}
	for _, c := range g.checks {
		c.Checked = on
		c.Refresh()
	}
	g.selectionChanged()
}

// selectionChanged brings the buttons and the select-all box up to date.
func (g *gridView) selectionChanged() {
	all := len(g.sel) > 0
	for _, s := range g.sel {
		all = all && s
	}
	if g.selectAll.Checked != all {
		g.selectAll.Checked = all
		g.selectAll.Refresh()
	}
	g.buttons.update(g.sel)
}

// scrollTo brings the i-th row into view.
func (g *gridView) scrollTo(i int) {
	if i < 0 || i >= len(g.rows.Objects) {
		return
	}
	// Grow the content to hold a row just added; a Refresh of the scroll
	// would redraw every row.
	if min := g.rows.MinSize(); g.rows.Size().Height < min.Height {
		g.rows.Resize(fyne.NewSize(g.rows.Size().Width, min.Height))
	}
	y := g.rows.Objects[i].Position().Y
	g.scroll.ScrollToOffset(fyne.NewPos(0, y))
}

// gridButtons are the buttons over a grid: add a row, and remove or move
// the selected ones.
type gridButtons struct {
	add, remove, up, down *widget.Button
}

func newGridButtons(addText, removeText string, add, remove, up, down func()) *gridButtons {
	return &gridButtons{
		add:    &widget.Button{Text: addText, Icon: theme.ContentAddIcon(), OnTapped: add},
		remove: &widget.Button{Text: removeText, Icon: theme.DeleteIcon(), OnTapped: remove},
		up:     &widget.Button{Text: "Move up", Icon: theme.MoveUpIcon(), OnTapped: up},
		down:   &widget.Button{Text: "Move down", Icon: theme.MoveDownIcon(), OnTapped: down},
	}
}

// update enables the buttons that act on a selection when there is one.
func (b *gridButtons) update(sel []bool) {
	some := false
	for _, s := range sel {
		some = some || s
	}
	setEnabled(b.remove, some)
	setEnabled(b.up, some)
	setEnabled(b.down, some)
}

// moveSelected moves the selected items one place up (or down), keeping
// their order, and reports whether anything moved.
func moveSelected[T any](items []T, sel []bool, up bool) bool {
	moved := false
	swap := func(i, j int) {
		items[i], items[j] = items[j], items[i]
		sel[i], sel[j] = sel[j], sel[i]
		moved = true
	}
	if up {
		for i := 1; i < len(items); i++ {
			if sel[i] && !sel[i-1] {
				swap(i, i-1)
			}
		}
		return moved
	}
	for i := len(items) - 2; i >= 0; i-- {
		if sel[i] && !sel[i+1] {
			swap(i, i+1)
		}
	}
	return moved
}

// deleteSelected returns the items not selected.
func deleteSelected[T any](items []T, sel []bool) []T {
	var out []T
	for i, it := range items {
		if i >= len(sel) || !sel[i] {
			out = append(out, it)
		}
	}
	return out
}

// gridRow is a grid row as lint findings see it: the hint under it, and its
// widgets by the column Lint names them with; the first cell takes the
// focus for a finding about a column the row has no widget for.
type gridRow interface {
	rowHint() *widget.Label
	cells() (first fyne.CanvasObject, byColumn map[string]fyne.CanvasObject)
}

// showRowFindings shows findings about the whole grid above it and the
// rest under their rows, outlining the entries they are about.
func showRowFindings[R gridRow](g *gridView, fs []model.Finding, rows []R) {
	byRowFs := byRow(fs)
	showHint(g.hint, byRowFs[-1], nil)
	for i, r := range rows {
		showHint(r.rowHint(), byRowFs[i], columnOf)
		cols := byColumn(byRowFs[i])
		_, cells := r.cells()
		for column, obj := range cells {
			if e, ok := obj.(*widget.Entry); ok {
				markEntry(e, cols[column])
			}
		}
	}
}

// focusRowCell scrolls to a finding's row and puts the cursor in its column.
func focusRowCell[R gridRow](g *gridView, win fyne.Window, at model.Location, rows []R) {
	if at.Row < 0 || at.Row >= len(rows) {
		return
	}
	obj, cells := rows[at.Row].cells()
	if c, ok := cells[at.Column]; ok {
		obj = c
	}
	g.scrollTo(at.Row)
	focusObject(win, obj)
}
