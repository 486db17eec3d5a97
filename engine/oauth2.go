package engine

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"patchbay/internal/xmljson"
	"patchbay/model"
)

// TokenStepName names the step that gets an OAuth2 access token.
const TokenStepName = "Get access token"

// authorize gets the run's OAuth2 access token, once per run, when the
// connector's default authentication is OAuth2 with a Token URL and the
// run has no access token of its own in Cyclr_Auth_ApiKey: with a
// refresh token (Cyclr_Auth_RefreshToken) by the refresh token grant,
// else with the client credentials (Cyclr_Auth_ClientId,
// Cyclr_Auth_ClientSecret) by the client credentials grant. A refresh
// token the provider rotates is handed to OnAccountUpdate at once (see
// keep). The token request
// is a step of its own, shown and logged as any other, its credentials and
// the token masked. It returns nil when no token had to be got; a failed
// step means nothing else may be sent.
//
// The client credentials go in the Authorization header, as RFC 6749
// prefers; a token endpoint that refuses them there (400 or 401) is asked
// once more with them in the body, as many want.
func (r *Runner) authorize(ctx context.Context, methods ...*model.Method) *Step {
	a := r.Connector.DefaultAuthentication()
	if a == nil || a.AuthType != model.AuthOAuth2 || strings.TrimSpace(a.TokenUrl) == "" || r.token != "" {
		return nil
	}
	if !slices.ContainsFunc(methods, func(m *model.Method) bool { return m != nil && !m.IgnoreAuthentication }) {
		return nil // nothing the run sends is authenticated
	}
	mf := Values{Inputs: r.Inputs, Account: r.Account, names: r.names}.For(r.Connector, nil)
	if token, _, _ := mf.Lookup(model.SystemFieldAuthAPIKey); token != "" {
		return nil // an access token given: it is sent as it is
	}
	step := &Step{Name: TokenStepName, Method: a.AuthName, Status: StepRunning}
	r.notify(step)
	start := time.Now()
	where := func() string {
		return connectorLabel(r.Connector.Name, TabAuthentication, a.AuthName) + " › Token URL"
	}
	fail := func(err error) *Step {
		step.Status, step.OK = StepFailed, false
		step.Error = MaskText(err.Error(), r.secrets())
		step.DurationMS = time.Since(start).Milliseconds()
		r.notify(step)
		return step
	}
	id, _, _ := mf.Lookup(model.SystemFieldAuthClientID)
	secret, _, _ := mf.Lookup(model.SystemFieldAuthClientSecret)
	refresh, _, _ := mf.Lookup(model.SystemFieldAuthRefreshToken)

	if refresh == "" && (id == "" || secret == "") {
		return fail(&FieldError{Field: where(), Err: fmt.Errorf("nothing to get an access token with: set %s in the account values (a refresh token from signing in at the API's site, with %s), or %s and %s for the client credentials grant, or an access token in %s",
			model.SystemFieldAuthRefreshToken, model.SystemFieldAuthClientID, model.SystemFieldAuthClientID, model.SystemFieldAuthClientSecret, model.SystemFieldAuthAPIKey)})
	}
	endpoint, err := mf.Render(where(), a.TokenUrl, PlaceURL)
	if err != nil {
		return fail(err)
	}
	if err := checkEndpoint(endpoint); err != nil {
		return fail(&FieldError{Field: where(), Err: err})
	}
	unlock := func() {}
	if refresh != "" {
		// One refresh at a time per token endpoint, in this process and,
		// with Turns, in every Patchbay on the database, from the newest
		// token: a run that began from values holding one spent meanwhile
		// goes on with the one that replaced it. A cancelled run stops
		// waiting for its turn.
		var err error
		if unlock, err = r.refreshTurn(ctx, endpoint, step); err != nil {
			if ctx.Err() != nil {
				return fail(fmt.Errorf("waiting for another run's token request to %s: %w", endpoint, err))
			}
			return fail(fmt.Errorf("taking the turn to refresh the token at %s: %w", endpoint, err))
		}
		defer unlock() // at the latest; at once when the answer is in
		newest, err := r.newestRefresh(ctx, endpoint, refresh)
		if err != nil {
			return fail(err)
		}
		if newest != refresh {
			refresh = newest
			r.extraSecrets = append(r.extraSecrets, refresh)
		}
	}
	form := Form{{"grant_type", "client_credentials"}}
	if refresh != "" {
		form = Form{{"grant_type", "refresh_token"}, {"refresh_token", refresh}}
	}
	if scope := strings.TrimSpace(a.Scope); scope != "" {
		form = append(form, FormField{"scope", scope})
	}
	req := &Request{Method: http.MethodPost, Endpoint: endpoint, DataType: model.BodyForm, Body: form,
		Headers: map[string]string{"Accept": "application/json", "Content-Type": contentType(model.BodyForm)}}
	switch {
	case secret != "":
		// As RFC 6749 §2.3.1 has it, each form-encoded before Basic
		// encoding.
		basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
		r.extraSecrets = append(r.extraSecrets, basic)
		req.Headers["Authorization"] = "Basic " + basic
	case id != "":
		req.Body = append(form, FormField{"client_id", id}) // a public client
	}
	resp, ex, sendErr := r.client().Send(ctx, req)
	answer := r.learnTokens(resp)
	if sendErr == nil && secret != "" && refusedClient(resp) {
		step.Console = append(step.Console, MaskText(fmt.Sprintf("the token endpoint refused the client credentials in the Authorization header (%d%s); they were sent again in the body",
			resp.Status, bodyHint(resp.Body)), r.secrets()))
		req.Headers = map[string]string{"Accept": "application/json", "Content-Type": contentType(model.BodyForm)}
		req.Body = append(form, FormField{"client_id", id}, FormField{"client_secret", secret})
		resp, ex, sendErr = r.client().Send(ctx, req)
		answer = r.learnTokens(resp)
	}
	token, next := "", ""
	if sendErr == nil && resp.OK() {
		token, next = answer.fields["access_token"], answer.fields["refresh_token"]
	}
	// A new refresh token is kept even beside no access token: the
	// old one may be spent all the same.
	rotating := refresh != "" && next != "" && next != refresh
	if rotating {
		rotated.record(endpoint, refresh, next)
		if r.Turns != nil {
			if err := r.Turns.RecordRotatedRefreshToken(context.WithoutCancel(ctx), endpoint, refresh, next); err != nil {
				step.Console = append(step.Console, MaskText("the new refresh token could not be recorded for other Patchbays on this database: "+err.Error(), r.secrets()))
			}
		}
	}
	unlock() // the next refresh may go, from the newest token
	step.Request, step.Response = ex.logForms(r.secretForms(r.secrets()))
	// What a token answer is, for messages that must not quote it.
	shape := answer.shape
	if resp != nil && shape == "" {
		shape = "neither JSON nor form-encoded (Content-Type " + cmp.Or(resp.Headers.Get("Content-Type"), "not given") + ")"
	}
	if unread := resp != nil && resp.OK() && token == ""; unread && step.Response != nil {
		// A 2xx Patchbay could not read a token from may hold credentials
		// in a shape it does not know: it is not shown.
		step.Response.Body = fmt.Sprintf("(not shown: a token response Patchbay could not read an access token from may hold credentials; %d bytes, %s)", len(resp.Body), shape)
	}
	if rotating {
		// The provider rotates refresh tokens: the old one is spent, and
		// the new one is kept before anything else happens.
		updates := map[string]string{model.SystemFieldAuthRefreshToken: next}
		switch err := r.keep(updates); {
		case err != nil:
			step.Console = append(step.Console, MaskText("the token endpoint gave a new refresh token, which could not be kept: "+err.Error(), r.secrets()))
		default:
			step.Console = append(step.Console, "the token endpoint gave a new refresh token; it is kept in the account values")
		}
	}
	switch {
	case sendErr != nil:
		step.notSent = ex.Request == nil || neverSent(sendErr)
		return fail(fmt.Errorf("the OAuth2 token request to %s: %w", endpoint, sendErr))
	case !resp.OK():
		return fail(fmt.Errorf("the OAuth2 token request to %s answered %d%s%s", endpoint, resp.Status, httpStatusText(resp.Status), bodyHint(resp.Body)))
	case token == "" && answer.accessKey:
		return fail(fmt.Errorf("the OAuth2 token response's access_token is null, empty or not text: it is %s (the body is not shown, as it may hold credentials)", shape))
	case token == "":
		return fail(fmt.Errorf("the OAuth2 token response has no access_token at its top level: it is %s (the body is not shown, as it may hold credentials)", shape))
	}
	r.token = token
	r.tokenAccount = maps.Clone(r.Account)
	if r.tokenAccount == nil {
		r.tokenAccount = map[string]string{}
	}
	r.tokenAccount[model.SystemFieldAuthAPIKey] = token
	if _, given := r.Inputs[model.SystemFieldAuthAPIKey]; given {
		// An empty --set Cyclr_Auth_ApiKey= asked for a fresh token: the
		// run's inputs come before the account values.
		r.tokenInputs = maps.Clone(r.Inputs)
		r.tokenInputs[model.SystemFieldAuthAPIKey] = token
	}
	step.Status, step.OK = StepOK, true
	step.DurationMS = time.Since(start).Milliseconds()
	r.notify(step)
	return step
}

