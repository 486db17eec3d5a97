package script

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fireMethod runs one method-script handler with fresh globals.
func fireMethod(t *testing.T, method string, ev Event) (*Globals, error) {
	t.Helper()
	r := newRunner(t, Options{}, "", method)
	g := &Globals{}
	_, err := r.Fire(context.Background(), ev, g)
	return g, err
}

// TestNoWayOut checks that nothing reaching files, the network, modules, the
// process or the environment exists, by name and by calling it.
func TestNoWayOut(t *testing.T) {
	tests := []struct {
		name string
		call string // an expression that would use it
	}{
		{"require", "require('fs').readFileSync('/etc/passwd')"},
		{"process", "process.env.HOME"},
		{"fetch", "fetch('http://127.0.0.1/')"},
		{"XMLHttpRequest", "new XMLHttpRequest()"},
		{"WebSocket", "new WebSocket('ws://127.0.0.1/')"},
		{"module", "module.exports"},
		{"exports", "exports.x"},
		{"Deno", "Deno.readTextFile('/etc/passwd')"},
		{"Bun", "Bun.file('/etc/passwd')"},
		{"setTimeout", "setTimeout(function () {}, 0)"},
		{"importScripts", "importScripts('x.js')"},
		{"__dirname", "__dirname"},
		{"os", "os.getenv('HOME')"},
		{"fs", "fs.readFileSync('/etc/passwd')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := fireMethod(t, `function before_action() {
				cycle_variables.direct = typeof `+tt.name+`;
				cycle_variables.global = typeof globalThis.`+tt.name+`;
				cycle_variables.viaFunction = Function('return typeof `+tt.name+`')();
				cycle_variables.viaConstructor = ({}).constructor.constructor('return typeof `+tt.name+`')();
			}`, EventBeforeAction)
			if err != nil {
				t.Fatalf("Fire: %v", err)
			}
			for _, k := range []string{"direct", "global", "viaFunction", "viaConstructor"} {
				if got := g.CycleVariables[k]; got != "undefined" {
					t.Errorf("typeof %s (%s) = %v, want undefined", tt.name, k, got)
				}
			}

			_, err = fireMethod(t, "function before_action() {\n  return "+tt.call+";\n}", EventBeforeAction)
			var se *ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("calling %s: err = %v (%T), want *ScriptError", tt.call, err, err)
			}
			if se.Name != "ReferenceError" || se.Message != tt.name+" is not defined" || se.Line != 2 {
				t.Errorf("calling %s: got %#v, want ReferenceError %q on line 2", tt.call, *se, tt.name+" is not defined")
			}
		})
	}
}

func TestNoModules(t *testing.T) {
	for _, code := range []string{
		"import fs from 'fs';",
		"import * as os from 'os';",
		"export function before_action() {}",
		"function before_action() { return import('fs'); }",
		"function before_action() { return import.meta.url; }",
	} {
		t.Run(code, func(t *testing.T) {
			var se *ScriptError
			if err := Check(Source{Name: methodName, Code: code}); !errors.As(err, &se) || se.Name != "SyntaxError" {
				t.Errorf("Check = %v, want a SyntaxError", err)
			}
			if _, err := New(context.Background(), Options{}, Source{Name: methodName, Code: code}); !errors.As(err, &se) || se.Name != "SyntaxError" {
				t.Errorf("New = %v, want a SyntaxError", err)
			}
		})
	}
	// eval and new Function parse at run time; modules fail there too.
	_, err := fireMethod(t, "function before_action() { eval(\"import('fs')\"); }", EventBeforeAction)
	var se *ScriptError
	if !errors.As(err, &se) || se.Name != "SyntaxError" {
		t.Errorf("eval of import(): err = %v, want a SyntaxError", err)
	}
}

// TestSourceMapsAreNotRead: goja's parser would otherwise open the file named
// by a "//# sourceMappingURL=" comment (relative to the working directory, as
// source names are not absolute paths). The map used here moves every
// position to line 42 of leaked.js, so loading it would show in the reported
// position and in error stacks.
func TestSourceMapsAreNotRead(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "leak.map")
	if err := os.WriteFile(abs, []byte(`{"version":3,"sources":["leaked.js"],"names":[],"mappings":"AAyCA;AAyCA;AAyCA"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	path, err := filepath.Rel(wd, abs)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.ToSlash(path)
	t.Run("script", func(t *testing.T) {
		_, err := fireMethod(t, "function before_action() { throw new Error('x'); }\n//# sourceMappingURL="+path, EventBeforeAction)
		var se *ScriptError
		if !errors.As(err, &se) || se.Line != 1 {
			t.Errorf("err = %#v, want a ScriptError on line 1 (line 42 means the map was read)", err)
		}
	})
	for _, how := range []string{"eval(src)", "(0, eval)(src)"} {
		t.Run(how, func(t *testing.T) {
			g, err := fireMethod(t, `function before_action() {
				var src = "throw new Error('x')\n//# sourceMappingURL=`+path+`";
				try { `+how+`; } catch (e) { cycle_variables.stack = e.stack; }
			}`, EventBeforeAction)
			if err != nil {
				t.Fatalf("Fire: %v", err)
			}
			stack, _ := g.CycleVariables["stack"].(string)
			if stack == "" || strings.Contains(stack, "leaked.js") {
				t.Errorf("stack = %q; want one without leaked.js", stack)
			}
		})
	}
}

// TestGlobalNames pins the whole global scope, so a new way out (a helper
// that reads files, say) cannot appear without this test changing.
func TestGlobalNames(t *testing.T) {
	g, err := fireMethod(t, `function before_action() { cycle_variables.names = Object.getOwnPropertyNames(globalThis).join(' '); }`, EventBeforeAction)
	if err != nil {
		t.Fatalf("Fire: %v", err)
	}
	got := strings.Fields(g.CycleVariables["names"].(string))
	allowed := map[string]bool{}
	for _, n := range strings.Fields(`Object Function Array String Number BigInt RegExp Date Boolean Proxy Reflect
		Error AggregateError TypeError ReferenceError SyntaxError RangeError EvalError URIError GoError eval Math JSON
		ArrayBuffer DataView Uint8Array Uint8ClampedArray Int8Array Uint16Array Int16Array Uint32Array Int32Array
		Float32Array Float64Array BigInt64Array BigUint64Array Symbol WeakSet WeakMap Map Set Promise globalThis NaN
		undefined Infinity isNaN parseInt parseFloat isFinite decodeURI decodeURIComponent encodeURI
		encodeURIComponent escape unescape
		console btoa atob cyclr_sign before_action`) {
		allowed[n] = true
	}
	for _, n := range globalNames {
		allowed[n] = true
	}
	var extra []string
	for _, n := range got {
		if !allowed[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("unexpected globals: %v", extra)
	}
	for _, n := range []string{"console", "btoa", "atob", "cyclr_sign", "method_request_headers", "statusCode"} {
		if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+n+" ") {
			t.Errorf("global %s is missing", n)
		}
	}
}
