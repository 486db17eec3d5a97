package script

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestScriptErrors(t *testing.T) {
	tests := []struct {
		name      string
		connector string
		method    string
		ev        Event
		want      ScriptError
	}{
		{
			name: "throw new Error",
			method: `function before_action() {
  var id = method_request_parameters.Cyclr_Webhook_Id;
  if (!id) {
    throw new Error('no webhook id');
  }
}`,
			ev:   EventBeforeAction,
			want: ScriptError{Source: methodName, Event: EventBeforeAction, Line: 4, Name: "Error", Message: "no webhook id"},
		},
		{
			name:   "throw a string",
			method: "function after_action() {\n\tthrow 'bad response';\n}",
			ev:     EventAfterAction,
			want:   ScriptError{Source: methodName, Event: EventAfterAction, Line: 2, Column: 2, Message: "bad response"},
		},
		{
			name:   "throw an object",
			method: "function after_action() { throw {code: 7}; }",
			ev:     EventAfterAction,
			want:   ScriptError{Source: methodName, Event: EventAfterAction, Line: 1, Message: `{"code":7}`},
		},
		{
			name:      "reference error in the connector script",
			connector: "\n\nfunction after_error() { return missing_helper(); }",
			ev:        EventAfterError,
			want:      ScriptError{Source: connectorName, Event: EventAfterError, Line: 3, Name: "ReferenceError", Message: "missing_helper is not defined"},
		},
		{
			name:   "type error reading a missing path",
			method: "function after_action() {\n  return method_request_headers.data.id;\n}",
			ev:     EventAfterAction,
			want:   ScriptError{Source: methodName, Event: EventAfterAction, Line: 2, Name: "TypeError", Message: "Cannot read property 'id' of undefined"},
		},
		{
			name:   "runaway recursion",
			method: "function f() { return f() + 1; }\nfunction before_action() { f(); }",
			ev:     EventBeforeAction,
			want:   ScriptError{Source: methodName, Event: EventBeforeAction, Line: 1, Name: "RangeError", Message: "Maximum call stack size exceeded"},
		},
		{
			name:   "error from a helper",
			method: "function before_action() {\n  cyclr_sign('md5', 'k', 'm');\n}",
			ev:     EventBeforeAction,
			want:   ScriptError{Source: methodName, Event: EventBeforeAction, Line: 2, Name: "TypeError", Message: `cyclr_sign: unknown algorithm "md5"; use "sha1", "sha256", "sha384" or "sha512"`},
		},
		{
			name:   "a global the Go side cannot take",
			method: "function before_action() { statusCode = 'teapot'; }",
			ev:     EventBeforeAction,
			want:   ScriptError{Source: methodName, Event: EventBeforeAction, Message: `statusCode must be a whole number, not string "teapot"`},
		},
		{
			name:   "a hostile thrown value is still described",
			method: "function before_action() { throw {toJSON: function () { throw 1; }, toString: function () { throw 2; }}; }",
			ev:     EventBeforeAction,
			want:   ScriptError{Source: methodName, Event: EventBeforeAction, Line: 1, Message: "[value that cannot be shown]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, Options{}, tt.connector, tt.method)
			proceed, err := r.Fire(context.Background(), tt.ev, &Globals{})
			if proceed {
				t.Error("proceed = true after an error")
			}
			var se *ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *ScriptError", err, err)
			}
			got := *se
			if tt.want.Column == 0 {
				got.Column = 0 // columns are checked where the test pins them
			}
			if got != tt.want {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
			if tt.want.Line > 0 && se.Column <= 0 {
				t.Errorf("column = %d, want > 0", se.Column)
			}
			if !strings.Contains(err.Error(), tt.want.Message) || !strings.Contains(err.Error(), tt.want.Source) {
				t.Errorf("Error() = %q, want it to name the source and the message", err.Error())
			}
		})
	}
}

