package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// newHint makes the line under a field or grid row that shows what Lint
// found there; it stays hidden while there is nothing to say.
func newHint() *widget.Label {
	l := &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	l.Hide()
	return l
}

// showHint writes the findings into a hint: red for an error, amber when
// there are only warnings. label prefixes each message, such as the grid
// column a row's finding is in; it may be nil.
func showHint(h *widget.Label, fs []model.Finding, label func(model.Finding) string) {
	if len(fs) == 0 {
		if h.Visible() {
			h.SetText("")
			h.Hide()
		}
		return
	}
	h.Importance = widget.WarningImportance
	errs := 0
	for _, f := range fs {
		if f.Severity == model.SeverityError {
			errs++
		}
	}
	if errs > 0 {
		h.Importance = widget.DangerImportance
	}
	// The label has one colour, red when any line is an error: where
	// errors and warnings mix, each labelled line says which it is.
	mixed := errs > 0 && errs < len(fs)
	lines := make([]string, len(fs))
	for i, f := range fs {
		kind := "warning"
		if f.Severity == model.SeverityError {
			kind = "error"
		}
		prefix := strings.ToUpper(kind[:1]) + kind[1:] + ": "
		if label != nil {
			if l := label(f); l != "" {
				prefix = l + ": "
				if mixed {
					prefix = l + ", " + kind + ": "
				}
			}
		}
		lines[i] = prefix + f.Message
	}
	h.SetText(strings.Join(lines, "\n"))
	h.Show()
}

// markEntry outlines an entry in red while a finding is about it.
func markEntry(e *widget.Entry, fs []model.Finding) {
	e.AlwaysShowValidationError = true
	if len(fs) == 0 {
		e.SetValidationError(nil)
		return
	}
	e.SetValidationError(errors.New(fs[0].Message))
}

// byColumn groups findings by the column they are about.
func byColumn(fs []model.Finding) map[string][]model.Finding {
	out := map[string][]model.Finding{}
	for _, f := range fs {
		out[f.At.Column] = append(out[f.At.Column], f)
	}
	return out
}

// byRow groups findings by grid row; -1 holds those about the whole grid.
func byRow(fs []model.Finding) map[int][]model.Finding {
	out := map[int][]model.Finding{}
	for _, f := range fs {
		out[f.At.Row] = append(out[f.At.Row], f)
	}
	return out
}

// inTab keeps the findings on one tab (and grid, if grid is not "").
func inTab(fs []model.Finding, tab, grid string) []model.Finding {
	var out []model.Finding
	for _, f := range fs {
		if f.At.Tab == tab && (grid == "" || f.At.Grid == grid) {
			out = append(out, f)
		}
	}
	return out
}

// columnOf names a finding's column, for a row's hint.
func columnOf(f model.Finding) string { return f.At.Column }

// formField stacks a bold label above a field and its hint, as the
// builder lays its forms out.
func formField(label string, obj fyne.CanvasObject, hint *widget.Label) fyne.CanvasObject {
	title := &widget.Label{Text: label, TextStyle: fyne.TextStyle{Bold: true}}
	if hint == nil {
		return container.NewVBox(title, obj)
	}
	return container.NewVBox(title, obj, hint)
}
