package model

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestGenerateFields(t *testing.T) {
	f := func(path string, t FieldType) Field {
		steps, _ := ParseFieldPath(path)
		return Field{ConnectorField: path, DisplayName: steps[len(steps)-1].Key, DataType: t}
	}
	tests := []struct {
		name   string
		sample string
		want   []Field
	}{
		{
			name:   "the seed's create webhook response",
			sample: `{"id": 1, "active": true}`,
			want:   []Field{f("id", FieldInteger), f("active", FieldBoolean)},
		},
		{
			name:   "keys keep the sample's order",
			sample: `{"z": "a", "a": "b", "m": "c"}`,
			want:   []Field{f("z", FieldText), f("a", FieldText), f("m", FieldText)},
		},
		{
			name:   "numbers, dates and text",
			sample: `{"n": 3, "d": 2.5, "e": 1e3, "when": "2024-05-01T10:00:00Z", "frac": "2024-05-01T10:00:00.123+02:00", "day": "2024-05-01", "s": "hello"}`,
			want: []Field{
				f("n", FieldInteger), f("d", FieldDecimal), f("e", FieldDecimal),
				f("when", FieldDateTime), f("frac", FieldDateTime), f("day", FieldText), f("s", FieldText),
			},
		},
		{
			name:   "nested objects give dotted paths",
			sample: `{"event": "order.created", "data": {"id": 7, "owner": {"id": "u1", "email": "a@b.c"}}}`,
			want: []Field{
				f("event", FieldText), f("data.id", FieldInteger),
				f("data.owner.id", FieldText), f("data.owner.email", FieldText),
			},
		},
		{
			name:   "an array of objects merges the keys of its elements",
			sample: `{"data": {"lines": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2.5, "note": "gift"}]}}`,
			want: []Field{
				f("data.[lines].sku", FieldText), f("data.[lines].qty", FieldDecimal), f("data.[lines].note", FieldText),
			},
		},
		{
			name:   "a root array",
			sample: `[{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": []}]`,
			want:   []Field{f("[].id", FieldInteger), f("[].tags", FieldList)},
		},
		{
			name:   "arrays within arrays",
			sample: `{"records": [{"lines": [{"sku": "A"}]}]}`,
			want:   []Field{f("[records].[lines].sku", FieldText)},
		},
		{
			name:   "keys holding dots are wrapped in backslashes",
			sample: `{"meta": {"a.b": 1}, "rows": [{"x.y": true}]}`,
			want:   []Field{f(`meta.\a.b\`, FieldInteger), f(`[rows].\x.y\`, FieldBoolean)},
		},
		{
			name:   "null gives way to a later type, else Text",
			sample: `[{"a": null, "b": null}, {"a": 5, "b": null}]`,
			want:   []Field{f("[].a", FieldInteger), f("[].b", FieldText)},
		},
		{
			name:   "disagreeing types make Text",
			sample: `[{"a": 1}, {"a": "one"}]`,
			want:   []Field{f("[].a", FieldText)},
		},
		{
			name:   "empty objects and arrays of values",
			sample: `{"settings": {}, "ids": [1, 2], "grid": [[1], [2]], "none": []}`,
			want: []Field{
				f("settings", FieldObject), f("ids", FieldList), f("grid", FieldList), f("none", FieldList),
			},
		},
		{
			name:   "keys Cyclr's notation cannot write are left out",
			sample: `{"": 1, "back\\slash": 2, "ok": 3}`,
			want:   []Field{f("ok", FieldInteger)},
		},
		{
			name:   "an empty object has no fields",
			sample: `{}`,
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GenerateFields([]byte(tt.sample))
			if err != nil {
				t.Fatalf("GenerateFields: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			for _, g := range got {
				if _, err := ParseFieldPath(g.ConnectorField); err != nil {
					t.Errorf("generated path %q does not parse: %v", g.ConnectorField, err)
				}
			}
		})
	}
}

// An XML sample gives the fields of its JSON form: the root element first
// in every path, attributes as @ keys, repeated elements as lists.
func TestGenerateFields_XML(t *testing.T) {
	got, err := GenerateFields([]byte(`<?xml version="1.0"?><order id="7"><email>a@b.c</email><line><sku>A</sku></line><line><sku>B</sku></line></order>`))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range got {
		paths = append(paths, f.ConnectorField+" "+string(f.DataType))
	}
	if want := "order.@id Text, order.email Text, order.[line].sku Text"; strings.Join(paths, ", ") != want {
		t.Errorf("fields %q, want %s", strings.Join(paths, ", "), want)
	}
}

func TestGenerateFields_Errors(t *testing.T) {
	tests := []struct {
		name   string
		sample string
		want   []string // substrings of the error
	}{
		{"empty", "  \n", []string{"empty"}},
		{"bad JSON says where", "{\n  \"id\": 1,\n  \"x\": }", []string{"not JSON", "line 3", "column 8"}},
		{"cut short", `{"id": 1`, []string{"not JSON", "line 1"}},
		{"trailing text", `{"id": 1} x`, []string{"not JSON", "line 1"}},
		{"a scalar", `42`, []string{"the number 42", "want a JSON object or array"}},
		{"an array of values", `[1, 2]`, []string{"array of values"}},
		{"an empty array", `[]`, []string{"empty array"}},
		{"XML cut short", `<order><id>1</id>`, []string{"the sample is not well-formed XML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GenerateFields([]byte(tt.sample))
			if err == nil {
				t.Fatalf("got %+v, want an error", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// A large sample is cut down to its shape, and Generate Fields makes the
// same fields of the shape as of the whole: arrays keep their first items
// and any item with a key of its own, long strings their start, keys their
// order.
func TestSampleShape(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"id": 42, "note": "` + strings.Repeat("x", 5000) + `", "items": [`)
	for i := range 5000 {
		if i > 0 {
			b.WriteString(",")
		}
		switch i {
		case 4000:
			b.WriteString(`{"n": 4000, "rare": true}`)
			continue
		case 4100: // a key deep inside, one in a nested array, a decimal, a date where others hold null
			b.WriteString(`{"n": 4.5, "meta": {"deep": 1}, "tags": [{"qty": 2}], "at": "2026-11-27T10:00:00Z"}`)
			continue
		}
		fmt.Fprintf(&b, `{"n": %d, "name": "item %d", "tags": ["a", "b", "c", "d"], "meta": {}, "at": null}`, i, i)
	}
	b.WriteString(`], "z<&>": 1}`)
	whole := []byte(b.String())
	shaped := SampleShape(whole)
	if len(shaped) > 2000 || !json.Valid(shaped) {
		t.Fatalf("shape of %d bytes: %d bytes, valid %t: %.300s", len(whole), len(shaped), json.Valid(shaped), shaped)
	}
	want, err := GenerateFields(whole)
	if err != nil {
		t.Fatal(err)
	}
	got, err := GenerateFields(shaped)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("fields of the shape %v (%v),\nwant %v", got, err, want)
	}
	if string(SampleShape([]byte("not json"))) != "not json" {
		t.Error("text that is not JSON changed")
	}
}

// SampleShape keeps items that Generate Fields reads differently in other
// ways too: an empty object or array where the first items hold keys, and
// a key with a dot where the first items nest; and it stays quick on a
// sample nested thousands deep.
func TestSampleShapeEdges(t *testing.T) {
	big := strings.Repeat(`{"meta":{"x":1},"tags":[{"q":1}],"a":{"b":1}},`, 3000)
	whole := []byte(`[` + big + `{"meta":{},"tags":[],"a.b":1}]`)
	want, _ := GenerateFields(whole)
	if got, err := GenerateFields(SampleShape(whole)); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("fields of the shape %v (%v),\nwant %v", got, err, want)
	}
	deep := []byte(strings.Repeat("[", 2000) + strings.Repeat("]", 2000))
	if got := SampleShape(deep); !json.Valid(got) {
		t.Errorf("a sample nested 2000 deep: %.60s", got)
	}
}
