package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"patchbay/model"
)

func TestMapFields(t *testing.T) {
	body := []byte(`{
		"id": 1, "name": "hook", "count": "12", "big": 1e3, "price": 12.50, "rate": "0.25",
		"active": true, "flag": "false", "at": "2024-01-01T00:00:00Z", "ts": 1700000000,
		"owner": {"id": "u1"}, "tags": ["a", "b"], "none": null,
		"records": [{"Email": "a@x", "n": "1"}, {"Email": "b@x", "n": 2}],
		"A": [{"B": [{"c": 1}, {"c": 2}]}, {"B": [{"c": 3}]}]
	}`)
	tests := []struct {
		path string
		dt   model.FieldType
		want any
	}{
		{"id", model.FieldInteger, int64(1)},
		{"id", model.FieldText, "1"},
		{"name", model.FieldText, "hook"},
		{"count", model.FieldInteger, int64(12)},
		{"big", model.FieldInteger, int64(1000)},
		{"price", model.FieldDecimal, json.Number("12.50")},
		{"rate", model.FieldFloat, json.Number("0.25")},
		{"active", model.FieldBoolean, true},
		{"flag", model.FieldBoolean, false},
		{"at", model.FieldDateTime, "2024-01-01T00:00:00Z"},
		{"ts", model.FieldDateTime, "1700000000"},
		{"owner", model.FieldObject, map[string]any{"id": "u1"}},
		{"owner", model.FieldText, `{"id":"u1"}`},
		{"owner.id", model.FieldText, "u1"},
		{"tags", model.FieldList, []any{"a", "b"}},
		{"none", model.FieldText, nil},
		{"[records].Email", model.FieldText, []any{"a@x", "b@x"}},
		{"[records].n", model.FieldInteger, []any{int64(1), int64(2)}},
		{"[A].[B].c", model.FieldInteger, []any{[]any{int64(1), int64(2)}, []any{int64(3)}}},
		{"[tags]", model.FieldText, []any{"a", "b"}},
		{"[tags]", model.FieldList, []any{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s as %s", tt.path, tt.dt), func(t *testing.T) {
			got, err := MapFields("Test", []model.Field{{ConnectorField: tt.path, SystemField: "S", DataType: tt.dt}}, body)
			if err != nil {
				t.Fatal(err)
			}
			if !got[0].Found || fmt.Sprintf("%#v", got[0].Value) != fmt.Sprintf("%#v", tt.want) {
				t.Errorf("mapped %s = %#v (found %v), want %#v", tt.path, got[0].Value, got[0].Found, tt.want)
			}
			if got[0].ConnectorField != tt.path || got[0].SystemField != "S" || got[0].DataType != tt.dt {
				t.Errorf("mapped field = %+v", got[0])
			}
		})
	}
}

func TestMapFieldsMissing(t *testing.T) {
	fields := []model.Field{{ConnectorField: "data.gone", DataType: model.FieldText}, {ConnectorField: "id", DataType: model.FieldInteger}}
	for _, body := range []string{`{"id": 1}`, ``, " \n"} {
		got, err := MapFields("Test", fields, []byte(body))
		if err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		if got[0].Found || got[0].Value != nil {
			t.Errorf("body %q: a missing field was found: %+v", body, got[0])
		}
	}
}

