package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"patchbay/model"
)

// LoadFunc gives the connector a ledger row names and its account values.
type LoadFunc func(ctx context.Context, connector string) (*model.Connector, map[string]string, error)

// CleanupResult says what became of one pending webhook.
type CleanupResult struct {
	Record model.WebhookRecord
	// Step is the delete, when one was sent.
	Step *Step
	// Deleted is true when the webhook is gone and the row marked deleted.
	Deleted bool
	// Meanwhile is true when the row was marked deleted by someone else
	// (another cleanup, 'webhook forget') while this one ran: Deleted is
	// true then too.
	Meanwhile bool
	// InUse names the process of a test run that is still using the row
	// (its lifecycle deletes the webhook itself): nothing was sent, and
	// nothing is wrong.
	InUse string
	Error string
	// AccountUpdates are account values the delete's token step learnt (a
	// refresh token the OAuth2 provider rotated), for the caller to keep:
	// the old one is spent. Later rows of the same connector use them.
	AccountUpdates map[string]string
}

// CleanupOptions are the optional parts of a Cleanup.
type CleanupOptions struct {
	// Client sends the deletes; the zero Client when nil.
	Client *Client
	// OnStep, if set, is told of each delete as it starts, waits for its
	// turn under a rate limit, and ends.
	OnStep func(*Step)
	// Keep, if set, keeps account values a delete's token step learns (a
	// refresh token the OAuth2 provider rotated: the old one is spent) for
	// the row's connector the moment they come, before the delete waits
	// for its turn or is sent; it is handed the connector as loaded, whose
	// ID says where they go. What it cannot keep comes back in
	// CleanupResult.AccountUpdates.
	Keep func(c *model.Connector, updates map[string]string) error
	// Turns, if set, has the deletes' token steps take turns with other
	// Patchbays on the same database (see Runner.Turns).
	Turns model.RefreshTurns
}

// Cleanup retries the delete of each pending webhook and updates the ledger:
// deleted rows are marked so, failures keep their row pending with the new
// error. It calls the same API the lifecycle did, with the run's non-secret
// values, and today's account values. Cancelling ctx stops a delete that
// waits for its turn, and the deletes not started, and leaves their rows as
// they are (the result of one not started is "not tried"); a delete
// already sent runs to its answer (within deleteTimeout).
func Cleanup(ctx context.Context, ledger model.WebhookLedger, load LoadFunc, recs []model.WebhookRecord, opts CleanupOptions) []CleanupResult {
	out := make([]CleanupResult, 0, len(recs))
	// What became of a delete is recorded, also after ctx is cancelled.
	ledgerCtx := context.WithoutCancel(ctx)
	learnt := map[string]map[string]string{} // by connector
	for _, rec := range recs {
		if !rec.Pending() {
			continue
		}
		if ctx.Err() != nil {
			// Said, and not written: the row stays as it is.
			out = append(out, CleanupResult{Record: rec, Error: "not tried: the cleanup was cancelled"})
			continue
		}
		res := CleanupResult{Record: rec}
		// The row as it is now: another cleanup may have deleted it since
		// the rows were listed, and a test run still going deletes its
		// own webhook.
		now, found, err := currentRow(ledgerCtx, ledger, rec.ID)
		switch {
		case err == nil && !found:
			res.Deleted, res.Meanwhile = true, true
			out = append(out, res)
			continue
		case err == nil && now.Owner != "" && ownerAlive(now.Owner):
			res.InUse = ownerPID(now.Owner)
			out = append(out, res)
			continue
		}
		r := &Runner{OnStep: opts.OnStep, Turns: opts.Turns}
		got := map[string]string{} // what the token step learnt, kept or not
		if opts.Keep != nil {
			r.OnAccountUpdate = func(updates map[string]string) error {
				maps.Copy(got, updates)
				return opts.Keep(r.Connector, updates)
			}
		}
		step, err := cleanupOne(ctx, r, load, opts.Client, rec, learnt[rec.Connector])
		res.Step, res.AccountUpdates = step, r.accountUpdates
		maps.Copy(got, r.accountUpdates)
		if len(got) > 0 {
			if learnt[rec.Connector] == nil {
				learnt[rec.Connector] = map[string]string{}
			}
			maps.Copy(learnt[rec.Connector], got)
		}
		switch {
		case err != nil:
			res.Error = err.Error()
		case !step.OK:
			// Also after a 2xx answer: a script that threw on it may have
			// found the API refusing the delete (see RunWebhook).
			res.Error = step.Error
		default:
			res.Deleted = true
		}
		switch {
		case res.Deleted:
			err = ledger.MarkWebhookDeleted(ledgerCtx, rec.ID)
		case rec.WebhookID == "", ctx.Err() != nil && (step == nil || step.Request == nil):
			// Nothing could be sent, or the cleanup was cancelled before:
			// the row's error, which may say where to look, stays.
			err = nil
		default:
			err = ledger.MarkWebhookFailed(ledgerCtx, rec.ID, res.Error)
		}
		switch {
		case model.ErrorCodeOf(err) == model.EConflict:
			// Marked deleted meanwhile, by another cleanup or by hand: the
			// API's answer (a 404, most likely) says nothing more.
			res.Deleted, res.Meanwhile, res.Error = true, true, ""
		case err != nil:
			res.Deleted = false
			res.Error = fmt.Sprintf("updating the webhook ledger: %v", err)
		}
		out = append(out, res)
	}
	return out
}

