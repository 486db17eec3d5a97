package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
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
