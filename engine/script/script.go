// Package script runs connector and method scripts the way Cyclr's connector
// builder does: plain JavaScript functions named after events, which read and
// change a fixed set of globals, in a sandbox with no file, network, module,
// process or environment access, and under a time limit.
//
// # Events and order
//
// A script defines handlers as plain functions:
//
//	function before_action() {
//	    method_request_headers.Authorization = 'Bearer ' + method_auth_value;
//	}
//
// The events are before_action, after_action and after_error (Action methods)
// and before_webhook and after_webhook (an inbound webhook payload). A Runner
// holds the connector script and the method script, each in its own runtime, so
// both may define a handler of the same name. For before_* events the method's
// handler runs first, then the connector's; for every other event the
// connector's runs first, then the method's. What one handler changes, the next
// one sees, and Fire writes the final values back into the caller's Globals.
//
// A handler that returns false stops the step (Fire reports proceed == false and
// the remaining handlers do not run). Returning nothing, true or any other value
// goes on. A throw, or a runtime error such as a ReferenceError, fails the step
// with a *ScriptError carrying the script's message, line and column.
//
// # Globals
//
// method_endpoint, method_request, method_request_headers,
// method_request_parameters, method_request_mergefields, method_response,
// method_response_headers, method_error, statusCode, method_auth_value and
// cycle_variables; see Globals. They are plain JavaScript objects and arrays,
// not wrappers around Go maps, so scripts may mutate them or assign new ones.
// Values come back as encoding/json would decode the script's
// JSON.stringify of them: numbers as float64, functions and undefined members
// dropped, and integers beyond 2^53 rounded, as in any JavaScript. Header,
// parameter and mergefield values come back as strings.
//
// # Helpers
//
//   - console.log(...args) (also info, warn, error, debug): arguments joined by
//     spaces, strings as they are, objects and arrays as JSON, errors as
//     "Name: message"; each call is one line delivered to Options.Console.
//   - btoa(text) and atob(base64): as in browsers. btoa takes a binary string
//     (every character U+0000..U+00FF) and throws for anything else; atob
//     accepts padded or unpadded base64 and ignores ASCII whitespace.
//   - cyclr_sign(algorithm, key, message[, encoding]) returns the HMAC of
//     message under key (both as UTF-8). algorithm is "sha1", "sha256",
//     "sha384" or "sha512" (case and an "hmac"/"-" spelling such as
//     "HMAC-SHA256" are accepted); encoding is "hex" (the default), "base64" or
//     "base64url" (unpadded, as in JWTs). Anything else throws a TypeError.
//
// # Sandbox and limits
//
// Each source gets a fresh goja runtime per Runner: only the ECMAScript
// built-ins and the helpers above exist. There is no require, import, process,
// fetch, XMLHttpRequest, setTimeout or file access; source-map comments are
// ignored rather than loaded from disk. Options.Timeout (5s by default) bounds
// New's top-level code and each Fire; a runaway script comes back as a
// *TimeoutError, a cancelled context as an error wrapping ctx.Err(). Recursion
// is capped (a RangeError). The limit interrupts JavaScript only, so the
// built-ins that could run long or recurse by themselves are bounded too
// (guards.go): JSON.parse, JSON.stringify, console.log and turning arrays
// into text refuse values nested more than 1000 deep (a deeper one would
// overflow Go's stack and end the process); repeat, padStart and padEnd
// refuse results over 16 Mi characters, and join separators that alone
// pass that. A backtracking regular expression is not bounded inside the
// runtime: in a worker, the worker is ended at the time limit.
//
// A program that calls WorkerMain (Patchbay does) runs each Runner's
// scripts in a worker process of its own executable (worker.go): a script
// that asks for more memory than there is, passes 1 GiB of heap, or finds
// another way to end its process ends the worker, and the step fails saying
// why, while the program goes on. The worker is also ended when it outlasts
// the time limit by 2 s, breaks the protocol, answers with more than 64 MiB,
// or when the caller's context ends. Starting one costs about 9 ms, so a
// worker is kept for the next Runner when it is closed (pool.go).
//
// An async handler's promise counts as its result: a rejection fails the
// step, and a promise still pending when the handler returns is an error.
package script

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
)

// DefaultTimeout is the time limit used when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Source is one script and the name it is reported under, such as
// "connector script" or "method 'Create Webhook' script".
type Source struct {
	Name string
	Code string
}

