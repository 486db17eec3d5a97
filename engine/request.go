package engine

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"patchbay/model"
)

// Request is a method's HTTP request, prepared but not sent: a script layer
// may still change Endpoint, Headers and Body (method_endpoint,
// method_request_headers, method_request) before HTTPRequest encodes it.
type Request struct {
	// Method is the HTTP method, e.g. "POST".
	Method string
	// Endpoint is the rendered URL, with QueryString parameters (and an
	// ApiKey sent in the query) appended.
	Endpoint string
	// Headers are sent as they are; HttpHeader parameters, authentication
	// and the Content-Type are in them.
	Headers map[string]string
	// Parameters are the parameter values by Target Name, rendered: the
	// connector's, then the method's, which win
	// (method_request_parameters).
	Parameters map[string]string
	// DataType says how Body is encoded.
	DataType model.BodyType
	// Body is the request body, nil for none: for Json the document as
	// built, a json.RawMessage in the grid's order (a script gets it
	// decoded); for Form a Form; for PlainText a string. EncodeBody also
	// takes what a script may put back, such as a map: see there.
	Body any
	// AuthValue is the credential of the connector's authentication
	// (method_auth_value): the API key, or for Basic the base64 of
	// "username:password"; "" for none or when the method ignores it.
	AuthValue string
	// Secrets are the values to mask in the run log: the auth values, the
	// Basic credential and the values of Sensitive parameters.
	Secrets []string

	// mf resolves the mergefields the request was prepared with.
	mf *Mergefields
}

// Mergefields returns every mergefield with a value
// (method_request_mergefields), auth values included. It is worked out when
// asked for: only a script that handles an event needs it.
func (r *Request) Mergefields() map[string]string {
	if r.mf == nil {
		return map[string]string{}
	}
	return r.mf.All()
}

// FormField is one key and value of a Form body.
type FormField struct {
	Key, Value string
}

// Form is a Form body: its fields in the order they are sent. A key may
// repeat, as a List field's does.
type Form []FormField

// Prepare turns a connector's Action method and a run's values into a
// Request, sending nothing. Every fault it can see is an error before
// anything is sent, naming the field: a mergefield with no value or
// malformed braces, a required parameter or field with no value, a value
// that does not convert to its field's Data Type, missing credentials.
func Prepare(c *model.Connector, m *model.Method, v Values) (*Request, error) {
	if c == nil || m == nil {
		return nil, errors.New("no connector or method to prepare")
	}
	if m.MethodType == model.MethodWebhook || m.MethodType == model.MethodScript {
		return nil, fmt.Errorf("method '%s' is a %s method and sends no request of its own", m.Name, m.MethodType)
	}
	if v.names == nil {
		v.names = secretNamesOf(c)
	}
	mf := v.For(c, m)
	req := &Request{
		Method:   strings.ToUpper(m.HttpMethod),
		Headers:  make(map[string]string, 4),
		DataType: m.DataType,
		mf:       mf,
	}
	if req.Method == "" {
		req.Method = "GET"
	}
	if !slices.Contains(model.HTTPMethods, req.Method) {
		return nil, &FieldError{Field: MethodLabel(m.Name, TabSettings, "HTTP Method"), Err: fmt.Errorf("%q is not one of %s", m.HttpMethod, strings.Join(model.HTTPMethods, ", "))}
	}
	if req.DataType == "" {
		req.DataType = model.BodyJson
	}
	query, err := req.applyParameters(c, m, mf)
	if err != nil {
		return nil, err
	}
	if err := req.renderEndpoint(m, mf, query); err != nil {
		return nil, err
	}
	if !m.IgnoreAuthentication {
		if err := req.applyAuth(c, mf); err != nil {
			return nil, err
		}
	}
	if req.Body, err = buildBody(m, req.Method, req.DataType, mf, v.Inputs); err != nil {
		return nil, err
	}
	if req.Body != nil {
		req.Headers["Content-Type"] = contentType(req.DataType)
	}
	req.Secrets = append(req.Secrets, secrets(c, m, mf)...)
	return req, nil
}

