package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/engine"
	"patchbay/model"
)

// stepTitle is a step's one-line summary: its mark, name, request and status.
func stepTitle(s *engine.Step) string {
	mark := map[engine.StepStatus]string{
		engine.StepRunning: "…", engine.StepOK: "✓", engine.StepFailed: "✗",
		engine.StepStopped: "■", engine.StepSkipped: "–",
	}[s.Status]
	title := mark + " " + s.Name
	if s.Method != "" && s.Method != s.Name {
		title += " (" + s.Method + ")"
	}
	if s.Status == engine.StepRunning {
		if s.Waiting {
			title += fmt.Sprintf("   waiting %s for its turn under the rate limit", time.Duration(s.RateLimitWaitMS)*time.Millisecond)
		}
		return title
	}
	// The status and the time before the request's URL, which can be
	// long: a narrow pane cuts the title's end.
	if s.Response != nil {
		title += fmt.Sprintf("   → %d", s.Response.Status)
	}
	title += fmt.Sprintf("   %d ms", s.DurationMS)
	if s.RateLimitWaitMS > 0 {
		title += fmt.Sprintf(", of which %d ms waiting for the rate limit", s.RateLimitWaitMS)
	}
	if s.Request != nil {
		title += "   " + s.Request.Method + " " + s.Request.URL
	}
	return title
}

// stepDetail shows what a step sent and received, its console and the
// values it mapped.
func stepDetail(t *testTab, s *engine.Step) fyne.CanvasObject {
	box := container.NewVBox()
	if s.Error != "" {
		box.Add(&widget.Label{Text: s.Error, Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord})
	}
	if s.Note != "" {
		box.Add(&widget.Label{Text: s.Note, Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord})
	}
	if s.Request != nil {
		box.Add(section(t, "Request", requestText(s.Request), ""))
	}
	if s.Response != nil {
		// Fields are generated from an answer of the method being edited,
		// into its Response Format, and from a 2xx: an error's body is not
		// what the method maps.
		sample := ""
		if t != nil && s.Response.Status >= 200 && s.Response.Status < 300 && s.Method != "" && s.Method == t.editedAction() {
			sample = s.Response.Body
		}
		box.Add(section(t, fmt.Sprintf("Response %d", s.Response.Status), responseText(s.Response), sample))
	}
	if len(s.Console) > 0 {
		box.Add(section(t, "Console", strings.Join(s.Console, "\n"), ""))
	}
	if len(s.Mapped) > 0 {
		box.Add(&widget.Label{Text: "Mapped values", TextStyle: fyne.TextStyle{Bold: true}})
		box.Add(mappedGrid(s.Mapped))
	}
	if len(box.Objects) == 0 {
		box.Add(&widget.Label{Text: "Running…", Importance: widget.LowImportance})
	}
	return box
}

// section is a titled block of monospace text with a Copy button and, when
// sample is set, a button that opens Generate Fields with it.
func section(t *testTab, title, text, sample string) fyne.CanvasObject {
	copyBtn := &widget.Button{Text: "Copy", Icon: theme.ContentCopyIcon(), Importance: widget.LowImportance}
	copyBtn.OnTapped = func() {
		t.ed.host.app.Clipboard().SetContent(text)
		t.ed.host.briefStatus("%s copied.", title)
	}
	header := container.NewHBox(&widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}}, copyBtn)
	if sample != "" && json.Valid([]byte(sample)) {
		header.Add(&widget.Button{Text: "Generate Fields from this", Icon: theme.ContentAddIcon(), Importance: widget.LowImportance,
			OnTapped: func() { t.generateFrom(sample) }})
	}
	shown, note := forDisplay(text)
	code := &widget.Label{Text: shown, Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Monospace: true}}
	box := container.NewVBox(header, code)
	if note != "" {
		box.Add(&widget.Label{Text: note, Importance: widget.LowImportance})
	}
	return box
}

