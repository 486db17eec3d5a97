package script

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
	"github.com/dop251/goja/parser"
)

// ScriptError is a script that failed: a syntax error, a throw, or a runtime
// error such as a ReferenceError.
type ScriptError struct {
	Source  string // the Source's Name
	Event   Event  // the handler that failed; empty for compiling and top-level code
	Line    int    // 1-based; 0 when the position is unknown
	Column  int    // 1-based; 0 when the position is unknown
	Name    string // the JavaScript error's name ("TypeError"), empty for a thrown non-Error value
	Message string // the script's message
}

// Error reads like "method 'Create Webhook' script, before_action, line 3,
// column 5: Error: no id".
func (e *ScriptError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Event != "" {
		b.WriteString(", ")
		b.WriteString(string(e.Event))
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ", line %d, column %d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Name != "" {
		b.WriteString(e.Name)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// TimeoutError is a script stopped because it ran past Options.Timeout.
// It matches context.DeadlineExceeded with errors.Is.
type TimeoutError struct {
	Source string        // the Source's Name
	Event  Event         // empty for top-level code
	Limit  time.Duration // the time limit it ran past
	Line   int           // where it was stopped; 0 when unknown
	Column int
}

// Error names the script, the event and the limit, and hints at the usual cause.
func (e *TimeoutError) Error() string {
	at := ""
	if e.Line > 0 {
		at = fmt.Sprintf(" (stopped at line %d, column %d)", e.Line, e.Column)
	}
	return fmt.Sprintf("%s, %s: ran longer than the %s time limit%s; "+
		"look for a loop that never ends, such as a while whose condition never becomes false",
		e.Source, eventLabel(e.Event), e.Limit, at)
}

// Unwrap lets errors.Is(err, context.DeadlineExceeded) recognise a timeout.
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// compile parses src with source maps disabled (a "//# sourceMappingURL="
// comment must not make the parser read a file) and compiles it. A panic in
// goja's compiler (its "unreachable" cases) becomes an error, not a crash.
func compile(src Source) (*goja.Program, error) {
	prg, err := parse(src)
	if err != nil {
		return nil, err
	}
	return compileAST(src, prg)
}

// parse parses src, refusing a source nested too deep first.
func parse(src Source) (prg *ast.Program, err error) {
	defer func() {
		if p := recover(); p != nil {
			prg, err = nil, &ScriptError{Source: src.Name, Name: "SyntaxError", Message: fmt.Sprintf("the script could not be compiled: %v", p)}
		}
	}()
	// goja's parser recurses once per nested bracket, without a limit: a
	// source nested a few hundred thousand deep would end the process. In
	// Patchbay that is a worker (see Check); this count, which a quote in a
	// regular expression can throw off, only says so first, with a line.
	if depth, line := sourceNesting(src.Code); depth > maxSourceNesting {
		return nil, &ScriptError{Source: src.Name, Name: "SyntaxError", Line: line, Column: 1,
			Message: fmt.Sprintf("the code nests brackets %d deep, deeper than %d", depth, maxSourceNesting)}
	}
	prg, err = parser.ParseFile(nil, src.Name, src.Code, 0, parser.WithDisableSourceMaps)
	if err != nil {
		se := &ScriptError{Source: src.Name, Name: "SyntaxError", Message: err.Error()}
		var list parser.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			se.Line, se.Column, se.Message = list[0].Position.Line, list[0].Position.Column, list[0].Message
		}
		return nil, se
	}
	return prg, nil
}

// compileAST compiles a parsed source.
func compileAST(src Source, ast *ast.Program) (prg *goja.Program, err error) {
	defer func() {
		if p := recover(); p != nil {
			prg, err = nil, &ScriptError{Source: src.Name, Name: "SyntaxError", Message: fmt.Sprintf("the script could not be compiled: %v", p)}
		}
	}()
	prg, err = goja.CompileAST(ast, false)
	if err != nil {
		se := &ScriptError{Source: src.Name, Name: "SyntaxError", Message: err.Error()}
		var cse *goja.CompilerSyntaxError
		if errors.As(err, &cse) {
			se.Message = cse.Message
			if cse.File != nil {
				p := cse.File.Position(cse.Offset)
				se.Line, se.Column = p.Line, p.Column
			}
		}
		return nil, se
	}
	return prg, nil
}

// maxSourceNesting is the deepest a script's brackets, braces and
// parentheses may nest.
const maxSourceNesting = 1000

// sourceNesting is how deep the brackets, braces and parentheses of code
// nest, and the line where they are deepest, counted outside strings,
// template text and comments; a regular expression's brackets count too,
// which matters only near the limit.
func sourceNesting(code string) (deepest, line int) {
	depth, ln := 0, 1
	var quote byte // the string or template being read, or 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c == '\n' {
			ln++
		}
		switch {
		case quote != 0 && c == '\\':
			i++ // an escaped character
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '/' && i+1 < len(code) && code[i+1] == '/':
			for i < len(code) && code[i] != '\n' {
				i++
			}
			i-- // the line break is counted above
		case c == '/' && i+1 < len(code) && code[i+1] == '*':
			end := strings.Index(code[i+2:], "*/")
			if end < 0 {
				return deepest, line
			}
			ln += strings.Count(code[i:i+2+end], "\n")
			i += end + 3
		case c == '(' || c == '[' || c == '{':
			if depth++; depth > deepest {
				deepest, line = depth, ln
			}
		case c == ')' || c == ']' || c == '}':
			depth--
		}
	}
	return deepest, line
}

