package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"patchbay/model"
)

// packedStrings are texts a packed grid must carry unchanged.
var packedStrings = []string{
	"", "plain", `say "hi"`, `back\slash`, `\u0022 as text`, "[],:{}", `["a",0]`,
	"line\nbreak\r\ttab", "\x00\x01\x1f\x7f", "é ☃ 🎉 \u2028\u2029 \ufeff", "{{Subdomain}}",
	`meta.\x.attrs\.name`, "data.[items].sku", "\"\\\"\\", strings.Repeat("long ", 200),
}

// jsonText is s as a JSON string comes back through encoding/json: invalid
// UTF-8 becomes U+FFFD, everything else is kept.
func jsonText(t testing.TB, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkPackedRoundTrip packs fields, checks the result is JSON that
// encoding/json reads the same way, and that it decodes to want.
func checkPackedRoundTrip(t testing.TB, fields, want []model.Field) {
	t.Helper()
	data := appendFields(nil, fields)
	if !json.Valid(data) {
		t.Fatalf("appendFields wrote invalid JSON: %q", data)
	}
	got, err := decodeFields(nil, data)
	if err != nil {
		t.Fatalf("decodeFields(%q): %v", data, err)
	}
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeFields(%q):\n got %#v\nwant %#v", data, got, want)
	}
	general, err := decodeFieldsJSON(nil, data)
	if err != nil || !reflect.DeepEqual(general, got) {
		t.Fatalf("encoding/json reads %q as %#v (%v), the quick reader as %#v", data, general, err, got)
	}
}

func TestPackedFields_RoundTrip(t *testing.T) {
	for _, s := range append(packedStrings, "bad \xff utf-8 \xc3", "\xed\xa0\x80 surrogate") {
		t.Run(s, func(t *testing.T) {
			f := model.Field{ConnectorField: s, SystemField: s + "x", DisplayName: s, Description: s,
				DataType: model.FieldType(s), IsHidden: true, DefaultValue: s}
			w := jsonText(t, s)
			want := model.Field{ConnectorField: w, SystemField: jsonText(t, s+"x"), DisplayName: w, Description: w,
				DataType: model.FieldType(w), IsHidden: true, DefaultValue: w}
			plain := model.Field{ConnectorField: "id", DataType: model.FieldInteger, IsOptional: true}
			checkPackedRoundTrip(t, []model.Field{f, plain, f}, []model.Field{want, plain, want})
		})
	}
	checkPackedRoundTrip(t, nil, nil)
	checkPackedRoundTrip(t, []model.Field{}, nil)
}

// TestPackedFields_OtherShapes checks that valid JSON in another shape than
// appendFields writes (as SQLite or a person might) reads the same, and that
// what is not a grid is an error.
func TestPackedFields_OtherShapes(t *testing.T) {
	want := []model.Field{{ConnectorField: "a/b", SystemField: "é", DataType: "Text", IsHidden: true, DefaultValue: "\u2028"}}
	for _, data := range []string{
		`[["a/b","é","","","Text",1,0,"` + "\u2028" + `"]]`,
		` [ ["a\/b", "\u00e9", "", "", "Text", true, false, "\u2028"] ] `,
		`[["a\u002fb","\u00E9","","","\u0054ext",1,0,"\u2028"]]`,
	} {
		got, err := decodeFields(nil, []byte(data))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeFields(%s):\n got %#v, %v\nwant %#v", data, got, err, want)
		}
	}
	for _, data := range []string{
		``, `[`, `{}`, `[["a"]]`, `[["a","","","","Text",2,0,""]]`, `[] x`,
		`[["a","","","","Text",0,0,""],]`, "[[\"\x01\",\"\",\"\",\"\",\"\",0,0,\"\"]]",
	} {
		if got, err := decodeFields(nil, []byte(data)); err == nil {
			t.Errorf("decodeFields(%q): got %#v, want an error", data, got)
		}
	}
}

// TestPackedFields_MigrationShape checks that the grid migration 0004 builds
// with SQLite's json_array reads back as the fields it was built from.
func TestPackedFields_MigrationShape(t *testing.T) {
	db := MustOpen(t)
	for _, s := range packedStrings {
		var data []byte
		err := db.db.QueryRow(`
			SELECT json_group_array(json_array(?1, ?1, ?1, ?1, ?1, ?2, ?3, ?1)) FROM (SELECT 1 UNION ALL SELECT 2)`,
			s, 1, 0).Scan(&data)
		if err != nil {
			t.Fatal(err)
		}
		f := model.Field{ConnectorField: s, SystemField: s, DisplayName: s, Description: s,
			DataType: model.FieldType(s), IsHidden: true, DefaultValue: s}
		got, err := decodeFields(nil, data)
		if err != nil || !reflect.DeepEqual(got, []model.Field{f, f}) {
			t.Errorf("SQLite's %q: got %#v, %v", data, got, err)
		}
	}
}