// keep keeps account values the run learnt with OnAccountUpdate; what it
// cannot keep goes back in Result.AccountUpdates.
func (r *Runner) keep(updates map[string]string) error {
	var err error
	if r.OnAccountUpdate != nil {
		if err = r.OnAccountUpdate(updates); err == nil {
			return nil
		}
	}
	r.accountUpdates = updates
	return err
}

// refreshTurn waits for the run's turn to refresh a token at endpoint:
// first among this process's runs, then, with Turns, among the Patchbay
// processes on the database. It returns the function that gives the turn
// back (once, however often it is called).
func (r *Runner) refreshTurn(ctx context.Context, endpoint string, step *Step) (func(), error) {
	unlock, err := rotated.lock(ctx, endpoint)
	if err != nil || r.Turns == nil {
		return unlock, err
	}
	owner, end := startRun() // alive, to the others, until end
	fail := func(err error) (func(), error) {
		end()
		unlock()
		return nil, err
	}
	for said := false; ; said = true {
		got, err := r.Turns.ClaimRefreshTurn(ctx, endpoint, owner, staleTurn)
		if err != nil {
			return fail(err)
		}
		if got {
			break
		}
		if !said {
			step.Console = append(step.Console, "waiting for another Patchbay's token request to the same endpoint")
			r.notify(step)
		}
		select {
		case <-time.After(turnPoll):
		case <-ctx.Done():
			return fail(ctx.Err())
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			// A turn that cannot be given back is taken over once this
			// run is over (see staleTurn).
			_ = r.Turns.GiveBackRefreshTurn(context.WithoutCancel(ctx), endpoint, owner)
			end()
			unlock()
		})
	}, nil
}

