package model

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"math"
	"net/url"
	"os"
	"reflect"
	"slices"
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
		Script:    "function before_action() { return true; }\n",
		RateLimit: 2,
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
				RateLimit:  0.5,
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

// An export leaves the secrets out; KeepSecretValues brings them back from
// the stored version when the export replaces it: Sensitive values of the
// connector and of methods, and a signing secret not marked Sensitive. A
// value the imported document does give wins, and nothing else is copied.
func TestKeepSecretValuesAfterExportAndImport(t *testing.T) {
	stored := fullConnector()
	stored.Parameters = append(stored.Parameters,
		Parameter{TargetType: TargetHttpHeader, TargetName: "X-Secret", IsSensitive: true, Values: []string{"s3cr3t-1"}},
		Parameter{TargetType: TargetMergeField, TargetName: "HookSecret", Values: []string{"whsec-2"}})
	stored.Methods[0].Parameters = append(stored.Methods[0].Parameters,
		Parameter{TargetType: TargetQueryString, TargetName: "token", IsSensitive: true, Values: []string{"s3cr3t-3"}})
	for i := range stored.Methods {
		if stored.Methods[i].MethodType == MethodWebhook {
			stored.Methods[i].WebhookSignature = SignatureCheck{Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", SecretParameter: "HookSecret"}
		}
	}
	data, err := Export(stored, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cr3t-1", "whsec-2", "s3cr3t-3"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("the export holds %q", secret)
		}
	}
	imported, err := Import(data)
	if err != nil {
		t.Fatal(err)
	}
	KeepSecretValues(imported, stored)
	if !reflect.DeepEqual(imported, stored) {
		t.Errorf("after KeepSecretValues the connector differs from the stored one:\n got %+v\nwant %+v", imported.Parameters, stored.Parameters)
	}
	imported.Parameters[len(imported.Parameters)-1].Values = []string{"whsec-new"}
	KeepSecretValues(imported, stored)
	if got := imported.Parameters[len(imported.Parameters)-1].Values; len(got) != 1 || got[0] != "whsec-new" {
		t.Errorf("a value the import gives was replaced: %v", got)
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
		{"a value not in a list, not quoted", edit(`"Values": [
        "http://127.0.0.1:8787"
      ]`, `"Values": "planted-secret-value"`), []string{"Parameters[0].Values: want a list, got a string"}},
		{"a value that is a number, not quoted", edit(`"http://127.0.0.1:8787"`, `98765432`), []string{"Parameters[0].Values[0]: want a string, got a number"}},
		{"a value that is true, not quoted", edit(`"http://127.0.0.1:8787"`, `true`), []string{"Parameters[0].Values[0]: want a string, got true or false"}},
		{"unknown key", edit(`"Hide": true`, `"Hidden": true`), []string{"Methods[0].Hidden: unknown key"}},
		{"a key twice", edit(`"Hide": true`, `"Hide": true, "Hide": false`), []string{"Methods[0].Hide: the key is given twice in its object; keep one"}},
		{"a list twice, the second empty", edit(`"Methods": [`, `"Methods": [], "Methods": [`), []string{"Methods: the key is given twice"}},
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
		{"rate limit a string", edit(`"ApiVersion": "1"`, `"ApiVersion": "1", "RateLimit": "2"`), []string{`RateLimit: want a number, got the string "2"`}},
		{"rate limit true", edit(`"ApiVersion": "1"`, `"ApiVersion": "1", "RateLimit": true`), []string{"RateLimit: want a number, got true"}},
		{"rate limit null", edit(`"Hide": true`, `"Hide": true, "RateLimit": null`), []string{"Methods[0].RateLimit: want a number, got null"}},
		{"rate limit an object", edit(`"Hide": true`, `"Hide": true, "RateLimit": {"PerSecond": 2}`), []string{"Methods[0].RateLimit: want a number, got an object"}},
		{"rate limit a list", edit(`"Hide": true`, `"Hide": true, "RateLimit": [2]`), []string{"Methods[0].RateLimit: want a number, got a list"}},
		{"rate limit out of range", edit(`"ApiVersion": "1"`, `"ApiVersion": "1", "RateLimit": -1e400`), []string{"RateLimit: the number -1e400 is out of range (beyond ±1.8e308)"}},
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

	// A negative Rate Limit is a number, only not a rate: the same.
	doc = strings.Replace(string(readExample(t)), `"Hide": true`, `"Hide": true, "RateLimit": -1`, 1)
	c, err = Import([]byte(doc))
	if err != nil {
		t.Fatalf("Import refused a document with a negative Rate Limit: %v", err)
	}
	if c.Methods[0].RateLimit != -1 {
		t.Errorf("Methods[0].RateLimit = %v, want -1", c.Methods[0].RateLimit)
	}
	if fs := Lint(c); len(fs) != 1 || fs[0].Rule != "rate-limit-invalid" {
		t.Errorf("lint of a negative Rate Limit: got %v, want one rate-limit-invalid", fs)
	}
}

// TestImportRateLimits reads rate limits written as JSON writes numbers,
// by both of Import's decoders.
func TestImportRateLimits(t *testing.T) {
	example := string(readExample(t))
	for _, tt := range []struct {
		text string
		want float64
	}{
		{"2", 2}, {"0.5", 0.5}, {"0", 0}, {"-0", 0}, {"1e-7", 1e-7}, {"1E+21", 1e21},
		{"0.000001", 1e-6}, {"12.50e-1", 1.25}, {"1e-400", 0}, {"1.7976931348623157e308", math.MaxFloat64},
	} {
		doc := strings.Replace(example, `"ApiVersion": "1"`, `"ApiVersion": "1", "RateLimit": `+tt.text, 1)
		doc = strings.Replace(doc, `"Hide": true`, `"Hide": true, "RateLimit": `+tt.text, 1)
		for name, read := range map[string]func([]byte) (*Connector, error){"Import": Import, "importChecked": importChecked} {
			c, err := read([]byte(doc))
			if err != nil {
				t.Errorf("%s of RateLimit %s: %v", name, tt.text, err)
				continue
			}
			if c.RateLimit != tt.want || c.Methods[0].RateLimit != tt.want {
				t.Errorf("%s of RateLimit %s: got %v and %v, want %v", name, tt.text, c.RateLimit, c.Methods[0].RateLimit, tt.want)
			}
		}
		if _, ok := importQuick([]byte(doc)); !ok {
			t.Errorf("importQuick gave up on RateLimit %s", tt.text)
		}
	}
}

func TestDuplicateKeys(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want []string
	}{
		{`{"a": 1, "b": 2}`, nil},
		{`{"a": 1, "a": 2}`, []string{"a"}},
		{`{"": "x", "": "y", "a.b": 1, "a.b": 2}`, []string{`""`, `"a.b"`}},
		{`{"a": {"b": [1, {"c": 1, "c": 2}]}, "d": [[{"e": 0}, {"e": 1, "e": 2}]]}`, []string{"a.b[1].c", "d[0][1].e"}},
		{`{"a": {"x": 1}, "b": {"x": 1}, "a": []}`, []string{"a"}},
		{`[{"k": 1}, {"k": 2, "k": 3}]`, []string{"[1].k"}},
	} {
		if got := duplicateKeys([]byte(tc.doc)); !slices.Equal(got, tc.want) {
			t.Errorf("duplicateKeys(%s) = %q, want %q", tc.doc, got, tc.want)
		}
	}
}

