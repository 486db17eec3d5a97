package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// toolbar is the row of actions above the window, the main menu that
// repeats them, and their keyboard shortcuts.
type toolbar struct {
	host *MainWindow

	newConnector, newMethod, duplicate, remove *widget.Button
	importDoc, exportDoc, save, runTest        *widget.Button

	menu                             *fyne.MainMenu
	newMethodItem, duplicateItem     *fyne.MenuItem
	deleteItem, exportItem, saveItem *fyne.MenuItem
	runTestItem                      *fyne.MenuItem
}

// The shortcuts. Ctrl+R is Run test's, for when the Test tab runs.
var (
	shortcutSave         = &desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutNewMethod    = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutNewConnector = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	shortcutFilter       = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutDuplicate    = &desktop.CustomShortcut{KeyName: fyne.KeyD, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutRunTest      = &desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault}
)

func newToolbar(host *MainWindow) *toolbar { return &toolbar{host: host} }

func (t *toolbar) buildUI() fyne.CanvasObject {
	h := t.host
	button := func(text string, icon fyne.Resource, tapped func()) *widget.Button {
		return &widget.Button{Text: text, Icon: icon, Importance: widget.LowImportance, OnTapped: tapped}
	}
	t.newConnector = button("New connector", theme.FolderNewIcon(), h.onNewConnector)
	t.newMethod = button("New method", theme.ContentAddIcon(), h.onNewMethod)
	t.duplicate = button("Duplicate", theme.ContentCopyIcon(), h.onDuplicate)
	t.remove = button("Delete", theme.DeleteIcon(), h.onDelete)
	t.importDoc = button("Import…", theme.DownloadIcon(), h.onImport)
	t.exportDoc = button("Export…", theme.UploadIcon(), h.onExport)
	t.save = button("Save", theme.DocumentSaveIcon(), h.onSave)
	t.runTest = button("Run test", theme.MediaPlayIcon(), h.onRunTest)
	sep := func() fyne.CanvasObject { return widget.NewSeparator() }
	return container.NewHBox(t.newConnector, t.newMethod, t.duplicate, t.remove, sep(),
		t.importDoc, t.exportDoc, sep(), t.save, sep(), t.runTest)
}

// mainMenu repeats the toolbar's actions with their shortcuts. The window
// gives a main menu's shortcuts precedence over a focused entry, so Ctrl+S
// saves while the cursor is in a field.
func (t *toolbar) mainMenu() *fyne.MainMenu {
	h := t.host
	item := func(label string, sc fyne.Shortcut, action func()) *fyne.MenuItem {
		it := fyne.NewMenuItem(label, t.unlessDialog(action))
		it.Shortcut = sc
		return it
	}
	t.newMethodItem = item("New method", shortcutNewMethod, h.onNewMethod)
	t.duplicateItem = item("Duplicate", shortcutDuplicate, h.onDuplicate)
	t.deleteItem = item("Delete…", nil, h.onDelete)
	t.exportItem = item("Export…", nil, h.onExport)
	t.saveItem = item("Save", shortcutSave, h.onSave)
	t.runTestItem = item("Run test", shortcutRunTest, h.onRunTest)
	t.menu = fyne.NewMainMenu(
		fyne.NewMenu("File",
			item("New connector", shortcutNewConnector, h.onNewConnector),
			t.newMethodItem,
			fyne.NewMenuItemSeparator(),
			item("Import…", nil, h.onImport),
			t.exportItem,
			fyne.NewMenuItemSeparator(),
			t.saveItem,
		),
		fyne.NewMenu("Edit",
			t.duplicateItem,
			t.deleteItem,
			fyne.NewMenuItemSeparator(),
			item("Filter", shortcutFilter, h.sidebar.focusFilter),
		),
		fyne.NewMenu("Test", t.runTestItem),
	)
	return t.menu
}

// addShortcuts registers the shortcuts on the canvas too, for drivers that
// do not route them through the main menu (such as the test driver).
func (t *toolbar) addShortcuts(c fyne.Canvas) {
	h := t.host
	for sc, action := range map[*desktop.CustomShortcut]func(){
		shortcutSave:         h.onSave,
		shortcutNewMethod:    h.onNewMethod,
		shortcutNewConnector: h.onNewConnector,
		shortcutFilter:       h.sidebar.focusFilter,
		shortcutDuplicate:    h.onDuplicate,
		shortcutRunTest:      h.onRunTest,
	} {
		act := t.unlessDialog(action)
		c.AddShortcut(sc, func(fyne.Shortcut) { act() })
	}
}

// unlessDialog is action, done only when no dialog is open: a dialog's
// question is about what was open when it was asked, and a shortcut under
// it (Ctrl+Shift+N, a new connector) would change that before its answer.
// A menu closes before its item's action runs, so the menus still work.
func (t *toolbar) unlessDialog(action func()) func() {
	return func() {
		if t.host.win.Canvas().Overlays().Top() != nil {
			return
		}
		action()
	}
}

// update enables what makes sense for what is open.
func (t *toolbar) update() {
	if t.save == nil {
		return
	}
	h := t.host
	open := h.open != nil
	canRun := h.methEd != nil && h.methEd.test.canRun()
	setEnabled(t.newMethod, open)
	setEnabled(t.duplicate, open)
	setEnabled(t.remove, open)
	setEnabled(t.exportDoc, open)
	setEnabled(t.save, open && h.open.dirty)
	setEnabled(t.runTest, canRun)
	if t.menu == nil {
		return
	}
	t.newMethodItem.Disabled = !open
	t.duplicateItem.Disabled = !open
	t.deleteItem.Disabled = !open
	t.exportItem.Disabled = !open
	t.saveItem.Disabled = !open || !h.open.dirty
	t.runTestItem.Disabled = !canRun
	t.menu.Refresh()
}

func setEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}
