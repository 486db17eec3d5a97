package model

import (
	"math"
	"strings"
	"testing"
)

// seedConnector builds the seed page's example: Create Webhook, Delete
// Webhook (with the hidden Cyclr_Webhook_Id parameter), Create Order and the
// New Order webhook, on a connector with a BaseUrl parameter and an API key
// sent in X-Api-Key. Lint finds nothing wrong with it.
func seedConnector() *Connector {
	return &Connector{
		Name:       "Webhook Example",
		ApiVersion: "1",
		Authentication: []Authentication{
			{AuthName: "API Key", AuthType: AuthApiKey, ApiKeyHeader: "X-Api-Key", IsDefault: true},
		},
		Parameters: []Parameter{
			{TargetType: TargetMergeField, TargetName: "BaseUrl", DisplayName: "Base URL",
				IsAccountConnectorProperty: true, Values: []string{"http://127.0.0.1:8787"}},
		},
		Methods: []Method{
			{
				Name: "Create Webhook", Category: "Webhooks", MethodType: MethodAction,
				HttpMethod: "POST", DataType: BodyJson, Endpoint: "{{BaseUrl}}/webhooks", Hide: true,
				RequestFormat: Format{Fields: []Field{
					{ConnectorField: "url", SystemField: "Url", DataType: FieldText, IsHidden: true,
						DefaultValue: "{{Cyclr_Webhook_Url}}"},
				}},
				ResponseFormat: Format{Fields: []Field{
					{ConnectorField: "id", SystemField: SystemFieldWebhookID, DataType: FieldInteger},
					{ConnectorField: "active", SystemField: "active", DataType: FieldBoolean},
				}},
			},
			{
				Name: "Delete Webhook", Category: "Webhooks", MethodType: MethodAction,
				HttpMethod: "DELETE", DataType: BodyJson, Hide: true,
				Endpoint: "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}",
				Parameters: []Parameter{
					{TargetType: TargetMergeField, TargetName: SystemFieldWebhookID, IsHidden: true},
				},
			},
			{
				Name: "Create Order", Category: "Orders", MethodType: MethodAction,
				HttpMethod: "POST", DataType: BodyJson, Endpoint: "{{BaseUrl}}/orders",
				RequestFormat: Format{Fields: []Field{
					{ConnectorField: "customer.email", SystemField: "CustomerEmail", DataType: FieldText},
					{ConnectorField: "total", SystemField: "Total", DataType: FieldDecimal},
				}},
				ResponseFormat: Format{Fields: []Field{
					{ConnectorField: "id", SystemField: "OrderId", DataType: FieldInteger},
				}},
			},
			{
				Name: "New Order", Category: "Orders", MethodType: MethodWebhook,
				CreateWebhookMethod: "Create Webhook", DeleteWebhookMethod: "Delete Webhook",
				RequestFormat: Format{Fields: []Field{
					{ConnectorField: "event", SystemField: "Event", DataType: FieldText},
					{ConnectorField: "data.id", SystemField: "OrderId", DataType: FieldInteger},
					{ConnectorField: "data.customer.email", SystemField: "CustomerEmail", DataType: FieldText},
					{ConnectorField: "data.[lines].sku", SystemField: "LineSku", DataType: FieldText},
				}},
			},
		},
	}
}

// Indexes of the seed's methods.
const (
	seedCreate = iota
	seedDelete
	seedOrder
	seedWebhook
)

// summary gives a finding as "severity rule @ where", the form tests compare.
func summary(f Finding) string {
	return string(f.Severity) + " " + f.Rule + " @ " + f.At.Where()
}

func TestLintCleanConnectors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Connector)
	}{
		{"seed example", func(c *Connector) {}},
		{"richer but correct", func(c *Connector) {
			c.Authentication = append(c.Authentication,
				Authentication{AuthName: "Key in URL", AuthType: AuthApiKey, ApiKeyQueryParameter: "api_key"},
				Authentication{AuthName: "Login", AuthType: AuthBasic})
			c.Script = "method_request_headers.Authorization = 'Bearer ' + method_auth_value;"
			d := &c.Methods[seedDelete]
			d.Script = "function before_action() {\n" +
				"  // method_request_parameters.NotAParameter is only a comment\n" +
				"  if (method_request_parameters.Cyclr_Webhook_Id === '') throw 'no id';\n" +
				"  console.log(method_request_parameters['Cyclr_Webhook_Id'], method_request_parameters[\"BaseUrl\"]);\n" +
				"  method_request_parameters.Note = 'set by the script';\n" +
				"  return method_request_parameters.Note != '';\n}"
			o := &c.Methods[seedOrder]
			o.Endpoint = "{{BaseUrl}}/orders?source={{Source}}&key={{Cyclr_Auth_ApiKey}}"
			o.Parameters = []Parameter{
				{TargetType: TargetQueryString, TargetName: "Source", Values: []string{"patchbay"}},
				{TargetType: TargetHttpHeader, TargetName: "X-Trace", Values: []string{"{{Source}}-{{BaseUrl}}"}},
			}
			o.RequestFormat.Fields = append(o.RequestFormat.Fields,
				Field{ConnectorField: "meta", DataType: FieldObject, DefaultValue: `{"a":{"b":"{{Source}}"}}`},
				Field{ConnectorField: "[tags].\\x.y\\", DataType: FieldList, DefaultValue: `[{"k":{}}]`},
				Field{ConnectorField: "note", DataType: FieldText, DefaultValue: "a {single} brace"})
			c.Methods = append(c.Methods, Method{Name: "Tidy Up", MethodType: MethodScript,
				Script: "method_request_parameters.X = 1;"})
			c.RateLimit = 0.5
			c.Methods[seedCreate].RateLimit = MinRateLimit
			o.RateLimit = MaxRateLimit
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := seedConnector()
			tt.mutate(c)
			if got := Lint(c); len(got) != 0 {
				t.Errorf("Lint found %d problems in a correct connector, want none:", len(got))
				for _, f := range got {
					t.Errorf("  %s", f)
				}
			}
		})
	}
}

