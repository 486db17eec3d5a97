package engine

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"patchbay/model"
	"patchbay/model/modeltest"
)

// TestSecretNamesAgreeWithConnector checks the run's one-pass list of
// secret names against the connector's own answers, key by key, on a
// connector of 500 generated methods and on a small one with every kind of
// secret: an auth value, Sensitive parameters of the connector and of a
// method, a signing secret that is not Sensitive, and a method without one.
func TestSecretNamesAgreeWithConnector(t *testing.T) {
	small := &model.Connector{
		Parameters: []model.Parameter{
			{TargetName: "BaseUrl", Values: []string{"https://api.example.com"}},
			{TargetName: "TenantKey", IsSensitive: true, Values: []string{"tenant-default"}},
		},
		Methods: []model.Method{
			{Name: "List", Parameters: []model.Parameter{{TargetName: "Page", Values: []string{"1"}}, {TargetName: "Token", IsSensitive: true}}},
			{Name: "Changed", MethodType: model.MethodWebhook, WebhookSignature: model.SignatureCheck{SecretParameter: "SigningSecret"}},
			{Name: "Other", MethodType: model.MethodWebhook},
			{Name: "Sign", Parameters: []model.Parameter{{TargetName: "SigningSecret", Values: []string{"sign-default"}}}},
		},
	}
	for name, c := range map[string]*model.Connector{"small": small, "generated": modeltest.Connector(500, 20)} {
		n := secretNamesOf(c)
		keys := []string{"", "signingsecret"}
		keys = append(keys, model.AuthValueKeys...)
		for _, ps := range append([][]model.Parameter{c.Parameters}, methodParameters(c)...) {
			for _, p := range ps {
				keys = append(keys, p.TargetName)
			}
		}
		for _, k := range keys {
			if n.has(k) != c.IsSecretValue(k) {
				t.Errorf("%s: secret name %q: the run says %v, the connector %v", name, k, n.has(k), c.IsSecretValue(k))
			}
		}
		if got, want := slices.Sorted(slices.Values(n.signing)), slices.Sorted(maps.Keys(c.SignatureSecrets())); !slices.Equal(got, want) {
			t.Errorf("%s: signing secrets %q, want %q", name, got, want)
		}
		if once := slices.Compact(slices.Sorted(slices.Values(n.order))); len(once) != len(n.order) {
			t.Errorf("%s: order %q lists a name twice", name, n.order)
		}
		if (len(n.order) > manySecretNames) != (n.index != nil) || (n.index != nil && len(n.index) != len(n.order)) {
			t.Errorf("%s: %d names, and an index of %d", name, len(n.order), len(n.index))
		}
	}
	// More names than are looked through one by one, some given twice.
	many := &model.Connector{}
	for i := range 25 {
		many.Parameters = append(many.Parameters, model.Parameter{TargetName: fmt.Sprintf("S%d", i), IsSensitive: true},
			model.Parameter{TargetName: fmt.Sprintf("S%d", i%3), IsSensitive: true})
	}
	n := secretNamesOf(many)
	if n.index == nil || len(n.index) != len(n.order) || len(n.order) != len(model.AuthValueKeys)+25 {
		t.Errorf("25 Sensitive names: %d listed, %d in the index", len(n.order), len(n.index))
	}
	for i := range 25 {
		if k := fmt.Sprintf("S%d", i); !n.has(k) || n.has(k+"x") {
			t.Errorf("25 Sensitive names: has(%q) = %v, has(%q) = %v", k, n.has(k), k+"x", n.has(k+"x"))
		}
	}
	got := secretNamesOf(small).secrets(map[string]string{model.AuthValueKeys[0]: "the-key", "SigningSecret": "sig", "BaseUrl": "https://x", "Page": "2"})
	want := []string{"the-key", "sig", "tenant-default", "sign-default"}
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Errorf("secrets = %q, want %q", got, want)
	}
}

func methodParameters(c *model.Connector) [][]model.Parameter {
	var out [][]model.Parameter
	for _, m := range c.Methods {
		out = append(out, m.Parameters)
	}
	return out
}
