package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// FuzzImport feeds any bytes to Import. It must not panic; a document it
// refuses must get an *ImportError listing at least one problem, each with a
// message; a document it reads must be one JSON document, and its connector
// must survive Export and Import unchanged, the second Export byte for byte
// the same as the first.
func FuzzImport(f *testing.F) {
	example, err := os.ReadFile("../assets/webhook-example.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, c := range []*Connector{fullConnector(), {Name: "Bare"}} {
		data, err := Export(c, ExportOptions{IncludeSecrets: true})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		``, ` `, `null`, `[]`, `"x"`, `{}`, `{`, `{"Format": "patchbay.connector/1"}`,
		`{"Format": "patchbay.connector/1", "Name": "x"} {}`,
		`{"Format": "patchbay.connector/1", "Name": "x"}]`,
		`{"Format": "patchbay.connector/1", "Name": "x", "Parameters": []}`,
		`{"Format": "patchbay.connector/1", "Name": "x", "Methods": [{"Name": "m", "MethodType": "Script", "RequestFormat": {"Fields": []}}]}`,
		`{"Format": "patchbay.connector/1", "Name": "x", "": 1}`,
		`{"Format": 1, "Name": ["x"], "Methods": {}, "Colour": "red", "apiversion": "1"}`,
		`{"Format": "patchbay.connector/1", "Name": "x", "Methods": [{"Name": "w", "MethodType": "Webhook", "CreateWebhookMethod": "nope"}]}`,
		`{"Format": "patchbay.connector/1", "Name": "x", "Methods": [{"Name": "a", "MethodType": "Action", "HttpMethod": "GET", "Endpoint": "/", "ResponseFormat": {"Fields": [{"ConnectorField": "a..b", "DataType": "Text"}]}}]}`,
		"{\"Format\": \"patchbay.connector/1\", \"Name\": \"\xff\"}",
		`{"Format": "patchbay.connector/1", "Name": "\u2028<&>"}`,
		`{"Name": "a\"b\u00e9\n", "Format": "patchbay.connector/1", "Script": "x"}`,
		`{"Format": "patchbay.connector/1", "Methods": [{"MethodType": "Script", "Name": "m", "Hide": true, "Hide": false}], "Name": "x"}`,
		`{"Format": "patchbay.connector/1", "Name": "x", "Parameters": [{"TargetType": "MergeField", "TargetName": "K", "Values": ["{{K}}", ""], "IsSensitive": true}]}`,
		` {"Format":"patchbay.connector/1","Name":"x"}` + "\r\n\t",
		`{"Format": "patchbay.connector/1", "Name": "x", "RateLimit": 0.5, "Methods": [{"Name": "m", "MethodType": "Script", "RateLimit": 2}]}`,
		`{"Format": "patchbay.connector/1", "Name": "x", "RateLimit": 1e-7, "Methods": [{"Name": "m", "MethodType": "Script", "RateLimit": 1E+21}]}`,
		`{"Format": "patchbay.connector/1", "Name": "x", "RateLimit": -1, "Methods": [{"Name": "m", "MethodType": "Webhook", "RateLimit": 1e-400}]}`,
		`{"Format": "patchbay.connector/1", "Name": "x", "RateLimit": 1e400}`,
		`{"Format": "patchbay.connector/1", "Name": "x", "RateLimit": "2", "Methods": [{"Name": "m", "MethodType": "Script", "RateLimit": null}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Import(data)
		if err != nil {
			checkImportError(t, data, err)
			return
		}
		if !json.Valid(data) {
			t.Errorf("Import read %q, which is not one JSON document", data)
		}
		first, err := Export(c, ExportOptions{IncludeSecrets: true})
		if err != nil {
			t.Fatalf("export of an imported connector: %v", err)
		}
		back, err := Import(first)
		if err != nil {
			t.Fatalf("import of an export: %v\n%s", err, first)
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("round trip differs:\n got %#v\nwant %#v", back, c)
		}
		second, err := Export(back, ExportOptions{IncludeSecrets: true})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(second, first) {
			t.Errorf("second export differs from the first:\n%s\n---\n%s", second, first)
		}
	})
}

// checkImportError checks that err lists what is wrong with a document.
func checkImportError(t *testing.T, data []byte, err error) {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *ImportError", err, err)
	}
	if len(ie.Problems) == 0 {
		t.Fatalf("an *ImportError with no problems: %q", err)
	}
	for i, p := range ie.Problems {
		if strings.TrimSpace(p.Message) == "" {
			t.Errorf("problem %d (at %q) has no message", i, p.Path)
		}
		checkPrintable(t, p.String())
		if strings.HasPrefix(p.Message, "not JSON") {
			// The rest quote decoded values, whose \u escapes are rightly shown as characters.
			checkQuotesOnlyInput(t, string(data), p.Message)
		}
	}
}

// What fuzzing found in Import: a stray "]" or "}" after the document was
// taken as its end, and an empty list did not survive Export and Import (it
// came back as none); a read of the messages, that a syntax error's column
// counted bytes, that a stray “ was shown as 'â' (encoding/json quotes one
// byte), that a document cut short said only "unexpected EOF", that an
// unknown key "" or "a.b" made a path that named no key or two, and that a
// DEL in the Format was written out raw.
func TestImportFuzzFindings(t *testing.T) {
	const head = `{"Format": "patchbay.connector/1", "Name": "x"`
	for _, tail := range []string{"}]", "}}", "} ]", "}\n}"} {
		_, err := Import([]byte(head + tail))
		if err == nil || !strings.Contains(err.Error(), "more after the end of the JSON document") {
			t.Errorf("Import(%q) error %v, want one about what follows the document", head+tail, err)
		}
	}

	c, err := Import([]byte(head + `, "Parameters": [], "Methods": [{"Name": "m", "MethodType": "Script", "RequestFormat": {"Fields": []}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Parameters != nil || c.Methods[0].RequestFormat.Fields != nil {
		t.Errorf("empty lists read as %#v and %#v, want nil as Export leaves them out", c.Parameters, c.Methods[0].RequestFormat.Fields)
	}

	for _, tt := range []struct{ doc, want string }{
		{head + `, "": 1}`, `"": unknown key`},
		{"{\"Format\": \"\x7f\", \"Name\": \"x\"}", `Format: "\u007f" is not a format Patchbay reads`},
		{head + `, "Methods": [{"Name": "m", "MethodType": "Script", "a.b": 1, "x\ny": 2}]}`, `Methods[0]."a.b": unknown key`},
		{head + `, "Methods": [{"Name": "m", "MethodType": "Script", "x\ny": 2}]}`, `Methods[0]."x\ny": unknown key`},
		{`{"Name": "Größe" x}`, "line 1, column 18: invalid character 'x' after object key:value pair"},
		{`{“Name”: "x"}`, "line 1, column 2: invalid character '“' looking for beginning of object key string"},
		{"{\"Format\": \"patchbay.connector/1\",\n \"Name\": \"Größe", `line 2, column 16: the text ends before its JSON is complete: a closing ", ] or } is missing`},
	} {
		_, err := Import([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Import(%q) error\n got %v\nwant it to hold %q", tt.doc, err, tt.want)
		}
	}
}