func TestLintRules(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Connector)
		want   []string // summaries, in order
		msg    string   // part of the first finding's message, if given
	}{
		// Names that do not print, or end in a space.
		{"connector name with an escape", func(c *Connector) { c.Name = "Shop\x1b[2J" },
			[]string{"error name-unprintable @ Connector › Settings › Name"},
			"the name holds a character that does not print (U+001B, character 5)"},
		{"method name with a newline", func(c *Connector) { c.Methods[seedOrder].Name = "Create\nOrder" },
			[]string{"error name-unprintable @ Method 'Create\\nOrder' › Settings › Name"}, "(U+000A, character 7)"},
		{"method name with a right-to-left override", func(c *Connector) { c.Methods[seedOrder].Name = "Create \u202eOrder" },
			[]string{"error name-unprintable @ Method 'Create \\u202eOrder' › Settings › Name"}, "U+202E"},
		{"method name ending in a space", func(c *Connector) { c.Methods[seedOrder].Name = "Create Order " },
			[]string{"warning name-spaces @ Method 'Create Order ' › Settings › Name"}, "begins or ends with a space"},
		// The webhook lifecycle.
		{"webhook without create", func(c *Connector) { c.Methods[seedWebhook].CreateWebhookMethod = "" },
			[]string{"error webhook-create-missing @ Method 'New Order' › Settings › Create Webhook Method"},
			"no Create Webhook Method is set"},
		{"webhook without delete", func(c *Connector) { c.Methods[seedWebhook].DeleteWebhookMethod = "" },
			[]string{"error webhook-delete-missing @ Method 'New Order' › Settings › Delete Webhook Method"},
			"no Delete Webhook Method is set"},
		{"the same method creates and deletes", func(c *Connector) {
			c.Methods[seedWebhook].DeleteWebhookMethod = c.Methods[seedWebhook].CreateWebhookMethod
		}, []string{"error webhook-create-is-delete @ Method 'New Order' › Settings › Delete Webhook Method"},
			`"Create Webhook" is both the Create and the Delete Webhook Method`},
		{"create names no method", func(c *Connector) { c.Methods[seedWebhook].CreateWebhookMethod = "Create Hook" },
			[]string{"error webhook-create-unknown @ Method 'New Order' › Settings › Create Webhook Method"},
			`Create Webhook Method "Create Hook" names no method of this connector`},
		{"delete names no method, other case", func(c *Connector) { c.Methods[seedWebhook].DeleteWebhookMethod = "delete webhook" },
			[]string{"error webhook-delete-unknown @ Method 'New Order' › Settings › Delete Webhook Method"},
			`(did you mean "Delete Webhook"?)`},
		{"create is a webhook", func(c *Connector) { c.Methods[seedWebhook].CreateWebhookMethod = "New Order" },
			[]string{"error webhook-create-is-webhook @ Method 'New Order' › Settings › Create Webhook Method"},
			`"New Order" is itself a Webhook method`},
		{"delete is a webhook", func(c *Connector) { c.Methods[seedWebhook].DeleteWebhookMethod = "New Order" },
			[]string{"error webhook-delete-is-webhook @ Method 'New Order' › Settings › Delete Webhook Method"},
			"is itself a Webhook method"},
		{"create does not capture the id", func(c *Connector) {
			c.Methods[seedCreate].ResponseFormat.Fields[0].SystemField = "WebhookId"
		}, []string{"error webhook-id-not-captured @ Method 'Create Webhook' › Field Mappings › Response Format"},
			"Create Webhook Method of 'New Order', but no Response Format field has the System Field Cyclr_Webhook_Id"},
		{"create does not send the url", func(c *Connector) {
			c.Methods[seedCreate].RequestFormat.Fields[0].DefaultValue = ""
		}, []string{"warning webhook-url-not-sent @ Method 'Create Webhook' › Field Mappings › Request Format"},
			"it sends {{Cyclr_Webhook_Url}} nowhere"},
		{"url sent in the endpoint", func(c *Connector) {
			c.Methods[seedCreate].RequestFormat.Fields = nil
			c.Methods[seedCreate].Endpoint = "{{BaseUrl}}/webhooks?target={{Cyclr_Webhook_Url}}"
		}, nil, ""},
		{"url sent as a parameter value", func(c *Connector) {
			c.Methods[seedCreate].RequestFormat.Fields = nil
			c.Methods[seedCreate].Parameters = []Parameter{
				{TargetType: TargetQueryString, TargetName: "target", Values: []string{"{{Cyclr_Webhook_Url}}"}}}
		}, nil, ""},
		{"url sent by the script", func(c *Connector) {
			c.Methods[seedCreate].RequestFormat.Fields = nil
			c.Methods[seedCreate].Script = "method_request.url = method_request_mergefields.Cyclr_Webhook_Url;"
		}, nil, ""},
		{"delete endpoint without the id", func(c *Connector) { c.Methods[seedDelete].Endpoint = "{{BaseUrl}}/webhooks/" },
			[]string{"error webhook-id-not-in-endpoint @ Method 'Delete Webhook' › Settings › Endpoint"},
			`does not use {{Cyclr_Webhook_Id}}, so it cannot say which webhook to delete: add it, e.g. "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}"`},
		{"the seed page's typo", func(c *Connector) {
			c.Methods[seedDelete].Endpoint = "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}}"
		}, []string{"error mergefield-syntax @ Method 'Delete Webhook' › Settings › Endpoint"},
			`"{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}}" has a mergefield brace mistake at character 42: one "}" too many after {{Cyclr_Webhook_Id}}`},

		// Scripts reading parameters.
		{"script reads a missing parameter", func(c *Connector) {
			c.Methods[seedDelete].Parameters = nil
			c.Methods[seedDelete].Script = "function before_action() {\n  var x = 1;\n  method_endpoint += '?id=' + method_request_parameters.Cyclr_Webhook_Id;\n  return true;\n}"
		}, []string{"error script-unknown-parameter @ Method 'Delete Webhook' › Script › line 3"},
			"the script reads method_request_parameters.Cyclr_Webhook_Id, but neither this method nor the connector has a parameter named Cyclr_Webhook_Id, so it is undefined: add Cyclr_Webhook_Id as a MergeField parameter on the Parameters tab"},
		{"script reads with brackets, once per name", func(c *Connector) {
			c.Methods[seedOrder].Script = "var a = method_request_parameters['Foo'];\nvar b = method_request_parameters[\"Bar\"] + method_request_parameters['Foo'];"
		}, []string{
			"error script-unknown-parameter @ Method 'Create Order' › Script › line 1",
			"error script-unknown-parameter @ Method 'Create Order' › Script › line 2",
		}, "method_request_parameters['Foo']"},
		{"script comparison is a read", func(c *Connector) {
			c.Methods[seedOrder].Script = "if (method_request_parameters.Mode == 'x') {}\nif (method_request_parameters.Kind === 'y') {}"
		}, []string{
			"error script-unknown-parameter @ Method 'Create Order' › Script › line 1",
			"error script-unknown-parameter @ Method 'Create Order' › Script › line 2",
		}, "named Mode"},
		{"script assignment is not a read", func(c *Connector) {
			c.Methods[seedOrder].Script = "method_request_parameters.Mode = 'x';\nmy_method_request_parameters.Other;"
		}, nil, ""},

		// Mergefields.
		{"endpoint mergefield nothing supplies", func(c *Connector) { c.Methods[seedOrder].Endpoint = "{{BaseUrl}}/orders/{{OrderId}}" },
			[]string{"error mergefield-unknown @ Method 'Create Order' › Settings › Endpoint"},
			`{{OrderId}} in "{{BaseUrl}}/orders/{{OrderId}}" is not supplied by anything: add OrderId as a MergeField parameter`},
		{"mergefield in another case", func(c *Connector) { c.Methods[seedOrder].Endpoint = "{{baseUrl}}/orders" },
			[]string{"error mergefield-unknown @ Method 'Create Order' › Settings › Endpoint"},
			"is not supplied by anything (did you mean {{BaseUrl}}?): mergefield names match in case too"},
		{"another method's parameter does not count", func(c *Connector) {
			c.Methods[seedOrder].Endpoint = "{{BaseUrl}}/orders/{{Cyclr_Webhook_Id}}/{{Cyclr_Webhook_Id}}"
			c.Methods[seedOrder].Parameters = []Parameter{{TargetType: TargetMergeField, TargetName: "Id"}}
			c.Methods[seedOrder].RequestFormat.Fields[0].DefaultValue = "{{Id}}{{Total}}"
		}, []string{"error mergefield-unknown @ Method 'Create Order' › Field Mappings › Request Format › row 1 (customer.email) › Default Value"},
			"{{Total}}"},
		{"connector parameter value", func(c *Connector) {
			c.Parameters[0].Values = []string{"https://{{Subdomain}}.example.com"}
		}, []string{"error mergefield-unknown @ Connector › Parameters › row 1 (BaseUrl) › Values"},
			"on the connector's Parameters tab"},
		{"connector parameter cannot use a method's", func(c *Connector) {
			c.Parameters[0].Values = []string{"x", "{{Cyclr_Webhook_Id}}{{Source}}"}
			c.Methods[seedOrder].Parameters = []Parameter{{TargetType: TargetMergeField, TargetName: "Source"}}
		}, []string{"error mergefield-unknown @ Connector › Parameters › row 1 (BaseUrl) › Values"},
			"{{Source}}"},
		{"a Sensitive value's mistake is not quoted", func(c *Connector) {
			c.Parameters = append(c.Parameters, Parameter{TargetType: TargetHttpHeader, TargetName: "X-Token", IsSensitive: true,
				Values: []string{"planted-SECRET-{{Acount}}"}})
		}, []string{"error mergefield-unknown @ Connector › Parameters › row 2 (X-Token) › Values"},
			"{{Acount}} in the value (a secret, not shown) is not supplied by anything"},
		{"a Sensitive value made of a plain parameter", func(c *Connector) {
			c.Parameters = append(c.Parameters,
				Parameter{TargetType: TargetMergeField, TargetName: "Token"},
				Parameter{TargetType: TargetHttpHeader, TargetName: "Authorization", IsSensitive: true, Values: []string{"Bearer {{Token}}"}})
		}, []string{"warning secret-part-not-sensitive @ Connector › Parameters › row 3 (Authorization) › Values"},
			"this secret value is made of {{Token}}, whose parameter is not marked Sensitive"},
		{"a Sensitive value made of Sensitive and auth values", func(c *Connector) {
			c.Parameters = append(c.Parameters,
				Parameter{TargetType: TargetMergeField, TargetName: "Token", IsSensitive: true},
				Parameter{TargetType: TargetHttpHeader, TargetName: "Authorization", IsSensitive: true, Values: []string{"Bearer {{Token}}:{{Cyclr_Auth_ApiKey}}"}})
		}, nil, ""},
		{"stray braces in a parameter value", func(c *Connector) {
			c.Methods[seedDelete].Parameters[0].Values = []string{"{{Cyclr_Webhook_Id}"}
		}, []string{"error mergefield-syntax @ Method 'Delete Webhook' › Parameters › row 1 (Cyclr_Webhook_Id) › Values"},
			`at character 1: "{{" is never closed with "}}"`},
		{"JSON braces in a Text default are strict", func(c *Connector) {
			c.Methods[seedOrder].RequestFormat.Fields[0].DefaultValue = `{"a":{"b":1}}`
		}, []string{"error mergefield-syntax @ Method 'Create Order' › Field Mappings › Request Format › row 1 (customer.email) › Default Value"},
			`"}}" closes no "{{"`},
		{"JSON braces in an Object default are lenient", func(c *Connector) {
			f := &c.Methods[seedOrder].RequestFormat.Fields[0]
			f.DataType, f.DefaultValue = FieldObject, `{"a":{"b":"{{Nope}}"}}`
		}, []string{"error mergefield-unknown @ Method 'Create Order' › Field Mappings › Request Format › row 1 (customer.email) › Default Value"},
			"{{Nope}}"},

		// Names, required settings and values outside their lists.
		{"connector without a name", func(c *Connector) { c.Name = " " },
			[]string{"error connector-name-empty @ Connector › Settings › Name"}, "the connector has no name"},
		{"duplicate method name", func(c *Connector) { c.Methods[seedOrder].Name = "Create Webhook" },
			[]string{"error method-name-duplicate @ Method 'Create Webhook' › Settings › Name"},
			`another method is already named "Create Webhook"`},
		{"a Request Format path set twice", func(c *Connector) {
			f := &c.Methods[seedOrder].RequestFormat
			f.Fields = append(f.Fields, f.Fields[0])
		}, []string{"error connector-field-duplicate @ Method 'Create Order' › Field Mappings › Request Format › row 3 (customer.email) › Connector Field"},
			"row 1 sets customer.email too, and a request body holds it once"},
		{"a PlainText request's rows may share a Connector Field: its lines", func(c *Connector) {
			m := &c.Methods[seedOrder]
			m.DataType = BodyPlainText
			m.RequestFormat.Fields = append(m.RequestFormat.Fields, m.RequestFormat.Fields[0])
		}, nil, ""},
		{"one name as a header and as a query parameter is sent as both", func(c *Connector) {
			c.Parameters = append(c.Parameters,
				Parameter{TargetType: TargetHttpHeader, TargetName: "api_key", Values: []string{"k-123"}},
				Parameter{TargetType: TargetQueryString, TargetName: "api_key", Values: []string{"k-123"}})
		}, nil, ""},
		{"one name as a header and as a query parameter with two values", func(c *Connector) {
			c.Parameters = append(c.Parameters,
				Parameter{TargetType: TargetHttpHeader, TargetName: "api_key", Values: []string{"header-value"}},
				Parameter{TargetType: TargetQueryString, TargetName: "api_key", Values: []string{"query-value"}})
		}, []string{"error parameter-duplicate @ Connector › Parameters › row 3 (api_key) › Target Name"},
			"row 2 is named api_key too, with another value: a run sends the first row's value in both places"},
		{"one name in two places, the first value the same", func(c *Connector) {
			c.Parameters = append(c.Parameters,
				Parameter{TargetType: TargetMergeField, TargetName: "region", Values: []string{"eu", "us"}},
				Parameter{TargetType: TargetQueryString, TargetName: "region", Values: []string{"eu"}},
				Parameter{TargetType: TargetHttpHeader, TargetName: "X-Key"},
				Parameter{TargetType: TargetQueryString, TargetName: "X-Key", Values: []string{""}})
		}, nil, ""},
		{"a Response Format path read twice is fine", func(c *Connector) {
			f := &c.Methods[seedOrder].ResponseFormat
			f.Fields = append(f.Fields, Field{ConnectorField: f.Fields[0].ConnectorField, DataType: FieldText})
		}, nil, ""},
		{"a connector parameter twice", func(c *Connector) {
			c.Parameters = append(c.Parameters, Parameter{TargetType: TargetMergeField, TargetName: c.Parameters[0].TargetName, Values: []string{"http://127.0.0.1:9"}})
		}, []string{"error parameter-duplicate @ Connector › Parameters › row 2 (BaseUrl) › Target Name"},
			"row 1 is a MergeField named BaseUrl too: a run takes the first row's value for both"},
		{"method without a name", func(c *Connector) { c.Methods[seedOrder].Name = "" },
			[]string{"error method-name-empty @ Method 3 (no name) › Settings › Name"}, "the method has no name"},
		{"action without endpoint", func(c *Connector) { c.Methods[seedOrder].Endpoint = "" },
			[]string{"error endpoint-missing @ Method 'Create Order' › Settings › Endpoint"}, "an Action needs an Endpoint"},
		{"script method needs no endpoint or http method", func(c *Connector) {
			c.Methods[seedOrder].MethodType = MethodScript
			c.Methods[seedOrder].Endpoint, c.Methods[seedOrder].HttpMethod = "", ""
		}, nil, ""},
		{"action without http method", func(c *Connector) { c.Methods[seedOrder].HttpMethod = "" },
			[]string{"error http-method-missing @ Method 'Create Order' › Settings › HTTP Method"},
			"an Action needs an HTTP Method: choose one of GET, POST, PUT, PATCH, DELETE"},
		{"http method not in the list", func(c *Connector) { c.Methods[seedOrder].HttpMethod = "post" },
			[]string{"error http-method-invalid @ Method 'Create Order' › Settings › HTTP Method"},
			`"post" is not an HTTP method (GET, POST, PUT, PATCH, DELETE)`},
		{"method type not in the list", func(c *Connector) { c.Methods[seedOrder].MethodType = "Trigger" },
			[]string{"error method-type-invalid @ Method 'Create Order' › Settings › Method Type"},
			`"Trigger" is not a method type (Action, Webhook, Script)`},
		{"method data type not in the list", func(c *Connector) { c.Methods[seedOrder].DataType = "JSON" },
			[]string{"error data-type-invalid @ Method 'Create Order' › Settings › Data Type"},
			`"JSON" is not a data type (Json, Form, Xml, PlainText)`},
		{"field data type not in the list", func(c *Connector) { c.Methods[seedOrder].ResponseFormat.Fields[0].DataType = "Integr" },
			[]string{"error field-data-type-invalid @ Method 'Create Order' › Field Mappings › Response Format › row 1 (id) › Data Type"},
			`"Integr" is not a data type (Text, Integer, Float, Decimal, Boolean, DateTime, Object, List)`},
		{"field without data type", func(c *Connector) { c.Methods[seedOrder].ResponseFormat.Fields[0].DataType = "" },
			[]string{"error field-data-type-invalid @ Method 'Create Order' › Field Mappings › Response Format › row 1 (id) › Data Type"},
			"the Data Type is empty; choose one (Text, Integer, Float, Decimal, Boolean, DateTime, Object, List)"},
		{"target type not in the list", func(c *Connector) { c.Methods[seedDelete].Parameters[0].TargetType = "Header" },
			[]string{"error target-type-invalid @ Method 'Delete Webhook' › Parameters › row 1 (Cyclr_Webhook_Id) › Target Type"},
			`"Header" is not a target type (MergeField, QueryString, HttpHeader)`},
		{"auth type not in the list", func(c *Connector) { c.Authentication[0].AuthType = "Bearer" },
			[]string{"error auth-type-invalid @ Connector › Authentication › row 1 (API Key) › Auth Type"},
			`"Bearer" is not an auth type (None, ApiKey, Basic, OAuth2)`},

		// Grids.
		{"connector field not in Cyclr notation", func(c *Connector) { c.Methods[seedWebhook].RequestFormat.Fields[1].ConnectorField = "data..id" },
			[]string{"error connector-field-invalid @ Method 'New Order' › Field Mappings › Request Format › row 2 (data..id) › Connector Field"},
			`"data..id" is not a Connector Field path: an empty step (at character 6); write it in Cyclr's notation`},
		{"response connector field not in Cyclr notation", func(c *Connector) { c.Methods[seedCreate].ResponseFormat.Fields[1].ConnectorField = "[items" },
			[]string{"error connector-field-invalid @ Method 'Create Webhook' › Field Mappings › Response Format › row 2 ([items) › Connector Field"},
			`"[" is never closed with "]"`},
		{"empty connector field", func(c *Connector) { c.Methods[seedOrder].RequestFormat.Fields[0].ConnectorField = "" },
			[]string{"error connector-field-empty @ Method 'Create Order' › Field Mappings › Request Format › row 1 › Connector Field"},
			"the Connector Field is empty"},
		{"parameter without target name", func(c *Connector) { c.Methods[seedDelete].Parameters[0].TargetName = "" },
			[]string{"error parameter-name-empty @ Method 'Delete Webhook' › Parameters › row 1 › Target Name"},
			"the Target Name is empty"},

		// Signature verification.
		{"signature without secret", func(c *Connector) {
			c.Methods[seedWebhook].WebhookSignature = SignatureCheck{Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"}
		},
			[]string{"error signature-secret-missing @ Method 'New Order' › Settings › Signature Secret"},
			"name a parameter that holds it"},
		{"signature with unknown secret parameter and bad algorithm", func(c *Connector) {
			c.Methods[seedWebhook].WebhookSignature = SignatureCheck{Header: "X-Sig", Algorithm: "md5", Encoding: "hex", SecretParameter: "HookSecret"}
		},
			[]string{"error signature-algorithm-invalid @ Method 'New Order' › Settings › Signature Algorithm",
				"error signature-secret-unknown @ Method 'New Order' › Settings › Signature Secret"},
			`"md5" is not an HMAC algorithm (sha1, sha256, sha512)`},
		{"signature secret from a response field the create method lacks", func(c *Connector) {
			c.Methods[seedWebhook].WebhookSignature = SignatureCheck{Header: "X-Sig", Algorithm: "sha1", Encoding: "base64", SecretResponseField: "Secret"}
		},
			[]string{"error signature-secret-unknown @ Method 'New Order' › Settings › Signature Secret"},
			`maps no Response Format field to "Secret"`},
		{"signature without header", func(c *Connector) {
			c.Parameters = append(c.Parameters, Parameter{TargetType: TargetMergeField, TargetName: "HookSecret", IsSensitive: true})
			c.Methods[seedWebhook].WebhookSignature = SignatureCheck{Algorithm: "sha256", Encoding: "base64", SecretParameter: "HookSecret"}
		},
			[]string{"error signature-header-missing @ Method 'New Order' › Settings › Signature Header"},
			"needs the header"},
		{"signature secret in a parameter not marked Sensitive", func(c *Connector) {
			c.Parameters = append(c.Parameters, Parameter{TargetType: TargetMergeField, TargetName: "HookSecret"})
			c.Methods[seedWebhook].WebhookSignature = SignatureCheck{Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", SecretParameter: "HookSecret"}
		},
			[]string{"warning signature-secret-not-sensitive @ Method 'New Order' › Settings › Signature Secret"},
			`the parameter "HookSecret" holds the signing secret: mark it Sensitive`},

		// Rate limits.
		{"connector rate limit below zero", func(c *Connector) { c.RateLimit = -1 },
			[]string{"error rate-limit-invalid @ Connector › Settings › Rate Limit"},
			"the Rate Limit is -1 requests a second, below zero: give a positive number such as 2, or 0.5 for one request every two seconds; or 0 for no limit"},
		{"connector rate limit not a number", func(c *Connector) { c.RateLimit = math.NaN() },
			[]string{"error rate-limit-invalid @ Connector › Settings › Rate Limit"},
			"the Rate Limit is not a number: give a number of requests a second"},
		{"connector rate limit infinite", func(c *Connector) { c.RateLimit = math.Inf(1) },
			[]string{"error rate-limit-invalid @ Connector › Settings › Rate Limit"},
			"the Rate Limit is +Inf, which is not a number of requests a second"},
		{"connector rate limit too high", func(c *Connector) { c.RateLimit = 60000 },
			[]string{"error rate-limit-too-high @ Connector › Settings › Rate Limit"},
			"the Rate Limit is 60000 requests a second, more than any API takes (at most 10000): it counts requests a second, not a minute or an hour"},
		{"method rate limit below zero", func(c *Connector) { c.Methods[seedOrder].RateLimit = -0.5 },
			[]string{"error rate-limit-invalid @ Method 'Create Order' › Rate Limits › Rate Limit"},
			"the Rate Limit is -0.5 requests a second, below zero: give a positive number such as 2, or 0.5 for one request every two seconds; or 0 to use the connector's"},
		{"method rate limit below one a day", func(c *Connector) { c.Methods[seedOrder].RateLimit = 1e-6 },
			[]string{"error rate-limit-too-low @ Method 'Create Order' › Rate Limits › Rate Limit"},
			"the Rate Limit is 1e-06 requests a second, less than one request a day: give at least 1.157e-05 (one a day)"},
		{"connector rate limit far below one a day", func(c *Connector) { c.RateLimit = 5e-324 },
			[]string{"error rate-limit-too-low @ Connector › Settings › Rate Limit"},
			"less than one request a day"},
		{"method rate limit just too high", func(c *Connector) { c.Methods[seedOrder].RateLimit = MaxRateLimit + 0.5 },
			[]string{"error rate-limit-too-high @ Method 'Create Order' › Rate Limits › Rate Limit"},
			"the Rate Limit is 10000.5 requests a second"},
		{"rate limit on a webhook method", func(c *Connector) { c.Methods[seedWebhook].RateLimit = 2 },
			[]string{"warning rate-limit-on-webhook @ Method 'New Order' › Rate Limits › Rate Limit"},
			"a Webhook method sends no request of its own, so its Rate Limit is never used"},
		{"wrong rate limit on a webhook method is an error alone", func(c *Connector) { c.Methods[seedWebhook].RateLimit = -2 },
			[]string{"error rate-limit-invalid @ Method 'New Order' › Rate Limits › Rate Limit"},
			"below zero"},
		{"negative zero is zero", func(c *Connector) {
			c.RateLimit, c.Methods[seedWebhook].RateLimit = math.Copysign(0, -1), math.Copysign(0, -1)
		}, nil, ""},

		// Authentication.
		{"authentication without a name", func(c *Connector) { c.Authentication[0].AuthName = " " },
			[]string{"warning auth-name-empty @ Connector › Authentication › row 1 › Auth Name"},
			"the authentication has no name: give it one"},
		{"api key sent nowhere", func(c *Connector) { c.Authentication[0].ApiKeyHeader = "" },
			[]string{"error auth-apikey-location-missing @ Connector › Authentication › row 1 (API Key) › Api Key Header"},
			"fill in the Api Key Header (e.g. X-Api-Key) or the Api Key Query Parameter"},
		{"token url on an api key", func(c *Connector) { c.Authentication[0].TokenUrl = "https://api.example.com/oauth/token" },
			[]string{"warning auth-token-url-unused @ Connector › Authentication › row 1 (API Key) › Token URL"},
			"only an OAuth2 authentication uses a Token URL"},
		{"token url not a url", func(c *Connector) {
			c.Authentication[0] = Authentication{AuthName: "OAuth", AuthType: AuthOAuth2, TokenUrl: "/oauth/token", IsDefault: true}
		}, []string{"error auth-token-url-invalid @ Connector › Authentication › row 1 (OAuth) › Token URL"},
			`the Token URL "/oauth/token" is not an absolute http or https URL`},
		{"token url with a mergefield", func(c *Connector) {
			c.Authentication[0] = Authentication{AuthName: "OAuth", AuthType: AuthOAuth2, TokenUrl: "{{BaseUrl}}/oauth/token", IsDefault: true}
		}, nil, ""},
		{"token url with an unknown mergefield", func(c *Connector) {
			c.Authentication[0] = Authentication{AuthName: "OAuth", AuthType: AuthOAuth2, TokenUrl: "{{BaseURL}}/oauth/token", IsDefault: true}
		}, []string{"error mergefield-unknown @ Connector › Authentication › row 1 (OAuth) › Token URL"}, `{{BaseURL}} in "{{BaseURL}}/oauth/token" is not supplied by anything (did you mean {{BaseUrl}}?)`},
		{"token url with a brace missing", func(c *Connector) {
			c.Authentication[0] = Authentication{AuthName: "OAuth", AuthType: AuthOAuth2, TokenUrl: "{{BaseUrl}/oauth/token", IsDefault: true}
		}, []string{"error mergefield-syntax @ Connector › Authentication › row 1 (OAuth) › Token URL"}, "has a mergefield brace mistake"},
		{"token url of another scheme", func(c *Connector) {
			c.Authentication[0] = Authentication{AuthName: "OAuth", AuthType: AuthOAuth2, TokenUrl: "ftp://{{BaseUrl}}/token", IsDefault: true}
		}, []string{"error auth-token-url-invalid @ Connector › Authentication › row 1 (OAuth) › Token URL"}, "is not an absolute http or https URL"},
		{"two defaults", func(c *Connector) {
			c.Authentication = append(c.Authentication,
				Authentication{AuthName: "None", AuthType: AuthNone},
				Authentication{AuthName: "Login", AuthType: AuthBasic, IsDefault: true},
				Authentication{AuthName: "Other", AuthType: AuthBasic, IsDefault: true})
		}, []string{"warning auth-default-multiple @ Connector › Authentication › row 3 (Login) › Default"},
			"more than one authentication is marked Default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := seedConnector()
			tt.mutate(c)
			got := Lint(c)
			var sums []string
			for _, f := range got {
				sums = append(sums, summary(f))
			}
			if strings.Join(sums, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got findings:\n  %s\nwant:\n  %s\nmessages:\n  %v",
					strings.Join(sums, "\n  "), strings.Join(tt.want, "\n  "), got)
			}
			if tt.msg != "" && !strings.Contains(got[0].Message, tt.msg) {
				t.Errorf("got message %q, want it to contain %q", got[0].Message, tt.msg)
			}
		})
	}
}

