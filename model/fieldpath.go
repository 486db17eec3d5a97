package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// PathStep is one step of a Connector Field path in Cyclr's notation.
type PathStep struct {
	// Key is the object key to step into; empty for the root array of "[].id".
	Key string
	// Each marks an array step, written [Key]: the path goes on into every element.
	Each bool
}

// FieldPathError says what is wrong with a Connector Field path and where.
type FieldPathError struct {
	Path string
	// Pos is the byte offset of the fault, counted from 0.
	Pos int
	Msg string
}

func (e *FieldPathError) Error() string {
	return fmt.Sprintf("%q is not a Connector Field path: %s (at character %d)", e.Path, e.Msg, charNumber(e.Path, e.Pos))
}

// ParseFieldPath reads a Connector Field path in Cyclr's notation:
//
//	id                  a key
//	data.owner.id       nested keys
//	[records].Email     Email of every element of the array records
//	data.[lines].sku    an array below an object
//	[].id               id of every element of a root array
//	[A].[B].c           arrays within arrays
//	[A].\B.c\           backslashes make B.c one key
func ParseFieldPath(path string) ([]PathStep, error) {
	if path == "" {
		return nil, &FieldPathError{Path: path, Msg: "it is empty"}
	}
	var steps []PathStep
	fail := func(pos int, format string, args ...any) ([]PathStep, error) {
		return nil, &FieldPathError{Path: path, Pos: pos, Msg: fmt.Sprintf(format, args...)}
	}
	for i := 0; i <= len(path); {
		start := i
		var key strings.Builder
		each := false
		if i < len(path) && path[i] == '[' {
			each = true
			i++
		}
		// Read the key up to the segment's end, honouring \escaped.runs\.
		for i < len(path) {
			c := path[i]
			if c == '\\' {
				end := strings.IndexByte(path[i+1:], '\\')
				if end < 0 {
					return fail(i, `the "\" is never closed`)
				}
				if end == 0 {
					return fail(i, `"\\" escapes nothing`)
				}
				key.WriteString(path[i+1 : i+1+end])
				i += end + 2
				continue
			}
			if c == '.' || c == ']' || c == '[' {
				break
			}
			key.WriteByte(c)
			i++
		}
		if each {
			if i >= len(path) {
				return fail(start, `"[" is never closed with "]"`)
			}
			if path[i] != ']' {
				return fail(i, `expected "]" after %q, found %s`, path[start:i], quoteCharAt(path, i))
			}
			i++
			if key.Len() == 0 && len(steps) > 0 {
				return fail(start, `"[]" (the root array) may only start a path`)
			}
		} else if key.Len() == 0 {
			if i < len(path) && path[i] != '.' {
				return fail(i, "unexpected %s", quoteCharAt(path, i))
			}
			return fail(i, "an empty step")
		}
		steps = append(steps, PathStep{Key: key.String(), Each: each})
		if i == len(path) {
			break
		}
		if path[i] != '.' {
			return fail(i, "expected \".\" after %q, found %s", path[start:i], quoteCharAt(path, i))
		}
		i++
		if i == len(path) {
			return fail(i-1, "the path ends with \".\"")
		}
	}
	return steps, nil
}

// quoteCharAt quotes the character at byte i of s for a message: the whole
// character, not its first byte, when it takes several bytes.
func quoteCharAt(s string, i int) string {
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && n <= 1 {
		return fmt.Sprintf("%q", s[i:i+1])
	}
	return fmt.Sprintf("%q", r)
}

// FormatFieldPath writes steps back in Cyclr's notation; keys holding a dot
// are wrapped in backslashes.
func FormatFieldPath(steps []PathStep) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		k := s.Key
		if strings.ContainsAny(k, ".[]") {
			k = `\` + k + `\`
		}
		if s.Each {
			k = "[" + k + "]"
		}
		parts[i] = k
	}
	return strings.Join(parts, ".")
}
