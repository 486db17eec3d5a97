package engine_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/model"
)

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"event":"x"}`)
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(body)
	hexSig := hex.EncodeToString(mac.Sum(nil))
	mac1 := hmac.New(sha1.New, []byte("s3cret"))
	mac1.Write(body)
	b64Sig := base64.StdEncoding.EncodeToString(mac1.Sum(nil))

	hexCheck := model.SignatureCheck{Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", Prefix: "sha256="}
	b64Check := model.SignatureCheck{Header: "X-Sig", Algorithm: "sha1", Encoding: "base64"}
	cases := []struct {
		name   string
		check  model.SignatureCheck
		secret string
		header string // "" sends no header
		want   string // "" for a pass
	}{
		{"hex with prefix", hexCheck, "s3cret", "sha256=" + hexSig, ""},
		{"base64", b64Check, "s3cret", b64Sig, ""},
		{"unsigned", hexCheck, "s3cret", "", "the delivery has no X-Sig header: it is unsigned"},
		{"wrong prefix", hexCheck, "s3cret", "sha1=" + hexSig, `does not start with "sha256="`},
		{"not hex", hexCheck, "s3cret", "sha256=zz", "the X-Sig header is not hex"},
		{"wrongly signed", hexCheck, "other", "sha256=" + hexSig, "does not match the HMAC-SHA256 of the body"},
		{"no secret", hexCheck, "", "sha256=" + hexSig, "the signature secret has no value"},
		{"prefix in another case", hexCheck, "s3cret", "SHA256=" + strings.ToUpper(hexSig), ""},
		{"base64 unpadded", b64Check, "s3cret", strings.TrimRight(b64Sig, "="), ""},
		{"base64 URL-safe", b64Check, "s3cret", base64.URLEncoding.EncodeToString(mac1.Sum(nil)), ""},
		{"two values, the second good (a rotated secret)", hexCheck, "s3cret", "sha256=" + strings.Repeat("0", 64) + "\n" + "sha256=" + hexSig, ""},
		{"two values, neither good", hexCheck, "other", "sha256=" + strings.Repeat("0", 64) + "\n" + "sha256=" + hexSig, "does not match"},
		{"two values, one wrong and one unreadable", hexCheck, "s3cret", "sha256=" + strings.Repeat("0", 64) + "\n" + "sha256=zz", "does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range strings.Split(tc.header, "\n") {
				if v != "" {
					h.Add("X-Sig", v)
				}
			}
			err := engine.VerifySignature(tc.check, tc.secret, h, body)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("rejected a good signature: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), hexSig) {
				t.Error("the error shows the expected signature")
			}
		})
	}
}

// signedExample is the bundled example, whose New Order checks the
// sandbox's signature with the SigningSecret account value.
func signedExample(t *testing.T, base, secret string) *engine.Runner {
	return &engine.Runner{
		Connector: exampleConnector(t),
		Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey,
			"SigningSecret": secret},
		Inputs: map[string]string{"CustomerEmail": "ada@example.com", "Total": "3"},
	}
}

// Without the signing secret no delivery can pass the check: the first one
// is shown rejected, and the run does not wait for another.
func TestSignedDeliveryWithoutSecretEndsTheWait(t *testing.T) {
	sb, base := startSandbox(t)
	r := signedExample(t, base, "")
	res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Create Order", Wait: time.Minute})
	if res.OK || res.Delivery == nil || !strings.Contains(res.Delivery.Rejected, "the signature secret has no value: set SigningSecret") {
		t.Fatalf("ok=%t, delivery %+v: %s", res.OK, res.Delivery, res.Error)
	}
	for _, s := range res.Steps {
		if s.Name == "Receive delivery" && len(s.Console) != 0 {
			t.Errorf("the step waited for another delivery: %q", s.Console)
		}
	}
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook was left on the API")
	}
}

func TestSignedDeliveries(t *testing.T) {
	for _, tc := range []struct {
		name, secret string
		ok           bool
	}{
		{"right secret", sandbox.DefaultSigningSecret, true},
		{"wrong secret", "not-the-sandbox-secret", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, base := startSandbox(t)
			r := signedExample(t, base, tc.secret)
			wait := 5 * time.Second
			if !tc.ok {
				wait = time.Second // waited out: a rightly signed delivery may come
			}
			res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Create Order", Wait: wait})
			if res.OK != tc.ok {
				t.Fatalf("ok=%t, want %t: %s", res.OK, tc.ok, res.Error)
			}
			if res.Delivery == nil {
				t.Fatal("no delivery")
			}
			// A delivery that checks says so.
			if want := "the signature checks: the X-Webhook-Signature header holds the HMAC-SHA256 of the body under the secret"; tc.ok && res.Delivery.Verified != want {
				t.Errorf("verified %q, want %q", res.Delivery.Verified, want)
			} else if !tc.ok && res.Delivery.Verified != "" {
				t.Errorf("a rejected delivery says %q", res.Delivery.Verified)
			}
			if !tc.ok {
				if !strings.Contains(res.Delivery.Rejected, "signature check failed") || len(res.Delivery.Mapped) != 0 {
					t.Errorf("a wrongly signed delivery was not rejected: %+v", res.Delivery)
				}
				if !strings.Contains(res.Error, "signature check failed") {
					t.Errorf("error %q", res.Error)
				}
			}
			if len(sb.Webhooks()) != 0 {
				t.Error("the webhook was left on the API")
			}
			if strings.Contains(dump(res), tc.secret) {
				t.Error("the run log shows the signing secret")
			}
		})
	}
}

// A signing secret is a secret because a signature check uses it, Sensitive
// or not: a create request that sends it in a header shows it masked, and
// the delivery it signs still passes.
func TestSigningSecretMaskedWithoutSensitive(t *testing.T) {
	sb, base := startSandbox(t)
	r := signedExample(t, base, sandbox.DefaultSigningSecret)
	c := r.Connector
	for i := range c.Parameters {
		if c.Parameters[i].TargetName == "SigningSecret" {
			c.Parameters[i].IsSensitive = false
		}
	}
	create := c.Method("Create Webhook")
	create.Parameters = append(create.Parameters, model.Parameter{
		TargetType: model.TargetHttpHeader, TargetName: "X-Hook-Secret", Values: []string{"{{SigningSecret}}"}})
	if !c.IsSecretValue("SigningSecret") {
		t.Fatal("the connector does not count the signing secret as a secret")
	}
	res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Create Order", Wait: 5 * time.Second})
	if !res.OK {
		t.Fatalf("run failed: %s", res.Error)
	}
	if got := res.Steps[0].Request.Headers["X-Hook-Secret"]; got != engine.Mask {
		t.Errorf("the create request's X-Hook-Secret shows %q, want it masked", got)
	}
	if strings.Contains(dump(res), sandbox.DefaultSigningSecret) {
		t.Error("the run log shows the signing secret")
	}
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook was left on the API")
	}
}

// secretAPI hands out a signing secret per webhook in its create response
// and signs deliveries with it (base64 HMAC-SHA1, as some APIs do).
type secretAPI struct {
	mu     sync.Mutex
	target string
}

const perHookSecret = "whsec_4f9d1c0b7e"

func (a *secretAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch r.URL.Path {
	case "/hooks":
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		var in struct{ URL string }
		json.NewDecoder(r.Body).Decode(&in)
		a.target = in.URL
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"hook": map[string]any{"id": 99, "secret": perHookSecret}})
	case "/emit":
		body := []byte(`{"type":"ping","n":1}`)
		mac := hmac.New(sha1.New, []byte(perHookSecret))
		mac.Write(body)
		req, _ := http.NewRequest(http.MethodPost, a.target, strings.NewReader(string(body)))
		req.Header.Set("X-Hook-Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		w.Write([]byte(`{"emitted":true}`))
	default:
		http.NotFound(w, r)
	}
}

func TestSecretFromCreateResponse(t *testing.T) {
	srv := httptest.NewServer(&secretAPI{})
	defer srv.Close()
	c := &model.Connector{
		Name: "Secrets",
		Methods: []model.Method{
			{Name: "Create", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson, Endpoint: srv.URL + "/hooks",
				RequestFormat: model.Format{Fields: []model.Field{{ConnectorField: "url", DataType: model.FieldText, IsHidden: true, DefaultValue: "{{Cyclr_Webhook_Url}}"}}},
				ResponseFormat: model.Format{Fields: []model.Field{
					{ConnectorField: "hook.id", SystemField: model.SystemFieldWebhookID, DataType: model.FieldInteger},
					{ConnectorField: "hook.secret", SystemField: "HookSecret", DataType: model.FieldText},
				}}},
			{Name: "Delete", MethodType: model.MethodAction, HttpMethod: "DELETE", DataType: model.BodyJson, Endpoint: srv.URL + "/hooks?id={{Cyclr_Webhook_Id}}"},
			{Name: "Emit", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson, Endpoint: srv.URL + "/emit"},
			{Name: "Pings", MethodType: model.MethodWebhook, CreateWebhookMethod: "Create", DeleteWebhookMethod: "Delete",
				WebhookSignature: model.SignatureCheck{Header: "X-Hook-Signature", Algorithm: "sha1", Encoding: "base64", SecretResponseField: "HookSecret"},
				RequestFormat:    model.Format{Fields: []model.Field{{ConnectorField: "type", SystemField: "Type", DataType: model.FieldText}}}},
		},
	}
	var printed strings.Builder
	r := &engine.Runner{Connector: c, OnStep: func(s *engine.Step) { printed.WriteString(dump(s)) }}
	res := r.RunWebhook(context.Background(), "Pings", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Emit", Wait: 5 * time.Second})
	if !res.OK {
		t.Fatalf("run failed: %s\n%s", res.Error, dump(res))
	}
	if got := mappedValues(res.Delivery.Mapped)["Type"]; got != `"ping"` {
		t.Errorf("Type = %s", got)
	}
	if strings.Contains(dump(res), perHookSecret) || strings.Contains(printed.String(), perHookSecret) {
		t.Error("the per-webhook secret shows in the run log or the progress")
	}
}