func TestLocationWhereAndJSONPath(t *testing.T) {
	tests := []struct {
		name     string
		at       Location
		where    string
		jsonPath string
	}{
		{"method setting",
			Location{Method: "Delete Webhook", MethodIndex: 1, Tab: TabSettings, Row: -1, Column: "Endpoint"},
			"Method 'Delete Webhook' › Settings › Endpoint", "Methods[1].Endpoint"},
		{"create webhook method",
			Location{Method: "New Order", MethodIndex: 2, Tab: TabSettings, Row: -1, Column: "Create Webhook Method"},
			"Method 'New Order' › Settings › Create Webhook Method", "Methods[2].CreateWebhookMethod"},
		{"response field",
			Location{Method: "Create Webhook", MethodIndex: 0, Tab: TabFieldMappings, Grid: GridResponse, Row: 0, Label: "id", Column: "System Field"},
			"Method 'Create Webhook' › Field Mappings › Response Format › row 1 (id) › System Field",
			"Methods[0].ResponseFormat.Fields[0].SystemField"},
		{"request grid",
			Location{Method: "Create Webhook", MethodIndex: 0, Tab: TabFieldMappings, Grid: GridRequest, Row: -1},
			"Method 'Create Webhook' › Field Mappings › Request Format", "Methods[0].RequestFormat.Fields"},
		{"connector parameter value",
			Location{MethodIndex: -1, Tab: TabParameters, Row: 0, Label: "BaseUrl", Column: "Values", ValueIndex: 1},
			"Connector › Parameters › row 1 (BaseUrl) › Values", "Parameters[0].Values[1]"},
		{"method parameter without a name",
			Location{Method: "Delete Webhook", MethodIndex: 1, Tab: TabParameters, Row: 2, Column: "Target Name"},
			"Method 'Delete Webhook' › Parameters › row 3 › Target Name", "Methods[1].Parameters[2].TargetName"},
		{"authentication",
			Location{MethodIndex: -1, Tab: TabAuthentication, Row: 1, Label: "Login", Column: "Default"},
			"Connector › Authentication › row 2 (Login) › Default", "Authentication[1].IsDefault"},
		{"connector name",
			Location{MethodIndex: -1, Tab: TabSettings, Row: -1, Column: "Name"},
			"Connector › Settings › Name", "Name"},
		{"script line",
			Location{Method: "X", MethodIndex: 3, Tab: TabScript, Row: -1, Line: 3},
			"Method 'X' › Script › line 3", "Methods[3].Script"},
		{"method without a name",
			Location{MethodIndex: 4, Tab: TabSettings, Row: -1, Column: "HTTP Method"},
			"Method 5 (no name) › Settings › HTTP Method", "Methods[4].HttpMethod"},
		{"connector rate limit",
			Location{MethodIndex: -1, Tab: TabSettings, Row: -1, Column: "Rate Limit"},
			"Connector › Settings › Rate Limit", "RateLimit"},
		{"method rate limit",
			Location{Method: "Create Order", MethodIndex: 2, Tab: TabRateLimits, Row: -1, Column: "Rate Limit"},
			"Method 'Create Order' › Rate Limits › Rate Limit", "Methods[2].RateLimit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.at.Where(); got != tt.where {
				t.Errorf("Where() = %q, want %q", got, tt.where)
			}
			if got := tt.at.JSONPath(); got != tt.jsonPath {
				t.Errorf("JSONPath() = %q, want %q", got, tt.jsonPath)
			}
		})
	}
}