// currentRow reads the pending ledger row with this id as it is now; found
// is false when it is no longer pending.
func currentRow(ctx context.Context, ledger model.WebhookLedger, id int64) (rec model.WebhookRecord, found bool, err error) {
	rows, err := ledger.ListWebhooks(ctx, true)
	if err != nil {
		return rec, false, err
	}
	for _, r := range rows {
		if r.ID == id {
			return r, true, nil
		}
	}
	return rec, false, nil
}

// cleanupOne deletes one row's webhook with r (its OnStep and
// OnAccountUpdate set) and the account values load gives, updated with
// those earlier rows learnt (learnt).
func cleanupOne(ctx context.Context, r *Runner, load LoadFunc, client *Client, rec model.WebhookRecord, learnt map[string]string) (*Step, error) {
	if rec.WebhookID == "" {
		return nil, errors.New("its id was never captured, so Patchbay cannot delete it; remove it on the API by hand")
	}
	c, account, err := load(ctx, rec.Connector)
	if err != nil {
		return nil, fmt.Errorf("connector %q: %w", rec.Connector, err)
	}
	// The account values the webhook was made with, that are no secret
	// (its BaseUrl), over today's; then what earlier rows learnt.
	if len(rec.AccountValues) > 0 || len(learnt) > 0 {
		account = maps.Clone(account)
		if account == nil {
			account = map[string]string{}
		}
		maps.Copy(account, rec.AccountValues)
		maps.Copy(account, learnt)
	}
	del, err := cleanupMethod(c, rec)
	if err != nil {
		return nil, err
	}
	r.Connector, r.Account, r.Inputs, r.Client = c, account, rec.RunValues, client
	r.begin() // the secrets to mask, from the first error on
	system := map[string]string{model.SystemFieldWebhookID: rec.WebhookID, model.SystemFieldWebhookURL: rec.URL}
	if s := r.authorize(ctx, del); s != nil && !s.OK {
		return s, nil // no token, no delete: the row stays pending with why
	}
	// Cancelling ctx stops the wait for a turn under the rate limit; a
	// delete already sent is seen through, so that its answer is recorded.
	step, _, _ := r.runAction(ctx, del, "Delete webhook", system, deleteTimeout, nil)
	return step, nil
}

// cleanupMethod finds the Delete Webhook Method that deletes a ledger row's
// webhook: through the row's Webhook method, as the lifecycle did (its
// Create Webhook Method is not needed), or, when that fails (the method was
// renamed, removed or replaced, or its Delete Webhook Method is gone), by
// the Delete Webhook Method's name recorded with the row. Rows from before
// that name was recorded can only go through their Webhook method.
func cleanupMethod(c *model.Connector, rec model.WebhookRecord) (*model.Method, error) {
	wm, err := webhookMethod(c, rec.Method)
	if err == nil {
		var del *model.Method
		if del, err = deleteWebhookMethod(c, wm); err == nil {
			return del, nil
		}
	}
	if rec.DeleteMethod == "" {
		return nil, err
	}
	if del := c.Method(rec.DeleteMethod); del != nil && del.MethodType == model.MethodAction {
		return del, nil
	}
	why := err.Error()
	if c.Method(rec.Method) == nil {
		why += " (renamed or removed?)"
	}
	return nil, fmt.Errorf("%s, and no Delete Webhook Method %q to delete webhook %s with; "+
		"restore one of them, or remove the webhook on the API by hand and run 'patchbay webhook forget %d'",
		why, rec.DeleteMethod, rec.WebhookID, rec.ID)
}
