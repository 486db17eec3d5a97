package engine_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"patchbay/engine"
	"patchbay/model"
)

// A value that was no secret when the run was kept, and is one now (its
// parameter made Sensitive since), is masked when the run is read back
// from the history: in the request's headers, the response body, a mapped
// value, a console line and an error. The rest comes back as it was kept,
// numbers exactly.
func TestFromHistoryMasksValuesMadeSecretSince(t *testing.T) {
	const tenant = "tenant-7Hq2xK9p"
	api := &hooksAPI{create: func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"data": {"webhook": {"id": "wh_1", "tenant": %q, "n": 9007199254740993, "labels": {%q: [%q]}}}}`,
			r.Header.Get("X-Tenant"), r.Header.Get("X-Tenant"), "for "+r.Header.Get("X-Tenant"))
	}, del: func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"error": "not yours: `+tenant+`"}`)
	}}
	var c *model.Connector
	res, _ := hooksRun(t, api, func(hc *model.Connector) {
		c = hc
		sub := &hc.Methods[0]
		sub.Parameters = append(sub.Parameters, model.Parameter{TargetType: model.TargetHttpHeader, TargetName: "X-Tenant", Values: []string{tenant}})
		sub.Script = "function before_action() { console.log('as ' + method_request_headers['X-Tenant']); }"
		sub.ResponseFormat.Fields = append(sub.ResponseFormat.Fields,
			model.Field{ConnectorField: "data.webhook.tenant", SystemField: "Tenant", DataType: model.FieldText},
			model.Field{ConnectorField: "data.webhook.n", SystemField: "N", DataType: model.FieldInteger},
			model.Field{ConnectorField: "data.webhook.labels", SystemField: "Labels", DataType: model.FieldObject})
	}, &memLedger{})
	if res.WebhookID != "wh_1" || !strings.Contains(res.Error, "403") {
		t.Fatalf("id %q, error %q", res.WebhookID, res.Error)
	}
	rec, err := res.HistoryRecord()
	if err != nil {
		t.Fatal(err)
	}
	rec.ID = 7
	if n := strings.Count(string(rec.Log), tenant); n < 6 {
		t.Fatalf("the kept run shows the value %d times, want it in the header, console, body, mapped values and error:\n%s", n, rec.Log)
	}
	account := map[string]string{model.SystemFieldAuthAPIKey: "test-api-key-0001"}

	// Not a secret yet: the run reads back as it was kept.
	same, err := engine.FromHistory(*rec, c, account)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(same); string(got) != string(rec.Log) {
		t.Errorf("read back unchanged:\n%s\nwant\n%s", got, rec.Log)
	}

	c.Methods[0].Parameters[0].IsSensitive = true
	got, err := engine.FromHistory(*rec, c, account)
	if err != nil {
		t.Fatal(err)
	}
	out := dump(got)
	if strings.Contains(out, tenant) || strings.Count(out, engine.Mask) < 6 {
		t.Errorf("the value made Sensitive is not masked everywhere:\n%s", out)
	}
	if got.OK || got.WebhookID != "wh_1" || len(got.Steps) != 2 || got.Steps[0].Status != engine.StepOK || got.Steps[1].Status != engine.StepFailed ||
		got.Steps[0].Response.Status != http.StatusCreated || !got.StartedAt.Equal(res.StartedAt) {
		t.Errorf("the run did not read back as it was kept:\n%s", out)
	}
	for _, f := range got.Steps[0].Mapped {
		if f.SystemField == "N" && f.Value != json.Number("9007199254740993") {
			t.Errorf("N read back as %#v, want the number exactly", f.Value)
		}
	}
}

