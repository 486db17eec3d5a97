package engine

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"patchbay/model"
)

// Values are what a run is handed to fill {{Mergefields}} from. Bind them to
// a method with For.
type Values struct {
	// Inputs are the run's own values (such as --set KEY=VALUE); they come
	// first and are taken literally. They also fill Request Format fields by
	// System Field or Connector Field.
	Inputs map[string]string
	// Account are the connector's account values as the store keeps them:
	// Account Connector Properties and the auth values (Cyclr_Auth_*). They
	// are taken literally; an empty value counts as none.
	Account map[string]string
	// System are the values Patchbay supplies: Cyclr_Webhook_Id and
	// Cyclr_Webhook_Url.
	System map[string]string

	// names are the connector's secret names when a Runner listed them
	// once for the whole run; Prepare lists them when nil.
	names *secretNames
}

// Mergefields resolves {{Name}} for one method of one connector.
//
// A name's value comes from, in order: the run's Inputs; the method's
// parameter values; the account values (Account Connector Properties); the
// System values; the auth values (the Cyclr_Auth_* account values); and last
// the connector parameters' own Values, as defaults. Inputs, account, system
// and auth values are taken literally; a parameter's value is a template,
// itself rendered (so a BaseUrl parameter may hold {{Subdomain}}).
type Mergefields struct {
	v         Values
	connector *model.Connector
	method    *model.Method // nil when only the connector's values apply
}

// For binds the values to a method of a connector; m may be nil, for the
// connector's values alone.
func (v Values) For(c *model.Connector, m *model.Method) *Mergefields {
	if c == nil {
		c = &model.Connector{}
	}
	return &Mergefields{v: v, connector: c, method: m}
}

// Place says where rendered text goes, and so how each value is escaped.
type Place int

// The places text is rendered into.
const (
	// PlacePlain is a header, a parameter value or a plain Default Value:
	// values go in as they are.
	PlacePlain Place = iota
	// PlaceURL is an Endpoint. A value in the path is escaped as a path
	// segment ("a b/c" becomes "a%20b%2Fc"), one in the query string for the
	// query ("a+b%2Fc"). A value before the path begins goes in as it is, so
	// that {{BaseUrl}} or https://{{Subdomain}}.example.com work.
	PlaceURL
	// PlaceJSON is JSON text, the Default Value of an Object or List field.
	// Braces are read leniently ("}}" may close nested objects); a value
	// inside a JSON string is escaped for it, elsewhere it goes in raw.
	PlaceJSON
	// placeURLStart is a parameter's template whose value starts an
	// Endpoint, as BaseUrl's https://{{Subdomain}}.example.com does: values
	// go in as they are, as in plain text, but none may move the host.
	placeURLStart
)

// Lookup returns the value of {{name}}, whether there is one, and the error
// that stopped a parameter's template from rendering.
func (mf *Mergefields) Lookup(name string) (string, bool, error) {
	return mf.lookup(name, nil, PlacePlain)
}

// lookup is Lookup within the templates on stack; place is where a
// parameter's template renders to: PlacePlain, or placeURLStart.
func (mf *Mergefields) lookup(name string, stack []tier, place Place) (string, bool, error) {
	// The webhook's own id and URL, when the lifecycle set them, win over
	// anything an input or an account value says: the delete must go to the
	// webhook this run created and no other.
	sys := mf.v.System[name]
	if sys != "" && isSystemField(name) {
		return sys, true, nil
	}
	if v, ok := mf.v.Inputs[name]; ok {
		return v, true, nil
	}
	// A parameter's template that names its own parameter ({{Cyclr_Webhook_Id}}
	// as the value of the parameter Cyclr_Webhook_Id) reads the tiers below it;
	// stack holds the templates being rendered, which also ends any loop.
	if mf.method != nil && !slices.Contains(stack, tier{name, true}) {
		if p := findParameter(mf.method.Parameters, name); p != nil && p.Value() != "" {
			where := func() string { return MethodLabel(mf.method.Name, TabParameters, name) }
			return mf.template(where, tier{name, true}, p.Value(), stack, place)
		}
	}
	// Account values come before system values, auth values after them.
	acct := mf.v.Account[name]
	isAuth := slices.Contains(model.AuthValueKeys, name)
	switch {
	case acct != "" && !isAuth:
		return acct, true, nil
	case sys != "":
		return sys, true, nil
	case acct != "":
		return acct, true, nil
	}
	if p := findParameter(mf.connector.Parameters, name); p != nil && p.Value() != "" && !slices.Contains(stack, tier{name, false}) {
		where := func() string { return connectorLabel(mf.connector.Name, TabParameters, name) }
		return mf.template(where, tier{name, false}, p.Value(), stack, place)
	}
	return "", false, nil
}

