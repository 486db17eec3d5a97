package script

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
)

// maxCallDepth caps recursion so `function f() { f() }` ends in a RangeError
// instead of eating memory until the time limit.
const maxCallDepth = 2000

// errInterrupted is the value handed to Runtime.Interrupt; Runner.outcome
// decides from the contexts whether it was a timeout or a cancellation.
var errInterrupted = errors.New("script interrupted")

// internalSource is evaluated in every runtime before the user's code. It
// returns closures that capture the pristine JSON.stringify and Error, so a
// script that replaces them or deletes a global cannot break the Go side.
// All the work that might run script code (getters, toJSON, toString)
// happens in these closures, called while the runtime is armed against the
// deadline, so none of it can outlast the time limit.
var internalSource = `(function (stringify, ErrorCtor, emit) {
	function format(v) {
		try {
			if (typeof v === 'string') return v;
			if (v instanceof ErrorCtor) return String(v.name) + ': ' + String(v.message);
			if (typeof v === 'object' && v !== null) {
				try {
					var s = stringify(v);
					if (typeof s === 'string') return s;
				} catch (e) {
					// a cycle, or a toJSON that throws: fall back to String
				}
			}
			return String(v);
		} catch (e) {
			return '[value that cannot be shown]';
		}
	}
	function log() {
		var parts = [];
		for (var i = 0; i < arguments.length; i++) parts[i] = format(arguments[i]);
		emit(parts.join(' '));
	}
	return {
		console: {log: log, info: log, warn: log, error: log, debug: log},
		set: function (` + params() + `) {
			` + assignments() + `
		},
		get: function () {
			return stringify([` + reads() + `]);
		},
		handlers: function () {
			return [` + handlerReads() + `];
		},
		describe: function (e) {
			try {
				if (e instanceof ErrorCtor) return [String(e.name), String(e.message)];
				return ['', format(e)];
			} catch (x) {
				return ['', '(a thrown value that cannot be shown)'];
			}
		}
	};
})`

func params() string {
	parts := make([]string, len(globalNames))
	for i := range globalNames {
		parts[i] = fmt.Sprintf("a%d", i)
	}
	return strings.Join(parts, ", ")
}

func assignments() string {
	var b strings.Builder
	for i, n := range globalNames {
		fmt.Fprintf(&b, "%s = a%d;\n", n, i)
	}
	return b.String()
}

func reads() string {
	parts := make([]string, len(globalNames))
	for i, n := range globalNames {
		parts[i] = fmt.Sprintf("typeof %s === 'undefined' ? null : %s", n, n)
	}
	return strings.Join(parts, ", ")
}

func handlerReads() string {
	parts := make([]string, 0, len(Events()))
	for _, ev := range Events() {
		parts = append(parts, fmt.Sprintf("typeof %s === 'undefined' ? undefined : %s", ev, ev))
	}
	return strings.Join(parts, ", ")
}

var internalProgram = goja.MustCompile("patchbay:internal", internalSource, false)

// unit is one source in its own runtime.
type unit struct {
	src      Source
	rt       *goja.Runtime
	internal struct {
		set, get, handlers, describe goja.Callable
		parse                        goja.Callable // the pristine JSON.parse
	}
	handlers map[Event]goja.Callable // resolved after the top-level code ran
	// arrayDepth is how deep the array-to-text built-ins are nested now
	// (see installGuards).
	arrayDepth int
}

// newUnit makes a fresh runtime for src with the helpers installed.
func newUnit(src Source, console func(source, line string)) (*unit, error) {
	u := &unit{src: src, rt: goja.New()}
	rt := u.rt
	rt.SetParserOptions(parser.WithDisableSourceMaps) // eval and new Function too
	rt.SetMaxCallStackSize(maxCallDepth)

	emit := func(line string) {
		if console != nil {
			console(src.Name, line)
		}
	}
	json := rt.Get("JSON").ToObject(rt)
	parse := json.Get("parse")
	stringify, err := u.installGuards()
	if err != nil {
		return nil, fmt.Errorf("%s: set up runtime: %w", src.Name, err)
	}
	factory, err := rt.RunProgram(internalProgram)
	if err != nil {
		return nil, fmt.Errorf("%s: set up runtime: %w", src.Name, err)
	}
	mk, _ := goja.AssertFunction(factory)
	res, err := mk(goja.Undefined(), stringify, rt.Get("Error"), rt.ToValue(emit))
	if err != nil {
		return nil, fmt.Errorf("%s: set up runtime: %w", src.Name, err)
	}
	u.internal.parse, _ = goja.AssertFunction(parse)
	obj := res.ToObject(rt)
	for name, dst := range map[string]*goja.Callable{
		"set": &u.internal.set, "get": &u.internal.get,
		"handlers": &u.internal.handlers, "describe": &u.internal.describe,
	} {
		*dst, _ = goja.AssertFunction(obj.Get(name))
	}
	for name, v := range map[string]any{
		"console":    obj.Get("console"),
		"btoa":       u.btoa,
		"atob":       u.atob,
		"cyclr_sign": u.sign,
	} {
		if err := rt.Set(name, v); err != nil {
			return nil, fmt.Errorf("%s: set up runtime: %w", src.Name, err)
		}
	}
	return u, nil
}

