package engine

import (
	"errors"
	"strings"
	"testing"

	"patchbay/model"
)

// tierConnector has the name X at every tier, so that each test can take
// the higher tiers away and see the next one answer.
func tierConnector() (*model.Connector, *model.Method) {
	c := &model.Connector{
		Name: "Tiers",
		Parameters: []model.Parameter{
			{TargetType: model.TargetMergeField, TargetName: "X", Values: []string{"connector-default"}},
			{TargetType: model.TargetMergeField, TargetName: "BaseUrl", Values: []string{"https://{{Subdomain}}.example.com/v2"}},
			{TargetType: model.TargetMergeField, TargetName: "Subdomain", IsAccountConnectorProperty: true},
		},
		Methods: []model.Method{{
			Name: "Get", MethodType: model.MethodAction,
			Parameters: []model.Parameter{{TargetType: model.TargetMergeField, TargetName: "X", Values: []string{"method-param"}}},
		}},
	}
	return c, &c.Methods[0]
}

func TestLookupOrder(t *testing.T) {
	full := func() Values {
		return Values{
			Inputs:  map[string]string{"X": "input"},
			Account: map[string]string{"X": "account", model.SystemFieldAuthAPIKey: "key-from-account"},
			System:  map[string]string{"X": "system", model.SystemFieldAuthAPIKey: "key-from-system"},
		}
	}
	tests := []struct {
		name   string
		change func(v *Values, m *model.Method)
		want   string
	}{
		{"inputs first", func(v *Values, m *model.Method) {}, "input"},
		{"then the method's parameter", func(v *Values, m *model.Method) { delete(v.Inputs, "X") }, "method-param"},
		{"then the account values", func(v *Values, m *model.Method) {
			delete(v.Inputs, "X")
			m.Parameters = nil
		}, "account"},
		{"then the system values", func(v *Values, m *model.Method) {
			delete(v.Inputs, "X")
			m.Parameters = nil
			delete(v.Account, "X")
		}, "system"},
		{"then the connector parameter's default", func(v *Values, m *model.Method) {
			delete(v.Inputs, "X")
			m.Parameters = nil
			delete(v.Account, "X")
			delete(v.System, "X")
		}, "connector-default"},
		{"an input may be empty", func(v *Values, m *model.Method) { v.Inputs["X"] = "" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := tierConnector()
			v := full()
			tt.change(&v, m)
			got, ok, err := v.For(c, m).Lookup("X")
			if err != nil || !ok || got != tt.want {
				t.Errorf("Lookup(X) = %q, %v, %v; want %q", got, ok, err, tt.want)
			}
		})
	}
	// Auth values come after the system values.
	c, m := tierConnector()
	got, _, _ := full().For(c, m).Lookup(model.SystemFieldAuthAPIKey)
	if got != "key-from-system" {
		t.Errorf("Lookup(%s) = %q, want the system value before the auth value", model.SystemFieldAuthAPIKey, got)
	}
}

func TestLookupTemplates(t *testing.T) {
	c, m := tierConnector()
	m.Parameters = append(m.Parameters,
		model.Parameter{TargetType: model.TargetMergeField, TargetName: model.SystemFieldWebhookID, Values: []string{"{{Cyclr_Webhook_Id}}"}},
		model.Parameter{TargetType: model.TargetMergeField, TargetName: "A", Values: []string{"{{B}}"}},
		model.Parameter{TargetType: model.TargetMergeField, TargetName: "B", Values: []string{"{{A}}"}},
		model.Parameter{TargetType: model.TargetMergeField, TargetName: "Bad", Values: []string{"x {{Nope}}"}},
	)
	mf := Values{
		Account: map[string]string{"Subdomain": "acme"},
		System:  map[string]string{model.SystemFieldWebhookID: "42"},
	}.For(c, m)

	if got, _, err := mf.Lookup("BaseUrl"); err != nil || got != "https://acme.example.com/v2" {
		t.Errorf("BaseUrl = %q, %v; want the connector's template rendered", got, err)
	}
	if got, _, err := mf.Lookup(model.SystemFieldWebhookID); err != nil || got != "42" {
		t.Errorf("a parameter naming itself = %q, %v; want the system value 42", got, err)
	}
	_, _, err := mf.Lookup("A")
	assertFieldError(t, err, "Method 'Get' › Parameters › B", 1, "{{A}} refers back to itself")
	_, _, err = Values{}.For(c, m).Lookup(model.SystemFieldWebhookID)
	assertFieldError(t, err, "Method 'Get' › Parameters › Cyclr_Webhook_Id", 1, "{{Cyclr_Webhook_Id}} has no value in this run")
	_, _, err = mf.Lookup("Bad")
	assertFieldError(t, err, "Method 'Get' › Parameters › Bad", 3, "unknown mergefield {{Nope}}")
}

