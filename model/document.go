package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DocumentFormat names the export format and its version; it is the first
// key of every exported document.
const DocumentFormat = "patchbay.connector/1"

// SecretPlaceholder stands in for a masked secret on screen and in logs.
const SecretPlaceholder = "••••••"

// ExportOptions say what an export may include.
type ExportOptions struct {
	// IncludeSecrets keeps the Values of Sensitive parameters and of the
	// parameters holding a signing secret, which are otherwise left out,
	// and lets a secret written into the connector itself go along.
	IncludeSecrets bool
	// Account are the connector's account values. Without IncludeSecrets,
	// an export that would hold one of the secrets among them (an API key
	// pasted into a script, say) is refused, as is one that would hold a
	// Sensitive parameter's value elsewhere than in its Values.
	Account map[string]string
}

// document is the export document: the format marker, then the connector.
type document struct {
	Format string `json:"Format"`
	*Connector
}

// Export writes the connector as one deterministic JSON document: keys in a
// fixed order, lists in the connector's order, 2-space indent and a trailing
// newline, so that it diffs well in git. Account values are never part of it,
// and the values of Sensitive parameters and of signing secrets only with
// IncludeSecrets.
func Export(c *Connector, opts ExportOptions) ([]byte, error) {
	out := c.Clone()
	if !opts.IncludeSecrets {
		signing := c.SignatureSecrets()
		stripSecrets(out.Parameters, signing)
		for i := range out.Methods {
			stripSecrets(out.Methods[i].Parameters, signing)
		}
	}
	data, ok := writeDocument(out)
	if !ok {
		var err error
		if data, err = encodeDocument(out); err != nil {
			var unsupported *json.UnsupportedValueError
			if errors.As(err, &unsupported) { // a NaN or infinite Rate Limit, which lint reports
				return nil, fmt.Errorf("export %q: %s is not a number JSON can hold; lint shows where it is", c.Name, unsupported.Str)
			}
			return nil, fmt.Errorf("export %q: %w", c.Name, err)
		}
	}
	if !opts.IncludeSecrets {
		if err := secretsLeftIn(c, out, opts.Account, data); err != nil {
			return nil, fmt.Errorf("export %q: %w", c.Name, err)
		}
	}
	return data, nil
}

// encodeDocument writes the document with encoding/json: the layout Export
// promises, and the reference writeDocument is tested against.
func encodeDocument(c *Connector) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(document{Format: DocumentFormat, Connector: c}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// KeepSecretValues carries the values an export leaves out (see Export)
// over from old, the stored version, to c, an imported one that replaces
// it: the values of Sensitive parameters and of signing secrets that c
// holds none of.
func KeepSecretValues(c, old *Connector) {
	signing := c.SignatureSecrets()
	keep := func(ps, olds []Parameter) {
		for i := range ps {
			if (!ps[i].IsSensitive && !signing[ps[i].TargetName]) || len(ps[i].Values) > 0 {
				continue
			}
			for _, o := range olds {
				if o.TargetName == ps[i].TargetName {
					ps[i].Values = append([]string(nil), o.Values...)
				}
			}
		}
	}
	keep(c.Parameters, old.Parameters)
	for i := range c.Methods {
		if om := old.Method(c.Methods[i].Name); om != nil {
			keep(c.Methods[i].Parameters, om.Parameters)
		}
	}
}

// stripSecrets leaves out the values of Sensitive parameters and of those
// named in signing (see SignatureSecrets).
func stripSecrets(ps []Parameter, signing map[string]bool) {
	for i := range ps {
		if ps[i].IsSensitive || signing[ps[i].TargetName] {
			ps[i].Values = nil
		}
	}
}

// Problem is one thing wrong with an import document, at a JSON location
// such as Methods[2].ResponseFormat.Fields[0].DataType.
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ImportError lists every problem found in an import document.
type ImportError struct {
	Problems []Problem
}

func (e *ImportError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	if len(lines) == 1 {
		return "the document is not a connector: " + lines[0]
	}
	return fmt.Sprintf("the document is not a connector (%d problems):\n  %s", len(lines), strings.Join(lines, "\n  "))
}

// Import reads an export document. It checks the whole document before
// returning anything and reports every problem with its JSON location:
// wrong types, unknown keys, values outside their lists, missing names,
// dangling Create/Delete Webhook Method references and Connector Field paths
// that are not Cyclr notation. Lint findings that do not make the document
// unreadable are left for Lint to report.
func Import(data []byte) (*Connector, error) {
	// A byte order mark before the document, as some Windows editors
	// save one, does not show: it is dropped.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if c, ok := importQuick(data); ok {
		return c, nil
	}
	return importChecked(data)
}

