package model

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one piece of a text that may hold {{Mergefields}}: either literal
// text or the name of a mergefield.
type Token struct {
	// Literal is the text of a literal piece.
	Literal string
	// Name is the mergefield's name (without braces) of a mergefield piece.
	Name string
	// Pos is the byte offset of the piece in the text, counted from 0.
	Pos int
}

// IsMergefield reports whether the token is a {{Mergefield}}.
func (t Token) IsMergefield() bool { return t.Name != "" }

// MergefieldError says what is wrong with the braces of a text and where.
type MergefieldError struct {
	// Pos is the byte offset of the fault, counted from 0.
	Pos int
	Msg string
	// Char is the fault's place as an author counts it, the 1-based number
	// of the character at Pos, where é or 中 counts once however many bytes
	// it takes; 0 when not known, and Pos+1 is shown.
	Char int
}

func (e *MergefieldError) Error() string {
	return fmt.Sprintf("at character %d: %s", e.Character(), e.Msg)
}

// Character is the 1-based character number of the fault: Char, or Pos+1
// when Char is not known.
func (e *MergefieldError) Character() int {
	if e.Char <= 0 {
		return e.Pos + 1
	}
	return e.Char
}

// charNumber is the 1-based number of the character at byte pos of s.
func charNumber(s string, pos int) int {
	if pos < 0 || pos > len(s) {
		return pos + 1
	}
	return utf8.RuneCountInString(s[:pos]) + 1
}

// ParseMergefields splits a text into literal pieces and {{Mergefields}}.
//
// Strict mode is for URLs, parameter values, headers and plain Default
// Values, where a brace has no business but in a mergefield: a stray "}}"
// or a third closing brace ("{{Cyclr_Webhook_Id}}}") is an error. Lenient
// mode is for JSON text (the Default Value of an Object or List field), where
// "}}" closes nested objects; only "{{" opens a mergefield there.
func ParseMergefields(s string, strict bool) ([]Token, error) {
	var toks []Token
	lit := 0 // start of the current literal piece
	flush := func(end int) {
		if end > lit {
			toks = append(toks, Token{Literal: s[lit:end], Pos: lit})
		}
	}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "{{"):
			end := strings.Index(s[i+2:], "}}")
			if end < 0 {
				return nil, &MergefieldError{Pos: i, Msg: `"{{" is never closed with "}}"`, Char: charNumber(s, i)}
			}
			name := s[i+2 : i+2+end]
			if err := checkMergefieldName(name, i); err != nil {
				err.Char = charNumber(s, err.Pos)
				return nil, err
			}
			after := i + 2 + end + 2
			if strict && after < len(s) && s[after] == '}' {
				return nil, &MergefieldError{Pos: after, Msg: fmt.Sprintf("one \"}\" too many after {{%s}}", name), Char: charNumber(s, after)}
			}
			flush(i)
			toks = append(toks, Token{Name: name, Pos: i})
			i = after
			lit = i
		case strict && strings.HasPrefix(s[i:], "}}"):
			return nil, &MergefieldError{Pos: i, Msg: `"}}" closes no "{{"`, Char: charNumber(s, i)}
		default:
			i++
		}
	}
	flush(len(s))
	return toks, nil
}

func checkMergefieldName(name string, pos int) *MergefieldError {
	// A name holding control characters or bytes that are not UTF-8 is shown
	// escaped, so that {{\x7f}} does not look like {{}}.
	shown := name
	if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) {
		q := strconv.Quote(name)
		shown = q[1 : len(q)-1]
	}
	switch trimmed := strings.TrimSpace(name); {
	case name == "":
		return &MergefieldError{Pos: pos, Msg: "empty mergefield {{}}"}
	case trimmed == "":
		return &MergefieldError{Pos: pos, Msg: fmt.Sprintf("mergefield {{%s}} has no name, only white space", shown)}
	case trimmed != name:
		return &MergefieldError{Pos: pos, Msg: fmt.Sprintf("mergefield {{%s}} has spaces around its name", shown)}
	}
	for j, r := range name {
		if !isNameRune(r) {
			return &MergefieldError{Pos: pos + 2 + j, Msg: fmt.Sprintf("mergefield {{%s}} has %s in its name", shown, quoteCharAt(name, j))}
		}
	}
	return nil
}

func isNameRune(r rune) bool {
	return r == '_' || r == '-' || r == '.' ||
		(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// MergefieldNames returns the names of the mergefields a text uses, in order,
// or the error that stops it being read.
func MergefieldNames(s string, strict bool) ([]string, error) {
	toks, err := ParseMergefields(s, strict)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range toks {
		if t.IsMergefield() {
			names = append(names, t.Name)
		}
	}
	return names, nil
}

// UsesMergefield reports whether the text holds {{name}}.
func UsesMergefield(s, name string) bool {
	return strings.Contains(s, "{{"+name+"}}")
}

// DefaultValueIsJSON reports whether a field of this type takes JSON text as
// its Default Value, so that its braces are read leniently.
func DefaultValueIsJSON(t FieldType) bool {
	return t == FieldObject || t == FieldList
}
