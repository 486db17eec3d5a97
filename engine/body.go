package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"patchbay/internal/jsonstr"
	"patchbay/internal/xmljson"
	"patchbay/model"
)

// fieldText is a Request Format field with the text value it is sent with.
type fieldText struct {
	f      model.Field
	method string
	text   string
}

// where names the field in errors.
func (v fieldText) where() string {
	return MethodLabel(v.method, TabRequestFormat, v.f.ConnectorField)
}

// buildBody builds the request body from the Request Format by Data Type;
// nil when the grid has no fields, or when a GET or DELETE has no value to
// send (a POST with none sends an empty body: {} for Json).
func buildBody(m *model.Method, httpMethod string, dt model.BodyType, mf *Mergefields, inputs map[string]string) (any, error) {
	if len(m.RequestFormat.Fields) == 0 {
		return nil, nil
	}
	build := bodyBuilders[dt]
	if build == nil {
		return nil, &FieldError{Field: MethodLabel(m.Name, TabSettings, "Data Type"), Err: fmt.Errorf("%q is not a Data Type a test run knows (Json, Form, Xml, PlainText)", dt)}
	}
	vals, err := fieldTexts(m, mf, inputs)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 && (httpMethod == http.MethodGet || httpMethod == http.MethodDelete) {
		return nil, nil
	}
	return build(vals)
}

// bodyBuilders build a body of each supported Data Type.
var bodyBuilders = map[model.BodyType]func([]fieldText) (any, error){
	model.BodyJson: jsonBody, model.BodyForm: formBody, model.BodyPlainText: plainBody, model.BodyXml: xmlBody,
}

// XMLBody is an Xml body: the document in its JSON form (see
// internal/xmljson), which Connector Field paths build and scripts see,
// written as XML when it is sent.
type XMLBody json.RawMessage

// orderedLike writes v as JSON with each object's keys in the order the
// same object has in orig, and keys orig lacks after them, sorted: a
// script hands an Xml body back as maps, which keep no order, and XML
// elements' order can matter to an API.
func orderedLike(orig gjson.Result, v any) ([]byte, error) {
	switch v := v.(type) {
	case map[string]any:
		if !orig.IsObject() {
			break
		}
		out := []byte{'{'}
		done := make(map[string]bool, len(v))
		add := func(k string, o gjson.Result) error {
			x, err := orderedLike(o, v[k])
			if err != nil {
				return err
			}
			if len(out) > 1 {
				out = append(out, ',')
			}
			out = jsonstr.Append(out, k)
			out = append(append(out, ':'), x...)
			done[k] = true
			return nil
		}
		var err error
		orig.ForEach(func(k, o gjson.Result) bool {
			if _, ok := v[k.String()]; ok && !done[k.String()] {
				err = add(k.String(), o)
			}
			return err == nil
		})
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if err == nil && !done[k] {
				err = add(k, gjson.Result{})
			}
		}
		return append(out, '}'), err
	case []any:
		if !orig.IsArray() {
			break
		}
		elems := orig.Array()
		out := []byte{'['}
		for i, x := range v {
			var o gjson.Result
			if i < len(elems) {
				o = elems[i]
			}
			b, err := orderedLike(o, x)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, b...)
		}
		return append(out, ']'), nil
	}
	return marshalJSON(v)
}

// xmlBody builds the document as a Json body is built, its root element
// the first step of every Connector Field, and checks it writes as XML.
func xmlBody(vals []fieldText) (any, error) {
	if len(vals) == 0 {
		return nil, nil // no element to be the root: no body
	}
	doc, err := jsonBody(vals)
	if err != nil {
		return nil, err
	}
	raw := doc.(json.RawMessage)
	if _, err := xmljson.FromJSON(raw); err != nil {
		return nil, &FieldError{Field: MethodLabel(vals[0].method, TabRequestFormat), Err: err}
	}
	return XMLBody(raw), nil
}