// An export without secrets is refused when the document would hold one
// anyway: an account secret pasted into a script (named with its line), or
// a Sensitive parameter's value written elsewhere than in its Values. With
// IncludeSecrets it goes; a short value, which would be found where it is
// no secret, is not looked for; a plain account value is no secret.
func TestExportRefusesSecretsLeftIn(t *testing.T) {
	c := &Connector{Name: "Leaky", Parameters: []Parameter{{TargetType: TargetMergeField, TargetName: "Token", IsSensitive: true, Values: []string{"tok-sensitive-42"}}},
		Methods: []Method{{Name: "Get", MethodType: MethodAction, HttpMethod: "GET", Endpoint: "https://api.example.com/x",
			Script: "function before_action() {\n  // debugging\n  method_request_headers['X-Key'] = 'sk_live_abc123';\n}"}}}
	account := map[string]string{SystemFieldAuthAPIKey: "sk_live_abc123", "BaseUrl": "https://api.example.com"}
	_, err := Export(c, ExportOptions{Account: account})
	if err == nil || !strings.Contains(err.Error(), "Method 'Get' › Script › line 3 (Methods[0].Script) holds the value of Cyclr_Auth_ApiKey, a secret") {
		t.Errorf("a key in a script: %v", err)
	}
	if data, err := Export(c, ExportOptions{Account: account, IncludeSecrets: true}); err != nil || !strings.Contains(string(data), "sk_live_abc123") {
		t.Errorf("with IncludeSecrets: %v", err)
	}

	c.Methods[0].Script = ""
	c.Methods[0].Endpoint = "https://api.example.com/x?token=tok-sensitive-42"
	if _, err := Export(c, ExportOptions{Account: account}); err == nil || !strings.Contains(err.Error(), "Method 'Get' › Settings › Endpoint (Methods[0].Endpoint) holds the value of Token") {
		t.Errorf("a Sensitive value in an Endpoint: %v", err)
	}

	// A key with characters JSON writers may escape is found as the
	// document writes it.
	account[SystemFieldAuthAPIKey] = `k<e>y&"q"`
	c.Methods[0].Endpoint = "https://api.example.com/x"
	c.Methods[0].Script = `var k = 'k<e>y&"q"';`
	if _, err := Export(c, ExportOptions{Account: account}); err == nil || !strings.Contains(err.Error(), "Method 'Get' › Script › line 1 (Methods[0].Script) holds the value of Cyclr_Auth_ApiKey") {
		t.Errorf("a key with < > & and quotes in a script: %v", err)
	}

	// A user name or a client id is no secret written in a description.
	account[SystemFieldAuthAPIKey] = "sk_live_abc123"
	account[SystemFieldAuthUsername], account[SystemFieldAuthClientID] = "support", "client-0001"
	c.Methods[0].Script = "// ask support for client-0001"
	if _, err := Export(c, ExportOptions{Account: account}); err != nil {
		t.Errorf("a user name and a client id in a comment: %v", err)
	}

	// Many secrets are looked for in one pass (textNeedles): the last of
	// them is found as the first is.
	for i := range 20 {
		c.Parameters = append(c.Parameters, Parameter{TargetType: TargetHttpHeader, TargetName: fmt.Sprintf("X-S%d", i), IsSensitive: true,
			Values: []string{fmt.Sprintf("sk_%02d_secret", i)}})
	}
	c.Methods[0].Script = "var s = 'sk_19_secret';"
	if _, err := Export(c, ExportOptions{Account: account}); err == nil || !strings.Contains(err.Error(), "holds the value of X-S19") {
		t.Errorf("the last of many secrets in a script: %v", err)
	}
	c.Parameters = c.Parameters[:1]

	account[SystemFieldAuthAPIKey] = "abc"                    // too short to look for
	c.Methods[0].Script = "var a = 'abc'; // api.example.com" // BaseUrl is no secret
	if _, err := Export(c, ExportOptions{Account: account}); err != nil {
		t.Errorf("nothing secret in it: %v", err)
	}
}

