package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"patchbay/engine/script"
	"patchbay/internal/spell"
	"patchbay/model"
)

// Runner runs the methods of one connector with one set of account values.
type Runner struct {
	Connector *model.Connector
	// Account are the connector's account values (auth values and Account
	// Connector Properties).
	Account map[string]string
	// Inputs are the run's own values (--set KEY=VALUE): they override the
	// account values for this run only.
	Inputs map[string]string
	// Client sends the requests; the zero Client when nil.
	Client *Client
	// ScriptTimeout bounds each script event; script.DefaultTimeout when zero.
	ScriptTimeout time.Duration
	// OnStep, if set, is told of each step when it starts and when it ends,
	// so that the window and the command line can show progress.
	OnStep func(*Step)
	// OnAccountUpdate, if set, keeps account values the run learns (a
	// refresh token the OAuth2 provider rotated: the old one is spent),
	// called in the run's goroutine before the run goes on. Values it
	// could not keep, or all of them without it, come back in
	// Result.AccountUpdates.
	OnAccountUpdate func(map[string]string) error
	// Turns, if set, makes the run's OAuth2 refresh take turns with other
	// Patchbay processes on the same database, and start from the token
	// that replaced its own if one of them spent it. Within a process,
	// refreshes take turns without it.
	Turns model.RefreshTurns

	// secretFields are Response Format System Fields whose values are
	// secrets, such as a signing secret the create response returns; the
	// values read from them are kept in learnt and masked everywhere.
	secretFields map[string]bool
	learnt       map[string]string
	extraSecrets []string
	runSecrets   []string
	// names are the connector's secret names, listed once per run.
	names *secretNames

	// cycle holds cycle_variables from one script event of a run to the
	// next.
	cycle map[string]any
	// token is the OAuth2 access token authorize got for the run, and
	// tokenAccount and tokenInputs the account values and inputs with it
	// (see account and inputs).
	token                     string
	tokenAccount, tokenInputs map[string]string
	// accountUpdates are account values the run learnt (a rotated
	// refresh token), handed back in Result.AccountUpdates.
	accountUpdates map[string]string
	// runCtx is the run's context, and failedFirst says a step failed
	// while it was not cancelled: the run failed on its own, whatever a
	// later Cancel did.
	runCtx      context.Context
	failedFirst bool
}

// zeroClient is the Client of a Runner that has none.
var zeroClient = &Client{}

func (r *Runner) client() *Client {
	if r.Client == nil {
		return zeroClient
	}
	return r.Client
}

// begin readies the Runner for a run: the secrets of the account and the
// inputs, which stay the same while it runs, are listed once.
func (r *Runner) begin() {
	r.cycle, r.runCtx, r.failedFirst = nil, nil, false
	r.token, r.tokenAccount, r.tokenInputs, r.accountUpdates = "", nil, nil, nil
	r.names = secretNamesOf(r.Connector)
	r.runSecrets = append(r.names.secrets(r.Account), proxySecrets()...)
	for k, v := range r.Inputs {
		if r.names.has(k) && v != "" {
			r.runSecrets = append(r.runSecrets, v)
		}
	}
}

// secrets lists every value the run must mask: the account's and the
// inputs' (see begin), and those learnt while it runs.
func (r *Runner) secrets() []string {
	return append(slices.Clip(r.runSecrets), r.extraSecrets...)
}

// secretForms returns the forms to mask secrets in (see spell.Forms), as
// the process keeps them: the list of secrets is the same for most steps
// of a run, and for most runs.
func (r *Runner) secretForms(secrets []string) []string { return recentForms.get(secrets) }

// recentForms keeps the forms of the last few lists of secrets worked out
// in the process: the window and the command line make a Runner for each
// run, and most runs mask the same account's secrets as the run before.
var recentForms formsCache

type formsCache struct {
	mu   sync.Mutex
	kept [4]struct{ of, forms []string }
	next int // the entry to replace next
}