// Options tune a Runner.
type Options struct {
	// Timeout bounds the top-level code run by New, and each Fire.
	// Zero or less means DefaultTimeout.
	Timeout time.Duration
	// Console receives each console.log line with the name of the source that
	// wrote it. Nil discards them. It is called synchronously from the script
	// and the time limit cannot interrupt it, so it should return quickly.
	Console func(source, line string)

	// running, if set, is told the name of each source before its code
	// runs: a worker passes it on, so that a worker that dies is said to
	// have died in the script that was running.
	running func(source string)
}

// Event names a handler a script may define.
type Event string

// The events Cyclr fires. before_* handlers run method first, then
// connector; the others connector first, then method.
const (
	EventBeforeAction  Event = "before_action"
	EventAfterAction   Event = "after_action"
	EventAfterError    Event = "after_error"
	EventBeforeWebhook Event = "before_webhook"
	EventAfterWebhook  Event = "after_webhook"
)

// Events returns every event, in the order a method meets them.
func Events() []Event {
	return []Event{EventBeforeAction, EventAfterAction, EventAfterError, EventBeforeWebhook, EventAfterWebhook}
}

// Valid reports whether e is one of the events Cyclr fires.
func (e Event) Valid() bool {
	switch e {
	case EventBeforeAction, EventAfterAction, EventAfterError, EventBeforeWebhook, EventAfterWebhook:
		return true
	}
	return false
}

// innermostFirst reports whether the method's handler runs before the
// connector's, as Cyclr does for the before_* events.
func (e Event) innermostFirst() bool { return strings.HasPrefix(string(e), "before_") }

// Runner runs the handlers of one run: a connector script and a method script,
// each in its own fresh runtime. A Runner is not safe for concurrent use; make
// one per run.
type Runner struct {
	opts  Options
	units []*unit // outermost (connector) first

	// In a program that isolates scripts (WorkerMain), the units live in
	// a worker process: w is its end here, and handled what they handle.
	w       *worker
	sources []Source
	handled map[Event]bool
	closed  bool // the worker was given back

	stoppedBy string // see StoppedBy
}

// New compiles sources, gives each its own runtime with the helpers and the
// globals (empty), and runs each one's top-level code, so the handlers it
// defines are ready for Fire. Sources go from outermost to innermost: the
// connector script, then the method script. A source whose Code is blank is
// skipped, so callers may always pass both. A syntax error, a throw or a
// timeout in top-level code is returned as for Fire, with an empty Event.
// The handlers are the event-named functions the top-level code defined;
// functions assigned later, from inside a handler, are not picked up.
//
// In a program that called WorkerMain, the scripts run in a worker process,
// one of the Runner's own while it is open: Close the Runner when done with
// it, and the worker waits for the next.
func New(ctx context.Context, opts Options, sources ...Source) (*Runner, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if isolated.Load() && hasCode(sources) {
		return newIsolated(ctx, opts, sources)
	}
	return newInProcess(ctx, opts, sources...)
}

func hasCode(sources []Source) bool {
	for _, src := range sources {
		if strings.TrimSpace(src.Code) != "" {
			return true
		}
	}
	return false
}

// newIsolated loads the sources in a worker: an idle one, or a new one.
func newIsolated(ctx context.Context, opts Options, sources []Source) (*Runner, error) {
	req := request{Op: "new", Timeout: opts.Timeout, Sources: sources}
	w, rep, err := callPooled(ctx, req, opts.Timeout*time.Duration(len(sources))+workerGrace, opts.Console)
	if w == nil {
		return nil, err
	}
	r := &Runner{opts: opts, w: w, sources: sources, handled: map[Event]bool{}}
	if err == nil {
		err = rep.Err.err()
	}
	if err != nil {
		giveBack(w)
		return nil, r.workerError(ctx, "", err)
	}
	for _, ev := range rep.Handlers {
		r.handled[ev] = true
	}
	return r, nil
}

// workerError words an error of the worker's end as one of the script's:
// cancelled, ended at the time limit, or ended by what the script did.
func (r *Runner) workerError(ctx context.Context, ev Event, err error) error {
	var se *ScriptError
	var te *TimeoutError
	if errors.As(err, &se) || errors.As(err, &te) {
		return err
	}
	name := r.sourceName()
	if r.w != nil && r.w.running != "" {
		name = r.w.running
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s, %s: stopped: %w", name, eventLabel(ev), ctx.Err())
	case errors.Is(err, errWorkerLate):
		return &TimeoutError{Source: name, Event: ev, Limit: r.opts.Timeout}
	}
	return &ScriptError{Source: name, Event: ev, Message: err.Error()}
}