func TestRenderPlaces(t *testing.T) {
	c, m := tierConnector()
	mf := Values{Inputs: map[string]string{
		"Name":  "a b/c",
		"Quote": `say "hi"`,
		"Ids":   `1, 2`,
		"Base":  "https://api.example.com/v2",
		"Host":  "api.example.com:8080",
	}}.For(c, m)
	tests := []struct {
		name, text string
		place      Place
		want       string
	}{
		{"plain", "Bearer {{Name}}", PlacePlain, "Bearer a b/c"},
		{"url path segment", "https://x.test/items/{{Name}}/sub", PlaceURL, "https://x.test/items/a%20b%2Fc/sub"},
		{"url query", "https://x.test/items?q={{Name}}&r=1", PlaceURL, "https://x.test/items?q=a+b%2Fc&r=1"},
		{"url fragment", "https://x.test/#{{Name}}", PlaceURL, "https://x.test/#a%20b%2Fc"},
		{"base url raw before the path", "{{Base}}/items/{{Name}}", PlaceURL, "https://api.example.com/v2/items/a%20b%2Fc"},
		{"host raw", "http://{{Host}}/items/{{Name}}", PlaceURL, "http://api.example.com:8080/items/a%20b%2Fc"},
		{"relative path", "/items/{{Name}}", PlaceURL, "/items/a%20b%2Fc"},
		{"json string escaped", `{"msg": "{{Quote}}", "list": [{{Ids}}]}`, PlaceJSON, `{"msg": "say \"hi\"", "list": [1, 2]}`},
		{"json nested braces", `{"a": {"b": "{{Name}}"}}`, PlaceJSON, `{"a": {"b": "a b/c"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mf.Render("Test", tt.text, tt.place)
			if err != nil {
				t.Fatalf("Render(%q): %v", tt.text, err)
			}
			if got != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	c, m := tierConnector()
	mf := Values{}.For(c, m)
	field := "Method 'Delete Webhook' › Settings › Endpoint"
	tests := []struct {
		name, text string
		place      Place
		pos        int // 1-based character of the fault
		msg        string
	}{
		{"unknown name", "https://x.test/{{Nope}}", PlaceURL, 16, "unknown mergefield {{Nope}}"},
		{"system field without value", "https://x.test/webhooks/{{Cyclr_Webhook_Id}}", PlaceURL, 25, "{{Cyclr_Webhook_Id}} has no value in this run"},
		{"auth value without value", "{{Cyclr_Auth_ApiKey}}", PlacePlain, 1, "set it in the account values"},
		{"parameter without value", "https://{{Subdomain}}.x.test", PlaceURL, 9, "{{Subdomain}} has no value"},
		{"the docs' typo", "https://x.test/webhooks/{{Cyclr_Webhook_Id}}}", PlaceURL, 45, `one "}" too many`},
		{"never closed", "https://x.test/{{Name", PlaceURL, 16, `"{{" is never closed`},
		{"stray closing", "https://x.test/Name}}", PlaceURL, 20, `"}}" closes no "{{"`},
		{"empty", "a {{}} b", PlacePlain, 3, "empty mergefield"},
		{"json unknown", `{"a": "{{Nope}}"}`, PlaceJSON, 8, "unknown mergefield {{Nope}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mf.Render(field, tt.text, tt.place)
			assertFieldError(t, err, field, tt.pos, tt.msg)
		})
	}
}

// A value in the host part of an Endpoint cannot carry the request, and
// the credentials sent with it, to another host: a /, ?, #, @, \, space
// or control character there is refused, naming the mergefield.
func TestRenderHostValues(t *testing.T) {
	c, m := tierConnector()
	field := "Method 'Delete Webhook' › Settings › Endpoint"
	const text = "http://{{Sub}}.api.example.invalid/v1/orders"
	for _, v := range []string{"evil.test/", "evil.test#", "evil.test?", "user@evil.test/", `evil.test\`, "a b", "a\tb", "a\r\nHost: x"} {
		_, err := Values{Inputs: map[string]string{"Sub": v}}.For(c, m).Render(field, text, PlaceURL)
		assertFieldError(t, err, field, 8, "{{Sub}} is in the host, and its value holds")
	}
	for v, want := range map[string]string{
		"acme":           "http://acme.api.example.invalid/v1/orders",
		"eu-1.acme:8443": "http://eu-1.acme:8443.api.example.invalid/v1/orders",
	} {
		if got, err := (Values{Inputs: map[string]string{"Sub": v}}.For(c, m).Render(field, text, PlaceURL)); err != nil || got != want {
			t.Errorf("Sub=%q: %q, %v; want %q", v, got, err, want)
		}
	}
	// A path segment of . or .. would be read as a step in the path: a
	// delete of /webhooks/.. would go to /.
	for _, v := range []string{".", ".."} {
		_, err := Values{Inputs: map[string]string{"Sub": v}}.For(c, m).Render(field, "https://x.test/webhooks/{{Sub}}", PlaceURL)
		assertFieldError(t, err, field, 25, "which servers read as a step in the path")
	}
	if got, err := (Values{Inputs: map[string]string{"Sub": "..."}}.For(c, m).Render(field, "https://x.test/webhooks/{{Sub}}", PlaceURL)); err != nil || got != "https://x.test/webhooks/..." {
		t.Errorf("a value of three dots: %q, %v", got, err)
	}
	// A value after a host that is there already may begin the path.
	for text, want := range map[string]string{
		"https://api.example.com{{Path}}": "https://api.example.com/v1/orders",
		"{{Base}}{{Path}}":                "https://api.example.com/v1/orders",
	} {
		mf := Values{Inputs: map[string]string{"Path": "/v1/orders", "Base": "https://api.example.com"}}.For(c, m)
		if got, err := mf.Render(field, text, PlaceURL); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", text, got, err, want)
		}
	}
	// A parameter's template, rendered as plain text and then put first in
	// an Endpoint, is checked the same way: the BaseUrl idiom.
	bc := &model.Connector{Parameters: []model.Parameter{{TargetType: model.TargetMergeField, TargetName: "BaseUrl", Values: []string{"https://{{Subdomain}}.example.com/v2"}}}}
	bm := &model.Method{Name: "Get"}
	_, err := Values{Inputs: map[string]string{"Subdomain": "evil.test/"}}.For(bc, bm).Render(field, "{{BaseUrl}}/orders", PlaceURL)
	if err == nil || !strings.Contains(err.Error(), "{{Subdomain}} is in the host") {
		t.Errorf("Subdomain through BaseUrl: %v", err)
	}
	if got, err := (Values{Inputs: map[string]string{"Subdomain": "acme"}}.For(bc, bm).Render(field, "{{BaseUrl}}/orders", PlaceURL)); err != nil || got != "https://acme.example.com/v2/orders" {
		t.Errorf("a plain Subdomain through BaseUrl: %q, %v", got, err)
	}
	// Part of the host from one value, then another that would begin the
	// path: the host is not the template's own, so it is refused.
	two := Values{Inputs: map[string]string{"Tenant": "evil.test", "Region": "/"}}.For(c, m)
	if _, err := two.Render(field, "https://{{Tenant}}.{{Region}}.example.com/v1/orders", PlaceURL); err == nil {
		t.Error("https://{{Tenant}}.{{Region}}… with Region=/ was not refused")
	}
	tc := &model.Connector{Parameters: []model.Parameter{{TargetType: model.TargetMergeField, TargetName: "BaseUrl", Values: []string{"https://{{Tenant}}.{{Region}}.example.com/v2"}}}}
	if _, err := (Values{Inputs: map[string]string{"Tenant": "evil.test", "Region": "#"}}.For(tc, bm).Render(field, "{{BaseUrl}}/orders", PlaceURL)); err == nil {
		t.Error("the same through BaseUrl was not refused")
	}
	// Plain text elsewhere, a header or a body, may hold a URL and a value
	// after it: it is not where the request goes.
	for _, text := range []string{"AcmeSync (+https://acme.example) {{Tenant}}", "Order placed on https://shop.example.com: {{Tenant}}"} {
		if got, err := (Values{Inputs: map[string]string{"Tenant": "Big Shop/2"}}.For(c, m).Render(field, text, PlacePlain)); err != nil || !strings.HasSuffix(got, "Big Shop/2") {
			t.Errorf("%s: %q, %v", text, got, err)
		}
	}
	// A value at the very start is a URL of its own, with its own slashes.
	if got, err := (Values{Inputs: map[string]string{"Base": "https://api.example.com/v2"}}.For(c, m).Render(field, "{{Base}}/items", PlaceURL)); err != nil || got != "https://api.example.com/v2/items" {
		t.Errorf("{{Base}}/items: %q, %v", got, err)
	}
}

func TestAll(t *testing.T) {
	c, m := tierConnector()
	m.Parameters = append(m.Parameters, model.Parameter{TargetType: model.TargetMergeField, TargetName: "Broken", Values: []string{"{{Nope}}"}})
	all := Values{
		Inputs:  map[string]string{"In": "1"},
		Account: map[string]string{"Subdomain": "acme", model.SystemFieldAuthAPIKey: "k"},
		System:  map[string]string{model.SystemFieldWebhookURL: "http://127.0.0.1/hook"},
	}.For(c, m).All()
	want := map[string]string{
		"In": "1", "X": "method-param", "BaseUrl": "https://acme.example.com/v2", "Subdomain": "acme",
		model.SystemFieldAuthAPIKey: "k", model.SystemFieldWebhookURL: "http://127.0.0.1/hook",
	}
	if len(all) != len(want) {
		t.Errorf("All() = %v, want %v", all, want)
	}
	for k, v := range want {
		if all[k] != v {
			t.Errorf("All()[%s] = %q, want %q", k, all[k], v)
		}
	}
}

// assertFieldError checks that err is a *FieldError naming field, wrapping a
// *model.MergefieldError at the 1-based character pos whose text holds msg.
func assertFieldError(t *testing.T, err error, field string, pos int, msg string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FieldError", err, err)
	}
	if fe.Field != field {
		t.Errorf("error names %q, want %q", fe.Field, field)
	}
	var me *model.MergefieldError
	if !errors.As(err, &me) {
		t.Fatalf("error %v does not wrap a *model.MergefieldError", err)
	}
	if me.Pos+1 != pos {
		t.Errorf("error at character %d, want %d (%v)", me.Pos+1, pos, err)
	}
	if !strings.Contains(err.Error(), msg) || !strings.HasPrefix(err.Error(), field+": ") {
		t.Errorf("error %q does not start with %q and contain %q", err, field, msg)
	}
}