// applyParameters resolves every parameter by its Target Name, the
// connector's first and then the method's, puts HttpHeader ones in the
// headers and returns the QueryString ones in order. A required QueryString
// or HttpHeader parameter, or a required method parameter, with no value is
// an error; a connector's MergeField parameter is only needed when used.
func (req *Request) applyParameters(c *model.Connector, m *model.Method, mf *Mergefields) ([]FormField, error) {
	req.Parameters = make(map[string]string, len(c.Parameters)+len(m.Parameters))
	var query []FormField
	apply := func(p *model.Parameter, fromMethod bool) error {
		v, ok, err := mf.Lookup(p.TargetName)
		if err != nil {
			return err
		}
		if !ok || v == "" {
			if !p.IsOptional && (fromMethod || p.TargetType != model.TargetMergeField) {
				where := connectorLabel(c.Name, TabParameters, p.TargetName)
				if fromMethod {
					where = MethodLabel(m.Name, TabParameters, p.TargetName)
				}
				return &FieldError{Field: where, Err: errors.New("required parameter has no value: give it one, or set it in the inputs or account values")}
			}
			return nil
		}
		req.Parameters[p.TargetName] = v
		switch p.TargetType {
		case model.TargetQueryString:
			query = append(query, FormField{p.TargetName, v})
		case model.TargetHttpHeader:
			req.Headers[p.TargetName] = v
		}
		return nil
	}
	for i, p := range c.Parameters {
		if findParameter(m.Parameters, p.TargetName) == nil {
			if err := apply(&c.Parameters[i], false); err != nil {
				return nil, err
			}
		}
	}
	for i := range m.Parameters {
		if err := apply(&m.Parameters[i], true); err != nil {
			return nil, err
		}
	}
	return query, nil
}

// renderEndpoint renders the Endpoint, appends the query parameters and
// checks that the result is an absolute http(s) URL.
func (req *Request) renderEndpoint(m *model.Method, mf *Mergefields, query []FormField) error {
	where := func() string { return MethodLabel(m.Name, TabSettings, "Endpoint") }
	if strings.TrimSpace(m.Endpoint) == "" {
		return &FieldError{Field: where(), Err: errors.New("the method has no Endpoint")}
	}
	u, err := mf.render(where, m.Endpoint, PlaceURL, nil)
	if err != nil {
		return err
	}
	if err := checkEndpoint(u); err != nil {
		return &FieldError{Field: where(), Err: err}
	}
	req.Endpoint = appendQuery(u, query...)
	return nil
}

func checkEndpoint(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return notAURL(u, err)
	}
	return checkURL(p, u)
}

// notAURL says that u does not parse as a URL.
func notAURL(u string, err error) error {
	return fmt.Errorf("%q is not a URL: %v", u, errors.Unwrap(err))
}

// checkURL accepts only an absolute http or https URL; u is its text.
func checkURL(p *url.URL, u string) error {
	if (p.Scheme != "http" && p.Scheme != "https") || p.Hostname() == "" {
		return fmt.Errorf("%q is not an absolute http or https URL", u)
	}
	return nil
}

// appendQuery adds escaped key=value pairs to a URL's query string, keeping
// what is there and any #fragment.
func appendQuery(u string, pairs ...FormField) string {
	if len(pairs) == 0 {
		return u
	}
	frag := ""
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, frag = u[:i], u[i:]
	}
	var b strings.Builder
	b.WriteString(u)
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
		if strings.HasSuffix(u, "?") || strings.HasSuffix(u, "&") {
			sep = ""
		}
	}
	for _, p := range pairs {
		b.WriteString(sep + url.QueryEscape(p.Key) + "=" + url.QueryEscape(p.Value))
		sep = "&"
	}
	return b.String() + frag
}