// A document saved with a byte order mark imports; a trailing comma is
// named as such, with its place.
func TestImportBOMAndTrailingComma(t *testing.T) {
	doc, err := Export(&Connector{Name: "BOM", Methods: []Method{{Name: "Get", MethodType: MethodAction, HttpMethod: "GET", Endpoint: "https://x.example/y"}}}, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := Import(append([]byte("\xef\xbb\xbf"), doc...)); err != nil || c.Name != "BOM" {
		t.Errorf("with a byte order mark: %v", err)
	}
	_, err = Import([]byte("{\n  \"Format\": \"patchbay.connector/1\",\n  \"Name\": \"x\",\n}\n"))
	if err == nil || !strings.Contains(err.Error(), `line 4, column 1: a comma before the closing '}': JSON allows none after the last item; remove it`) {
		t.Errorf("a trailing comma: %v", err)
	}
}

// Lint names each place of the connector that holds a secret, in the
// window's words, and passes over the secret parameters' own Values.
func TestSecretsWritten(t *testing.T) {
	const key, token, sig = "sk_live_abc123", "tok-sensitive-42", "whsec-signing-77"
	c := &Connector{Name: "Leaky",
		Authentication: []Authentication{{AuthName: "OAuth", AuthType: AuthOAuth2, TokenUrl: "https://id.example.com/token?k=" + key}},
		Parameters: []Parameter{
			{TargetType: TargetMergeField, TargetName: "Token", IsSensitive: true, Values: []string{token}},
			{TargetType: TargetMergeField, TargetName: "Region", Values: []string{"eu"}, Description: "not " + token},
		},
		Methods: []Method{
			{Name: "Get", MethodType: MethodAction, HttpMethod: "GET", Endpoint: "https://api.example.com/x?t=" + token,
				Script:        "// one\n// two\nvar k = '" + key + "';",
				RequestFormat: Format{Fields: []Field{{ConnectorField: "a"}, {ConnectorField: "auth", DefaultValue: "Bearer " + key}}},
				Parameters:    []Parameter{{TargetType: TargetHttpHeader, TargetName: "X-Sig", Values: []string{sig}}}},
			{Name: "Hook", MethodType: MethodWebhook, WebhookSignature: SignatureCheck{Header: "X-" + sig, SecretParameter: "X-Sig"}},
		},
	}
	got := map[string]string{}
	for _, f := range SecretsWritten(c, map[string]string{SystemFieldAuthAPIKey: key, "BaseUrl": "https://api.example.com"}) {
		if f.Severity != SeverityError || f.Rule != RuleSecretWritten {
			t.Errorf("%s: severity %v, rule %q", f.At.Where(), f.Severity, f.Rule)
		}
		got[f.At.Where()] = f.Message
	}
	want := map[string]string{
		"Connector › Authentication › row 1 (OAuth) › Token URL":                        SystemFieldAuthAPIKey,
		"Connector › Parameters › row 2 (Region) › Description":                         "Token",
		"Method 'Get' › Settings › Endpoint":                                            "Token",
		"Method 'Get' › Field Mappings › Request Format › row 2 (auth) › Default Value": SystemFieldAuthAPIKey,
		"Method 'Get' › Script › line 3":                                                SystemFieldAuthAPIKey,
		"Method 'Hook' › Settings › Signature Header":                                   "X-Sig",
	}
	for where, name := range want {
		if msg, ok := got[where]; !ok || !strings.Contains(msg, "holds the value of "+name+", a secret") {
			t.Errorf("%s: %q, want it to name %s", where, msg, name)
		}
	}
	for where := range got {
		if _, ok := want[where]; !ok {
			t.Errorf("%s: found, and holds no secret", where)
		}
	}
	if fs := SecretsWritten(c, nil); len(fs) != 3 {
		t.Errorf("without the account values: %d places, want the 3 of the parameters' values", len(fs))
	}
}

// A secret spelled only in the document's own text (a key, the format
// marker) is no secret written by the author: the export goes, and lint
// lists nothing.
func TestSecretOnlyInTheDocumentsOwnText(t *testing.T) {
	c := &Connector{Name: "Demo", Authentication: []Authentication{{AuthName: "Basic", AuthType: AuthBasic}},
		Methods: []Method{{Name: "Get", MethodType: MethodAction, HttpMethod: "GET", Endpoint: "https://api.example.com/x"}}}
	account := map[string]string{SystemFieldAuthPassword: "connector"}
	if fs := SecretsWritten(c, account); len(fs) != 0 {
		t.Fatalf("lint: %v", fs)
	}
	if _, err := Export(c, ExportOptions{Account: account}); err != nil {
		t.Errorf("refused, though lint finds nothing: %v", err)
	}
}

// A secret in a signature's Prefix is named where the window shows it.
func TestSecretInTheSignaturePrefix(t *testing.T) {
	const sig = "whsec-signing-77"
	c := &Connector{Name: "Hooks", Parameters: []Parameter{{TargetType: TargetMergeField, TargetName: "Sig", Values: []string{sig}}},
		Methods: []Method{{Name: "Hook", MethodType: MethodWebhook, WebhookSignature: SignatureCheck{Header: "X-Sig", Prefix: sig + "=", SecretParameter: "Sig"}}}}
	fs := SecretsWritten(c, nil)
	if len(fs) != 1 || fs[0].At.JSONPath() != "Methods[0].WebhookSignature.Prefix" || fs[0].At.Where() != "Method 'Hook' › Settings › Signature Prefix" {
		t.Errorf("%+v", fs)
	}
}

// A secret pasted in a spelling is found as it is: a Basic credential in
// base64 (as Postman's snippets write the Authorization header) and a key
// escaped in an Endpoint's query string. Export refuses them, and lint
// says the value is encoded.
func TestSecretsWrittenEncoded(t *testing.T) {
	const user, password, key = "ada@example.com", "hunter2-Secret", "Zx9+Qm/Lk3vT8wPq=="
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	c := &Connector{Name: "Encoded", Methods: []Method{{Name: "Get", MethodType: MethodAction, HttpMethod: "GET",
		Endpoint: "https://api.example.com/x?token=" + url.QueryEscape(key),
		Script:   "function before_action() {\n  method_request_headers['Authorization'] = 'Basic " + basic + "';\n}"}}}
	account := map[string]string{SystemFieldAuthUsername: user, SystemFieldAuthPassword: password, SystemFieldAuthAPIKey: key}
	got := map[string]string{}
	for _, f := range SecretsWritten(c, account) {
		got[f.At.Where()] = f.Message
	}
	for where, name := range map[string]string{
		"Method 'Get' › Settings › Endpoint": SystemFieldAuthAPIKey,
		"Method 'Get' › Script › line 2":     SystemFieldAuthPassword,
	} {
		if msg := got[where]; !strings.Contains(msg, "holds the value of "+name+", a secret, encoded (escaped, or in base64)") {
			t.Errorf("%s: %q, want it to name %s, encoded", where, msg, name)
		}
	}
	if len(got) != 2 {
		t.Errorf("%d places found, want 2: %q", len(got), got)
	}
	if _, err := Export(c, ExportOptions{Account: account}); err == nil || !strings.Contains(err.Error(), "(Methods[0].") {
		t.Errorf("export of encoded secrets: %v", err)
	}
	// Written as it is, a secret is named without "encoded".
	c.Methods[0].Endpoint, c.Methods[0].Script = "https://api.example.com/x?token="+key, ""
	if fs := SecretsWritten(c, account); len(fs) != 1 || strings.Contains(fs[0].Message, "encoded") {
		t.Errorf("a key as it is: %v", fs)
	}
}