// position finds where in the named source a stack was: the innermost frame of
// that source, so code run through eval reports the script line that called it.
func position(frames []goja.StackFrame, source string) (line, col int) {
	for i := range frames {
		if frames[i].SrcName() != source {
			continue
		}
		if p := frames[i].Position(); p.Line > 0 {
			return p.Line, p.Column
		}
	}
	return 0, 0
}

// emptyLoopFrom corrects where a script was stopped, for the loop that
// most often runs for ever: one with an empty body (while (true) {},
// for (;;) {}). Its jumps carry no place of their own, so goja reports the
// last place before them: the statement before the loop, or the
// function's first line. So the place reported gives way to an empty loop
// around it, or else to the first one after it in the same function:
// one of the function's own first, else one in a function within it (a
// callback). Not when the place is inside a loop that does something:
// that loop may well be the one that ran on.
func emptyLoopFrom(src Source, line, col int) (int, int) {
	if line == 0 {
		return line, col
	}
	prg, err := parse(src)
	if err != nil {
		return line, col
	}
	pos := file.Position{Line: line, Column: col}
	before := func(a, b file.Position) bool { return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column }
	type span struct{ start, end file.Position }
	within := func(p file.Position, s span) bool { return !before(p, s.start) && before(p, s.end) }
	var around *file.Position // an empty loop around pos
	var empties []file.Position
	var funcs []span
	busy := false // pos is in a loop that does something
	walk(prg, func(n ast.Node) {
		var body ast.Statement
		switch n := n.(type) {
		case *ast.FunctionLiteral, *ast.ArrowFunctionLiteral:
			funcs = append(funcs, span{sourcePosition(prg, n.Idx0()), sourcePosition(prg, n.Idx1())})
			return
		case *ast.WhileStatement:
			body = n.Body
		case *ast.ForStatement:
			body = n.Body
		case *ast.DoWhileStatement:
			body = n.Body
		case *ast.ForInStatement:
			body = n.Body
		case *ast.ForOfStatement:
			body = n.Body
		default:
			return
		}
		loop := span{sourcePosition(prg, n.Idx0()), sourcePosition(prg, n.Idx1())}
		switch {
		case !empty(body):
			busy = busy || within(pos, loop)
		case within(pos, loop):
			around = &loop.start
		case !before(loop.start, pos):
			empties = append(empties, loop.start)
		}
	})
	switch {
	case around != nil:
		return around.Line, around.Column
	case busy:
		return line, col
	}
	// innermost is the smallest function around p; the zero span (the
	// top level) when none is.
	innermost := func(p file.Position) span {
		var in span
		for _, f := range funcs {
			if within(p, f) && (in == span{} || before(in.start, f.start)) {
				in = f
			}
		}
		return in
	}
	fn := innermost(pos)
	var own, nested *file.Position
	for i, e := range empties {
		if fn != (span{}) && !within(e, fn) {
			continue // after the function: it never ran from here
		}
		pick := &nested
		if innermost(e) == fn {
			pick = &own
		}
		if *pick == nil || before(e, **pick) {
			*pick = &empties[i]
		}
	}
	switch {
	case own != nil:
		return own.Line, own.Column
	case nested != nil:
		return nested.Line, nested.Column
	}
	return line, col
}

