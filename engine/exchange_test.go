package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"patchbay/internal/spell"
	"patchbay/model"
)

func TestExchangeRecordsAndMasks(t *testing.T) {
	const key, pass = `k<e>y/"1"`, "pa ss"
	srv, _ := recorder(t, 201, `{"id":1,"echo":"k<e>y/\"1\"","p":"pa ss"}`)
	c := &model.Connector{
		Name:           "Secretive",
		Authentication: []model.Authentication{{AuthName: "Key", AuthType: model.AuthApiKey, ApiKeyHeader: "X-Api-Key", ApiKeyQueryParameter: "api_key"}},
		Parameters:     []model.Parameter{{TargetType: model.TargetHttpHeader, TargetName: "X-Token", IsSensitive: true, IsAccountConnectorProperty: true}},
		Methods: []model.Method{{
			Name: "Create", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson,
			Endpoint: srv.URL + "/hooks",
			RequestFormat: model.Format{Fields: []model.Field{
				field("secret", "", model.FieldText, "{{Cyclr_Auth_ApiKey}}"),
				field("user", "", model.FieldText, "{{Cyclr_Auth_Password}}"),
			}},
		}},
	}
	v := Values{Account: map[string]string{model.SystemFieldAuthAPIKey: key, model.SystemFieldAuthPassword: pass, "X-Token": "tok-9"}}
	req, err := Prepare(c, c.Method("Create"), v)
	if err != nil {
		t.Fatal(err)
	}
	_, ex, err := (&Client{}).Send(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Method != "POST" || ex.Response.Status != 201 || !strings.Contains(ex.URL, "/hooks?api_key=") || ex.Request.Header.Get("X-Token") != "tok-9" {
		t.Errorf("exchange = %+v", ex)
	}

	reqLog, respLog := ex.Log(req.Secrets)
	text, _ := json.Marshal([]any{reqLog, respLog})
	for _, secret := range []string{"k<e>y", `k\u003ce\u003ey`, "k%3Ce%3Ey", "pa ss", "tok-9"} {
		if strings.Contains(string(text), secret) {
			t.Errorf("the logs still hold %q:\n%s", secret, text)
		}
	}
	for _, where := range []string{reqLog.URL, reqLog.Headers["X-Api-Key"], reqLog.Headers["X-Token"], reqLog.Body, respLog.Body} {
		if !strings.Contains(where, Mask) {
			t.Errorf("%q is not masked", where)
		}
	}
	if respLog.Status != 201 || reqLog.Method != "POST" || respLog.Headers["Content-Type"] == "" {
		t.Errorf("logs = %+v, %+v", reqLog, respLog)
	}
	if !strings.Contains(string(ex.RequestBody), "pa ss") {
		t.Errorf("Log changed the exchange")
	}
}

// Repeated headers are joined, a Host header other than the URL's is kept,
// and every header value, the Host and the redirects are masked too.
func TestExchangeLogHeadersAndRedirects(t *testing.T) {
	hr, _ := http.NewRequest("GET", "http://api.example.com/x", nil)
	hr.Host = "other.example.com"
	hr.Header.Set("X-Api-Key", "SECRET")
	ex := &Exchange{Method: "GET", URL: "http://api.example.com/x", Request: hr,
		Response: &Response{Status: 200, Headers: http.Header{"Set-Cookie": {"a=1", "b=2"}, "X-Echo": {"key SECRET", "again SECRET"}},
			Redirects: []string{"302 → GET http://api.example.com/x?key=SECRET"}}}
	reqLog, respLog := ex.Log([]string{"SECRET"})
	if reqLog.Headers["Host"] != "other.example.com" || reqLog.Headers["X-Api-Key"] != Mask {
		t.Errorf("request headers = %v", reqLog.Headers)
	}
	if respLog.Headers["Set-Cookie"] != "a=1, b=2" || respLog.Redirects[0] != "302 → GET http://api.example.com/x?key="+Mask ||
		respLog.Headers["X-Echo"] != "key "+Mask+", again "+Mask {
		t.Errorf("response log = %+v", respLog)
	}
	hr.Host = "SECRET.example.com"
	if reqLog, _ := ex.Log([]string{"SECRET"}); reqLog.Headers["Host"] != Mask+".example.com" {
		t.Errorf("Host = %q, want it masked", reqLog.Headers["Host"])
	}
	if ex.Response.Redirects[0] == respLog.Redirects[0] {
		t.Errorf("Log masked the exchange's own redirects")
	}
}

// A failed send is recorded too, and its error masked.
func TestExchangeOnError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	req := &Request{Method: "GET", Endpoint: "http://" + addr + "/x?api_key=SECRET", Headers: map[string]string{"X-Api-Key": "SECRET"}}
	resp, ex, err := (&Client{}).Send(context.Background(), req)
	if err == nil || resp != nil {
		t.Fatalf("Send = %v, %v; want connection refused", resp, err)
	}
	reqLog, respLog := ex.Log([]string{"SECRET"})
	if !strings.Contains(err.Error(), "connection refused") || reqLog.URL != "http://"+addr+"/x?api_key="+Mask || reqLog.Headers["X-Api-Key"] != Mask || respLog != nil {
		t.Errorf("logs = %+v, %+v", reqLog, respLog)
	}

	req.Endpoint = "not a url"
	_, ex, err = (&Client{}).Send(context.Background(), req)
	if err == nil || ex.Request != nil || ex.URL != "not a url" || !strings.Contains(err.Error(), "is not an absolute http or https URL") {
		t.Errorf("a script's bad endpoint: %v, %+v", err, ex)
	}
}

