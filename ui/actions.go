package ui

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// onNewConnector starts a new, unsaved connector and opens its editor.
func (m *MainWindow) onNewConnector() {
	m.confirmLeave(func() {
		c := &model.Connector{Name: m.uniqueConnectorName("New connector")}
		m.setOpen(&openConnector{key: newKey, conn: c, account: map[string]string{}, dirty: true}, -1)
		if m.connEd != nil {
			m.connEd.focusName()
		}
		m.setStatus(widget.MediumImportance, "New connector: give it a name, then Save (Ctrl+S).")
	}, nil)
}

// onNewMethod adds an Action method to the open connector and opens it.
func (m *MainWindow) onNewMethod() {
	if m.open == nil {
		return
	}
	c := m.open.conn
	c.Methods = append(c.Methods, model.Method{
		Name:       uniqueName("New method", methodNames(c)),
		MethodType: model.MethodAction,
		HttpMethod: "GET",
		DataType:   model.BodyJson,
	})
	m.changed()
	m.methodTab = 0
	m.show(len(c.Methods) - 1)
	m.sidebar.reveal(nodeID(m.open.key, len(c.Methods)-1))
	m.methEd.settings.focusName()
}

// onDuplicate copies the selected method, or the whole connector when the
// connector itself is selected.
func (m *MainWindow) onDuplicate() {
	if m.open == nil {
		return
	}
	if j := m.selectedMethod(); j >= 0 {
		c := m.open.conn
		dup := c.Clone().Methods[j]
		dup.ID = 0 // a new method: its runs and rows are the original's
		dup.Name = uniqueName(dup.Name+" copy", methodNames(c))
		c.Methods = slices.Insert(c.Methods, j+1, dup)
		m.open.methodsMoved(j+1, 1)
		m.open.keepRefusedRate(j+1, m.open.refusedRate(j, dup.RateLimit)) // not "NaN" in the copy
		m.changed()
		m.show(j + 1)
		m.sidebar.reveal(nodeID(m.open.key, j+1))
		m.setStatus(widget.MediumImportance, "Duplicated as %q (not saved yet).", dup.Name)
		return
	}
	key := m.open.key
	m.confirmLeave(func() {
		if m.open == nil && key != newKey {
			m.openStored(key, -1) // changes discarded: the stored version is the one to copy
		}
		if m.open == nil {
			return // a connector never saved, discarded: nothing left to copy
		}
		c := m.open.conn.Clone()
		c.ID = 0
		c.Name = m.uniqueConnectorName(c.Name + " copy")
		account := maps.Clone(m.open.account)
		note := ""
		if account[model.SystemFieldAuthRefreshToken] != "" {
			// A refresh token is spent by its first use when the API
			// rotates them: the copy's test would strand the original.
			delete(account, model.SystemFieldAuthRefreshToken)
			note = " Its refresh token stays with the original: sign in at the API's site for one of its own."
		}
		m.setOpen(&openConnector{key: newKey, conn: c, account: account, dirty: true}, -1)
		m.setStatus(widget.MediumImportance, "Duplicated as %q (not saved yet).%s", c.Name, note)
	}, nil)
}

// onDelete deletes the selected method, or the connector, after asking.
func (m *MainWindow) onDelete() {
	if m.open == nil {
		return
	}
	if j := m.selectedMethod(); j >= 0 {
		name := m.open.conn.Methods[j].Name
		text := fmt.Sprintf("Delete the method %q?\nIt goes when you save the connector.", name)
		if users := webhooksUsing(m.open.conn, name); len(users) > 0 {
			text += fmt.Sprintf("\n\nThe Webhook method %s uses it to create or delete its webhooks:\nchoose another there, or its test cannot run.", strings.Join(users, ", "))
		}
		if n := m.pendingDeletes(m.open.storedName, name, m.open.conn); n > 0 {
			text += fmt.Sprintf("\n\nStill to be deleted with it: %s in the webhook ledger.\nWithout it Patchbay cannot delete those: retry from the Test tab first.", plural(n, "webhook"))
		}
		o := m.open
		askDelete("Delete method", text, func() {
			// Only the method asked about, in the connector it was asked
			// in: nothing else if that is no longer open.
			if m.open == o && j < len(o.conn.Methods) && o.conn.Methods[j].Name == name {
				m.deleteMethod(j)
			}
		}, m.win)
		return
	}
	name := m.open.displayName()
	text := fmt.Sprintf("Delete the connector %q, its methods and its account values?\nThis cannot be undone.", name)
	if n := m.pendingWebhooks(m.open.storedName); n > 0 {
		text += fmt.Sprintf("\n\n%d webhooks it created are not deleted yet, and without the connector\nPatchbay cannot delete them: retry them from the Test tab first.", n)
	}
	o := m.open
	askDelete("Delete connector", text, func() {
		if m.open == o { // the connector asked about, still open
			m.deleteConnector()
		}
	}, m.win)
}

