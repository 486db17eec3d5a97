package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
)

// Export and Import take quick paths for the common case (writeDocument,
// importQuick, in document.go). The tests and fuzz targets here pin them to
// the general code they stand in for (encodeDocument, importChecked): the
// same bytes out, and the same connector in, for every input.
// BenchmarkImportPaths shows what the quick path saves.

// trickyConnector is fullConnector with text that needs every kind of JSON
// escaping, and some that is not UTF-8.
func trickyConnector() *Connector {
	c := fullConnector()
	c.Name = "Tricky \"quoted\" \\ back\\slash"
	c.Description = "tab\there\nnewline\r\b\f\x00\x01\x1f\x7f <html> & \u2028\u2029 日本語 \xff\xfe bad"
	c.Script = "function before_action() {\n\treturn '\\u0041' + \"</script>\";\n}\n"
	c.Methods[0].Description = "\xed\xa0\x80 surrogate half, \xc3 cut short, 😀 astral"
	c.Methods[0].RequestFormat.Fields[0].DefaultValue = `{"nested": "json \"in\" text"}`
	c.Parameters[0].Values = []string{"", " ", "\\", "\"", "\u00e9"}
	return c
}

// scaledConnector repeats fullConnector's methods n times under new names.
func scaledConnector(n int) *Connector {
	base := fullConnector()
	c := base.Clone()
	c.Methods = nil
	for i := range n {
		for _, m := range base.Clone().Methods {
			m.Name = fmt.Sprintf("%s %d", m.Name, i)
			if m.CreateWebhookMethod != "" {
				m.CreateWebhookMethod = fmt.Sprintf("%s %d", m.CreateWebhookMethod, i)
			}
			if m.DeleteWebhookMethod != "" {
				m.DeleteWebhookMethod = fmt.Sprintf("%s %d", m.DeleteWebhookMethod, i)
			}
			c.Methods = append(c.Methods, m)
		}
	}
	return c
}

func exampleConnector(tb testing.TB) *Connector {
	tb.Helper()
	data, err := os.ReadFile("../assets/webhook-example.json")
	if err != nil {
		tb.Fatal(err)
	}
	c, err := importChecked(data)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// checkWriteDocument fails t unless writeDocument writes c byte for byte
// as encoding/json does.
func checkWriteDocument(t *testing.T, c *Connector) {
	t.Helper()
	want, err := encodeDocument(c)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := writeDocument(c)
	if !ok {
		t.Fatal("writeDocument refused the model's types")
	}
	if !bytes.Equal(got, want) {
		t.Errorf("writeDocument differs from encoding/json:\n got %s\nwant %s", got, want)
	}
}

func TestWriteDocumentMatchesEncodingJSON(t *testing.T) {
	for name, c := range map[string]*Connector{
		"full":    fullConnector(),
		"bare":    {Name: "Bare"},
		"empty":   {},
		"tricky":  trickyConnector(),
		"example": exampleConnector(t),
		"scaled":  scaledConnector(5),
		"empty lists": {Name: "E", Parameters: []Parameter{}, Methods: []Method{{Name: "m",
			Parameters: []Parameter{{Values: []string{}}}}}},
	} {
		t.Run(name, func(t *testing.T) { checkWriteDocument(t, c) })
	}
}

// FuzzWriteDocumentMatchesEncodingJSON puts any text in every kind of place
// the document has.
func FuzzWriteDocumentMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\/\b\f\n\r\t", "\x00\x1f\x7f", "<>&", "\u2028\u2029", "\xff", "\xe2\x80", "😀"} {
		f.Add(s, s+"x", true)
	}
	f.Fuzz(func(t *testing.T, a, b string, flag bool) {
		c := fullConnector()
		c.Name, c.Script = a, b
		c.Parameters[0].Values = []string{a, b}
		m := &c.Methods[0]
		m.Name, m.Endpoint, m.Hide = b, a, flag
		m.WebhookSignature.Prefix = a
		m.ResponseFormat.Fields[0].ConnectorField, m.ResponseFormat.Fields[0].IsHidden = a, flag
		checkWriteDocument(t, c)
	})
}

// checkQuickAgrees fails t if importQuick reads data and the checked
// decoder does not, or reads it otherwise. It reports whether importQuick
// read it.
func checkQuickAgrees(t *testing.T, data []byte) bool {
	t.Helper()
	quick, ok := importQuick(data)
	if !ok {
		return false
	}
	checked, err := importChecked(data)
	if err != nil {
		t.Fatalf("importQuick read what the checked decoder refuses (%v):\n%s", err, data)
	}
	if !reflect.DeepEqual(quick, checked) {
		t.Fatalf("importQuick and the checked decoder differ:\nquick   %#v\nchecked %#v", quick, checked)
	}
	return true
}