func TestMapFieldsErrors(t *testing.T) {
	m := &model.Method{Name: "Get Order", ResponseFormat: model.Format{}}
	tests := []struct {
		body, path string
		dt         model.FieldType
		field      string
		want       string
	}{
		{`{"count": "abc"}`, "count", model.FieldInteger, "Method 'Get Order' › Response Format › count", `"abc" is not an Integer`},
		{`{"count": 1.5}`, "count", model.FieldInteger, "Method 'Get Order' › Response Format › count", `1.5 is not an Integer`},
		{`{"ok": "yes"}`, "ok", model.FieldBoolean, "Method 'Get Order' › Response Format › ok", `"yes" is not a Boolean`},
		{`{"o": [1]}`, "o", model.FieldObject, "Method 'Get Order' › Response Format › o", `[1] is not an Object`},
		{`{"l": {"a": 1}}`, "l", model.FieldList, "Method 'Get Order' › Response Format › l", `{"a":1} is not a List`},
		{`{"r": [{"n": "x"}]}`, "[r].n", model.FieldInteger, "Method 'Get Order' › Response Format › [r].n", `"x" is not an Integer`},
		{`{"r": {"a": 1}}`, "[r]", model.FieldText, "Method 'Get Order' › Response Format › [r]", `{"a":1} is not a list`},
		{`{"a": 1}`, "a..b", model.FieldText, "Method 'Get Order' › Response Format › a..b", `"a..b" is not a Connector Field path`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			m.ResponseFormat.Fields = []model.Field{{ConnectorField: tt.path, DataType: tt.dt}}
			_, err := MapResponse(m, []byte(tt.body))
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %s: …%s", err, tt.field, tt.want)
			}
		})
	}
	m.ResponseFormat.Fields = []model.Field{{ConnectorField: "id", DataType: model.FieldText}}
	_, err := MapResponse(m, []byte("<html>Bad Gateway</html>"))
	if err == nil || !strings.Contains(err.Error(), "Method 'Get Order' › Response Format: the body is not JSON; it starts: <html>Bad Gateway</html>") {
		t.Errorf("non-JSON body: %v", err)
	}
}