// fieldTexts finds each field's value: from the inputs by System Field, then
// by Connector Field, else its Default Value rendered through the
// mergefields (hidden fields too). An empty value counts as none: an
// optional field without one is left out, a required one is an error.
func fieldTexts(m *model.Method, mf *Mergefields, inputs map[string]string) ([]fieldText, error) {
	var out []fieldText
	for _, f := range m.RequestFormat.Fields {
		ft := fieldText{f: f, method: m.Name}
		text := ""
		if f.SystemField != "" {
			text = inputs[f.SystemField]
		}
		if text == "" {
			text = inputs[f.ConnectorField]
		}
		if text == "" && f.DefaultValue != "" {
			place := PlacePlain
			if model.DefaultValueIsJSON(f.DataType) {
				place = PlaceJSON
			}
			var err error
			if text, err = mf.render(func() string { return ft.where() + " › Default Value" }, f.DefaultValue, place, nil); err != nil {
				return nil, err
			}
		}
		if text == "" {
			if f.IsOptional {
				continue
			}
			name := f.SystemField
			if name == "" {
				name = f.ConnectorField
			}
			return nil, &FieldError{Field: ft.where(), Err: fmt.Errorf("required field has no value: give the input %q or a Default Value", name)}
		}
		ft.text = text
		out = append(out, ft)
	}
	return out, nil
}

// jsonBody sets each value at its path, typed by its Data Type.
func jsonBody(vals []fieldText) (any, error) {
	var doc []byte
	for _, v := range vals {
		steps, err := fieldPaths.get(v.f.ConnectorField)
		if err != nil {
			return nil, &FieldError{Field: v.where(), Err: err}
		}
		typed, err := typedForPath(v.text, v.f.DataType, steps)
		if err != nil {
			return nil, &FieldError{Field: v.where(), Err: err}
		}
		if doc, err = setSteps(doc, nil, steps, typed); err != nil {
			return nil, &FieldError{Field: v.where(), Err: err}
		}
	}
	if len(doc) == 0 {
		return json.RawMessage("{}"), nil
	}
	// The document as sjson built it, in the grid's order; a script gets
	// it decoded (see scriptBody).
	return json.RawMessage(doc), nil
}

// typedForPath converts a field's text to its Data Type. Under array steps
// the text is a JSON list, nested once per array step, whose elements are
// converted; a path ending in an array step with Data Type List takes the
// list itself.
func typedForPath(text string, t model.FieldType, steps []model.PathStep) (any, error) {
	depth := eachDepth(steps)
	if t == model.FieldList && steps[len(steps)-1].Each {
		depth--
	}
	if depth == 0 {
		return fromText(text, t)
	}
	v, err := decodeJSON([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("%s is not a JSON list; a path with [array] steps takes one, e.g. [\"a\", \"b\"]", quoteValue(text))
	}
	return convertNested(v, depth, t)
}

func convertNested(v any, depth int, t model.FieldType) (any, error) {
	if depth == 0 {
		return convert(v, t)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s is not a list, as each [array] step of the path needs", quoteValue(v))
	}
	out := make([]any, len(list))
	for i, el := range list {
		var err error
		if out[i], err = convertNested(el, depth-1, t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// formBody uses each Connector Field as the literal form key; a List value
// repeats its key once per element.
func formBody(vals []fieldText) (any, error) {
	form := Form{}
	for _, v := range vals {
		typed, err := fromText(v.text, v.f.DataType)
		if err != nil {
			return nil, &FieldError{Field: v.where(), Err: err}
		}
		if list, ok := typed.([]any); ok {
			for _, el := range list {
				form = append(form, FormField{v.f.ConnectorField, textOf(el)})
			}
			continue
		}
		form = append(form, FormField{v.f.ConnectorField, textOf(typed)})
	}
	return form, nil
}

// plainBody sends the fields' values as text, one per line (usually there
// is one field).
func plainBody(vals []fieldText) (any, error) {
	lines := make([]string, 0, len(vals))
	for _, v := range vals {
		typed, err := fromText(v.text, v.f.DataType)
		if err != nil {
			return nil, &FieldError{Field: v.where(), Err: err}
		}
		lines = append(lines, textOf(typed))
	}
	return strings.Join(lines, "\n"), nil
}

func contentType(dt model.BodyType) string {
	switch dt {
	case model.BodyForm:
		return "application/x-www-form-urlencoded"
	case model.BodyPlainText:
		return "text/plain; charset=utf-8"
	case model.BodyXml:
		return "application/xml"
	}
	return "application/json"
}

// Encode writes the form as application/x-www-form-urlencoded, in order.
func (f Form) Encode() string {
	parts := make([]string, len(f))
	for i, kv := range f {
		parts[i] = url.QueryEscape(kv.Key) + "=" + url.QueryEscape(kv.Value)
	}
	return strings.Join(parts, "&")
}

// EncodeBody encodes Body as it stands. A string, []byte or
// json.RawMessage is sent as it is, whatever the Data Type; a Form as a
// form; an XMLBody as XML. Otherwise a Json body is encoded as JSON, an
// Xml body as the XML whose JSON form it is, and a Form body may be a map
// (map[string]any, map[string]string, url.Values: keys in sorted order, a
// list value repeating its key), as a script may give it back.
func (r *Request) EncodeBody() ([]byte, error) {
	switch b := r.Body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	case string:
		return []byte(b), nil
	case Form:
		return []byte(b.Encode()), nil
	case XMLBody:
		return xmljson.FromJSON(b)
	}
	switch r.DataType {
	case model.BodyJson, "":
		return marshalJSON(r.Body)
	case model.BodyForm:
		form, err := formOf(r.Body)
		return []byte(form.Encode()), err
	case model.BodyXml:
		doc, err := marshalJSON(r.Body)
		if err != nil {
			return nil, err
		}
		return xmljson.FromJSON(doc)
	}
	return nil, fmt.Errorf("a %s body must be text, not %T", r.DataType, r.Body)
}

// formOf turns a map a script gave back into a Form.
func formOf(body any) (Form, error) {
	m := map[string]any{}
	switch b := body.(type) {
	case map[string]any:
		m = b
	case map[string]string:
		for k, v := range b {
			m[k] = v
		}
	case url.Values:
		for k, v := range b {
			m[k] = v
		}
	default:
		return nil, fmt.Errorf("a Form body must be a map of keys to values, not %T", body)
	}
	var form Form
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if list, ok := asList(m[k]); ok {
			for _, el := range list {
				form = append(form, FormField{k, textOf(el)})
			}
			continue
		}
		form = append(form, FormField{k, textOf(m[k])})
	}
	return form, nil
}

// headerFault says what is wrong with a header HTTP cannot carry: a name
// that is not a token, or a value with a line break or another control
// character (a value from a parameter or an account value, whose line
// break would start a header of its own); "" when it is fine.
func headerFault(name, value string) string {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
	}) {
		return "the name is not one HTTP allows (letters, digits and !#$%&'*+-.^_`|~ only)"
	}
	if i := strings.IndexFunc(value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }); i >= 0 {
		return fmt.Sprintf("the value holds a control character (%U at byte %d), such as a line break, which HTTP does not allow in a header", rune(value[i]), i+1)
	}
	return ""
}

