package model

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"patchbay/internal/jsonstr"
)

// Export and Import of a large connector (500 methods of 20 fields make a
// 3.6 MB document) spent most of their time in general-purpose JSON work:
// encoding/json marshalling and then re-indenting, and Import decoding into
// maps and interfaces before the checked decoding above. The code below
// does the common case directly, by the same json tags, and leaves every
// other case to the general code, so that results and messages stay the
// same:
//
//   - writeDocument writes Export's layout (that of encoding/json's
//     Encoder with SetIndent("", "  ") and SetEscapeHTML(false)) in one
//     pass; a type it does not know, or a value encoding/json refuses (a
//     NaN or infinite float), sends Export back to encodeDocument.
//   - importQuick reads a document that is plainly valid, as Export writes
//     them, straight into a Connector. At the first thing that is not (any
//     JSON problem, an unknown, duplicate or escaped key, a wrong type, a
//     structural lint finding) it gives up, and Import starts again with
//     the checked decoder, which finds and words every problem.
//
// Both are pinned to the general code by tests in document_fast_bench_test.go.

// wireField is a struct field as the export document names it.
type wireField struct {
	index     int    // in the struct
	name      string // the JSON key
	key       []byte // the key as written: "Name":
	omitEmpty bool
	omitZero  bool
	isZeroer  bool // the type has an IsZero method, which omitzero uses
}

// wireStruct is a struct type's wire fields, in order, and by key.
type wireStruct struct {
	fields []wireField
	byName map[string]int // key -> index in fields
	// ok is false when a field, at any depth, has a kind these fast
	// paths do not handle.
	ok bool
}

type isZeroer interface{ IsZero() bool }

var (
	wireStructs  sync.Map // reflect.Type -> *wireStruct
	isZeroerType = reflect.TypeFor[isZeroer]()
)

// wireStructOf returns t's wire fields, computing them once.
func wireStructOf(t reflect.Type) *wireStruct {
	return wireStructVisiting(t, map[reflect.Type]bool{})
}

// wireStructVisiting is wireStructOf for a type met inside the types in
// visiting; a type that contains itself is left to the general code.
func wireStructVisiting(t reflect.Type, visiting map[reflect.Type]bool) *wireStruct {
	if ws, ok := wireStructs.Load(t); ok {
		return ws.(*wireStruct)
	}
	if visiting[t] {
		return &wireStruct{}
	}
	visiting[t] = true
	defer delete(visiting, t)
	ws := &wireStruct{byName: map[string]int{}, ok: true}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" {
			continue
		}
		if f.Anonymous || !validWireName(name) {
			ws.ok = false // encoding/json would flatten it, or use the Go name
		}
		_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		wf := wireField{index: i, name: name, key: append(jsonstr.Append(nil, name), ':', ' ')}
		for opt := range strings.SplitSeq(opts, ",") {
			switch opt {
			case "omitempty":
				wf.omitEmpty = true
			case "omitzero":
				wf.omitZero = true
				wf.isZeroer = f.Type.Implements(isZeroerType)
				if !wf.isZeroer && reflect.PointerTo(f.Type).Implements(isZeroerType) {
					ws.ok = false // encoding/json calls IsZero on a copy's address
				}
			}
		}
		ws.byName[name] = len(ws.fields)
		ws.fields = append(ws.fields, wf)
		if !wireKindOK(f.Type, visiting) {
			ws.ok = false
		}
	}
	got, _ := wireStructs.LoadOrStore(t, ws)
	return got.(*wireStruct)
}

// validWireName reports whether encoding/json takes name from a tag as the
// key: letters, digits, spaces and most punctuation, but no quote,
// backslash or control character.
func validWireName(name string) bool {
	for _, c := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// wireKindOK reports whether values of t are strings, bools, float64s, and
// slices and structs of those, at any depth.
func wireKindOK(t reflect.Type, visiting map[reflect.Type]bool) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Float64:
		return true
	case reflect.Slice:
		return wireKindOK(t.Elem(), visiting)
	case reflect.Struct:
		return wireStructVisiting(t, visiting).ok
	}
	return false
}

var connectorType = reflect.TypeFor[Connector]()

// writeDocument writes c as Export's document, or reports false if c's
// types hold something it does not write, or c a value encoding/json
// refuses to write (its error is for encodeDocument to give).
func writeDocument(c *Connector) ([]byte, bool) {
	ws := wireStructOf(connectorType)
	if _, clash := ws.byName["Format"]; !ws.ok || clash {
		return nil, false
	}
	w := &docWriter{buf: make([]byte, 0, sizeHint(c))}
	w.buf = append(w.buf, '{')
	w.depth++
	w.newline()
	w.buf = append(w.buf, `"Format": `...)
	w.buf = jsonstr.Append(w.buf, DocumentFormat)
	w.members(ws, reflect.ValueOf(c).Elem(), true)
	w.depth--
	w.newline()
	w.buf = append(w.buf, '}', '\n')
	if w.refused {
		return nil, false
	}
	return w.buf, true
}