// sourceName names the innermost source with code, for an error of the
// worker's that no script reported, when the worker did not say which
// script was running.
func (r *Runner) sourceName() string {
	name := "script"
	for _, src := range r.sources {
		if strings.TrimSpace(src.Code) != "" {
			name = src.Name
		}
	}
	return name
}

// Close gives the Runner's worker process back, for the next Runner to
// use, if it has one; Fire of an event its scripts handle fails after it.
// A nil Runner, or one without a worker, has nothing to close.
func (r *Runner) Close() {
	if r != nil && r.w != nil && !r.closed {
		r.closed = true
		giveBack(r.w)
	}
}

// newInProcess is New with the scripts in this process.
func newInProcess(ctx context.Context, opts Options, sources ...Source) (*Runner, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	r := &Runner{opts: opts}
	var programs []*goja.Program
	for _, src := range sources {
		if strings.TrimSpace(src.Code) == "" {
			continue
		}
		if src.Name == "" {
			src.Name = "script"
		}
		prg, err := compile(src)
		if err != nil {
			return nil, err
		}
		u, err := newUnit(src, opts.Console)
		if err != nil {
			return nil, err
		}
		r.units = append(r.units, u)
		programs = append(programs, prg)
	}

	dctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	for i, u := range r.units {
		if err := ctx.Err(); err != nil {
			return nil, r.stopped(ctx, u, "", nil)
		}
		if opts.running != nil {
			opts.running(u.src.Name)
		}
		err := u.armed(dctx, func() error { return u.runTopLevel(programs[i]) })
		if err != nil {
			return nil, r.outcome(ctx, u, "", err)
		}
	}
	return r, nil
}

// Handles reports whether any source defines a handler for ev, so a caller can
// skip work (such as decoding a body) that only a handler would need.
func (r *Runner) Handles(ev Event) bool {
	if r == nil {
		return false
	}
	if r.w != nil {
		return r.handled[ev]
	}
	for _, u := range r.units {
		if u.handles(ev) {
			return true
		}
	}
	return false
}

// Fire runs the handlers for ev in Cyclr's order, each seeing g as globals, and
// writes what they changed back into g. proceed is false when a handler
// returned false (the step stops) or when err is not nil. Handlers after the
// one that returned false or failed do not run; a failed handler's changes are
// not written back. A nil Runner proceeds.
func (r *Runner) Fire(ctx context.Context, ev Event, g *Globals) (proceed bool, err error) {
	if !ev.Valid() {
		return false, fmt.Errorf("script: unknown event %q", ev)
	}
	if r != nil && r.w != nil {
		return r.fireIsolated(ctx, ev, g)
	}
	return r.fireInProcess(ctx, ev, g)
}

// fireIsolated is Fire in the worker: what the handlers changed comes back
// into g.
func (r *Runner) fireIsolated(ctx context.Context, ev Event, g *Globals) (bool, error) {
	r.stoppedBy = ""
	if !r.handled[ev] {
		return true, nil
	}
	if r.closed {
		return false, fmt.Errorf("%s, %s: the script runner is closed", r.sourceName(), eventLabel(ev))
	}
	if g == nil {
		g = &Globals{}
	}
	for i, v := range g.values() { // as the worker will get them: JSON
		if _, err := json.Marshal(v); err != nil {
			return false, fmt.Errorf("%s, %s: pass %s to the script: %w", r.sourceName(), eventLabel(ev), globalNames[i], err)
		}
	}
	rep, err := r.w.call(ctx, request{Op: "fire", Event: ev, Globals: g}, r.opts.Timeout+workerGrace, r.opts.Console)
	if err != nil {
		return false, r.workerError(ctx, ev, err)
	}
	if rep.Globals != nil {
		*g = *rep.Globals
	}
	if err := rep.Err.err(); err != nil {
		return false, r.workerError(ctx, ev, err)
	}
	r.stoppedBy = rep.StoppedBy
	return rep.Proceed, nil
}

// fireInProcess is Fire with the scripts in this process.
func (r *Runner) fireInProcess(ctx context.Context, ev Event, g *Globals) (proceed bool, err error) {
	if r != nil {
		r.stoppedBy = ""
	}
	if r == nil || len(r.units) == 0 {
		return true, nil
	}
	if g == nil {
		g = &Globals{}
	}
	order := r.units
	if ev.innermostFirst() {
		order = make([]*unit, len(r.units))
		for i, u := range r.units {
			order[len(r.units)-1-i] = u
		}
	}

	dctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	for _, u := range order {
		if !u.handles(ev) {
			continue
		}
		if ctx.Err() != nil {
			return false, r.stopped(ctx, u, ev, nil)
		}
		if r.opts.running != nil {
			r.opts.running(u.src.Name)
		}
		goOn := true
		err := u.armed(dctx, func() error {
			var err error
			goOn, err = u.fire(ev, g)
			return err
		})
		if err != nil {
			return false, r.outcome(ctx, u, ev, err)
		}
		if !goOn {
			r.stoppedBy = u.src.Name
			return false, nil
		}
	}
	return true, nil
}

