package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"patchbay/internal/xmljson"
)

// GenerateFields reads a sample JSON payload (a response, or a delivery a
// webhook receives) and returns the Request or Response Format fields that
// describe it, in the order their keys first appear:
//
//   - nested objects give dotted paths (data.owner.id) and an empty object
//     one Object field;
//   - an array of objects gives paths through every element
//     ([items].sku), with the keys of all elements merged; a root array
//     gives [].id;
//   - an array of values, or an empty array, gives one List field;
//   - a key holding a dot is wrapped in backslashes, as FormatFieldPath
//     writes it; an empty key, or one holding a backslash, cannot be written
//     in Cyclr's notation and is left out;
//   - numbers are Integer or Decimal, true and false Boolean, RFC 3339
//     strings DateTime, other strings Text; a field that is null in every
//     element is Text.
//
// Each field's Display Name is its key; the System Field is left for the
// author. A sample that is not JSON gives an error saying where it stops
// being JSON, by line and column. An XML sample is read in its JSON form
// (see internal/xmljson): its values are Text, its attributes keys
// beginning with "@".
func GenerateFields(sample []byte) ([]Field, error) {
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, errors.New("the sample is empty: paste a JSON object or array, or an XML document")
	}
	if xmljson.Looks(sample) {
		// XML is read in the JSON form its Connector Field paths read.
		doc, err := xmljson.ToJSON(sample)
		if err != nil {
			return nil, fmt.Errorf("the sample is %w", err)
		}
		sample = doc
	}
	var probe any
	if err := json.Unmarshal(sample, &probe); err != nil {
		return nil, fmt.Errorf("the sample is %s", jsonSyntaxMessage(sample, err))
	}
	dec := json.NewDecoder(bytes.NewReader(sample))
	dec.UseNumber()
	root, err := readNode(dec)
	if err != nil {
		// Unmarshal accepted the sample, so this is not expected.
		return nil, fmt.Errorf("read the sample: %w", err)
	}
	g := &generator{index: map[string]int{}}
	switch root.kind {
	case kindObject:
		g.object(nil, root)
	case kindArray:
		objects := root.objects()
		if len(objects) == 0 {
			if len(root.vals) == 0 {
				return nil, errors.New("the sample is an empty array: paste one holding at least one object")
			}
			return nil, errors.New("the sample is an array of values, not of objects, so it has no fields to map")
		}
		for _, o := range objects {
			g.object([]PathStep{{Each: true}}, o)
		}
	default:
		return nil, fmt.Errorf("the sample is %s; want a JSON object or array", root.describe())
	}
	return g.finish(), nil
}

// The kinds of node in a sample.
const (
	kindObject = iota
	kindArray
	kindString
	kindNumber
	kindBool
	kindNull
)

// node is a JSON value that keeps its object keys in order, which
// encoding/json's maps do not.
type node struct {
	kind int
	keys []string // object keys, in order
	vals []*node  // object members (matching keys) or array elements
	text string   // a string's value or a number's digits
}

// objects returns the array's elements that are objects.
func (n *node) objects() []*node {
	var out []*node
	for _, v := range n.vals {
		if v.kind == kindObject {
			out = append(out, v)
		}
	}
	return out
}

// describe names a value that is not an object or array, for a message.
func (n *node) describe() string {
	switch n.kind {
	case kindString:
		return fmt.Sprintf("the string %q", n.text)
	case kindNumber:
		return "the number " + n.text
	case kindBool:
		return n.text
	}
	return "null"
}

// readNode reads one value from dec, which must use numbers.
func readNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &node{kind: kindObject}
		if t == '[' {
			n.kind = kindArray
		}
		for dec.More() {
			if n.kind == kindObject {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			v, err := readNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &node{kind: kindString, text: t}, nil
	case json.Number:
		return &node{kind: kindNumber, text: t.String()}, nil
	case bool:
		return &node{kind: kindBool, text: fmt.Sprint(t)}, nil
	case nil:
		return &node{kind: kindNull}, nil
	}
	return nil, io.ErrUnexpectedEOF
}

// generator collects fields by path, merging what the elements of an array
// say about the same path.
type generator struct {
	fields []Field
	index  map[string]int // ConnectorField -> position in fields
	// unknown marks fields seen only as null so far.
	unknown []bool
}