func TestPackedParameters_RoundTrip(t *testing.T) {
	for _, s := range append(packedStrings, "bad \xff utf-8") {
		t.Run(s, func(t *testing.T) {
			w := jsonText(t, s)
			in := []model.Parameter{
				{TargetType: model.TargetType(s), TargetName: s, DisplayName: s, Description: s,
					IsHidden: true, IsSensitive: true, IsMultiline: true, Values: []string{s, "", s}},
				{TargetType: model.TargetMergeField, TargetName: "Sub", IsOptional: true, IsAccountConnectorProperty: true, Values: []string{}},
			}
			want := []model.Parameter{
				{TargetType: model.TargetType(w), TargetName: w, DisplayName: w, Description: w,
					IsHidden: true, IsSensitive: true, IsMultiline: true, Values: []string{w, "", w}},
				{TargetType: model.TargetMergeField, TargetName: "Sub", IsOptional: true, IsAccountConnectorProperty: true},
			}
			data := appendParameters(nil, in)
			if !json.Valid(data) {
				t.Fatalf("appendParameters wrote invalid JSON: %q", data)
			}
			got, err := decodeParameters(data)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("decodeParameters(%q):\n got %#v, %v\nwant %#v", data, got, err, want)
			}
			general, err := decodeParametersJSON(data)
			if err != nil || !reflect.DeepEqual(general, want) {
				t.Fatalf("encoding/json reads %q as %#v, %v", data, general, err)
			}
			// The shape migration 0004 builds with SQLite reads the same.
			db := MustOpen(t)
			vj, _ := json.Marshal(in[0].Values)
			var built []byte
			if err := db.db.QueryRow(`SELECT json_array(json_array(?1, ?2, ?2, ?2, 1, 0, 1, 0, 1, json(?3)))`,
				s, s, string(vj)).Scan(&built); err != nil {
				t.Fatal(err)
			}
			if got, err := decodeParameters(built); err != nil || !reflect.DeepEqual(got, want[:1]) {
				t.Errorf("SQLite's %q: got %#v, %v", built, got, err)
			}
		})
	}
	if got, err := decodeParameters([]byte(`[]`)); err != nil || got != nil {
		t.Errorf("decodeParameters([]): got %#v, %v", got, err)
	}
	for _, data := range []string{``, `[[]]`, `[["a","b","","",0,0,0,0,0,"x"]]`, `[["a","b","","",0,0,0,0,0,[1]]]`} {
		if got, err := decodeParameters([]byte(data)); err == nil {
			t.Errorf("decodeParameters(%q): got %#v, want an error", data, got)
		}
	}
}

func TestDecodeStrings(t *testing.T) {
	for _, vs := range [][]string{nil, {}, {""}, packedStrings, {"<&>"}} {
		data, err := json.Marshal(vs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeStrings(data)
		want := vs
		if len(want) == 0 {
			want = nil
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeStrings(%s): got %q, %v, want %q", data, got, err, want)
		}
	}
}

func FuzzPackedFields(f *testing.F) {
	for _, s := range packedStrings {
		f.Add(s, "Text", true, false)
	}
	f.Fuzz(func(t *testing.T, s, dataType string, hidden, optional bool) {
		in := model.Field{ConnectorField: s, SystemField: dataType, DisplayName: s + dataType, Description: s,
			DataType: model.FieldType(dataType), IsHidden: hidden, IsOptional: optional, DefaultValue: dataType + s}
		want := model.Field{ConnectorField: jsonText(t, s), SystemField: jsonText(t, dataType),
			DisplayName: jsonText(t, s+dataType), Description: jsonText(t, s), DataType: model.FieldType(jsonText(t, dataType)),
			IsHidden: hidden, IsOptional: optional, DefaultValue: jsonText(t, dataType+s)}
		checkPackedRoundTrip(t, []model.Field{in, {}, in}, []model.Field{want, {}, want})
	})
}

// FuzzDecodeAgrees checks that whatever the quick readers accept,
// encoding/json reads the same way.
func FuzzDecodeAgrees(f *testing.F) {
	f.Add([]byte(`[["a","b","c","d","Text",1,0,"e"]]`))
	f.Add([]byte(`[["a\"","\u00e9\ud83c\udf89","\\","\/","Text",0,1,"\u0000"]]`))
	f.Add([]byte(`["a","\u003c"]`))
	f.Add([]byte(`[["MergeField","a\n","","",1,0,1,0,1,["x","\u003c"]],["","","","",0,0,0,0,0,[]]]`))
	f.Add([]byte("[\"\xff\"]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, ok := decodeFieldsQuick(nil, string(data)); ok {
			want, err := decodeFieldsJSON(nil, data)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("fields %q: quick %#v, encoding/json %#v (%v)", data, got, want, err)
			}
		}
		if got, ok := decodeParametersQuick(string(data)); ok {
			want, err := decodeParametersJSON(data)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("parameters %q: quick %#v, encoding/json %#v (%v)", data, got, want, err)
			}
		}
		if got, ok := decodeStringsQuick(string(data)); ok {
			var want []string
			err := json.Unmarshal(data, &want)
			if len(want) == 0 {
				want = nil
			}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("strings %q: quick %q, encoding/json %q (%v)", data, got, want, err)
			}
		}
	})
}
