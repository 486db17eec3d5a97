package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"patchbay/engine/script"
	"patchbay/model"
)

// DefaultDeliveryWait is how long a lifecycle with a trigger waits for the
// delivery when WebhookOptions.Wait is zero.
const DefaultDeliveryWait = 10 * time.Second

// UnknownIDLead begins the error kept on a ledger row whose webhook may
// exist on the API with an id the run never read; the create step's error
// follows it.
const UnknownIDLead = "its id is unknown, so Patchbay cannot delete it; remove it on the API by hand: "

// deleteTimeout bounds the delete of a lifecycle, counted from when its
// turn under the rate limit comes; the delete goes on when the run was
// cancelled: the webhook must still go.
var deleteTimeout = 30 * time.Second

// WebhookOptions configure a webhook lifecycle run.
type WebhookOptions struct {
	// Ledger records the webhook the moment its id is captured. Required.
	Ledger model.WebhookLedger
	// Trigger names an Action method that makes the API emit an event,
	// such as "Create Order"; "" for none.
	Trigger string
	// Wait is how long to wait for a delivery. Zero means
	// DefaultDeliveryWait with a trigger or a tunnel, and no waiting
	// without either.
	Wait time.Duration
	// WebhookURL, when set, is registered instead of the local receiver's
	// URL: for an API outside this machine, which cannot reach 127.0.0.1.
	// Deliveries to it are not seen by the run.
	WebhookURL string
	// Tunnel, when set, is the public address of a tunnel that forwards to
	// the receiver at TunnelAddr (cloudflared, ngrok, ssh -R): the webhook
	// is registered at Tunnel with the receiver's unguessable path, and
	// the deliveries that come through it are seen and mapped as local
	// ones are. An API outside this machine can deliver this way.
	Tunnel string
	// TunnelAddr is the loopback address the receiver listens on for a
	// Tunnel; DefaultTunnelAddr when empty.
	TunnelAddr string
}

