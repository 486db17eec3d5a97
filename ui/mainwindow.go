// Package ui is Patchbay's window: the sidebar of connectors and methods and
// the editors beside it. It renders and binds; the model, the store and the
// engine do the work.
package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// MainWindow is the designer's window.
type MainWindow struct {
	ctx    context.Context
	win    fyne.Window
	store  model.Connectors
	tree   *widget.Tree
	detail *widget.Label

	connectors []model.ConnectorSummary
}

// NewMainWindow builds the window over the given store and loads the list of
// connectors.
func NewMainWindow(ctx context.Context, a fyne.App, st model.Connectors) fyne.Window {
	m := &MainWindow{ctx: ctx, store: st, win: a.NewWindow("Patchbay")}
	m.buildUI()
	m.reload()
	m.win.Resize(fyne.NewSize(1100, 720))
	return m.win
}

func (m *MainWindow) buildUI() {
	m.detail = widget.NewLabel("Choose a connector or a method.")
	m.detail.Wrapping = fyne.TextWrapWord
	m.tree = &widget.Tree{
		ChildUIDs:  m.childUIDs,
		IsBranch:   func(id widget.TreeNodeID) bool { _, _, isMethod := splitNode(id); return !isMethod },
		CreateNode: func(bool) fyne.CanvasObject { return widget.NewLabel("connector name") },
		UpdateNode: m.updateNode,
		OnSelected: m.onSelected,
	}
	split := container.NewHSplit(m.tree, container.NewVScroll(m.detail))
	split.Offset = 0.3
	m.win.SetContent(split)
}

func (m *MainWindow) reload() {
	list, err := m.store.ListConnectors(m.ctx)
	if err != nil {
		dialog.ShowError(err, m.win)
		return
	}
	m.connectors = list
	m.tree.Refresh()
	for i := range list {
		m.tree.OpenBranch(connectorNode(i))
	}
}

func connectorNode(i int) string { return fmt.Sprintf("c%d", i) }
func methodNode(i, j int) string { return fmt.Sprintf("c%d/m%d", i, j) }
func splitNode(id string) (c, method int, isMethod bool) {
	if n, _ := fmt.Sscanf(id, "c%d/m%d", &c, &method); n == 2 {
		return c, method, true
	}
	fmt.Sscanf(id, "c%d", &c)
	return c, -1, false
}

func (m *MainWindow) childUIDs(id widget.TreeNodeID) []widget.TreeNodeID {
	var ids []string
	if id == "" {
		for i := range m.connectors {
			ids = append(ids, connectorNode(i))
		}
		return ids
	}
	c, _, isMethod := splitNode(id)
	if isMethod || c >= len(m.connectors) {
		return nil
	}
	for j := range m.connectors[c].Methods {
		ids = append(ids, methodNode(c, j))
	}
	return ids
}

func (m *MainWindow) updateNode(id widget.TreeNodeID, _ bool, o fyne.CanvasObject) {
	label := o.(*widget.Label)
	c, j, isMethod := splitNode(id)
	if c >= len(m.connectors) {
		return
	}
	if !isMethod {
		label.SetText(m.connectors[c].Name)
		label.TextStyle = fyne.TextStyle{Bold: true}
		return
	}
	ms := m.connectors[c].Methods[j]
	label.TextStyle = fyne.TextStyle{}
	label.Importance = widget.MediumImportance
	if ms.Hide {
		label.Importance = widget.LowImportance
	}
	label.SetText(fmt.Sprintf("%s  · %s", ms.Name, ms.MethodType))
}

func (m *MainWindow) onSelected(id widget.TreeNodeID) {
	c, j, isMethod := splitNode(id)
	if c >= len(m.connectors) {
		return
	}
	conn, err := m.store.LoadConnector(m.ctx, m.connectors[c].Name)
	if err != nil {
		dialog.ShowError(err, m.win)
		return
	}
	if !isMethod {
		m.detail.SetText(fmt.Sprintf("%s\n\n%s\n\nAPI version %s · %d methods", conn.Name, conn.Description, conn.ApiVersion, len(conn.Methods)))
		return
	}
	meth := conn.Method(m.connectors[c].Methods[j].Name)
	if meth == nil {
		return
	}
	text := fmt.Sprintf("%s (%s)\n\n%s\n\n", meth.Name, meth.MethodType, meth.Description)
	if meth.MethodType == model.MethodWebhook {
		text += fmt.Sprintf("Create Webhook Method: %s\nDelete Webhook Method: %s\n", meth.CreateWebhookMethod, meth.DeleteWebhookMethod)
	} else {
		text += fmt.Sprintf("%s %s\n", meth.HttpMethod, meth.Endpoint)
	}
	text += fmt.Sprintf("\nRequest Format: %d fields · Response Format: %d fields · Parameters: %d", len(meth.RequestFormat.Fields), len(meth.ResponseFormat.Fields), len(meth.Parameters))
	m.detail.SetText(text)
}