// armed runs f with the runtime interruptible by ctx, then disarms it: if
// the interrupt fired late (after f returned) it is waited for and cleared,
// so it cannot leak into the next call.
func (u *unit) armed(ctx context.Context, f func() error) (err error) {
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		u.rt.Interrupt(errInterrupted)
	})
	defer func() {
		if !stop() {
			<-fired
		}
		u.rt.ClearInterrupt()
	}()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: internal error in the script engine: %v", u.src.Name, p)
		}
	}()
	return f()
}

// runTopLevel installs empty globals, runs the source's top-level code and
// resolves the handlers it defined.
func (u *unit) runTopLevel(prg *goja.Program) error {
	if err := u.setGlobals("", &Globals{}); err != nil {
		return err
	}
	if _, err := u.rt.RunProgram(prg); err != nil {
		return u.convert("", err)
	}
	res, err := u.internal.handlers(goja.Undefined())
	if err != nil {
		return u.convert("", err)
	}
	list := res.ToObject(u.rt)
	u.handlers = make(map[Event]goja.Callable)
	for i, ev := range Events() {
		v := list.Get(fmt.Sprint(i))
		if goja.IsUndefined(v) || goja.IsNull(v) {
			continue
		}
		fn, ok := goja.AssertFunction(v)
		if !ok {
			return &ScriptError{Source: u.src.Name, Name: "TypeError",
				Message: fmt.Sprintf("%s is defined but is not a function", ev)}
		}
		u.handlers[ev] = fn
	}
	return nil
}

func (u *unit) handles(ev Event) bool {
	_, ok := u.handlers[ev]
	return ok
}

// fire runs this source's handler for ev with g as globals and reads the
// globals back into g. It reports false when the handler returned false.
func (u *unit) fire(ev Event, g *Globals) (bool, error) {
	fn := u.handlers[ev]
	if err := u.setGlobals(ev, g); err != nil {
		return false, err
	}
	res, err := fn(goja.Undefined())
	if err != nil {
		err = u.convert(ev, err)
		var se *ScriptError
		if errors.As(err, &se) {
			// What the handler set before it threw comes back too: the
			// step fails, but a credential it built may be in its message,
			// and the caller masks it only if it sees it. Reading them may
			// run into the time limit: that is what the step then says.
			var ie *goja.InterruptedError
			if rerr := u.readGlobals(ev, g); errors.As(rerr, &ie) {
				return false, rerr
			}
		}
		return false, err
	}
	// An async handler returns a promise, settled by now unless it waits:
	// its failure fails the step, and its value decides as a plain one.
	if p := promise(res); p != nil {
		switch p.State() {
		case goja.PromiseStateRejected:
			name, msg, err := u.describe(p.Result())
			if err != nil {
				return false, err // describing it ran into the time limit
			}
			u.readGlobals(ev, g) // as for a handler that threw: see above
			return false, &ScriptError{Source: u.src.Name, Event: ev, Name: name, Message: msg}
		case goja.PromiseStatePending:
			return false, &ScriptError{Source: u.src.Name, Event: ev, Name: "TypeError",
				Message: "the handler returned a promise that has not settled: handlers cannot wait (no await on anything that is not already done)"}
		}
		res = p.Result()
	}
	if err := u.readGlobals(ev, g); err != nil {
		return false, err
	}
	// Only false stops; the value is not read further, so that no getter
	// of a returned object runs outside the time limit's reach.
	return !res.StrictEquals(u.rt.ToValue(false)), nil
}

// promise returns v as a promise, or nil when it is none; an ordinary
// object is not exported (which would walk it, and run its getters).
func promise(v goja.Value) *goja.Promise {
	obj, ok := v.(*goja.Object)
	if !ok || obj.ExportType() != promiseType {
		return nil
	}
	p, _ := obj.Export().(*goja.Promise)
	return p
}

var promiseType = reflect.TypeOf((*goja.Promise)(nil))

// setGlobals hands g to the script as plain JavaScript values.
func (u *unit) setGlobals(ev Event, g *Globals) error {
	var args [len(globalNames)]goja.Value
	for i, v := range g.values() {
		jv, err := u.toJS(v, 0)
		if err != nil {
			return fmt.Errorf("%s, %s: pass %s to the script: %w", u.src.Name, eventLabel(ev), globalNames[i], err)
		}
		args[i] = jv
	}
	if _, err := u.internal.set(goja.Undefined(), args[:]...); err != nil {
		return u.convert(ev, err)
	}
	return nil
}

// readGlobals copies the script's globals back into g.
func (u *unit) readGlobals(ev Event, g *Globals) error {
	res, err := u.internal.get(goja.Undefined())
	if err != nil {
		err = u.convert(ev, err)
		var se *ScriptError
		if errors.As(err, &se) {
			se.Message = "cannot read the globals back: " + se.Message
		}
		return err
	}
	if err := decodeGlobals(res.String(), g); err != nil {
		return &ScriptError{Source: u.src.Name, Event: ev, Message: err.Error()}
	}
	return nil
}