// RunWebhook runs the lifecycle of a Webhook method: start the local
// receiver, create the webhook and record its id in the ledger, optionally
// trigger an event and map the delivery, and delete the webhook. The delete
// runs whenever a webhook was created, also when a later step failed or the
// run was cancelled; a failed delete leaves the ledger row pending for
// Cleanup.
func (r *Runner) RunWebhook(ctx context.Context, name string, opts WebhookOptions) *Result {
	res := &Result{Connector: r.Connector.Name, ConnectorID: r.Connector.ID, Method: name, Kind: "webhook", StartedAt: time.Now()}
	r.begin()
	r.runCtx = ctx
	defer func() { res.finish(ctx, r.failedFirst) }()
	wm, create, del, err := webhookMethods(r.Connector, name)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.MethodID = wm.ID
	if err := idReadable(create); err != nil {
		res.Error = err.Error()
		return res
	}
	if err := r.deleteLoads(ctx, del); err != nil {
		res.Error = MaskText(err.Error(), r.secrets())
		return res
	}
	if opts.Ledger == nil {
		res.Error = "no webhook ledger to record the webhook in"
		return res
	}
	recv, url, err := openReceiver(opts)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if recv != nil {
		defer recv.Close()
	}
	// Then an access token, the first request: without one, nothing is
	// created.
	if s := r.authorize(ctx, create, del, r.Connector.Method(opts.Trigger)); s != nil {
		res.Steps = append(res.Steps, s)
		res.AccountUpdates = r.accountUpdates
		if !s.OK {
			res.Error = s.Error
			return res
		}
	}
	// The delete's request must be possible before anything is created:
	// it is prepared now as it will be, the id stood in for.
	if err := r.deletePrepares(del, url); err != nil {
		res.Error = MaskText(err.Error(), r.secrets())
		return res
	}
	res.WebhookURL = url
	system := map[string]string{model.SystemFieldWebhookURL: url}
	owner, endRun := startRun()
	defer endRun()

	if f := wm.WebhookSignature.SecretResponseField; f != "" {
		r.secretFields = map[string]bool{f: true}
	}
	// The row goes in before the create request is sent: a process killed
	// while the API answers still leaves a trace of what it may have made.
	rec := &model.WebhookRecord{Connector: r.Connector.Name, ConnectorID: r.Connector.ID, Method: name, DeleteMethod: del.Name, URL: url, RunValues: r.runValues(), AccountValues: r.accountValuesKept(),
		Owner:     owner, // a cleanup meanwhile leaves the row to this run
		LastError: "the create request was sent, and the run stopped before it read the id: look on the API for a webhook to " + url}
	ledgerCtx := context.WithoutCancel(ctx)
	if err := opts.Ledger.RecordWebhook(ledgerCtx, rec); err != nil {
		res.Error = fmt.Sprintf("the webhook ledger cannot record a new webhook, so none was created: %v", err)
		return res
	}
	// The step passes only when the webhook's id can be read.
	var id string
	step, body, sent := r.runAction(ctx, create, "Create webhook", system, 0, func(body []byte) error {
		var err error
		if id, err = WebhookID(create.ResponseFormat.Fields, body); err != nil {
			return fmt.Errorf("the webhook was created, but its id could not be read: %w", err)
		}
		return nil
	})
	res.Steps = append(res.Steps, step)
	// The id is read from any answer of the 2xx kind, also when a later
	// part of the step failed (another field's type, after_action): the
	// webhook exists then, and only its id lets Patchbay delete it. It is
	// read from the body as after_action left it (also one that failed:
	// the mapping may be written for its shape), else as the API sent it.
	if id == "" && step.Answered2xx() {
		for _, b := range [][]byte{body, sent} {
			if id == "" && b != nil {
				id, _ = WebhookID(create.ResponseFormat.Fields, b)
			}
		}
	}
	if id != "" && !bytes.Equal(body, sent) {
		id = idAsSent(create.ResponseFormat.Fields, id, sent)
	}
	if id == "" {
		res.Error = step.Error
		if r.settleFailedCreate(ledgerCtx, opts.Ledger, rec.ID, step) {
			res.Error += fmt.Sprintf("; the API may have made a webhook Patchbay cannot delete: look on the API for one registered to %s and remove it by hand (the ledger keeps it pending as row %d)", url, rec.ID)
		}
		return res
	}
	res.WebhookID = id
	system[model.SystemFieldWebhookID] = id
	rec.WebhookID = id

	recorded := opts.Ledger.SetWebhookID(ledgerCtx, rec.ID, id)
	switch {
	case recorded != nil:
		r.failStep(step, fmt.Errorf("webhook %s was created but could not be recorded in the ledger: %w; deleting it now", id, recorded))
	case step.OK:
		secret := r.signatureSecret(wm, system)
		if recv != nil && !wm.WebhookSignature.IsZero() {
			// The API hears 401 for a delivery that fails the check. The
			// check runs on the receiver's goroutine: it gets its own copy
			// of the secrets.
			secrets := slices.Clone(r.secrets())
			recv.SetCheck(func(d Delivery) string {
				if err := VerifySignature(wm.WebhookSignature, secret, d.Headers, d.Body); err != nil {
					return "signature check failed: " + MaskText(err.Error(), secrets)
				}
				return ""
			})
		}
		r.deliveryStep(ctx, res, wm, recv, opts, secret)
	}

	// The delete is not cancelled with the run, and its time limit starts
	// once its turn under the rate limit has come: waiting for the turn
	// must not cost the webhook its delete.
	delStep, _, _ := r.runAction(ledgerCtx, del, "Delete webhook", system, deleteTimeout, nil)
	res.Steps = append(res.Steps, delStep)
	// A delete the API answered with a 2xx whose step then failed (a
	// script threw on the answer) stays pending too: an API may refuse
	// a delete with a 200 and say so in the body, which is what such a
	// script looks for, and the ledger must not lose a webhook that is
	// still there.
	if delStep.OK {
		err = opts.Ledger.MarkWebhookDeleted(ledgerCtx, rec.ID)
	} else {
		err = r.keepUndeleted(ledgerCtx, opts.Ledger, rec, recorded != nil, delStep.Error)
	}
	if err != nil && recorded == nil {
		r.failStep(delStep, fmt.Errorf("%supdating the webhook ledger: %w", prefixed(delStep.Error), err))
	}
	if !delStep.OK {
		r.failedFirst = true // the delete and the ledger are not cancelled: a failure of their own
	}
	// The first step that failed before the delete says what went wrong
	// with the test; a failed delete is said after it, not instead.
	res.OK = true
	for _, s := range res.Steps {
		if !s.OK {
			res.OK = false
			if res.Error == "" && s != delStep {
				res.Error = s.Name + ": " + s.Error
			}
		}
	}
	undeleted := ""
	switch {
	case delStep.OK:
	case delStep.Answered2xx():
		undeleted = fmt.Sprintf("webhook %s may not be deleted: the API answered the delete %d, but the step failed (%s); it stays pending in the ledger: if 'patchbay webhook cleanup' then gets a 404, it is gone, and 'patchbay webhook forget %d' marks it so",
			id, delStep.Response.Status, delStep.Error, rec.ID)
	default:
		undeleted = fmt.Sprintf("webhook %s was not deleted (%s); it stays pending in the ledger for 'patchbay webhook cleanup'", id, delStep.Error)
	}
	if undeleted != "" {
		res.Error = prefixed(res.Error) + undeleted
	}
	return res
}

