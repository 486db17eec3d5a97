package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"patchbay/internal/spell"
)

// minSecretInText is the shortest secret looked for in the connector's
// texts: a shorter value (a "1", an "eu") would be found where it is no
// secret.
const minSecretInText = 6

// A secret written into the connector itself (an API key pasted into a
// script, a Sensitive value typed into an Endpoint) goes wherever the
// connector goes: into every export, and to whoever it is shared with.
// SecretsWritten finds such places for lint; Export refuses a document that
// holds one.

// RuleSecretWritten is the rule of a lint finding about a secret written
// into the connector.
const RuleSecretWritten = "secret-written"

// SecretWrittenError is Export's refusal of a document that would hold a
// secret: the first place found, in the window's words and as a path in
// the document.
type SecretWrittenError struct {
	Finding Finding
	// Path is the place in the export document, e.g. "Methods[2].Script".
	Path string
}

func (e *SecretWrittenError) Error() string {
	return fmt.Sprintf("%s (%s) %s", e.Finding.At.Where(), e.Path, e.Finding.Message)
}

// SecretsWritten lists the places where the connector's texts hold one of
// its secrets: an account value that is a secret (see IsSecretValue; a
// user name or an OAuth2 client id is not looked for, since they are no
// secret in a description), or a value of a Sensitive or signing
// parameter. Those parameters' own Values are where such values belong,
// and are not looked at. Each place is named once, with the first secret
// found in it.
func SecretsWritten(c *Connector, account map[string]string) []Finding {
	var out []Finding
	secretsIn(c, secretValues(c, account), func(f Finding, _ string) bool {
		out = append(out, f)
		return true
	})
	return out
}

// secretsLeftIn says where the export document data, written from out (c
// with its secret parameters' Values stripped), holds a secret, as a
// *SecretWrittenError; nil when it holds none.
func secretsLeftIn(c, out *Connector, account map[string]string, data []byte) error {
	secrets := secretValues(c, account)
	quoted := make([]string, len(secrets))
	for i, s := range secrets {
		quoted[i] = s.quoted
	}
	if at, _ := newTextNeedles(quoted).index(string(data)); at < 0 {
		return nil // one pass over the document for all of them
	}
	var found error
	secretsIn(out, secrets, func(f Finding, path string) bool {
		found = &SecretWrittenError{Finding: f, Path: path}
		return false
	})
	// Found only in the document's own text (a key, the format marker):
	// written by Patchbay, not by the author, and no secret told there.
	return found
}

// secretValue is a secret to look for, in one of its spellings, and the
// name it is the value of.
type secretValue struct {
	name, value string
	// quoted is the value as the export document writes it in a string
	// (< > & as they are).
	quoted string
	// encoded says the value is a spelling of the secret (escaped for a
	// URL, HTML or JSON, or base64, as spell.Encoded lists them), not the
	// secret as it is.
	encoded bool
}

