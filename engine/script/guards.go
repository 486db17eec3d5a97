package script

import (
	"fmt"
	"slices"

	"github.com/dop251/goja"
)

// Limits on what one built-in call may do. goja's time limit interrupts
// JavaScript between instructions, and its call-stack cap counts JavaScript
// calls; some built-ins recurse in Go or run long by themselves, where
// neither reaches them. A value nested this deep, or a string this long, in
// a connector script is a mistake or an attack, never data.
const (
	// maxNesting is the deepest value JSON.parse, JSON.stringify,
	// console.log and the array-to-text built-ins take: deeper ones would
	// recurse in Go until the process dies of a stack overflow.
	maxNesting = 1000
	// maxStringLength caps the strings String.prototype.repeat, padStart
	// and padEnd make, and the separators Array.prototype.join puts
	// between elements, in UTF-16 units.
	maxStringLength = 16 << 20
)

// A regular expression that backtracks for hours (a pattern with
// lookaround or backreferences on the wrong input) is not bounded here:
// regexp2's match timeout would make it a silent "no match". The time
// limit cannot interrupt it, so in Patchbay the worker it runs in is ended
// (worker.go), and the step fails at the time limit.

// guardSource wraps JSON.stringify so that a value nested deeper than
// maxNesting is refused with a RangeError before goja's own stringify
// recurses into it. It tracks the depth through a replacer, which
// stringify calls once per value, depth first, with the value's holder as
// this: the holders still open are the path to it. A script's own replacer
// function runs first, and the depth is that of what it returns; toJSON
// and getters run once, as without the guard. With a list of keys as the
// replacer, a walk checks the depth first instead (and toJSON runs twice).
var guardSource = fmt.Sprintf(`(function (stringify, RangeErrorCtor, isArray) {
	var max = %d;
	function tooDeep() { return new RangeErrorCtor('the value is nested deeper than ' + max + ' levels'); }
	function walk(v, key, ancestors, list) {
		if (typeof v === 'object' && v !== null && typeof v.toJSON === 'function') v = v.toJSON(key);
		if (typeof v !== 'object' || v === null) return;
		if (ancestors.indexOf(v) >= 0) return;
		if (ancestors.length >= max) throw tooDeep();
		ancestors.push(v);
		var i;
		if (isArray(v)) {
			for (i = 0; i < v.length; i++) walk(v[i], String(i), ancestors, list);
		} else {
			for (i = 0; i < list.length; i++) walk(v[list[i]], list[i], ancestors, list);
		}
		ancestors.pop();
	}
	return function stringify_(value, replacer, space) {
		if (isArray(replacer)) { // a list of keys: only those are written
			var list = [];
			for (var i = 0; i < replacer.length; i++) {
				// Strings and numbers, each once, as stringify reads the
				// list; any object too (stringify takes String and Number
				// objects, and walking a key it skips does no harm).
				var k = replacer[i];
				if (typeof k === 'number' || (typeof k === 'object' && k !== null)) {
					try { k = String(k); } catch (e) { continue; }
				}
				if (typeof k === 'string' && list.indexOf(k) < 0) list.push(k);
			}
			walk(value, '', [], list);
			return stringify(value, replacer, space);
		}
		var user = typeof replacer === 'function' ? replacer : null;
		var open = [];
		return stringify(value, function (key, v) {
			if (user) v = user.call(this, key, v);
			while (open.length > 0 && open[open.length - 1] !== this) open.pop();
			if (typeof v === 'object' && v !== null) {
				if (open.length > max) throw tooDeep();
				open.push(v);
			}
			return v;
		}, space);
	};
})`, maxNesting)

var guardProgram = goja.MustCompile("patchbay:guards", guardSource, false)

