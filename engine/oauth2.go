package engine

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"patchbay/model"
)

// TokenStepName names the step that gets an OAuth2 access token.
const TokenStepName = "Get access token"

// authorize gets the run's OAuth2 access token, once per run, when the
// connector's default authentication is OAuth2 with a Token URL and the
// run has client credentials (Cyclr_Auth_ClientId, Cyclr_Auth_ClientSecret)
// but no access token of its own in Cyclr_Auth_ApiKey. The token request
// is a step of its own, shown and logged as any other, its credentials and
// the token masked. It returns nil when no token had to be got; a failed
// step means nothing else may be sent.
//
// The client credentials go in the Authorization header, as RFC 6749
// prefers; a token endpoint that refuses them there (400 or 401) is asked
// once more with them in the body, as many want.
func (r *Runner) authorize(ctx context.Context) *Step {
	a := r.Connector.DefaultAuthentication()
	if a == nil || a.AuthType != model.AuthOAuth2 || strings.TrimSpace(a.TokenUrl) == "" || r.token != "" {
		return nil
	}
	mf := Values{Inputs: r.Inputs, Account: r.Account, names: r.names}.For(r.Connector, nil)
	if token, _, _ := mf.Lookup(model.SystemFieldAuthAPIKey); token != "" {
		return nil // an access token given: it is sent as it is
	}
	step := &Step{Name: TokenStepName, Method: a.AuthName, Status: StepRunning}
	r.notify(step)
	start := time.Now()
	where := func() string { return connectorLabel(r.Connector.Name, TabAuthentication, a.AuthName) + " › Token URL" }
	fail := func(err error) *Step {
		step.Status, step.OK = StepFailed, false
		step.Error = MaskText(err.Error(), r.secrets())
		step.DurationMS = time.Since(start).Milliseconds()
		r.notify(step)
		return step
	}
	id, _, _ := mf.Lookup(model.SystemFieldAuthClientID)
	secret, _, _ := mf.Lookup(model.SystemFieldAuthClientSecret)
	if id == "" || secret == "" {
		return fail(&FieldError{Field: where(), Err: fmt.Errorf("no client credentials to get an access token with: set %s and %s in the account values, or an access token in %s",
			model.SystemFieldAuthClientID, model.SystemFieldAuthClientSecret, model.SystemFieldAuthAPIKey)})
	}
	endpoint, err := mf.Render(where(), a.TokenUrl, PlaceURL)
	if err != nil {
		return fail(err)
	}
	if err := checkEndpoint(endpoint); err != nil {
		return fail(&FieldError{Field: where(), Err: err})
	}
	// As RFC 6749 §2.3.1 has it, each form-encoded before Basic encoding.
	basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
	r.extraSecrets = append(r.extraSecrets, basic)
	form := Form{{"grant_type", "client_credentials"}}
	if scope := strings.TrimSpace(a.Scope); scope != "" {
		form = append(form, FormField{"scope", scope})
	}
	req := &Request{Method: http.MethodPost, Endpoint: endpoint, DataType: model.BodyForm, Body: form,
		Headers: map[string]string{"Authorization": "Basic " + basic, "Accept": "application/json", "Content-Type": contentType(model.BodyForm)}}
	resp, ex, sendErr := r.client().Send(ctx, req)
	if sendErr == nil && (resp.Status == http.StatusBadRequest || resp.Status == http.StatusUnauthorized) {
		step.Console = append(step.Console, fmt.Sprintf("the token endpoint refused the client credentials in the Authorization header (%d); they were sent again in the body", resp.Status))
		req.Headers = map[string]string{"Accept": "application/json", "Content-Type": contentType(model.BodyForm)}
		req.Body = append(form, FormField{"client_id", id}, FormField{"client_secret", secret})
		resp, ex, sendErr = r.client().Send(ctx, req)
	}
	var token string
	if sendErr == nil && resp.OK() {
		body := withoutBOM(resp.Body)
		if checkJSON(body) == nil {
			token = gjson.GetBytes(body, "access_token").String()
		}
		if token != "" {
			r.extraSecrets = append(r.extraSecrets, token) // masked from its first sight on
		}
	}
	step.Request, step.Response = ex.logForms(r.secretForms(r.secrets()))
	switch {
	case sendErr != nil:
		step.notSent = ex.Request == nil || neverSent(sendErr)
		return fail(fmt.Errorf("the OAuth2 token request to %s: %w", endpoint, sendErr))
	case !resp.OK():
		return fail(fmt.Errorf("the OAuth2 token request to %s answered %d%s%s", endpoint, resp.Status, httpStatusText(resp.Status), bodyHint(resp.Body)))
	case token == "":
		return fail(errors.New("the OAuth2 token response has no access_token: " + clip(strings.TrimSpace(string(resp.Body)), 200)))
	}
	r.token = token
	r.tokenAccount = make(map[string]string, len(r.Account)+1)
	for k, v := range r.Account {
		r.tokenAccount[k] = v
	}
	r.tokenAccount[model.SystemFieldAuthAPIKey] = token
	step.Status, step.OK = StepOK, true
	step.DurationMS = time.Since(start).Milliseconds()
	r.notify(step)
	return step
}

// account is the run's account values, with the access token authorize
// got, if any, where an OAuth2 authentication reads it.
func (r *Runner) account() map[string]string {
	if r.tokenAccount != nil {
		return r.tokenAccount
	}
	return r.Account
}
