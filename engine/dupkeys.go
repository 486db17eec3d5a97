package engine

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// Repeated keys in a JSON object ({"id": 1, "id": 2}) are read as Cyclr
// reads them (Json.NET replaces a property by a later one of the same
// name) and as a script's JSON.parse does: the last one wins. gjson, which
// the mapping and the id capture use, would take the first, so a body with
// repeated keys is rewritten before it is read, and the step says so.

// lastWins returns body with every repeated key of every object left out
// but its last value, which takes the place of the first, and the first
// repeated key found, as a path ("data.id"); body itself and "" when no
// key is repeated (or body is not JSON).
func lastWins(body []byte) ([]byte, string) {
	body = withoutBOM(body)
	if !bytes.Contains(body, []byte{','}) || checkJSON(body) != nil {
		return body, "" // one key at most in each object, or not JSON
	}
	doc := gjson.ParseBytes(body)
	dup, found := firstRepeated(doc)
	if !found {
		return body, ""
	}
	if dup = strings.TrimPrefix(dup, "."); dup == "" {
		dup = `""` // the empty key, repeated at the top
	}
	var out bytes.Buffer
	out.Grow(len(body))
	writeLastWins(&out, doc)
	return out.Bytes(), dup
}

// firstRepeated returns the path of the first key repeated in an object
// within v, and whether there is one (a repeated key may be ""). A path is
// built only for a key found repeated: each step with its own lead, "."
// before a key and none before an index, the first dot left off at the top.
func firstRepeated(v gjson.Result) (path string, found bool) {
	switch {
	case v.IsObject():
		// The keys so far: compared one by one while they are few, as
		// in most objects, in a map when there are many.
		var room [16]string
		seen, many := room[:0], map[string]bool(nil)
		v.ForEach(func(k, x gjson.Result) bool {
			key := k.String()
			if many[key] || (many == nil && slices.Contains(seen, key)) {
				path, found = "."+key, true
				return false
			}
			switch {
			case many != nil:
				many[key] = true
			case len(seen) < len(room):
				seen = append(seen, key)
			default:
				many = make(map[string]bool, 2*len(room))
				for _, k := range seen {
					many[k] = true
				}
				many[key] = true
			}
			if sub, ok := firstRepeated(x); ok {
				path, found = "."+key+sub, true
			}
			return !found
		})
	case v.IsArray():
		i := 0
		v.ForEach(func(_, x gjson.Result) bool {
			if sub, ok := firstRepeated(x); ok {
				path, found = fmt.Sprintf("[%d]", i)+sub, true
			}
			i++
			return !found
		})
	}
	return path, found
}

// writeLastWins writes v with each object's keys once, in the order they
// first appear, each with its last value.
func writeLastWins(out *bytes.Buffer, v gjson.Result) {
	switch {
	case v.IsObject():
		type member struct {
			key   string // as written, quotes and escapes included
			value gjson.Result
		}
		var members []member
		index := map[string]int{}
		v.ForEach(func(k, x gjson.Result) bool {
			if i, ok := index[k.String()]; ok {
				members[i].value = x
			} else {
				index[k.String()] = len(members)
				members = append(members, member{k.Raw, x})
			}
			return true
		})
		out.WriteByte('{')
		for i, m := range members {
			if i > 0 {
				out.WriteByte(',')
			}
			out.WriteString(m.key)
			out.WriteByte(':')
			writeLastWins(out, m.value)
		}
		out.WriteByte('}')
	case v.IsArray():
		out.WriteByte('[')
		first := true
		v.ForEach(func(_, x gjson.Result) bool {
			if !first {
				out.WriteByte(',')
			}
			first = false
			writeLastWins(out, x)
			return true
		})
		out.WriteByte(']')
	default:
		out.WriteString(v.Raw)
	}
}

// repeatedKeyNote is what a step says of a body lastWins rewrote.
func repeatedKeyNote(what, dup string) string {
	return fmt.Sprintf("%s has the key %q more than once in one object; each such key is read with its last value, as Cyclr and a script's JSON.parse read it", what, dup)
}
