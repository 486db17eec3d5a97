package store

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"patchbay/internal/jsonstr"
	"patchbay/model"
)

// A method's Request Format and Response Format grids are stored packed, one
// column each on the methods row (migration 0004), rather than one row per
// field: a 500-method connector has some 10,000 fields, and stepping through
// that many rows was most of the cost of loading and saving it.
//
// A grid is a compact JSON array with one array per field, its values in a
// fixed order:
//
//	[["connector_field","system_field","display_name","description","data_type",is_hidden,is_optional,"default_value"],...]
//
// with is_hidden and is_optional as 0 or 1, the shape migration 0004 builds
// with json_array. The fast reader takes exactly that shape; anything else
// that is valid JSON of the same meaning (true/false, spaces) goes through
// encoding/json.

// fieldColumns is the number of values in a packed field.
const fieldColumns = 8

// appendFields appends the packed form of fields to b. An empty grid is "[]".
func appendFields(b []byte, fields []model.Field) []byte {
	b = append(b, '[')
	for i := range fields {
		f := &fields[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = jsonstr.Append(b, f.ConnectorField)
		b = append(b, ',')
		b = jsonstr.Append(b, f.SystemField)
		b = append(b, ',')
		b = jsonstr.Append(b, f.DisplayName)
		b = append(b, ',')
		b = jsonstr.Append(b, f.Description)
		b = append(b, ',')
		b = jsonstr.Append(b, string(f.DataType))
		b = append(b, ',')
		b = appendFlag(b, f.IsHidden)
		b = append(b, ',')
		b = appendFlag(b, f.IsOptional)
		b = append(b, ',')
		b = jsonstr.Append(b, f.DefaultValue)
		b = append(b, ']')
	}
	return append(b, ']')
}

func appendFlag(b []byte, v bool) []byte {
	if v {
		return append(b, '1')
	}
	return append(b, '0')
}

// decodeFields appends the fields of the packed grid data to dst. It reads
// the compact shape appendFields writes and, should data be in any other
// valid JSON shape, decodes it with encoding/json instead.
//
// The fields' strings share the memory of one copy of data, rather than
// being allocated one by one.
func decodeFields(dst []model.Field, data []byte) ([]model.Field, error) {
	if out, ok := decodeFieldsQuick(dst, string(data)); ok {
		return out, nil
	}
	return decodeFieldsJSON(dst, data)
}

// decodeFieldsQuick reads data in exactly the compact shape appendFields
// writes. It reports false, with dst's contents up to len(dst) untouched, at
// the first thing it does not expect.
func decodeFieldsQuick(dst []model.Field, data string) ([]model.Field, bool) {
	d := quickReader{data: data}
	if !d.byte('[') {
		return dst, false
	}
	if d.byte(']') {
		return dst, d.pos == len(data)
	}
	for {
		var f model.Field
		var dataType string
		ok := d.byte('[') &&
			d.str(&f.ConnectorField) && d.byte(',') &&
			d.str(&f.SystemField) && d.byte(',') &&
			d.str(&f.DisplayName) && d.byte(',') &&
			d.str(&f.Description) && d.byte(',') &&
			d.str(&dataType) && d.byte(',') &&
			d.flag(&f.IsHidden) && d.byte(',') &&
			d.flag(&f.IsOptional) && d.byte(',') &&
			d.str(&f.DefaultValue) && d.byte(']')
		if !ok {
			return dst, false
		}
		f.DataType = model.FieldType(dataType)
		dst = append(dst, f)
		if d.byte(']') {
			return dst, d.pos == len(data)
		}
		if !d.byte(',') {
			return dst, false
		}
	}
}

// decodeStrings decodes a JSON array of strings, such as a parameter's
// values, into a nil slice if it is empty. The compact form json.Marshal
// writes is read directly; anything else goes through encoding/json.
func decodeStrings(data []byte) ([]string, error) {
	if out, ok := decodeStringsQuick(string(data)); ok {
		return out, nil
	}
	var out []string
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func decodeStringsQuick(data string) ([]string, bool) {
	d := quickReader{data: data}
	var out []string
	ok := d.strings(&out) && d.pos == len(data)
	return out, ok
}

// quickReader reads the compact packed shape, byte by byte.
type quickReader struct {
	data string
	pos  int
}

// byte consumes c if it comes next.
func (d *quickReader) byte(c byte) bool {
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// flag reads 0 or 1.
func (d *quickReader) flag(v *bool) bool {
	if d.pos >= len(d.data) {
		return false
	}
	switch d.data[d.pos] {
	case '0':
		*v = false
	case '1':
		*v = true
	default:
		return false
	}
	d.pos++
	return true
}

// str reads a JSON string. One without escapes is a substring of data;
// one with escapes (or invalid UTF-8) is unquoted by unescape.
func (d *quickReader) str(s *string) bool {
	if !d.byte('"') {
		return false
	}
	start := d.pos
	escaped, nonASCII := false, false
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			if !escaped && (!nonASCII || utf8.ValidString(d.data[start:i])) {
				*s = d.data[start:i]
				return true
			}
			return unescape(d.data[start-1:i+1], s)
		case c == '\\':
			escaped = true
			i++ // the escaped character, which may be a quote
		case c < 0x20:
			return false
		case c >= utf8.RuneSelf:
			nonASCII = true
		}
	}
	return false
}

// unescape unquotes the JSON string literal q. The escapes appendJSONString
// writes are decoded here; any other (\u beyond ASCII, surrogates) goes to
// encoding/json, which is the reference for all of them.
func unescape(q string, s *string) bool {
	body := q[1 : len(q)-1]
	b := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		if i >= len(body) {
			return false
		}
		switch body[i] {
		case '"', '\\', '/':
			b = append(b, body[i])
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'u':
			if i+4 < len(body) && body[i+1] == '0' && body[i+2] == '0' &&
				unhex(body[i+3]) < 8 && unhex(body[i+4]) < 16 {
				b = append(b, unhex(body[i+3])<<4|unhex(body[i+4]))
				i += 4
				continue
			}
			return json.Unmarshal([]byte(q), s) == nil
		default:
			return false
		}
	}
	if !utf8.Valid(b) {
		// encoding/json would replace the invalid bytes.
		return json.Unmarshal([]byte(q), s) == nil
	}
	*s = string(b)
	return true
}

