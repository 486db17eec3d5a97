package model

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseFieldPath(t *testing.T) {
	tests := []struct {
		path string
		want []PathStep
	}{
		{"id", []PathStep{{Key: "id"}}},
		{"data.owner.id", []PathStep{{Key: "data"}, {Key: "owner"}, {Key: "id"}}},
		{"[records].EmailAddress", []PathStep{{Key: "records", Each: true}, {Key: "EmailAddress"}}},
		{"data.[lines].sku", []PathStep{{Key: "data"}, {Key: "lines", Each: true}, {Key: "sku"}}},
		{"[].id", []PathStep{{Key: "", Each: true}, {Key: "id"}}},
		{"[A].[B].c", []PathStep{{Key: "A", Each: true}, {Key: "B", Each: true}, {Key: "c"}}},
		{`[A].\B.c\`, []PathStep{{Key: "A", Each: true}, {Key: "B.c"}}},
		{`[\a.b\].c`, []PathStep{{Key: "a.b", Each: true}, {Key: "c"}}},
		{"first name", []PathStep{{Key: "first name"}}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := ParseFieldPath(tt.path)
			if err != nil {
				t.Fatalf("got error %q, want %+v", err, tt.want)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseFieldPathErrors(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"", `"" is not a Connector Field path: it is empty (at character 1)`},
		{"a..b", `"a..b" is not a Connector Field path: an empty step (at character 3)`},
		{"a.", `"a." is not a Connector Field path: the path ends with "." (at character 2)`},
		{".a", `".a" is not a Connector Field path: an empty step (at character 1)`},
		{"[a", `"[a" is not a Connector Field path: "[" is never closed with "]" (at character 1)`},
		{"a.[]", `"a.[]" is not a Connector Field path: "[]" (the root array) may only start a path (at character 3)`},
		{`\a`, `"\\a" is not a Connector Field path: the "\" is never closed (at character 1)`},
		{`\\`, `"\\\\" is not a Connector Field path: "\\" escapes nothing (at character 1)`},
		{"a]", `"a]" is not a Connector Field path: expected "." after "a", found ']' (at character 2)`},
		{"]", `"]" is not a Connector Field path: unexpected ']' (at character 1)`},
		{"a[b]", `"a[b]" is not a Connector Field path: expected "." after "a", found '[' (at character 2)`},
		{"[a]b", `"[a]b" is not a Connector Field path: expected "." after "[a]", found 'b' (at character 4)`},
		{"enabled_events[]", `"enabled_events[]" is not a Connector Field path: expected "." after "enabled_events", found '[' (at character 15)`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			steps, err := ParseFieldPath(tt.path)
			var fe *FieldPathError
			if !errors.As(err, &fe) {
				t.Fatalf("got %+v, error %v; want a *FieldPathError %q", steps, err, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got error %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatFieldPathRoundTrip(t *testing.T) {
	// Canonical paths come back as written; \b\ without a dot needs no
	// backslashes and comes back without them.
	tests := []struct{ path, want string }{
		{"id", "id"},
		{"data.owner.id", "data.owner.id"},
		{"[records].EmailAddress", "[records].EmailAddress"},
		{"data.[lines].sku", "data.[lines].sku"},
		{"[].id", "[].id"},
		{"[A].[B].c", "[A].[B].c"},
		{`[A].\B.c\`, `[A].\B.c\`},
		{`[\a.b\].c`, `[\a.b\].c`},
		{`a.\b\`, "a.b"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			steps, err := ParseFieldPath(tt.path)
			if err != nil {
				t.Fatalf("ParseFieldPath: %v", err)
			}
			got := FormatFieldPath(steps)
			if got != tt.want {
				t.Errorf("FormatFieldPath = %q, want %q", got, tt.want)
			}
			again, err := ParseFieldPath(got)
			if err != nil || !reflect.DeepEqual(again, steps) {
				t.Errorf("reading %q back gave %+v, %v; want %+v", got, again, err, steps)
			}
		})
	}
}