// Secrets that spell parts of the log's structure ("ok", "true", "201",
// "webhook") mask text only: statuses, flags, durations and the structure
// read back as they were kept. A mapped number is data: one that spells a
// secret is masked, as the body it came from is.
func TestFromHistoryKeepsStructure(t *testing.T) {
	res := &engine.Result{OK: true, Connector: "C", Method: "M", Kind: "webhook", WebhookID: "201",
		StartedAt: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 11, 27, 8, 0, 1, 0, time.UTC),
		Steps: []*engine.Step{{Name: "Create webhook", Method: "M", Status: engine.StepOK, OK: true, DurationMS: 201,
			Response: &engine.ResponseLog{Status: 201, Headers: map[string]string{"ok": "true"}, Body: `{"ok":true,"id":201}`},
			Mapped:   []engine.MappedField{{ConnectorField: "ok", DataType: model.FieldBoolean, Found: true, Value: true}, {ConnectorField: "id", DataType: model.FieldInteger, Found: true, Value: int64(201)}}}}}
	rec, err := res.HistoryRecord()
	if err != nil {
		t.Fatal(err)
	}
	c := &model.Connector{Name: "C", Parameters: []model.Parameter{{TargetName: "S", TargetType: model.TargetMergeField, IsSensitive: true, Values: []string{"ok", "true", "201", "webhook"}}}}
	got, err := engine.FromHistory(*rec, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := got.Steps[0]
	if !got.OK || got.Kind != "webhook" || s.Status != engine.StepOK || !s.OK || s.DurationMS != 201 || s.Response.Status != 201 ||
		s.Mapped[0].Value != true || s.Mapped[1].Value != engine.Mask || s.Mapped[1].DataType != model.FieldInteger {
		t.Errorf("structure changed:\n%s", dump(got))
	}
	if got.WebhookID != engine.Mask || s.Response.Headers[engine.Mask] != engine.Mask || s.Response.Body != `{"`+engine.Mask+`":`+engine.Mask+`,"id":`+engine.Mask+`}` {
		t.Errorf("text not masked:\n%s", dump(got))
	}
}

// A run of a method renamed or deleted since is masked as strictly as any
// other: a connector parameter made Sensitive since, and the account value
// it is made of, as in Bearer {{ApiToken}}.
func TestFromHistoryMasksRunsOfMethodsGone(t *testing.T) {
	const token = "tok-Zq81mWx3"
	res := &engine.Result{Connector: "Tok", Method: "Fail", Kind: "method", StartedAt: time.Now(),
		Steps: []*engine.Step{{Name: "Fail", Method: "Fail", Status: engine.StepFailed,
			Request: &engine.RequestLog{Method: "GET", URL: "http://api.test/x", Headers: map[string]string{"Authorization": "Bearer " + token}},
			Error:   "GET Fail answered 401 Unauthorized: {\"token\":\"" + token + "\"}"}}}
	rec, err := res.HistoryRecord()
	if err != nil {
		t.Fatal(err)
	}
	c := &model.Connector{Name: "Tok",
		Parameters: []model.Parameter{{TargetType: model.TargetHttpHeader, TargetName: "Authorization", IsSensitive: true, Values: []string{"Bearer {{ApiToken}}"}}},
		Methods:    []model.Method{{Name: "Fail v2", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: "http://api.test/x"}}}
	got, err := engine.FromHistory(*rec, c, map[string]string{"ApiToken": token})
	if err != nil {
		t.Fatal(err)
	}
	if out := dump(got); strings.Contains(out, token) {
		t.Errorf("the run of a method renamed since shows the token:\n%s", out)
	}
}