func TestScriptErrorText(t *testing.T) {
	err := &ScriptError{Source: methodName, Event: EventBeforeAction, Line: 3, Column: 5, Name: "Error", Message: "no id"}
	if got, want := err.Error(), "method 'Create Webhook' script, before_action, line 3, column 5: Error: no id"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name, code   string
		line, column int
		message      string
	}{
		{"valid", "function before_action() {\n  return true;\n}\n", 0, 0, ""},
		{"missing brace", "function before_action() {\n  return true;\n", 3, 1, "Unexpected end of input"},
		{"bad token", "function after_action() {\n  var x = ;\n}", 2, 11, "Unexpected token ;"},
		{"duplicate let", "let a = 1;\nlet a = 2;", 2, 5, "Identifier 'a' has already been declared"},
		{"module import", "import fs from 'fs';", 1, 1, "Unexpected reserved word"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(Source{Name: methodName, Code: tt.code})
			if tt.message == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var se *ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("Check = %v (%T), want *ScriptError", err, err)
			}
			if se.Name != "SyntaxError" || se.Line != tt.line || se.Column != tt.column || se.Message != tt.message || se.Source != methodName {
				t.Errorf("got %#v, want SyntaxError at %d:%d %q", *se, tt.line, tt.column, tt.message)
			}
		})
	}
}

func TestNewFails(t *testing.T) {
	tests := []struct {
		name   string
		method string
		check  func(t *testing.T, err error)
	}{
		{"syntax error", "function before_action( {", func(t *testing.T, err error) {
			var se *ScriptError
			if !errors.As(err, &se) || se.Name != "SyntaxError" || se.Line != 1 {
				t.Errorf("err = %#v, want a SyntaxError on line 1", err)
			}
		}},
		{"top-level throw", "\nthrow new Error('not configured');", func(t *testing.T, err error) {
			var se *ScriptError
			if !errors.As(err, &se) || se.Event != "" || se.Line != 2 || se.Message != "not configured" {
				t.Errorf("err = %#v, want top-level Error on line 2", err)
			}
		}},
		{"handler that is not a function", "var after_action = 5;", func(t *testing.T, err error) {
			var se *ScriptError
			if !errors.As(err, &se) || !strings.Contains(se.Message, "after_action is defined but is not a function") {
				t.Errorf("err = %v, want it to say after_action is not a function", err)
			}
		}},
		{"top-level runaway", "while (true) {}", func(t *testing.T, err error) {
			var te *TimeoutError
			if !errors.As(err, &te) || te.Event != "" || !strings.Contains(err.Error(), "top-level code") {
				t.Errorf("err = %v, want a *TimeoutError for top-level code", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(context.Background(), Options{Timeout: 100 * time.Millisecond}, Source{Name: methodName, Code: tt.method})
			if err == nil || r != nil {
				t.Fatalf("New = %v, %v; want an error", r, err)
			}
			tt.check(t, err)
		})
	}
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name, connector, method string
		ev                      Event
		source                  string
		line                    int
	}{
		{"method for loop", "", "function before_action() {\n  var n = 0;\n  for (;;) { n++; }\n}", EventBeforeAction, methodName, 3},
		{"connector after method", "function before_webhook() {\n  var i = 0;\n  while (i >= 0) { i++; }\n}", "function before_webhook() {}", EventBeforeWebhook, connectorName, 3},
		{"loop in a thrown value's toJSON", "", "function after_error() {\n  throw {toJSON: function () { for (;;) {} }};\n}", EventAfterError, methodName, 2},
		{"loop in a getter read back", "", "function after_action() { Object.defineProperty(globalThis, 'method_error', {get: function () { for (;;) {} }}); }", EventAfterAction, methodName, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, Options{Timeout: 100 * time.Millisecond}, tt.connector, tt.method)
			proceed, err := r.Fire(context.Background(), tt.ev, &Globals{})
			if proceed {
				t.Error("proceed = true after a timeout")
			}
			var te *TimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v (%T), want *TimeoutError", err, err)
			}
			if te.Source != tt.source || te.Event != tt.ev || te.Limit != 100*time.Millisecond || te.Line != tt.line {
				t.Errorf("got %#v, want source %q, event %s, limit 100ms, line %d", *te, tt.source, tt.ev, tt.line)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Error("errors.Is(err, context.DeadlineExceeded) = false")
			}
			msg := err.Error()
			for _, want := range []string{tt.source, string(tt.ev), "100ms time limit", "loop that never ends"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
		})
	}
}