// TestLintFindingLocations checks whole findings, so that the window and the
// command line can rely on their locations.
func TestLintFindingLocations(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(c *Connector)
		str      string
		jsonPath string
		line     int
	}{
		{"the seed page's typo", func(c *Connector) {
			c.Methods[seedDelete].Endpoint = "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}}"
		}, `error: Method 'Delete Webhook' › Settings › Endpoint: "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}}" has a mergefield brace mistake at character 42: one "}" too many after {{Cyclr_Webhook_Id}}`,
			"Methods[1].Endpoint", 0},
		{"id not captured", func(c *Connector) { c.Methods[seedCreate].ResponseFormat.Fields = nil },
			"error: Method 'Create Webhook' › Field Mappings › Response Format: this method is the Create Webhook Method of 'New Order', but no Response Format field has the System Field Cyclr_Webhook_Id, so the new webhook's id is never saved and the webhook cannot be deleted later: map the id in the response to Cyclr_Webhook_Id",
			"Methods[0].ResponseFormat.Fields", 0},
		{"connector parameter value", func(c *Connector) { c.Parameters[0].Values = []string{"a", "{{Host}}"} },
			"error: Connector › Parameters › row 1 (BaseUrl) › Values: {{Host}} in \"{{Host}}\" is not supplied by anything: add Host as a MergeField parameter on the connector's Parameters tab, or use a system field (Cyclr_Webhook_Id, Cyclr_Webhook_Url, Cyclr_Auth_ApiKey, Cyclr_Auth_Username, Cyclr_Auth_Password, Cyclr_Auth_ClientId, Cyclr_Auth_ClientSecret, Cyclr_Auth_RefreshToken)",
			"Parameters[0].Values[1]", 0},
		{"webhook reference", func(c *Connector) { c.Methods[seedWebhook].DeleteWebhookMethod = "Remove Webhook" },
			`error: Method 'New Order' › Settings › Delete Webhook Method: Delete Webhook Method "Remove Webhook" names no method of this connector: choose the Action that removes the webhook from the API`,
			"Methods[3].DeleteWebhookMethod", 0},
		{"script line", func(c *Connector) {
			c.Methods[seedWebhook].Script = "function after_webhook() {\n  return method_request_parameters.Secret != '';\n}"
		}, "error: Method 'New Order' › Script › line 2: the script reads method_request_parameters.Secret, but neither this method nor the connector has a parameter named Secret, so it is undefined: add Secret as a MergeField parameter on the Parameters tab",
			"Methods[3].Script", 2},
		{"connector rate limit", func(c *Connector) { c.RateLimit = -2 },
			"error: Connector › Settings › Rate Limit: the Rate Limit is -2 requests a second, below zero: give a positive number such as 2, or 0.5 for one request every two seconds; or 0 for no limit",
			"RateLimit", 0},
		{"method rate limit", func(c *Connector) { c.Methods[seedOrder].RateLimit = 1e6 },
			"error: Method 'Create Order' › Rate Limits › Rate Limit: the Rate Limit is 1e+06 requests a second, more than any API takes (at most 10000): it counts requests a second, not a minute or an hour (120 a minute is 2)",
			"Methods[2].RateLimit", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := seedConnector()
			tt.mutate(c)
			got := Lint(c)
			if len(got) != 1 {
				t.Fatalf("got %d findings %v, want 1", len(got), got)
			}
			f := got[0]
			if s := f.String(); s != tt.str {
				t.Errorf("got  %s\nwant %s", s, tt.str)
			}
			if p := f.At.JSONPath(); p != tt.jsonPath {
				t.Errorf("JSONPath() = %q, want %q", p, tt.jsonPath)
			}
			if f.At.Line != tt.line {
				t.Errorf("Line = %d, want %d", f.At.Line, tt.line)
			}
		})
	}
}

