package model

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// tokensText writes tokens compactly for comparison: literals quoted,
// mergefields as {{Name}}, each with its position.
func tokensText(toks []Token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		if t.IsMergefield() {
			parts[i] = fmt.Sprintf("{{%s}}@%d", t.Name, t.Pos)
		} else {
			parts[i] = fmt.Sprintf("%q@%d", t.Literal, t.Pos)
		}
	}
	return strings.Join(parts, " ")
}

func TestParseMergefields(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		strict bool
		want   string // tokensText of the result, when no error
		err    string // the error's text, when one is expected
	}{
		{name: "plain text", text: "https://example.com/a", strict: true, want: `"https://example.com/a"@0`},
		{name: "empty text", text: "", strict: true, want: ``},
		{name: "one mergefield alone", text: "{{BaseUrl}}", strict: true, want: `{{BaseUrl}}@0`},
		{name: "several mergefields", text: "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}?x={{A}}{{B}}", strict: true,
			want: `{{BaseUrl}}@0 "/webhooks/"@11 {{Cyclr_Webhook_Id}}@21 "?x="@41 {{A}}@44 {{B}}@49`},
		{name: "single braces are literal", text: "a {b} c", strict: true, want: `"a {b} c"@0`},
		{name: "the seed's third brace", text: "https://webhookexample.com/webhooks/{{Cyclr_Webhook_Id}}}", strict: true,
			err: `at character 57: one "}" too many after {{Cyclr_Webhook_Id}}`},
		{name: "never closed", text: "{{BaseUrl}}/x/{{Id", strict: true,
			err: `at character 15: "{{" is never closed with "}}"`},
		{name: "never closed, lenient too", text: `{"a":"{{Id"}`, strict: false,
			err: `at character 7: "{{" is never closed with "}}"`},
		{name: "empty mergefield", text: "a{{}}b", strict: true, err: "at character 2: empty mergefield {{}}"},
		{name: "spaces around the name", text: "{{ BaseUrl }}", strict: true,
			err: "at character 1: mergefield {{ BaseUrl }} has spaces around its name"},
		{name: "space inside the name", text: "x{{Base Url}}", strict: true,
			err: `at character 8: mergefield {{Base Url}} has ' ' in its name`},
		{name: "brace inside the name", text: "{{{Id}}", strict: true,
			err: `at character 3: mergefield {{{Id}} has '{' in its name`},
		{name: "stray closing braces, strict", text: "a}}b", strict: true, err: `at character 2: "}}" closes no "{{"`},
		{name: "stray closing braces, lenient", text: "a}}b", strict: false, want: `"a}}b"@0`},
		{name: "third brace, lenient", text: "{{Id}}}", strict: false, want: `{{Id}}@0 "}"@6`},
		{name: "JSON text, lenient", text: `{"a":{"b":"{{X}}"}}`, strict: false,
			want: `"{\"a\":{\"b\":\""@0 {{X}}@11 "\"}}"@16`},
		{name: "JSON text, strict", text: `{"a":{"b":"{{X}}"}}`, strict: true, err: `at character 18: "}}" closes no "{{"`},
		{name: "dots and dashes in names", text: "{{a.b-c_1}}", strict: true, want: `{{a.b-c_1}}@0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, err := ParseMergefields(tt.text, tt.strict)
			if tt.err != "" {
				var me *MergefieldError
				if !errors.As(err, &me) {
					t.Fatalf("got tokens %s, error %v; want a *MergefieldError %q", tokensText(toks), err, tt.err)
				}
				if got := err.Error(); got != tt.err {
					t.Errorf("got error %q, want %q", got, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %q, want tokens %s", err, tt.want)
			}
			if got := tokensText(toks); got != tt.want {
				t.Errorf("got tokens %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMergefieldNames(t *testing.T) {
	got, err := MergefieldNames("{{BaseUrl}}/a/{{Id}}/{{BaseUrl}}", true)
	if want := []string{"BaseUrl", "Id", "BaseUrl"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v; want %q, no error", got, err, want)
	}
	if got, err := MergefieldNames("{{Id}}}", true); err == nil {
		t.Errorf("got %q, no error; want the third brace reported", got)
	}
}

func TestUsesMergefield(t *testing.T) {
	tests := []struct {
		text, name string
		want       bool
	}{
		{"{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}", "Cyclr_Webhook_Id", true},
		{"{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}}", "Cyclr_Webhook_Id", true},
		{"{{BaseUrl}}/webhooks/Cyclr_Webhook_Id", "Cyclr_Webhook_Id", false},
		{"{{Cyclr_Webhook_Ids}}", "Cyclr_Webhook_Id", false},
	}
	for _, tt := range tests {
		if got := UsesMergefield(tt.text, tt.name); got != tt.want {
			t.Errorf("UsesMergefield(%q, %q) = %v, want %v", tt.text, tt.name, got, tt.want)
		}
	}
}

func TestDefaultValueIsJSON(t *testing.T) {
	for _, ft := range FieldTypes {
		want := ft == FieldObject || ft == FieldList
		if got := DefaultValueIsJSON(ft); got != want {
			t.Errorf("DefaultValueIsJSON(%s) = %v, want %v", ft, got, want)
		}
	}
}