// unhex is the value of the hex digit c, or 16 if c is none.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 16
}

// decodeFieldsJSON is the general reader: any valid JSON array of 8-value
// arrays, flags as 0/1 or false/true.
func decodeFieldsJSON(dst []model.Field, data []byte) ([]model.Field, error) {
	var rows [][]json.RawMessage
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, fmt.Errorf("packed fields: %w", err)
	}
	for i, row := range rows {
		if len(row) != fieldColumns {
			return nil, fmt.Errorf("packed field %d: %d values, want %d", i+1, len(row), fieldColumns)
		}
		var f model.Field
		strs := []*string{&f.ConnectorField, &f.SystemField, &f.DisplayName, &f.Description, (*string)(&f.DataType)}
		for j, p := range strs {
			if err := json.Unmarshal(row[j], p); err != nil {
				return nil, fmt.Errorf("packed field %d value %d: %w", i+1, j+1, err)
			}
		}
		for j, p := range []*bool{&f.IsHidden, &f.IsOptional} {
			v, err := jsonFlag(row[5+j])
			if err != nil {
				return nil, fmt.Errorf("packed field %d value %d: %w", i+1, 6+j, err)
			}
			*p = v
		}
		if err := json.Unmarshal(row[7], &f.DefaultValue); err != nil {
			return nil, fmt.Errorf("packed field %d value 8: %w", i+1, err)
		}
		dst = append(dst, f)
	}
	return dst, nil
}

// jsonFlag reads a flag written as 0, 1, false or true.
func jsonFlag(raw json.RawMessage) (bool, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, err
	}
	switch v {
	case float64(0), false:
		return false, nil
	case float64(1), true:
		return true, nil
	}
	return false, fmt.Errorf("flag %s is not 0, 1, false or true", raw)
}

// A method's parameters are packed the same way, in the methods row's
// parameters column, one array per parameter:
//
//	[["target_type","target_name","display_name","description",is_hidden,is_optional,is_sensitive,is_account_connector_property,is_multiline,["value",...]],...]

// parameterColumns is the number of values in a packed parameter.
const parameterColumns = 10