// StoppedBy names the source whose handler returned false in the last
// Fire, such as "connector script"; "" when none did.
func (r *Runner) StoppedBy() string {
	if r == nil {
		return ""
	}
	return r.stoppedBy
}

// outcome turns an interrupt into a *TimeoutError or a cancellation error and
// passes every other error through.
func (r *Runner) outcome(ctx context.Context, u *unit, ev Event, err error) error {
	var ie *goja.InterruptedError
	if !errors.As(err, &ie) {
		return err
	}
	if ctx.Err() != nil {
		return r.stopped(ctx, u, ev, ie)
	}
	te := &TimeoutError{Source: u.src.Name, Event: ev, Limit: r.opts.Timeout}
	te.Line, te.Column = position(ie.Stack(), u.src.Name)
	te.Line, te.Column = emptyLoopFrom(u.src, te.Line, te.Column)
	return te
}

// stopped reports that the caller's context ended the run.
func (r *Runner) stopped(ctx context.Context, u *unit, ev Event, ie *goja.InterruptedError) error {
	where := u.src.Name + ", " + eventLabel(ev)
	if ie != nil {
		if line, col := position(ie.Stack(), u.src.Name); line > 0 {
			where += fmt.Sprintf(", line %d, column %d", line, col)
		}
	}
	return fmt.Errorf("%s: stopped: %w", where, ctx.Err())
}

// Check compiles src without running it, for the editor's Check button. It
// returns nil or a *ScriptError with Name "SyntaxError" and the line and
// column of the first problem.
//
// In a program that called WorkerMain, the source is parsed in a worker:
// goja's parser recurses without a limit, and a source nested deep enough
// (brackets, or a long chain of unary operators) would end the process.
func Check(src Source) error {
	_, err := Inspect(src)
	return err
}

// Inspect is Check that also lists the functions src's top-level code
// declares (function f() {}, var f = function () {}, let f = () => {}),
// in order: the handlers it may define, by name.
func Inspect(src Source) (functions []Function, err error) {
	if src.Name == "" {
		src.Name = "script"
	}
	if !isolated.Load() {
		return inspectInProcess(src)
	}
	w, rep, err := callPooled(context.Background(), request{Op: "check", Sources: []Source{src}}, checkLimit, nil)
	if w == nil {
		return nil, err
	}
	defer giveBack(w)
	switch {
	case errors.Is(err, errStackOverflow):
		return nil, &ScriptError{Source: src.Name, Name: "SyntaxError",
			Message: "the code nests too deep for the parser: brackets, or a long chain of operators"}
	case err != nil:
		return nil, fmt.Errorf("%s: check: %w", src.Name, err)
	}
	return rep.Functions, rep.Err.err()
}

// Function is a function a script's top-level code declares, and the
// 1-based line it starts on.
type Function struct {
	Name string
	Line int
}

// checkLimit bounds the parsing of one source in a worker.
const checkLimit = 30 * time.Second

func inspectInProcess(src Source) ([]Function, error) {
	prg, err := parse(src)
	if err != nil {
		return nil, err
	}
	if _, err := compileAST(src, prg); err != nil {
		return nil, err
	}
	var out []Function
	add := func(id *ast.Identifier) {
		out = append(out, Function{Name: id.Name.String(), Line: sourcePosition(prg, id.Idx0()).Line})
	}
	for _, st := range prg.Body {
		var list []*ast.Binding
		switch st := st.(type) {
		case *ast.FunctionDeclaration:
			if st.Function.Name != nil {
				add(st.Function.Name)
			}
		case *ast.VariableStatement:
			list = st.List
		case *ast.LexicalDeclaration:
			list = st.List
		}
		for _, b := range list { // the bindings whose value is a function
			id, ok := b.Target.(*ast.Identifier)
			if !ok {
				continue
			}
			switch b.Initializer.(type) {
			case *ast.FunctionLiteral, *ast.ArrowFunctionLiteral:
				add(id)
			}
		}
	}
	return out, nil
}

func eventLabel(ev Event) string {
	if ev == "" {
		return "top-level code"
	}
	return string(ev)
}