// turnPoll is how often a run waiting for another process's refresh looks
// again; turnHeld is how long a turn may be held by a process still
// running before others take it over: longer than a token request with
// its retry takes at the default timeout (a Client with a longer one may
// see its turn taken over by then).
const (
	turnPoll = 50 * time.Millisecond
	turnHeld = 4 * DefaultTimeout
)

// staleTurn reports whether the run holding a refresh turn will not give
// it back: it has ended, with its process or without, or it has held the
// turn far longer than a token request takes.
func staleTurn(holder string, since time.Time) bool {
	return !ownerAlive(holder) || time.Since(since) > turnHeld
}

// newestRefresh follows refresh to the token that replaced it, if another
// run spent it: in this process, and with Turns in the others.
func (r *Runner) newestRefresh(ctx context.Context, endpoint, refresh string) (string, error) {
	refresh = rotated.newest(endpoint, refresh)
	if r.Turns == nil {
		return refresh, nil
	}
	seen := map[string]bool{refresh: true}
	for {
		next, err := r.Turns.RotatedRefreshToken(ctx, endpoint, refresh)
		if err != nil {
			return "", fmt.Errorf("look for a refresh token another Patchbay rotated: %w", err)
		}
		if next == "" || seen[next] {
			return refresh, nil
		}
		seen[next], refresh = true, next
	}
}

