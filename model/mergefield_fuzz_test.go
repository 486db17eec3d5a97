package model

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseMergefields feeds any text to ParseMergefields, strict and
// lenient. It must not panic; a text it reads must come back whole from its
// tokens; a text it refuses must get a *MergefieldError pointing at a
// character of the text and saying what is wrong.
func FuzzParseMergefields(f *testing.F) {
	for _, s := range []string{
		"",
		"plain text",
		"{{Cyclr_Webhook_Id}}",
		"https://{{Subdomain}}.example.com/v2/hooks/{{Cyclr_Webhook_Id}}?expand={{Expand}}",
		"https://x.test/webhooks/{{Cyclr_Webhook_Id}}}", // the docs' typo
		`{"a": {"b": "{{Name}}"}}`,
		`{"list": [{{Ids}}], "n": {"m": {}}}`,
		"{{", "}}", "{{}}", "{{ Name }}", "{{Na me}}", "{{a}}}}", "{{{a}}}", "{{a.b-c_9}}",
		"{{é}}", "{{a\n}}", "{{\xff}}", "a}b{c",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, strict bool) {
		toks, err := ParseMergefields(s, strict)
		if err != nil {
			checkMergefieldError(t, s, err)
			return
		}
		var whole strings.Builder
		for i, tok := range toks {
			if tok.Pos != whole.Len() {
				t.Errorf("token %d at %d, want %d (%+v)", i, tok.Pos, whole.Len(), toks)
			}
			switch {
			case tok.IsMergefield():
				if tok.Literal != "" {
					t.Errorf("token %d is both a mergefield and literal text: %+v", i, tok)
				}
				if err := checkMergefieldName(tok.Name, 0); err != nil {
					t.Errorf("token %d: accepted a name that is not one: %v", i, err)
				}
				whole.WriteString("{{" + tok.Name + "}}")
			case tok.Literal == "":
				t.Errorf("token %d is empty", i)
			default:
				if i > 0 && !toks[i-1].IsMergefield() {
					t.Errorf("tokens %d and %d are both literal text: %+v", i-1, i, toks)
				}
				whole.WriteString(tok.Literal)
			}
		}
		if whole.String() != s {
			t.Errorf("tokens give back %q, want %q", whole.String(), s)
		}
		// Strict reading only refuses more: what it reads, lenient reads the same way.
		if strict {
			lenient, err := ParseMergefields(s, false)
			if err != nil {
				t.Fatalf("strict reads %q but lenient refuses it: %v", s, err)
			}
			if !reflect.DeepEqual(lenient, toks) {
				t.Errorf("strict and lenient read %q differently:\n strict %+v\nlenient %+v", s, toks, lenient)
			}
		}
	})
}

// checkMergefieldError checks that err says what is wrong with s and where.
func checkMergefieldError(t *testing.T, s string, err error) {
	t.Helper()
	var me *MergefieldError
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T) is not a *MergefieldError", err, err)
	}
	if me.Pos < 0 || me.Pos >= len(s) {
		t.Fatalf("error at byte %d, outside the text (%d bytes): %v", me.Pos, len(s), err)
	}
	if want := utf8.RuneCountInString(s[:me.Pos]) + 1; me.Char != want {
		t.Errorf("error at byte %d says character %d, want %d: %v", me.Pos, me.Char, want, err)
	}
	if strings.TrimSpace(me.Msg) == "" {
		t.Errorf("error at byte %d has no message", me.Pos)
	}
	checkQuotesOnlyInput(t, s, me.Msg)
	checkPrintable(t, err.Error())
}

// What reading the fuzz corpus's messages showed: "at character" counted
// bytes, so every é or ü before a fault put it one further on;
func TestParseMergefieldsFuzzFindings(t *testing.T) {
	tests := []struct {
		text   string
		strict bool
		want   string
	}{
		{"Größe {{Name", true, `at character 7: "{{" is never closed with "}}"`},
		{"/café/{{Id}}}", true, `at character 13: one "}" too many after {{Id}}`},
		{"ü}}", true, `at character 2: "}}" closes no "{{"`},
		{`{"name": "Größe {{Na me}}"}`, false, `at character 21: mergefield {{Na me}} has ' ' in its name`},
		// and a name of control characters or broken UTF-8 was written out raw
		// ({{\x7f}} looked like {{}}), one of spaces said to have spaces around it.
		{"{{\x7f}}", true, `at character 3: mergefield {{\x7f}} has '\x7f' in its name`},
		{"{{a\xff}}", true, `at character 4: mergefield {{a\xff}} has "\xff" in its name`},
		{"{{a\n}}", true, `at character 1: mergefield {{a\n}} has spaces around its name`},
		{"{{   }}", false, `at character 1: mergefield {{   }} has no name, only white space`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, err := ParseMergefields(tt.text, tt.strict)
			if err == nil || err.Error() != tt.want {
				t.Errorf("ParseMergefields(%q) error\n got %v\nwant %s", tt.text, err, tt.want)
			}
		})
	}
}
