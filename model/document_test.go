package model

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

func readExample(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../assets/webhook-example.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fullConnector sets every field of every type, so a round trip that drops
// one shows.
func fullConnector() *Connector {
	return &Connector{
		Name: "Everything", Description: "All fields set", ApiVersion: "2.1",
		Authentication: []Authentication{
			{AuthName: "Key", AuthType: AuthApiKey, ApiKeyHeader: "X-Key", IsDefault: true},
			{AuthName: "Query key", AuthType: AuthApiKey, ApiKeyQueryParameter: "api_key"},
			{AuthName: "Basic", AuthType: AuthBasic},
		},
		Parameters: []Parameter{
			{TargetType: TargetMergeField, TargetName: "Subdomain", DisplayName: "Subdomain", Description: "Your subdomain",
				IsAccountConnectorProperty: true, IsMultiline: true, Values: []string{"acme", "beta"}},
			{TargetType: TargetHttpHeader, TargetName: "X-Tenant", IsHidden: true, IsOptional: true, Values: []string{"t1"}},
		},
		Script: "function before_action() { return true; }\n",
		Methods: []Method{
			{
				Name: "Create Hook", Description: "d", Category: "Webhooks", MethodType: MethodAction,
				HttpMethod: "POST", DataType: BodyForm, Endpoint: "https://{{Subdomain}}.example.com/hooks",
				IgnoreAuthentication: true, Hide: true,
				RequestFormat: Format{Fields: []Field{
					{ConnectorField: "url", SystemField: "Url", DisplayName: "Url", Description: "where", DataType: FieldText,
						IsHidden: true, IsOptional: true, DefaultValue: "{{Cyclr_Webhook_Url}}"},
					{ConnectorField: "enabled_events[]", DataType: FieldList, DefaultValue: `["a","b"]`},
				}},
				ResponseFormat: Format{Fields: []Field{
					{ConnectorField: `data.[hooks].\id.x\`, SystemField: SystemFieldWebhookID, DataType: FieldText},
				}},
				Parameters: []Parameter{{TargetType: TargetQueryString, TargetName: "expand", Values: []string{"all"}}},
				Script:     "function after_action() {}\n",
			},
			{
				Name: "Delete Hook", MethodType: MethodAction, HttpMethod: "DELETE", DataType: BodyJson,
				Endpoint: "https://{{Subdomain}}.example.com/hooks/{{Cyclr_Webhook_Id}}",
			},
			{
				Name: "Hook", MethodType: MethodWebhook, CreateWebhookMethod: "Create Hook", DeleteWebhookMethod: "Delete Hook",
				RequestFormat: Format{Fields: []Field{{ConnectorField: "[].id", SystemField: "Id", DataType: FieldInteger}}},
			},
		},
	}
}

func TestExportImportIdentity(t *testing.T) {
	for _, c := range []*Connector{fullConnector(), {Name: "Bare"}} {
		t.Run(c.Name, func(t *testing.T) {
			data, err := Export(c, ExportOptions{IncludeSecrets: true})
			if err != nil {
				t.Fatal(err)
			}
			got, err := Import(data)
			if err != nil {
				t.Fatalf("import of an export: %v\n%s", err, data)
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", got, c)
			}
			again, err := Export(got, ExportOptions{IncludeSecrets: true})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Errorf("second export differs from the first:\n%s\n---\n%s", again, data)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite the bundled example in canonical form")

func TestExampleIsCanonical(t *testing.T) {
	data := readExample(t)
	c, err := Import(data)
	if err != nil {
		t.Fatalf("the bundled example does not import: %v", err)
	}
	out, err := Export(c, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("../assets/webhook-example.json", out, 0o644); err != nil {
			t.Fatal(err)
		}
		data = out
	}
	if !bytes.Equal(out, data) {
		t.Errorf("export of the bundled example differs from the file; the file must be in canonical form:\n%s", out)
	}
	if fs := Lint(c); len(fs) != 0 {
		t.Errorf("the bundled example has lint findings: %v", fs)
	}
}

func TestExportFormat(t *testing.T) {
	data, err := Export(fullConnector(), ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if !strings.HasPrefix(s, "{\n  \"Format\": \""+DocumentFormat+"\",\n  \"Name\": \"Everything\",") {
		t.Errorf("export does not start with Format then Name:\n%.120s", s)
	}
	if !strings.HasSuffix(s, "}\n") {
		t.Error("export has no trailing newline")
	}
	if strings.Contains(s, `\u003c`) || strings.Contains(s, `\u0026`) {
		t.Error("export escapes HTML characters")
	}
	if strings.Contains(s, `"ID"`) {
		t.Error("export holds the store's ID")
	}
}

func TestExportLeavesOutSensitiveValues(t *testing.T) {
	const secret = "s3cr3t-planted-value"
	c := fullConnector()
	c.Parameters = append(c.Parameters, Parameter{TargetType: TargetHttpHeader, TargetName: "X-Secret", IsSensitive: true, Values: []string{secret}})
	c.Methods[0].Parameters = append(c.Methods[0].Parameters, Parameter{TargetType: TargetQueryString, TargetName: "token", IsSensitive: true, Values: []string{secret + "-2"}})

	data, err := Export(c, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(secret)) {
		t.Errorf("export holds a Sensitive value:\n%s", data)
	}
	if !bytes.Contains(data, []byte(`"TargetName": "X-Secret"`)) {
		t.Error("export dropped the Sensitive parameter itself, not only its value")
	}
	if c.Parameters[2].Values[0] != secret {
		t.Error("Export changed the connector it was given")
	}
	with, err := Export(c, ExportOptions{IncludeSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(with, []byte(secret+"-2")) {
		t.Error("--include-secrets export lacks the Sensitive value")
	}
}

func TestImportProblems(t *testing.T) {
	example := string(readExample(t))
	edit := func(old, new string) string {
		if !strings.Contains(example, old) {
			t.Fatalf("the example has no %q", old)
		}
		return strings.Replace(example, old, new, 1)
	}
	cases := []struct {
		name string
		doc  string
		want []string // every one must appear in the error
	}{
		{"empty file", "", []string{"the file is empty"}},
		{"not JSON", "Name: x\n", []string{"not JSON: line 1, column 1"}},
		{"syntax error with line", "{\n  \"Name\": \"x\",\n  oops\n}", []string{"not JSON: line 3"}},
		{"trailing data", `{"Format": "patchbay.connector/1", "Name": "x"} {}`, []string{"more after the end"}},
		{"not an object", `[1, 2]`, []string{"want a JSON object, got a list"}},
		{"missing format", `{"Name": "x"}`, []string{`Format: missing; want "patchbay.connector/1"`}},
		{"wrong format", `{"Format": "cyclr/9", "Name": "x"}`, []string{`Format: "cyclr/9" is not a format Patchbay reads`}},
		{"wrong type string", edit(`"ApiVersion": "1"`, `"ApiVersion": 1`), []string{"ApiVersion: want a string, got the number 1"}},
		{"wrong type bool", edit(`"Hide": true`, `"Hide": "yes"`), []string{`Methods[0].Hide: want true or false, got the string "yes"`}},
		{"wrong type in list", edit(`"http://127.0.0.1:8787"`, `{"a": 1}`), []string{"Parameters[0].Values[0]: want a string, got an object"}},
		{"wrong type list", edit(`"Authentication": [`, `"Authentication": 3, "X": [`), []string{"Authentication: want a list, got the number 3"}},
		{"unknown key", edit(`"Hide": true`, `"Hidden": true`), []string{"Methods[0].Hidden: unknown key"}},
		{"unknown key case", edit(`"ApiVersion"`, `"APIVersion"`), []string{`APIVersion: unknown key (did you mean "ApiVersion"?)`}},
		{"bad data type", edit(`"DataType": "Integer"`, `"DataType": "Integr"`), []string{
			`Methods[0].ResponseFormat.Fields[0].DataType: "Integr" is not a data type (Text, Integer, Float, Decimal, Boolean, DateTime, Object, List)`}},
		{"bad method type", edit(`"MethodType": "Webhook"`, `"MethodType": "Hook"`), []string{`Methods[3].MethodType:`, `"Hook"`}},
		{"missing connector name", edit(`"Name": "Webhook Example"`, `"Name": ""`), []string{"Name:"}},
		{"missing method name", edit(`"Name": "Create Order"`, `"Name": ""`), []string{"Methods[2].Name:"}},
		{"duplicate method name", edit(`"Name": "Create Order"`, `"Name": "Create Webhook"`), []string{"Methods[2].Name:", "Create Webhook"}},
		{"dangling create", edit(`"CreateWebhookMethod": "Create Webhook"`, `"CreateWebhookMethod": "Make Webhook"`), []string{"Methods[3].CreateWebhookMethod:", "Make Webhook"}},
		{"dangling delete", edit(`"DeleteWebhookMethod": "Delete Webhook"`, `"DeleteWebhookMethod": "Remove Webhook"`), []string{"Methods[3].DeleteWebhookMethod:", "Remove Webhook"}},
		{"bad path", edit(`"ConnectorField": "data.[lines].sku"`, `"ConnectorField": "data.[lines.sku"`), []string{"Methods[3].RequestFormat.Fields[3].ConnectorField:", "data.[lines.sku"}},
		{"several problems at once", edit(`"ApiVersion": "1"`, `"ApiVersion": 1, "Colour": "red"`), []string{"ApiVersion: want a string", "Colour: unknown key", "2 problems"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Import([]byte(tc.doc))
			if err == nil {
				t.Fatalf("Import accepted the document: %+v", c)
			}
			if c != nil {
				t.Error("Import returned a connector with an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestImportAcceptsLintWarnings(t *testing.T) {
	// An unknown mergefield is a lint error, not a broken document: import
	// keeps the author's work and lint reports it.
	doc := strings.Replace(string(readExample(t)), "{{BaseUrl}}/orders", "{{BaseURL}}/orders", 1)
	c, err := Import([]byte(doc))
	if err != nil {
		t.Fatalf("Import refused a document with only lint findings: %v", err)
	}
	if !HasErrors(Lint(c)) {
		t.Error("lint found nothing wrong with {{BaseURL}}")
	}
}
