package script

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBuiltinsWithinLimits runs scripts that would otherwise crash the
// process (a Go stack overflow in a built-in), run long in one built-in
// call, or take gigabytes: each ends in a clear error within a few seconds,
// and the process lives on.
func TestBuiltinsWithinLimits(t *testing.T) {
	tests := []struct {
		name, code string
		want       string // in the error
	}{
		{"nested array to text", "var a = []; for (var i = 0; i < 10000; i++) a = [a]; String(a);",
			"RangeError: Array.prototype.toString: the array is nested deeper than 1000 levels"},
		{"nested array joined", "var a = []; for (var i = 0; i < 10000; i++) a = [a]; a.join(',');",
			"the array is nested deeper than 1000 levels"},
		{"nested array to locale text", "var a = []; for (var i = 0; i < 10000; i++) a = [a]; a.toLocaleString();",
			"the array is nested deeper than 1000 levels"},
		{"deep JSON parsed", `JSON.parse("[".repeat(5e4) + "]".repeat(5e4));`,
			"RangeError: JSON.parse: the text is nested 50000 levels deep, deeper than 1000"},
		{"deep object stringified", "var a = {}; for (var i = 0; i < 10000; i++) a = {a: a}; JSON.stringify(a);",
			"RangeError: the value is nested deeper than 1000 levels"},
		{"deep object left in the globals", "var a = {}; for (var i = 0; i < 10000; i++) a = {a: a}; cycle_variables.deep = a;",
			"RangeError: cannot read the globals back: the value is nested deeper than 1000 levels"},
		{"huge repeat", `"ab".repeat(Math.pow(2, 31));`,
			"RangeError: String.prototype.repeat: a string of 4294967296 characters is longer than 16777216"},
		{"huge repeat, counted in UTF-16", `"é".repeat(17000000);`, "a string of 17000000 characters"},
		{"deep value through a replacer", "var a = {}; for (var i = 0; i < 10000; i++) a = {a: a}; JSON.stringify({x: 1}, function (k, v) { return k === 'x' ? a : v; });",
			"the value is nested deeper than 1000 levels"},
		{"huge padding", `"x".padStart(1e9);`, "String.prototype.padStart"},
		{"huge padding at the end", `"x".padEnd(1e9);`, "String.prototype.padEnd: a string of 1000000000 characters"},
		{"huge join separators, counted in UTF-16", `[1, 2, 3].join("é".repeat(9000000));`, "Array.prototype.join: a string of 18000000 characters or more"},
		{"huge join of an empty array", `new Array(5e7).join("ab");`, "Array.prototype.join: a string of 99999998 characters or more"},
		{"backtracking regular expression", `/^(a+)+(?=$)/.test("a".repeat(40) + "b");`, "" /* the time limit: its worker is ended */},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, Options{Timeout: 2 * time.Second}, "", "function before_action() {\n"+tt.code+"\n}")
			defer r.Close()
			start := time.Now()
			_, err := r.Fire(context.Background(), EventBeforeAction, &Globals{})
			took := time.Since(start)
			var te *TimeoutError
			switch {
			case err == nil:
				t.Fatal("the script passed")
			case tt.want == "" && (!errors.As(err, &te) || !isolated.Load()):
				t.Errorf("error %v, want the time limit", err)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if took > 10*time.Second { // the limit, the worker's grace, a slow machine
				t.Errorf("took %s against a limit of 2s", took.Round(time.Millisecond))
			}
		})
	}
}

