package engine_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"patchbay/engine"
	"patchbay/model"
)

// signingSecretFrom makes hookConnector's create return a signing secret
// that its Webhook method checks deliveries with.
func signingSecretFrom(c *model.Connector) {
	c.Methods[0].ResponseFormat.Fields = append(c.Methods[0].ResponseFormat.Fields,
		model.Field{ConnectorField: "data.webhook.secret", SystemField: "SigningSecret", DataType: model.FieldText})
	c.Methods[2].WebhookSignature = model.SignatureCheck{Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", SecretResponseField: "SigningSecret"}
}

// A signing secret the create response returns is masked from the moment
// it arrives: in the create's own log and console lines, also when a
// script prints the response, and when another field fails to map.
func TestSecretFromCreateResponseMasked(t *testing.T) {
	const secret = "whsec_0123456789abcdef"
	for _, tc := range []struct {
		name string
		body string
		edit func(c *model.Connector)
	}{
		{"printed by after_action", `{"data": {"webhook": {"id": "wh_1", "secret": "` + secret + `"}}}`, func(c *model.Connector) {
			c.Methods[0].Script = "function after_action() { console.log('created: ' + JSON.stringify(method_response)); }"
		}},
		{"another field fails to map", `{"data": {"webhook": {"id": "wh_1", "secret": "` + secret + `", "n": "x"}}}`, func(c *model.Connector) {
			c.Methods[0].ResponseFormat.Fields = append(c.Methods[0].ResponseFormat.Fields,
				model.Field{ConnectorField: "data.webhook.n", SystemField: "N", DataType: model.FieldInteger})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &hooksAPI{create: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, tc.body)
			}}
			res, _ := hooksRun(t, api, func(c *model.Connector) { signingSecretFrom(c); tc.edit(c) }, &memLedger{})
			if _, deletes := api.counts(); res.WebhookID != "wh_1" || deletes != 1 {
				t.Fatalf("id %q, %d deletes: %s", res.WebhookID, deletes, res.Error)
			}
			if out := dump(res); strings.Contains(out, secret) {
				t.Errorf("the signing secret is in the result:\n%s", out)
			}
			if !strings.Contains(res.Steps[0].Response.Body, engine.Mask) {
				t.Errorf("create response body %q, want the secret masked", res.Steps[0].Response.Body)
			}
		})
	}
}

// An error message that shows the start of a response body cuts it short;
// a secret cut in two there is masked all the same.
func TestClippedSecretMasked(t *testing.T) {
	const key = "tok_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	api := &hooksAPI{create: createdWH1, del: func(w http.ResponseWriter, r *http.Request) {
		// The key straddles the 200th byte, where the error cuts the body.
		body := `{"error":"token rejected","pad":"` + strings.Repeat("x", 150) + `","token":"` + key + `"}`
		http.Error(w, body, http.StatusUnauthorized)
	}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := hookConnector(srv.URL)
	c.Script = ""
	c.Methods[1].Endpoint += "?key={{Cyclr_Auth_ApiKey}}"
	ledger := &memLedger{}
	r := &engine.Runner{Connector: c, Account: map[string]string{model.SystemFieldAuthAPIKey: key}}
	res := r.RunWebhook(context.Background(), "Order Events", engine.WebhookOptions{Ledger: ledger})
	rows, _ := ledger.ListWebhooks(context.Background(), true)
	if len(rows) != 1 || !strings.Contains(res.Error, "answered 401") {
		t.Fatalf("rows %+v, error %q", rows, res.Error)
	}
	for where, text := range map[string]string{"result": dump(res), "ledger": rows[0].LastError} {
		if strings.Contains(text, key[:minShown]) {
			t.Errorf("the start of the key is in the %s: %s", where, text)
		}
	}
}

// minShown is the most of a secret's start an error may show where it cuts
// a message short.
const minShown = 4