// get returns spell.Forms(secrets), worked out again only when none of the
// kept lists is the same. The forms returned are shared: not to be changed.
func (c *formsCache) get(secrets []string) []string {
	c.mu.Lock()
	for _, k := range c.kept {
		if k.forms != nil && slices.Equal(k.of, secrets) {
			c.mu.Unlock()
			return k.forms
		}
	}
	c.mu.Unlock()
	forms := slices.Clip(spell.Forms(secrets)) // an append makes a copy
	c.mu.Lock()
	c.kept[c.next].of, c.kept[c.next].forms = slices.Clone(secrets), forms
	c.next = (c.next + 1) % len(c.kept)
	c.mu.Unlock()
	return forms
}

func (r *Runner) notify(s *Step) {
	if s.Status == StepFailed && r.runCtx != nil && r.runCtx.Err() == nil {
		r.failedFirst = true // before any cancellation: a failure of its own
	}
	if r.OnStep != nil {
		r.OnStep(s)
	}
}

// RunMethod runs one Action method: prepare, before_action, send,
// after_action or after_error, and map the response.
func (r *Runner) RunMethod(ctx context.Context, name string) *Result {
	res := &Result{Connector: r.Connector.Name, ConnectorID: r.Connector.ID, Method: name, Kind: "method", StartedAt: time.Now()}
	r.begin()
	r.runCtx = ctx
	defer func() { res.finish(ctx, r.failedFirst) }()
	m := r.Connector.Method(name)
	if m == nil {
		res.Error = fmt.Sprintf("connector %q has no method %q", r.Connector.Name, name)
		return res
	}
	res.MethodID = m.ID
	if s := r.authorize(ctx, m); s != nil {
		res.Steps = append(res.Steps, s)
		res.AccountUpdates = r.accountUpdates
		if !s.OK {
			res.Error = s.Error
			return res
		}
	}
	step, _, _ := r.runAction(ctx, m, name, nil, 0, nil)
	res.Steps = append(res.Steps, step)
	res.OK, res.Error, res.Mapped = step.OK, step.Error, step.Mapped
	return res
}