func TestInterruptDoesNotLeak(t *testing.T) {
	// after_action runs away; the next Fire on the same runtime must run
	// normally rather than be interrupted at once.
	method := `function after_action() { for (;;) {} }
function after_error() { method_error = 'handled'; }`
	r := newRunner(t, Options{Timeout: 50 * time.Millisecond}, "", method)
	var te *TimeoutError
	if _, err := r.Fire(context.Background(), EventAfterAction, &Globals{}); !errors.As(err, &te) {
		t.Fatalf("first Fire: err = %v, want *TimeoutError", err)
	}
	for i := range 20 {
		g := &Globals{}
		proceed, err := r.Fire(context.Background(), EventAfterError, g)
		if err != nil || !proceed || g.MethodError != "handled" {
			t.Fatalf("Fire %d after the timeout = %v, %v, %q; want true, nil, handled", i, proceed, err, g.MethodError)
		}
	}
}

func TestCancel(t *testing.T) {
	t.Run("while running", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// The script tells the test it is running, then loops; only the
		// cancellation can end it, as the time limit is a minute.
		opts := Options{Timeout: time.Minute, Console: func(_, line string) {
			if line == "looping" {
				cancel()
			}
		}}
		r := newRunner(t, opts, "", "function before_action() {\n  console.log('looping');\n  for (;;) {}\n}")
		proceed, err := r.Fire(ctx, EventBeforeAction, &Globals{})
		if proceed || !errors.Is(err, context.Canceled) {
			t.Fatalf("Fire = %v, %v; want false and an error wrapping context.Canceled", proceed, err)
		}
		var te *TimeoutError
		if errors.As(err, &te) {
			t.Errorf("err is a *TimeoutError, want a cancellation: %v", err)
		}
		if !strings.Contains(err.Error(), methodName) || !strings.Contains(err.Error(), "before_action") {
			t.Errorf("message %q does not name the script and event", err.Error())
		}
	})
	t.Run("before starting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		r := newRunner(t, Options{Console: func(_, _ string) { ran = true }}, "", "function after_action() { console.log('ran'); }")
		if _, err := r.Fire(ctx, EventAfterAction, &Globals{}); !errors.Is(err, context.Canceled) {
			t.Errorf("Fire err = %v, want context.Canceled", err)
		}
		if ran {
			t.Error("handler ran under a cancelled context")
		}
		if _, err := New(ctx, Options{}, Source{Name: methodName, Code: "var x = 1;"}); !errors.Is(err, context.Canceled) {
			t.Errorf("New err = %v, want context.Canceled", err)
		}
	})
}

// FuzzCheck: whatever the editor holds, Check answers nil or a *ScriptError
// with a position inside the text, and never panics.
func FuzzCheck(f *testing.F) {
	for _, seed := range []string{
		"function before_action() { return true; }",
		"function before_action( {",
		"let a; let a;",
		"import x from 'y'",
		"`${",
		"/(?<n>a)\\k<n>/",
		"class A { #x; m() { return this.#y; } }",
		"async function* g() { for await (const x of y) yield* x; }",
		"var s = '\\u{110000}';",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code string) {
		err := Check(Source{Name: "fuzz", Code: code})
		if err == nil {
			return
		}
		var se *ScriptError
		if !errors.As(err, &se) {
			t.Fatalf("Check(%q) = %v (%T), want *ScriptError", code, err, err)
		}
		// JavaScript ends lines at \n, \r, \r\n, U+2028 and U+2029.
		lines := 1 + strings.Count(strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n").Replace(code), "\n")
		if se.Line > lines {
			t.Errorf("Check(%q): line %d is past the end", code, se.Line)
		}
	})
}