// sizeHint guesses the size of c's document from its rows, so that the
// buffer seldom grows: a few hundred bytes a row, plus the scripts.
func sizeHint(c *Connector) int {
	n := 4<<10 + len(c.Script) + 256*len(c.Parameters)
	for i := range c.Methods {
		m := &c.Methods[i]
		n += 1<<10 + len(m.Script) + 256*len(m.Parameters) +
			384*(len(m.RequestFormat.Fields)+len(m.ResponseFormat.Fields))
	}
	return n
}

// docWriter appends indented JSON to buf.
type docWriter struct {
	buf   []byte
	depth int
	// refused is set at a value encoding/json would not write.
	refused bool
}

// newlineIndent is a line break and the deepest indentation written at once.
var newlineIndent = "\n" + strings.Repeat("  ", 16)

func (w *docWriter) newline() {
	if n := 1 + 2*w.depth; n <= len(newlineIndent) {
		w.buf = append(w.buf, newlineIndent[:n]...)
		return
	}
	w.buf = append(w.buf, '\n')
	for range w.depth {
		w.buf = append(w.buf, ' ', ' ')
	}
}

func (w *docWriter) value(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		w.buf = jsonstr.Append(w.buf, v.String())
	case reflect.Bool:
		if v.Bool() {
			w.buf = append(w.buf, "true"...)
		} else {
			w.buf = append(w.buf, "false"...)
		}
	case reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			w.refused = true
			return
		}
		w.buf = appendFloat(w.buf, f)
	case reflect.Slice:
		if v.IsNil() {
			w.buf = append(w.buf, "null"...)
			return
		}
		if v.Len() == 0 {
			w.buf = append(w.buf, '[', ']')
			return
		}
		w.buf = append(w.buf, '[')
		w.depth++
		for i := range v.Len() {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.newline()
			w.value(v.Index(i))
		}
		w.depth--
		w.newline()
		w.buf = append(w.buf, ']')
	case reflect.Struct:
		w.buf = append(w.buf, '{')
		w.depth++
		if w.members(wireStructOf(v.Type()), v, false) {
			w.depth--
			w.newline()
		} else {
			w.depth--
		}
		w.buf = append(w.buf, '}')
	}
}

// members writes the fields of struct v that are not omitted, each on its
// own line; after is whether a member precedes them in the object. It
// reports whether it wrote any.
func (w *docWriter) members(ws *wireStruct, v reflect.Value, after bool) bool {
	wrote := false
	for i := range ws.fields {
		f := &ws.fields[i]
		fv := v.Field(f.index)
		if f.omitEmpty && isEmptyValue(fv) {
			continue
		}
		if f.omitZero && (f.isZeroer && fv.Interface().(isZeroer).IsZero() || !f.isZeroer && fv.IsZero()) {
			continue
		}
		if after || wrote {
			w.buf = append(w.buf, ',')
		}
		w.newline()
		w.buf = append(w.buf, f.key...)
		w.value(fv)
		wrote = true
	}
	return wrote
}

// appendFloat appends f as encoding/json writes a float64 (f is neither NaN
// nor infinite): the shortest decimal that reads back as f, in plain
// notation from 1e-6 up to 1e21 and in exponent notation outside, with an
// exponent of one digit written without its leading zero (1e-7, not 1e-07).
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b
}

// isEmptyValue is omitempty's test for the kinds the document has.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String, reflect.Slice:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Float64:
		return v.Float() == 0
	}
	return false
}

// importQuick reads data straight into a Connector if it is a plainly valid
// document, as Export writes them; false sends Import to the checked
// decoder. It accepts nothing the checked decoder rejects, and gives the
// same Connector: a list that is empty stays nil, strings with escapes or
// non-UTF-8 bytes are unquoted by encoding/json itself.
func importQuick(data []byte) (*Connector, bool) {
	ws := wireStructOf(connectorType)
	if _, clash := ws.byName["Format"]; !ws.ok || clash {
		return nil, false
	}
	q := &quickDecoder{data: data}
	c := &Connector{}
	q.space()
	if !q.object(ws, reflect.ValueOf(c).Elem(), true) {
		return nil, false
	}
	q.space()
	if q.pos != len(q.data) || !q.format {
		return nil, false
	}
	for _, f := range Lint(c) {
		if f.Structural() {
			return nil, false
		}
	}
	return c, true
}

// quickDecoder reads JSON from data at pos; every method reports false at
// the first thing it does not expect, and the caller gives up.
type quickDecoder struct {
	data   []byte
	pos    int
	format bool // the document's Format key was read, and right
}

// space skips JSON whitespace.
func (q *quickDecoder) space() {
	for q.pos < len(q.data) {
		switch q.data[q.pos] {
		case ' ', '\t', '\n', '\r':
			q.pos++
		default:
			return
		}
	}
}

// next consumes c if it comes next.
func (q *quickDecoder) next(c byte) bool {
	if q.pos < len(q.data) && q.data[q.pos] == c {
		q.pos++
		return true
	}
	return false
}