// runAction runs an Action method as one step and returns the step, the
// response body as mapped (after a script's changes) and the body as the
// API sent it. sendTimeout, if not zero, makes the request one that must
// not be cut off, such as a webhook's delete: ctx may end the wait for its
// turn under the rate limit, but once the turn has come the request goes
// on without ctx, bounded by sendTimeout, and so does what follows it.
func (r *Runner) runAction(ctx context.Context, m *model.Method, stepName string, system map[string]string, sendTimeout time.Duration, check func(body []byte) error) (step *Step, body, sent []byte) {
	step = &Step{Name: stepName, Method: m.Name, Status: StepRunning}
	r.notify(step)
	start := time.Now()
	secrets := r.secrets()
	fail := func(err error) (*Step, []byte, []byte) {
		step.Status, step.OK = StepFailed, false
		step.Error = clip(MaskText(err.Error(), secrets), maxErrorText)
		step.DurationMS = time.Since(start).Milliseconds()
		r.notify(step)
		return step, nil, nil
	}
	if m.MethodType != model.MethodAction {
		return fail(fmt.Errorf("method '%s' is a %s method, not an Action", m.Name, m.MethodType))
	}
	req, err := Prepare(r.Connector, m, Values{Inputs: r.inputs(), Account: r.account(), System: system, names: r.names})
	if err != nil {
		return fail(err)
	}
	secrets = append(secrets, req.Secrets...)
	scripts, err := r.scripts(ctx, m, step, func() []string { return secrets })
	if err != nil {
		return fail(err)
	}
	defer scripts.Close()
	// Globals cross into JavaScript only for an event a script handles.
	if scripts.Handles(script.EventBeforeAction) {
		step.keepRaw = true
		proceed, learnt, err := r.beforeAction(ctx, scripts, req)
		raw := step.scriptLines
		step.scriptLines, step.keepRaw = nil, false
		// Credentials a script built (the Basic idiom: btoa of the key and
		// a password) are secrets from here on, and so in the lines it
		// logged while it built them, also when it then stopped or threw:
		// those are masked again from what the script wrote.
		if learnt {
			secrets = append(r.secrets(), req.Secrets...)
			forms := r.secretForms(secrets)
			for _, l := range raw {
				step.Console[l.at] = clip(maskText(l.text, forms), maxConsoleLineSize)
			}
		}
		if err != nil {
			return fail(err)
		}
		if !proceed {
			step.Status, step.Error = StepStopped, scripts.StoppedBy()+", before_action returned false: the request was not sent"
			step.DurationMS = time.Since(start).Milliseconds()
			r.notify(step)
			return step, nil, nil
		}
	}
	if err := r.awaitTurn(ctx, m, step); err != nil {
		step.notSent = true
		return fail(err)
	}
	// The send's own time limit starts once its turn has come.
	if sendTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
		defer cancel()
	}
	resp, ex, sendErr := r.client().Send(ctx, req)
	// An XML response is read in its JSON form: its secrets, the scripts,
	// the mapping and a webhook's id go by it; the log keeps it as it came.
	raw, xmlFault := resp, error(nil)
	if resp != nil {
		if doc, isXML, err := xmlDocument(m.DataType, resp.Headers.Get("Content-Type"), resp.Body, m.ResponseFormat.Fields); isXML && err != nil {
			xmlFault = fmt.Errorf("%s %s answered %d with a body that is %w", req.Method, m.Name, resp.Status, err) // "not well-formed XML: …"
		} else if isXML {
			view := *resp
			view.Body = doc
			resp = &view
		}
		if norm, dup := lastWins(resp.Body); dup != "" {
			view := *resp
			view.Body = norm
			resp = &view
			step.Console = append(step.Console, repeatedKeyNote("the response", dup))
		}
	}
	// A secret the response returns (a signing secret) is masked from
	// here on: in this step's log, its console lines and its errors.
	if resp != nil && r.learnSecrets(m, resp.Body) {
		secrets = append(r.secrets(), req.Secrets...)
	}
	step.Request, step.Response = ex.logForms(r.secretForms(secrets))
	// A request that could not be encoded (a bad header, a script's bad
	// endpoint) never left Patchbay either.
	step.notSent = sendErr != nil && (ex.Request == nil || neverSent(sendErr))
	if sendErr == nil && !resp.OK() {
		sendErr = fmt.Errorf("%s %s %s %d%s%s%s", req.Method, m.Name, answeredAfter(req.Endpoint, resp), resp.Status, httpStatusText(resp.Status), redirectHint(req.Method, resp), bodyHint(raw.Body))
	}
	if sendErr == nil && xmlFault != nil {
		return fail(xmlFault) // a 2xx the id, if any, cannot be read from
	}
	if sendErr != nil {
		if scripts.Handles(script.EventAfterError) {
			g := r.responseGlobals(req, resp)
			g.MethodError = sendErr.Error()
			if _, err := r.fire(ctx, scripts, script.EventAfterError, g); err != nil {
				sendErr = fmt.Errorf("%w; then after_error failed: %v", sendErr, err)
			}
		}
		return fail(sendErr)
	}
	body = resp.Body
	if scripts.Handles(script.EventAfterAction) {
		g := r.responseGlobals(req, resp)
		before := g.MethodResponse
		// On failure the caller may still need the body (a webhook's id):
		// as the script left it, if it changed it before it failed, with
		// the body as it came beside it.
		proceed, err := r.fire(ctx, scripts, script.EventAfterAction, g)
		if err != nil {
			failed, _, _ := fail(err)
			if !reflect.DeepEqual(before, g.MethodResponse) {
				if left, err := json.Marshal(g.MethodResponse); err == nil {
					return failed, left, resp.Body
				}
			}
			return failed, resp.Body, resp.Body
		}
		if !reflect.DeepEqual(before, g.MethodResponse) {
			if body, err = json.Marshal(g.MethodResponse); err != nil {
				failed, _, _ := fail(fmt.Errorf("after_action left method_response that is not JSON: %w", err))
				return failed, resp.Body, resp.Body
			}
		}
		if !proceed {
			step.Status, step.Error = StepStopped, scripts.StoppedBy()+", after_action returned false: the response was not mapped"
			step.DurationMS = time.Since(start).Milliseconds()
			r.notify(step)
			return step, body, resp.Body
		}
	}
	if len(m.ResponseFormat.Fields) > 0 {
		mapped, err := MapResponse(m, body)
		if err != nil {
			failed, _, _ := fail(err)
			return failed, body, resp.Body // the caller may still need the body: a webhook's id
		}
		if r.learnMappedSecrets(mapped) {
			secrets = append(r.secrets(), req.Secrets...)
			step.Request, step.Response = ex.logForms(r.secretForms(secrets))
		}
		step.Mapped = maskMapped(mapped, r.secretForms(secrets))
	}
	if check != nil {
		// What the caller needs of the answer (a webhook's id) fails the
		// step before it is shown as passed.
		if err := check(body); err != nil {
			failed, _, _ := fail(err)
			return failed, body, resp.Body
		}
	}
	step.Status, step.OK = StepOK, true
	step.DurationMS = time.Since(start).Milliseconds()
	r.notify(step)
	return step, body, resp.Body
}