// A cleanup masks the secrets in every error, also one raised before the
// request is sent.
func TestCleanupMasksEarlyErrors(t *testing.T) {
	const key = "tok_cleanup_0123456789"
	c := hookConnector("http://127.0.0.1:1")
	c.Methods[1].Endpoint = "htps://api.example.com/v2/hooks/{{Cyclr_Webhook_Id}}?key={{Cyclr_Auth_ApiKey}}"
	ledger := &memLedger{}
	rec := &model.WebhookRecord{Connector: c.Name, Method: "Order Events", DeleteMethod: "Unsubscribe", WebhookID: "wh_1", URL: "http://127.0.0.1:1/x"}
	if err := ledger.RecordWebhook(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	load := func(context.Context, string) (*model.Connector, map[string]string, error) {
		return c, map[string]string{model.SystemFieldAuthAPIKey: key}, nil
	}
	rows, _ := ledger.ListWebhooks(context.Background(), true)
	out := engine.Cleanup(context.Background(), ledger, load, rows, engine.CleanupOptions{})
	rows, _ = ledger.ListWebhooks(context.Background(), true)
	if len(out) != 1 || out[0].Deleted || !strings.Contains(out[0].Error, "not an absolute http or https URL") {
		t.Fatalf("cleanup: %s", dump(out))
	}
	if strings.Contains(dump(out), key) || strings.Contains(rows[0].LastError, key) {
		t.Errorf("the key is in the cleanup's error or the ledger: %q", rows[0].LastError)
	}
}

// The parameter a Webhook method checks signatures with holds a secret
// even when it is not marked Sensitive: runs mask it, exports leave it out.
func TestSignatureSecretParameterMasked(t *testing.T) {
	const secret = "whsec_param_0123456789"
	api := &hooksAPI{create: createdWH1}
	var c *model.Connector
	res, _ := hooksRun(t, api, func(hc *model.Connector) {
		c = hc
		c.Parameters = append(c.Parameters, model.Parameter{TargetType: model.TargetMergeField, TargetName: "SigningSecret", Values: []string{secret}})
		c.Methods[0].RequestFormat.Fields = append(c.Methods[0].RequestFormat.Fields,
			model.Field{ConnectorField: "secret", DataType: model.FieldText, IsHidden: true, DefaultValue: "{{SigningSecret}}"})
		c.Methods[2].WebhookSignature = model.SignatureCheck{Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", SecretParameter: "SigningSecret"}
	}, &memLedger{})
	if !res.OK {
		t.Fatal(res.Error)
	}
	if out := dump(res); strings.Contains(out, secret) {
		t.Errorf("the signing secret is in the run log:\n%s", out)
	}
	doc, err := model.Export(c, model.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), secret) {
		t.Error("the signing secret is in an export without secrets")
	}
	if doc, _ = model.Export(c, model.ExportOptions{IncludeSecrets: true}); !strings.Contains(string(doc), secret) {
		t.Error("an export with secrets left the signing secret out")
	}
}

// A value a Sensitive parameter is made of, such as Token in
// "Bearer {{Token}}", is masked too, where a script prints the mergefields
// and wherever else it shows. A value used elsewhere as well, such as an
// account id also in the Endpoint, is masked as well, and still kept with
// the run's values in the ledger, so that a cleanup can render the delete.
func TestSecretInsideASensitiveTemplate(t *testing.T) {
	const token = "tok_inside_template_42"
	api := &hooksAPI{create: createdWH1}
	ledger := &memLedger{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := hookConnector(srv.URL)
	c.Script = "function before_action() { console.log(JSON.stringify(method_request_mergefields)); }"
	c.Parameters = append(c.Parameters, model.Parameter{TargetType: model.TargetHttpHeader, TargetName: "X-Auth", IsSensitive: true,
		Values: []string{"Bearer {{Token}}; account={{AccountId}}"}})
	c.Methods[1].Endpoint += "?account={{AccountId}}"
	r := &engine.Runner{Connector: c, Account: map[string]string{model.SystemFieldAuthAPIKey: "test-api-key-0001"},
		Inputs: map[string]string{"Token": token, "AccountId": "acct-4242", "Region": "eu"}}
	res := r.RunWebhook(context.Background(), "Order Events", engine.WebhookOptions{Ledger: ledger})
	if !res.OK {
		t.Fatal(res.Error)
	}
	if len(res.Steps[0].Console) == 0 || !strings.Contains(res.Steps[0].Console[0], `"Token":"`+engine.Mask) {
		t.Errorf("console %q, want the mergefields with Token masked", res.Steps[0].Console)
	}
	if out := dump(res); strings.Contains(out, token) || strings.Contains(out, "acct-4242") {
		t.Errorf("the token or the account id is in the result:\n%s", out)
	}
	rows, _ := ledger.ListWebhooks(context.Background(), false)
	if len(rows) != 1 || rows[0].RunValues["AccountId"] != "acct-4242" || rows[0].RunValues["Region"] != "eu" {
		t.Errorf("ledger run values %v, want AccountId and Region for a later cleanup", rows[0].RunValues)
	}
}

// Credentials a before_action builds, in the Basic idiom some APIs ask for
// (the key as the username, "X" as the password), are masked like the key:
// in the request log, the console line that showed them, the error that
// echoes them and the run's result.
func TestScriptBuiltCredentialsMasked(t *testing.T) {
	const key = "FRESHKEY1234567"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error": "bad credentials", "got": "`+r.Header.Get("Authorization")+`"}`)
	}))
	defer srv.Close()
	token := base64.StdEncoding.EncodeToString([]byte(key + ":X"))
	run := func(end string) *engine.Result {
		c := orderConnector(srv.URL)
		c.Authentication = []model.Authentication{{AuthName: "Key", AuthType: model.AuthApiKey, IsDefault: true}}
		c.Script = "function before_action() {\n" +
			"  method_request_headers.Authorization = 'Basic ' + btoa(method_auth_value + ':X');\n" +
			"  console.log('sending ' + method_request_headers.Authorization);\n" + end + "}"
		r := &engine.Runner{Connector: c, Account: map[string]string{model.SystemFieldAuthAPIKey: key}}
		return r.RunMethod(context.Background(), "Get Order")
	}
	// Also when the handler then stops the step, or throws with the header
	// in its message.
	for _, end := range []string{"return false;", "throw new Error(method_request_headers.Authorization);"} {
		res := run(end)
		if out := dump(res) + res.Error; strings.Contains(out, token) || strings.Contains(out, key) {
			t.Errorf("with %q the script's credentials show:\n%s", end, out)
		}
	}
	// An async handler whose promise is rejected, the same.
	{
		c := orderConnector(srv.URL)
		c.Authentication = []model.Authentication{{AuthName: "Key", AuthType: model.AuthApiKey, IsDefault: true}}
		c.Script = "async function before_action() {\n" +
			"  method_request_headers.Authorization = 'Basic ' + btoa(method_auth_value + ':X');\n" +
			"  throw new Error(method_request_headers.Authorization);\n}"
		res := (&engine.Runner{Connector: c, Account: map[string]string{model.SystemFieldAuthAPIKey: key}}).RunMethod(context.Background(), "Get Order")
		if out := dump(res) + res.Error; res.OK || strings.Contains(out, token) || strings.Contains(out, key) {
			t.Errorf("an async handler rejected: the script's credentials show:\n%s", out)
		}
	}
	res := run("")
	out := dump(res) + res.Error
	if res.OK || strings.Contains(out, token) || strings.Contains(out, key) {
		t.Errorf("the script's credentials show:\n%s", out)
	}
	step := res.Steps[0]
	if step.Request == nil || step.Request.Headers["Authorization"] != "Basic "+engine.Mask {
		t.Errorf("the request log's Authorization is %q, want it masked", step.Request.Headers["Authorization"])
	}
	// The line is masked as it is written, before the credential is
	// learnt, and again from what the script wrote once it is: the whole
	// credential is masked, not the key's base64 characters alone.
	if want := "connector script: sending Basic " + engine.Mask; len(step.Console) != 1 || step.Console[0] != want {
		t.Errorf("console %q, want %q", step.Console, want)
	}
}