// tier is a parameter whose template is being rendered: the method's or
// the connector's parameter of that name.
type tier struct {
	name       string
	fromMethod bool
}

func isSystemField(name string) bool {
	return name == model.SystemFieldWebhookID || name == model.SystemFieldWebhookURL
}

// template renders a parameter's value; key says which parameter it is.
func (mf *Mergefields) template(where func() string, key tier, text string, stack []tier, place Place) (string, bool, error) {
	s, err := mf.render(where, text, place, append(slices.Clip(stack), key))
	return s, err == nil, err
}

func findParameter(ps []model.Parameter, name string) *model.Parameter {
	for i := range ps {
		if ps[i].TargetName == name {
			return &ps[i]
		}
	}
	return nil
}

// Render fills the {{Mergefields}} of text, escaping each value for the
// place it goes. field names the text in errors, e.g. MethodLabel(m.Name,
// TabSettings, "Endpoint"). Malformed braces or a name with no value is a
// *FieldError wrapping a *model.MergefieldError with the position.
func (mf *Mergefields) Render(field, text string, place Place) (string, error) {
	return mf.render(func() string { return field }, text, place, nil)
}

// render is Render with the field's name worked out only for an error.
func (mf *Mergefields) render(field func() string, text string, place Place, stack []tier) (string, error) {
	strict := place != PlaceJSON
	if !strings.Contains(text, "{{") && (!strict || !strings.Contains(text, "}}")) {
		return text, nil // plain text: nothing to fill, nothing to parse
	}
	toks, err := parseTemplate(text, strict)
	if err != nil {
		return "", &FieldError{Field: field(), Err: err}
	}
	var out strings.Builder
	out.Grow(len(text) + 64)
	inString := false // within a JSON string literal, for PlaceJSON
	// hostFromValue: a value went into the host after "://", so the host
	// is not the template's own up to here.
	hostFromValue := false
	urlish := place == PlaceURL || place == placeURLStart
	for _, t := range toks {
		if !t.IsMergefield() {
			out.WriteString(t.Literal)
			inString = jsonStringState(t.Literal, inString)
			continue
		}
		before := out.String()
		atStart := urlish && urlPartAt(before) == urlPrefix && !strings.Contains(before, "://")
		inner := PlacePlain
		if atStart {
			inner = placeURLStart // a template here starts the URL: its host is checked too
		}
		v, ok, err := mf.lookup(t.Name, stack, inner)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", &FieldError{Field: field(), Err: &model.MergefieldError{
				Pos: t.Pos, Char: utf8.RuneCountInString(text[:t.Pos]) + 1, Msg: mf.noValue(t.Name, stack)}}
		}
		if urlish {
			why := hostValueFault(before, v, hostFromValue)
			if urlPartAt(before) == urlPrefix && strings.Contains(before, "://") {
				hostFromValue = true
			}
			if (v == "." || v == "..") && place == PlaceURL && urlPartAt(before) == urlPath {
				// Escaping does not help: servers read %2E as a dot too.
				why = fmt.Sprintf("is %q, which servers read as a step in the path, not a name: the request would go to another resource", v)
			}
			if why != "" {
				return "", &FieldError{Field: field(), Err: &model.MergefieldError{
					Pos: t.Pos, Char: utf8.RuneCountInString(text[:t.Pos]) + 1, Msg: fmt.Sprintf("{{%s}} %s", t.Name, why)}}
			}
		}
		out.WriteString(escapeFor(place, out.String(), inString, v))
	}
	return out.String(), nil
}

