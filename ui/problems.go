package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// problemsPanel lists what Lint found in the open connector; clicking a
// problem opens the tab and field it is about.
type problemsPanel struct {
	host     *MainWindow
	findings []model.Finding
	title    *widget.Label
	list     *widget.List
	// split holds the panel under the editor: it opens when there are
	// findings and shuts to its title when there are none, unless the
	// author moved it.
	split *container.Split
}

// The editor's share of the height with the problems panel open, and with
// it shut to its title (the split keeps the panel's least height).
const (
	problemsOpen = 0.74
	problemsShut = 1.0
)

func newProblemsPanel(host *MainWindow) *problemsPanel {
	return &problemsPanel{host: host}
}

func (p *problemsPanel) buildUI() fyne.CanvasObject {
	p.title = &widget.Label{Text: "Problems", TextStyle: fyne.TextStyle{Bold: true}}
	p.list = &widget.List{
		Length:     func() int { return len(p.findings) },
		CreateItem: p.createItem,
		UpdateItem: p.updateItem,
		OnSelected: p.onSelected,
	}
	return container.NewBorder(p.title, nil, nil, nil, p.list)
}

func (p *problemsPanel) createItem() fyne.CanvasObject {
	where := &widget.Label{Text: "Method › Tab › Column", TextStyle: fyne.TextStyle{Bold: true}}
	msg := &widget.Label{Text: "message", Truncation: fyne.TextTruncateEllipsis}
	return container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(theme.ErrorIcon()), where), nil, msg)
}

func (p *problemsPanel) updateItem(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(p.findings) {
		return
	}
	f := p.findings[i]
	box := o.(*fyne.Container)
	msg := box.Objects[0].(*widget.Label)
	left := box.Objects[1].(*fyne.Container)
	icon := left.Objects[0].(*widget.Icon)
	where := left.Objects[1].(*widget.Label)
	if f.Severity == model.SeverityError {
		icon.SetResource(theme.NewErrorThemedResource(theme.ErrorIcon()))
	} else {
		icon.SetResource(theme.NewWarningThemedResource(theme.WarningIcon()))
	}
	where.SetText(f.At.Where())
	msg.SetText(f.Message)
}

// set shows the findings and counts them in the title.
func (p *problemsPanel) set(fs []model.Finding) {
	p.findings = fs
	errs, warns := countFindings(fs)
	switch {
	case len(fs) == 0 && p.host.open != nil:
		p.title.SetText("Problems: none")
	case len(fs) == 0:
		p.title.SetText("Problems")
	default:
		p.title.SetText("Problems: " + plural(errs, "error") + ", " + plural(warns, "warning"))
	}
	p.list.UnselectAll()
	p.list.Refresh()
	if len(fs) == 0 {
		p.list.Hide() // the title says it all, in its least height
	} else {
		p.list.Show()
	}
	if p.split != nil {
		switch {
		case len(fs) == 0 && p.split.Offset == problemsOpen:
			p.split.SetOffset(problemsShut)
		case len(fs) > 0 && p.split.Offset >= problemsShut:
			p.split.SetOffset(problemsOpen)
		}
	}
}

func (p *problemsPanel) onSelected(i widget.ListItemID) {
	if i >= len(p.findings) {
		return
	}
	at := p.findings[i].At
	p.list.UnselectAll()
	p.host.goTo(at)
}

// goTo opens the editor and tab a finding is about and focuses its field.
func (m *MainWindow) goTo(at model.Location) {
	if m.open == nil {
		return
	}
	if at.MethodIndex != m.selectedMethod() || (at.MethodIndex < 0 && m.connEd == nil) {
		m.show(at.MethodIndex)
	}
	switch {
	case m.methEd != nil:
		m.methEd.focus(at)
	case m.connEd != nil:
		m.connEd.focus(at)
	}
}
