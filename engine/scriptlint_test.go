package engine_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"patchbay/engine"
	"patchbay/model"
)

// Lint's findings about scripts: a syntax error, with its line, and
// handlers that are never called, by their name or by the method they are
// on. Scripts are checked once: ScriptFindings knows them after
// CheckScripts, and lists them as unchecked before.
func TestLintScripts(t *testing.T) {
	tag := fmt.Sprint(time.Now().UnixNano()) // texts no other test has checked
	c := &model.Connector{Name: "Scripts",
		Script: "// " + tag + "\nfunction before_action() {\n  method_request_headers.A = 1;\n}}\n",
		Methods: []model.Method{
			{Name: "Create", MethodType: model.MethodAction, Script: "// " + tag + "\nfunction beforeAction() {}\nfunction after_webhook() {}\nfunction after_action() {}"},
			{Name: "Hook", MethodType: model.MethodWebhook, Script: "// " + tag + "\nvar before_action = function () {};\nfunction after_webhook() {}"},
			{Name: "Fine", MethodType: model.MethodAction, Script: "// " + tag + "\nfunction after_error() { return true; }"},
		}}
	if fs, unchecked := engine.ScriptFindings(c); len(fs) != 0 || len(unchecked) != 4 {
		t.Fatalf("before any check: %v, %d unchecked", fs, len(unchecked))
	}
	fs := engine.LintScripts(c)
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s %s %s line %d", f.Severity, f.Rule, f.At.Where(), f.At.Line))
	}
	want := []string{
		"error script-syntax Connector › Script › line 4 line 4",
		"warning script-handler-misnamed Method 'Create' › Script › line 2 line 2",
		"warning script-handler-unused Method 'Create' › Script › line 3 line 3",
		"warning script-handler-unused Method 'Hook' › Script › line 2 line 2",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range fs {
		if f.Rule == "script-handler-misnamed" && !strings.Contains(f.Message, "function beforeAction is never called: the event is before_action") {
			t.Errorf("message %q", f.Message)
		}
	}
	if again, unchecked := engine.ScriptFindings(c); len(unchecked) != 0 || len(again) != len(fs) {
		t.Errorf("after the check: %d findings, %d unchecked", len(again), len(unchecked))
	}
	merged := engine.WithScriptFindings([]model.Finding{{At: model.Location{MethodIndex: 2}}, {At: model.Location{MethodIndex: -1}}}, fs)
	var order []int
	for _, f := range merged {
		order = append(order, f.At.MethodIndex)
	}
	if !slices.IsSorted(order) {
		t.Errorf("merged out of order: %v", order)
	}
}
