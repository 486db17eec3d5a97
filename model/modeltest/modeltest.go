// Package modeltest builds model values for the tests and benchmarks of other
// packages (model's own external tests, model/store), so that they measure
// the same connector without importing each other. Standard library only.
package modeltest

import (
	"fmt"
	"strings"

	"patchbay/model"
)

// The size of the connector the performance targets are set for.
const (
	BenchMethods = 500
	BenchFields  = 20
)

// resources are the API's nouns; every group of ten methods works on one.
var resources = []string{
	"Order", "Customer", "Product", "Invoice", "Shipment", "Refund", "Subscription",
	"Coupon", "Cart", "Payment", "Supplier", "Warehouse", "Ticket", "Contact", "Deal",
}

// leaves are field keys with the data type an API would give them.
var leaves = []struct {
	key string
	typ model.FieldType
}{
	{"id", model.FieldInteger}, {"name", model.FieldText}, {"email", model.FieldText},
	{"status", model.FieldText}, {"created_at", model.FieldDateTime}, {"updated_at", model.FieldDateTime},
	{"total", model.FieldDecimal}, {"currency", model.FieldText}, {"quantity", model.FieldInteger},
	{"sku", model.FieldText}, {"unit_price", model.FieldDecimal}, {"description", model.FieldText},
	{"tags", model.FieldList}, {"is_active", model.FieldBoolean}, {"notes", model.FieldText},
	{"reference", model.FieldText}, {"address", model.FieldObject}, {"phone", model.FieldText},
	{"weight", model.FieldFloat}, {"external_url", model.FieldText}, {"discount", model.FieldDecimal},
	{"locale", model.FieldText},
}

// prefixes place a leaf in the body: at the top, in an object, in every
// element of an array, or under a key holding a dot.
var prefixes = []string{"", "data.", "data.[items].", `meta.\x.attrs\.`, "[lines].", "data.owner."}

// Connector returns a deterministic connector of methods methods with
// fields Request and Response Format fields each (both grids used on every
// method, data types mixed), three or four parameters per method, scripts on
// some, and realistic names, endpoints and descriptions. Every tenth method
// is a Webhook method, with signature verification, whose Create and Delete
// Webhook Methods precede it, so the connector passes Import's checks. The
// connector has a Rate Limit of 5 requests a second, and the Search actions
// their own of 0.5.
func Connector(methods, fields int) *model.Connector {
	c := &model.Connector{
		Name:        "Generated Commerce API",
		Description: "A large connector generated for benchmarks: orders, customers, products and their webhooks.",
		ApiVersion:  "v2.4",
		Authentication: []model.Authentication{
			{AuthName: "API key", AuthType: model.AuthApiKey, ApiKeyHeader: "X-Api-Key", IsDefault: true},
			{AuthName: "Basic", AuthType: model.AuthBasic},
		},
		Parameters: []model.Parameter{
			{TargetType: model.TargetMergeField, TargetName: "BaseUrl", DisplayName: "Base URL",
				Description: "Where the API lives.", IsAccountConnectorProperty: true,
				Values: []string{"https://api.example.com/v2"}},
			{TargetType: model.TargetMergeField, TargetName: "Subdomain", DisplayName: "Subdomain",
				Description: "Your account's subdomain.", IsAccountConnectorProperty: true, Values: []string{"acme"}},
			{TargetType: model.TargetHttpHeader, TargetName: "X-Tenant-Secret", DisplayName: "Tenant secret",
				IsSensitive: true, IsHidden: true, Values: []string{"s3cr3t-t3n4nt"}},
			{TargetType: model.TargetMergeField, TargetName: "SigningSecret", DisplayName: "Signing secret",
				Description: "The secret the API signs webhook deliveries with.", IsSensitive: true,
				IsAccountConnectorProperty: true},
		},
		Script: "function before_action() {\n" +
			"\tmethod_request_headers['X-Client'] = 'patchbay';\n" +
			"\treturn true;\n}\n",
		RateLimit: 5,
		Methods:   make([]model.Method, methods),
	}
	for i := range c.Methods {
		c.Methods[i] = method(i, fields)
	}
	return c
}

