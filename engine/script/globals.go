package script

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// Globals are the values scripts see as globals and may change. Fire reads
// them into the script before each handler and writes the script's final
// values back. Nil maps reach the script as empty objects (so
// `method_request_headers.Authorization = ...` always works) and stay nil if
// the script leaves them empty; a nil MethodRequest or MethodResponse is null.
type Globals struct {
	MethodEndpoint           string            // method_endpoint: the URL, mergefields resolved
	MethodRequest            any               // method_request: the decoded body (map[string]any, []any, string...) or nil
	MethodRequestHeaders     map[string]string // method_request_headers
	MethodRequestParameters  map[string]string // method_request_parameters, e.g. Cyclr_Webhook_Id
	MethodRequestMergefields map[string]string // method_request_mergefields
	MethodResponse           any               // method_response: the decoded JSON response, or its text
	MethodResponseHeaders    map[string]string // method_response_headers
	MethodError              string            // method_error: the failure after_error handles
	StatusCode               int               // statusCode: the response's HTTP status
	MethodAuthValue          string            // method_auth_value: the auth value (API key, token)
	CycleVariables           map[string]any    // cycle_variables
}

// globalNames are the script-side names, in the order get() reports them.
var globalNames = [...]string{
	"method_endpoint",
	"method_request",
	"method_request_headers",
	"method_request_parameters",
	"method_request_mergefields",
	"method_response",
	"method_response_headers",
	"method_error",
	"statusCode",
	"method_auth_value",
	"cycle_variables",
}