// A Sensitive value the API answers as a number is masked where it is
// mapped, as a number and inside an object, in the run and its history,
// also when read back from a record kept before numbers were masked.
func TestSensitiveNumberMappedMasked(t *testing.T) {
	const pin, code = "48213957", "07719264"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"account":{"pin":`+pin+`,"name":"Ada"},"ratio":`+pin+`.5,"code":"`+code+`"}`)
	}))
	defer srv.Close()
	c := &model.Connector{Name: "Pin",
		Parameters: []model.Parameter{{TargetType: model.TargetHttpHeader, TargetName: "X-Pin", IsSensitive: true, Values: []string{pin}},
			{TargetType: model.TargetHttpHeader, TargetName: "X-Code", IsSensitive: true, Values: []string{code}}},
		Methods: []model.Method{{Name: "Get", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: srv.URL + "/a",
			ResponseFormat: model.Format{Fields: []model.Field{
				{ConnectorField: "account.pin", DataType: model.FieldInteger},
				{ConnectorField: "account", DataType: model.FieldObject},
				{ConnectorField: "ratio", DataType: model.FieldDecimal},
				{ConnectorField: "account.name", DataType: model.FieldText},
				// A text with a leading zero read as an Integer: the
				// secret is no longer in the number.
				{ConnectorField: "code", DataType: model.FieldInteger}}}}}}
	res := (&engine.Runner{Connector: c}).RunMethod(context.Background(), "Get")
	if !res.OK || len(res.Steps) != 1 || len(res.Steps[0].Mapped) != 5 || res.Steps[0].Mapped[3].Value != "Ada" {
		t.Fatalf("ok %t: %s\n%s", res.OK, res.Error, dump(res))
	}
	rec, err := res.HistoryRecord()
	if err != nil {
		t.Fatal(err)
	}
	if out := dump(res) + string(rec.Log); strings.Contains(out, pin) || strings.Contains(out, code[1:]) {
		t.Errorf("the Sensitive value shows:\n%s", out)
	}
	// A record kept with the number as it was: the history masks it.
	old := strings.Replace(string(rec.Log), `"value":"`+engine.Mask+`"`, `"value":`+pin, 1)
	if old == string(rec.Log) {
		t.Fatalf("the record's masked number was not found to put back:\n%s", rec.Log)
	}
	rec.Log = []byte(old)
	read, err := engine.FromHistory(*rec, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out := dump(read); strings.Contains(out, pin) {
		t.Errorf("the history shows the Sensitive value of an older record:\n%s", out)
	}
}

// A secret echoed in base64 is masked: alone (btoa(key)), padded or not,
// in either alphabet, and inside a longer text encoded whole (btoa('user:'
// + key), a header an API echoes), wherever it starts in it. What is left
// of the base64 encodes only what came before and after the secret.
func TestSecretInBase64Masked(t *testing.T) {
	secret := "sandbox-key/42?x"
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		for before := range 7 {
			for after := range 7 {
				plain := strings.Repeat("u", before) + secret + strings.Repeat("v", after)
				text := enc.EncodeToString([]byte(plain))
				masked := engine.MaskText(`{"echo":"`+text+`"}`, []string{secret})
				left := strings.TrimSuffix(strings.TrimPrefix(masked, `{"echo":"`), `"}`)
				if !strings.Contains(left, engine.Mask) {
					t.Fatalf("%s of %q: %q is not masked", enc.EncodeToString([]byte("x")), plain, text)
				}
				// At most the characters of the text before and after, one
				// more each where they share a character with the secret,
				// and the padding.
				rest := len(strings.ReplaceAll(left, engine.Mask, ""))
				if most := (8*before+5)/6 + 1 + (8*after+5)/6 + 1 + 2; rest > most {
					t.Errorf("%q masked to %q: %d characters left, want at most %d", text, left, rest, most)
				}
			}
		}
	}
	// A short value is not looked for in base64: its few characters would
	// match elsewhere.
	if got := engine.MaskText("YWJj", []string{"abc"}); got != "YWJj" {
		t.Errorf("a 3-byte secret's base64 masked: %q", got)
	}
}

// btoa takes a string one byte a character: a secret within Latin-1 (ü, ß)
// written by btoa is masked too. And base64 escaped in a query string or
// by a JSON writer that escapes / is masked.
func TestSecretInEscapedOrLatin1Base64Masked(t *testing.T) {
	latin := "Grüße-aus-Köln-42"
	var l1 []byte
	for _, r := range "ada:" + latin {
		l1 = append(l1, byte(r))
	}
	tilde := "???Xy78Q~Jk2.abcDEF_ghi?jk>l" // its base64 holds + and /
	for _, tc := range []struct{ secret, text string }{
		{latin, "auth " + base64.StdEncoding.EncodeToString(l1)},
		{tilde, "auth=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte("u:"+tilde)))},
		{tilde, `{"auth":"` + strings.ReplaceAll(base64.StdEncoding.EncodeToString([]byte(tilde)), "/", `\/`) + `"}`},
	} {
		masked := engine.MaskText(tc.text, []string{tc.secret})
		if !strings.Contains(masked, engine.Mask) {
			t.Errorf("%q is not masked", tc.text)
			continue
		}
		// What is left decodes to no more than a few bytes of the secret.
		if rest := strings.ReplaceAll(masked, engine.Mask, ""); len(rest) > len(tc.text)-len(tc.secret) {
			t.Errorf("%q masked to %q: too much of it left", tc.text, masked)
		}
	}
}

// A secret a .NET API echoes (System.Text.Json escapes + ' " < > & and `
// by default) or PHP with its JSON_HEX_ flags is masked: a base64-like key
// holding + is common.
func TestSecretInHexEscapedJSONMasked(t *testing.T) {
	secret := "k3y+with'q<&>\"`ü/end"
	for _, echo := range []string{
		`{"key":"k3y\u002Bwith\u0027q\u003C\u0026\u003E\u0022\u0060\u00FC/end"}`, // System.Text.Json
		`{"key":"k3y+with\u0027q\u003C\u0026\u003E\u0022` + "`" + `\u00fc/end"}`, // PHP, JSON_HEX_* and lower-case \u
	} {
		if got := engine.MaskText(echo, []string{secret}); got != `{"key":"`+engine.Mask+`"}` {
			t.Errorf("MaskText(%s) = %s", echo, got)
		}
	}
}

