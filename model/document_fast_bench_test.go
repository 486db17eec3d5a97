package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
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
	c.RateLimit = 1e-7            // written 1e-7, not 1e-07
	c.Methods[1].RateLimit = 1e21 // the first written with an exponent
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

// rateLimits are float64s on both sides of each of encoding/json's cutoffs
// between plain and exponent notation (1e-6 and 1e21), with exponents of
// one, two and three digits, and the extremes.
var rateLimits = []float64{
	0, math.Copysign(0, -1), 1, 2, 0.5, 1.0 / 3, 0.1, 123456789.125, -1, -0.25,
	1e-6, math.Nextafter(1e-6, 0), 1e-7, -1e-7, 1.5e-9, 1e-10, 1e-100, 5e-324,
	1e20, math.Nextafter(1e21, 0), 1e21, -1e21, 1.5e300, math.MaxFloat64,
}

func TestWriteDocumentRateLimits(t *testing.T) {
	for _, r := range rateLimits {
		t.Run(strconv.FormatFloat(r, 'g', -1, 64), func(t *testing.T) {
			c := fullConnector()
			c.RateLimit, c.Methods[1].RateLimit, c.Methods[2].RateLimit = r, r, -r/7
			checkWriteDocument(t, c)
		})
	}
}

// TestExportRefusesNonFiniteRateLimits: encoding/json writes no NaN or
// infinity, so writeDocument leaves them to it, and Export says what is
// wrong in words.
func TestExportRefusesNonFiniteRateLimits(t *testing.T) {
	for _, r := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for _, onMethod := range []bool{false, true} {
			c := fullConnector()
			if onMethod {
				c.Methods[2].RateLimit = r
			} else {
				c.RateLimit = r
			}
			if data, ok := writeDocument(c); ok {
				t.Errorf("writeDocument wrote RateLimit %v (on a method: %t):\n%s", r, onMethod, data)
			}
			want := fmt.Sprintf(`export "Everything": %s is not a number JSON can hold; lint shows where it is`, strconv.FormatFloat(r, 'g', -1, 64))
			if _, err := Export(c, ExportOptions{}); err == nil || err.Error() != want {
				t.Errorf("Export of RateLimit %v (on a method: %t): error %v, want %s", r, onMethod, err, want)
			}
		}
	}
}

// FuzzWriteDocumentMatchesEncodingJSON puts any text in every kind of place
// the document has.
func FuzzWriteDocumentMatchesEncodingJSON(f *testing.F) {
	for i, s := range []string{"", "plain", "\"\\/\b\f\n\r\t", "\x00\x1f\x7f", "<>&", "\u2028\u2029", "\xff", "\xe2\x80", "😀"} {
		f.Add(s, s+"x", true, rateLimits[i*len(rateLimits)/9])
	}
	for _, r := range []float64{1e-7, 1e21, math.MaxFloat64, math.NaN(), math.Inf(-1)} {
		f.Add("r", "", false, r)
	}
	f.Fuzz(func(t *testing.T, a, b string, flag bool, rate float64) {
		c := fullConnector()
		c.Name, c.Script, c.RateLimit = a, b, rate
		c.Parameters[0].Values = []string{a, b}
		m := &c.Methods[0]
		m.Name, m.Endpoint, m.Hide, m.RateLimit = b, a, flag, -rate/7
		m.WebhookSignature.Prefix = a
		m.ResponseFormat.Fields[0].ConnectorField, m.ResponseFormat.Fields[0].IsHidden = a, flag
		if math.IsNaN(rate) || math.IsInf(rate, 0) {
			if _, ok := writeDocument(c); ok {
				t.Fatalf("writeDocument wrote RateLimit %v, which encoding/json refuses", rate)
			}
			return
		}
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
		`{` + f + `, "Name": "x", "RateLimit": 1e400}`,
		`{` + f + `, "Name": "x", "RateLimit": -1e400}`,
		`{` + f + `, "Name": "x", "RateLimit": "2"}`,
		`{` + f + `, "Name": "x", "RateLimit": null}`,
		`{` + f + `, "Name": "x", "RateLimit": true}`,
		`{` + f + `, "Name": "x", "RateLimit": {}}`,
		`{` + f + `, "Name": "x", "RateLimit": [1]}`,
		`{` + f + `, "Name": "x", "RateLimit": 01}`,
		`{` + f + `, "Name": "x", "RateLimit": 1.}`,
		`{` + f + `, "Name": "x", "RateLimit": .5}`,
		`{` + f + `, "Name": "x", "RateLimit": -}`,
		`{` + f + `, "Name": "x", "RateLimit": 1e}`,
		`{` + f + `, "Name": "x", "RateLimit": 1e+}`,
		`{` + f + `, "Name": "x", "RateLimit": +1}`,
		`{` + f + `, "Name": "x", "RateLimit": 1.5.5}`,
		`{` + f + `, "Name": "x", "RateLimit": 0x10}`,
		`{` + f + `, "Name": "x", "RateLimit": Infinity}`,
		`{` + f + `, "Name": "x", "RateLimit": NaN}`,
		`{` + f + `, "Name": "x", "RateLimit": 2, "RateLimit": 3}`,
		`{` + f + `, "Name": "x", "RateLimit": 2`,
	} {
		checkQuickAgrees(t, []byte(doc))
	}
	// Numbers as JSON writes them, in any notation, take the quick path.
	for _, n := range []string{"2", "0", "-0", "0.5", "-1.25", "1e-7", "1E+21", "1e21", "2.5E-3", "10e0",
		"0.000001", "1e-400", "1.7976931348623157e308", "123456789.125"} {
		doc := `{` + f + `, "Name": "x", "RateLimit": ` + n + `, "Methods": [{"Name": "m", "MethodType": "Action", "HttpMethod": "GET", "Endpoint": "https://x.test", "RateLimit": ` + n + ` }]}`
		if !checkQuickAgrees(t, []byte(doc)) {
			t.Errorf("importQuick gave up on RateLimit %s", n)
		}
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
	for _, n := range []string{"2", "0.5", "-0", "1e-7", "5e-324", "1.5E+300", "1e400", "01", `"2"`, "null"} {
		f.Add([]byte(`{"Format": "patchbay.connector/1", "Name": "x", "RateLimit": ` + n +
			`, "Methods": [{"Name": "m", "MethodType": "Script", "RateLimit": ` + n + `}]}`))
	}
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