// values returns g in the order of globalNames, as the script receives it.
// Nil maps become empty objects so scripts can add to them.
func (g *Globals) values() [len(globalNames)]any {
	return [...]any{
		g.MethodEndpoint,
		g.MethodRequest,
		orEmpty(g.MethodRequestHeaders),
		orEmpty(g.MethodRequestParameters),
		orEmpty(g.MethodRequestMergefields),
		g.MethodResponse,
		orEmpty(g.MethodResponseHeaders),
		g.MethodError,
		g.StatusCode,
		g.MethodAuthValue,
		orEmptyAny(g.CycleVariables),
	}
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orEmptyAny(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// maxDepth bounds toJS, which a cyclic Go value would otherwise never leave.
const maxDepth = 1000

// toJS turns a Go value shaped like decoded JSON into a plain JavaScript
// value: objects and arrays the script owns, not wrappers around Go maps
// (whose changes ToValue would not always carry back). Keys are added in
// sorted order so the body a script re-serialises is stable. Other Go types
// go through encoding/json and JSON.parse.
func (u *unit) toJS(v any, depth int) (goja.Value, error) {
	if depth > maxDepth {
		return nil, errors.New("value nested too deeply (or cyclic)")
	}
	rt := u.rt
	switch v := v.(type) {
	case nil:
		return goja.Null(), nil
	case string, bool, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return rt.ToValue(v), nil
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return nil, err
		}
		return rt.ToValue(f), nil
	case map[string]string:
		obj := rt.NewObject()
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if err := obj.DefineDataProperty(k, rt.ToValue(v[k]), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
				return nil, err
			}
		}
		return obj, nil
	case map[string]any:
		obj := rt.NewObject()
		for _, k := range slices.Sorted(maps.Keys(v)) {
			jv, err := u.toJS(v[k], depth+1)
			if err != nil {
				return nil, err
			}
			// DefineDataProperty, unlike Set, makes "__proto__" an ordinary key as JSON.parse does.
			if err := obj.DefineDataProperty(k, jv, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
				return nil, err
			}
		}
		return obj, nil
	case []any:
		items := make([]any, len(v))
		for i, e := range v {
			jv, err := u.toJS(e, depth+1)
			if err != nil {
				return nil, err
			}
			items[i] = jv
		}
		return rt.NewArray(items...), nil
	case []string:
		items := make([]any, len(v))
		for i, e := range v {
			items[i] = e
		}
		return rt.NewArray(items...), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return u.internal.parse(goja.Undefined(), rt.ToValue(string(b)))
}

// decodeGlobals reads the JSON array get() produced into g.
func decodeGlobals(text string, g *Globals) error {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil || len(raw) != len(globalNames) {
		return fmt.Errorf("cannot read the globals back: %v", err)
	}
	var out Globals
	var err error
	if out.MethodEndpoint, err = stringValue(raw[0]); err != nil {
		return err
	}
	if err = json.Unmarshal(raw[1], &out.MethodRequest); err != nil {
		return fmt.Errorf("method_request: %w", err)
	}
	if out.MethodRequestHeaders, err = stringMap(globalNames[2], raw[2], g.MethodRequestHeaders); err != nil {
		return err
	}
	if out.MethodRequestParameters, err = stringMap(globalNames[3], raw[3], g.MethodRequestParameters); err != nil {
		return err
	}
	if out.MethodRequestMergefields, err = stringMap(globalNames[4], raw[4], g.MethodRequestMergefields); err != nil {
		return err
	}
	if err = json.Unmarshal(raw[5], &out.MethodResponse); err != nil {
		return fmt.Errorf("method_response: %w", err)
	}
	if out.MethodResponseHeaders, err = stringMap(globalNames[6], raw[6], g.MethodResponseHeaders); err != nil {
		return err
	}
	if out.MethodError, err = stringValue(raw[7]); err != nil {
		return err
	}
	if out.StatusCode, err = intValue(globalNames[8], raw[8]); err != nil {
		return err
	}
	if out.MethodAuthValue, err = stringValue(raw[9]); err != nil {
		return err
	}
	if out.CycleVariables, err = objectValue(globalNames[10], raw[10], g.CycleVariables); err != nil {
		return err
	}
	*g = out
	return nil
}

// stringValue reads a string global leniently: null is "", numbers and
// booleans are their text, objects their JSON.
func stringValue(raw json.RawMessage) (string, error) {
	switch kind(raw) {
	case "null":
		return "", nil
	case "string":
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	return string(raw), nil
}

// stringMap reads an object of strings such as the headers. null or an empty
// object gives back the caller's own empty value (nil stays nil); null and
// undefined members are dropped, other members become their text.
func stringMap(name string, raw json.RawMessage, was map[string]string) (map[string]string, error) {
	switch kind(raw) {
	case "null":
		return emptyLike(was), nil
	case "object":
	default:
		return nil, fmt.Errorf("%s must be an object, not %s %s", name, kind(raw), short(raw))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep 1e21 as JavaScript would print it
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(m) == 0 {
		return emptyLike(was), nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case nil:
		case string:
			out[k] = v
		case json.Number:
			out[k] = v.String()
		case bool:
			out[k] = strconv.FormatBool(v)
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out, nil
}

func emptyLike(was map[string]string) map[string]string {
	if was == nil {
		return nil
	}
	return map[string]string{}
}

// objectValue reads cycle_variables: any object, null, or an empty object
// where the caller had nil.
func objectValue(name string, raw json.RawMessage, was map[string]any) (map[string]any, error) {
	switch kind(raw) {
	case "null":
		if was == nil {
			return nil, nil
		}
		return map[string]any{}, nil
	case "object":
	default:
		return nil, fmt.Errorf("%s must be an object, not %s %s", name, kind(raw), short(raw))
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(m) == 0 && was == nil {
		return nil, nil
	}
	return m, nil
}

// intValue reads statusCode: a whole number, or a string holding one.
func intValue(name string, raw json.RawMessage) (int, error) {
	switch kind(raw) {
	case "null":
		return 0, nil
	case "number":
		var f float64
		if err := json.Unmarshal(raw, &f); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e9 {
			return int(f), nil
		}
	case "string":
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("%s must be a whole number, not %s %s", name, kind(raw), short(raw))
}

// kind names the JSON type of raw as JavaScript's typeof would, with null
// and arrays told apart.
func kind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "null"
	}
	switch t[0] {
	case 'n':
		return "null"
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	}
	return "number"
}

func short(raw json.RawMessage) string {
	const max = 40
	if len(raw) > max {
		n := max
		for n > 0 && !utf8.RuneStart(raw[n]) {
			n--
		}
		// "…", the clip mark the engine looks before for the start of a
		// secret cut short (a key in "Bearer " + method_auth_value).
		return string(raw[:n]) + "…"
	}
	return string(raw)
}