// What the two writers do beyond the characters they escape: PHP writes /
// as \/ unless told not to, both write line breaks and tabs in short, and
// .NET escapes DEL.
func TestSecretInHexEscapedJSONMaskedWhole(t *testing.T) {
	for _, tc := range []struct{ secret, echo string }{
		{"pa/ss'word&42", `{"key":"pa\/ss\u0027word\u002642"}`},
		{"line+one\nline/two", `{"key":"line\u002Bone\nline/two"}`},
		{"a'b-line\nnext", `{"key":"a\u0027b-line\nnext"}`},
		{"tab\there+\x7fdel", `{"key":"tab\there\u002B\u007Fdel"}`},
	} {
		if got := engine.MaskText(tc.echo, []string{tc.secret}); got != `{"key":"`+engine.Mask+`"}` {
			t.Errorf("MaskText(%s) = %s", tc.echo, got)
		}
	}
}

// A secret a script logs in upper or lower case is masked as the secret
// is; a short one is not looked for in another case.
func TestSecretInAnotherCaseMasked(t *testing.T) {
	const key = "Key-MixedCase-42"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{}`) }))
	defer srv.Close()
	c := orderConnector(srv.URL)
	c.Authentication = []model.Authentication{{AuthName: "Key", AuthType: model.AuthApiKey, ApiKeyHeader: "X-Key", IsDefault: true}}
	c.Script = "function before_action() {\n  console.log('up ' + method_auth_value.toUpperCase());\n  console.log('low ' + method_auth_value.toLowerCase());\n}"
	res := (&engine.Runner{Connector: c, Account: map[string]string{model.SystemFieldAuthAPIKey: key}}).RunMethod(context.Background(), "Get Order")
	out := dump(res)
	if !res.OK || strings.Contains(out, strings.ToUpper(key)) || strings.Contains(out, strings.ToLower(key)) {
		t.Errorf("the key in another case shows:\n%s", out)
	}
	if want := []string{"connector script: up " + engine.Mask, "connector script: low " + engine.Mask}; !slices.Equal(res.Steps[0].Console, want) {
		t.Errorf("console %q, want %q", res.Steps[0].Console, want)
	}
}

// Base64 wrapped onto lines (MIME's 76 characters, PEM's 64 with CR LF,
// and an API's file contents in JSON with \n escaped, as GitHub's 60) is
// masked where a break falls within the secret's characters, wherever it
// falls; the lines and their breaks stay.
func TestSecretInWrappedBase64Masked(t *testing.T) {
	secret := "sk_live_7Hq2mZ9xPw4TnK8vR3cY"
	wraps := []struct {
		width int
		brk   string
	}{{76, "\n"}, {64, "\r\n"}, {60, `\n`}, {60, `\r\n`}}
	for _, w := range wraps {
		for before := range 80 {
			plain := "[service]\nendpoint = https://api.example.com/v1\n" + strings.Repeat("#", before) + "\napi_key = " + secret + "\ntimeout = 30\n"
			enc := base64.StdEncoding.EncodeToString([]byte(plain))
			var lines []string
			for len(enc) > w.width {
				lines, enc = append(lines, enc[:w.width]), enc[w.width:]
			}
			text := strings.Join(append(lines, enc), w.brk)
			masked := engine.MaskText(`{"content":"`+text+`"}`, []string{secret})
			if got, want := strings.Count(masked, w.brk), strings.Count(text, w.brk); got != want {
				t.Fatalf("width %d, %d before: %d line breaks left of %d", w.width, before, got, want)
			}
			// The characters that encode the secret's bytes alone.
			at := len("[service]\nendpoint = https://api.example.com/v1\n") + before + len("\napi_key = ")
			whole := base64.StdEncoding.EncodeToString([]byte(plain))
			core := whole[(8*at+5)/6+1 : (8*(at+len(secret)))/6-1]
			joined := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(masked, `\r\n`, ""), `\n`, ""), "\r\n", "")
			joined = strings.ReplaceAll(joined, "\n", "")
			for i := 0; i+6 <= len(core); i++ {
				if strings.Contains(joined, core[i:i+6]) {
					t.Fatalf("width %d, %d before: %q of the secret's base64 %q is left in %q", w.width, before, core[i:i+6], core, masked)
				}
			}
		}
	}
	// The secret itself, cut by a line break, is masked on both lines.
	split := "key:\n" + secret[:10] + "\n" + secret[10:] + "\nnext"
	if got, want := engine.MaskText(split, []string{secret}), "key:\n"+engine.Mask+"\n"+engine.Mask+"\nnext"; got != want {
		t.Errorf("%q masked to %q, want %q", split, got, want)
	}
	// A break without base64 characters on both sides wraps nothing.
	for _, s := range []string{secret[:10] + " \n" + secret[10:], secret[:10] + "\n " + secret[10:], "a, \nb\n\n"} {
		if got := engine.MaskText(s, []string{secret}); got != s {
			t.Errorf("%q masked to %q", s, got)
		}
	}
}

// A secret is masked however a percent-encoder escapes it: which
// characters each escapes differs (PHP's urlencode and Java's URLEncoder
// write ~ as %7E, Python's quote leaves /, a URL's path leaves + and =,
// JavaScript's escape leaves + and / and writes 😀 as %uD83D%uDE00), and
// in upper- or lower-case hex. The text around it stays.
func TestSecretPercentEscapedAnyWayMasked(t *testing.T) {
	escapeExcept := func(keep string, plus bool, hex string) func(string) string {
		return func(s string) string {
			var b strings.Builder
			for _, c := range []byte(s) {
				switch {
				case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0:
					b.WriteByte(c)
				case c == ' ' && plus:
					b.WriteByte('+')
				default:
					fmt.Fprintf(&b, "%%"+hex, c)
				}
			}
			return b.String()
		}
	}
	jsEscape := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			switch {
			case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@*_+-./", r)):
				b.WriteRune(r)
			case r < 0x80:
				fmt.Fprintf(&b, "%%%02X", r)
			default:
				for _, u := range utf16.Encode([]rune{r}) {
					fmt.Fprintf(&b, "%%u%04X", u)
				}
			}
		}
		return b.String()
	}
	encoders := map[string]func(string) string{
		"PHP urlencode":       escapeExcept("-_.", true, "%02X"),
		"Java URLEncoder":     escapeExcept("-_.*", true, "%02X"),
		"Python quote":        escapeExcept("-_.~/", false, "%02X"),
		"Python quote, lower": escapeExcept("-_.~/", false, "%02x"),
		"a URL's path":        func(s string) string { return strings.TrimPrefix((&url.URL{Path: "/" + s}).EscapedPath(), "/") },
		"JavaScript escape":   jsEscape,
	}
	for _, secret := range []string{"Xk48Q~pA9xZ.fT3_vRr1~yLm2nC0dEeK5", "Zx9+Qm/Lk3vT8wPq==", "correct horse/battery", "Schlüssel 😀 key"} {
		for name, enc := range encoders {
			spelt := enc(secret)
			text := `{"next":"/v1/items?page=2&api_key=` + spelt + `&x=1"}`
			masked := engine.MaskText(text, []string{secret})
			if masked != `{"next":"/v1/items?page=2&api_key=`+engine.Mask+`&x=1"}` {
				t.Errorf("%s of %q: %q masked to %q", name, secret, text, masked)
			}
		}
	}
	// An escape that is no escape (%zz, a % at the end) is left alone.
	if got := engine.MaskText("100%zz done %", []string{"Xk48Q~pA9xZ"}); got != "100%zz done %" {
		t.Errorf("text without escapes changed: %q", got)
	}
}

// A secret in JSON kept as text inside another JSON string (an API that
// echoes the request it got) is masked: its escapes are escaped again.
func TestSecretInJSONWithinJSONMasked(t *testing.T) {
	secret := `Pa"ss\w0rd-2024`
	inner, _ := json.Marshal(map[string]string{"password": secret})
	outer, _ := json.Marshal(map[string]string{"error": "bad credentials", "request": string(inner)})
	masked := engine.MaskText(string(outer), []string{secret})
	var got struct{ Request string }
	if err := json.Unmarshal([]byte(masked), &got); err != nil {
		t.Fatalf("%s masked to %s, no longer JSON: %v", outer, masked, err)
	}
	var req struct{ Password string }
	if err := json.Unmarshal([]byte(got.Request), &req); err != nil || req.Password != engine.Mask {
		t.Errorf("%s masked to %s: the password reads %q (%v)", outer, masked, req.Password, err)
	}
}
