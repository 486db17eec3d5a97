package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"patchbay/model"
)

// Values converted to a field's Data Type have these Go types: Text and
// DateTime string (DateTime is not checked: APIs write it in many ways);
// Integer int64; Float and Decimal json.Number (its text kept exactly, so
// "12.50" stays 12.50); Boolean bool (from true/false, or what
// strconv.ParseBool takes); Object map[string]any and List []any (numbers
// inside them json.Number too). JSON null stays nil.

// fromText converts a field's text value (an input, a rendered Default Value
// or a JSON string) to its Data Type.
func fromText(s string, t model.FieldType) (any, error) {
	switch t {
	case model.FieldText, model.FieldDateTime, "":
		return s, nil
	case model.FieldInteger:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not an Integer", quoteValue(s))
		}
		return n, nil
	case model.FieldFloat, model.FieldDecimal:
		n := strings.TrimSpace(s)
		if !isJSONNumber(n) {
			return nil, fmt.Errorf("%s is not a %s number", quoteValue(s), t)
		}
		return json.Number(n), nil
	case model.FieldBoolean:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%s is not a Boolean (true or false)", quoteValue(s))
		}
		return b, nil
	case model.FieldObject, model.FieldList:
		v, err := decodeJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("%s is not JSON text for %s %s: %v", quoteValue(s), article(t), t, err)
		}
		if _, isText := v.(string); isText {
			return nil, fmt.Errorf("%s is not %s %s", quoteValue(s), article(t), t)
		}
		return convert(v, t)
	}
	return nil, fmt.Errorf("unknown Data Type %q", t)
}

// convert converts a decoded JSON value to a field's Data Type.
func convert(v any, t model.FieldType) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return fromText(x, t)
	case json.Number:
		return convertNumber(x, t)
	case bool:
		switch t {
		case model.FieldBoolean:
			return x, nil
		case model.FieldText:
			return strconv.FormatBool(x), nil
		}
	case map[string]any:
		switch t {
		case model.FieldObject:
			return x, nil
		case model.FieldText:
			return jsonText(x), nil
		}
	case []any:
		switch t {
		case model.FieldList:
			return x, nil
		case model.FieldText:
			return jsonText(x), nil
		}
	}
	return nil, fmt.Errorf("%s is not %s %s", quoteValue(v), article(t), t)
}

func convertNumber(n json.Number, t model.FieldType) (any, error) {
	switch t {
	case model.FieldText, model.FieldDateTime:
		return n.String(), nil
	case model.FieldFloat, model.FieldDecimal:
		return n, nil
	case model.FieldInteger:
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		// 1e3 and 2.0 are integers too, written otherwise.
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), nil
		}
		return nil, fmt.Errorf("%s is not an Integer", n)
	}
	return nil, fmt.Errorf("%s is not %s %s", n, article(t), t)
}

func article(t model.FieldType) string {
	if t == model.FieldInteger || t == model.FieldObject {
		return "an"
	}
	return "a"
}

// decodeJSON decodes one JSON value, keeping numbers as json.Number.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// jsonText encodes a value as JSON without escaping <, > and &.
func jsonText(v any) string {
	b, err := marshalJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}

// textOf writes a converted value as form or plain text: strings as they
// are, everything else as JSON.
func textOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonText(v)
}

// quoteValue shows a value in an error message: a string quoted, anything
// else as JSON; long ones clipped.
func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(clip(s, 100))
	}
	return clip(jsonText(v), 100)
}

// clip shortens s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