// importChecked is Import's decoder for every document: it goes through
// the whole document, collecting each problem with its location.
func importChecked(data []byte) (*Connector, error) {
	// A document that opens a list is no connector, whatever follows: it is
	// refused before it is decoded, which for a data export picked by
	// mistake would take eight times the file in memory.
	if start := bytes.TrimLeft(data, " \t\r\n"); len(start) > 0 && start[0] == '[' {
		return nil, &ImportError{Problems: []Problem{{Message: "want a JSON object, got a list"}}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, &ImportError{Problems: []Problem{{Message: jsonSyntaxMessage(data, err)}}}
	}
	// dec.More would let a stray "]" or "}" after the document through.
	if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, &ImportError{Problems: []Problem{{Message: "there is more after the end of the JSON document"}}}
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, &ImportError{Problems: []Problem{{Message: fmt.Sprintf("want a JSON object, got %s", jsonKind(raw))}}}
	}
	d := &decoder{}
	// Decoding into a map keeps the last of two equal keys without a word.
	for _, path := range duplicateKeys(data) {
		d.add(path, "the key is given twice in its object; keep one")
	}
	switch f, ok := obj["Format"]; {
	case !ok:
		d.add("Format", "missing; want %q", DocumentFormat)
	case f != DocumentFormat:
		d.add("Format", "%s is not a format Patchbay reads; want %q", jsonText(f), DocumentFormat)
	}
	delete(obj, "Format")
	c := &Connector{}
	d.decode(obj, reflect.ValueOf(c).Elem(), "")
	for _, f := range Lint(c) {
		if !f.Structural() {
			continue
		}
		path := f.At.JSONPath()
		if d.seen(path) {
			continue // the decoder said already what is wrong there
		}
		d.add(path, "%s", f.Message)
	}
	if len(d.problems) > 0 {
		return nil, &ImportError{Problems: d.problems}
	}
	return c, nil
}

// decoder fills a value from decoded JSON by the value's json tags,
// collecting every problem instead of stopping at the first.
type decoder struct {
	problems []Problem
}

func (d *decoder) add(path, format string, args ...any) {
	d.problems = append(d.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// seen reports whether a problem was already found at or below path.
func (d *decoder) seen(path string) bool {
	for _, p := range d.problems {
		if p.Path == path || strings.HasPrefix(p.Path, path+".") || strings.HasPrefix(p.Path, path+"[") {
			return true
		}
	}
	return false
}

func (d *decoder) decode(v any, rv reflect.Value, path string) {
	kindOf := jsonKind
	if strings.Contains(path, ".Values") {
		kindOf = jsonKindOnly // a parameter's value may be a secret: never quoted
	}
	switch rv.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.add(path, "want a string, got %s", kindOf(v))
			return
		}
		rv.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.add(path, "want true or false, got %s", kindOf(v))
			return
		}
		rv.SetBool(b)
	case reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			d.add(path, "want a number, got %s", kindOf(v))
			return
		}
		f, err := strconv.ParseFloat(n.String(), 64)
		if err != nil { // the syntax is JSON's, so only the range can be wrong
			d.add(path, "the number %s is out of range (beyond ±1.8e308)", n)
			return
		}
		rv.SetFloat(f)
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			d.add(path, "want a list, got %s", kindOf(v))
			return
		}
		if len(arr) == 0 {
			return // nil, as Export leaves an empty list out
		}
		out := reflect.MakeSlice(rv.Type(), len(arr), len(arr))
		for i, el := range arr {
			d.decode(el, out.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		rv.Set(out)
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			d.add(path, "want an object, got %s", kindOf(v))
			return
		}
		d.decodeStruct(obj, rv, path)
	default:
		panic(fmt.Sprintf("model: no JSON decoding for %s", rv.Type()))
	}
}

func (d *decoder) decodeStruct(obj map[string]any, rv reflect.Value, path string) {
	known := map[string]bool{}
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		name := jsonName(t.Field(i))
		if name == "" {
			continue
		}
		known[name] = true
		if v, ok := obj[name]; ok {
			d.decode(v, rv.Field(i), join(path, name))
		}
	}
	var unknown []string
	for k := range obj {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		d.add(join(path, keyInPath(k)), "unknown key%s", suggest(k, known))
	}
}

