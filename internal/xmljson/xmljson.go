// Package xmljson converts between XML documents and the JSON form that
// Connector Field paths read, by the convention .NET's Json.NET uses (and
// so Cyclr's authors know): an element is a key; its attributes are keys
// beginning with "@", its text beside child elements is "#text"; an
// element that repeats is a list; one with text alone is a string, and an
// empty one null. So <order id="7"><line>A</line><line>B</line></order>
// and {"order": {"@id": "7", "line": ["A", "B"]}} are the same document.
// Namespaces are dropped: elements and attributes go by their local names,
// and xmlns attributes are left out.
package xmljson

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"patchbay/internal/jsonstr"
)

// bom is UTF-8's byte order mark, which some APIs put first.
var bom = []byte("\xef\xbb\xbf")

// MaxDepth is the deepest nesting of elements either way converts.
const MaxDepth = 1000

// node is an element as it is read: its attributes, and its children and
// text in order.
type node struct {
	name  string
	attrs []xml.Attr
	kids  []*node
	text  []string // the text between child elements, each piece trimmed
}

// ToJSON converts an XML document to its JSON form: an object with the
// root element as its one key.
func ToJSON(doc []byte) ([]byte, error) {
	doc = bytes.TrimPrefix(doc, bom)
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("not XML Patchbay reads: elements nested more than %d deep", MaxDepth)
			}
			if root != nil && len(stack) == 0 {
				return nil, errors.New("not well-formed XML: more than one root element")
			}
			n := &node{name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					n.attrs = append(n.attrs, a)
				}
			}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.kids = append(top.kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				if t := strings.TrimSpace(string(t)); t != "" {
					top := stack[len(stack)-1]
					top.text = append(top.text, t)
				}
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("not well-formed XML: text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("not well-formed XML: no root element")
	}
	out := []byte{'{'}
	out = jsonstr.Append(out, root.name)
	out = append(out, ':')
	out = root.appendJSON(out)
	return append(out, '}'), nil
}

// appendJSON writes the element's value. Text is trimmed of the white
// space around it (an indented document's line breaks), and pieces of
// text between child elements are joined by a space.
func (n *node) appendJSON(out []byte) []byte {
	text := strings.Join(n.text, " ")
	if len(n.attrs) == 0 && len(n.kids) == 0 {
		if text == "" {
			return append(out, "null"...)
		}
		return jsonstr.Append(out, text)
	}
	out = append(out, '{')
	first := true
	key := func(k string) {
		if !first {
			out = append(out, ',')
		}
		first = false
		out = jsonstr.Append(out, k)
		out = append(out, ':')
	}
	for _, a := range n.attrs {
		key("@" + a.Name.Local)
		out = jsonstr.Append(out, a.Value)
	}
	if text != "" {
		key("#text")
		out = jsonstr.Append(out, text)
	}
	// Children by name, in the order each name first comes; a name that
	// repeats is a list.
	var names []string
	byName := map[string][]*node{}
	for _, k := range n.kids {
		if _, seen := byName[k.name]; !seen {
			names = append(names, k.name)
		}
		byName[k.name] = append(byName[k.name], k)
	}
	for _, name := range names {
		key(name)
		kids := byName[name]
		if len(kids) == 1 {
			out = kids[0].appendJSON(out)
			continue
		}
		out = append(out, '[')
		for i, k := range kids {
			if i > 0 {
				out = append(out, ',')
			}
			out = k.appendJSON(out)
		}
		out = append(out, ']')
	}
	return append(out, '}')
}