// applyAuth applies the connector's default authentication. An ApiKey goes
// in the header ApiKeyHeader names and/or the query parameter
// ApiKeyQueryParameter names; with neither, only AuthValue holds it, for a
// script (the documented Bearer idiom). An OAuth2 access token, kept where
// the API key is, goes in Authorization as a Bearer token.
func (req *Request) applyAuth(c *model.Connector, mf *Mergefields) error {
	a := c.DefaultAuthentication()
	if a == nil || a.AuthType == model.AuthNone || a.AuthType == "" {
		return nil
	}
	where := func() string { return connectorLabel(c.Name, TabAuthentication, a.AuthName) }
	switch a.AuthType {
	case model.AuthApiKey:
		key, ok, err := mf.Lookup(model.SystemFieldAuthAPIKey)
		if err != nil || !ok || key == "" {
			return &FieldError{Field: where(), Err: fmt.Errorf("no API key: set %s in the account values", model.SystemFieldAuthAPIKey)}
		}
		req.AuthValue = key
		if a.ApiKeyHeader != "" {
			req.Headers[a.ApiKeyHeader] = key
		}
		if a.ApiKeyQueryParameter != "" {
			req.Endpoint = appendQuery(req.Endpoint, FormField{a.ApiKeyQueryParameter, key})
		}
	case model.AuthBasic:
		user, ok, err := mf.Lookup(model.SystemFieldAuthUsername)
		if err != nil || !ok || user == "" {
			return &FieldError{Field: where(), Err: fmt.Errorf("no username: set %s in the account values", model.SystemFieldAuthUsername)}
		}
		pass, _, _ := mf.Lookup(model.SystemFieldAuthPassword)
		req.AuthValue = base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		req.Headers["Authorization"] = "Basic " + req.AuthValue
		req.Secrets = append(req.Secrets, req.AuthValue)
	case model.AuthOAuth2:
		// The access token the account values hold, sent as a Bearer
		// token, as Cyclr sends an OAuth2 connector's token.
		token, ok, err := mf.Lookup(model.SystemFieldAuthAPIKey)
		if err != nil || !ok || token == "" {
			return &FieldError{Field: where(), Err: fmt.Errorf("no access token: set %s in the account values to an OAuth2 access token for the API, or give the authentication a Token URL and set %s and %s to get one", model.SystemFieldAuthAPIKey, model.SystemFieldAuthClientID, model.SystemFieldAuthClientSecret)}
		}
		req.AuthValue = token
		req.Headers["Authorization"] = "Bearer " + token
	default:
		return &FieldError{Field: where(), Err: fmt.Errorf("%q is not an auth type a test run knows (None, ApiKey, Basic, OAuth2)", a.AuthType)}
	}
	return nil
}

// secretNames are a connector's secret names and the secrets among its
// parameters' own values, listed in one pass over its methods when a run
// begins: a request asks about each of its parameters and account values,
// and a connector may have hundreds of methods.
type secretNames struct {
	// order lists every key whose value is a secret, as
	// model.Connector.IsSecretValue says, in the order they were found:
	// the auth value keys, the Sensitive parameters' names and the
	// signing secrets'.
	order []string
	// index holds order's keys when they are many (see has).
	index map[string]bool
	// signing are the names of the signing secrets
	// (model.Connector.SignatureSecrets): few, compared directly.
	signing []string
	// values are the Values of the Sensitive and signing parameters.
	values []string
	// madeOf are the mergefields those Values are made of, such as
	// ApiToken in "Bearer {{ApiToken}}": their values are secrets too.
	madeOf []string
}

// manySecretNames is how many names a secretNames looks through one by one
// before it keeps them in a map too: most connectors have the six auth
// value keys and a few more.
const manySecretNames = 16

