package script

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestConsoleLog(t *testing.T) {
	type line struct{ source, text string }
	var got []line
	opts := Options{Console: func(source, text string) { got = append(got, line{source, text}) }}
	r := newRunner(t, opts,
		`console.log('connector loaded');`,
		`function before_action() {
			var cyclic = {}; cyclic.self = cyclic;
			console.log('a', 1, 2.5, {b: [1, 'x']}, null, undefined, true, new TypeError('bad'));
			console.warn(cyclic);
			console.error();
		}`)
	if _, err := r.Fire(context.Background(), EventBeforeAction, &Globals{}); err != nil {
		t.Fatalf("Fire: %v", err)
	}
	want := []line{
		{connectorName, "connector loaded"},
		{methodName, `a 1 2.5 {"b":[1,"x"]} null undefined true TypeError: bad`},
		{methodName, "[object Object]"},
		{methodName, ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("console lines\n got %q\nwant %q", got, want)
	}

	// Without a Console the lines are dropped, not an error.
	if _, err := fireMethod(t, `function before_action() { console.log('x'); }`, EventBeforeAction); err != nil {
		t.Errorf("console.log without Options.Console: %v", err)
	}
}

func TestBase64(t *testing.T) {
	tests := []struct {
		name   string
		script string // sets cycle_variables.out
		want   string
	}{
		{"btoa basic auth", `btoa('user:pässword')`, base64.StdEncoding.EncodeToString([]byte("user:p\xe4ssword"))},
		{"atob", `atob('aGVsbG8gd29ybGQ=')`, "hello world"},
		{"atob unpadded with whitespace", `atob(' aGVs\nbG8 ')`, "hello"},
		{"round trip of every byte", `(function () { var s = ''; for (var i = 0; i < 256; i++) s += String.fromCharCode(i); return atob(btoa(s)) === s ? 'same' : 'differs'; })()`, "same"},
		{"utf-8 text via the browser idiom", `decodeURIComponent(escape(atob(btoa(unescape(encodeURIComponent('€ ✓'))))))`, "€ ✓"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := fireMethod(t, "function before_action() { cycle_variables.out = "+tt.script+"; }", EventBeforeAction)
			if err != nil {
				t.Fatalf("Fire: %v", err)
			}
			if got := g.CycleVariables["out"]; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []struct{ call, message string }{
		{`btoa('€')`, "outside Latin1"},
		{`atob('a')`, "not valid base64"},
		{`atob('@@@@')`, "not valid base64"},
		{`btoa()`, "1 argument required"},
	} {
		t.Run(bad.call, func(t *testing.T) {
			_, err := fireMethod(t, "function before_action() { "+bad.call+"; }", EventBeforeAction)
			var se *ScriptError
			if !errors.As(err, &se) || se.Name != "TypeError" || !strings.Contains(se.Message, bad.message) {
				t.Errorf("err = %v, want a TypeError containing %q", err, bad.message)
			}
		})
	}
}

func TestCyclrSign(t *testing.T) {
	key, msg := "whsec_5f3a", `{"event":"order.created","data":{"id":42}}`
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(msg))
	sum := mac.Sum(nil)

	tests := []struct {
		name, call, want string
	}{
		{"sha256 hex against Go", `cyclr_sign('sha256', key, msg, 'hex')`, hex.EncodeToString(sum)},
		{"sha256 base64 against Go", `cyclr_sign('sha256', key, msg, 'base64')`, base64.StdEncoding.EncodeToString(sum)},
		{"encoding defaults to hex", `cyclr_sign('HMAC-SHA256', key, msg)`, hex.EncodeToString(sum)},
		{"base64url", `cyclr_sign('sha256', key, msg, 'base64url')`, base64.RawURLEncoding.EncodeToString(sum)},
		// Published vectors (the "quick brown fox" examples).
		{"sha256 vector", `cyclr_sign('sha256', 'key', 'The quick brown fox jumps over the lazy dog', 'hex')`, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
		{"sha1 vector", `cyclr_sign('sha1', 'key', 'The quick brown fox jumps over the lazy dog', 'hex')`, "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"},
		{"sha512 vector", `cyclr_sign('SHA512', 'key', 'The quick brown fox jumps over the lazy dog', 'hex')`,
			"b42af09057bac1e2d41708e48a902e09b5ff7f12ab428a4fe86653c73dd248fb82f948a549f7b791a5b41915ee4d1ec3935357e4e2317250d0372afa2ebeeb3a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, Options{}, "", "var key = "+jsString(key)+", msg = "+jsString(msg)+";\nfunction before_webhook() { cycle_variables.out = "+tt.call+"; }")
			g := &Globals{}
			if _, err := r.Fire(context.Background(), EventBeforeWebhook, g); err != nil {
				t.Fatalf("Fire: %v", err)
			}
			if got := g.CycleVariables["out"]; got != tt.want {
				t.Errorf("got %v, want %s", got, tt.want)
			}
		})
	}
	for _, bad := range []struct{ call, message string }{
		{`cyclr_sign('md5', 'k', 'm', 'hex')`, `unknown algorithm "md5"`},
		{`cyclr_sign('sha256', 'k', 'm', 'base32')`, `unknown encoding "base32"`},
		{`cyclr_sign('sha256', 'k')`, "at least 3 arguments"},
	} {
		t.Run(bad.call, func(t *testing.T) {
			_, err := fireMethod(t, "function before_action() { "+bad.call+"; }", EventBeforeAction)
			var se *ScriptError
			if !errors.As(err, &se) || se.Name != "TypeError" || !strings.Contains(se.Message, bad.message) {
				t.Errorf("err = %v, want a TypeError containing %q", err, bad.message)
			}
		})
	}
}

// jsString quotes s as a JavaScript string literal (JSON's quoting suffices).
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// TestArmedClearsLateInterrupt covers the race the time limit must not lose:
// the deadline fires after the script finished but before the runtime is
// disarmed. The pending interrupt must not hit the next call.
func TestArmedClearsLateInterrupt(t *testing.T) {
	u, err := newUnit(Source{Name: methodName}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = u.armed(ctx, func() error {
		cancel() // the deadline "fires" now, after all JavaScript has run
		return nil
	})
	if err != nil {
		t.Fatalf("armed: %v", err)
	}
	if _, err := u.rt.RunString("1 + 1"); err != nil {
		t.Errorf("next run after a late interrupt: %v", err)
	}
}