// rotatedTokens maps each refresh token this process saw rotated, by its
// token endpoint, to the one that replaced it, and lets one refresh at a
// time go to each endpoint.
type rotatedTokens struct {
	mu    sync.Mutex
	next  map[string]string        // endpoint NUL spent token → its replacement
	turns map[string]chan struct{} // endpoint → a slot, taken while a refresh goes
}

var rotated = &rotatedTokens{next: map[string]string{}, turns: map[string]chan struct{}{}}

// lock waits for the endpoint's turn, or for ctx to end, and returns the
// function that gives the turn back (once, however often it is called).
func (t *rotatedTokens) lock(ctx context.Context, endpoint string) (func(), error) {
	t.mu.Lock()
	turn := t.turns[endpoint]
	if turn == nil {
		turn = make(chan struct{}, 1)
		t.turns[endpoint] = turn
	}
	t.mu.Unlock()
	select {
	case turn <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-turn }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// newest follows token's replacements to the newest.
func (t *rotatedTokens) newest(endpoint, token string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for range len(t.next) {
		n, ok := t.next[endpoint+"\x00"+token]
		if !ok {
			break
		}
		token = n
	}
	return token
}

// record notes that spent was replaced by next. A provider that hands an
// earlier token back makes it live again: it is followed no further.
func (t *rotatedTokens) record(endpoint, spent, next string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next[endpoint+"\x00"+spent] = next
	delete(t.next, endpoint+"\x00"+next)
}

// account is the run's account values, with the access token authorize
// got, if any, where an OAuth2 authentication reads it.
func (r *Runner) account() map[string]string {
	if r.tokenAccount != nil {
		return r.tokenAccount
	}
	return r.Account
}

// inputs is the run's inputs, with the access token authorize got in
// place of an empty one given.
func (r *Runner) inputs() map[string]string {
	if r.tokenInputs != nil {
		return r.tokenInputs
	}
	return r.Inputs
}

// tokenSecrets are the fields of a token response that hold credentials.
var tokenSecrets = []string{"access_token", "refresh_token", "id_token"}

// tokenAnswer is what a token response holds, as far as Patchbay reads it.
type tokenAnswer struct {
	// fields are the top-level credentials by name (access_token, …); in
	// XML, the root element's.
	fields map[string]string
	// secrets are every value that may be a credential: those fields,
	// and any value, however deep, under a key naming a token or a secret
	// (accessToken, data.access_token, client_secret, …).
	secrets []string
	// accessKey is set when the answer names an access_token at its top
	// level, whatever its value (null, empty, a number): an answer without
	// a usable one is worded apart from one without any.
	accessKey bool
	// shape says what the body is, for a message that must not quote it:
	// "JSON with the keys a, b", "form-encoded", "XML", or "".
	shape string
}

// readTokenAnswer reads a token response's credentials from JSON, from the
// form encoding some providers answer with (access_token=…&token_type=…),
// or from XML (the root element's children). Numbers are taken as written.
func readTokenAnswer(body []byte, contentType string) tokenAnswer {
	out := tokenAnswer{fields: map[string]string{}}
	body = withoutBOM(body)
	if checkJSON(body) != nil {
		if doc, err := xmljson.ToJSON(body); err == nil {
			// The credentials are the root element's children: its own
			// name (<TokenResponse>) says nothing of what it holds.
			gjson.ParseBytes(doc).ForEach(func(_, root gjson.Result) bool {
				out.readFields(root)
				out.secrets = append(out.secrets, secretsUnder(root, false)...)
				return false
			})
			out.shape = "XML"
			if strings.Contains(strings.ToLower(contentType), "html") {
				out.shape = "an HTML page"
			}
			return out
		}
		form, err := url.ParseQuery(strings.TrimSpace(string(body)))
		if err != nil {
			return out
		}
		for k, vs := range form {
			for _, v := range vs {
				if tokenishKey(k) && len(v) >= minGuessedSecret {
					out.secrets = append(out.secrets, v)
				}
			}
		}
		for _, k := range tokenSecrets {
			if v := form.Get(k); v != "" {
				out.fields[k] = v
			}
		}
		_, out.accessKey = form["access_token"]
		if len(out.fields) > 0 || out.accessKey {
			out.shape = "form-encoded"
		}
		return out
	}
	// Every value may be a credential, a repeated key's earlier ones too;
	// the fields are read as Cyclr reads them, the last of a repeated key.
	out.secrets = secretsUnder(gjson.ParseBytes(body), false)
	norm, _ := lastWins(body)
	doc := gjson.ParseBytes(norm)
	out.readFields(doc)
	out.accessKey = doc.IsObject() && doc.Get("access_token").Exists()
	var keys []string
	doc.ForEach(func(k, _ gjson.Result) bool {
		keys = append(keys, k.String())
		return len(keys) <= 10 // the first ten, and whether there are more
	})
	out.shape = "JSON"
	if len(keys) > 10 {
		keys = append(keys[:10], "…")
	}
	if len(keys) > 0 {
		out.shape = "JSON with the keys " + strings.Join(keys, ", ")
	}
	return out
}

// readFields reads the credentials that are o's own fields.
func (a *tokenAnswer) readFields(o gjson.Result) {
	for _, k := range tokenSecrets {
		switch v := o.Get(gjson.Escape(k)); v.Type {
		case gjson.String:
			a.fields[k] = v.String()
		case gjson.Number:
			a.fields[k] = v.Raw // as written: 1.5e+20 is not to be rounded
		default:
			continue
		}
		a.secrets = append(a.secrets, a.fields[k])
	}
}

// secretsUnder lists the strings in v that may be credentials: all of
// them under a key naming a token or a secret (under is true there),
// however deep, but for a few characters: a credential is longer, and
// masking "true" or "ok" everywhere would garble the log.
func secretsUnder(v gjson.Result, under bool) []string {
	var out []string
	switch {
	case v.IsObject() || v.IsArray():
		v.ForEach(func(k, x gjson.Result) bool {
			out = append(out, secretsUnder(x, under || tokenishKey(k.String()))...)
			return true
		})
	case under && v.Type == gjson.String && len(v.String()) >= minGuessedSecret:
		out = append(out, v.String())
	}
	return out
}

// minGuessedSecret is the shortest value secretsUnder takes for one.
const minGuessedSecret = 8

// tokenishKey reports whether a key names a credential: access_token,
// accessToken, id-token, client_secret, … but not token_type or
// refresh_token_expires_in, which say something of one.
func tokenishKey(k string) bool {
	k = strings.ToLower(k)
	return (strings.Contains(k, "token") || strings.Contains(k, "secret")) &&
		!strings.Contains(k, "type") && !strings.Contains(k, "expire")
}

// learnTokens keeps every value of a token response that may be a
// credential as a secret, whatever its status, before anything shows it,
// and returns what it read.
func (r *Runner) learnTokens(resp *Response) tokenAnswer {
	if resp == nil {
		return tokenAnswer{}
	}
	answer := readTokenAnswer(resp.Body, resp.Headers.Get("Content-Type"))
	for _, v := range answer.secrets {
		if !slices.Contains(r.extraSecrets, v) {
			r.extraSecrets = append(r.extraSecrets, v)
		}
	}
	return answer
}

// refusedClient reports whether a token endpoint refused the client
// credentials as sent (401, or 400 with an error about the client or the
// request), as an endpoint that wants them in the body does.
func refusedClient(resp *Response) bool {
	switch resp.Status {
	case http.StatusUnauthorized:
		return true
	case http.StatusBadRequest:
		switch gjson.GetBytes(withoutBOM(resp.Body), "error").String() {
		case "invalid_client", "invalid_request", "unauthorized_client":
			return true
		}
	}
	return false
}
