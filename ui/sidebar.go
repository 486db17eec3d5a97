package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// sidebar lists the connectors and their methods, with a filter box above.
type sidebar struct {
	host   *MainWindow
	filter *widget.Entry
	tree   *widget.Tree

	// entries is what the tree shows, filtered.
	entries []sideEntry
	// selecting is set while the window selects a node itself, so that
	// the tree's OnSelected does not take it for a click.
	selecting bool
	selected  string
}

// sideEntry is a connector as the sidebar shows it.
type sideEntry struct {
	key     string
	name    string
	dirty   bool
	methods []sideMethod
}

// sideMethod is a method as the sidebar shows it; index is its place in
// the connector, which the filter does not change.
type sideMethod struct {
	model.MethodSummary
	index int
}

func newSidebar(host *MainWindow) *sidebar {
	return &sidebar{host: host}
}

func (s *sidebar) buildUI() fyne.CanvasObject {
	s.filter = &widget.Entry{PlaceHolder: "Filter (Ctrl+F)", OnChanged: s.onFilterChanged}
	s.filter.ActionItem = &widget.Button{Icon: theme.SearchIcon(), Importance: widget.LowImportance, OnTapped: s.onClearFilter}
	s.tree = &widget.Tree{
		ChildUIDs:  s.childUIDs,
		IsBranch:   s.isBranch,
		CreateNode: s.createNode,
		UpdateNode: s.updateNode,
		OnSelected: s.onSelected,
	}
	return container.NewBorder(container.NewPadded(s.filter), nil, nil, nil, s.tree)
}

// nodeID names a connector's node (method -1) or one of its methods' nodes.
func nodeID(key string, method int) string {
	if method < 0 {
		return key
	}
	return key + "/" + strconv.Itoa(method)
}

// splitNode reads a node ID back: the connector's key and the method's
// index, or -1 for the connector itself.
func splitNode(id string) (key string, method int) {
	key, m, ok := strings.Cut(id, "/")
	if !ok {
		return id, -1
	}
	j, err := strconv.Atoi(m)
	if err != nil {
		return key, -1
	}
	return key, j
}

// refresh rebuilds the entries from the store's list and the open
// connector's working copy, then filters them.
func (s *sidebar) refresh() {
	if s.tree == nil {
		return
	}
	h := s.host
	var all []sideEntry
	openShown := false
	for _, c := range h.stored {
		e := sideEntry{key: storedKey(c.ID), name: c.Name}
		for j, ms := range c.Methods {
			e.methods = append(e.methods, sideMethod{ms, j})
		}
		if h.open != nil && h.open.key == e.key {
			e = openEntry(h.open)
			openShown = true
		}
		all = append(all, e)
	}
	if h.open != nil && !openShown {
		all = append(all, openEntry(h.open))
	}
	s.entries = filterEntries(all, s.filterText())
	s.tree.Refresh()
	if s.filterText() != "" {
		s.tree.OpenAllBranches()
	}
}

func (s *sidebar) filterText() string {
	if s.filter == nil {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(s.filter.Text))
}

// openEntry is the open connector as the sidebar shows it, edits and all.
func openEntry(o *openConnector) sideEntry {
	e := sideEntry{key: o.key, name: o.displayName(), dirty: o.dirty}
	for j, m := range o.conn.Methods {
		e.methods = append(e.methods, sideMethod{model.MethodSummary{Name: m.Name, MethodType: m.MethodType, Hide: m.Hide}, j})
	}
	return e
}

// filterEntries keeps the connectors whose name holds the text, with all
// their methods, and the methods whose name holds it, with their connector.
func filterEntries(all []sideEntry, text string) []sideEntry {
	if text == "" {
		return all
	}
	var out []sideEntry
	for _, e := range all {
		if strings.Contains(strings.ToLower(e.name), text) {
			out = append(out, e)
			continue
		}
		var keep []sideMethod
		for _, m := range e.methods {
			if strings.Contains(strings.ToLower(m.Name), text) {
				keep = append(keep, m)
			}
		}
		if len(keep) > 0 {
			e.methods = keep
			out = append(out, e)
		}
	}
	return out
}

func (s *sidebar) entry(key string) *sideEntry {
	for i := range s.entries {
		if s.entries[i].key == key {
			return &s.entries[i]
		}
	}
	return nil
}

func (s *sidebar) childUIDs(id widget.TreeNodeID) []widget.TreeNodeID {
	var ids []string
	if id == "" {
		for _, e := range s.entries {
			ids = append(ids, e.key)
		}
		return ids
	}
	key, j := splitNode(id)
	e := s.entry(key)
	if j >= 0 || e == nil {
		return nil
	}
	for _, m := range e.methods {
		ids = append(ids, nodeID(key, m.index))
	}
	return ids
}