// askDelete asks before a delete, with Delete, marked as a danger, and
// Cancel, rather than Yes and No.
func askDelete(title, text string, del func(), w fyne.Window) {
	confirmed := false
	d := dialog.NewConfirm(title, text, func(ok bool) { confirmed = ok }, w)
	d.SetConfirmText("Delete")
	d.SetDismissText("Cancel")
	d.SetConfirmImportance(widget.DangerImportance)
	dialogKeys(w, d, d.Hide, nil) // Escape cancels; no key deletes
	d.SetOnClosed(func() {        // after dialogKeys gave the keys back: an error del shows takes them
		if confirmed {
			del()
		}
	})
	d.Show()
}

// pendingWebhooks counts the connector's webhooks the ledger has not seen
// deleted; 0 when there is no ledger or it cannot be read.
func (m *MainWindow) pendingWebhooks(connector string) int {
	return m.pendingDeletes(connector, "", nil)
}

// pendingDeletes counts the connector's pending webhooks that the method
// deleteMethod deletes, or all of them for "": those whose recorded Delete
// Webhook Method it is, and those whose Webhook method in c deletes with
// it (cleanup goes through the Webhook method first, whose Delete Webhook
// Method follows a rename).
func (m *MainWindow) pendingDeletes(connector, deleteMethod string, c *model.Connector) int {
	if m.deps.Ledger == nil || connector == "" {
		return 0
	}
	rows, err := m.deps.Ledger.ListWebhooks(m.ctx, true)
	if err != nil {
		return 0
	}
	n := 0
	for _, r := range rows {
		if r.Connector != connector {
			continue
		}
		var wm *model.Method
		if c != nil {
			wm = c.Method(r.Method)
		}
		if deleteMethod == "" || r.DeleteMethod == deleteMethod || (wm != nil && wm.DeleteWebhookMethod == deleteMethod) {
			n++
		}
	}
	return n
}

// webhooksUsing names the Webhook methods whose Create or Delete Webhook
// Method is the method called name.
func webhooksUsing(c *model.Connector, name string) []string {
	var out []string
	for _, w := range c.Methods {
		if w.MethodType == model.MethodWebhook && (w.CreateWebhookMethod == name || w.DeleteWebhookMethod == name) {
			out = append(out, fmt.Sprintf("%q", w.Name))
		}
	}
	return out
}

func (m *MainWindow) deleteMethod(j int) {
	c := m.open.conn
	name := c.Methods[j].Name
	c.Methods = slices.Delete(c.Methods, j, j+1)
	m.open.methodsMoved(j, -1)
	m.changed()
	m.show(-1)
	m.setStatus(widget.MediumImportance, "Deleted the method %q (not saved yet).", name)
}

func (m *MainWindow) deleteConnector() {
	o := m.open
	if o.storedName != "" {
		if err := m.store.DeleteConnector(m.ctx, o.storedName); err != nil {
			m.showError(err)
			return
		}
	}
	m.open = nil
	m.reloadList()
	m.show(-1)
	m.setStatus(widget.MediumImportance, "Deleted %q.", o.displayName())
}