// object reads a JSON object into struct v; top is the document itself,
// which has the Format key besides v's fields.
func (q *quickDecoder) object(ws *wireStruct, v reflect.Value, top bool) bool {
	if !q.next('{') {
		return false
	}
	var seen uint64
	if len(ws.fields) > 64 {
		return false
	}
	q.space()
	if q.next('}') {
		return true
	}
	expect := 0 // Export writes the keys in field order: try the next one first
	for {
		key, ok := q.key()
		if !ok {
			return false
		}
		i, known := expect, false
		for i < len(ws.fields) && (ws.fields[i].omitEmpty || ws.fields[i].omitZero) && ws.fields[i].name != string(key) {
			i++ // skip what Export may have left out
		}
		if i < len(ws.fields) && ws.fields[i].name == string(key) {
			known = true
		} else {
			i, known = ws.byName[string(key)]
		}
		if known {
			expect = i + 1
			if seen&(1<<i) != 0 {
				return false // a duplicate: the checked decoder takes the last
			}
			seen |= 1 << i
			if !q.value(v.Field(ws.fields[i].index)) {
				return false
			}
		} else if top && !q.format && string(key) == "Format" {
			s, ok := q.string()
			if !ok || s != DocumentFormat {
				return false
			}
			q.format = true
		} else {
			return false
		}
		q.space()
		if q.next(',') {
			q.space()
			continue
		}
		return q.next('}')
	}
}

// key reads an object key without escapes, and the colon after it.
func (q *quickDecoder) key() ([]byte, bool) {
	if !q.next('"') {
		return nil, false
	}
	start := q.pos
	for q.pos < len(q.data) {
		c := q.data[q.pos]
		if c == '"' {
			key := q.data[start:q.pos]
			q.pos++
			q.space()
			if !q.next(':') {
				return nil, false
			}
			q.space()
			return key, true
		}
		if c < 0x20 || c == '\\' || c >= utf8.RuneSelf {
			return nil, false
		}
		q.pos++
	}
	return nil, false
}

func (q *quickDecoder) value(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		s, ok := q.string()
		if ok {
			v.SetString(s)
		}
		return ok
	case reflect.Bool:
		rest := q.data[q.pos:]
		switch {
		case bytes.HasPrefix(rest, []byte("true")):
			q.pos += 4
			v.SetBool(true)
		case bytes.HasPrefix(rest, []byte("false")):
			q.pos += 5
			v.SetBool(false)
		default:
			return false
		}
		return true
	case reflect.Float64:
		f, ok := q.number()
		if ok {
			v.SetFloat(f)
		}
		return ok
	case reflect.Slice:
		return q.array(v)
	case reflect.Struct:
		return q.object(wireStructOf(v.Type()), v, false)
	}
	return false
}

// number reads a JSON number into a float64, as the checked decoder does:
// strconv.ParseFloat of its text. Anything that is not a JSON number, and a
// number too large for a float64 (1e400), is false, and the checked
// decoder says what is wrong.
func (q *quickDecoder) number() (float64, bool) {
	start := q.pos
	q.next('-')
	switch {
	case q.next('0'):
	case q.pos < len(q.data) && q.data[q.pos] >= '1' && q.data[q.pos] <= '9':
		q.digits()
	default:
		return 0, false
	}
	if q.next('.') && !q.digits() {
		return 0, false
	}
	if q.next('e') || q.next('E') {
		if !q.next('+') {
			q.next('-')
		}
		if !q.digits() {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(q.data[start:q.pos]), 64)
	return f, err == nil
}

// digits reads decimal digits, and reports whether there was at least one.
func (q *quickDecoder) digits() bool {
	start := q.pos
	for q.pos < len(q.data) && q.data[q.pos] >= '0' && q.data[q.pos] <= '9' {
		q.pos++
	}
	return q.pos > start
}

// array reads a JSON array into slice v; an empty one leaves v nil, as the
// checked decoder does.
func (q *quickDecoder) array(v reflect.Value) bool {
	if !q.next('[') {
		return false
	}
	q.space()
	if q.next(']') {
		return true
	}
	out := reflect.New(v.Type()).Elem()
	for n := 0; ; n++ {
		out.Grow(1)
		out.SetLen(n + 1)
		if !q.value(out.Index(n)) {
			return false
		}
		q.space()
		if q.next(',') {
			q.space()
			continue
		}
		if !q.next(']') {
			return false
		}
		v.Set(out)
		return true
	}
}

// string reads a JSON string. One with escapes or bytes that are not UTF-8
// is unquoted by encoding/json, so that it reads exactly as the checked
// decoder reads it.
func (q *quickDecoder) string() (string, bool) {
	if !q.next('"') {
		return "", false
	}
	start := q.pos
	plain := true
	for q.pos < len(q.data) {
		c := q.data[q.pos]
		switch {
		case c == '"':
			raw := q.data[start:q.pos]
			q.pos++
			if plain || utf8.Valid(raw) && bytes.IndexByte(raw, '\\') < 0 {
				return string(raw), true
			}
			var s string
			if err := json.Unmarshal(q.data[start-1:q.pos], &s); err != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			plain = false
			q.pos += 2 // the escaped byte cannot end the string
		case c < 0x20:
			return "", false
		default:
			if c >= utf8.RuneSelf {
				plain = false
			}
			q.pos++
		}
	}
	return "", false
}