// Values within the limits go through as before.
func TestBuiltinsWithinLimitsStillWork(t *testing.T) {
	g, err := fireMethod(t, `function before_action() {
		var a = [1, [2, [3, [4]]]];
		var o = {a: {b: {c: 1}}, t: {toJSON: function () { return 'T'; }}};
		cycle_variables.text = String(a) + '|' + a.join(';') + '|' + a.flat(Infinity).join('') + '|' + [1, [2, [3]]].flat().length;
		cycle_variables.json = JSON.stringify(o) + '|' + JSON.stringify(JSON.parse('[[["x\\"[["]]]'));
		cycle_variables.pad = 'ab'.repeat(3) + 'x'.padStart(3, '-') + 'x'.padEnd(2, '.');
		var c = {}; c.self = c;
		try { JSON.stringify(c); } catch (e) { cycle_variables.cycle = e.name; }
		var calls = 0, gets = 0;
		JSON.stringify({t: {toJSON: function () { calls++; return 1; }}, get g() { gets++; return 2; }});
		var deep = {}; for (var i = 0; i < 1200; i++) deep = {d: deep};
		cycle_variables.once = calls + ' ' + gets + ' ' + JSON.stringify({a: 1, b: 2, deep: deep}, ['b']).replace('{"b":2}', 'x');
		cycle_variables.names = [[].join, JSON.stringify, JSON.parse, [].flat, ''.repeat].map(function (f) { return f.name + ' ' + f.length; }).join(' ');
		cycle_variables.utf16 = 'é'.repeat(9000000).length;
		cycle_variables.joinUtf16 = [1, 2].join('é'.repeat(9000000)).length; // 18 MB as UTF-8, within the limit
		var d = 1; for (var i = 0; i < 1200; i++) d = [d];
		var f = [d].flat(Infinity), left = 0;
		for (var x = f[0]; Array.isArray(x); x = x[0]) left++;
		cycle_variables.flatLeft = left; // flat goes 1000 levels deep at most
		var o = {}; for (var i = 0; i < 40; i++) o = {a: o};
		cycle_variables.dup = JSON.stringify(o, ['a', 'a', true]).length; // each key once: not 2^40 walks
		/(a+)+(?=b)|x$/.test('a'.repeat(5) + 'x');
		// An argument converted twice answered the check one way and the
		// built-in another: each is converted once now.
		var n = 0, k = 0, p = 0, m = 0, twice = {valueOf: function () { return n++ ? Math.pow(2, 27) : 2; }};
		var sep = {toString: function () { return k++ ? 'x'.repeat(1000) : '-'; }};
		var str = {toString: function () { return p++ ? 'y'.repeat(1000) : 'ab'; }};
		var pad = {valueOf: function () { return m++ ? Math.pow(2, 27) : 4; }};
		cycle_variables.once2 = 'ab'.repeat(twice) + '|' + [1, 2].join(sep) + '|' + String.prototype.repeat.call(str, 2) + '|' + 'x'.padEnd(pad, '.') + '|' + n + k + p + m;
	}`, EventBeforeAction)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"once":      "1 1 x",
		"names":     "join 1 stringify 3 parse 2 flat 0 repeat 1",
		"utf16":     float64(9000000),
		"joinUtf16": float64(9000002),
		"flatLeft":  float64(200),
		"dup":       float64(242),
		"text":      "1,2,3,4|1;2,3,4|1234|3",
		"json":      `{"a":{"b":{"c":1}},"t":"T"}|[[["x\"[["]]]`,
		"pad":       "ababab--xx.",
		"cycle":     "TypeError",
		"once2":     "abab|1-2|abab|x...|1111",
	}
	for k, v := range want {
		if g.CycleVariables[k] != v {
			t.Errorf("%s = %q, want %q", k, g.CycleVariables[k], v)
		}
	}
}

// What a handler returns is read no further than "is it false": a getter on
// a returned object does not run, and an async handler's promise counts as
// its value.
func TestHandlerResults(t *testing.T) {
	tests := []struct {
		name, code string
		proceed    bool
		err        string
	}{
		{"object with a runaway getter", "function before_action() { return { get x() { for (;;) {} } }; }", true, ""},
		{"false", "function before_action() { return false; }", false, ""},
		{"async false", "async function before_action() { return false; }", false, ""},
		{"async true", "async function before_action() { return true; }", true, ""},
		{"async throw", "async function before_action() { throw new Error('boom'); }", false, "before_action: Error: boom"},
		{"rejected in then", "function before_action() { return Promise.resolve(1).then(function () { throw new TypeError('late'); }); }", false, "TypeError: late"},
		{"waits for ever", "function before_action() { return new Promise(function () {}); }", false, "has not settled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, Options{Timeout: 500 * time.Millisecond}, "", tt.code)
			proceed, err := r.Fire(context.Background(), EventBeforeAction, &Globals{})
			if proceed != tt.proceed || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("proceed %t, error %v; want %t, %q", proceed, err, tt.proceed, tt.err)
			}
		})
	}
}

// In its worker, a script that asks for more memory than there is ends the
// worker, not Patchbay: the step fails, saying so (or, where the system
// hands out the memory, the time limit ends it), and the caller goes on.
func TestWorkerEndsNotPatchbay(t *testing.T) {
	if !isolated.Load() {
		t.Skip("scripts run in this process")
	}
	r := newRunner(t, Options{Timeout: time.Second}, "", "function before_action() { var a = []; a[4e9] = 1; a.sort(); }")
	defer r.Close()
	start := time.Now()
	_, err := r.Fire(context.Background(), EventBeforeAction, &Globals{})
	var te *TimeoutError
	if err == nil || !(strings.Contains(err.Error(), "asked for more memory than there is") || errors.As(err, &te)) {
		t.Fatalf("error %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s", took)
	}
	// The Runner's worker is gone; a new Runner works.
	if _, err := r.Fire(context.Background(), EventBeforeAction, &Globals{}); err == nil {
		t.Error("the ended worker fired again")
	}
	g, err := fireMethod(t, "function before_action() { cycle_variables.ok = 1; }", EventBeforeAction)
	if err != nil || g.CycleVariables["ok"] != float64(1) {
		t.Errorf("a new runner: %v, %v", g.CycleVariables, err)
	}
}

