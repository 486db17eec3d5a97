package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// tabContent holds one tab's content. AppTabs refreshes every tab's content
// whenever it refreshes (its renderer made, a tab chosen, a tab's icon
// changed), and a grid of a hundred rows, each with its checkboxes, costs
// a redraw each time: switching methods on a large connector took a second
// or two. A tabContent passes a Refresh on only while it is shown (Show
// refreshes it, so it catches up then); and the method editor puts the
// contents in only once its tabs are made and the right one chosen
// (setContent), so that they are drawn once.
type tabContent struct {
	widget.BaseWidget
	content fyne.CanvasObject
}

// newTabContent holds nothing until setContent.
func newTabContent() *tabContent {
	t := &tabContent{content: canvas.NewRectangle(nil)}
	t.ExtendBaseWidget(t)
	return t
}

// setContent puts the tab's content in: laid out and drawn as it was just
// made, not refreshed again.
func (t *tabContent) setContent(c fyne.CanvasObject) {
	t.content = c
	c.Resize(t.Size())
	canvas.Refresh(t)
}

func (t *tabContent) CreateRenderer() fyne.WidgetRenderer { return &tabContentRenderer{t} }

// Refresh redraws the content if it is shown.
func (t *tabContent) Refresh() {
	if t.Visible() {
		t.BaseWidget.Refresh()
	}
}

// tabContentRenderer draws whatever content the tab holds now.
type tabContentRenderer struct{ t *tabContent }

func (r *tabContentRenderer) Layout(s fyne.Size)           { r.t.content.Resize(s) }
func (r *tabContentRenderer) MinSize() fyne.Size           { return r.t.content.MinSize() }
func (r *tabContentRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.t.content} }
func (r *tabContentRenderer) Refresh()                     { r.t.content.Refresh() }
func (r *tabContentRenderer) Destroy()                     {}
