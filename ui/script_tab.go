package ui

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/engine/script"
	"patchbay/model"
)

// scriptEvent is an event handler a script may define, with what the
// inserted stub says about it and the kind of method it fires for.
type scriptEvent struct {
	name, comment string
	on            model.MethodType
}

// scriptEvents are the handlers Cyclr calls, in the order a method meets them.
var scriptEvents = []scriptEvent{
	{"before_action", "Runs before the request is sent: change method_request,\nmethod_request_headers or method_endpoint here. Return false to skip the call.", model.MethodAction},
	{"after_action", "Runs after the response arrives: method_response and\nmethod_response_headers hold it.", model.MethodAction},
	{"after_error", "Runs when the call fails: method_error and statusCode say why.", model.MethodAction},
	{"before_webhook", "Runs when a delivery arrives, before it is mapped:\nmethod_request holds the payload.", model.MethodWebhook},
	{"after_webhook", "Runs after before_webhook, as the last word before mapping:\nmethod_response holds the payload, and what it holds is mapped.\nReturn false to filter the event out.", model.MethodWebhook},
}

// scriptGlobals are the variables a script sees.
var scriptGlobals = []string{
	"method_endpoint", "method_request", "method_request_headers", "method_request_parameters",
	"method_request_mergefields", "method_response", "method_response_headers", "method_error",
	"statusCode", "method_auth_value", "cycle_variables",
}

// scriptTab edits a method's or the connector's script: a monospace editor
// with the events and globals beside it, and Check, which compiles it.
type scriptTab struct {
	host *MainWindow
	name func() string
	get  func() string
	set  func(string)
	// methodType is the method's type, so that only its events are
	// offered; nil for the connector's script, which offers them all.
	methodType func() model.MethodType
	events     []*widget.Button
	eventsFor  *widget.Label

	editor   *widget.Entry
	result   *widget.Label
	findings *widget.Label
	check    *widget.Button
}

func newScriptTab(host *MainWindow, name, get func() string, set func(string)) *scriptTab {
	return &scriptTab{host: host, name: name, get: get, set: set}
}

func (t *scriptTab) buildUI() fyne.CanvasObject {
	t.editor = &widget.Entry{
		Text:        t.get(),
		MultiLine:   true,
		TextStyle:   fyne.TextStyle{Monospace: true},
		PlaceHolder: "// Define event handlers as plain functions; click an event on the right to add one.",
		OnChanged:   t.onChanged,
	}
	t.result = &widget.Label{Wrapping: fyne.TextWrapWord}
	t.findings = newHint()
	t.check = &widget.Button{Text: "Check", Icon: theme.ConfirmIcon(), OnTapped: t.onCheck}

	side := container.NewVBox(
		&widget.Label{Text: "Click to insert at the cursor.", Importance: widget.LowImportance},
		&widget.Label{Text: "Events", TextStyle: fyne.TextStyle{Bold: true}},
	)
	t.eventsFor = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	side.Add(t.eventsFor)
	t.events = nil
	for _, ev := range scriptEvents {
		b := &widget.Button{Text: ev.name, Alignment: widget.ButtonAlignLeading, Importance: widget.LowImportance,
			OnTapped: func() { t.onEvent(ev) }}
		t.events = append(t.events, b)
		side.Add(b)
	}
	t.refreshEvents()
	side.Add(&widget.Label{Text: "Globals", TextStyle: fyne.TextStyle{Bold: true}})
	for _, g := range scriptGlobals {
		side.Add(&widget.Button{Text: g, Alignment: widget.ButtonAlignLeading, Importance: widget.LowImportance,
			OnTapped: func() { t.onGlobal(g) }})
	}
	bottom := container.NewVBox(t.findings, container.NewBorder(nil, nil, t.check, nil, t.result))
	return container.NewBorder(nil, bottom, nil, container.NewVScroll(side), t.editor)
}