// A worker whose heap grows past 1 GiB by many small steps, which Go's
// own out-of-memory failure does not see, is ended by its watchdog, and
// the step says why.
func TestWorkerHeapLimit(t *testing.T) {
	if !isolated.Load() {
		t.Skip("scripts run in this process")
	}
	if testing.Short() {
		t.Skip("fills a worker's heap to 1 GiB")
	}
	r := newRunner(t, Options{Timeout: 60 * time.Second}, "",
		"function before_action() { var keep = []; for (;;) keep.push({n: keep.length, s: 'x' + keep.length}); }")
	defer r.Close()
	_, err := r.Fire(context.Background(), EventBeforeAction, &Globals{})
	if err == nil || !strings.Contains(err.Error(), "the script used more than 1024 MiB of memory") {
		t.Errorf("error %v; want the worker ended at its heap limit", err)
	}
}

// A worker that dies is said to have died in the script that was running:
// here the connector's, though the method's script has code too and would
// be named for an error no script reported. Both the crash and the time
// limit that may end it first name the connector script.
func TestWorkerDeathNamesTheScriptThatRan(t *testing.T) {
	if !isolated.Load() {
		t.Skip("scripts run in this process")
	}
	r := newRunner(t, Options{Timeout: time.Second},
		"function after_action() { var a = []; a[4e9] = 1; a.sort(); }",
		"function after_action() { return true; }")
	defer r.Close()
	_, err := r.Fire(context.Background(), EventAfterAction, &Globals{})
	if err == nil || !strings.HasPrefix(err.Error(), connectorName+", after_action") {
		t.Errorf("error %v; want it to name the %s", err, connectorName)
	}
}

// Without WorkerMain, scripts run in the calling process, with the same
// results.
func TestInProcess(t *testing.T) {
	r, err := newInProcess(context.Background(), Options{},
		Source{Name: methodName, Code: "function before_action() { cycle_variables.n = [1, [2]].join('-'); console.log('hi'); return false; }"})
	if err != nil {
		t.Fatal(err)
	}
	if r.w != nil {
		t.Fatal("newInProcess started a worker")
	}
	g := &Globals{}
	proceed, err := r.Fire(context.Background(), EventBeforeAction, g)
	if err != nil || proceed || g.CycleVariables["n"] != "1-2" {
		t.Errorf("proceed %t, %v, %v", proceed, g.CycleVariables, err)
	}
}