// FromJSON writes the JSON form of a document as XML, with an XML
// declaration: the JSON must be an object with one key, the root element.
// Keys keep their order. A key that is no XML name is an error naming it.
func FromJSON(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	v, err := readOrdered(dec, 0)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(ordered)
	if !ok || len(obj) != 1 || strings.HasPrefix(obj[0].key, "@") || obj[0].key == "#text" {
		return nil, errors.New("an Xml body has one root element: start every Connector Field with its name, such as order.id and order.lines")
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := writeElement(&b, obj[0].key, obj[0].value); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ordered is a JSON object with its keys in order.
type ordered []struct {
	key   string
	value any
}

// readOrdered reads one JSON value: an ordered object, a list, or a
// scalar (json.Number, string, bool, nil).
func readOrdered(dec *json.Decoder, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("nested more than %d deep", MaxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var obj ordered
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := readOrdered(dec, depth+1)
				if err != nil {
					return nil, err
				}
				obj = append(obj, struct {
					key   string
					value any
				}{kt.(string), v})
			}
			_, err := dec.Token()
			return obj, err
		case '[':
			var list []any
			for dec.More() {
				v, err := readOrdered(dec, depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
	}
	return tok, nil
}

// writeElement writes value as the element name: a list as the element
// repeated, an object with its "@" keys as attributes and "#text" as its
// text, a scalar as text, null as an empty element.
func writeElement(b *bytes.Buffer, name string, value any) error {
	if !isName(name) {
		return fmt.Errorf("%q is not an XML element name", name)
	}
	if list, ok := value.([]any); ok {
		for _, v := range list {
			if err := writeElement(b, name, v); err != nil {
				return err
			}
		}
		return nil
	}
	b.WriteString("<" + name)
	obj, isObj := value.(ordered)
	for _, kv := range obj {
		if attr, ok := strings.CutPrefix(kv.key, "@"); ok {
			if !isName(attr) {
				return fmt.Errorf("%q is not an XML attribute name", attr)
			}
			b.WriteString(" " + attr + `="`)
			if err := escape(b, scalarText(kv.value), attr); err != nil {
				return err
			}
			b.WriteByte('"')
		}
	}
	switch {
	case value == nil:
		b.WriteString("/>")
		return nil
	case !isObj:
		b.WriteByte('>')
		if err := escape(b, scalarText(value), name); err != nil {
			return err
		}
	default:
		b.WriteByte('>')
		for _, kv := range obj {
			switch {
			case kv.key == "#text":
				if err := escape(b, scalarText(kv.value), name); err != nil {
					return err
				}
			case !strings.HasPrefix(kv.key, "@"):
				if err := writeElement(b, kv.key, kv.value); err != nil {
					return err
				}
			}
		}
	}
	b.WriteString("</" + name + ">")
	return nil
}

// escape writes text escaped for XML; a character XML 1.0 does not allow
// (a control character other than tab, line feed and carriage return) is
// an error naming the element or attribute, not a silent U+FFFD.
func escape(b *bytes.Buffer, text, in string) error {
	for i, r := range text {
		if !isXMLChar(r) {
			return fmt.Errorf("the value of %s holds a character XML does not allow (%U at byte %d)", in, r, i+1)
		}
	}
	return xml.EscapeText(b, []byte(text))
}

// isXMLChar reports whether XML 1.0 allows r in a document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// scalarText is a scalar's text; an object or list in an attribute or
// #text is written as its JSON.
func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case nil:
		return ""
	}
	out, _ := json.Marshal(plain(v))
	return string(out)
}

// plain turns ordered objects back into maps, for writing as JSON.
func plain(v any) any {
	switch v := v.(type) {
	case ordered:
		m := make(map[string]any, len(v))
		for _, kv := range v {
			m[kv.key] = plain(kv.value)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = plain(x)
		}
		return out
	}
	return v
}

// isName reports whether s is an XML name (letters, digits, '_', '-', '.',
// ':'; not beginning with a digit, '-' or '.').
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r == ':' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return utf8.ValidString(s)
}

// Looks reports whether a body looks like XML: after white space and a
// byte order mark, it begins with '<'.
func Looks(body []byte) bool {
	body = bytes.TrimPrefix(body, bom)
	body = bytes.TrimLeftFunc(body, unicode.IsSpace)
	return len(body) > 0 && body[0] == '<'
}
