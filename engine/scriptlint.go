package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"patchbay/engine/script"
	"patchbay/model"
)

// Lint in package model stands on the standard library alone, without
// JavaScript. What it cannot see of a script is found here: a script that
// does not parse, and a handler that is never called because of its name
// or because of the method it is on.

// scriptCheck is what script.Inspect found in a script's text.
type scriptCheck struct {
	functions []script.Function
	err       *script.ScriptError // a syntax error; nil when it parses
}

// scriptChecks remembers the checks by text, which alone decides them: the
// window lints after every pause in editing, and most scripts have not
// changed since the last time.
var scriptChecks = struct {
	sync.Mutex
	m map[string]scriptCheck
}{m: map[string]scriptCheck{}}

// maxScriptChecks bounds what scriptChecks keeps; past it, it starts over.
const maxScriptChecks = 4096

// CheckScripts parses each text (in a script worker, see script.Inspect)
// and remembers what it found, for ScriptFindings. A text whose check
// failed for another reason than the text (no worker could start) is not
// remembered.
func CheckScripts(codes []string) {
	for _, code := range codes {
		if _, ok := checkedScript(code); ok {
			continue
		}
		fns, err := script.Inspect(script.Source{Name: "script", Code: code})
		var se *script.ScriptError
		if err != nil && !errors.As(err, &se) {
			continue
		}
		scriptChecks.Lock()
		if len(scriptChecks.m) >= maxScriptChecks {
			clear(scriptChecks.m)
		}
		scriptChecks.m[code] = scriptCheck{functions: fns, err: se}
		scriptChecks.Unlock()
	}
}

func checkedScript(code string) (scriptCheck, bool) {
	scriptChecks.Lock()
	defer scriptChecks.Unlock()
	c, ok := scriptChecks.m[code]
	return c, ok
}

// ScriptFindings returns what is known of the connector's scripts from the
// checks CheckScripts remembered, and the texts not checked yet: the window
// checks those off its own goroutine, and asks again.
func ScriptFindings(c *model.Connector) (fs []model.Finding, unchecked []string) {
	look := func(code string, at model.Location, kind model.MethodType) {
		if strings.TrimSpace(code) == "" {
			return
		}
		check, ok := checkedScript(code)
		if !ok {
			unchecked = append(unchecked, code)
			return
		}
		fs = append(fs, scriptFindings(check, at, kind)...)
	}
	look(c.Script, model.Location{MethodIndex: -1, Tab: model.TabScript, Row: -1}, "")
	for i := range c.Methods {
		m := &c.Methods[i]
		look(m.Script, model.Location{Method: m.Name, MethodIndex: i, Tab: model.TabScript, Row: -1}, m.MethodType)
	}
	return fs, unchecked
}

// LintScripts checks the connector's scripts and returns what it found, as
// ScriptFindings.
func LintScripts(c *model.Connector) []model.Finding {
	_, unchecked := ScriptFindings(c)
	CheckScripts(unchecked)
	fs, _ := ScriptFindings(c)
	return fs
}

// WithScriptFindings merges script findings into Lint's, keeping Lint's
// order: the connector first, then each method, a method's script last.
func WithScriptFindings(lint, scripts []model.Finding) []model.Finding {
	out := append(slices.Clip(lint), scripts...)
	slices.SortStableFunc(out, func(a, b model.Finding) int { return a.At.MethodIndex - b.At.MethodIndex })
	return out
}

// actionEvents are the events of a request's step; webhookEvents those of
// a delivery.
var (
	actionEvents  = []script.Event{script.EventBeforeAction, script.EventAfterAction, script.EventAfterError}
	webhookEvents = []script.Event{script.EventBeforeWebhook, script.EventAfterWebhook}
)

// scriptFindings words one script's check as findings. kind is the
// method's type; "" for the connector's script, whose handlers run for
// every method.
func scriptFindings(check scriptCheck, at model.Location, kind model.MethodType) []model.Finding {
	if se := check.err; se != nil {
		at.Line = se.Line
		msg := se.Name + ": " + se.Message
		if se.Column > 0 {
			msg = fmt.Sprintf("%s: %s (column %d)", se.Name, se.Message, se.Column)
		}
		return []model.Finding{{Severity: model.SeverityError, Rule: "script-syntax", At: at,
			Message: msg + "; every step that runs this script fails until it parses"}}
	}
	var fs []model.Finding
	warn := func(rule string, fn script.Function, format string, args ...any) {
		fat := at
		fat.Line = fn.Line
		fs = append(fs, model.Finding{Severity: model.SeverityWarning, Rule: rule, At: fat, Message: fmt.Sprintf(format, args...)})
	}
	for _, fn := range check.functions {
		ev := script.Event(fn.Name)
		switch {
		case !ev.Valid():
			if near := eventNamed(fn.Name); near != "" {
				warn("script-handler-misnamed", fn, "function %s is never called: the event is %s", fn.Name, near)
			}
		case kind == model.MethodWebhook && slices.Contains(actionEvents, ev):
			warn("script-handler-unused", fn, "%s never runs in a Webhook method's script: the Create and Delete Webhook Methods' scripts (and the connector's) handle their requests; a Webhook method's script handles %s and %s, for each delivery",
				ev, script.EventBeforeWebhook, script.EventAfterWebhook)
		case kind == model.MethodAction && slices.Contains(webhookEvents, ev):
			warn("script-handler-unused", fn, "%s never runs in an Action method's script: it runs in the script of the Webhook method a delivery is for (or the connector's)", ev)
		}
	}
	return fs
}

// eventNamed returns the event a function's name spells in another way
// (beforeAction, After_Webhook), or "".
func eventNamed(name string) script.Event {
	plain := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	for _, ev := range script.Events() {
		if plain(name) == plain(string(ev)) {
			return ev
		}
	}
	return ""
}