// The Test tab lays out at most shownBytes of a request, a response, a
// console or a delivery, in lines of at most shownLine characters, wrapped
// by word. Fyne measures a label's text again and again to wrap it: a 2 MB
// response froze the window for minutes, and a run's 64 KiB kept in the
// history for 25 s. In Fyne's test driver, 32 KB in lines of 100 takes
// 3.3 s to lay out wrapped by character, as it was, and 0.27 s by word;
// 32 KB of indented JSON about 1 s by word, so 16 KB are shown. Copy and
// Generate Fields take the whole text.
const (
	shownBytes = 16 << 10
	shownLine  = 100
)

// forDisplay returns text as a section shows it, and a note of what was
// left out, "" when nothing was.
func forDisplay(text string) (shown, note string) {
	cut := text
	if len(cut) > shownBytes {
		i := shownBytes
		for i > 0 && !utf8.RuneStart(text[i]) {
			i--
		}
		cut = text[:i]
		note = fmt.Sprintf("Showing the first %s of %s; Copy copies all of it.", sizeText(len(cut)), sizeText(len(text)))
		// A body the run history cut ends by saying how big it was.
		if m := historyCut.FindStringSubmatch(text); m != nil {
			whole, _ := strconv.Atoi(m[1])
			note = fmt.Sprintf("Showing the first %s of the %s the run history keeps of a body of %s; Copy copies what it keeps.", sizeText(len(cut)), sizeText(len(text)), sizeText(whole))
		}
	}
	return shortLines(cut), note
}

// historyCut is the end of a body the run history kept only the start of
// (engine.Result.ForHistory).
var historyCut = regexp.MustCompile(`\((\d+) bytes in all; the run history keeps the first \d+ KiB\)\s*$`)

// shortLines breaks the lines of text longer than shownLine characters,
// after a space in their second half where there is one: Fyne takes
// seconds to wrap one long line (16 KB of words, 7.6 s in its test
// driver), and a tenth of one for the same in lines of 100.
func shortLines(text string) string {
	var b strings.Builder
	b.Grow(len(text) + len(text)/shownLine)
	for line := range strings.Lines(text) {
		for n := 0; ; n = 0 {
			i, half := 0, 0
			for i < len(line) && n < shownLine {
				_, size := utf8.DecodeRuneInString(line[i:])
				i, n = i+size, n+1
				if n == shownLine/2 {
					half = i
				}
			}
			if strings.TrimRight(line[i:], "\r\n") == "" {
				b.WriteString(line)
				break
			}
			if sp := strings.LastIndexByte(line[half:i], ' '); sp >= 0 {
				i = half + sp + 1 // after the space
			}
			b.WriteString(line[:i] + "\n")
			line = line[i:]
		}
	}
	return b.String()
}

// sizeText says how big n bytes are, e.g. "32 KB", "1.8 MB".
func sizeText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// editedAction is the name of the Action this tab's editor shows, or ""
// when it shows another kind of method, or is no longer on screen (a run
// goes on after the author opened something else).
func (t *testTab) editedAction() string {
	host := t.ed.host
	if host.open == nil || host.methEd != t.ed || t.ed.index >= len(host.open.conn.Methods) {
		return ""
	}
	if m := t.ed.method(); m.MethodType == model.MethodAction {
		return m.Name
	}
	return ""
}

// generateFrom opens Generate Fields with a sample from the run: into the
// Response Format of an Action, the Request Format of a Webhook.
func (t *testTab) generateFrom(sample string) {
	grid := model.GridResponse
	if t.ed.method().MethodType == model.MethodWebhook {
		grid = model.GridRequest
	}
	d := newGenerateDialog(t.ed.fields.grid(grid))
	d.show()
	// A large body goes in cut down to its shape: the box lays out every
	// character it holds, and 3 MB of it froze the window for minutes.
	if len(sample) > shownBytes {
		sample = string(model.SampleShape([]byte(sample)))
	}
	d.sample.SetText(pretty(sample))
}

func requestText(r *engine.RequestLog) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
	writeHeaders(&b, r.Headers)
	if r.Body != "" {
		b.WriteString("\n" + pretty(r.Body))
	}
	return strings.TrimRight(b.String(), "\n")
}

