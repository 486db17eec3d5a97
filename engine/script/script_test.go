package script

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const (
	connectorName = "connector script"
	methodName    = "method 'Create Webhook' script"
)

// newRunner builds a Runner from a connector and a method script or fails the test.
func newRunner(t testing.TB, opts Options, connector, method string) *Runner {
	t.Helper()
	r, err := New(context.Background(), opts,
		Source{Name: connectorName, Code: connector},
		Source{Name: methodName, Code: method})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

func TestHandlerOrder(t *testing.T) {
	// Each handler appends its script to cycle_variables.order, which also
	// proves globals flow from the first runtime to the second.
	handler := func(who string) string {
		code := ""
		for _, ev := range Events() {
			code += "function " + string(ev) + "() { cycle_variables.order = (cycle_variables.order || []).concat(['" + who + "']); }\n"
		}
		return code
	}
	r := newRunner(t, Options{}, handler("connector"), handler("method"))
	tests := []struct {
		ev   Event
		want []any
	}{
		{EventBeforeAction, []any{"method", "connector"}},
		{EventBeforeWebhook, []any{"method", "connector"}},
		{EventAfterAction, []any{"connector", "method"}},
		{EventAfterError, []any{"connector", "method"}},
		{EventAfterWebhook, []any{"connector", "method"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.ev), func(t *testing.T) {
			g := &Globals{}
			proceed, err := r.Fire(context.Background(), tt.ev, g)
			if err != nil || !proceed {
				t.Fatalf("Fire = %v, %v; want true, nil", proceed, err)
			}
			if got := g.CycleVariables["order"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGlobalsTakeEffect(t *testing.T) {
	tests := []struct {
		name      string
		connector string
		method    string
		ev        Event
		in        Globals
		check     func(t *testing.T, g *Globals)
	}{
		{
			name:      "bearer header idiom",
			connector: `function before_action() { method_request_headers.Authorization = 'Bearer ' + method_auth_value; }`,
			ev:        EventBeforeAction,
			in:        Globals{MethodAuthValue: "tok123"},
			check: func(t *testing.T, g *Globals) {
				if got := g.MethodRequestHeaders["Authorization"]; got != "Bearer tok123" {
					t.Errorf("Authorization = %q, want %q", got, "Bearer tok123")
				}
			},
		},
		{
			name:   "after_action reassigns method_response",
			method: `function after_action() { method_response = {id: method_response.data.webhook.id, active: true}; }`,
			ev:     EventAfterAction,
			in:     Globals{MethodResponse: map[string]any{"data": map[string]any{"webhook": map[string]any{"id": "wh_9"}}}},
			check: func(t *testing.T, g *Globals) {
				want := map[string]any{"id": "wh_9", "active": true}
				if !reflect.DeepEqual(g.MethodResponse, want) {
					t.Errorf("method_response = %#v, want %#v", g.MethodResponse, want)
				}
			},
		},
		{
			name:   "after_action mutates method_response",
			method: `function after_action() { method_response.items.push({n: 3}); delete method_response.noise; }`,
			ev:     EventAfterAction,
			in:     Globals{MethodResponse: map[string]any{"items": []any{map[string]any{"n": 1.0}}, "noise": "x"}},
			check: func(t *testing.T, g *Globals) {
				want := map[string]any{"items": []any{map[string]any{"n": 1.0}, map[string]any{"n": 3.0}}}
				if !reflect.DeepEqual(g.MethodResponse, want) {
					t.Errorf("method_response = %#v, want %#v", g.MethodResponse, want)
				}
			},
		},
		{
			name: "before_action changes endpoint, body, parameters and status",
			method: `function before_action() {
				method_endpoint = method_endpoint + '/' + method_request_parameters.Cyclr_Webhook_Id;
				method_request.url = 'https://hooks.example/x';
				method_request_parameters.Extra = 5;
				method_request_mergefields.Region = 'eu';
				statusCode = '204';
			}`,
			ev: EventBeforeAction,
			in: Globals{
				MethodEndpoint:          "https://api.example/webhooks",
				MethodRequest:           map[string]any{},
				MethodRequestParameters: map[string]string{"Cyclr_Webhook_Id": "17"},
			},
			check: func(t *testing.T, g *Globals) {
				if want := "https://api.example/webhooks/17"; g.MethodEndpoint != want {
					t.Errorf("method_endpoint = %q, want %q", g.MethodEndpoint, want)
				}
				if want := map[string]any{"url": "https://hooks.example/x"}; !reflect.DeepEqual(g.MethodRequest, want) {
					t.Errorf("method_request = %#v, want %#v", g.MethodRequest, want)
				}
				if want := map[string]string{"Cyclr_Webhook_Id": "17", "Extra": "5"}; !reflect.DeepEqual(g.MethodRequestParameters, want) {
					t.Errorf("method_request_parameters = %v, want %v", g.MethodRequestParameters, want)
				}
				if want := map[string]string{"Region": "eu"}; !reflect.DeepEqual(g.MethodRequestMergefields, want) {
					t.Errorf("method_request_mergefields = %v, want %v", g.MethodRequestMergefields, want)
				}
				if g.StatusCode != 204 {
					t.Errorf("statusCode = %d, want 204", g.StatusCode)
				}
			},
		},
		{
			name:   "after_error reads method_error and statusCode",
			method: `function after_error() { method_error = statusCode + ': ' + method_error + ' (' + method_response_headers['Retry-After'] + ')'; }`,
			ev:     EventAfterError,
			in:     Globals{MethodError: "rate limited", StatusCode: 429, MethodResponseHeaders: map[string]string{"Retry-After": "30"}},
			check: func(t *testing.T, g *Globals) {
				if want := "429: rate limited (30)"; g.MethodError != want {
					t.Errorf("method_error = %q, want %q", g.MethodError, want)
				}
			},
		},
		{
			name:   "string response and untouched nil maps",
			method: `function after_webhook() { method_response = method_response.toUpperCase(); }`,
			ev:     EventAfterWebhook,
			in:     Globals{MethodResponse: "ok"},
			check: func(t *testing.T, g *Globals) {
				if g.MethodResponse != "OK" {
					t.Errorf("method_response = %#v, want %q", g.MethodResponse, "OK")
				}
				if g.MethodRequestHeaders != nil || g.CycleVariables != nil {
					t.Errorf("nil maps came back as %#v and %#v, want nil", g.MethodRequestHeaders, g.CycleVariables)
				}
			},
		},
		{
			name:   "header set to undefined or null is dropped",
			method: `function before_action() { method_request_headers['X-Old'] = undefined; method_request_headers['X-Gone'] = null; }`,
			ev:     EventBeforeAction,
			in:     Globals{MethodRequestHeaders: map[string]string{"X-Old": "1", "X-Gone": "2", "Accept": "application/json"}},
			check: func(t *testing.T, g *Globals) {
				if want := map[string]string{"Accept": "application/json"}; !reflect.DeepEqual(g.MethodRequestHeaders, want) {
					t.Errorf("headers = %v, want %v", g.MethodRequestHeaders, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, Options{}, tt.connector, tt.method)
			g := tt.in
			proceed, err := r.Fire(context.Background(), tt.ev, &g)
			if err != nil || !proceed {
				t.Fatalf("Fire = %v, %v; want true, nil", proceed, err)
			}
			tt.check(t, &g)
		})
	}
}

func TestReturnValueDecidesProceed(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		want       bool
		connectorX bool // whether the connector's before_action should have run
	}{
		{"false stops", `function before_action() { return false; }`, false, false},
		{"true goes on", `function before_action() { return true; }`, true, true},
		{"nothing goes on", `function before_action() {}`, true, true},
		{"other falsy values go on", `function before_action() { return 0; }`, true, true},
		{"no handler goes on", `function after_action() { return false; }`, true, true},
	}
	connector := `function before_action() { cycle_variables.connector_ran = true; }`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, Options{}, connector, tt.method)
			g := &Globals{}
			proceed, err := r.Fire(context.Background(), EventBeforeAction, g)
			if err != nil {
				t.Fatalf("Fire: %v", err)
			}
			if proceed != tt.want {
				t.Errorf("proceed = %v, want %v", proceed, tt.want)
			}
			if ran := g.CycleVariables["connector_ran"] == true; ran != tt.connectorX {
				t.Errorf("connector handler ran = %v, want %v", ran, tt.connectorX)
			}
		})
	}
}

func TestFreshRuntimePerRunner(t *testing.T) {
	method := `function before_action() { cycle_variables.seen = typeof leaked; leaked = 1; }`
	for i := range 2 {
		r := newRunner(t, Options{}, "", method)
		g := &Globals{}
		if _, err := r.Fire(context.Background(), EventBeforeAction, g); err != nil {
			t.Fatalf("run %d: Fire: %v", i, err)
		}
		if got := g.CycleVariables["seen"]; got != "undefined" {
			t.Errorf("run %d: typeof leaked = %v, want undefined", i, got)
		}
		// Within one run the global persists, which shows the check can see it.
		if _, err := r.Fire(context.Background(), EventBeforeAction, g); err != nil {
			t.Fatalf("run %d: second Fire: %v", i, err)
		}
		if got := g.CycleVariables["seen"]; got != "number" {
			t.Errorf("run %d: second Fire saw typeof leaked = %v, want number", i, got)
		}
	}
}

func TestSameHandlerNameInBothScripts(t *testing.T) {
	// Both scripts define helper() and before_action(); separate runtimes keep
	// the method's definitions from replacing the connector's.
	connector := `function helper() { return 'c'; } function before_action() { method_endpoint += helper(); }`
	method := `function helper() { return 'm'; } function before_action() { method_endpoint += helper(); }`
	r := newRunner(t, Options{}, connector, method)
	g := &Globals{}
	if _, err := r.Fire(context.Background(), EventBeforeAction, g); err != nil {
		t.Fatalf("Fire: %v", err)
	}
	if g.MethodEndpoint != "mc" {
		t.Errorf("method_endpoint = %q, want %q", g.MethodEndpoint, "mc")
	}
}

func TestHandlesAndEdgeCases(t *testing.T) {
	r := newRunner(t, Options{}, `function after_action() {}`, "  \n")
	if !r.Handles(EventAfterAction) || r.Handles(EventBeforeAction) {
		t.Errorf("Handles(after_action, before_action) = %v, %v; want true, false",
			r.Handles(EventAfterAction), r.Handles(EventBeforeAction))
	}
	if _, err := r.Fire(context.Background(), "before_acton", &Globals{}); err == nil {
		t.Error("Fire with a misspelt event: got nil error")
	}
	var none *Runner
	if proceed, err := none.Fire(context.Background(), EventBeforeAction, nil); !proceed || err != nil {
		t.Errorf("nil Runner Fire = %v, %v; want true, nil", proceed, err)
	}
	if proceed, err := r.Fire(context.Background(), EventAfterAction, nil); !proceed || err != nil {
		t.Errorf("Fire with nil Globals = %v, %v; want true, nil", proceed, err)
	}
}

func TestTopLevelCodeSeesGlobals(t *testing.T) {
	// Top-level code runs with empty globals, so it may refer to them.
	method := `var base = method_endpoint; var h = method_request_headers; function before_action() { method_endpoint = '[' + base + ']' + typeof h; }`
	r := newRunner(t, Options{}, "", method)
	g := &Globals{MethodEndpoint: "x"}
	if _, err := r.Fire(context.Background(), EventBeforeAction, g); err != nil {
		t.Fatalf("Fire: %v", err)
	}
	if want := "[]object"; g.MethodEndpoint != want {
		t.Errorf("method_endpoint = %q, want %q", g.MethodEndpoint, want)
	}
}

func TestValuesCrossIntact(t *testing.T) {
	in := &Globals{MethodRequest: map[string]any{
		"__proto__": "an ordinary key",
		"n":         json.Number("12"),
		"i":         3,
		"list":      []map[string]any{{"a": true}}, // not a JSON-decoded shape: goes through encoding/json
		"tags":      []string{"x", "y"},
		"none":      nil,
	}}
	method := `function before_action() {
		cycle_variables.keys = Object.keys(method_request).join(',');
		cycle_variables.proto = typeof method_request.__proto__ + ':' + (Object.getPrototypeOf(method_request) === Object.prototype);
		cycle_variables.types = [typeof method_request.n, typeof method_request.i, Array.isArray(method_request.list), Array.isArray(method_request.tags)].join(',');
		method_request.fn = function () {};
	}`
	r := newRunner(t, Options{}, "", method)
	if _, err := r.Fire(context.Background(), EventBeforeAction, in); err != nil {
		t.Fatalf("Fire: %v", err)
	}
	wantVars := map[string]any{
		"keys":  "__proto__,i,list,n,none,tags",
		"proto": "string:true",
		"types": "number,number,true,true",
	}
	if !reflect.DeepEqual(in.CycleVariables, wantVars) {
		t.Errorf("cycle_variables = %v, want %v", in.CycleVariables, wantVars)
	}
	wantReq := map[string]any{
		"__proto__": "an ordinary key",
		"n":         12.0,
		"i":         3.0,
		"list":      []any{map[string]any{"a": true}},
		"tags":      []any{"x", "y"},
		"none":      nil,
	}
	if !reflect.DeepEqual(in.MethodRequest, wantReq) {
		t.Errorf("method_request = %#v, want %#v", in.MethodRequest, wantReq)
	}

	// A value encoding/json cannot carry is an error naming the global.
	bad := &Globals{CycleVariables: map[string]any{"ch": make(chan int)}}
	if _, err := r.Fire(context.Background(), EventBeforeAction, bad); err == nil || !strings.Contains(err.Error(), "cycle_variables") {
		t.Errorf("Fire with a channel in cycle_variables: err = %v, want one naming cycle_variables", err)
	}
}
