package engine

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"patchbay/model"
)

// FuzzGJSONPath feeds any text to GJSONPath. It must not panic and must
// agree with model.ParseFieldPath on which paths are valid, failing with the
// same *model.FieldPathError. A valid path must also mean the same place to
// both libraries: what setJSON writes there on a new document (one level of
// list per array step), the gjson path reads back. (A path that is not
// UTF-8 cannot name a JSON key, and no document or form can hold one.)
func FuzzGJSONPath(f *testing.F) {
	for _, s := range []string{
		"id", "data.owner.id", "[records].Email", "data.[records].id", "[].id", "[]", "[records]",
		"[A].[B].c", `[A].\B.c\`, `\a.b\.c`, `\*?|#@!=<>%\`, "first name", "2313", "-1", "a.0.b",
		":a", "@this", "#", "a|b", "..", "a.", "[records", `\`, "a.[].b", "\xff", "é.[ü]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		gpath, err := GJSONPath(path)
		steps, perr := model.ParseFieldPath(path)
		if (err == nil) != (perr == nil) {
			t.Fatalf("GJSONPath(%q) error %v, but ParseFieldPath says %v", path, err, perr)
		}
		if err != nil {
			var fe *model.FieldPathError
			if !errors.As(err, &fe) {
				t.Fatalf("GJSONPath(%q) error %v (%T) is not a *model.FieldPathError", path, err, err)
			}
			if err.Error() != perr.Error() {
				t.Errorf("GJSONPath(%q) says %q, ParseFieldPath %q", path, err, perr)
			}
			return
		}
		if gpath == "" {
			t.Fatalf("GJSONPath(%q) is empty", path)
		}
		if !utf8.ValidString(path) {
			return // JSON keys are UTF-8: sjson writes such a key as U+FFFD, so it cannot read back
		}

		var value any = "v"
		for range eachDepth(steps) {
			value = []any{value}
		}
		doc, err := setJSON(nil, path, value)
		if err != nil {
			t.Fatalf("setJSON(new document, %q): %v", path, err)
		}
		if !json.Valid(doc) {
			t.Fatalf("setJSON(new document, %q) wrote %q, which is not JSON", path, doc)
		}
		got := gjson.GetBytes(doc, gpath)
		if !got.Exists() {
			t.Fatalf("%q (gjson %q) reads nothing from %s, which setJSON wrote", path, gpath, doc)
		}
		if !reflect.DeepEqual(got.Value(), value) {
			t.Errorf("%q (gjson %q) reads %s from %s, want what setJSON wrote there, %#v", path, gpath, got.Raw, doc, value)
		}
	})
}