// HTTPRequest encodes the request as it stands, after a script's changes,
// and returns it with the body it carries (for the run log). It adds the
// Content-Type of the Data Type when a body has none, and a User-Agent.
func (r *Request) HTTPRequest(ctx context.Context) (*http.Request, []byte, error) {
	body, err := r.EncodeBody()
	if err != nil {
		return nil, nil, fmt.Errorf("request body: %w", err)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, r.Method, r.Endpoint, rd)
	var ue *url.Error
	switch {
	case errors.As(err, &ue):
		return nil, nil, fmt.Errorf("endpoint: %w", notAURL(r.Endpoint, ue))
	case err != nil:
		return nil, nil, err
	}
	if err := checkURL(hr.URL, r.Endpoint); err != nil {
		return nil, nil, fmt.Errorf("endpoint: %w", err)
	}
	// In sorted order, so that of two spellings of one header the same
	// one always wins.
	var room [16]string
	keys := room[:0]
	for k := range r.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	// One slice holds every value, each header a part of it: one
	// allocation where Header.Set makes one per header.
	hr.Header = make(http.Header, len(keys)+2)
	vals := make([]string, 0, len(keys)+2)
	set := func(k, v string) {
		vals = append(vals, v)
		hr.Header[textproto.CanonicalMIMEHeaderKey(k)] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	for _, k := range keys {
		if why := headerFault(k, r.Headers[k]); why != "" {
			// Go would refuse it when sending; said here, it is plainly
			// a request never sent. The value is not shown: it may be a
			// secret.
			return nil, nil, fmt.Errorf("header %q: %s", model.Printable(k), why)
		}
		if strings.EqualFold(k, "Host") {
			hr.Host = r.Headers[k]
			continue
		}
		set(k, r.Headers[k])
	}
	if body != nil && hr.Header.Get("Content-Type") == "" {
		set("Content-Type", contentType(r.DataType))
	}
	if hr.Header.Get("User-Agent") == "" {
		set("User-Agent", "Patchbay")
	}
	return hr, body, nil
}
