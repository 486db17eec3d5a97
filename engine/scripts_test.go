package engine_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/model"
)

// cycle_variables live for the whole run: what before_action sets,
// after_action sees, and so does the next step's script.
func TestCycleVariablesAcrossEvents(t *testing.T) {
	_, base := startSandbox(t)
	c := exampleConnector(t)
	c.Method("Create Webhook").Script = `
		function before_action() { cycle_variables.token = 'abc'; }
		function after_action() { console.log('after_action sees ' + cycle_variables.token); cycle_variables.n = 1; }`
	c.Method("Delete Webhook").Script = `
		function before_action() { console.log('delete sees ' + cycle_variables.token + ' ' + cycle_variables.n); }`
	r := &engine.Runner{Connector: c, Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}}
	res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: &memLedger{}})
	if !res.OK {
		t.Fatal(res.Error)
	}
	create, del := strings.Join(res.Steps[0].Console, "\n"), strings.Join(res.Steps[len(res.Steps)-1].Console, "\n")
	if !strings.Contains(create, "after_action sees abc") || !strings.Contains(del, "delete sees abc 1") {
		t.Errorf("create console %q, delete console %q", create, del)
	}
	// A new run starts with none.
	res = r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: &memLedger{}})
	if del := strings.Join(res.Steps[len(res.Steps)-1].Console, "\n"); !strings.Contains(del, "delete sees abc 1") {
		t.Errorf("second run's delete console %q", del)
	}
}

// A script that logs without end fills neither memory nor the run log: a
// step keeps 1000 lines and 1 MiB, each line at most 16 KiB, and says where
// it stopped.
func TestConsoleFloodCapped(t *testing.T) {
	_, base := startSandbox(t)
	for _, tc := range []struct {
		name, line string
		lines      int // kept before the last, which says it stopped
	}{
		{"many short lines", "'x'", 1000},
		{"long lines", "'x'.repeat(20000)", 63}, // each cut to 16 KiB and a mark: a 64th would pass 1 MiB
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := exampleConnector(t)
			c.Method("Create Order").Script = "function before_action() { for (;;) console.log(" + tc.line + "); }"
			r := &engine.Runner{Connector: c, Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey},
				ScriptTimeout: time.Second}
			res := r.RunMethod(context.Background(), "Create Order")
			if res.OK || !strings.Contains(res.Error, "time limit") {
				t.Fatalf("ok=%t error %q", res.OK, res.Error)
			}
			lines := res.Steps[0].Console
			size := 0
			for _, l := range lines[:len(lines)-1] {
				size += len(l)
				if len(l) > 16<<10+len("…") {
					t.Fatalf("a line of %d bytes", len(l))
				}
			}
			last := lines[len(lines)-1]
			if size > 1<<20 || len(lines)-1 != tc.lines || !strings.HasPrefix(last, "(console output stops here: a step keeps at most 1000 lines and 1024 KiB)") {
				t.Errorf("%d lines, %d bytes, last %.80q", len(lines), size, last)
			}
		})
	}
}

// A long console line is masked whole before it is cut: no part of a
// secret is left where the line ends.
func TestLongConsoleLineMaskedWhole(t *testing.T) {
	_, base := startSandbox(t)
	c := exampleConnector(t)
	key := strings.Repeat("k", 180) + "-secret-tail-0123456789"
	c.Method("Create Order").Script = `function before_action() { console.log('x'.repeat(61) + (method_auth_value + ' ').repeat(400)); return false; }`
	r := &engine.Runner{Connector: c, Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: key}}
	res := r.RunMethod(context.Background(), "Create Order")
	console := strings.Join(res.Steps[0].Console, "\n")
	if !strings.Contains(console, engine.Mask) || strings.Contains(console, "kkkkkkkkkkkkkkkkkkkk") || strings.Contains(console, "secret-tail") {
		t.Errorf("console (%d bytes) shows part of the key; its end: %q", len(console), console[max(0, len(console)-200):])
	}
}

// A step a handler stopped by returning false names the script whose
// handler did: the connector's or the method's, which both may handle the
// event.
func TestStoppedStepNamesTheScript(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id": 7}`)
	}))
	defer srv.Close()
	for _, tc := range []struct{ connector, method, want string }{
		{"function before_action() { return false; }", "function before_action() { return true; }",
			"connector script, before_action returned false: the request was not sent"},
		{"function after_action() { return true; }", "function after_action() { return false; }",
			"method 'Get Order' script, after_action returned false: the response was not mapped"},
	} {
		c := orderConnector(srv.URL)
		c.Script, c.Methods[0].Script = tc.connector, tc.method
		res := (&engine.Runner{Connector: c}).RunMethod(context.Background(), "Get Order")
		if res.OK || res.Steps[0].Status != engine.StepStopped || res.Error != tc.want {
			t.Errorf("ok=%t status %s error %q, want %q", res.OK, res.Steps[0].Status, res.Error, tc.want)
		}
	}
}

// A secret cut short where a script's error quotes it, or where a console
// line quotes method_error (the API's answer cut at its 200th character),
// is masked up to the cut; and a thrown message of megabytes is kept to
// 16 KiB, masked whole first, in a run that ends within its time limit.
func TestSecretCutShortInScriptErrorsMasked(t *testing.T) {
	const key = "ghp_Zq81LmN0pQ7rStUvWxYz1234AbCdEfGhIjKl"
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"bad key","hint":"`+strings.Repeat("z", 150)+`","key":"`+key+`"}`)
	}))
	defer api.Close()
	for _, tc := range []struct{ name, script string }{
		{"a global of the wrong type", `function before_action() { method_request_headers = 'Bearer ' + method_auth_value; }`},
		{"method_error logged", `function after_error() { console.log('after_error: ' + method_error); }`},
		{"a huge message", `function before_action() { throw new Error(method_auth_value + 'B'.repeat(400000) + '…'.repeat(100000)); }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := exampleConnector(t)
			c.Method("Create Order").Script = tc.script
			r := &engine.Runner{Connector: c, Account: map[string]string{"BaseUrl": api.URL, model.SystemFieldAuthAPIKey: key}, ScriptTimeout: 5 * time.Second}
			res := r.RunMethod(context.Background(), "Create Order")
			s := res.Steps[len(res.Steps)-1]
			all := s.Error + "\n" + strings.Join(s.Console, "\n")
			if res.OK || !strings.Contains(all, engine.Mask) || strings.Contains(all, key[:8]) {
				t.Errorf("ok=%t; the start of the key shows, or nothing was masked: %.400q", res.OK, all)
			}
			if len(s.Error) > 16<<10+len("…") {
				t.Errorf("an error of %d bytes kept", len(s.Error))
			}
		})
	}
}