// appendParameters appends the packed form of ps to b. An empty list is "[]".
func appendParameters(b []byte, ps []model.Parameter) []byte {
	b = append(b, '[')
	for i := range ps {
		p := &ps[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = jsonstr.Append(b, string(p.TargetType))
		b = append(b, ',')
		b = jsonstr.Append(b, p.TargetName)
		b = append(b, ',')
		b = jsonstr.Append(b, p.DisplayName)
		b = append(b, ',')
		b = jsonstr.Append(b, p.Description)
		for _, v := range []bool{p.IsHidden, p.IsOptional, p.IsSensitive, p.IsAccountConnectorProperty, p.IsMultiline} {
			b = append(b, ',')
			b = appendFlag(b, v)
		}
		b = append(b, ',', '[')
		for j, v := range p.Values {
			if j > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(b, v)
		}
		b = append(b, ']', ']')
	}
	return append(b, ']')
}

// decodeParameters decodes a packed parameter list, nil if it is empty. It
// reads the compact shape appendParameters writes and, should data be in
// any other valid JSON shape, decodes it with encoding/json instead.
func decodeParameters(data []byte) ([]model.Parameter, error) {
	if out, ok := decodeParametersQuick(string(data)); ok {
		return out, nil
	}
	return decodeParametersJSON(data)
}

func decodeParametersQuick(data string) ([]model.Parameter, bool) {
	d := quickReader{data: data}
	if !d.byte('[') {
		return nil, false
	}
	if d.byte(']') {
		return nil, d.pos == len(data)
	}
	var out []model.Parameter
	for {
		var p model.Parameter
		var targetType string
		ok := d.byte('[') &&
			d.str(&targetType) && d.byte(',') &&
			d.str(&p.TargetName) && d.byte(',') &&
			d.str(&p.DisplayName) && d.byte(',') &&
			d.str(&p.Description) && d.byte(',') &&
			d.flag(&p.IsHidden) && d.byte(',') &&
			d.flag(&p.IsOptional) && d.byte(',') &&
			d.flag(&p.IsSensitive) && d.byte(',') &&
			d.flag(&p.IsAccountConnectorProperty) && d.byte(',') &&
			d.flag(&p.IsMultiline) && d.byte(',') &&
			d.strings(&p.Values) && d.byte(']')
		if !ok {
			return nil, false
		}
		p.TargetType = model.TargetType(targetType)
		out = append(out, p)
		if d.byte(']') {
			return out, d.pos == len(data)
		}
		if !d.byte(',') {
			return nil, false
		}
	}
}

// strings reads an array of strings, nil if it is empty.
func (d *quickReader) strings(vs *[]string) bool {
	if !d.byte('[') {
		return false
	}
	if d.byte(']') {
		*vs = nil
		return true
	}
	var out []string
	for {
		var s string
		if !d.str(&s) {
			return false
		}
		out = append(out, s)
		if d.byte(']') {
			*vs = out
			return true
		}
		if !d.byte(',') {
			return false
		}
	}
}

// decodeParametersJSON is the general reader: any valid JSON array of
// 10-value arrays, flags as 0/1 or false/true.
func decodeParametersJSON(data []byte) ([]model.Parameter, error) {
	var rows [][]json.RawMessage
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, fmt.Errorf("packed parameters: %w", err)
	}
	var out []model.Parameter
	for i, row := range rows {
		if len(row) != parameterColumns {
			return nil, fmt.Errorf("packed parameter %d: %d values, want %d", i+1, len(row), parameterColumns)
		}
		var p model.Parameter
		for j, s := range []*string{(*string)(&p.TargetType), &p.TargetName, &p.DisplayName, &p.Description} {
			if err := json.Unmarshal(row[j], s); err != nil {
				return nil, fmt.Errorf("packed parameter %d value %d: %w", i+1, j+1, err)
			}
		}
		for j, f := range []*bool{&p.IsHidden, &p.IsOptional, &p.IsSensitive, &p.IsAccountConnectorProperty, &p.IsMultiline} {
			v, err := jsonFlag(row[4+j])
			if err != nil {
				return nil, fmt.Errorf("packed parameter %d value %d: %w", i+1, 5+j, err)
			}
			*f = v
		}
		if err := json.Unmarshal(row[9], &p.Values); err != nil {
			return nil, fmt.Errorf("packed parameter %d values: %w", i+1, err)
		}
		if len(p.Values) == 0 {
			p.Values = nil
		}
		out = append(out, p)
	}
	return out, nil
}