// keyInPath writes an unknown key for a problem's path: as it is when it is
// a plain word, else quoted, so that "" or "a.b" or a key holding a line
// break reads as one key.
func keyInPath(k string) string {
	plain := k != "" && !strings.ContainsFunc(k, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
	if plain {
		return k
	}
	return strconv.Quote(k)
}

// jsonName is the key a struct field is read from, or "" for none.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

// suggest names the known key that differs from k only in case, if any.
func suggest(k string, known map[string]bool) string {
	for name := range known {
		if strings.EqualFold(name, k) {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// duplicateKeys lists the paths, such as Methods[0].Hide, of the keys that
// appear more than once in their object of data, a valid JSON document.
func duplicateKeys(data []byte) []string {
	type level struct {
		path    string
		keys    map[string]bool // nil for a list
		n       int             // a list's next index
		key     string          // an object's key whose value comes next
		wantKey bool            // an object's next token is a key
	}
	join := func(path, key string) string {
		if path == "" {
			return keyInPath(key)
		}
		return path + "." + keyInPath(key)
	}
	var out []string
	var stack []*level
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.wantKey {
			if key, ok := tok.(string); ok {
				if top.keys[key] {
					out = append(out, join(top.path, key))
				}
				top.keys[key], top.key, top.wantKey = true, key, false
				continue
			}
		}
		if tok == json.Delim('}') || tok == json.Delim(']') {
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].keys != nil {
				stack[len(stack)-1].wantKey = true
			}
			continue
		}
		// A value: its path, and the level it opens, if any.
		path := ""
		switch {
		case top == nil:
		case top.keys == nil:
			path = fmt.Sprintf("%s[%d]", top.path, top.n)
			top.n++
		default:
			path = join(top.path, top.key)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{path: path, keys: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &level{path: path})
		default:
			if top != nil && top.keys != nil {
				top.wantKey = true
			}
		}
	}
}

func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("%t", v)
	case json.Number:
		return "the number " + v.String()
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// jsonKindOnly names the kind of a JSON value without showing it.
func jsonKindOnly(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "true or false"
	case json.Number:
		return "a number"
	}
	return jsonKind(v) // a list or an object, named without its content
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if !strings.ContainsFunc(string(b), unicode.IsControl) {
		return string(b)
	}
	// encoding/json leaves DEL and U+0080-U+009F raw; escape them too, so
	// that a message stays one line of printable text.
	var out strings.Builder
	for _, r := range string(b) {
		if unicode.IsControl(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return out.String()
}

// jsonSyntaxMessage says where a document stops being JSON, by line and column.
func jsonSyntaxMessage(data []byte, err error) string {
	var se *json.SyntaxError
	offset := int64(-1)
	switch e := err.(type) {
	case *json.SyntaxError:
		se, offset = e, e.Offset
	case *json.UnmarshalTypeError:
		offset = e.Offset
	}
	cutShort := errors.Is(err, io.ErrUnexpectedEOF) || se != nil && se.Error() == "unexpected end of JSON input"
	if cutShort {
		offset = int64(len(data)) + 1 // the decoder gives none: point past the end
	}
	if offset < 0 {
		if len(bytes.TrimSpace(data)) == 0 {
			return "the file is empty; want a JSON object"
		}
		return "not JSON: " + err.Error()
	}
	line, col := 1, 1
	for _, b := range data[:max(0, min(int(offset)-1, len(data)))] {
		switch {
		case b == '\n':
			line, col = line+1, 1
		case b&0xC0 != 0x80: // the rest of a UTF-8 character is no new column
			col++
		}
	}
	msg := err.Error()
	if se != nil {
		msg = se.Error()
	}
	// encoding/json quotes the offending byte as if it were a character, so
	// that a pasted “ shows as 'â': quote the whole character instead.
	if i := int(offset) - 1; se != nil && i >= 0 && i < len(data) && data[i] >= utf8.RuneSelf {
		q := strconv.Quote(string(rune(data[i])))
		msg = strings.Replace(msg, "'"+q[1:len(q)-1]+"'", quoteCharAt(string(data[i:min(i+utf8.UTFMax, len(data))]), 0), 1)
	}
	if cutShort {
		msg = `the text ends before its JSON is complete: a closing ", ] or } is missing`
	}
	// A comma before a closing bracket (JavaScript allows it, JSON does
	// not) is named, where encoding/json only says what it met next.
	if i := int(offset) - 1; se != nil && i >= 0 && i < len(data) && (data[i] == '}' || data[i] == ']') {
		if before := bytes.TrimRight(data[:i], " \t\r\n"); len(before) > 0 && before[len(before)-1] == ',' {
			msg = fmt.Sprintf("a comma before the closing %q: JSON allows none after the last item; remove it", data[i])
		}
	}
	return fmt.Sprintf("not JSON: line %d, column %d: %s", line, col, msg)
}
