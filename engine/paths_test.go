package engine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"patchbay/model"
)

func TestGJSONPath(t *testing.T) {
	tests := []struct {
		cyclr, want string
	}{
		{"id", "id"},
		{"data.owner.id", "data.owner.id"},
		{"[records].EmailAddress", "records.#.EmailAddress"},
		{"data.[records].id", "data.records.#.id"},
		{"[].id", "#.id"},
		{"[A].[B].c", "A.#.B.#.c"},
		{`[A].\B.c\`, `A.#.B\.c`},
		{"[records]", "records"},
		{"data.[records]", "data.records"},
		{"[]", "@this"},
		{`\a.b\.c`, `a\.b.c`},
		{`\*?|#@!=<>%\`, `\*\?\|\#\@\!\=\<\>\%`},
		{`\x\y`, `xy`}, // an escaped run and plain text make one key
		{"first name", "first name"},
		{"2313", "2313"},
	}
	for _, tt := range tests {
		t.Run(tt.cyclr, func(t *testing.T) {
			got, err := GJSONPath(tt.cyclr)
			if err != nil {
				t.Fatalf("GJSONPath(%q): %v", tt.cyclr, err)
			}
			if got != tt.want {
				t.Errorf("GJSONPath(%q) = %q, want %q", tt.cyclr, got, tt.want)
			}
		})
	}
}

func TestGJSONPathErrors(t *testing.T) {
	for _, p := range []string{"", "[records", "a..b", "a.", `a.\b`, "a.[].b"} {
		t.Run(p, func(t *testing.T) {
			_, err := GJSONPath(p)
			if err == nil {
				t.Fatalf("GJSONPath(%q) = nil error, want one", p)
			}
			if !strings.Contains(err.Error(), "Connector Field path") {
				t.Errorf("error %q does not say it is about a Connector Field path", err)
			}
		})
	}
}

// The translated paths read what the Cyclr paths mean from a real document.
func TestGJSONPathReads(t *testing.T) {
	doc := `{
		"id": 7,
		"data": {"owner": {"id": "u1"}, "records": [{"id": 1}, {"id": 2}]},
		"records": [{"EmailAddress": "a@x"}, {"EmailAddress": "b@x"}],
		"A": [{"B": [{"c": 1}, {"c": 2}], "B.c": "dot1"}, {"B": [{"c": 3}], "B.c": "dot2"}],
		"*?|#@!=<>%": "odd",
		"first name": "Ann"
	}`
	root := `[{"id": "r1"}, {"id": "r2"}]`
	tests := []struct {
		doc, cyclr, want string
	}{
		{doc, "id", `7`},
		{doc, "data.owner.id", `"u1"`},
		{doc, "[records].EmailAddress", `["a@x","b@x"]`},
		{doc, "data.[records].id", `[1,2]`},
		{doc, "[A].[B].c", `[[1,2],[3]]`},
		{doc, `[A].\B.c\`, `["dot1","dot2"]`},
		{doc, `\*?|#@!=<>%\`, `"odd"`},
		{doc, "first name", `"Ann"`},
		{doc, "[records]", `[{"EmailAddress": "a@x"}, {"EmailAddress": "b@x"}]`},
		{root, "[].id", `["r1","r2"]`},
		{root, "[]", root},
	}
	for _, tt := range tests {
		t.Run(tt.cyclr, func(t *testing.T) {
			p, err := GJSONPath(tt.cyclr)
			if err != nil {
				t.Fatal(err)
			}
			if got := gjson.Get(tt.doc, p).Raw; got != tt.want {
				t.Errorf("reading %q (gjson %q) = %s, want %s", tt.cyclr, p, got, tt.want)
			}
		})
	}
}

func TestSetJSON(t *testing.T) {
	type set struct {
		path  string
		value any
	}
	tests := []struct {
		name string
		sets []set
		want string
	}{
		{"nested objects", []set{{"data.owner.id", 1}, {"data.owner.name", "Ann"}, {"active", true}},
			`{"data":{"owner":{"id":1,"name":"Ann"}},"active":true}`},
		{"numeric and odd keys stay keys", []set{{"users.2313.name", "Sara"}, {`\a.b\.-1`, 1}, {`\:x\`, 2}, {`\*?|#@!=<>%\`, 3}},
			`{"users":{"2313":{"name":"Sara"}},"a.b":{"-1":1},":x":2,"*?|#@!=<>%":3}`},
		{"array path sets each element", []set{{"[lines].sku", []any{"A", "B"}}, {"[lines].qty", []any{1, 2}}},
			`{"lines":[{"sku":"A","qty":1},{"sku":"B","qty":2}]}`},
		{"array below an object", []set{{"order.[lines].sku", []string{"A"}}},
			`{"order":{"lines":[{"sku":"A"}]}}`},
		{"root array", []set{{"[].id", []any{"r1", "r2"}}},
			`[{"id":"r1"},{"id":"r2"}]`},
		{"arrays within arrays", []set{{"[A].[B].c", []any{[]any{1, 2}, []any{3}}}},
			`{"A":[{"B":[{"c":1},{"c":2}]},{"B":[{"c":3}]}]}`},
		{"trailing array step is the array", []set{{"[tags]", []any{"x", "y"}}},
			`{"tags":["x","y"]}`},
		{"empty list", []set{{"[lines].sku", []any{}}},
			`{"lines":[]}`},
		{"object and list values", []set{{"meta", map[string]any{"a": 1}}, {"events", []any{"issues"}}},
			`{"meta":{"a":1},"events":["issues"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc []byte
			var err error
			for _, s := range tt.sets {
				if doc, err = setJSON(doc, s.path, s.value); err != nil {
					t.Fatalf("setJSON(%q): %v", s.path, err)
				}
			}
			assertJSONEqual(t, doc, tt.want)
		})
	}
}

func TestSetJSONErrors(t *testing.T) {
	tests := []struct {
		name     string
		start    string
		path     string
		value    any
		wantText []string
	}{
		{"scalar for an array path", "", "[lines].sku", "A", []string{`"[lines]"`, "must be a list", `"A"`}},
		{"value in the way", `{"a":1}`, "a.b", 2, []string{"a is already 1", "a.b cannot be set"}},
		{"set twice", `{"a":{"b":1}}`, "a.b", 2, []string{"a.b is set twice"}},
		{"root array into an object", `{"a":1}`, "[].id", []any{1}, []string{"the body is already an object"}},
		{"key into a root array", `[{"id":1}]`, "name", "x", []string{"the body is already an array"}},
		{"bad path", "", "a..b", 1, []string{`"a..b" is not a Connector Field path`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := setJSON([]byte(tt.start), tt.path, tt.value)
			if err == nil {
				t.Fatalf("setJSON(%s, %q) = nil error, want one", tt.start, tt.path)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// assertJSONEqual compares two JSON texts by meaning, not spelling.
func assertJSONEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v\n%s", err, want)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("got  %s\nwant %s", gb, wb)
	}
}

// setJSON sets value at a Connector Field path in a JSON document, as a
// request body's fields are set (see setSteps).
func setJSON(doc []byte, cyclrPath string, value any) ([]byte, error) {
	steps, err := model.ParseFieldPath(cyclrPath)
	if err != nil {
		return doc, err
	}
	return setSteps(doc, nil, steps, value)
}
