package engine

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"patchbay/model"
)

// FuzzRender renders any text into a URL, plain text and JSON, with any
// value for the input {{A}} and any template as the value of the connector
// parameter {{P}}. It must not panic; an error must be a *FieldError naming
// the text's field (or P's, for a fault in P's template) and pointing at a
// character of that text; what renders must hold the values escaped for
// their place: a value in a JSON string keeps valid JSON valid, one in a URL
// reads back from the URL's path segment, query and fragment as it was.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"plain", "Bearer {{A}}", "{{P}}", "{{P}}/items/{{A}}?q={{A}}#{{A}}",
		"https://x.test/webhooks/{{Cyclr_Webhook_Id}}}", "https://{{A}}.x.test/{{A}}",
		`{"msg": "{{A}}", "list": [{{A}}], "n": {"m": "\"{{A}}"}}`, `"\\{{A}}"`, `{"a": "\{{A}}"}`,
		"{{", "}}", "{{}}", "{{Nope}}", "{{Cyclr_Auth_ApiKey}}", "{{ A }}", "{{A}}}}",
	} {
		f.Add(s, "a b/c?d=e&f#g", "{{A}}")
		f.Add(s, `say "hi" \ {{x}}`, "https://api.example.com/v2")
		f.Add(s, "\xff\u2028\x00", "{{P}}")
	}
	const field = "Method 'Get' › Settings › Endpoint"
	f.Fuzz(func(t *testing.T, text, value, param string) {
		c := &model.Connector{Name: "Fuzz", Parameters: []model.Parameter{
			{TargetType: model.TargetMergeField, TargetName: "P", Values: []string{param}},
		}}
		m := &model.Method{Name: "Get", MethodType: model.MethodAction}
		mf := Values{Inputs: map[string]string{"A": value}}.For(c, m)
		paramField := connectorLabel(c.Name, model.TabParameters, "P")

		for _, place := range []Place{PlacePlain, PlaceURL, PlaceJSON} {
			got, err := mf.Render(field, text, place)
			if err != nil {
				checkRenderError(t, err, map[string]string{field: text, paramField: param})
				continue
			}
			if place == PlacePlain {
				if want := renderPlain(t, mf, text); got != want {
					t.Errorf("Render(%q) as plain text = %q, want %q", text, got, want)
				}
			}
		}

		// A value in a JSON string keeps the JSON valid, whatever it holds.
		only := Values{Inputs: map[string]string{"A": "x"}}.For(nil, nil)
		if probe, err := only.Render(field, text, PlaceJSON); err == nil && json.Valid([]byte(probe)) {
			only.v.Inputs["A"] = value
			got, err := only.Render(field, text, PlaceJSON)
			if err != nil {
				t.Fatalf("Render(%q) as JSON with A=x gives %s, with A=%q: %v", text, probe, value, err)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("Render(%q) as JSON with A=%q gives %q, which is not JSON (with A=x: %s)", text, value, got, probe)
			}
		}

		// A value in a URL reads back from where it went.
		const endpoint = "https://x.test/items/{{A}}/sub?q={{A}}&r=1#{{A}}"
		u, err := mf.Render(field, endpoint, PlaceURL)
		if err != nil {
			t.Fatalf("Render(%q): %v", endpoint, err)
		}
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatalf("Render(%q) with A=%q gives %q, which is not a URL: %v", endpoint, value, u, err)
		}
		segs := strings.Split(parsed.EscapedPath(), "/")
		if len(segs) != 4 {
			t.Fatalf("Render(%q) with A=%q gives the path %q, want 3 segments", endpoint, value, parsed.EscapedPath())
		}
		if seg, err := url.PathUnescape(segs[2]); err != nil || seg != value {
			t.Errorf("Render(%q) with A=%q gives the path segment %q (%v)", endpoint, value, seg, err)
		}
		if q := parsed.Query(); q.Get("q") != value || q.Get("r") != "1" {
			t.Errorf("Render(%q) with A=%q gives the query %v", endpoint, value, q)
		}
		if parsed.Fragment != value {
			t.Errorf("Render(%q) with A=%q gives the fragment %q", endpoint, value, parsed.Fragment)
		}
	})
}

// renderPlain is what plain rendering must give: the literal text, with each
// mergefield replaced by its value as it is.
func renderPlain(t *testing.T, mf *Mergefields, text string) string {
	t.Helper()
	toks, err := model.ParseMergefields(text, true)
	if err != nil {
		t.Fatalf("Render took %q, ParseMergefields refuses it: %v", text, err)
	}
	var out strings.Builder
	for _, tok := range toks {
		if !tok.IsMergefield() {
			out.WriteString(tok.Literal)
			continue
		}
		v, ok, err := mf.Lookup(tok.Name)
		if !ok || err != nil {
			t.Fatalf("Render took %q, but {{%s}} has no value: %v", text, tok.Name, err)
		}
		out.WriteString(v)
	}
	return out.String()
}

// checkRenderError checks that err names one of the fields, by which texts
// maps to the text it holds, and points at a character of that text.
func checkRenderError(t *testing.T, err error, texts map[string]string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FieldError", err, err)
	}
	text, ok := texts[fe.Field]
	if !ok {
		t.Fatalf("error %v names %q, not the field rendered", err, fe.Field)
	}
	if !strings.HasPrefix(err.Error(), fe.Field+": ") {
		t.Errorf("error %q does not begin with the field's name", err)
	}
	var me *model.MergefieldError
	if !errors.As(err, &me) {
		t.Fatalf("error %v does not wrap a *model.MergefieldError", err)
	}
	if me.Pos < 0 || me.Pos >= len(text) {
		t.Fatalf("error %v at byte %d, outside %q", err, me.Pos, text)
	}
	if want := utf8.RuneCountInString(text[:me.Pos]) + 1; me.Char != want {
		t.Errorf("error %v at byte %d says character %d, want %d", err, me.Pos, me.Char, want)
	}
	if strings.TrimSpace(me.Msg) == "" {
		t.Errorf("error %v has no message", err)
	}
	if strings.ContainsFunc(err.Error(), unicode.IsControl) {
		t.Errorf("error %q holds a control character", err)
	}
}

// What reading the fuzz corpus's messages showed in Render: "at character"
// counted bytes, so a fault after é or ü was placed further on than it is.
func TestRenderFuzzFindings(t *testing.T) {
	mf := Values{}.For(nil, nil)
	_, err := mf.Render("Test", `{"name": "Größe {{Nope}}"}`, PlaceJSON)
	if want := "Test: at character 17: unknown mergefield {{Nope}}"; err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}
