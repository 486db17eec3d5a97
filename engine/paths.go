package engine

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"patchbay/model"
)

// GJSONPath translates a Connector Field path in Cyclr's notation (read by
// model.ParseFieldPath) to the gjson path that reads it:
//
//	id              id
//	data.owner.id   data.owner.id
//	[records].Email records.#.Email      a list: Email of every element
//	[].id           #.id                 the same, on a root array
//	[A].[B].c       A.#.B.#.c            a list of lists
//	[A].\B.c\       A.#.B\.c             the key "B.c"
//	[records]       records              the array itself
//	[]              @this                the root array itself
//
// Every character of a key that gjson would read as syntax (. * ? | # @ \ !
// = < > % and the like) is escaped, so a key always means itself.
func GJSONPath(cyclrPath string) (string, error) {
	steps, err := model.ParseFieldPath(cyclrPath)
	if err != nil {
		return "", err
	}
	return gjsonPathOf(steps), nil
}

func gjsonPathOf(steps []model.PathStep) string {
	if len(steps) == 1 && steps[0].Key == "" {
		return "@this"
	}
	var parts []string
	for i, s := range steps {
		if s.Key != "" {
			parts = append(parts, gjson.Escape(s.Key))
		}
		// "#" before a further step maps over the elements; at the end it
		// would count them, so a trailing array step is the array itself.
		if s.Each && i < len(steps)-1 {
			parts = append(parts, "#")
		}
	}
	return strings.Join(parts, ".")
}

// eachDepth counts the array steps of a path: how deeply nested in lists the
// values it reads or sets are.
func eachDepth(steps []model.PathStep) int {
	n := 0
	for _, s := range steps {
		if s.Each {
			n++
		}
	}
	return n
}

// jsonPath is one place in a document, each step spelled both for sjson
// (which writes) and gjson (which checks what is there already), and as the
// user wrote it, for messages.
type jsonPath []pathStep

type pathStep struct {
	sj, gj, shown string
}

func (p jsonPath) key(k string) jsonPath {
	sk := gjson.Escape(k)
	if isIndexLike(k) {
		sk = ":" + sk // sjson reads digits and -1 as array positions
	} else if k[0] == ':' {
		sk = `\` + sk // a leading ":" would force a key; keep it literal
	}
	return p.with(sk, gjson.Escape(k), k)
}

func (p jsonPath) index(i int) jsonPath {
	n := strconv.Itoa(i)
	return p.with(n, n, n)
}

// with returns the path one step further; p itself is left as it is.
func (p jsonPath) with(sj, gj, shown string) jsonPath {
	return append(p[:len(p):len(p)], pathStep{sj, gj, shown})
}

// join spells the path (or its first n steps) for one reader.
func (p jsonPath) join(spell func(pathStep) string) string {
	parts := make([]string, len(p))
	for i, s := range p {
		parts[i] = spell(s)
	}
	return strings.Join(parts, ".")
}

func sjOf(s pathStep) string    { return s.sj }
func gjOf(s pathStep) string    { return s.gj }
func shownOf(s pathStep) string { return s.shown }

// isIndexLike reports whether sjson would read a key as an array position.
func isIndexLike(k string) bool {
	if k == "-1" {
		return true
	}
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return false
		}
	}
	return true
}

// setSteps sets value at a Connector Field path (its steps, below the place
// at) in a JSON document (empty for a new one) and returns the new document.
// It builds nested objects from dotted paths with sjson; value is any Go
// value encoding/json accepts.
//
// Each array step takes one level of list from value and sets the rest of
// the path in the element of the same index, so "[lines].sku" given
// []any{"A", "B"} gives {"lines":[{"sku":"A"},{"sku":"B"}]}, and a second
// field "[lines].qty" given []any{1, 2} fills in the same elements. "[]" at the
// start makes the document a root array. A path ending in an array step, such
// as "[tags]", sets the array itself.
//
// It is an error, saying what is in the way, when an array step's value is
// not a list ([]any or []string), when the path runs into something another
// field set already (a value where an object or array is needed, or the same
// key twice), or when a root array and object keys are mixed.
func setSteps(doc []byte, at jsonPath, steps []model.PathStep, value any) ([]byte, error) {
	for len(steps) > 0 && !steps[0].Each {
		at = at.key(steps[0].Key)
		steps = steps[1:]
	}
	if len(steps) == 0 {
		return setLeaf(doc, at, value)
	}
	if steps[0].Key != "" {
		at = at.key(steps[0].Key)
	}
	list, ok := asList(value)
	if !ok {
		return doc, fmt.Errorf("%s is an array step, so its value must be a list, not %s", showStep(steps[0]), quoteValue(value))
	}
	if len(list) == 0 {
		if len(at) == 0 {
			return setLeaf(doc, at, []any{})
		}
		if gjson.GetBytes(doc, at.join(gjOf)).Exists() {
			return doc, nil // another field made the array already
		}
		return setLeaf(doc, at, []any{})
	}
	var err error
	for i, el := range list {
		if doc, err = setSteps(doc, at.index(i), steps[1:], el); err != nil {
			return doc, err
		}
	}
	return doc, nil
}

func showStep(s model.PathStep) string {
	if s.Key == "" {
		return `"[]"`
	}
	return fmt.Sprintf("%q", "["+s.Key+"]")
}

func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// setLeaf sets value at a place, after checking that nothing another field
// set stands in the way.
func setLeaf(doc []byte, at jsonPath, value any) ([]byte, error) {
	if len(at) == 0 {
		if len(bytes.TrimSpace(doc)) > 0 {
			return doc, fmt.Errorf("the body is already %s, so a root array cannot be set", kindOf(gjson.ParseBytes(doc)))
		}
		return sjsonRoot(value)
	}
	if err := checkWay(doc, at); err != nil {
		return doc, err
	}
	out, err := sjson.SetBytes(doc, at.join(sjOf), value)
	if err != nil {
		return doc, fmt.Errorf("cannot set %s: %w", at.join(shownOf), err)
	}
	return out, nil
}

// sjsonRoot encodes a value that is the whole document.
func sjsonRoot(value any) ([]byte, error) {
	out, err := sjson.SetBytes([]byte(`{"v":null}`), "v", value)
	if err != nil {
		return nil, err
	}
	return []byte(gjson.GetBytes(out, "v").Raw), nil
}

// checkWay walks the place's parents: each one already there must be the
// kind of container the next step needs, and the place itself must be free.
func checkWay(doc []byte, at jsonPath) error {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil
	}
	parent := gjson.ParseBytes(doc)
	for i, step := range at {
		needArray := !strings.HasPrefix(step.sj, ":") && isIndexLike(step.sj)
		if needArray && !parent.IsArray() || !needArray && !parent.IsObject() {
			where := "the body"
			if i > 0 {
				where = at[:i].join(shownOf)
			}
			return fmt.Errorf("%s is already %s, so %s cannot be set inside it", where, kindOf(parent), at.join(shownOf))
		}
		next := parent.Get(step.gj)
		if !next.Exists() {
			return nil
		}
		parent = next
	}
	return fmt.Errorf("%s is set twice (already %s)", at.join(shownOf), clip(parent.Raw, 60))
}

func kindOf(r gjson.Result) string {
	switch {
	case r.IsArray():
		return "an array"
	case r.IsObject():
		return "an object"
	}
	return clip(r.Raw, 60)
}