// secretValues lists the secrets to look for in c's texts (see
// SecretsWritten).
func secretValues(c *Connector, account map[string]string) []secretValue {
	var secrets []secretValue
	// Each secret is looked for as it is and in the spellings an author
	// may paste: a Basic credential in base64 (as Postman's snippets write
	// the Authorization header), a key escaped in an Endpoint's query.
	keep := func(name, secret string) {
		if len(secret) < minSecretInText {
			return
		}
		for _, v := range spell.Encoded(secret) {
			if len(v) < minSecretInText {
				continue
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.Encode(v)
			quoted := bytes.TrimSpace(buf.Bytes())
			secrets = append(secrets, secretValue{name, v, string(quoted[1 : len(quoted)-1]), v != secret})
		}
	}
	keys := make([]string, 0, len(account))
	for k := range account {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != SystemFieldAuthUsername && k != SystemFieldAuthClientID && c.IsSecretValue(k) {
			keep(k, account[k])
		}
	}
	signing := c.SignatureSecrets()
	params := func(ps []Parameter) {
		for _, p := range ps {
			if p.IsSensitive || signing[p.TargetName] {
				for _, v := range p.Values {
					keep(p.TargetName, v)
				}
			}
		}
	}
	params(c.Parameters)
	for i := range c.Methods {
		params(c.Methods[i].Parameters)
	}
	return secrets
}

// secretsIn calls found with each place in c's texts that holds one of
// the secrets, as a lint finding and as a path in the export document,
// until it returns false. The Values of secret parameters are skipped.
func secretsIn(c *Connector, secrets []secretValue, found func(f Finding, path string) bool) {
	if len(secrets) == 0 {
		return
	}
	signing := c.SignatureSecrets()
	values := make([]string, len(secrets))
	for i, s := range secrets {
		values[i] = s.value
	}
	set := newTextNeedles(values)
	goOn := true
	// The path is kept as steps, and written out only for a place found.
	type step struct {
		name  string
		index int // -1 for a field
	}
	var steps []step
	pathOf := func() string {
		var b strings.Builder
		for _, s := range steps {
			if s.index >= 0 {
				b.WriteString("[" + strconv.Itoa(s.index) + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		}
		return b.String()
	}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		if !goOn {
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			secretParam := false
			if p, ok := v.Addr().Interface().(*Parameter); ok {
				secretParam = p.IsSensitive || signing[p.TargetName]
			}
			for _, f := range documentFields(v.Type()) {
				if secretParam && f.name == "Values" {
					continue
				}
				steps = append(steps, step{f.name, -1})
				walk(v.Field(f.index))
				steps = steps[:len(steps)-1]
			}
		case reflect.Slice:
			for i := range v.Len() {
				steps = append(steps, step{"", i})
				walk(v.Index(i))
				steps = steps[:len(steps)-1]
			}
		case reflect.String:
			text := v.String()
			at, which := set.index(text)
			if at < 0 {
				return
			}
			path := pathOf()
			loc := locationOf(c, path)
			if loc.Tab == TabScript {
				loc.Line = strings.Count(text[:at], "\n") + 1
			}
			how := ""
			if secrets[which].encoded {
				how = ", encoded (escaped, or in base64)"
			}
			goOn = found(Finding{Severity: SeverityError, Rule: RuleSecretWritten, At: loc,
				Message: fmt.Sprintf("holds the value of %s, a secret%s: take it out (a script reads the account's and the parameters' values from its globals, such as method_auth_value, and a parameter's value is typed in its Values)", secrets[which].name, how)}, path)
		}
	}
	walk(reflect.ValueOf(c))
}

// documentField is a struct field the export document writes, by its key.
type documentField struct {
	index int
	name  string
}

// fieldsOf holds documentFields' answers by type.
var fieldsOf sync.Map // reflect.Type → []documentField

// documentFields lists the fields of a struct type the export document
// writes, with their keys.
func documentFields(t reflect.Type) []documentField {
	if fs, ok := fieldsOf.Load(t); ok {
		return fs.([]documentField)
	}
	var fs []documentField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs = append(fs, documentField{i, name})
	}
	fieldsOf.Store(t, fs)
	return fs
}

// locationOf names a place in the export document (a path such as
// "Methods[2].RequestFormat.Fields[0].DefaultValue") as lint does, in the
// window's words.
func locationOf(c *Connector, path string) Location {
	loc := Location{MethodIndex: -1, Row: -1}
	params, rest := c.Parameters, path
	var m *Method
	if i, after, ok := indexed(rest, "Methods"); ok && i < len(c.Methods) {
		m = &c.Methods[i]
		loc.MethodIndex, loc.Method, params, rest = i, m.Name, m.Parameters, after
	}
	switch head, _, _ := strings.Cut(rest, "."); {
	case rest == "Script":
		loc.Tab = TabScript
	case m != nil && (strings.HasPrefix(head, "RequestFormat") || strings.HasPrefix(head, "ResponseFormat")):
		fields, grid := m.RequestFormat.Fields, GridRequest
		if strings.HasPrefix(head, "ResponseFormat") {
			fields, grid = m.ResponseFormat.Fields, GridResponse
		}
		loc.Tab, loc.Grid = TabFieldMappings, grid
		_, rest, _ = strings.Cut(rest, ".")
		if i, after, ok := indexed(rest, "Fields"); ok && i < len(fields) {
			loc = loc.inRow(i, fields[i].ConnectorField)
			loc.Column = columnWord(after)
		}
	case strings.HasPrefix(head, "Parameters"):
		loc.Tab = TabParameters
		if i, after, ok := indexed(rest, "Parameters"); ok && i < len(params) {
			loc = loc.inRow(i, params[i].TargetName)
			if k, _, ok := indexed(after, "Values"); ok {
				loc.Column, loc.ValueIndex = "Values", k
			} else {
				loc.Column = columnWord(after)
			}
		}
	case m == nil && strings.HasPrefix(head, "Authentication"):
		loc.Tab = TabAuthentication
		if i, after, ok := indexed(rest, "Authentication"); ok && i < len(c.Authentication) {
			loc = loc.inRow(i, c.Authentication[i].AuthName)
			loc.Column = columnWord(after)
		}
	default:
		loc.Tab, loc.Column = TabSettings, columnWord(rest)
	}
	return loc
}

// indexed reads "key[i]" at the start of path and returns i and what
// follows the next dot.
func indexed(path, key string) (int, string, bool) {
	rest, ok := strings.CutPrefix(path, key+"[")
	if !ok {
		return 0, "", false
	}
	n, after, ok := strings.Cut(rest, "]")
	i, err := strconv.Atoi(n)
	if !ok || err != nil {
		return 0, "", false
	}
	return i, strings.TrimPrefix(after, "."), true
}

// columnWord is the window's word for a key of the export document: the
// column or field it is shown in ("DefaultValue" is "Default Value").
func columnWord(key string) string {
	for word, k := range columnKeys {
		if k == key {
			return word
		}
	}
	var b strings.Builder
	for i, r := range key {
		switch {
		case r == '.':
			b.WriteString(" ")
			continue
		case i > 0 && unicode.IsUpper(r) && key[i-1] != '.':
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// textNeedles finds any of many secrets, each at least minSecretInText
// bytes long, in a text in one pass: a table of the pairs of bytes that
// begin a needle lets most places go at a glance, and the needles are
// found by their first minSecretInText bytes. A few are looked for one by
// one.
type textNeedles struct {
	needles []string
	starts  *[1 << 16]bool
	byStart map[string][]int
}

func newTextNeedles(values []string) *textNeedles {
	t := &textNeedles{needles: values}
	if len(values) > 4 {
		t.starts = new([1 << 16]bool)
		t.byStart = map[string][]int{}
		for i, n := range t.needles {
			t.starts[uint16(n[0])<<8|uint16(n[1])] = true
			t.byStart[string(n[:minSecretInText])] = append(t.byStart[string(n[:minSecretInText])], i)
		}
	}
	return t
}

// index returns where in text the first needle found begins, and which
// needle it is; -1 when there is none.
func (t *textNeedles) index(text string) (int, int) {
	if t.starts == nil {
		at, which := -1, -1
		for i, n := range t.needles {
			if k := strings.Index(text, n); k >= 0 && (at < 0 || k < at) {
				at, which = k, i
			}
		}
		return at, which
	}
	for i := 0; i+minSecretInText <= len(text); i++ {
		if !t.starts[uint16(text[i])<<8|uint16(text[i+1])] {
			continue
		}
		for _, n := range t.byStart[text[i:i+minSecretInText]] {
			if strings.HasPrefix(text[i:], t.needles[n]) {
				return i, n
			}
		}
	}
	return -1, -1
}