// sourcePosition is the line and column of a node's place in the source.
func sourcePosition(prg *ast.Program, idx file.Idx) file.Position {
	return prg.File.Position(int(idx) - prg.File.Base())
}

// empty reports whether a loop's body does nothing: {} or ;.
func empty(body ast.Statement) bool {
	switch b := body.(type) {
	case *ast.EmptyStatement:
		return true
	case *ast.BlockStatement:
		return len(b.List) == 0
	}
	return false
}

// convert turns an error from the runtime into a *ScriptError. Interrupts pass
// through untouched for Runner.outcome. It must run while the runtime is
// armed: describing a thrown value may run script code (a getter, toString).
func (u *unit) convert(ev Event, err error) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		return err
	}
	se := &ScriptError{Source: u.src.Name, Event: ev}
	var so *goja.StackOverflowError
	var ex *goja.Exception
	switch {
	case errors.As(err, &so):
		se.Line, se.Column = position(so.Stack(), u.src.Name)
		se.Name, se.Message = "RangeError", "Maximum call stack size exceeded"
	case errors.As(err, &ex):
		se.Line, se.Column = position(ex.Stack(), u.src.Name)
		var derr error
		if se.Name, se.Message, derr = u.describe(ex.Value()); errors.As(derr, &ie) {
			return derr // describing it ran into the time limit
		}
	default:
		se.Message = err.Error()
	}
	return se
}

// describe returns the name and message of a thrown value, running the
// description in the script's runtime so that a hostile getter or toJSON
// stays under the time limit. err is the runtime's own failure to describe
// it, which in practice means the time limit interrupted the description.
func (u *unit) describe(v goja.Value) (name, message string, err error) {
	const unknown = "(a thrown value that cannot be shown)"
	res, err := u.internal.describe(goja.Undefined(), v)
	if err != nil {
		return "", unknown, err
	}
	parts, ok := res.Export().([]any)
	if !ok || len(parts) != 2 {
		return "", unknown, nil
	}
	name, _ = parts[0].(string)
	message, _ = parts[1].(string)
	return name, message, nil
}

// walk calls visit for every node of a parsed script, depth first. goja
// has no walker of its own; the nodes are read by reflection, following
// pointers, slices and interfaces of its ast package.
func walk(prg *ast.Program, visit func(ast.Node)) {
	seen := map[uintptr]bool{}
	nodeType := reflect.TypeFor[ast.Node]()
	var walkValue func(v reflect.Value)
	walkValue = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Interface:
			if !v.IsNil() {
				walkValue(v.Elem())
			}
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] || v.Type().Elem().PkgPath() != nodeType.PkgPath() {
				return
			}
			seen[v.Pointer()] = true
			if n, ok := v.Interface().(ast.Node); ok {
				visit(n)
			}
			walkValue(v.Elem())
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walkValue(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := range v.Len() {
				walkValue(v.Index(i))
			}
		}
	}
	walkValue(reflect.ValueOf(prg))
}