// Only error messages were cut short with a clip mark: a body that holds
// "…" after the start of a secret is left as it was, and an error's cut
// secret is masked. A console line may quote an error (method_error), so
// it is masked as an error is: "welco…" there may be a cut password, and
// a word that happens to begin one goes with it.
func TestFromHistoryClipMarks(t *testing.T) {
	const password = "welcome-2026"
	res := &engine.Result{Connector: "C", Method: "M", Kind: "method", StartedAt: time.Now(), Error: "M answered 500: {\"pw\":\"welco…",
		Steps: []*engine.Step{{Name: "M", Method: "M", Status: engine.StepFailed, Error: "M answered 500: {\"pw\":\"welco…",
			Console:  []string{"A warm welcome…"},
			Response: &engine.ResponseLog{Status: 500, Body: "A warm welcome… and so on"}}}}
	rec, err := res.HistoryRecord()
	if err != nil {
		t.Fatal(err)
	}
	c := &model.Connector{Name: "C", Authentication: []model.Authentication{{AuthName: "B", AuthType: model.AuthBasic, IsDefault: true}}}
	got, err := engine.FromHistory(*rec, c, map[string]string{model.SystemFieldAuthUsername: "ada", model.SystemFieldAuthPassword: password})
	if err != nil {
		t.Fatal(err)
	}
	s := got.Steps[0]
	if s.Response.Body != "A warm welcome… and so on" {
		t.Errorf("a body that was never cut changed: %q", s.Response.Body)
	}
	if s.Console[0] != "A warm "+engine.Mask+"…" {
		t.Errorf("console %q, want the start of the password before the mark masked", s.Console)
	}
	if want := "M answered 500: {\"pw\":\"" + engine.Mask + "…"; s.Error != want || got.Error != want {
		t.Errorf("cut errors read back as %q and %q, want %q", s.Error, got.Error, want)
	}
}

// A history row that is not a run log says which run it is; a step that
// is null is left out.
func TestFromHistoryUnreadable(t *testing.T) {
	got, err := engine.FromHistory(model.RunRecord{ID: 3, Log: json.RawMessage(`{"method": "M", "steps": [null, {"name": "Create Order"}, null]}`)}, &model.Connector{}, nil)
	if err != nil || len(got.Steps) != 1 || got.Steps[0].Name != "Create Order" {
		t.Errorf("a log with null steps: %+v, %v", got, err)
	}
	for _, log := range []string{"", `{"steps": 3}`, `[1`, "null", " [] ", `"x"`} {
		_, err := engine.FromHistory(model.RunRecord{ID: 12, Method: "Create Order", Log: json.RawMessage(log)}, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "run 12 of Create Order") {
			t.Errorf("log %q: error %v", log, err)
		}
	}
}

// BenchmarkHistorySummary: what a list of runs reads of each (Summary)
// beside reading the run whole (Read), for a run whose two bodies are cut
// at HistoryBodyLimit, as a long history's are.
func BenchmarkHistorySummary(b *testing.B) {
	body := `{"items":[` + strings.Repeat(`{"id":1,"name":"Ada Lovelace","secretish":"tenant-Q8w3zLr5"},`, engine.HistoryBodyLimit/60) + `{}]}`
	res := &engine.Result{Connector: "C", Method: "M", Kind: "webhook", WebhookID: "wh_1", Error: "DELETE M answered 500: tenant-Q8w3zLr5",
		Steps: []*engine.Step{{Name: "Create webhook", Request: &engine.RequestLog{Method: "POST", URL: "http://x/hooks", Body: body}, Response: &engine.ResponseLog{Status: 201, Body: body}}}}
	rec, err := res.HistoryRecord()
	if err != nil {
		b.Fatal(err)
	}
	c := &model.Connector{Name: "C", Parameters: []model.Parameter{{TargetName: "T", TargetType: model.TargetHttpHeader, IsSensitive: true, Values: []string{"tenant-Q8w3zLr5"}}}}
	reader := engine.NewHistoryReader(c, nil)
	var read, summary time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		id, errText, err := reader.Summary(*rec)
		t1 := time.Now()
		whole, err2 := reader.Read(*rec)
		t2 := time.Now()
		if err != nil || err2 != nil || id != whole.WebhookID || errText != whole.Error || strings.Contains(errText, "tenant") {
			b.Fatalf("summary %q %q %v; read %v", id, errText, err, err2)
		}
		summary += t1.Sub(t0)
		read += t2.Sub(t1)
	}
	b.ReportMetric(float64(summary.Nanoseconds())/float64(b.N), "summary-ns/op")
	b.ReportMetric(float64(read.Nanoseconds())/float64(b.N), "read-ns/op")
	b.ReportMetric(float64(summary)/float64(read), "summary/read")
}