// method returns the i-th method: its kind is i%10, its resource i/10.
func method(i, fields int) model.Method {
	group := i / 10
	res := resources[group%len(resources)]
	if n := group / len(resources); n > 0 {
		res += fmt.Sprintf(" V%d", n+1) // keep names unique past the list's end
	}
	slug := strings.ToLower(strings.ReplaceAll(res, " ", "_")) + "s"
	idName := strings.ReplaceAll(res, " ", "") + "Id"
	m := model.Method{
		Category:   res + "s",
		MethodType: model.MethodAction,
		DataType:   model.BodyJson,
	}
	switch i % 10 {
	case 0:
		m.Name, m.HttpMethod, m.Endpoint = "List "+res+"s", "GET", "{{BaseUrl}}/"+slug
	case 1:
		m.Name, m.HttpMethod, m.Endpoint = "Get "+res, "GET", "{{BaseUrl}}/"+slug+"/{{"+idName+"}}"
	case 2:
		m.Name, m.HttpMethod, m.Endpoint = "Create "+res, "POST", "{{BaseUrl}}/"+slug
	case 3:
		m.Name, m.HttpMethod, m.Endpoint = "Update "+res, "PATCH", "{{BaseUrl}}/"+slug+"/{{"+idName+"}}"
	case 4:
		m.Name, m.HttpMethod, m.Endpoint = "Delete "+res, "DELETE", "{{BaseUrl}}/"+slug+"/{{"+idName+"}}"
	case 5:
		m.Name, m.HttpMethod, m.Endpoint = "Search "+res+"s", "POST", "{{BaseUrl}}/"+slug+"/search"
		m.DataType, m.RateLimit = model.BodyForm, 0.5
	case 6:
		m.Name, m.HttpMethod, m.Endpoint = "Create "+res+" Webhook", "POST", "{{BaseUrl}}/webhooks"
		m.Hide = true
	case 7:
		m.Name, m.HttpMethod, m.Endpoint = "Delete "+res+" Webhook", "DELETE", "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}"
		m.Hide = true
	case 8:
		m.Name, m.MethodType, m.DataType = res+" Changed", model.MethodWebhook, ""
		m.CreateWebhookMethod, m.DeleteWebhookMethod = "Create "+res+" Webhook", "Delete "+res+" Webhook"
		m.WebhookSignature = model.SignatureCheck{Header: "X-Webhook-Signature", Algorithm: "sha256",
			Encoding: "hex", Prefix: "sha256=", SecretParameter: "SigningSecret"}
	case 9:
		m.Name, m.MethodType, m.HttpMethod = "Summarise "+res+"s", model.MethodScript, "GET"
	}
	m.Description = fmt.Sprintf("%s: generated method %d, working on the %s resource at %s.",
		m.Name, i+1, strings.ToLower(res), m.Endpoint)
	if i%5 == 2 || i%10 == 9 {
		m.Script = fmt.Sprintf("function before_action() {\n"+
			"\tmethod_request_headers['X-Request-Id'] = '%s-' + Date.now();\n"+
			"\tconsole.log('calling', method_endpoint);\n}\n\n"+
			"function after_action() {\n\tif (method_response && method_response.data) {\n"+
			"\t\tmethod_response = method_response.data;\n\t}\n}\n", slug)
	}

	request := fields * (2 + i%3) / 10 // 20% to 40% of the fields go in the request
	m.RequestFormat.Fields = grid(res, fields-request, request, i)
	m.ResponseFormat.Fields = grid(res, 0, fields-request, i)
	if m.Name == "Create "+res+" Webhook" && len(m.RequestFormat.Fields) > 0 {
		f := &m.RequestFormat.Fields[0]
		f.ConnectorField, f.DataType, f.IsHidden = "callback_url", model.FieldText, true
		f.DefaultValue = "{{" + model.SystemFieldWebhookURL + "}}"
	}
	if m.Name == "Create "+res+" Webhook" && len(m.ResponseFormat.Fields) > 0 {
		m.ResponseFormat.Fields[0].SystemField = model.SystemFieldWebhookID
	}

	m.Parameters = []model.Parameter{
		{TargetType: model.TargetMergeField, TargetName: idName, DisplayName: res + " ID",
			Description: "The " + strings.ToLower(res) + " to work on.", Values: []string{"1001"}},
		{TargetType: model.TargetQueryString, TargetName: "page_size", DisplayName: "Page size",
			IsOptional: true, Values: []string{"50", "100", "250"}},
		{TargetType: model.TargetHttpHeader, TargetName: "X-Request-Source", IsHidden: true,
			Values: []string{"patchbay"}},
	}
	if i%7 == 0 {
		m.Parameters = append(m.Parameters, model.Parameter{
			TargetType: model.TargetHttpHeader, TargetName: "X-Signing-Key", DisplayName: "Signing key",
			IsSensitive: true, IsHidden: true, Values: []string{"k3y-" + slug}})
	}
	return m
}

// grid returns n fields for resource res, numbered from start so that a
// method's request and response fields differ.
func grid(res string, start, n, method int) []model.Field {
	if n == 0 {
		return nil
	}
	lower := strings.ToLower(res)
	out := make([]model.Field, n)
	for j := range out {
		k := start + j
		leaf := leaves[k%len(leaves)]
		key := leaf.key
		if k >= len(leaves) {
			key = fmt.Sprintf("%s_%d", key, k/len(leaves)+1)
		}
		title := strings.ReplaceAll(key, "_", " ")
		f := model.Field{
			ConnectorField: prefixes[(k+method)%len(prefixes)] + key,
			SystemField:    strings.ReplaceAll(res, " ", "") + camel(key),
			DisplayName:    res + " " + title,
			Description:    fmt.Sprintf("The %s's %s, as the API returns it.", lower, title),
			DataType:       leaf.typ,
			IsHidden:       k%9 == 8,
			IsOptional:     k%3 == 1,
		}
		if k%6 == 5 {
			f.DefaultValue = "{{Subdomain}}"
		}
		out[j] = f
	}
	return out
}

// camel turns a snake_case key into CamelCase: created_at -> CreatedAt.
func camel(key string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(key, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