// openReceiver opens the run's receiver and returns the URL to register:
// the receiver's own, its path behind a tunnel, or a URL the author gave
// (no receiver then).
func openReceiver(opts WebhookOptions) (*Receiver, string, error) {
	switch {
	case opts.WebhookURL != "" && opts.Tunnel != "":
		return nil, "", errors.New("give a webhook URL or a tunnel, not both: a webhook URL's deliveries are not seen here, a tunnel's are")
	case opts.WebhookURL != "":
		return nil, opts.WebhookURL, nil
	case opts.Tunnel != "":
		public, err := TunnelURL(opts.Tunnel)
		if err != nil {
			return nil, "", err
		}
		addr := opts.TunnelAddr
		if addr == "" {
			addr = DefaultTunnelAddr
		}
		recv, err := OpenReceiverAt(addr, 0)
		if err != nil {
			return nil, "", err
		}
		return recv, public + recv.path, nil
	}
	// A fresh path on the process's shared loopback receiver.
	recv, err := OpenReceiver(0)
	if err != nil {
		return nil, "", err
	}
	return recv, recv.URL, nil
}

// webhookMethods finds a Webhook method and its Create and Delete Webhook
// Methods.
func webhookMethods(c *model.Connector, name string) (wm, create, del *model.Method, err error) {
	if wm, err = webhookMethod(c, name); err != nil {
		return nil, nil, nil, err
	}
	if create = c.Method(wm.CreateWebhookMethod); create == nil {
		return nil, nil, nil, fmt.Errorf("%s: %q names no method", MethodLabel(name, TabSettings, "Create Webhook Method"), wm.CreateWebhookMethod)
	}
	if del, err = deleteWebhookMethod(c, wm); err != nil {
		return nil, nil, nil, err
	}
	return wm, create, del, nil
}

// webhookMethod finds a Webhook method by name.
func webhookMethod(c *model.Connector, name string) (*model.Method, error) {
	wm := c.Method(name)
	switch {
	case wm == nil:
		return nil, fmt.Errorf("connector %q has no method %q", c.Name, name)
	case wm.MethodType != model.MethodWebhook:
		return nil, fmt.Errorf("method '%s' is an %s method, not a Webhook", name, wm.MethodType)
	}
	return wm, nil
}

// deleteWebhookMethod finds a Webhook method's Delete Webhook Method, an
// Action: a lifecycle checks it before it creates anything.
func deleteWebhookMethod(c *model.Connector, wm *model.Method) (*model.Method, error) {
	where := func() string { return MethodLabel(wm.Name, TabSettings, "Delete Webhook Method") }
	del := c.Method(wm.DeleteWebhookMethod)
	switch {
	case del == nil:
		return nil, fmt.Errorf("%s: %q names no method", where(), wm.DeleteWebhookMethod)
	case del.MethodType != model.MethodAction:
		return nil, fmt.Errorf("%s: '%s' is a %s method, not an Action that can delete the webhook", where(), del.Name, del.MethodType)
	}
	return del, nil
}

