package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"patchbay/model"
)

// received is what a test server was sent.
type received struct {
	Method  string
	Path    string // escaped, as on the wire
	Query   url.Values
	Header  http.Header
	Body    []byte
	Form    url.Values // the parsed body of a form post
	calls   int
	BasicOK bool
	User    string
	Pass    string
}

// recorder starts a loopback server that records the last request and
// answers with status and body.
func recorder(t *testing.T, status int, body string) (*httptest.Server, func() received) {
	t.Helper()
	var mu sync.Mutex
	var last received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		user, pass, ok := r.BasicAuth()
		mu.Lock()
		last = received{
			Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(),
			Body: b, Form: form, calls: last.calls + 1, BasicOK: ok, User: user, Pass: pass,
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() received {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

// send prepares and sends one method, failing the test on any error.
func send(t *testing.T, c *model.Connector, method string, v Values) (*Request, *Response) {
	t.Helper()
	req, err := Prepare(c, c.Method(method), v)
	if err != nil {
		t.Fatalf("Prepare(%s): %v", method, err)
	}
	resp, _, err := (&Client{}).Send(context.Background(), req)
	if err != nil {
		t.Fatalf("Send(%s): %v", method, err)
	}
	return req, resp
}

func field(cf, sf string, dt model.FieldType, def string) model.Field {
	return model.Field{ConnectorField: cf, SystemField: sf, DataType: dt, DefaultValue: def}
}

func TestPrepareFormBody(t *testing.T) {
	srv, got := recorder(t, 200, `{"id":"we_1"}`)
	c := &model.Connector{Name: "Stripe-like", Methods: []model.Method{{
		Name: "Create Webhook", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyForm,
		Endpoint: srv.URL + "/v1/webhook_endpoints",
		RequestFormat: model.Format{Fields: []model.Field{
			{ConnectorField: "url", DataType: model.FieldText, IsHidden: true, DefaultValue: "{{Cyclr_Webhook_Url}}"},
			field("enabled_events[]", "Events", model.FieldList, `["charge.succeeded", "charge.failed"]`),
			field("metadata[source]", "", model.FieldText, "patchbay"),
			field("metadata[count]", "Count", model.FieldInteger, ""),
			{ConnectorField: "description", DataType: model.FieldText, IsOptional: true},
		}},
	}}}
	v := Values{
		Inputs: map[string]string{"Count": "3"},
		System: map[string]string{model.SystemFieldWebhookURL: "http://127.0.0.1:9/hook/x y"},
	}
	req, _ := send(t, c, "Create Webhook", v)

	r := got()
	if r.Method != "POST" || r.Path != "/v1/webhook_endpoints" {
		t.Errorf("server got %s %s, want POST /v1/webhook_endpoints", r.Method, r.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	want := url.Values{
		"url":              {"http://127.0.0.1:9/hook/x y"},
		"enabled_events[]": {"charge.succeeded", "charge.failed"},
		"metadata[source]": {"patchbay"},
		"metadata[count]":  {"3"},
	}
	if r.Form.Encode() != want.Encode() {
		t.Errorf("form = %v, want %v", r.Form, want)
	}
	wantRaw := "url=http%3A%2F%2F127.0.0.1%3A9%2Fhook%2Fx+y&enabled_events%5B%5D=charge.succeeded&enabled_events%5B%5D=charge.failed&metadata%5Bsource%5D=patchbay&metadata%5Bcount%5D=3"
	if string(r.Body) != wantRaw {
		t.Errorf("body = %s\nwant   %s", r.Body, wantRaw)
	}
	if _, ok := req.Body.(Form); !ok {
		t.Errorf("Body is %T, want Form", req.Body)
	}
}

func TestPrepareJSONBody(t *testing.T) {
	srv, got := recorder(t, 201, `{"id":1}`)
	c := &model.Connector{Name: "Typed", Methods: []model.Method{{
		Name: "Create Webhook", MethodType: model.MethodAction, HttpMethod: "post", DataType: model.BodyJson,
		Endpoint: srv.URL + "/webhooks",
		RequestFormat: model.Format{Fields: []model.Field{
			{ConnectorField: "url", DataType: model.FieldText, IsHidden: true, DefaultValue: "{{Cyclr_Webhook_Url}}"},
			field("data.owner.id", "OwnerId", model.FieldInteger, ""),
			field("active", "", model.FieldBoolean, "true"),
			field("amount", "", model.FieldDecimal, "12.50"),
			field("ratio", "", model.FieldFloat, ""),
			field("events", "", model.FieldList, `["issues"]`),
			field("config", "", model.FieldObject, `{"url": "{{Cyclr_Webhook_Url}}", "nested": {"x": 1}}`),
			field("[lines].sku", "Skus", model.FieldText, ""),
			field("[lines].qty", "Qtys", model.FieldInteger, ""),
			field(`\odd.key\`, "", model.FieldText, "k"),
			field("created", "", model.FieldDateTime, "2024-01-01T00:00:00Z"),
			{ConnectorField: "note", DataType: model.FieldText, IsOptional: true},
		}},
	}}}
	v := Values{
		Inputs: map[string]string{"OwnerId": "1", "ratio": "0.5", "Skus": `["A", "B"]`, "Qtys": `["1", 2]`},
		System: map[string]string{model.SystemFieldWebhookURL: `http://127.0.0.1:9/h?a="b"`},
	}
	req, _ := send(t, c, "Create Webhook", v)

	r := got()
	if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("server got %s with Content-Type %q, want POST application/json", r.Method, r.Header.Get("Content-Type"))
	}
	assertJSONEqual(t, r.Body, `{
		"url": "http://127.0.0.1:9/h?a=\"b\"",
		"data": {"owner": {"id": 1}},
		"active": true,
		"amount": 12.50,
		"ratio": 0.5,
		"events": ["issues"],
		"config": {"url": "http://127.0.0.1:9/h?a=\"b\"", "nested": {"x": 1}},
		"lines": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}],
		"odd.key": "k",
		"created": "2024-01-01T00:00:00Z"
	}`)
	if !strings.Contains(string(r.Body), `"amount":12.50`) {
		t.Errorf("the Decimal lost its text: %s", r.Body)
	}
	raw, ok := req.Body.(json.RawMessage)
	if !ok {
		t.Fatalf("Body is %T, want json.RawMessage", req.Body)
	}
	decoded, err := decodeJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	body := decoded.(map[string]any)
	if body["amount"] != json.Number("12.50") {
		t.Errorf(`Body["amount"] = %#v, want json.Number("12.50")`, body["amount"])
	}
}

func TestPreparePlainTextBody(t *testing.T) {
	srv, got := recorder(t, 200, `{}`)
	c := &model.Connector{Name: "Plain", Methods: []model.Method{{
		Name: "Note", MethodType: model.MethodAction, HttpMethod: "PUT", DataType: model.BodyPlainText,
		Endpoint:      srv.URL + "/note",
		RequestFormat: model.Format{Fields: []model.Field{field("text", "", model.FieldText, "hello {{Who}}")}},
	}}}
	send(t, c, "Note", Values{Inputs: map[string]string{"Who": "world"}})
	r := got()
	if string(r.Body) != "hello world" || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("got %q (%s), want hello world as text/plain", r.Body, r.Header.Get("Content-Type"))
	}
}

func TestPrepareAuth(t *testing.T) {
	const key = "s3cr et/&k"
	tests := []struct {
		name      string
		auth      []model.Authentication
		ignore    bool
		check     func(t *testing.T, r received)
		authValue string
	}{
		{"ApiKey in a header", []model.Authentication{{AuthName: "Key", AuthType: model.AuthApiKey, ApiKeyHeader: "X-Api-Key", IsDefault: true}},
			false, func(t *testing.T, r received) {
				if got := r.Header.Get("X-Api-Key"); got != key {
					t.Errorf("X-Api-Key = %q, want %q", got, key)
				}
			}, key},
		{"ApiKey in the query string", []model.Authentication{{AuthName: "Key", AuthType: model.AuthApiKey, ApiKeyQueryParameter: "api_key"}},
			false, func(t *testing.T, r received) {
				if got := r.Query.Get("api_key"); got != key {
					t.Errorf("api_key = %q, want %q", got, key)
				}
				if got := r.Query.Get("page"); got != "2" {
					t.Errorf("page = %q, want the endpoint's own query kept", got)
				}
			}, key},
		{"ApiKey for a script only", []model.Authentication{{AuthName: "Bearer", AuthType: model.AuthApiKey}},
			false, func(t *testing.T, r received) {
				if len(r.Query["api_key"]) > 0 || r.Header.Get("X-Api-Key") != "" || r.Header.Get("Authorization") != "" {
					t.Errorf("the key was sent: query %v, headers %v", r.Query, r.Header)
				}
			}, key},
		{"Basic", []model.Authentication{{AuthName: "None", AuthType: model.AuthNone}, {AuthName: "Basic", AuthType: model.AuthBasic, IsDefault: true}},
			false, func(t *testing.T, r received) {
				if !r.BasicOK || r.User != "ann" || r.Pass != "p:w" {
					t.Errorf("basic auth = %v %q %q, want ann / p:w", r.BasicOK, r.User, r.Pass)
				}
			}, "YW5uOnA6dw=="},
		{"OAuth2 with an access token", []model.Authentication{{AuthName: "OAuth", AuthType: model.AuthOAuth2}},
			false, func(t *testing.T, r received) {
				if got := r.Header.Get("Authorization"); got != "Bearer "+key {
					t.Errorf("Authorization = %q, want the access token as a Bearer token", got)
				}
			}, key},
		{"None", []model.Authentication{{AuthName: "None", AuthType: model.AuthNone}},
			false, noAuthSent, ""},
		{"IgnoreAuthentication", []model.Authentication{{AuthName: "Key", AuthType: model.AuthApiKey, ApiKeyHeader: "X-Api-Key", ApiKeyQueryParameter: "api_key"}},
			true, noAuthSent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := recorder(t, 200, `{}`)
			c := &model.Connector{Name: "Auth", Authentication: tt.auth, Methods: []model.Method{{
				Name: "List", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: srv.URL + "/items?page=2",
				IgnoreAuthentication: tt.ignore,
			}}}
			account := map[string]string{model.SystemFieldAuthAPIKey: key, model.SystemFieldAuthUsername: "ann", model.SystemFieldAuthPassword: "p:w"}
			req, _ := send(t, c, "List", Values{Account: account})
			tt.check(t, got())
			if req.AuthValue != tt.authValue {
				t.Errorf("AuthValue = %q, want %q", req.AuthValue, tt.authValue)
			}
			for _, s := range []string{key, "ann", "p:w"} {
				if !contains(req.Secrets, s) {
					t.Errorf("Secrets %q lack %q", req.Secrets, s)
				}
			}
		})
	}
}

func noAuthSent(t *testing.T, r received) {
	t.Helper()
	if len(r.Query["api_key"]) > 0 || r.Header.Get("X-Api-Key") != "" || r.Header.Get("Authorization") != "" {
		t.Errorf("credentials were sent: query %v, headers %v", r.Query, r.Header)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestPrepareEscaping(t *testing.T) {
	srv, got := recorder(t, 200, `{}`)
	c := &model.Connector{
		Name: "Escapes",
		Parameters: []model.Parameter{
			{TargetType: model.TargetMergeField, TargetName: "BaseUrl", Values: []string{srv.URL + "/v2"}},
			{TargetType: model.TargetHttpHeader, TargetName: "X-Version", Values: []string{"2024-01"}},
		},
		Methods: []model.Method{{
			Name: "Get Item", MethodType: model.MethodAction, HttpMethod: "GET",
			Endpoint: "{{BaseUrl}}/items/{{Name}}?q={{Name}}",
			Parameters: []model.Parameter{
				{TargetType: model.TargetQueryString, TargetName: "filter", Values: []string{"{{Name}}&x=1"}},
				{TargetType: model.TargetQueryString, TargetName: "missing", IsOptional: true},
				{TargetType: model.TargetHttpHeader, TargetName: "X-Name", Values: []string{"{{Name}}"}},
			},
		}},
	}
	req, _ := send(t, c, "Get Item", Values{Inputs: map[string]string{"Name": "a b/c"}})
	r := got()
	if r.Path != "/v2/items/a%20b%2Fc" {
		t.Errorf("path = %q, want /v2/items/a%%20b%%2Fc", r.Path)
	}
	for k, want := range map[string]string{"q": "a b/c", "filter": "a b/c&x=1"} {
		if got := r.Query.Get(k); got != want {
			t.Errorf("query %s = %q, want %q", k, got, want)
		}
	}
	if _, ok := r.Query["missing"]; ok {
		t.Errorf("an optional parameter with no value was sent: %v", r.Query)
	}
	if r.Header.Get("X-Name") != "a b/c" || r.Header.Get("X-Version") != "2024-01" {
		t.Errorf("headers X-Name %q, X-Version %q", r.Header.Get("X-Name"), r.Header.Get("X-Version"))
	}
	if req.Parameters["filter"] != "a b/c&x=1" || req.Parameters["X-Version"] != "2024-01" {
		t.Errorf("Parameters = %v", req.Parameters)
	}
}

func TestPrepareDeleteWebhook(t *testing.T) {
	srv, got := recorder(t, 204, ``)
	c := &model.Connector{Name: "Example", Methods: []model.Method{{
		Name: "Delete Webhook", MethodType: model.MethodAction, HttpMethod: "DELETE",
		Endpoint:   srv.URL + "/webhooks/{{Cyclr_Webhook_Id}}",
		Parameters: []model.Parameter{{TargetType: model.TargetMergeField, TargetName: model.SystemFieldWebhookID, IsHidden: true}},
	}}}
	req, resp := send(t, c, "Delete Webhook", Values{System: map[string]string{model.SystemFieldWebhookID: "wh 1"}})
	if r := got(); r.Method != "DELETE" || r.Path != "/webhooks/wh%201" || len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
		t.Errorf("server got %s %s body %q Content-Type %q", r.Method, r.Path, r.Body, r.Header.Get("Content-Type"))
	}
	if req.Parameters[model.SystemFieldWebhookID] != "wh 1" {
		t.Errorf("method_request_parameters.Cyclr_Webhook_Id = %q, want wh 1", req.Parameters[model.SystemFieldWebhookID])
	}
	if got := req.Mergefields(); got[model.SystemFieldWebhookID] != "wh 1" {
		t.Errorf("Mergefields = %v", got)
	}
	if resp.Status != 204 || len(resp.Body) != 0 {
		t.Errorf("response %d %q", resp.Status, resp.Body)
	}
}

// What a before_action script changes takes effect when the request is sent.
func TestScriptChangesTakeEffect(t *testing.T) {
	srv, got := recorder(t, 200, `{}`)
	c := &model.Connector{
		Name:           "Scripted",
		Authentication: []model.Authentication{{AuthName: "Bearer", AuthType: model.AuthApiKey}},
		Methods: []model.Method{
			{Name: "Create", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson, Endpoint: srv.URL + "/a",
				RequestFormat: model.Format{Fields: []model.Field{field("x", "", model.FieldInteger, "1")}}},
			{Name: "Form", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyForm, Endpoint: srv.URL + "/f",
				RequestFormat: model.Format{Fields: []model.Field{field("x", "", model.FieldText, "1")}}},
		},
	}
	v := Values{Account: map[string]string{model.SystemFieldAuthAPIKey: "tok"}}
	req, err := Prepare(c, c.Method("Create"), v)
	if err != nil {
		t.Fatal(err)
	}
	req.Endpoint = srv.URL + "/changed"
	req.Headers["Authorization"] = "Bearer " + req.AuthValue
	body, err := decodeJSON(req.Body.(json.RawMessage))
	if err != nil {
		t.Fatal(err)
	}
	body.(map[string]any)["y"] = "added"
	req.Body = body
	if _, _, err := (&Client{}).Send(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	r := got()
	if r.Path != "/changed" || r.Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("server got %s with Authorization %q", r.Path, r.Header.Get("Authorization"))
	}
	assertJSONEqual(t, r.Body, `{"x":1,"y":"added"}`)

	req, err = Prepare(c, c.Method("Form"), v)
	if err != nil {
		t.Fatal(err)
	}
	req.Body = map[string]any{"b": "2", "a": []any{"1", int64(3)}}
	if _, _, err := (&Client{}).Send(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if r := got(); string(r.Body) != "a=1&a=3&b=2" {
		t.Errorf("form body from a map = %q, want a=1&a=3&b=2", r.Body)
	}
}

func TestPrepareErrors(t *testing.T) {
	base := func() *model.Connector {
		return &model.Connector{
			Name:           "Example",
			Authentication: []model.Authentication{{AuthName: "Key", AuthType: model.AuthApiKey, ApiKeyHeader: "X-Api-Key"}},
			Methods: []model.Method{
				{Name: "Create Webhook", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson,
					Endpoint: "https://webhookexample.com/webhooks"},
				{Name: "Delete Webhook", MethodType: model.MethodAction, HttpMethod: "DELETE",
					Endpoint: "https://webhookexample.com/webhooks/{{Cyclr_Webhook_Id}}"},
			},
		}
	}
	account := map[string]string{model.SystemFieldAuthAPIKey: "k"}
	tests := []struct {
		name   string
		method string
		change func(c *model.Connector, m *model.Method)
		inputs map[string]string
		field  string // the FieldError's Field, "" when the error is not about one field
		want   string
	}{
		{"unknown mergefield in the Endpoint", "Delete Webhook", func(c *model.Connector, m *model.Method) {
			m.Endpoint = "https://webhookexample.com/webhooks/{{Cyclr_Webhook_Idd}}"
		}, nil, "Method 'Delete Webhook' › Settings › Endpoint", "at character 37: unknown mergefield {{Cyclr_Webhook_Idd}}"},
		{"the docs' typo", "Delete Webhook", func(c *model.Connector, m *model.Method) {
			m.Endpoint += "}"
		}, map[string]string{model.SystemFieldWebhookID: "1"}, "Method 'Delete Webhook' › Settings › Endpoint", `at character 57: one "}" too many after {{Cyclr_Webhook_Id}}`},
		{"no webhook id", "Delete Webhook", nil, nil,
			"Method 'Delete Webhook' › Settings › Endpoint", "at character 37: {{Cyclr_Webhook_Id}} has no value in this run"},
		{"required parameter without value", "Delete Webhook", func(c *model.Connector, m *model.Method) {
			m.Parameters = []model.Parameter{{TargetType: model.TargetMergeField, TargetName: model.SystemFieldWebhookID}}
		}, nil, "Method 'Delete Webhook' › Parameters › Cyclr_Webhook_Id", "required parameter has no value"},
		{"required connector header without value", "Delete Webhook", func(c *model.Connector, m *model.Method) {
			c.Parameters = []model.Parameter{{TargetType: model.TargetHttpHeader, TargetName: "X-Account", IsAccountConnectorProperty: true}}
		}, map[string]string{model.SystemFieldWebhookID: "1"}, "Connector 'Example' › Parameters › X-Account", "required parameter has no value"},
		{"required field without value", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.RequestFormat.Fields = []model.Field{field("url", "Url", model.FieldText, "")}
		}, nil, "Method 'Create Webhook' › Request Format › url", `required field has no value: give the input "Url" or a Default Value`},
		{"Default Value with no webhook URL", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.RequestFormat.Fields = []model.Field{field("url", "", model.FieldText, "{{Cyclr_Webhook_Url}}")}
		}, nil, "Method 'Create Webhook' › Request Format › url › Default Value", "at character 1: {{Cyclr_Webhook_Url}} has no value in this run"},
		{"Integer that is not", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.RequestFormat.Fields = []model.Field{field("count", "Count", model.FieldInteger, "")}
		}, map[string]string{"Count": "abc"}, "Method 'Create Webhook' › Request Format › count", `"abc" is not an Integer`},
		{"Boolean that is not", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.RequestFormat.Fields = []model.Field{field("active", "", model.FieldBoolean, "maybe")}
		}, nil, "Method 'Create Webhook' › Request Format › active", `"maybe" is not a Boolean`},
		{"Decimal that is not", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.RequestFormat.Fields = []model.Field{field("amount", "", model.FieldDecimal, "12,50")}
		}, nil, "Method 'Create Webhook' › Request Format › amount", `"12,50" is not a Decimal number`},
		{"List Default Value that is not JSON", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.RequestFormat.Fields = []model.Field{field("events", "", model.FieldList, "issues")}
		}, nil, "Method 'Create Webhook' › Request Format › events", `"issues" is not JSON text for a List`},
		{"Object that is a list", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.RequestFormat.Fields = []model.Field{field("meta", "", model.FieldObject, "[1]")}
		}, nil, "Method 'Create Webhook' › Request Format › meta", `[1] is not an Object`},
		{"array path given one value", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.RequestFormat.Fields = []model.Field{field("[lines].sku", "Sku", model.FieldText, "")}
		}, map[string]string{"Sku": "A"}, "Method 'Create Webhook' › Request Format › [lines].sku", `"A" is not a JSON list`},
		{"fields in each other's way", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.RequestFormat.Fields = []model.Field{field("a", "", model.FieldText, "x"), field("a.b", "", model.FieldText, "y")}
		}, nil, "Method 'Create Webhook' › Request Format › a.b", `a is already "x", so a.b cannot be set inside it`},
		{"bad Connector Field path", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.RequestFormat.Fields = []model.Field{field("a..b", "", model.FieldText, "x")}
		}, nil, "Method 'Create Webhook' › Request Format › a..b", `"a..b" is not a Connector Field path`},
		{"Xml body with two roots", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.DataType = model.BodyXml
			m.RequestFormat.Fields = []model.Field{field("a", "", model.FieldText, "x"), field("b", "", model.FieldText, "y")}
		}, nil, "Method 'Create Webhook' › Request Format", "an Xml body has one root element: start every Connector Field with its name"},
		{"Xml element name", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.DataType = model.BodyXml
			m.RequestFormat.Fields = []model.Field{field("order.2nd", "", model.FieldText, "x")}
		}, nil, "Method 'Create Webhook' › Request Format", `"2nd" is not an XML element name`},
		{"no API key", "Create Webhook", func(c *model.Connector, m *model.Method) {
			delete(account, model.SystemFieldAuthAPIKey)
		}, nil, "Connector 'Example' › Authentication › Key", "no API key: set Cyclr_Auth_ApiKey in the account values"},
		{"Basic without username", "Create Webhook", func(c *model.Connector, m *model.Method) {
			c.Authentication = []model.Authentication{{AuthName: "Login", AuthType: model.AuthBasic}}
		}, nil, "Connector 'Example' › Authentication › Login", "no username: set Cyclr_Auth_Username"},
		{"OAuth2 without a token", "Create Webhook", func(c *model.Connector, m *model.Method) {
			c.Authentication = []model.Authentication{{AuthName: "OAuth", AuthType: model.AuthOAuth2}}
			delete(account, model.SystemFieldAuthAPIKey)
		}, nil, "Connector 'Example' › Authentication › OAuth", "no access token: set Cyclr_Auth_ApiKey in the account values to an OAuth2 access token"},
		{"unknown HTTP method", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.HttpMethod = "FETCH"
		}, nil, "Method 'Create Webhook' › Settings › HTTP Method", `"FETCH" is not one of GET, POST`},
		{"relative Endpoint", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.Endpoint = "/webhooks"
		}, nil, "Method 'Create Webhook' › Settings › Endpoint", `"/webhooks" is not an absolute http or https URL`},
		{"Endpoint without a host", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.Endpoint = "http://:80/webhooks"
		}, nil, "Method 'Create Webhook' › Settings › Endpoint", `"http://:80/webhooks" is not an absolute http or https URL`},
		{"no Endpoint", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.Endpoint = " "
		}, nil, "Method 'Create Webhook' › Settings › Endpoint", "the method has no Endpoint"},
		{"a Webhook method", "Create Webhook", func(c *model.Connector, m *model.Method) {
			m.MethodType = model.MethodWebhook
		}, nil, "", "method 'Create Webhook' is a Webhook method and sends no request of its own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			account = map[string]string{model.SystemFieldAuthAPIKey: "k"}
			c := base()
			m := c.Method(tt.method)
			if tt.change != nil {
				tt.change(c, m)
			}
			req, err := Prepare(c, m, Values{Inputs: tt.inputs, Account: account})
			if err == nil {
				t.Fatalf("Prepare = %+v, want an error", req)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
			var fe *FieldError
			if tt.field == "" {
				return
			}
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("error %q does not name the field %q", err, tt.field)
			}
		})
	}
}