// awaitTurn waits for the request's turn under the method's or the
// connector's rate limit, showing the wait on the step. A turn not waited
// out is given back.
func (r *Runner) awaitTurn(ctx context.Context, m *model.Method, step *Step) error {
	rate := r.Connector.EffectiveRateLimit(m)
	if rate <= 0 {
		return nil
	}
	t := rateLimits.reserve(rateKey(r.Connector, m), rate)
	d := t.wait()
	if d <= 0 {
		return nil
	}
	step.RateLimitWaitMS, step.Waiting = max(d.Milliseconds(), 1), true
	r.notify(step)
	start := time.Now()
	err := waitTurn(ctx, t, rate)
	step.RateLimitWaitMS, step.Waiting = time.Since(start).Milliseconds(), false
	if err != nil {
		t.giveBack()
		return err
	}
	r.notify(step) // the turn has come: the request goes
	return nil
}

// neverSent reports whether a send error means the request never reached
// the server: the connection was refused, the name did not resolve, or the
// run was cancelled while connecting. A request redirected before it failed
// had reached one.
func neverSent(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	var redirected *redirectedError
	if errors.As(err, &redirected) {
		return false
	}
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial") || errors.Is(err, syscall.ECONNREFUSED)
}

// scripts returns the runner of the connector's and the method's scripts,
// or nil when neither has code. Console lines go into the step, masked with
// the secrets known when they are written.
func (r *Runner) scripts(ctx context.Context, m *model.Method, step *Step, secrets func() []string) (*script.Runner, error) {
	if !r.hasScripts(m) {
		return nil, nil
	}
	opts := script.Options{
		Timeout: r.ScriptTimeout,
		Console: func(source, line string) {
			if step.consoleFull {
				return
			}
			// Masked whole, then clipped: a cut never leaves part of a
			// secret. A line may quote a text cut short already, such as
			// method_error, which quotes the API's answer up to "…": the
			// start of a secret before such a mark is masked too.
			whole := source + ": " + line
			text := clip(maskText(whole, r.secretForms(secrets())), maxConsoleLineSize)
			if len(step.Console) >= maxConsoleLines || step.consoleBytes+len(text) > maxConsoleBytes {
				step.Console = append(step.Console, fmt.Sprintf("(console output stops here: a step keeps at most %d lines and %d KiB)", maxConsoleLines, maxConsoleBytes>>10))
				step.consoleFull = true
				return
			}
			if step.keepRaw {
				step.scriptLines = append(step.scriptLines, rawLine{len(step.Console), whole})
			}
			step.Console = append(step.Console, text)
			step.consoleBytes += len(text)
		},
	}
	return script.New(ctx, opts, r.scriptSources(m)...)
}

// hasScripts reports whether a step of m runs any script code.
func (r *Runner) hasScripts(m *model.Method) bool {
	return strings.TrimSpace(r.Connector.Script) != "" || strings.TrimSpace(m.Script) != ""
}