func TestWebhookID(t *testing.T) {
	tests := []struct {
		path, body, want string
	}{
		{"id", `{"id": 1, "active": true}`, "1"},
		{"id", `{"id": "wh_123"}`, "wh_123"},
		{"data.webhook.id", `{"data": {"webhook": {"id": "abc-1"}}}`, "abc-1"},
		{"data.webhook.id", `{"data": {"webhook": {"id": 77}}}`, "77"},
		{"id", `{"id": 1e3}`, "1000"},
		{"id", `{"id": 2.0}`, "2"},
		{"id", `{"id": 12345678901234567890123}`, "12345678901234567890123"},
		{"id", `{"id": -5}`, "-5"},
		{"id", `{"id": 1.5}`, "1.5"},
		{"id", `{"id": 1.5e2}`, "150"},
		{"id", `{"id": 1E+40}`, "1" + strings.Repeat("0", 40)},
		{`\hook.id\`, `{"hook.id": "h"}`, "h"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			fields := []model.Field{{ConnectorField: "active", DataType: model.FieldBoolean}, {ConnectorField: tt.path, SystemField: model.SystemFieldWebhookID, DataType: model.FieldText}}
			got, err := WebhookID(fields, []byte(tt.body))
			if err != nil || got != tt.want {
				t.Errorf("WebhookID = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestWebhookIDErrors(t *testing.T) {
	long := `{"data": {"other": "` + strings.Repeat("x", 300) + `"}}`
	tests := []struct {
		name, body string
		want       []string
	}{
		{"missing path", long, []string{`no Cyclr_Webhook_Id at "data.webhook.id"`, "the path is not in the body", `the response body starts: {"data": {"other": "xxx`, "x…"}},
		{"object", `{"data": {"webhook": {"id": {"v": 1}}}}`, []string{"the id is an object", `{"v": 1}`}},
		{"list", `{"data": {"webhook": {"id": [1]}}}`, []string{"the id is a list"}},
		{"null", `{"data": {"webhook": {"id": null}}}`, []string{"the id is null"}},
		{"empty string", `{"data": {"webhook": {"id": ""}}}`, []string{"the id is an empty string"}},
		{"boolean", `{"data": {"webhook": {"id": true}}}`, []string{"the id is true, not a string or number"}},
		{"not JSON", `<html>Created</html>`, []string{`no Cyclr_Webhook_Id at "data.webhook.id"`, "not JSON; it starts: <html>Created</html>"}},
		{"empty body", ``, []string{`no Cyclr_Webhook_Id at "data.webhook.id"`, "the response body is empty"}},
	}
	fields := []model.Field{{ConnectorField: "data.webhook.id", SystemField: model.SystemFieldWebhookID, DataType: model.FieldText}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WebhookID(fields, []byte(tt.body))
			if err == nil {
				t.Fatal("WebhookID = nil error, want one")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			if len(err.Error()) > 400 {
				t.Errorf("error is %d characters long; the body should be clipped", len(err.Error()))
			}
		})
	}
	_, err := WebhookID([]model.Field{{ConnectorField: "id", DataType: model.FieldText}}, []byte(`{"id":1}`))
	if err == nil || !strings.Contains(err.Error(), "no Response Format field has the System Field Cyclr_Webhook_Id") {
		t.Errorf("no id field: %v", err)
	}
}

// A body nested deeper than 1000 levels is refused before gjson reads it:
// gjson recurses, and ten million brackets, within the size cap, ended the
// process with a stack overflow. Brackets inside strings do not count.
func TestDeepBodiesRefused(t *testing.T) {
	fields := []model.Field{{ConnectorField: "id", SystemField: model.SystemFieldWebhookID}}
	deep := []byte(strings.Repeat("[", 10_000_000))
	if _, err := MapFields("grid", fields, deep); err == nil || !strings.Contains(err.Error(), "grid: the body nests arrays and objects more than 1000 deep") {
		t.Errorf("MapFields: %v", err)
	}
	if _, err := WebhookID(fields, deep); err == nil || !strings.Contains(err.Error(), "the response body nests arrays and objects more than 1000 deep") {
		t.Errorf("WebhookID: %v", err)
	}
	if _, ok := secretAt("id", deep); ok {
		t.Error("secretAt read a secret from a body nested too deep")
	}
	within := []byte(strings.Repeat("[", 1000) + strings.Repeat("]", 1000))
	inString := []byte(`{"id": "` + strings.Repeat("[{", 5000) + `\"[", "n": 1}`)
	for _, body := range [][]byte{within, inString} {
		if tooDeep(body, maxJSONNesting) {
			t.Errorf("tooDeep(%.40s…) = true", body)
		}
	}
	if id, err := WebhookID(fields, inString); err != nil || !strings.HasPrefix(id, "[{[{") {
		t.Errorf("brackets in a string: %q, %v", id, err)
	}
}

// An id written with a huge exponent is refused at once: written out, 1e20000000
// is twenty million digits, which took half a minute to work out and went
// into the ledger and the delete's URL.
func TestWebhookIDHugeExponent(t *testing.T) {
	fields := []model.Field{{ConnectorField: "id", SystemField: model.SystemFieldWebhookID}}
	for _, body := range []string{`{"id": 1e20000000}`, `{"id": 1e41}`, `{"id": 5e-100}`} {
		id, err := WebhookID(fields, []byte(body))
		if err == nil || !strings.Contains(err.Error(), "whose exponent is too large to write it out as an id") || len(err.Error()) > 400 {
			t.Errorf("%s: id %.40q, error %.300v", body, id, err)
		}
	}
}

// A string is read as encoding/json reads it, whether or not it has
// escapes: bad UTF-8 as U+FFFD, escapes decoded.
func TestMapFieldsStrings(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`"plain"`, "plain"},
		{`"café 日本 🦊"`, "café 日本 🦊"},
		{`"caf\u00e9 \"x\""`, `café "x"`},
		{`"tab\there"`, "tab\there"},
		{"\"bad \xff byte\"", "bad \uFFFD byte"},
		{`"\ud800 lone"`, "\uFFFD lone"},
		{`""`, ""},
	} {
		got, err := MapFields("grid", []model.Field{{ConnectorField: "s", DataType: model.FieldText}}, []byte(`{"s": `+tc.raw+`}`))
		if err != nil || len(got) != 1 || got[0].Value != tc.want {
			t.Errorf("%s: got %+v, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
}