func (s *sidebar) isBranch(id widget.TreeNodeID) bool {
	_, j := splitNode(id)
	return id == "" || j < 0
}

func (s *sidebar) createNode(bool) fyne.CanvasObject {
	return container.NewBorder(nil, nil, widget.NewIcon(theme.StorageIcon()), nil,
		&widget.Label{Text: "Connector name", Truncation: fyne.TextTruncateEllipsis})
}

// methodIcon tells the method types apart in the sidebar.
func methodIcon(t model.MethodType) fyne.Resource {
	switch t {
	case model.MethodWebhook:
		return theme.DownloadIcon() // the API calls in
	case model.MethodScript:
		return theme.FileTextIcon()
	}
	return theme.MailSendIcon() // an Action calls out
}

func (s *sidebar) updateNode(id widget.TreeNodeID, _ bool, o fyne.CanvasObject) {
	box := o.(*fyne.Container)
	label := box.Objects[0].(*widget.Label)
	icon := box.Objects[1].(*widget.Icon)
	key, j := splitNode(id)
	e := s.entry(key)
	if e == nil {
		return
	}
	if j < 0 {
		text := e.name
		if e.dirty {
			text += " •"
		}
		label.TextStyle = fyne.TextStyle{Bold: true}
		label.Importance = widget.MediumImportance
		label.SetText(text)
		icon.SetResource(theme.StorageIcon())
		return
	}
	for _, m := range e.methods {
		if m.index != j {
			continue
		}
		name := m.Name
		if name == "" {
			name = "(no name)"
		}
		res := methodIcon(m.MethodType)
		label.TextStyle = fyne.TextStyle{}
		label.Importance = widget.MediumImportance
		if m.Hide {
			// A hidden method is there for other methods (Create and Delete
			// Webhook); dim it as the builder does, but keep it legible on
			// the selection's colour.
			label.TextStyle.Italic = true
			if id != s.selected {
				label.Importance = widget.LowImportance
				res = theme.NewDisabledResource(res)
			}
		}
		label.SetText(name)
		icon.SetResource(res)
	}
}

func (s *sidebar) onSelected(id widget.TreeNodeID) {
	if s.selecting {
		return
	}
	prev := s.selected
	s.selected = id
	s.tree.RefreshItem(prev)
	s.tree.RefreshItem(id)
	h := s.host
	key, j := splitNode(id)
	if h.open != nil && key == h.open.key {
		h.show(j)
		return
	}
	h.confirmLeave(func() { h.openStored(key, j) }, func() { s.selectNode(prev) })
}

// selectNode selects a node without acting on it.
func (s *sidebar) selectNode(id string) {
	if s.tree == nil {
		return
	}
	s.selecting = true
	defer func() { s.selecting = false }()
	prev := s.selected
	s.selected = id
	s.tree.RefreshItem(prev)
	if id == "" {
		s.tree.UnselectAll()
		return
	}
	s.tree.Select(id)
}

func (s *sidebar) openBranch(key string) {
	if s.tree != nil {
		s.tree.OpenBranch(key)
	}
}

// reveal clears the filter if it hides the node: a method just made or
// copied, which the author means to see.
func (s *sidebar) reveal(id string) {
	if s.filterText() != "" && !s.shows(id) {
		s.filter.SetText("")
		s.selectNode(id)
	}
}

// shows reports whether the node is in the tree as filtered.
func (s *sidebar) shows(id string) bool {
	for _, e := range s.entries {
		if nodeID(e.key, -1) == id {
			return true
		}
		for _, m := range e.methods {
			if nodeID(e.key, m.index) == id {
				return true
			}
		}
	}
	return false
}

// onFilterChanged filters the tree; the box's button clears a filter
// given, and is a magnifier, that puts the cursor in the box, without one.
func (s *sidebar) onFilterChanged(text string) {
	if b, ok := s.filter.ActionItem.(*widget.Button); ok {
		icon := theme.SearchIcon()
		if text != "" {
			icon = theme.CancelIcon()
		}
		if b.Icon != icon {
			b.SetIcon(icon)
		}
	}
	s.refresh()
}

func (s *sidebar) onClearFilter() {
	if s.filter.Text == "" {
		s.focusFilter()
		return
	}
	s.filter.SetText("")
}

// focusFilter puts the cursor in the filter box (Ctrl+F).
func (s *sidebar) focusFilter() {
	s.host.win.Canvas().Focus(s.filter)
}