// scriptSources are the scripts a step of m runs, outermost first.
func (r *Runner) scriptSources(m *model.Method) []script.Source {
	return []script.Source{
		{Name: "connector script", Code: r.Connector.Script},
		{Name: fmt.Sprintf("method '%s' script", m.Name), Code: m.Script},
	}
}

// fire fires ev with g, carrying cycle_variables over from the run's
// earlier events and on to its later ones.
func (r *Runner) fire(ctx context.Context, s *script.Runner, ev script.Event, g *script.Globals) (bool, error) {
	g.CycleVariables = r.cycle
	proceed, err := s.Fire(ctx, ev, g)
	if err == nil {
		r.cycle = g.CycleVariables
	}
	return proceed, err
}

// Console output a step keeps: a script that logs without end must not
// fill the memory, the run history or the window.
const (
	maxConsoleLines    = 1000
	maxConsoleBytes    = 1 << 20
	maxConsoleLineSize = 16 << 10
	// maxErrorText is the most of a step's error kept, masked whole
	// first: a script may throw a message of megabytes, which the run's
	// history would keep.
	maxErrorText = 16 << 10
)

// beforeAction fires before_action and takes over what the handlers
// changed: endpoint, headers and body.
func (r *Runner) beforeAction(ctx context.Context, s *script.Runner, req *Request) (proceed, learnt bool, err error) {
	body := scriptBody(req)
	g := &script.Globals{
		MethodEndpoint:           req.Endpoint,
		MethodRequest:            body,
		MethodRequestHeaders:     copyMap(req.Headers),
		MethodRequestParameters:  copyMap(req.Parameters),
		MethodRequestMergefields: req.Mergefields(),
		MethodAuthValue:          req.AuthValue,
	}
	proceed, err = r.fire(ctx, s, script.EventBeforeAction, g)
	// The headers as the handlers left them, also after a throw (the
	// globals come back with it) or a false: what they built may be logged.
	learnt = r.learnCredentials(g.MethodRequestHeaders)
	if err != nil || !proceed {
		return proceed, learnt, err
	}
	if g.MethodEndpoint != req.Endpoint {
		if err := checkEndpoint(g.MethodEndpoint); err != nil {
			return false, learnt, fmt.Errorf("before_action set method_endpoint: %w", err)
		}
	}
	req.Endpoint = g.MethodEndpoint
	req.Headers = g.MethodRequestHeaders
	if !reflect.DeepEqual(body, g.MethodRequest) {
		prev := req.Body
		req.Body = g.MethodRequest
		if _, text := g.MethodRequest.(string); req.DataType == model.BodyJson || req.DataType == model.BodyXml && !text {
			raw, err := json.Marshal(g.MethodRequest)
			if err != nil {
				return false, learnt, fmt.Errorf("before_action left method_request that is not JSON: %w", err)
			}
			req.Body = json.RawMessage(raw)
			if req.DataType == model.BodyXml {
				orig, _ := prev.(XMLBody)
				// Written as XML when sent, its elements in the order
				// they had where the script kept them.
				if raw, err = orderedLike(gjson.ParseBytes(orig), g.MethodRequest); err != nil {
					return false, learnt, fmt.Errorf("before_action left method_request that is not JSON: %w", err)
				}
				req.Body = XMLBody(raw)
			}
		}
	}
	return true, learnt, nil
}

