package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"patchbay/internal/xmljson"
	"patchbay/model"
)

// MappedField is one field of a grid read from a JSON body.
type MappedField struct {
	ConnectorField string          `json:"connector_field" mask:"never"`
	SystemField    string          `json:"system_field,omitempty" mask:"never"`
	DataType       model.FieldType `json:"data_type"`
	// Found is false when the body has nothing at the field's path.
	Found bool `json:"found"`
	// Value is converted to the Data Type: string for Text and DateTime,
	// int64 for Integer, json.Number for Float and Decimal, bool for
	// Boolean, map[string]any for Object, []any for List; nil for null. A
	// path with [array] steps gives a list, one level per array step.
	Value any `json:"value"`
	// source is the JSON the value was read from, for masking: a secret
	// in it may not survive conversion as it was (a PIN "0482" read as
	// the Integer 482).
	source string
}

// Text is the value as the command line and the window show it: as JSON,
// so that a text reads apart from a number, but with < > & as they are,
// so that an XML body or a form mapped as text stays readable; "(not in
// the body)" when nothing was at the path.
func (f MappedField) Text() string {
	if !f.Found {
		return "(not in the body)"
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f.Value); err != nil {
		return fmt.Sprint(f.Value)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// MapResponse reads a method's Response Format fields from a response body.
func MapResponse(m *model.Method, body []byte) ([]MappedField, error) {
	return mapFields(func() string { return MethodLabel(m.Name, TabResponseFormat) }, m.ResponseFormat.Fields, body)
}

// MapFields reads each field of a grid from a JSON body with gjson (through
// GJSONPath) and converts it to its Data Type. grid names the grid in
// errors, e.g. MethodLabel(m.Name, TabRequestFormat) for a webhook
// delivery. A field missing from the body is not an error (Found is false),
// nor is an empty body; a body that is not JSON is, and so is a value that
// does not convert, naming the field and showing the value.
func MapFields(grid string, fields []model.Field, body []byte) ([]MappedField, error) {
	return mapFields(func() string { return grid }, fields, body)
}

// mapFields is MapFields with the grid's name worked out only for an error.
func mapFields(grid func() string, fields []model.Field, body []byte) ([]MappedField, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	body = withoutBOM(body)
	empty := len(bytes.TrimSpace(body)) == 0
	if !empty {
		if err := checkJSON(body); err != nil {
			return nil, fmt.Errorf("%s: the %w", grid(), err)
		}
	}
	out := make([]MappedField, 0, len(fields))
	for _, f := range fields {
		mapped := MappedField{ConnectorField: f.ConnectorField, SystemField: f.SystemField, DataType: f.DataType}
		where := func() string { return grid() + " › " + f.ConnectorField }
		steps, err := fieldPaths.get(f.ConnectorField)
		if err != nil {
			return nil, &FieldError{Field: where(), Err: err}
		}
		path, _ := gjsonPaths.get(f.ConnectorField) // the same path, parsed already
		res := gjson.GetBytes(body, path)
		if empty || !res.Exists() {
			out = append(out, mapped)
			continue
		}
		mapped.Found, mapped.source = true, res.Raw
		if mapped.Value, err = readValue(res, f.DataType, steps); err != nil {
			return nil, &FieldError{Field: where(), Err: err}
		}
		out = append(out, mapped)
	}
	return out, nil
}

// readValue converts what gjson found, one list level per array step (a
// path ending in an array step with Data Type List is the list itself).
func readValue(res gjson.Result, t model.FieldType, steps []model.PathStep) (any, error) {
	v, err := resultValue(res)
	if err != nil {
		return nil, err
	}
	depth := eachDepth(steps)
	if t == model.FieldList && steps[len(steps)-1].Each {
		depth--
	}
	return convertNested(v, depth, t)
}

// resultValue is what gjson found as a plain value, numbers as
// json.Number. gjson has already read a number, a boolean or null; a string,
// an object or a list is decoded with encoding/json.
func resultValue(res gjson.Result) (any, error) {
	switch res.Type {
	case gjson.Number:
		return json.Number(res.Raw), nil
	case gjson.True, gjson.False:
		return res.Type == gjson.True, nil
	case gjson.Null:
		return nil, nil
	case gjson.String:
		// A string with no escapes in valid UTF-8 reads as gjson read it;
		// encoding/json would turn bad bytes into U+FFFD.
		if strings.IndexByte(res.Raw, '\\') < 0 && utf8.ValidString(res.Str) {
			return res.Str, nil
		}
	}
	return decodeJSON([]byte(res.Raw))
}

// WebhookID reads the new webhook's id from a Create Webhook Method's 2xx
// response body: the value at the Connector Field of the field whose System
// Field is Cyclr_Webhook_Id, at any depth. A string is taken as it is; a
// number is written out in full (1 as "1", 1e3 as "1000", never with an
// exponent). A missing, empty, null, boolean, object or list id is an
// error that says which path was looked for and shows the start of the body.
func WebhookID(fields []model.Field, body []byte) (string, error) {
	id, _, err := webhookID(fields, body)
	return id, err
}

// webhookID is WebhookID, also saying whether the id was a number.
func webhookID(fields []model.Field, body []byte) (id string, number bool, err error) {
	var f *model.Field
	for i := range fields {
		if fields[i].SystemField == model.SystemFieldWebhookID {
			f = &fields[i]
			break
		}
	}
	if f == nil {
		return "", false, fmt.Errorf("no Response Format field has the System Field %s, so the webhook id cannot be captured", model.SystemFieldWebhookID)
	}
	path, err := gjsonPaths.get(f.ConnectorField)
	if err != nil {
		return "", false, fmt.Errorf("the %s field: %w", model.SystemFieldWebhookID, err)
	}
	body = withoutBOM(body)
	if len(bytes.TrimSpace(body)) == 0 {
		return "", false, fmt.Errorf("no %s at %q: the response body is empty", model.SystemFieldWebhookID, f.ConnectorField)
	}
	if err := checkJSON(body); err != nil {
		return "", false, fmt.Errorf("no %s at %q: the response %w", model.SystemFieldWebhookID, f.ConnectorField, err)
	}
	res := gjson.GetBytes(body, path)
	id, err = idOf(res)
	if err != nil {
		return "", false, fmt.Errorf("no %s at %q: %v; the response body starts: %s", model.SystemFieldWebhookID, f.ConnectorField, err, bodyStart(body))
	}
	return id, res.Type == gjson.Number, nil
}

// idAsSent returns the webhook id as the API sent it when after_action
// rewrote the response and left the id's value alone: JavaScript rounds
// an integer above 2^53, and the rounded id would delete another webhook,
// or none. An id the script changed is taken as it left it.
func idAsSent(fields []model.Field, id string, sent []byte) string {
	orig, number, err := webhookID(fields, sent)
	if err != nil || !number || orig == id {
		return id
	}
	a, errA := strconv.ParseFloat(orig, 64)
	b, errB := strconv.ParseFloat(id, 64)
	if errA == nil && errB == nil && a == b {
		return orig
	}
	return id
}

// maxJSONNesting is the deepest a body read with gjson may nest arrays
// and objects. gjson checks and reads recursively: a body nested a few
// million deep, well within the size cap, would overflow the stack and end
// Patchbay (a Go stack overflow cannot be recovered).
const maxJSONNesting = 1000

// checkJSON says why body cannot be read as JSON: nested too deep, or not
// JSON; nil when it can. Its errors begin "body …", to follow "the".
func checkJSON(body []byte) error {
	if tooDeep(body, maxJSONNesting) {
		return fmt.Errorf("body nests arrays and objects more than %d deep, which Patchbay does not read; it starts: %s", maxJSONNesting, bodyStart(body))
	}
	if !gjson.ValidBytes(body) {
		return fmt.Errorf("body is not JSON; it starts: %s", bodyStart(body))
	}
	return nil
}

// tooDeep reports whether body nests arrays and objects more than max
// deep, counting brackets outside strings, in one pass that keeps no stack.
func tooDeep(body []byte, max int) bool {
	depth, inString := 0, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case inString && c == '\\':
			i++ // the escaped character, which may be a quote
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > max {
				return true
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return false
}

// withoutBOM drops a UTF-8 byte order mark from the start of a body, as
// some APIs send one before their JSON.
func withoutBOM(body []byte) []byte {
	return bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
}

// idOf accepts a non-empty string or a number as an id.
func idOf(res gjson.Result) (string, error) {
	switch {
	case !res.Exists():
		return "", errors.New("the path is not in the body")
	case res.Type == gjson.String && res.Str == "":
		return "", errors.New("the id is an empty string")
	case res.Type == gjson.String:
		return res.Str, nil
	case res.Type == gjson.Number:
		return numberText(res.Raw)
	case res.Type == gjson.Null:
		return "", errors.New("the id is null")
	case res.IsArray():
		return "", fmt.Errorf("the id is a list, not a string or number: %s", clip(res.Raw, 60))
	case res.IsObject():
		return "", fmt.Errorf("the id is an object, not a string or number: %s", clip(res.Raw, 60))
	}
	return "", fmt.Errorf("the id is %s, not a string or number", res.Raw)
}

// maxIDExponent bounds the exponent of an id written as a number with one
// (1e3): written out in full, 1e20000000 is twenty million digits, and
// working them out takes half a minute.
const maxIDExponent = 40

// numberText writes a JSON number in full: an integral one without
// exponent or decimals, exactly; one with a fraction as it was sent.
func numberText(raw string) (string, error) {
	mant, exp, hasExp := strings.Cut(strings.ToLower(raw), "e")
	if !hasExp && !strings.Contains(mant, ".") {
		return raw, nil // digits alone: already in full
	}
	if hasExp {
		if e, err := strconv.Atoi(strings.TrimPrefix(exp, "+")); err != nil || e > maxIDExponent || e < -maxIDExponent {
			return "", fmt.Errorf("the id is the number %s, whose exponent is too large to write it out as an id", clip(raw, 40))
		}
	}
	r, ok := new(big.Rat).SetString(raw)
	if !ok || !r.IsInt() {
		return raw, nil
	}
	return r.Num().String(), nil
}

// bodyStart shows the first 200 or so characters of a body.
func bodyStart(body []byte) string {
	return clip(strings.TrimSpace(string(body)), 200)
}

// xmlDocument reads an XML body in its JSON form (see internal/xmljson),
// which Connector Field paths read, and reports whether the body is XML:
// its Content-Type says so (application/xml, text/xml, …+xml), or the
// method's Data Type is Xml and it begins as XML does. A body that is not
// XML, or blank, comes back as it is. Each element that fields reads with
// an [array] step is a list in doc, also when the document holds one of
// it: XML cannot tell one from a list of one.
func xmlDocument(dt model.BodyType, contentType string, body []byte, fields []model.Field) (doc []byte, isXML bool, err error) {
	media, _, _ := strings.Cut(contentType, ";")
	media = strings.ToLower(strings.TrimSpace(media))
	isXML = strings.HasSuffix(media, "/xml") || strings.HasSuffix(media, "+xml") || dt == model.BodyXml && xmljson.Looks(body)
	if !isXML || len(bytes.TrimSpace(withoutBOM(body))) == 0 { // a blank body is no body
		return body, false, nil
	}
	if doc, err = xmljson.ToJSON(body); err != nil {
		return nil, true, err
	}
	return listsAt(doc, fields), true, nil
}

// listsAt makes each value that a field's [array] step reads a list: a
// lone element of XML read in its JSON form becomes a list of one.
func listsAt(doc []byte, fields []model.Field) []byte {
	var paths [][]model.PathStep
	for _, f := range fields {
		steps, err := fieldPaths.get(f.ConnectorField)
		if err == nil && slices.ContainsFunc(steps, func(s model.PathStep) bool { return s.Each }) {
			paths = append(paths, steps)
		}
	}
	if len(paths) == 0 {
		return doc
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return doc
	}
	for _, steps := range paths {
		v = listAt(v, steps)
	}
	out, err := marshalJSON(v)
	if err != nil {
		return doc
	}
	return out
}

// listAt makes the value at each [array] step of steps a list, below v.
func listAt(v any, steps []model.PathStep) any {
	if len(steps) == 0 {
		return v
	}
	step := steps[0]
	if step.Key == "" { // a root array, []
		if list, ok := v.([]any); ok {
			for i := range list {
				list[i] = listAt(list[i], steps[1:])
			}
		}
		return v
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return v
	}
	x, found := obj[step.Key]
	if !found {
		return v
	}
	if step.Each {
		list, isList := x.([]any)
		if !isList && x != nil {
			list = []any{x}
		}
		for i := range list {
			list[i] = listAt(list[i], steps[1:])
		}
		if list != nil {
			obj[step.Key] = list
		}
		return v
	}
	obj[step.Key] = listAt(x, steps[1:])
	return v
}
