package store

import (
	"reflect"
	"sort"
	"testing"

	"patchbay/model"
)

// fullConnector returns a connector in which every field of every type is
// set somewhere, with distinct text everywhere so that swapped columns show.
func fullConnector() *model.Connector {
	param := func(prefix string, tt model.TargetType, flags int, values ...string) model.Parameter {
		return model.Parameter{
			TargetType: tt, TargetName: prefix + "Name", DisplayName: prefix + " display",
			Description:                prefix + " description",
			IsHidden:                   flags&1 != 0,
			IsOptional:                 flags&2 != 0,
			IsSensitive:                flags&4 != 0,
			IsAccountConnectorProperty: flags&8 != 0,
			IsMultiline:                flags&16 != 0,
			Values:                     values,
		}
	}
	field := func(prefix string, dt model.FieldType, hidden, optional bool) model.Field {
		return model.Field{
			ConnectorField: prefix + ".path", SystemField: prefix + "System", DisplayName: prefix + " display",
			Description: prefix + " description", DataType: dt, IsHidden: hidden, IsOptional: optional,
			DefaultValue: prefix + " default",
		}
	}
	return &model.Connector{
		Name:        "Full Connector",
		Description: "Every field set.",
		ApiVersion:  "v3.1",
		Script:      "function connector_script() { return 1; }\n",
		RateLimit:   2.5,
		Authentication: []model.Authentication{
			{AuthName: "Key in header", AuthType: model.AuthApiKey, ApiKeyHeader: "X-Api-Key", ApiKeyQueryParameter: "api_key", IsDefault: true},
			{AuthName: "Basic", AuthType: model.AuthBasic},
			{AuthName: "OAuth", AuthType: model.AuthOAuth2, TokenUrl: "{{BaseUrl}}/oauth/token", Scope: "orders webhooks"},
		},
		Parameters: []model.Parameter{
			param("Base", model.TargetMergeField, 8, "http://127.0.0.1:8787", "https://api.example.com"),
			param("Secret", model.TargetHttpHeader, 1|4|8, "s3cret"),
			param("Choice", model.TargetQueryString, 2|16, "a", "", `quoted "b"`, "日本語", "{{BaseUrl}}"),
		},
		Methods: []model.Method{
			{
				Name: "Create Webhook", Description: "Registers a webhook.", Category: "Webhooks",
				MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson,
				Endpoint: "{{BaseUrl}}/webhooks", IgnoreAuthentication: true, Hide: true,
				RequestFormat: model.Format{Fields: []model.Field{
					field("url", model.FieldText, true, false),
				}},
				ResponseFormat: model.Format{Fields: []model.Field{
					field("id", model.FieldInteger, false, false),
					field("active", model.FieldBoolean, false, true),
				}},
				Script:    "function before_action() {}",
				RateLimit: 0.1,
			},
			{
				Name: "Delete Webhook", Description: "Removes it.", Category: "Webhooks",
				MethodType: model.MethodAction, HttpMethod: "DELETE", DataType: model.BodyForm,
				Endpoint:   "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}",
				Parameters: []model.Parameter{param("Hook", model.TargetMergeField, 1)},
				RateLimit:  1e-7,
			},
			{
				Name: "New Order", Description: "Fires on orders.", Category: "Orders",
				MethodType: model.MethodWebhook, DataType: model.BodyXml,
				CreateWebhookMethod: "Create Webhook", DeleteWebhookMethod: "Delete Webhook",
				WebhookSignature: model.SignatureCheck{Header: "X-Sig", Algorithm: "sha256", Encoding: "hex",
					Prefix: "sha256=", SecretParameter: "Secret", SecretResponseField: "HookSecret"},
				RequestFormat: model.Format{Fields: []model.Field{
					field("event", model.FieldText, false, false),
					field("data.[lines].sku", model.FieldList, true, true),
					field("data.total", model.FieldDecimal, false, false),
				}},
				Parameters: []model.Parameter{
					param("Filter", model.TargetQueryString, 2, "x", "y"),
					param("Trace", model.TargetHttpHeader, 16, "on"),
				},
				Script: "function after_webhook() {}",
			},
			{
				Name: "Run Script", Description: "Script only.", Category: "Misc",
				MethodType: model.MethodScript, HttpMethod: "GET", DataType: model.BodyPlainText,
				ResponseFormat: model.Format{Fields: []model.Field{
					field("when", model.FieldDateTime, false, false),
					field("obj", model.FieldObject, false, false),
					field("ratio", model.FieldFloat, false, false),
				}},
				Script: "method_response = {};",
			},
		},
	}
}

// unsetFields returns every "Type.Field" of v's types that is zero (or an
// empty list) wherever it occurs in v.
func unsetFields(v any) []string {
	set := map[string]bool{}
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			walk(v.Elem())
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				fv := v.Field(i)
				key := v.Type().Name() + "." + v.Type().Field(i).Name
				nonZero := !fv.IsZero()
				if fv.Kind() == reflect.Slice {
					nonZero = fv.Len() > 0
				}
				set[key] = set[key] || nonZero
				walk(fv)
			}
		}
	}
	walk(reflect.ValueOf(v))
	var out []string
	for k, ok := range set {
		if !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestFullConnector_SetsEveryField keeps the round trip honest: a field
// added to the model must be added to the fixture, and so to the store.
func TestFullConnector_SetsEveryField(t *testing.T) {
	c := fullConnector()
	c.ID = 1            // set by saving
	c.Methods[0].ID = 1 // so are the methods'
	if unset := unsetFields(c); len(unset) > 0 {
		t.Errorf("fullConnector leaves these fields unset everywhere: %v", unset)
	}
}

// withoutMethodIDs clears the methods' IDs, which loading sets, for
// comparing a loaded connector with one written by hand.
func withoutMethodIDs(c *model.Connector) *model.Connector {
	for i := range c.Methods {
		c.Methods[i].ID = 0
	}
	return c
}