// installGuards puts the limits above into a fresh runtime, before any
// script runs: JSON.parse and JSON.stringify refuse values nested too deep,
// the array-to-text built-ins count how deep they have gone, Array flat
// goes no deeper than maxNesting, and repeat and padding refuse huge
// results. It returns the guarded stringify, for the runtime's own use.
func (u *unit) installGuards() (goja.Value, error) {
	rt := u.rt
	rangeError := func(format string, args ...any) *goja.Object {
		obj, err := rt.New(rt.Get("RangeError"), rt.ToValue(fmt.Sprintf(format, args...)))
		if err != nil {
			panic(rt.NewTypeError(fmt.Sprintf(format, args...)))
		}
		return obj
	}
	json := rt.Get("JSON").ToObject(rt)

	factory, err := rt.RunProgram(guardProgram)
	if err != nil {
		return nil, err
	}
	mk, _ := goja.AssertFunction(factory)
	stringify, err := mk(goja.Undefined(), json.Get("stringify"), rt.Get("RangeError"), rt.Get("Array").ToObject(rt).Get("isArray"))
	if err != nil {
		return nil, err
	}
	if err := u.define(json, "stringify", 3, stringify); err != nil {
		return nil, err
	}

	parse, _ := goja.AssertFunction(json.Get("parse"))
	guardedParse := func(call goja.FunctionCall) goja.Value {
		text := call.Argument(0).ToString() // once: a toString may count
		if depth := jsonDepth(text.String()); depth > maxNesting {
			panic(rangeError("JSON.parse: the text is nested %d levels deep, deeper than %d", depth, maxNesting))
		}
		args := append([]goja.Value{text}, call.Arguments[min(1, len(call.Arguments)):]...)
		v, err := parse(call.This, args...)
		if err != nil {
			panic(err)
		}
		return v
	}
	if err := u.define(json, "parse", 2, rt.ToValue(guardedParse)); err != nil {
		return nil, err
	}

	// toString and toLocaleString of a nested array call join (or
	// toLocaleString) on each element: every level passes through here.
	arrayProto := rt.Get("Array").ToObject(rt).Get("prototype").ToObject(rt)
	for _, name := range []string{"join", "toString", "toLocaleString"} {
		orig, _ := goja.AssertFunction(arrayProto.Get(name))
		if err := u.define(arrayProto, name, lengthOf(arrayProto.Get(name)), rt.ToValue(u.counted(orig, name, rangeError))); err != nil {
			return nil, err
		}
	}
	flat, _ := goja.AssertFunction(arrayProto.Get("flat"))
	if err := u.define(arrayProto, "flat", 0, rt.ToValue(func(call goja.FunctionCall) goja.Value {
		depth := goja.Undefined()
		if d := call.Argument(0); !goja.IsUndefined(d) {
			depth = rt.ToValue(min(d.ToFloat(), maxNesting)) // Infinity too
		}
		v, err := flat(call.This, depth)
		if err != nil {
			panic(err)
		}
		return v
	})); err != nil {
		return nil, err
	}

	stringProto := rt.Get("String").ToObject(rt).Get("prototype").ToObject(rt)
	for _, name := range []string{"repeat", "padStart", "padEnd"} {
		orig, _ := goja.AssertFunction(stringProto.Get(name))
		if err := u.define(stringProto, name, lengthOf(stringProto.Get(name)), rt.ToValue(func(call goja.FunctionCall) goja.Value {
			// The string and the length are converted once, here, and the
			// built-in gets what they converted to: a valueOf that answered
			// 1 to the check and 2**27 to the built-in passed it.
			this, args := call.This, slices.Clone(call.Arguments)
			if !goja.IsUndefined(this) && !goja.IsNull(this) { // those the built-in refuses
				this = this.ToString()
			}
			if len(args) > 0 {
				args[0] = rt.ToValue(args[0].ToFloat())
			}
			if n := resultLength(name, goja.FunctionCall{This: this, Arguments: args}); n > maxStringLength {
				panic(rangeError("String.prototype.%s: a string of %.0f characters is longer than %d", name, n, maxStringLength))
			}
			v, err := orig(this, args...)
			if err != nil {
				panic(err)
			}
			return v
		})); err != nil {
			return nil, err
		}
	}
	return stringify, nil
}

// define puts fn on obj as a built-in method would be: named name, with
// its length, not enumerable.
func (u *unit) define(obj *goja.Object, name string, length int, fn goja.Value) error {
	f := fn.ToObject(u.rt)
	f.DefineDataProperty("name", u.rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	f.DefineDataProperty("length", u.rt.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return obj.DefineDataProperty(name, f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// lengthOf is a function's length property.
func lengthOf(fn goja.Value) int {
	obj, ok := fn.(*goja.Object)
	if !ok {
		return 0
	}
	return int(obj.Get("length").ToInteger())
}

// counted wraps an array built-in with the count of how deep its calls are
// nested, refusing to go past maxNesting.
func (u *unit) counted(orig goja.Callable, name string, rangeError func(string, ...any) *goja.Object) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		if u.arrayDepth >= maxNesting {
			panic(rangeError("Array.prototype.%s: the array is nested deeper than %d levels", name, maxNesting))
		}
		if name == "join" { // the separators alone, however empty the array
			sep := 1.0
			if s := call.Argument(0); !goja.IsUndefined(s) {
				// Converted once: the built-in gets the string checked.
				str := s.ToString()
				call.Arguments = append([]goja.Value{str}, call.Arguments[1:]...)
				sep = float64(utf16Length(str))
			}
			if n := (arrayLength(call.This) - 1) * sep; n > maxStringLength {
				panic(rangeError("Array.prototype.join: a string of %.0f characters or more is longer than %d", n, maxStringLength))
			}
		}
		u.arrayDepth++
		defer func() { u.arrayDepth-- }()
		v, err := orig(call.This, call.Arguments...)
		if err != nil {
			panic(err)
		}
		return v
	}
}

// utf16Length is the length of v as a JavaScript string, in UTF-16 units.
func utf16Length(v goja.Value) int {
	if s, ok := v.ToString().(goja.String); ok {
		return s.Length()
	}
	return len(v.String())
}

// arrayLength is the length property of an array-like this, or 0.
func arrayLength(this goja.Value) float64 {
	obj, ok := this.(*goja.Object)
	if !ok {
		return 0
	}
	return obj.Get("length").ToFloat()
}

// resultLength is the length, in UTF-16 units, of what repeat, padStart
// or padEnd would return for call; padding never shortens.
func resultLength(name string, call goja.FunctionCall) float64 {
	this := float64(utf16Length(call.This))
	n := call.Argument(0).ToFloat()
	if name == "repeat" {
		return this * n
	}
	return n
}

// jsonDepth is how deep the arrays and objects of JSON text nest, counted
// outside strings; text that is not JSON gets some number, and parse then
// says what is wrong with it.
func jsonDepth(text string) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}