// scriptBody is the request body as scripts see it: JSON decoded to plain
// values, a Form as an object (a repeated key as a list), an Xml body in
// its JSON form, text as text.
func scriptBody(req *Request) any {
	switch b := req.Body.(type) {
	case nil:
		return nil
	case Form:
		out := map[string]any{}
		for _, f := range b {
			switch prev := out[f.Key].(type) {
			case nil:
				out[f.Key] = f.Value
			case []any:
				out[f.Key] = append(prev, f.Value)
			default:
				out[f.Key] = []any{prev, f.Value}
			}
		}
		return out
	case string:
		return b
	case XMLBody:
		var v any
		if json.Unmarshal(b, &v) != nil {
			return nil
		}
		return v
	}
	raw, err := req.EncodeBody()
	if err != nil {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	return v
}

// responseGlobals are the globals after_action and after_error see.
func (r *Runner) responseGlobals(req *Request, resp *Response) *script.Globals {
	g := &script.Globals{
		MethodEndpoint:           req.Endpoint,
		MethodRequest:            scriptBody(req),
		MethodRequestHeaders:     copyMap(req.Headers),
		MethodRequestParameters:  copyMap(req.Parameters),
		MethodRequestMergefields: req.Mergefields(),
		MethodAuthValue:          req.AuthValue,
	}
	if resp != nil {
		g.StatusCode = resp.Status
		g.MethodResponseHeaders = flatten(resp.Headers)
		var v any
		if body := withoutBOM(resp.Body); len(body) > 0 && json.Unmarshal(body, &v) == nil {
			g.MethodResponse = v
		} else if len(resp.Body) > 0 {
			g.MethodResponse = string(resp.Body)
		}
	}
	return g
}

// learnSecrets keeps the values of the secret fields in a response body,
// read by their Connector Field paths as the API sent them, and reports
// whether it found any new.
func (r *Runner) learnSecrets(m *model.Method, body []byte) bool {
	found := false
	for _, f := range m.ResponseFormat.Fields {
		if !r.secretFields[f.SystemField] {
			continue
		}
		v, ok := secretAt(f.ConnectorField, body)
		if !ok || v == "" || slices.Contains(r.extraSecrets, v) {
			continue
		}
		if r.learnt == nil {
			r.learnt = map[string]string{}
		}
		r.learnt[f.SystemField] = v
		r.extraSecrets = append(r.extraSecrets, v)
		found = true
	}
	return found
}

// proxySecrets are the credentials of the proxies the environment names
// (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, in either case): the password, and
// the Basic token Go sends the proxy with them, which a proxy refusing
// them may echo in its answer.
func proxySecrets() []string {
	var out []string
	for _, name := range [...]string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if !strings.Contains(v, "://") {
			v = "http://" + v // as Go reads a proxy given without a scheme
		}
		u, err := url.Parse(v)
		if err != nil || u.User == nil {
			continue
		}
		pass, ok := u.User.Password()
		if !ok || pass == "" {
			continue
		}
		for _, s := range [...]string{pass, base64.StdEncoding.EncodeToString([]byte(u.User.Username() + ":" + pass))} {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// credentialHeaders are the request headers whose values are credentials,
// whoever set them.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization"}

// learnCredentials keeps as secrets the credentials in a request's
// headers after a script may have set them: the Authorization and
// Proxy-Authorization values and the authentication's API key header,
// each without its scheme ("Basic ", "Bearer "), and for Basic the
// username and password it encodes when they are long enough to be keys.
// It reports whether it found any new.
func (r *Runner) learnCredentials(headers map[string]string) bool {
	names := credentialHeaders
	if a := r.Connector.DefaultAuthentication(); a != nil && a.ApiKeyHeader != "" {
		names = append(slices.Clip(names), a.ApiKeyHeader)
	}
	found := false
	learn := func(v string) {
		if utf8.RuneCountInString(v) < minClipped || slices.Contains(r.runSecrets, v) || slices.Contains(r.extraSecrets, v) {
			return
		}
		r.extraSecrets = append(r.extraSecrets, v)
		found = true
	}
	for k, v := range headers {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, k) }) {
			continue
		}
		v = strings.TrimSpace(v)
		scheme, cred, ok := strings.Cut(v, " ")
		if !ok {
			learn(v)
			continue
		}
		cred = strings.TrimSpace(cred)
		learn(cred)
		if !strings.EqualFold(scheme, "Basic") {
			continue
		}
		if plain, err := base64.StdEncoding.DecodeString(cred); err == nil {
			user, pass, _ := strings.Cut(string(plain), ":")
			for _, part := range [...]string{user, pass} {
				if utf8.RuneCountInString(part) >= 8 {
					learn(part)
				}
			}
		}
	}
	return found
}

