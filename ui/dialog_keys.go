package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// dialogKeys answers a dialog from the keyboard while it is shown: Escape
// with escape (its Cancel, or its only button), Return or Enter with enter
// when it has one that is safe to take by a key (never a delete). The
// window's own keys come back when the dialog closes. Keys go to the
// dialog only when no field in it has the cursor: a field takes its own.
func dialogKeys(w fyne.Window, d dialog.Dialog, escape, enter func()) {
	c := w.Canvas()
	before := c.OnTypedKey()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch {
		case k.Name == fyne.KeyEscape && escape != nil:
			escape()
		case (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && enter != nil:
			enter()
		case before != nil:
			before(k)
		}
	})
	d.SetOnClosed(func() { c.SetOnTypedKey(before) })
}

// escapeEntry is an Entry that gives Escape to its dialog: an Entry keeps
// the keys it is given, so with the cursor in it the dialog's own Escape
// (dialogKeys) is never heard.
type escapeEntry struct {
	widget.Entry
	onEscape func()
}

func (e *escapeEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}