// A worker that writes what is not the protocol, and lives on, is ended at
// once: the caller is not left waiting.
func TestWorkerBreakingTheProtocol(t *testing.T) {
	w, err := startCmd(exec.Command("sh", "-c", "echo not-json; sleep 30"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = w.call(context.Background(), request{Op: "new"}, 10*time.Second, nil)
	if err == nil || !strings.Contains(err.Error(), "the script engine stopped unexpectedly") {
		t.Errorf("error %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the call took %s", took)
	}
	select {
	case <-w.exited:
	case <-time.After(5 * time.Second):
		t.Error("the worker was not ended")
	}
}

// A worker's answer is capped: a script cannot fill the caller's memory
// with what it leaves in the globals.
func TestWorkerAnswerCapped(t *testing.T) {
	if !isolated.Load() {
		t.Skip("scripts run in this process")
	}
	r := newRunner(t, Options{Timeout: 30 * time.Second}, "", `function before_action() {
		var s = 'x'.repeat(1 << 24);
		cycle_variables.a = [s, s, s, s, s];
	}`)
	defer r.Close()
	_, err := r.Fire(context.Background(), EventBeforeAction, &Globals{})
	if err == nil || !strings.Contains(err.Error(), "the script left more than 64 MiB for the run to take back") {
		t.Errorf("error %v", err)
	}
}

// A failed event leaves in the globals what the handlers before the failed
// one changed, in a worker as in process.
func TestFailedEventKeepsEarlierChanges(t *testing.T) {
	for _, newRunner := range []func(context.Context, Options, ...Source) (*Runner, error){newInProcess, New} {
		r, err := newRunner(context.Background(), Options{},
			Source{Name: connectorName, Code: "function after_action() { cycle_variables.connector = 1; }"},
			Source{Name: methodName, Code: "function after_action() { throw new Error('no'); }"})
		if err != nil {
			t.Fatal(err)
		}
		g := &Globals{}
		_, err = r.Fire(context.Background(), EventAfterAction, g)
		r.Close()
		if err == nil || g.CycleVariables["connector"] != float64(1) {
			t.Errorf("worker %t: error %v, globals %v", r.w != nil, err, g.CycleVariables)
		}
	}
}

// A source nested too deep for goja's parser, which recurses without a
// limit, is refused before it is parsed: Check runs in Patchbay's process.
func TestCheckRefusesDeepNesting(t *testing.T) {
	err := Check(Source{Name: methodName, Code: "// a comment (((\nvar s = '[[[';\nvar x = " + strings.Repeat("[", 400000) + strings.Repeat("]", 400000) + ";"})
	var se *ScriptError
	if !errors.As(err, &se) || se.Line != 3 || !strings.Contains(se.Message, "the code nests brackets 400000 deep, deeper than 1000") {
		t.Errorf("Check = %v", err)
	}
	if err := Check(Source{Name: methodName, Code: "var x = " + strings.Repeat("[", 900) + strings.Repeat("]", 900) + "; /* {{{{ */ var t = `((( ${1} `;"}); err != nil {
		t.Errorf("Check of a source within the limit: %v", err)
	}
}

// What the bracket count misses, the worker catches: a source that makes
// goja's parser recurse too deep ends Check's worker, not the process.
func TestCheckInAWorker(t *testing.T) {
	if !isolated.Load() {
		t.Skip("scripts run in this process")
	}
	for _, code := range []string{
		"var r = /'/;\nvar x = " + strings.Repeat("[", 400000) + strings.Repeat("]", 400000) + ";",
		"var y = " + strings.Repeat("!", 4000000) + "1;",
	} {
		err := Check(Source{Name: methodName, Code: code})
		var se *ScriptError
		if !errors.As(err, &se) || se.Name != "SyntaxError" || !strings.Contains(se.Message, "the code nests too deep for the parser") {
			t.Errorf("Check = %v, want a SyntaxError", err)
		}
	}
	if err := Check(Source{Name: methodName, Code: "function before_action() { return true; }"}); err != nil {
		t.Errorf("Check of a good source: %v", err)
	}
}

// Console output past what a worker passes on for an event ends in a line
// that says so; a long line counts only as much as a step keeps of it.
func TestWorkerConsoleStopsWithANote(t *testing.T) {
	if !isolated.Load() {
		t.Skip("scripts run in this process")
	}
	var got []string
	r := newRunner(t, Options{Console: func(_, line string) { got = append(got, line) }}, "",
		"function before_action() { for (var i = 0; i < 4; i++) console.log('x'.repeat(1 << 20)); console.log('after'); for (var j = 0; j < 3000; j++) console.log(j); }")
	defer r.Close()
	if _, err := r.Fire(context.Background(), EventBeforeAction, &Globals{}); err != nil {
		t.Fatal(err)
	}
	if len(got) != workerConsoleLines+1 || got[4] != "after" || !strings.HasPrefix(got[len(got)-1], "(console output stops here") {
		t.Errorf("%d lines, the 5th %.20q, the last %.60q", len(got), got[min(4, len(got)-1)], got[len(got)-1])
	}
}

// Console lines that grow when encoded ('<' becomes \u003c) or are long
// end the console with a note, not the worker: what it sends stays well
// within what one answer may hold.
func TestWorkerConsoleWithinItsAnswer(t *testing.T) {
	if !isolated.Load() {
		t.Skip("scripts run in this process")
	}
	var got []string
	r := newRunner(t, Options{Console: func(_, line string) { got = append(got, line) }}, "",
		"function before_action() { for (var i = 0; i < 20; i++) console.log('<'.repeat(4e6 - 100)); }")
	defer r.Close()
	if _, err := r.Fire(context.Background(), EventBeforeAction, &Globals{}); err != nil {
		t.Fatalf("%v (after %d lines)", err, len(got))
	}
	if len(got) < 2 || !strings.HasPrefix(got[len(got)-1], "(console output stops here") {
		t.Errorf("%d lines, the last %.60q", len(got), got[len(got)-1])
	}
}

// A key list item that fools instanceof is walked all the same.
func TestStringifyKeyListCannotSkipTheGuard(t *testing.T) {
	_, err := fireMethod(t, `function before_action() {
		var deep = {}; for (var i = 0; i < 5000; i++) deep = {a: deep};
		Object.defineProperty(String, Symbol.hasInstance, {value: function () { return false; }});
		JSON.stringify(deep, [new String('a')]);
	}`, EventBeforeAction)
	if err == nil || !strings.Contains(err.Error(), "nested deeper than 1000 levels") {
		t.Errorf("error %v", err)
	}
}

// A handler that throws after leaving a getter that never returns in the
// globals: reading them back runs into the time limit, and that is what
// the step says, not the throw.
func TestGlobalsReadAfterAThrowWithinTheLimit(t *testing.T) {
	r := newRunner(t, Options{Timeout: 300 * time.Millisecond}, "", `function before_action() {
		Object.defineProperty(method_request_headers, 'X-Loop', {enumerable: true, get: function () { for (;;) {} }});
		throw new Error('boom');
	}`)
	defer r.Close()
	_, err := r.Fire(context.Background(), EventBeforeAction, &Globals{MethodRequestHeaders: map[string]string{}})
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Errorf("error %v, want the time limit", err)
	}
}

// Inspect lists the functions a source's top-level code declares, in a
// worker and in process alike, and reports a syntax error as Check does.
func TestInspectListsFunctions(t *testing.T) {
	src := Source{Name: methodName, Code: `function before_action() { function inner() {} }
var beforeAction = function () {};
let after_webhook = () => true, count = 1;
const helper = function named() {};
this.elsewhere = function () {};
if (true) { function hidden() {} }`}
	want := []Function{{"before_action", 1}, {"beforeAction", 2}, {"after_webhook", 3}, {"helper", 4}}
	for _, inspect := range []func(Source) ([]Function, error){Inspect, inspectInProcess} {
		got, err := inspect(src)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("functions %v, %v; want %v", got, err, want)
		}
		_, err = inspect(Source{Name: methodName, Code: "function before_action() {\n  return }}\n"})
		var se *ScriptError
		if !errors.As(err, &se) || se.Name != "SyntaxError" || se.Line != 2 {
			t.Errorf("a syntax error on line 2: %v", err)
		}
	}
}