// runValues are the run's inputs less the secrets, kept in the ledger so
// that a later cleanup calls the same API.
func (r *Runner) runValues() map[string]string {
	out := map[string]string{}
	for k, v := range r.Inputs {
		if !r.names.has(k) {
			out[k] = v
		}
	}
	return out
}

// accountValuesKept are the account values that are no secret, kept in
// the ledger so that a later cleanup or Retry calls the API the webhook
// was made on: an author who points the account's BaseUrl at another API
// before cleaning up must not have the delete sent there. A value is left
// out when the run masks it: a secret name's, one a Sensitive parameter is
// made of ({{ApiToken}} in "Bearer {{ApiToken}}"), or a value that is a
// secret under another name. Those are read as they are at cleanup: a key
// may have been rotated.
func (r *Runner) accountValuesKept() map[string]string {
	out := map[string]string{}
	secrets := r.secrets()
	for k, v := range r.Account {
		if v != "" && !r.names.has(k) && !slices.Contains(r.names.madeOf, k) && !slices.Contains(secrets, v) {
			out[k] = v
		}
	}
	return out
}

// settleFailedCreate updates the row of a create that failed: forgotten
// when the API refused (4xx, 5xx) or nothing was sent, kept pending for
// removal by hand when the API may have made a webhook whose id is unknown
// (it said yes, or redirected, or it never answered). The answer after a
// redirect is not the create's.
// It reports whether the row is kept.
func (r *Runner) settleFailedCreate(ctx context.Context, ledger model.WebhookLedger, id int64, step *Step) (kept bool) {
	refused := step.Request == nil || step.notSent
	if resp := step.Response; resp != nil {
		refused = resp.Status >= 400 && len(resp.Redirects) == 0
	}
	if refused && ledger.ForgetWebhook(ctx, id) == nil {
		return false
	}
	ledger.MarkWebhookFailed(ctx, id, UnknownIDLead+step.Error)
	return true
}

// keepUndeleted keeps a webhook whose delete failed pending in the ledger,
// with the delete's error. When its id did not go on the row with the
// create (unrecorded), it is written now: a row without it cannot be
// cleaned up. If the row was marked deleted meanwhile (the author forgot it
// while the run went on), a new row keeps the webhook; if the id still
// cannot be written, the row's error names it, for removal by hand.
func (r *Runner) keepUndeleted(ctx context.Context, ledger model.WebhookLedger, rec *model.WebhookRecord, unrecorded bool, why string) error {
	err := error(nil)
	if unrecorded {
		err = ledger.SetWebhookID(ctx, rec.ID, rec.WebhookID)
	}
	if err == nil {
		err = ledger.MarkWebhookFailed(ctx, rec.ID, why)
	}
	switch {
	case err == nil:
		return nil
	case model.ErrorCodeOf(err) == model.EConflict:
		// Marked deleted meanwhile, while the webhook is still there.
		fresh := *rec
		fresh.LastError, fresh.Owner = why, "" // the run is over: cleanup's now
		if ledger.RecordWebhook(ctx, &fresh) == nil {
			return nil
		}
	case !unrecorded:
		return err
	}
	return ledger.MarkWebhookFailed(ctx, rec.ID, fmt.Sprintf(
		"webhook %s was created, and its id could not be recorded; remove it on the API by hand (the delete failed: %s)", rec.WebhookID, why))
}

// prefixed is an earlier error followed by "; ", or "" for none.
func prefixed(earlier string) string {
	if earlier == "" {
		return ""
	}
	return earlier + "; "
}

// signatureSecret finds the secret deliveries are signed with: a parameter
// or account value, or the create response's field (learnt, and masked,
// when the create step read it).
func (r *Runner) signatureSecret(wm *model.Method, system map[string]string) string {
	sig := wm.WebhookSignature
	switch {
	case sig.IsZero():
		return ""
	case sig.SecretParameter != "":
		v, _, err := Values{Inputs: r.Inputs, Account: r.Account, System: system}.For(r.Connector, wm).Lookup(sig.SecretParameter)
		if err != nil {
			return ""
		}
		if v != "" {
			r.extraSecrets = append(r.extraSecrets, v) // a secret, Sensitive or not
		}
		return v
	}
	return r.learnt[sig.SecretResponseField]
}