func TestMaskText(t *testing.T) {
	got := MaskText("key=a b&k=a+b&p=a%20b and ab", []string{"a b", ""})
	if want := "key=" + Mask + "&k=" + Mask + "&p=" + Mask + " and ab"; got != want {
		t.Errorf("MaskText = %q, want %q", got, want)
	}
}

// Secrets are masked as other encoders spell them too: JSON with / escaped
// (PHP), JSON with non-ASCII as \uXXXX (Python), percent-escapes in lower
// case; and the start of one left before a clip mark.
func TestMaskOtherSpellings(t *testing.T) {
	for _, tc := range []struct {
		name, secret, text string
	}{
		{"JSON with \\/", "k3y/with+slash==", `{"echo":"k3y\/with+slash=="}`},
		{"lower-case percent-escapes", "k3y/with+slash==", "q=k3y%2fwith%2bslash%3d%3d"},
		{"JSON with \\u escapes", "clé-ünïcode-1", `{"k":"cl\u00e9-\u00fcn\u00efcode-1"}`},
		{"JSON with a surrogate pair", "key🔑0001", `{"k":"key\ud83d\udd110001"}`},
		{"clipped", "tok_ABCDEFGHIJ", `answered 401: {"token":"tok_ABCD…`},
		{"clipped and quoted", "tok_ABCDEFGHIJ", `value "tok_ABCDEF…" is not an Integer`},
		{"PHP's default: \\/ and \\u together", "clé/s3cr3t+XyZ", `{"secret":"cl\u00e9\/s3cr3t+XyZ"}`},
		{"\\u in upper case", "clé-ünïcode-1", `{"k":"cl\u00E9-\u00FCn\u00EFcode-1"}`},
		{"a clip mark in the secret, clipped again", "tok_abcd…efghijklmnop…", `key=tok_abcd…efghijkl…`},
		{"an HTML error page", "SeKr1t/K+y&z=9-slash", `<html><p>invalid key SeKr1t/K+y&amp;z=9-slash</p></html>`},
		{"XML with &quot; and &apos;", `pa"ss'w<rd>&slash`, `<key>pa&quot;ss&apos;w&lt;rd&gt;&amp;slash</key>`},
		{"HTML with numeric quotes", `pa"ss'w<rd>&slash`, `<p>pa&#34;ss&#x27;w&lt;rd&gt;&amp;slash</p>`},
		{"XML text, quotes left as they are", `pa"ss'w<rd>&slash`, `<error>bad key pa"ss'w&lt;rd&gt;&amp;slash</error>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := MaskText(tc.text, []string{tc.secret})
			if !strings.Contains(got, Mask) || strings.Contains(got, "tok_") || strings.Contains(got, "slash") || strings.Contains(got, "code-1") || strings.Contains(got, "0001") {
				t.Errorf("MaskText(%q) = %q", tc.text, got)
			}
		})
	}
	// A few characters before a clip mark are not taken for a secret,
	// counted in characters.
	for _, text := range []string{"id tok…", "пр…"} {
		if got := MaskText(text, []string{"tok_ABCDEFGHIJ", "пр0т0к0л-секрет"}); got != text {
			t.Errorf("MaskText masked three characters or fewer: %q", got)
		}
	}
	// Logs are never cut: their clip marks are left alone.
	if got := maskForms("the password…", spell.Forms([]string{"password-Zq81x"})); got != "the password…" {
		t.Errorf("maskForms masked the start of a secret in a log: %q", got)
	}
}

// The run history keeps the first 64 KiB of each body and says how long it
// was; the result itself, as shown, keeps them whole.
func TestForHistoryCutsBodies(t *testing.T) {
	big := strings.Repeat("é", HistoryBodyLimit) // twice the limit in bytes
	res := &Result{Steps: []*Step{{Request: &RequestLog{Body: "small"}, Response: &ResponseLog{Status: 200, Body: big}}},
		Delivery: &Received{Body: big}}
	h := res.ForHistory()
	want := clip(big, HistoryBodyLimit) + fmt.Sprintf(" (%d bytes in all; the run history keeps the first 64 KiB)", len(big))
	if h.Steps[0].Response.Body != want || h.Delivery.Body != want || h.Steps[0].Request.Body != "small" {
		t.Errorf("history bodies: response %d bytes, delivery %d bytes, request %q", len(h.Steps[0].Response.Body), len(h.Delivery.Body), h.Steps[0].Request.Body)
	}
	if res.Steps[0].Response.Body != big || res.Delivery.Body != big {
		t.Error("ForHistory changed the result itself")
	}
	rec, err := res.HistoryRecord()
	if err != nil || len(rec.Log) > 3*HistoryBodyLimit {
		t.Errorf("the history record's log is %d bytes: %v", len(rec.Log), err)
	}
}