func TestImportQuickAgrees(t *testing.T) {
	// Exports, in any layout, take the quick path.
	for name, c := range map[string]*Connector{
		"full": fullConnector(), "bare": {Name: "Bare"}, "tricky": trickyConnector(),
		"example": exampleConnector(t), "scaled": scaledConnector(3),
	} {
		t.Run(name, func(t *testing.T) {
			data, err := Export(c, ExportOptions{IncludeSecrets: true})
			if err != nil {
				t.Fatal(err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, data); err != nil {
				t.Fatal(err)
			}
			for _, doc := range [][]byte{data, compact.Bytes(), append([]byte("\r\n\t "), data...)} {
				if !checkQuickAgrees(t, doc) {
					t.Errorf("importQuick gave up on an export:\n%s", doc)
				}
			}
		})
	}
	// Anything else may take either path, but must read the same.
	const f = `"Format": "patchbay.connector/1"`
	for _, doc := range []string{
		`{"Name": "x", ` + f + `}`,
		`{` + f + `, "Name": "x", "Methods": [], "Parameters": []}`,
		`{` + f + `, "Name": "x", "Methods": [{"Name": "m", "MethodType": "Script", "RequestFormat": {"Fields": []}}]}`,
		`{` + f + `, "Name": "x", "Name": "y"}`,
		`{` + f + `, "Name": 1, "Name": "y"}`,
		`{` + f + `, ` + f + `, "Name": "x"}`,
		`{"Form\u0061t": "patchbay.connector/1", "Name": "x"}`,
		`{"Format": "patchbay.connector\/1", "Name": "x"}`,
		`{` + f + `, "Name": null}`,
		`{` + f + `, "Name": "x", "Methods": null}`,
		`{` + f + `, "Name": "x", "Methods": [{"Name": "m", "MethodType": "Script", "Hide": 1}]}`,
		`{` + f + `, "Name": "x", "Methods": [{"Name": "m", "MethodType": "Script", "Hide": tru}]}`,
		`{` + f + `, "Name": "x", "Methods": [{"Name": "m", "MethodType": "Script", "Hide": truex}]}`,
		`{` + f + `, "Name": "x"}}`,
		`{` + f + `, "Name": "x"} x`,
		`{` + f + `, "Name": "x",}`,
		`{` + f + `, "Name": "x", "ID": 3}`,
		`{` + f + `, "name": "x"}`,
		"\xef\xbb\xbf{" + f + `, "Name": "x"}`,
		`{` + f + `, "Name": "a\u00e9\ud800\ud83d\ude00 \"q\" \\"}`,
		`{` + f + `, "Name": "a\x"}`,
		"{" + f + ", \"Name\": \"bad \xff utf-8\"}",
		"{" + f + ", \"Name\": \"raw\ttab\"}",
		`{` + f + `, "Name": "x", "Methods": [{"Name": "w", "MethodType": "Webhook", "CreateWebhookMethod": "nope"}]}`,
		`{` + f + `, "Name": "x", "Parameters": [{"TargetType": "MergeField", "TargetName": "a", "Values": ["1", "2",]}]}`,
		`{` + f + `, "Name": "x", "Parameters": [{"TargetType": "MergeField", "TargetName": "a", "Values": []}]}`,
		`{` + f + `, "Name": "x", "Methods": [{"Name": "m", "MethodType": "Script", "WebhookSignature": {}}]}`,
	} {
		checkQuickAgrees(t, []byte(doc))
	}
}

// FuzzImportQuickAgrees feeds any bytes to both of Import's decoders.
func FuzzImportQuickAgrees(f *testing.F) {
	for _, c := range []*Connector{fullConnector(), {Name: "Bare"}, trickyConnector()} {
		data, err := Export(c, ExportOptions{IncludeSecrets: true})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"Format": "patchbay.connector/1", "Name": "x", "Methods": [{"Name": "m", "MethodType": "Script", "Hide": true}]}`))
	f.Fuzz(func(t *testing.T, data []byte) { checkQuickAgrees(t, data) })
}

// BenchmarkImportPaths reads the same export of 600 methods with the quick
// path and with the checked decoder alone.
func BenchmarkImportPaths(b *testing.B) {
	data, err := Export(scaledConnector(150), ExportOptions{IncludeSecrets: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []struct {
		name string
		read func([]byte) (*Connector, error)
	}{{"quick", Import}, {"checked", importChecked}} {
		b.Run(path.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := path.read(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
