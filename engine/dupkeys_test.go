package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestLastWins(t *testing.T) {
	for _, tc := range []struct{ in, want, dup string }{
		{`{"id": 1, "active": true}`, `{"id": 1, "active": true}`, ""},
		{`{"id":1,"id":2}`, `{"id":2}`, "id"},
		{`{"data": {"a": [1], "id": "old", "b": 0, "id": "new"}}`, `{"data":{"a":[1],"id":"new","b":0}}`, "data.id"},
		{`[{"x": 1}, {"y": {"z": 1, "z": {"q": 2}}}]`, `[{"x":1},{"y":{"z":{"q":2}}}]`, "[1].y.z"},
		{`{"i\u0064": 1, "id": 2}`, `{"i\u0064":2}`, "id"},          // the same key, escaped once
		{"\xef\xbb\xbf{\"a\":1,\"a\":2}", `{"a":2}`, "a"},           // after a byte order mark
		{`{"a": 1, "A": 2}`, `{"a": 1, "A": 2}`, ""},                // keys are told apart by case
		{`{"a": {"[0]": 1, "[0]": 2}}`, `{"a":{"[0]":2}}`, "a.[0]"}, // a key that looks like an index
		{`[[{"b": 1, "b": 2}]]`, `[[{"b":2}]]`, "[0][0].b"},
		{`{"": 1, "": 2}`, `{"":2}`, `""`}, // the empty key, too
		{`{"a": {"": [], "": {}}}`, `{"a":{"":{}}}`, "a."},
		{`{"a": 1, "a": }`, `{"a": 1, "a": }`, ""}, // not JSON: left as it is
	} {
		got, dup := lastWins([]byte(tc.in))
		if string(got) != tc.want || dup != tc.dup {
			t.Errorf("lastWins(%s) = %s, %q; want %s, %q", tc.in, got, dup, tc.want, tc.dup)
		}
	}
	// Objects of more keys than are compared one by one: a repeat of the
	// first, of one kept before the switch to a map, of one after it.
	var keys []string
	for i := range 30 {
		keys = append(keys, fmt.Sprintf(`"k%d":%d`, i, i))
	}
	for _, tc := range []struct{ repeat, dup string }{{"", ""}, {`"k0":-1`, "k0"}, {`"k15":-1`, "k15"}, {`"k16":-1`, "k16"}, {`"k29":-1`, "k29"}} {
		in := "{" + strings.Join(append(slices.Clone(keys), tc.repeat), ",") + "}"
		if tc.repeat == "" {
			in = "{" + strings.Join(keys, ",") + "}"
		}
		if _, dup := lastWins([]byte(in)); dup != tc.dup {
			t.Errorf("lastWins of 30 keys and %s: repeated %q, want %q", tc.repeat, dup, tc.dup)
		}
	}
}

// FuzzLastWins: whatever JSON lastWins rewrites reads, with encoding/json
// (which keeps the last of a repeated key), exactly as the original does.
func FuzzLastWins(f *testing.F) {
	for _, s := range []string{`{"id":1,"id":2}`, `{"a":{"b":[{"c":1,"c":[2,{"d":3,"d":4}]}]},"a":null}`, `[1,"x",{"":0,"":1}]`,
		`{"\u00e9":1,"é":2}`, "{\"a\":\"\xff\",\"a\":\"\\ud800\"}", `{"n":1e400,"n":-0.0}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var want any
		if json.Unmarshal([]byte(in), &want) != nil {
			return
		}
		out, dup := lastWins([]byte(in))
		var got any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("lastWins(%q) = %q, %q: not JSON: %v", in, out, dup, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("lastWins(%q) = %q reads as %v, the original as %v", in, out, got, want)
		}
	})
}