func (r *Runner) failStep(s *Step, err error) {
	s.Status, s.OK = StepFailed, false
	s.Error = MaskText(err.Error(), r.secrets())
	r.notify(s)
}

// idReadable says why the Create Webhook Method could never read the id of
// a webhook it makes, which could then never be deleted: no Response
// Format field is mapped to Cyclr_Webhook_Id, or that field's path is not
// one. Nothing is to be sent then.
func idReadable(create *model.Method) error {
	i := slices.IndexFunc(create.ResponseFormat.Fields, func(f model.Field) bool { return f.SystemField == model.SystemFieldWebhookID })
	where := func() string { return MethodLabel(create.Name, TabResponseFormat) }
	if i < 0 {
		return fmt.Errorf("%s: no field has the System Field %s, so the new webhook's id could not be saved and the webhook could not be deleted; no webhook was created: map the id in the create response to %s",
			where(), model.SystemFieldWebhookID, model.SystemFieldWebhookID)
	}
	if _, err := GJSONPath(create.ResponseFormat.Fields[i].ConnectorField); err != nil {
		return fmt.Errorf("%s › %s: %w; the new webhook's id could not be read, and the webhook could not be deleted; no webhook was created",
			where(), model.SystemFieldWebhookID, err)
	}
	return nil
}

// deleteLoads says why the Delete Webhook Method's scripts would fail to
// load (a syntax error, a throw in top-level code): its step would fail,
// and a webhook created now could not be deleted. They are loaded as the
// delete will load them, and nothing is to be sent when they fail.
func (r *Runner) deleteLoads(ctx context.Context, del *model.Method) error {
	var err error
	if r.hasScripts(del) {
		var s *script.Runner
		s, err = r.scripts(ctx, del, &Step{}, r.secrets)
		s.Close() // a nil Runner has nothing to close
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("the run was cancelled before the webhook was created: %w", ctx.Err())
	case err != nil:
		return fmt.Errorf("%w; the Delete Webhook Method's scripts do not load, so the webhook could not be deleted; no webhook was created", err)
	}
	return nil
}

// requiredMissing lists the Connector Fields of the fields not marked
// Optional that mapping did not find; mapped holds one value a field, in
// order, as MapFields returns them.
func requiredMissing(fields []model.Field, mapped []MappedField) []string {
	var out []string
	for i, f := range fields {
		if i < len(mapped) && !mapped[i].Found && !f.IsOptional {
			out = append(out, f.ConnectorField)
		}
	}
	return out
}

// missingNote says that fields not marked Optional were not found in what
// was mapped: a Connector Field path with a mistake, or an API that sends
// less than the grid says.
func missingNote(missing []string, in string) string {
	if len(missing) == 1 {
		return fmt.Sprintf("%s, which the Request Format does not mark Optional, was not in %s: check its Connector Field path, or mark it Optional", missing[0], in)
	}
	return fmt.Sprintf("%s, which the Request Format does not mark Optional, were not in %s: check their Connector Field paths, or mark them Optional", strings.Join(missing, ", "), in)
}

