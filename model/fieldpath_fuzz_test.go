package model

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseFieldPath feeds any text to ParseFieldPath. It must not panic; a
// path it reads must be written back by FormatFieldPath as a path that reads
// the same; a path it refuses must get a *FieldPathError naming the path,
// a position within it and what is wrong.
func FuzzParseFieldPath(f *testing.F) {
	for _, s := range []string{
		"id", "data.owner.id", "[records].Email", "data.[lines].sku", "[].id", "[]",
		"[A].[B].c", `[A].\B.c\`, `\a.b\.c`, `\x\y`, `\*?|#@!=<>%\`, "first name", "2313",
		"", ".", "a.", ".a", "a..b", "[", "]", "[a", "a]", "[a]b", "[[a]]", "a.[].b", "[].[]",
		`\`, `\\`, `a.\b`, "[a]é", "a[b]", "\xff", `\[\`, `[\a]\]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		steps, err := ParseFieldPath(path)
		if err != nil {
			checkFieldPathError(t, path, err)
			return
		}
		if len(steps) == 0 {
			t.Fatalf("ParseFieldPath(%q) read no steps and no error", path)
		}
		for i, s := range steps {
			if s.Key == "" && (!s.Each || i > 0) {
				t.Errorf("step %d of %q has no key: %+v", i, path, steps)
			}
		}
		formatted := FormatFieldPath(steps)
		again, err := ParseFieldPath(formatted)
		if err != nil {
			t.Fatalf("ParseFieldPath(%q) = %+v, written back as %q, which does not read: %v", path, steps, formatted, err)
		}
		if !reflect.DeepEqual(again, steps) {
			t.Errorf("ParseFieldPath(%q) = %+v, written back as %q, which reads %+v", path, steps, formatted, again)
		}
		if f2 := FormatFieldPath(again); f2 != formatted {
			t.Errorf("FormatFieldPath is not stable: %q, then %q", formatted, f2)
		}
	})
}

// checkFieldPathError checks that err says what is wrong with path and where.
func checkFieldPathError(t *testing.T, path string, err error) {
	t.Helper()
	var pe *FieldPathError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *FieldPathError", err, err)
	}
	if pe.Path != path {
		t.Errorf("error names the path %q, want %q", pe.Path, path)
	}
	// The empty path has no character to point at; any other fault is at one.
	if pe.Pos < 0 || pe.Pos > len(path) || (len(path) > 0 && pe.Pos == len(path)) {
		t.Fatalf("error at byte %d of a %d-byte path: %v", pe.Pos, len(path), err)
	}
	if want := fmt.Sprintf("(at character %d)", utf8.RuneCountInString(path[:pe.Pos])+1); !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error at byte %d does not end %q: %v", pe.Pos, want, err)
	}
	if strings.TrimSpace(pe.Msg) == "" {
		t.Errorf("error at byte %d has no message", pe.Pos)
	}
	checkQuotesOnlyInput(t, path, pe.Msg)
	checkPrintable(t, err.Error())
}

// checkPrintable checks that a message is one line of printable text: a
// control or format character from the input (a newline, U+2028, a
// right-to-left override, a zero-width space) must be shown escaped, not
// written out.
func checkPrintable(t *testing.T, msg string) {
	t.Helper()
	if strings.ContainsFunc(msg, func(r rune) bool { return !strconv.IsPrint(r) }) {
		t.Errorf("message %q holds a character that does not print", msg)
	}
}

// checkQuotesOnlyInput checks that a message about a valid UTF-8 text shows
// no character beyond ASCII that the text does not hold: quoting a byte of
// a multi-byte character as if it were a character ("é" shown as 'Ã')
// points the author at something that is not there.
func checkQuotesOnlyInput(t *testing.T, input, msg string) {
	t.Helper()
	if !utf8.ValidString(input) {
		return
	}
	for _, r := range msg {
		if r >= utf8.RuneSelf && !strings.ContainsRune(input, r) {
			t.Errorf("message %q shows %q, which is not in %q", msg, r, input)
			return
		}
	}
}

// What fuzzing and a read of its corpus's messages found in ParseFieldPath:
// the character after a step was quoted by its first byte ('Ã' for é),
// "[a.b]" was said never to close, and "at character" counted bytes.
func TestParseFieldPathFuzzFindings(t *testing.T) {
	tests := []struct{ path, want string }{
		{"[a]é", `"[a]é" is not a Connector Field path: expected "." after "[a]", found 'é' (at character 4)`},
		{"[a]\xff", `"[a]\xff" is not a Connector Field path: expected "." after "[a]", found "\xff" (at character 4)`},
		{"Größe]", `"Größe]" is not a Connector Field path: expected "." after "Größe", found ']' (at character 6)`},
		{"[a.b]", `"[a.b]" is not a Connector Field path: expected "]" after "[a", found '.' (at character 3)`},
		{"[[a]]", `"[[a]]" is not a Connector Field path: expected "]" after "[", found '[' (at character 2)`},
		{"[Größe", `"[Größe" is not a Connector Field path: "[" is never closed with "]" (at character 1)`},
		{"données..id", `"données..id" is not a Connector Field path: an empty step (at character 9)`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := ParseFieldPath(tt.path)
			if err == nil || err.Error() != tt.want {
				t.Errorf("ParseFieldPath(%q) error\n got %v\nwant %s", tt.path, err, tt.want)
			}
		})
	}
}
