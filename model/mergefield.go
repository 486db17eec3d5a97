package model

import (
	"fmt"
	"strings"
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
}

func (e *MergefieldError) Error() string {
	return fmt.Sprintf("at character %d: %s", e.Pos+1, e.Msg)
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
				return nil, &MergefieldError{Pos: i, Msg: `"{{" is never closed with "}}"`}
			}
			name := s[i+2 : i+2+end]
			if err := checkMergefieldName(name, i); err != nil {
				return nil, err
			}
			after := i + 2 + end + 2
			if strict && after < len(s) && s[after] == '}' {
				return nil, &MergefieldError{Pos: after, Msg: fmt.Sprintf("one \"}\" too many after {{%s}}", name)}
			}
			flush(i)
			toks = append(toks, Token{Name: name, Pos: i})
			i = after
			lit = i
		case strict && strings.HasPrefix(s[i:], "}}"):
			return nil, &MergefieldError{Pos: i, Msg: `"}}" closes no "{{"`}
		default:
			i++
		}
	}
	flush(len(s))
	return toks, nil
}

func checkMergefieldName(name string, pos int) error {
	if name == "" {
		return &MergefieldError{Pos: pos, Msg: "empty mergefield {{}}"}
	}
	if strings.TrimSpace(name) != name {
		return &MergefieldError{Pos: pos, Msg: fmt.Sprintf("mergefield {{%s}} has spaces around its name", name)}
	}
	for j, r := range name {
		if !isNameRune(r) {
			return &MergefieldError{Pos: pos + 2 + j, Msg: fmt.Sprintf("mergefield {{%s}} has %q in its name", name, r)}
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