// deletePrepares says why the Delete Webhook Method's request could not be
// made (a malformed {{Mergefield}} in its Endpoint, a value it needs and
// has none of, missing credentials): its step would fail before sending,
// and a webhook created now could not be deleted. It is prepared as the
// delete will be, after the run's access token, with stand-ins for the id
// the create returns, and refused only when it cannot be made with any of
// them; nothing is sent.
func (r *Runner) deletePrepares(del *model.Method, url string) error {
	var first error
	for _, id := range standInIDs {
		system := map[string]string{model.SystemFieldWebhookURL: url, model.SystemFieldWebhookID: id}
		_, err := Prepare(r.Connector, del, Values{Inputs: r.inputs(), Account: r.account(), System: system, names: r.names})
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return fmt.Errorf("%w; the Delete Webhook Method's request could not be made, so the webhook could not be deleted; no webhook was created", first)
}

// standInIDs stand in for a webhook's id where the delete is prepared
// before the webhook exists: a number, which any id field takes, and a URL,
// for an API whose id is the webhook's own address (a Delete Webhook
// Method whose Endpoint is {{Cyclr_Webhook_Id}}).
var standInIDs = []string{"1", "https://webhook.invalid/hooks/1"}

// deliveryStep runs the trigger, if any, and waits for a delivery, maps it
// and puts it in the result.
func (r *Runner) deliveryStep(ctx context.Context, res *Result, wm *model.Method, recv *Receiver, opts WebhookOptions, secret string) {
	if opts.Trigger != "" {
		tm := r.Connector.Method(opts.Trigger)
		if tm == nil {
			s := &Step{Name: "Trigger", Method: opts.Trigger}
			r.failStep(s, fmt.Errorf("connector %q has no method %q", r.Connector.Name, opts.Trigger))
			res.Steps = append(res.Steps, s)
			return
		}
		s, _, _ := r.runAction(ctx, tm, "Trigger", nil, 0, nil)
		res.Steps = append(res.Steps, s)
		if !s.OK {
			return
		}
	}
	wait := opts.Wait
	if wait == 0 && (opts.Trigger != "" || opts.Tunnel != "") {
		wait = DefaultDeliveryWait
	}
	if wait <= 0 || recv == nil {
		return
	}
	step := &Step{Name: "Receive delivery", Method: wm.Name, Status: StepRunning}
	r.notify(step)
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	// The first delivery that passes is the one mapped: one rejected (a
	// bad signature) or without a JSON body (a ping, a GET that checks the
	// URL) is shown if nothing better comes within the wait.
	var got *Received
	var err error
	for n := 0; ; n++ {
		var d Delivery
		if d, err = recv.Wait(wctx, n); err != nil {
			break
		}
		got = r.mapDelivery(ctx, wm, d, step, secret)
		_, unusable := deliveryDocument(wm, d)
		if got.Rejected == "" && unusable == nil {
			break
		}
		if secret == "" && !wm.WebhookSignature.IsZero() {
			break // no delivery can pass the check without its secret
		}
		// Said at once, not only when the wait is over.
		why := got.Rejected
		if why == "" {
			why = unusable.Error()
		}
		step.Console = append(step.Console, MaskText(fmt.Sprintf("a delivery came at %s and was not mapped: %s; waiting for another until %s",
			d.ReceivedAt.Local().Format(time.TimeOnly), why, start.Add(wait).Local().Format(time.TimeOnly)), r.secrets()))
		r.notify(step)
	}
	step.DurationMS = time.Since(start).Milliseconds()
	res.Steps = append(res.Steps, step)
	res.Deliveries = len(recv.Deliveries())
	switch {
	case got == nil && errors.Is(err, context.DeadlineExceeded):
		where := recv.URL
		if res.WebhookURL != recv.URL {
			where = fmt.Sprintf("%s (through the tunnel to %s)", res.WebhookURL, strings.TrimPrefix(recv.server.base, "http://"))
		}
		r.failStep(step, fmt.Errorf("no delivery arrived at %s within %s", where, wait))
		return
	case got == nil && errors.Is(err, context.Canceled):
		r.failStep(step, errors.New("the run was cancelled while it waited for a delivery"))
		return
	case got == nil:
		r.failStep(step, fmt.Errorf("waiting for a delivery: %w", err))
		return
	}
	res.Delivery = got
	if res.Delivery.Error != "" || res.Delivery.Rejected != "" {
		r.failStep(step, errors.New(res.Delivery.Rejected+res.Delivery.Error))
		return
	}
	step.Mapped = res.Delivery.Mapped
	if res.Delivery.Filtered {
		step.Note = fmt.Sprintf("%s, %s returned false: the event was filtered out, and nothing was mapped", res.Delivery.filteredIn, res.Delivery.FilteredBy)
	} else if missing := requiredMissing(wm.RequestFormat.Fields, step.Mapped); len(missing) > 0 {
		step.Note = missingNote(missing, "the delivery")
	}
	step.Status, step.OK = StepOK, true
	r.notify(step)
}

// deliveryDocument is a delivery's body as its payload is mapped: JSON as
// it came (less a byte order mark), XML in its JSON form (see
// xmlDocument); an error says it is neither.
func deliveryDocument(wm *model.Method, d Delivery) ([]byte, error) {
	contentType := http.Header(d.Headers).Get("Content-Type") // as the receiver took it in: canonical
	doc, isXML, err := xmlDocument(wm.DataType, contentType, d.Body, wm.RequestFormat.Fields)
	switch {
	case isXML && err != nil:
		return nil, fmt.Errorf("the delivery is %w", err) // "not well-formed XML: …"
	case isXML:
		return doc, nil
	}
	body := withoutBOM(d.Body)
	if err := checkJSON(body); err != nil {
		return nil, fmt.Errorf("the delivery's %w", err) // "the delivery's body is not JSON; it starts: …"
	}
	return body, nil
}

// mapDelivery runs before_webhook and after_webhook on a delivery and maps
// it through the Webhook method's Request Format.
func (r *Runner) mapDelivery(ctx context.Context, wm *model.Method, d Delivery, step *Step, secret string) *Received {
	secrets := r.secrets()
	forms := r.secretForms(secrets)
	out := &Received{ReceivedAt: d.ReceivedAt, Method: d.Method, Headers: flattenMasked(d.Headers, forms, 0), Rejected: d.Rejected}
	out.Body = maskForms(string(d.Body), forms)
	if d.Rejected == "" && !wm.WebhookSignature.IsZero() {
		if err := VerifySignature(wm.WebhookSignature, secret, d.Headers, d.Body); err != nil {
			out.Rejected = "signature check failed: " + MaskText(err.Error(), secrets)
		} else {
			out.Verified = fmt.Sprintf("the signature checks: the %s header holds the HMAC-%s of the body under the secret", wm.WebhookSignature.Header, strings.ToUpper(wm.WebhookSignature.Algorithm))
		}
	}
	if out.Rejected != "" {
		return out
	}
	body, err := deliveryDocument(wm, d) // the signature was checked on the body as sent
	if err != nil {
		out.Error = MaskText(err.Error(), secrets) // it quotes the body's start
		return out
	}
	if norm, dup := lastWins(body); dup != "" {
		body = norm
		step.Console = append(step.Console, repeatedKeyNote("the delivery", dup))
	}
	var payload any
	if err := json.Unmarshal(body, &payload); err != nil {
		out.Error = fmt.Sprintf("the delivery is not JSON: %v", err)
		return out
	}
	scripts, err := r.scripts(ctx, wm, step, func() []string { return secrets })
	if err != nil {
		out.Error = err.Error()
		return out
	}
	defer scripts.Close()
	if scripts.Handles(script.EventBeforeWebhook) || scripts.Handles(script.EventAfterWebhook) {
		g := &script.Globals{MethodRequest: payload, MethodRequestHeaders: flatten(d.Headers)}
		by := script.EventBeforeWebhook
		proceed, err := r.fire(ctx, scripts, by, g)
		if err == nil && proceed {
			g.MethodResponse = g.MethodRequest
			by = script.EventAfterWebhook
			proceed, err = r.fire(ctx, scripts, by, g)
		}
		out.Console = step.Console
		switch {
		case err != nil:
			out.Error = MaskText(err.Error(), secrets)
			return out
		case !proceed:
			out.Filtered, out.FilteredBy, out.filteredIn = true, string(by), scripts.StoppedBy()
			return out
		}
		if !reflect.DeepEqual(payload, g.MethodResponse) {
			if body, err = json.Marshal(g.MethodResponse); err != nil {
				out.Error = fmt.Sprintf("after_webhook left a payload that is not JSON: %v", err)
				return out
			}
		}
	}
	mapped, err := MapFields(MethodLabel(wm.Name, TabRequestFormat), wm.RequestFormat.Fields, body)
	if err != nil {
		out.Error = MaskText(err.Error(), secrets)
		return out
	}
	out.Mapped = maskMapped(mapped, forms)
	return out
}