// learnMappedSecrets keeps the values of secret fields as mapped, after
// after_action, and reports whether it found any new: the signature check
// uses the mapped value.
func (r *Runner) learnMappedSecrets(mapped []MappedField) bool {
	found := false
	for _, f := range mapped {
		if !r.secretFields[f.SystemField] || f.Value == nil {
			continue
		}
		v := fmt.Sprint(f.Value)
		if r.learnt == nil {
			r.learnt = map[string]string{}
		}
		r.learnt[f.SystemField] = v
		if !slices.Contains(r.extraSecrets, v) {
			r.extraSecrets = append(r.extraSecrets, v)
			found = true
		}
	}
	return found
}

// secretAt reads the text at a Connector Field path of a JSON body: a
// string or a number; false when there is none.
func secretAt(connectorField string, body []byte) (string, bool) {
	path, err := gjsonPaths.get(connectorField)
	if body = withoutBOM(body); err != nil || checkJSON(body) != nil {
		return "", false
	}
	res := gjson.GetBytes(body, path)
	if res.Type != gjson.String && res.Type != gjson.Number {
		return "", false // true or false would mask every true or false
	}
	return res.String(), true
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// maskMapped masks the mapped values with the secrets' forms (see
// secretForms).
func maskMapped(fs []MappedField, forms []string) []MappedField {
	for i, f := range fs {
		fs[i].Value = maskValue(f.Value, forms)
		if masked := maskForms(f.source, forms); masked != f.source {
			// The JSON it was read from held a secret: it is shown as
			// that JSON masked, whatever the conversion made of it.
			var v any
			dec := json.NewDecoder(strings.NewReader(masked))
			dec.UseNumber()
			if dec.Decode(&v) != nil || dec.More() {
				v = masked // a number masked is text
			}
			fs[i].Value = v
		}
	}
	return fs
}

// maskValue masks secrets in every string of a mapped value, however deep.
// A number that holds one is masked by maskMapped, by the JSON it was read
// from.
func maskValue(v any, forms []string) any {
	switch v := v.(type) {
	case string:
		return maskForms(v, forms)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = maskValue(x, forms)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[maskForms(k, forms)] = maskValue(x, forms)
		}
		return out
	}
	return v
}

func httpStatusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return " " + t
	}
	return ""
}

// answeredAfter is "answered", or, when the answer came after redirects,
// says which request answered: its status is not the method's own
// request's, and one on another host was sent without the credentials.
func answeredAfter(endpoint string, resp *Response) string {
	if len(resp.Redirects) == 0 {
		return "answered"
	}
	last := resp.Redirects[len(resp.Redirects)-1] // "302 → GET https://…"
	elsewhere := ""
	from, err1 := url.Parse(endpoint)
	to, err2 := url.Parse(last[strings.LastIndexByte(last, ' ')+1:])
	if err1 == nil && err2 == nil && (to.Host != from.Host || from.Scheme == "https" && to.Scheme != "https") {
		elsewhere = ", on another host, which was sent no credentials (no API key, Authorization or Sensitive header)"
	}
	return fmt.Sprintf("was redirected (%s%s), and that answered", strings.Join(resp.Redirects, ", then "), elsewhere)
}

// redirectHint says where a redirect that was not followed because it
// would have turned the request into a GET points (see followsAsGet).
func redirectHint(method string, resp *Response) string {
	loc := resp.Headers.Get("Location")
	if resp.Status/100 != 3 || loc == "" || followsAsGet(method, resp.Status) {
		return ""
	}
	return fmt.Sprintf(" (to %s; a %d that turns a %s into a GET is not followed: use the new address in the Endpoint)", loc, resp.Status, method)
}

// bodyHint shows the start of an error response's body, cut at 200 bytes
// on a character's boundary.
func bodyHint(body []byte) string {
	s := strings.TrimSpace(string(body))
	if s == "" {
		return ""
	}
	return ": " + clip(s, 200)
}