// has reports whether k's value is a secret.
func (n *secretNames) has(k string) bool {
	if n.index != nil {
		return n.index[k]
	}
	return slices.Contains(n.order, k)
}

func (n *secretNames) add(k string) {
	if n.has(k) {
		return
	}
	n.order = append(n.order, k)
	switch {
	case n.index != nil:
		n.index[k] = true
	case len(n.order) > manySecretNames:
		n.index = make(map[string]bool, 2*len(n.order))
		for _, k := range n.order {
			n.index[k] = true
		}
	}
}

func secretNamesOf(c *model.Connector) *secretNames {
	n := &secretNames{order: make([]string, len(model.AuthValueKeys), len(model.AuthValueKeys)+4)}
	copy(n.order, model.AuthValueKeys)
	for i := range c.Methods {
		if k := c.Methods[i].WebhookSignature.SecretParameter; k != "" && !slices.Contains(n.signing, k) {
			n.signing = append(n.signing, k)
			n.add(k)
		}
	}
	scan := func(ps []model.Parameter) {
		for i := range ps {
			p := &ps[i]
			if !p.IsSensitive && (len(n.signing) == 0 || !slices.Contains(n.signing, p.TargetName)) {
				continue
			}
			n.add(p.TargetName)
			for _, v := range p.Values {
				if v != "" {
					n.values = append(n.values, v)
				}
			}
			madeOf(p, func(name string) {
				if !slices.Contains(n.madeOf, name) {
					n.madeOf = append(n.madeOf, name)
				}
			})
		}
	}
	scan(c.Parameters)
	for i := range c.Methods {
		scan(c.Methods[i].Parameters)
	}
	return n
}

// secrets lists the values a run must never show: the account's values of
// the secret names and the secret parameters' own values.
func (n *secretNames) secrets(account map[string]string) []string {
	var out []string
	for _, k := range n.order {
		if v := account[k]; v != "" {
			out = append(out, v)
		}
	}
	return append(out, n.values...)
}

// secrets lists the values to mask: the auth values, the values of
// Sensitive parameters and signing secrets and of the mergefields those are
// made of, and secret account values, each once. Each name is
// looked up once: a value comes from wherever Lookup finds it (an input or
// a parameter's rendered template), and the account's own value is masked
// too.
func secrets(c *model.Connector, m *model.Method, mf *Mergefields) []string {
	var out []string
	add := func(name string) {
		v, _, _ := mf.Lookup(name)
		for _, v := range [...]string{v, mf.v.Account[name]} {
			if v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	for _, n := range model.AuthValueKeys {
		add(n)
	}
	sensitive := func(name string) bool {
		for _, ps := range [...][]model.Parameter{c.Parameters, m.Parameters} {
			if p := findParameter(ps, name); p != nil && p.IsSensitive {
				return true
			}
		}
		return false
	}
	names := mf.v.names
	if names == nil {
		names = secretNamesOf(c)
	}
	for _, ps := range [...][]model.Parameter{c.Parameters, m.Parameters} {
		for i := range ps {
			if p := &ps[i]; p.IsSensitive || slices.Contains(names.signing, p.TargetName) {
				add(p.TargetName)
				madeOf(p, add)
			}
		}
	}
	// Account values that are secrets for another reason: a Sensitive
	// parameter of another method, a signing secret.
	for k := range mf.v.Account {
		if !slices.Contains(model.AuthValueKeys, k) && !sensitive(k) && names.has(k) {
			add(k)
		}
	}
	return out
}

// madeOf calls add with each mergefield a secret parameter's value is made
// of, such as Token in "Bearer {{Token}}": its value is a secret too. The
// system fields never are.
func madeOf(p *model.Parameter, add func(name string)) {
	for _, v := range p.Values {
		toks, _ := parseTemplate(v, false)
		for _, t := range toks {
			if t.IsMergefield() && !isSystemField(t.Name) {
				add(t.Name)
			}
		}
	}
}