func TestLintOrder(t *testing.T) {
	c := seedConnector()
	c.Methods[seedWebhook].CreateWebhookMethod = ""                   // method 4, Settings
	c.Methods[seedDelete].Script = "x = method_request_parameters.Y;" // method 2, Script
	c.Methods[seedDelete].Endpoint = "{{BaseUrl}}/webhooks"           // method 2, Settings
	c.Methods[seedDelete].Parameters[0].TargetType = ""               // method 2, Parameters
	c.Methods[seedCreate].ResponseFormat.Fields[1].DataType = "Bool"  // method 1, Response Format
	c.Methods[seedCreate].RequestFormat.Fields[0].ConnectorField = "" // method 1, Request Format
	c.Authentication[0].AuthType = "Key"                              // connector, Authentication
	c.Parameters[0].TargetName = ""                                   // connector, Parameters
	c.RateLimit = -1                                                  // connector, Settings
	c.Methods[seedCreate].RateLimit = 1e5                             // method 1, Rate Limits
	want := []string{
		"rate-limit-invalid @ Connector › Settings › Rate Limit",
		"auth-type-invalid @ Connector › Authentication › row 1 (API Key) › Auth Type",
		"parameter-name-empty @ Connector › Parameters › row 1 › Target Name",
		"mergefield-unknown @ Method 'Create Webhook' › Settings › Endpoint",
		"rate-limit-too-high @ Method 'Create Webhook' › Rate Limits › Rate Limit",
		"connector-field-empty @ Method 'Create Webhook' › Field Mappings › Request Format › row 1 › Connector Field",
		"field-data-type-invalid @ Method 'Create Webhook' › Field Mappings › Response Format › row 2 (active) › Data Type",
		"mergefield-unknown @ Method 'Delete Webhook' › Settings › Endpoint",
		"webhook-id-not-in-endpoint @ Method 'Delete Webhook' › Settings › Endpoint",
		"target-type-invalid @ Method 'Delete Webhook' › Parameters › row 1 (Cyclr_Webhook_Id) › Target Type",
		"script-unknown-parameter @ Method 'Delete Webhook' › Script › line 1",
		"mergefield-unknown @ Method 'Create Order' › Settings › Endpoint",
		"webhook-create-missing @ Method 'New Order' › Settings › Create Webhook Method",
	}
	var got []string
	for _, f := range Lint(c) {
		got = append(got, f.Rule+" @ "+f.At.Where())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got findings in this order:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestHasErrors(t *testing.T) {
	warning := Finding{Severity: SeverityWarning, Rule: "webhook-url-not-sent"}
	err := Finding{Severity: SeverityError, Rule: "endpoint-missing"}
	tests := []struct {
		name string
		fs   []Finding
		want bool
	}{
		{"none", nil, false},
		{"warnings only", []Finding{warning, warning}, false},
		{"an error among warnings", []Finding{warning, err}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HasErrors(tt.fs); got != tt.want {
				t.Errorf("HasErrors = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFindingStructural(t *testing.T) {
	tests := []struct {
		rule string
		want bool
	}{
		{"field-data-type-invalid", true},
		{"connector-field-invalid", true},
		{"webhook-delete-unknown", true},
		{"method-name-duplicate", true},
		{"webhook-create-missing", false},
		{"mergefield-syntax", false},
		{"webhook-url-not-sent", false},
		{"rate-limit-invalid", false},
		{"rate-limit-too-high", false},
		{"rate-limit-too-low", false},
	}
	for _, tt := range tests {
		if got := (Finding{Rule: tt.rule}).Structural(); got != tt.want {
			t.Errorf("Finding{Rule: %q}.Structural() = %v, want %v", tt.rule, got, tt.want)
		}
	}
}

func TestLintNil(t *testing.T) {
	if got := Lint(nil); got != nil {
		t.Errorf("Lint(nil) = %v, want nil", got)
	}
}

// A Webhook method whose Create and Delete Webhook Methods are the same
// says so, besides what else that choice breaks.
func TestLintSameCreateAndDelete(t *testing.T) {
	c := seedConnector()
	c.Methods[seedWebhook].DeleteWebhookMethod = c.Methods[seedWebhook].CreateWebhookMethod
	for _, f := range Lint(c) {
		if f.Rule == "webhook-create-is-delete" {
			if want := `"Create Webhook" is both the Create and the Delete Webhook Method: a test would create a second webhook`; !strings.Contains(f.Message, want) {
				t.Errorf("message %q, want it to contain %q", f.Message, want)
			}
			return
		}
	}
	t.Error("no webhook-create-is-delete finding")
}
