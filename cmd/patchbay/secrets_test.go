package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"patchbay/model"
	"patchbay/model/store"
)

// echoAPI answers every request with what it received, headers and query
// included, and fails when asked: an API that hands secrets back.
func echoAPI(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		echo, _ := json.Marshal(map[string]any{"url": r.URL.String(), "headers": r.Header, "body": string(body), "id": 7})
		w.Header().Set("X-Echo-Key", r.Header.Get("X-Api-Key"))
		status := http.StatusCreated
		if strings.Contains(r.URL.Path, "fail") {
			status = http.StatusUnauthorized
		}
		w.WriteHeader(status)
		w.Write(echo)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSecretsNeverShow plants an API key and a Sensitive parameter value,
// runs every verb that prints, exports or records, and searches all of it.
func TestSecretsNeverShow(t *testing.T) {
	const apiKey = "planted-KEY-7c1e9a"
	const token = "planted-TOKEN-33d0f2"
	const methodSecret = "planted-METHOD-5e8a11"
	base := echoAPI(t)
	c := newCLI(t)
	doc := `{
  "Format": "patchbay.connector/1",
  "Name": "Leaky",
  "Authentication": [{"AuthName": "Key", "AuthType": "ApiKey", "ApiKeyHeader": "X-Api-Key", "IsDefault": true}],
  "Parameters": [
    {"TargetType": "MergeField", "TargetName": "BaseUrl", "IsAccountConnectorProperty": true},
    {"TargetType": "HttpHeader", "TargetName": "X-Token", "IsSensitive": true, "Values": ["` + token + `"]}
  ],
  "Script": "function before_action() { console.log('key is ' + method_auth_value + ' token ' + method_request_headers['X-Token']); }",
  "Methods": [
    {"Name": "Create Hook", "MethodType": "Action", "HttpMethod": "POST", "DataType": "Json",
     "Endpoint": "{{BaseUrl}}/hooks?key={{Cyclr_Auth_ApiKey}}",
     "Parameters": [{"TargetType": "HttpHeader", "TargetName": "X-Method-Secret", "IsSensitive": true, "Values": ["{{MethodSecret}}"]},
                    {"TargetType": "MergeField", "TargetName": "MethodSecret", "IsSensitive": true, "IsOptional": true}],
     "RequestFormat": {"Fields": [
       {"ConnectorField": "url", "DataType": "Text", "IsHidden": true, "DefaultValue": "{{Cyclr_Webhook_Url}}"},
       {"ConnectorField": "auth", "DataType": "Text", "IsHidden": true, "DefaultValue": "{{Cyclr_Auth_ApiKey}}"}
     ]},
     "ResponseFormat": {"Fields": [
       {"ConnectorField": "id", "SystemField": "Cyclr_Webhook_Id", "DataType": "Integer"},
       {"ConnectorField": "headers.X-Api-Key", "SystemField": "EchoedKey", "DataType": "List"}
     ]}},
    {"Name": "Delete Hook", "MethodType": "Action", "HttpMethod": "DELETE", "DataType": "Json",
     "Endpoint": "{{BaseUrl}}/fail/{{Cyclr_Webhook_Id}}"},
    {"Name": "Hook", "MethodType": "Webhook", "CreateWebhookMethod": "Create Hook", "DeleteWebhookMethod": "Delete Hook"}
  ]
}
`
	c.must("import", writeFile(t, "leaky.json", doc))
	c.must("set", "Leaky", "Cyclr_Auth_ApiKey="+apiKey, "BaseUrl="+base)

	var seen strings.Builder
	record := func(args ...string) int {
		code, out, errOut := c.run(args...)
		seen.WriteString(out + errOut)
		return code
	}
	record("list")
	record("set", "Leaky")
	record("lint", "Leaky")
	record("export", "Leaky")
	record("run", "Leaky", "Create Hook")
	record("run", "Leaky", "Create Hook", "--json")
	if code := record("webhook", "test", "Leaky", "Hook"); code != exitFailed {
		t.Errorf("webhook test with a failing delete: exit %d, want 1", code)
	}
	record("webhook", "test", "Leaky", "Hook", "--json")
	// A method-level Sensitive value given for one run only.
	record("webhook", "test", "Leaky", "Hook", "--set", "MethodSecret="+methodSecret)
	record("set", "Leaky", "MethodSecret="+methodSecret)
	record("set", "Leaky")
	record("run", "Leaky", "Create Hook", "--json")
	record("webhook", "list")
	record("webhook", "cleanup")
	record("run", "Leaky", "Delete Hook", "--set", "Cyclr_Webhook_Id=1")

	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.ListRuns(context.Background(), "Leaky", 0)
	if err != nil || len(runs) < 5 {
		t.Fatalf("run history: %d runs, %v", len(runs), err)
	}
	for _, r := range runs {
		seen.Write(r.Log)
		id := strconv.FormatInt(r.ID, 10)
		record("history", "Leaky", "--run", id)
		record("history", "Leaky", "--run", id, "--json")
	}
	record("history", "Leaky")
	record("history", "Leaky", "--json")
	hooks, _ := db.ListWebhooks(context.Background(), false)
	for _, h := range hooks {
		seen.WriteString(h.LastError + h.URL)
		for k, v := range h.RunValues {
			seen.WriteString(k + v)
		}
	}
	all := seen.String()
	if !strings.Contains(all, model.SecretPlaceholder) {
		t.Error("nothing was masked: the test did not exercise the secrets")
	}
	if !strings.Contains(all, "console: connector script: key is "+model.SecretPlaceholder) {
		t.Error("the script's console line is missing: the test did not exercise scripts")
	}
	for _, secret := range []string{apiKey, token, methodSecret} {
		if i := strings.Index(all, secret); i >= 0 {
			t.Errorf("%q shows:\n…%s…", secret, all[max(0, i-300):min(len(all), i+100)])
		}
	}

	// --include-secrets is the user asking: the Sensitive value is exported
	// then, the account's API key still never.
	out := c.must("export", "Leaky", "--include-secrets")
	if !strings.Contains(out, token) || strings.Contains(out, apiKey) {
		t.Errorf("--include-secrets export: token shown %t, API key shown %t", strings.Contains(out, token), strings.Contains(out, apiKey))
	}
}
