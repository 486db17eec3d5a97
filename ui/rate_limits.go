package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"patchbay/engine"
	"patchbay/model"
)

// rateField edits a rate limit in requests a second: empty for none (on a
// method, for the connector's). A decimal comma is read as a point. Text
// that is not a number is shown as a problem beside the field and leaves
// the rate not a number, which lint reports and Save refuses, so that the
// definition never keeps an old value the field no longer shows.
type rateField struct {
	entry *widget.Entry
	hint  *widget.Label
	// problem is the text's own fault, shown until the text is fixed;
	// lint are lint's findings on the rate.
	problem string
	lint    []model.Finding
	get     func() float64
	set     func(float64)
	// keep remembers the text refused, or forgets it with "", for when
	// the field is built again.
	keep func(refused string)
}

// newRateField builds the field; refused is text it refused before, shown
// again (with its problem) while the rate is still not a number.
func newRateField(placeholder string, get func() float64, set func(float64), refused string, keep func(string)) *rateField {
	f := &rateField{get: get, set: set, keep: keep, hint: newHint()}
	text := rateString(get())
	if refused != "" {
		text = refused
	}
	f.entry = &widget.Entry{Text: text, PlaceHolder: placeholder, OnChanged: f.onChanged}
	if refused != "" {
		f.problem = notARate(refused)
		f.render()
	}
	return f
}

// notARate says that text is not a rate.
func notARate(text string) string {
	return fmt.Sprintf("%q is not a number of requests a second, such as 2 or 0.5", strings.TrimSpace(text))
}

// rateString writes a rate as the field shows it: "" for none.
func rateString(r float64) string {
	if r == 0 {
		return ""
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

func (f *rateField) onChanged(s string) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	r := 0.0
	if s != "" {
		var err error
		if r, err = strconv.ParseFloat(s, 64); err != nil || math.IsNaN(r) || math.IsInf(r, 0) {
			f.problem = notARate(f.entry.Text)
			f.keep(f.entry.Text)
			if !math.IsNaN(f.get()) {
				f.set(math.NaN())
			}
			f.render()
			return
		}
	}
	f.problem = ""
	f.keep("")
	if r != f.get() {
		f.set(r) // lint runs, and shows its findings here
	}
	f.render()
}

// showFindings shows lint's findings on the rate.
func (f *rateField) showFindings(fs []model.Finding) {
	f.lint = fs
	f.render()
}

// render shows the text's own problem, if it has one, and lint's findings.
func (f *rateField) render() {
	fs := f.lint
	if f.problem != "" {
		// Lint can only say the rate is not a number; the text says more.
		fs = []model.Finding{{Severity: model.SeverityError, Message: f.problem}}
	}
	showHint(f.hint, fs, nil)
	markEntry(f.entry, fs)
}

// rateLimitsTab is a method's Rate Limits tab: the rate its requests keep
// to when it is not the connector's.
type rateLimitsTab struct {
	ed        *methodEditor
	rate      *rateField
	inherited *widget.Label
}

func newRateLimitsTab(ed *methodEditor) *rateLimitsTab { return &rateLimitsTab{ed: ed} }

func (t *rateLimitsTab) buildUI() fyne.CanvasObject {
	open, index := t.ed.host.open, t.ed.index
	t.rate = newRateField("the connector's", func() float64 { return t.ed.method().RateLimit }, func(r float64) {
		t.ed.method().RateLimit = r
		t.refresh()
		t.ed.changed()
	}, open.refusedRate(index, t.ed.method().RateLimit), func(text string) {
		open.keepRefusedRate(index, text)
	})
	t.inherited = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	t.refresh()
	note := &widget.Label{
		Text: "Test runs keep to it: a request waits for its turn, and the Test tab says how long. " +
			"A Webhook method sends nothing itself; its Create and Delete Webhook Methods' limits apply.",
		Importance: widget.LowImportance,
		Wrapping:   fyne.TextWrapWord,
	}
	field := container.NewGridWithColumns(2, formField("Rate limit (requests a second)", t.rate.entry, t.rate.hint), layout.NewSpacer())
	form := container.NewVBox(field, t.inherited, note)
	return container.NewVScroll(container.NewPadded(form))
}

// refresh says which limit applies now.
func (t *rateLimitsTab) refresh() {
	c, m := t.ed.connector(), t.ed.method()
	switch rate := c.EffectiveRateLimit(m); {
	case m.RateLimit > 0:
		t.inherited.SetText("This method's own limit applies: " + engine.RateText(rate) + ".")
	case rate > 0:
		t.inherited.SetText("The connector's limit applies: " + engine.RateText(rate) + ". Set one here to override it.")
	default:
		t.inherited.SetText("Neither the connector nor this method has a limit: requests go at once.")
	}
}