// refreshEvents offers the events of the method's type: an Action's
// requests, or a Webhook's deliveries, and any other the script has a
// handler for. The connector's script, whose handlers run for every
// method, and a Script method offer them all.
func (t *scriptTab) refreshEvents() {
	if t.eventsFor == nil {
		return
	}
	var mt model.MethodType
	if t.methodType != nil {
		mt = t.methodType()
	}
	some := mt == model.MethodAction || mt == model.MethodWebhook
	code := t.get()
	for i, ev := range scriptEvents {
		// A handler the script has stays offered, to go to it, even when
		// the method's type does not fire it.
		if !some || ev.on == mt || strings.Contains(code, "function "+ev.name) {
			t.events[i].Show()
		} else {
			t.events[i].Hide()
		}
	}
	switch mt {
	case model.MethodAction:
		t.eventsFor.SetText("An Action method's requests:")
	case model.MethodWebhook:
		t.eventsFor.SetText("A Webhook method's deliveries:")
	}
	t.eventsFor.Hidden = !some
	t.eventsFor.Refresh()
}

func (t *scriptTab) onChanged(s string) {
	t.result.SetText("")
	t.set(s)
}

// onCheck compiles the script and says where the first mistake is.
func (t *scriptTab) onCheck() {
	err := script.Check(script.Source{Name: t.name(), Code: t.editor.Text})
	if err == nil {
		t.result.Importance = widget.SuccessImportance
		t.result.SetText("No syntax errors.")
		return
	}
	t.result.Importance = widget.DangerImportance
	t.result.SetText(err.Error())
	var se *script.ScriptError
	if errors.As(err, &se) && se.Line > 0 {
		t.moveCursor(se.Line, max(0, se.Column-1))
	}
}

// onEvent adds a stub handler for the event at the cursor, or goes to the
// handler if the script has one already.
func (t *scriptTab) onEvent(ev scriptEvent) {
	re := regexp.MustCompile(`(?m)^\s*function\s+` + ev.name + `\s*\(`)
	if loc := re.FindStringIndex(t.editor.Text); loc != nil {
		line := strings.Count(t.editor.Text[:loc[0]], "\n") + 1
		t.moveCursor(line, 0)
		t.result.Importance = widget.MediumImportance
		t.result.SetText(fmt.Sprintf("%s is defined already, on line %d.", ev.name, line))
		return
	}
	comment := "// " + strings.ReplaceAll(ev.comment, "\n", "\n// ")
	stub := fmt.Sprintf("%s\nfunction %s() {\n    return true;\n}\n", comment, ev.name)
	if t.editor.CursorColumn > 0 {
		stub = "\n" + stub
	}
	t.insert(stub)
}

// onGlobal types a global's name at the cursor.
func (t *scriptTab) onGlobal(name string) { t.insert(name) }

// insert puts text at the cursor and moves the cursor past it.
func (t *scriptTab) insert(text string) {
	lines := strings.Split(t.editor.Text, "\n")
	row := min(t.editor.CursorRow, len(lines)-1)
	line := []rune(lines[row])
	col := min(t.editor.CursorColumn, len(line))
	before := strings.Join(lines[:row], "\n")
	if row > 0 {
		before += "\n"
	}
	before += string(line[:col])
	after := string(line[col:])
	if row+1 < len(lines) {
		after += "\n" + strings.Join(lines[row+1:], "\n")
	}
	t.editor.SetText(before + text + after)
	inserted := strings.Split(text, "\n")
	newRow := row + len(inserted) - 1
	newCol := len([]rune(inserted[len(inserted)-1]))
	if len(inserted) == 1 {
		newCol += col
	}
	t.editor.CursorRow, t.editor.CursorColumn = newRow, newCol
	t.editor.Refresh()
	t.host.win.Canvas().Focus(t.editor)
}

// moveCursor puts the cursor at a 1-based line and 0-based column.
func (t *scriptTab) moveCursor(line, col int) {
	t.host.win.Canvas().Focus(t.editor)
	t.editor.CursorRow, t.editor.CursorColumn = max(0, line-1), col
	t.editor.Refresh()
}

// focusLine goes to a finding's line.
func (t *scriptTab) focusLine(line int) { t.moveCursor(max(1, line), 0) }

// showFindings lists the script's findings under the editor, by line.
func (t *scriptTab) showFindings(fs []model.Finding) {
	showHint(t.findings, fs, func(f model.Finding) string {
		if f.At.Line > 0 {
			return fmt.Sprintf("line %d", f.At.Line)
		}
		return ""
	})
}