// onImport reads an export document and saves it as a connector, asking
// before it replaces one of the same name. The open connector's unsaved
// changes are asked about once the file has been read and found good: a
// cancelled or bad import leaves everything as it was.
func (m *MainWindow) onImport() {
	d := dialog.NewFileOpen(m.onImportChosen, m.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
	d.Show()
}

func (m *MainWindow) onImportChosen(r fyne.URIReadCloser, err error) {
	if err != nil {
		m.showError(err)
		return
	}
	if r == nil {
		return // cancelled
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		m.showError(fmt.Errorf("import %s: %w", r.URI().Name(), err))
		return
	}
	c, err := model.Import(data)
	if err != nil {
		m.showError(fmt.Errorf("import %s: %w", r.URI().Name(), err))
		return
	}
	// The open connector's unsaved changes first: saving them may rename
	// it, which decides whether the imported one replaces a stored one.
	m.confirmLeave(func() { m.importConnector(c) }, nil)
}

// importConnector saves an imported connector, asking first before it
// replaces a stored one of the same name.
func (m *MainWindow) importConnector(c *model.Connector) {
	for _, s := range m.stored {
		if s.Name == c.Name {
			dialog.ShowConfirm("Replace connector",
				fmt.Sprintf("A connector named %q exists already. Replace it with the imported one?", c.Name),
				func(ok bool) {
					if !ok {
						return
					}
					// The secrets an export leaves out stay as stored.
					old, err := m.store.LoadConnector(m.ctx, s.Name)
					if err != nil {
						m.showError(err)
						return
					}
					model.KeepSecretValues(c, old)
					c.ID = s.ID
					m.saveImported(c)
				}, m.win)
			return
		}
	}
	m.saveImported(c)
}

func (m *MainWindow) saveImported(c *model.Connector) {
	if err := m.store.SaveConnector(m.ctx, c); err != nil {
		m.showError(err)
		return
	}
	m.open = nil
	m.reloadList()
	m.openStored(storedKey(c.ID), -1)
	m.setStatus(widget.SuccessImportance, "Imported %q.", c.Name)
}

// onExport writes the open connector, as edited, to an export document.
// Sensitive parameter values stay behind. An export that would be refused
// (a secret written into a script) is refused before a file is chosen, so
// that no file is left empty.
func (m *MainWindow) onExport() {
	if m.open == nil {
		return
	}
	if _, err := model.Export(m.open.conn, model.ExportOptions{Account: m.open.account}); err != nil {
		m.showError(err)
		return
	}
	d := dialog.NewFileSave(m.onExportChosen, m.win)
	d.SetFileName(m.open.displayName() + ".json")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
	d.Show()
}

func (m *MainWindow) onExportChosen(w fyne.URIWriteCloser, err error) {
	if err != nil {
		m.showError(err)
		return
	}
	if w == nil || m.open == nil {
		return
	}
	defer w.Close()
	data, err := model.Export(m.open.conn, model.ExportOptions{Account: m.open.account})
	if err == nil {
		_, err = w.Write(data)
	}
	if err != nil {
		m.showError(fmt.Errorf("export to %s: %w", w.URI().Name(), err))
		return
	}
	m.setStatus(widget.SuccessImportance, "Exported %q to %s.", m.open.displayName(), w.URI().Path())
}

// onRunTest runs the Test tab of the open method, once it can.
func (m *MainWindow) onRunTest() {
	if m.methEd == nil || !m.methEd.test.canRun() {
		return
	}
	m.methEd.selectTab(tabTest)
	m.methEd.test.onRun()
}

func (m *MainWindow) uniqueConnectorName(base string) string {
	names := map[string]bool{}
	for _, s := range m.stored {
		names[s.Name] = true
	}
	return uniqueName(base, names)
}

func methodNames(c *model.Connector) map[string]bool {
	names := map[string]bool{}
	for _, m := range c.Methods {
		names[m.Name] = true
	}
	return names
}

// uniqueName returns base, or base 2, base 3… whichever is free.
func uniqueName(base string, taken map[string]bool) string {
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s %d", base, i)
	}
	return name
}