func responseText(r *engine.ResponseLog) string {
	var b strings.Builder
	for _, to := range r.Redirects {
		fmt.Fprintf(&b, "redirected to %s\n", to)
	}
	writeHeaders(&b, r.Headers)
	if r.Body != "" {
		b.WriteString("\n" + pretty(r.Body))
	} else {
		b.WriteString("\n(empty body)")
	}
	return strings.TrimRight(b.String(), "\n")
}

func writeHeaders(b *strings.Builder, h map[string]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "%s: %s\n", k, h[k])
	}
}

// pretty indents JSON text and leaves anything else as it is.
func pretty(s string) string {
	var out bytes.Buffer
	if json.Indent(&out, []byte(s), "", "  ") != nil {
		return s
	}
	return out.String()
}

// mappedGrid lists mapped values: the System Field, then the value.
func mappedGrid(fs []engine.MappedField) fyne.CanvasObject {
	grid := container.New(layout.NewFormLayout())
	for _, f := range fs {
		name := f.SystemField
		if name == "" {
			name = f.ConnectorField
		}
		grid.Add(&widget.Label{Text: name, TextStyle: fyne.TextStyle{Bold: true}})
		grid.Add(&widget.Label{Text: shortLines(clipValue(f.Text())), TextStyle: fyne.TextStyle{Monospace: true}, Wrapping: fyne.TextWrapWord})
	}
	return grid
}

// shownValue is the most of a mapped value the grid shows, wrapped: the
// whole value is in the response or the delivery, which Copy takes.
const shownValue = 1 << 10

// clipValue cuts a mapped value to shownValue bytes, saying how much more
// there is.
func clipValue(v string) string {
	if len(v) <= shownValue {
		return v
	}
	i := shownValue
	for i > 0 && !utf8.RuneStart(v[i]) {
		i--
	}
	return v[:i] + fmt.Sprintf("… (%s in all)", sizeText(len(v)))
}

// showDelivery shows the delivery a lifecycle received: headers, payload,
// and what the Request Format mapped from it.
func (t *testTab) showDelivery(res *engine.Result) {
	t.delivery.RemoveAll()
	d := res.Delivery
	if d == nil {
		return
	}
	title := "Delivery received " + d.ReceivedAt.Local().Format(time.TimeOnly)
	if res.Deliveries > 1 {
		title += fmt.Sprintf(" (%d arrived; the first is shown)", res.Deliveries)
	}
	t.delivery.Add(&widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}})
	switch {
	case d.Rejected != "":
		t.delivery.Add(&widget.Label{Text: "Rejected: " + d.Rejected, Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord})
	case d.Filtered:
		by := d.FilteredBy
		if by == "" { // a run kept before the event was named
			by = "after_webhook"
		}
		t.delivery.Add(&widget.Label{Text: by + " returned false: the event was filtered out.", Importance: widget.WarningImportance})
	case d.Error != "":
		t.delivery.Add(&widget.Label{Text: d.Error, Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord})
	}
	if d.Verified != "" {
		t.delivery.Add(&widget.Label{Text: "Signed: " + d.Verified + ".", Importance: widget.SuccessImportance, Wrapping: fyne.TextWrapWord})
	}
	var head strings.Builder
	writeHeaders(&head, d.Headers)
	t.delivery.Add(section(t, "Payload", pretty(d.Body), d.Body))
	t.delivery.Add(section(t, "Headers", strings.TrimRight(head.String(), "\n"), ""))
	if len(d.Mapped) > 0 {
		t.delivery.Add(&widget.Label{Text: "Mapped through the Request Format", TextStyle: fyne.TextStyle{Bold: true}})
		t.delivery.Add(mappedGrid(d.Mapped))
	}
}