// noValue explains why a name has no value, pointing at where to give one.
func (mf *Mergefields) noValue(name string, stack []tier) string {
	// A template naming its own parameter reads on below it; naming one
	// further up the stack is a loop.
	var outer []tier
	if len(stack) > 0 {
		outer = stack[:len(stack)-1]
	}
	switch {
	case slices.ContainsFunc(outer, func(k tier) bool { return k.name == name }):
		return fmt.Sprintf("{{%s}} refers back to itself through other parameters", name)
	case slices.Contains(model.AuthValueKeys, name):
		return fmt.Sprintf("{{%s}} has no value: set it in the account values", name)
	case slices.Contains(model.SystemFields, name):
		return fmt.Sprintf("{{%s}} has no value in this run", name)
	case mf.method != nil && findParameter(mf.method.Parameters, name) != nil,
		findParameter(mf.connector.Parameters, name) != nil:
		return fmt.Sprintf("{{%s}} has no value: give the parameter a value, or set it in the inputs or account values", name)
	}
	return fmt.Sprintf("unknown mergefield {{%s}}", name)
}

// escapeFor escapes a value for its place; before is the text rendered so far.
func escapeFor(place Place, before string, inString bool, v string) string {
	switch place {
	case PlaceURL:
		switch urlPartAt(before) {
		case urlQuery:
			return url.QueryEscape(v)
		case urlPath, urlFragment:
			return url.PathEscape(v)
		}
	case PlaceJSON:
		if inString {
			b, _ := json.Marshal(v)
			return string(b[1 : len(b)-1])
		}
	}
	return v
}

// hostValueFault says what is wrong with a value that goes into the host
// part of a URL (after "://", before the path): one that holds /, ?, #, @
// or \, a space or a control character would make the rest of the URL,
// and the credentials sent with it, go to another host. "" when the value
// is fine there, or does not go there: a value at the very start, such as
// {{BaseUrl}}, is a URL of its own.
func hostValueFault(before, v string, hostFromValue bool) string {
	if urlPartAt(before) != urlPrefix || !strings.Contains(before, "://") {
		return ""
	}
	// After a host the template wrote itself (https://api.example.com{{Path}}),
	// a value that begins the path, the query or the fragment leaves it as
	// it is; after part of a host from another value, it would not.
	if _, host, _ := strings.Cut(before, "://"); host != "" && !hostFromValue && v != "" && strings.ContainsRune("/?#", rune(v[0])) {
		return ""
	}
	if i := strings.IndexFunc(v, func(r rune) bool {
		return strings.ContainsRune("/?#@\\", r) || unicode.IsSpace(r) || unicode.IsControl(r)
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return fmt.Sprintf("is in the host, and its value holds %q, which would send the request, and its credentials, to another host; give a host name alone", r)
	}
	return ""
}

type urlPart int

const (
	urlPrefix urlPart = iota // scheme, host, port: before the path
	urlPath
	urlQuery
	urlFragment
)

// urlPartAt says which part of a URL the end of s is in.
func urlPartAt(s string) urlPart {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		if strings.Contains(s[i:], "#") {
			return urlFragment
		}
		return urlQuery
	}
	host := 0
	if i := strings.Index(s, "://"); i >= 0 {
		host = i + 3
	}
	if strings.Contains(s[host:], "/") {
		return urlPath
	}
	return urlPrefix
}

// jsonStringState follows JSON text to say whether its end is inside a string.
func jsonStringState(s string, inString bool) bool {
	escaped := false
	for i := 0; i < len(s); i++ {
		switch {
		case escaped:
			escaped = false
		case inString && s[i] == '\\':
			escaped = true
		case s[i] == '"':
			inString = !inString
		}
	}
	return inString
}

// All returns every mergefield that has a value, by name: the inputs, the
// parameters of the method and the connector, the account and system values.
// Names whose template fails to render are left out (Render reports them).
// The auth values are among them, so the map is secret.
func (mf *Mergefields) All() map[string]string {
	all := make(map[string]string, len(mf.v.Inputs)+len(mf.v.Account)+len(mf.v.System))
	add := func(name string) {
		if v, ok, err := mf.Lookup(name); ok && err == nil {
			all[name] = v
		}
	}
	for _, m := range [...]map[string]string{mf.v.Inputs, mf.v.Account, mf.v.System} {
		for k := range m {
			add(k)
		}
	}
	if mf.method != nil {
		for _, p := range mf.method.Parameters {
			add(p.TargetName)
		}
	}
	for _, p := range mf.connector.Parameters {
		add(p.TargetName)
	}
	return all
}
