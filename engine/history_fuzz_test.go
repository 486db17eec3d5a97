package engine_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"

	"patchbay/engine"
	"patchbay/model"
)

// FuzzHistory reads arbitrary stored logs back with a secret planted as a
// Sensitive value: reading never panics, a log read back is JSON again, and
// the secret shows nowhere but in the names the log keeps as they are.
func FuzzHistory(f *testing.F) {
	seed := &engine.Result{OK: true, Connector: "C", Method: "M", Kind: "webhook", WebhookID: "7", StartedAt: time.Unix(0, 0).UTC(),
		Steps: []*engine.Step{{Name: "Create webhook", Method: "M", Status: engine.StepOK, OK: true,
			Request:  &engine.RequestLog{Method: "POST", URL: "http://api.test/x?k=Zq81", Headers: map[string]string{"X-K": "Zq81"}, Body: `{"k":"Zq81"}`},
			Response: &engine.ResponseLog{Status: 201, Body: `{"id":7,"Zq81":[1,"Zq81"]}`},
			Console:  []string{"key Zq81"}, Error: "cut Zq…",
			Mapped: []engine.MappedField{{ConnectorField: "id", DataType: model.FieldObject, Found: true, Value: map[string]any{"Zq81": []any{"Zq81", 1.5}}}}}}}
	rec, err := seed.HistoryRecord()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(rec.Log), "Zq81")
	f.Add(`{"steps":[null,{"response":{"headers":{"a":"ab1d"}}}]}`, "ab1d")
	f.Add(`null`, "tru3")
	f.Add(`{"delivery":{"mapped":[{"value":{"x":[{"secr3t":"secr3t"}]}}]},"error":"secr…"}`, "secr3t")
	f.Add(`{"error":"boom 1","ERROR":null,"webhook_id":"w1","webhook_id":null}`, "none1") // a repeated key null: the value stays
	f.Fuzz(func(t *testing.T, log, secret string) {
		c := &model.Connector{Name: "C", Parameters: []model.Parameter{{TargetType: model.TargetMergeField, TargetName: "S", IsSensitive: true, Values: []string{secret}}}}
		rec := model.RunRecord{ID: 1, Log: json.RawMessage(log)}
		res, err := engine.FromHistory(rec, c, nil)
		if err != nil {
			return
		}
		// What a list of runs shows of it agrees with the run read whole.
		if id, errText, err := engine.NewHistoryReader(c, nil).Summary(rec); err != nil || id != res.WebhookID || errText != res.Error {
			t.Fatalf("summary %q, %q, %v; the run read whole has %q, %q", id, errText, err, res.WebhookID, res.Error)
		}
		out, err := json.Marshal(res)
		if err != nil || !json.Valid(out) {
			t.Fatalf("read back as %s, %v", out, err)
		}
		// A secret with a digit in it cannot be one of the log's own keys,
		// which hold none: any key or text holding it is data, and masked.
		if len(secret) < 4 || strings.IndexFunc(secret, unicode.IsDigit) < 0 {
			return
		}
		var doc any
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		if where := unmasked(doc, "", secret); where != "" {
			t.Errorf("secret %q shows at %s in %s", secret, where, out)
		}
	})
}

// keptAsIs are the log's keys whose text FromHistory leaves as it is:
// names, statuses, types and times.
var keptAsIs = map[string]bool{"connector": true, "method": true, "kind": true, "name": true, "status": true,
	"connector_field": true, "system_field": true, "data_type": true, "started_at": true, "finished_at": true, "received_at": true}

// unmasked returns where in a decoded log secret shows in a key or in a
// text FromHistory masks, or "".
func unmasked(v any, key, secret string) string {
	switch v := v.(type) {
	case string:
		if !keptAsIs[key] && strings.Contains(v, secret) {
			return key
		}
	case []any:
		for _, x := range v {
			if w := unmasked(x, key, secret); w != "" {
				return w
			}
		}
	case map[string]any:
		for k, x := range v {
			if strings.Contains(k, secret) {
				return "key " + k
			}
			if w := unmasked(x, k, secret); w != "" {
				return w
			}
		}
	}
	return ""
}