// showPending lists this connector's webhooks that were never deleted,
// each with Retry.
func (t *testTab) showPending() {
	t.pending.RemoveAll()
	host := t.ed.host
	ledger := host.deps.Ledger
	if ledger == nil || host.open == nil || host.methEd != t.ed {
		return // a tab left behind, or its connector closed: nothing shows it
	}
	rows, err := ledger.ListWebhooks(t.ed.host.ctx, true)
	if err != nil {
		t.pending.Add(&widget.Label{Text: "The webhook ledger cannot be read: " + err.Error(), Importance: widget.DangerImportance})
		return
	}
	var mine []model.WebhookRecord
	for _, r := range rows {
		if r.Connector == t.ed.host.open.storedName {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		return
	}
	t.pending.Add(&widget.Label{Text: "Pending cleanups: webhooks created and not deleted yet", TextStyle: fyne.TextStyle{Bold: true}})
	// A row's last error was masked with the secrets of its day; a value
	// made Sensitive since is masked in it too.
	reader := engine.NewHistoryReader(host.open.conn, host.open.account)
	for _, r := range mine {
		rec := r
		id := rec.WebhookID
		if id == "" {
			id = "(unknown id)"
		}
		text := fmt.Sprintf("%s › %s, webhook %s, created %s", rec.Connector, rec.Method, id, rec.CreatedAt.Local().Format(time.DateTime))
		if made := rec.MadeWith(); made != "" {
			// Retry deletes it on the API it was made on, whatever the
			// account values say now.
			text += "\nMade with " + reader.MaskText(made)
		}
		if rec.LastError != "" {
			text += "\n" + reader.MaskText(rec.LastError)
		}
		var actions fyne.CanvasObject
		if rec.WebhookID == "" {
			// No id to delete by: the author removes it on the API and says so.
			text += "\nLook on the API for a webhook to " + rec.URL + ", remove it there, then mark it removed."
			actions = &widget.Button{Text: "Mark removed", Icon: theme.ConfirmIcon(), OnTapped: func() { t.forget(rec) }}
		} else {
			// Retry is the way; marking it removed is for a webhook the
			// author deleted by hand, such as when its methods are gone.
			retry := &widget.Button{Text: "Retry delete", Icon: theme.ViewRefreshIcon()}
			retry.OnTapped = func() { t.retry(rec, retry) }
			removed := &widget.Button{Text: "Mark removed…", Importance: widget.LowImportance, OnTapped: func() { t.confirmForget(rec) }}
			actions = container.NewVBox(retry, removed)
		}
		t.pending.Add(container.NewBorder(nil, nil, nil, actions, &widget.Label{Text: text, Wrapping: fyne.TextWrapWord}))
	}
}

// confirmForget asks before marking removed a webhook Patchbay could still
// delete: after that, nothing keeps track of it.
func (t *testTab) confirmForget(rec model.WebhookRecord) {
	text := fmt.Sprintf("Mark webhook %s removed without deleting it?\n\n"+
		"Do this only if it is gone from the API already (you deleted it by hand).\n"+
		"Patchbay stops tracking it and will not try to delete it again.", rec.WebhookID)
	dialog.ShowConfirm("Mark webhook removed", text, func(ok bool) {
		if ok {
			t.forget(rec)
		}
	}, t.ed.host.win)
}

// forget marks a row whose webhook the author removed by hand.
func (t *testTab) forget(rec model.WebhookRecord) {
	host := t.ed.host
	if err := host.deps.Ledger.MarkWebhookRemoved(host.ctx, rec.ID); model.ErrorCodeOf(err) == model.EConflict {
		host.setStatus(widget.MediumImportance, "Webhook %s was deleted meanwhile, by a cleanup on the command line or 'webhook forget'.", rec.WebhookID)
	} else if err != nil {
		host.showError(err)
	} else {
		id := rec.WebhookID
		if id == "" {
			id = "to " + rec.URL
		}
		host.setStatus(widget.SuccessImportance, "Webhook %s marked removed by hand: Patchbay no longer tracks it.", id)
	}
	t.showPending()
}

// retry deletes one pending webhook again, in the background. While the
// delete waits for its turn under a rate limit, the button stops the wait;
// a delete already sent is seen through.
func (t *testTab) retry(rec model.WebhookRecord, btn *widget.Button) {
	host := t.ed.host
	btn.Disable()
	ctx, cancel := context.WithCancel(host.ctx)
	// The connector open in the window, as edited, is the one a test run
	// used: a fix to its Delete Webhook Method counts before it is saved.
	var open *model.Connector
	var openAccount map[string]string
	if o := host.open; o != nil && o.storedName == rec.Connector {
		o.freshen(host.ctx, host.store)
		open, openAccount = o.conn.Clone(), maps.Clone(o.account)
	}
	load := func(ctx context.Context, name string) (*model.Connector, map[string]string, error) {
		if open != nil && name == rec.Connector {
			return open, openAccount, nil
		}
		c, err := host.store.LoadConnector(ctx, name)
		if err != nil {
			return nil, nil, err
		}
		values, err := host.store.AccountValues(ctx, name)
		return c, values, err
	}
	go func() {
		defer cancel()
		// A delete under a rate limit may wait for its turn: say so, and
		// offer to stop waiting until the turn comes.
		stopped := false // read and written on the window's goroutine
		onStep := func(s *engine.Step) {
			switch {
			case s.Waiting:
				wait := time.Duration(s.RateLimitWaitMS) * time.Millisecond
				fyne.Do(func() {
					host.setStatus(widget.MediumImportance, "Webhook %s: waiting %s for its turn under the rate limit…", rec.WebhookID, wait)
					btn.SetText("Stop waiting")
					btn.SetIcon(theme.CancelIcon())
					btn.OnTapped = func() {
						btn.Disable()
						stopped = true
						cancel()
					}
					btn.Enable()
				})
			case s.Status == engine.StepRunning && s.RateLimitWaitMS > 0:
				fyne.Do(func() {
					btn.Disable() // the turn came: the delete is on its way
					host.setStatus(widget.MediumImportance, "Webhook %s: deleting…", rec.WebhookID)
				})
			}
		}
		// A rotated refresh token is kept the moment it comes: the old one
		// is spent, also if the window closes while the delete waits.
		keep := func(c *model.Connector, updates map[string]string) error {
			return keepLearnt(host, c.ID, updates, nil)
		}
		out := engine.Cleanup(ctx, host.deps.Ledger, load, []model.WebhookRecord{rec},
			engine.CleanupOptions{Client: host.deps.Client, OnStep: onStep, Keep: keep, Turns: host.deps.Turns})
		fyne.Do(func() {
			unkept := len(out) == 1 && len(out[0].AccountUpdates) > 0
			if o := host.open; unkept && o != nil && o.storedName == rec.Connector {
				o.learnt(out[0].AccountUpdates, false)
			}
			switch {
			case len(out) != 1:
			case out[0].InUse != "":
				host.setStatus(widget.MediumImportance, "Webhook %s is still in use by a running test (process %s), which deletes it when it ends.", rec.WebhookID, out[0].InUse)
			case out[0].Meanwhile:
				host.setStatus(widget.SuccessImportance, "Webhook %s was deleted meanwhile, by a cleanup on the command line or 'webhook forget'.", rec.WebhookID)
			case out[0].Deleted:
				host.setStatus(widget.SuccessImportance, "Webhook %s deleted.", rec.WebhookID)
			case stopped && (out[0].Step == nil || out[0].Step.Request == nil):
				host.setStatus(widget.MediumImportance, "Stopped waiting: webhook %s is still pending.", rec.WebhookID)
			default:
				host.setStatus(widget.DangerImportance, "Webhook %s is still pending: %s", rec.WebhookID, out[0].Error)
			}
			if unkept {
				host.setStatus(widget.WarningImportance, "The API gave a new refresh token, and the old one is spent: save the connector to keep the new one.")
				if o := host.open; o != nil && o.storedName == rec.Connector {
					host.changed()
				}
			}
			t.showPending()
		})
	}()
}