// A loop with an empty body, the one that most often runs for ever, is
// named by its own line when the time limit stops it: goja reports the
// place before it (the statement before, or the function's first line).
func TestTimeoutNamesTheEmptyLoop(t *testing.T) {
	for _, tc := range []struct {
		code      string
		line, col int // col 0: any column
	}{
		{"function before_action() {\n  console.log('spinning');\n  while (true) {}\n}", 3, 3},
		{"function before_action() {\n  while (true) {}\n}", 2, 3},
		{"function before_action() {\n  for (;;) ;\n}", 2, 3},
		{"function before_action() {\n  var i = 0;\n  while (true) { i++; }\n}", 3, 18},
		{"function before_action() {\n  var i = 0;\n  while (true) { i++; }\n  while (i) {}\n}", 3, 18},
		{"function before_action() {\n  for (var i = 0; true; i++) {}\n}", 2, 3},
		// A helper declared before the spin, or a callback's loop on the
		// line before, is not where it ran on: the function's own loop is.
		{"function before_action() {\n  function wait(f) { while (!f()) {} }\n  while (true) {}\n}", 3, 3},
		{"function before_action() {\n  [-1].forEach(function (x) { while (x > 0) {} });\n  while (true) {}\n}", 3, 3},
		// A loop that does something is taken to be the one that ran on,
		// also from its header; and an empty loop in another function
		// never ran.
		{"function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nfunction before_action() {\n  fib(60);\n}\nfunction after_action() {\n  while (method_response.pending) {}\n}", 1, 0},
		{"function before_action() {\n  var s = 0;\n  for (var i = 0; i < 1e12; i++) s += i;\n}\nfunction after_action() {\n  while (true) {}\n}", 3, 0},
		{"function before_action() {\n  [1].forEach(function () {\n    while (1) {}\n  });\n}", 3, 5},
	} {
		r := newRunner(t, Options{Timeout: 200 * time.Millisecond}, "", tc.code)
		_, err := r.Fire(context.Background(), EventBeforeAction, &Globals{})
		r.Close()
		var te *TimeoutError
		if !errors.As(err, &te) || te.Line != tc.line || tc.col != 0 && te.Column != tc.col {
			t.Errorf("%q: %v; want line %d, column %d", tc.code, err, tc.line, tc.col)
		}
	}
}