// Optional fields with no value are left out; with none left, a GET or
// DELETE sends no body and a POST an empty one.
func TestPrepareEmptyBody(t *testing.T) {
	for _, tt := range []struct {
		method, dt string
		want       any
	}{
		{"GET", "Json", nil},
		{"DELETE", "Form", nil},
		{"POST", "Json", json.RawMessage("{}")},
		{"PATCH", "Form", Form{}},
	} {
		t.Run(tt.method+" "+tt.dt, func(t *testing.T) {
			c := &model.Connector{Name: "Empty", Methods: []model.Method{{
				Name: "M", MethodType: model.MethodAction, HttpMethod: tt.method, DataType: model.BodyType(tt.dt),
				Endpoint:      "https://api.example.com/x",
				RequestFormat: model.Format{Fields: []model.Field{{ConnectorField: "note", DataType: model.FieldText, IsOptional: true}}},
			}}}
			req, err := Prepare(c, c.Method("M"), Values{})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%#v", req.Body) != fmt.Sprintf("%#v", tt.want) {
				t.Errorf("Body = %#v, want %#v", req.Body, tt.want)
			}
			if _, has := req.Headers["Content-Type"]; has != (tt.want != nil) {
				t.Errorf("Content-Type header present = %v with Body %#v", has, req.Body)
			}
		})
	}
}

// A proxy's password, and the Basic token Go sends the proxy, are secrets
// of every run: a proxy refusing them may echo them in its answer.
func TestProxyCredentialsAreSecrets(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://bob:Pr0xyPa55@proxy.example:3128")
	t.Setenv("http_proxy", "alice:0therPa55@proxy2.example:8080") // no scheme, as Go accepts
	got := proxySecrets()
	for _, want := range []string{"Pr0xyPa55", "Ym9iOlByMHh5UGE1NQ==", "0therPa55"} {
		if !slices.Contains(got, want) {
			t.Errorf("proxy secrets %q lack %q", got, want)
		}
	}
	r := &Runner{Connector: &model.Connector{Name: "C"}}
	r.begin()
	if masked := MaskText("407: Proxy-Authorization Basic Ym9iOlByMHh5UGE1NQ== refused", r.secrets()); strings.Contains(masked, "Ym9i") {
		t.Errorf("the run does not mask the proxy's token: %s", masked)
	}
}