// object adds the fields of an object found at steps.
func (g *generator) object(steps []PathStep, n *node) {
	if len(n.keys) == 0 {
		if len(steps) > 0 && !steps[len(steps)-1].Each {
			g.add(steps, FieldObject, false)
		}
		return
	}
	for i, k := range n.keys {
		if k == "" || strings.Contains(k, `\`) {
			continue
		}
		g.value(append(slices.Clip(steps), PathStep{Key: k}), n.vals[i])
	}
}

// value adds the fields of any value found at steps.
func (g *generator) value(steps []PathStep, n *node) {
	switch n.kind {
	case kindObject:
		g.object(steps, n)
	case kindArray:
		objects := n.objects()
		if len(objects) == 0 {
			g.add(steps, FieldList, false)
			return
		}
		each := slices.Clone(steps)
		each[len(each)-1].Each = true
		for _, o := range objects {
			g.object(each, o)
		}
	case kindString:
		g.add(steps, stringType(n.text), false)
	case kindNumber:
		t := FieldInteger
		if strings.ContainsAny(n.text, ".eE") {
			t = FieldDecimal
		}
		g.add(steps, t, false)
	case kindBool:
		g.add(steps, FieldBoolean, false)
	case kindNull:
		g.add(steps, FieldText, true)
	}
}

// stringType says whether a string is a DateTime or plain Text.
func stringType(s string) FieldType {
	if _, err := time.Parse(time.RFC3339, s); err == nil {
		return FieldDateTime
	}
	return FieldText
}

// add records a field, or merges its type into one already seen: a type
// seen only as null gives way, Integer and Decimal make Decimal, and any
// other disagreement makes Text.
func (g *generator) add(steps []PathStep, t FieldType, unknown bool) {
	path := FormatFieldPath(steps)
	i, seen := g.index[path]
	if !seen {
		g.index[path] = len(g.fields)
		g.fields = append(g.fields, Field{
			ConnectorField: path,
			DisplayName:    steps[len(steps)-1].Key,
			DataType:       t,
		})
		g.unknown = append(g.unknown, unknown)
		return
	}
	f := &g.fields[i]
	switch {
	case unknown || f.DataType == t:
	case g.unknown[i]:
		f.DataType, g.unknown[i] = t, false
	case isNumber(f.DataType) && isNumber(t):
		f.DataType = FieldDecimal
	default:
		f.DataType = FieldText
	}
}

func isNumber(t FieldType) bool { return t == FieldInteger || t == FieldDecimal }

func (g *generator) finish() []Field { return g.fields }

// SampleShape cuts a large JSON sample down to what Generate Fields reads
// of it, small enough for a text box: each array's first three items and
// any later one that brings a key the kept ones lack (up to 20), and each
// string's first 200 characters, keys in their order. Text that is not
// JSON comes back as it is.
func SampleShape(sample []byte) []byte {
	var b bytes.Buffer
	if err := shape(&b, sample); err != nil {
		return sample
	}
	return b.Bytes()
}

func shape(b *bytes.Buffer, raw []byte) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return errors.New("no value")
	}
	switch raw[0] {
	case '{':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.Token() // {
		b.WriteByte('{')
		for n := 0; dec.More(); n++ {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return err
			}
			if n > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(key)
			b.Write(k)
			b.WriteByte(':')
			if err := shape(b, v); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case '[':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.Token() // [
		b.WriteByte('[')
		seen := map[string]bool{}
		kept := 0
		for dec.More() {
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return err
			}
			if !keepItem(v, kept, seen) {
				continue
			}
			if kept > 0 {
				b.WriteByte(',')
			}
			if err := shape(b, v); err != nil {
				return err
			}
			kept++
		}
		b.WriteByte(']')
		return nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		if r := []rune(s); len(r) > 200 {
			s = string(r[:200]) + "…"
		}
		out, _ := json.Marshal(s)
		b.Write(out)
		return nil
	}
	b.Write(raw)
	return nil
}

// keepItem says whether SampleShape keeps an array's item: one of the
// first three, or, while fewer than 20 are kept, one that brings what
// Generate Fields would read differently: a key at any depth the kept
// items lack, or a value of another kind at one of their keys (a decimal
// where they hold whole numbers, a date where they hold null). seen holds
// what the kept items bring.
func keepItem(item json.RawMessage, kept int, seen map[string]bool) bool {
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return kept < 3
	}
	brings := map[string]bool{}
	kinds("", v, brings, 0)
	fresh := false
	for k := range brings {
		if !seen[k] {
			fresh = true
		}
	}
	if kept >= 3 && (!fresh || kept >= 20) {
		return false
	}
	for k := range brings {
		seen[k] = true
	}
	return true
}

// kinds notes each path of v with the kind of value there, as Generate
// Fields tells them apart (an empty object or array is a field of its
// own), no deeper than maxKindsDepth: a sample nested thousands deep took
// seconds. Keys are joined with a byte no key holds, so that "a.b" is not
// a and b.
func kinds(path string, v any, out map[string]bool, depth int) {
	if depth > maxKindsDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			out[path+":emptyobject"] = true
		}
		out[path+":object"] = true
		for k, e := range x {
			kinds(path+"\x00"+k, e, out, depth+1)
		}
	case []any:
		if len(x) == 0 {
			out[path+":emptyarray"] = true
		}
		out[path+":array"] = true
		for _, e := range x {
			kinds(path+"[]", e, out, depth+1)
		}
	case json.Number:
		kind := ":integer"
		if strings.ContainsAny(string(x), ".eE") {
			kind = ":decimal"
		}
		out[path+kind] = true
	case string:
		kind := ":text"
		if _, err := time.Parse(time.RFC3339, x); err == nil {
			kind = ":datetime"
		}
		out[path+kind] = true
	case bool:
		out[path+":boolean"] = true
	default:
		out[path+":null"] = true
	}
}

// maxKindsDepth is how deep kinds looks into an item.
const maxKindsDepth = 32
