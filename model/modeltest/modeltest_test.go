package modeltest

import (
	"reflect"
	"testing"
	"time"

	"patchbay/model"
)

// TestConnector checks the generated connector is the size asked for, uses
// both grids on every method, and passes Export and Import unchanged.
func TestConnector(t *testing.T) {
	c := Connector(BenchMethods, BenchFields)
	if got := len(c.Methods); got != BenchMethods {
		t.Fatalf("methods: got %d, want %d", got, BenchMethods)
	}
	names := map[string]bool{}
	for _, m := range c.Methods {
		if names[m.Name] {
			t.Errorf("method name %q twice", m.Name)
		}
		names[m.Name] = true
		req, resp := len(m.RequestFormat.Fields), len(m.ResponseFormat.Fields)
		if req+resp != BenchFields || req == 0 || resp == 0 {
			t.Errorf("method %q: %d request + %d response fields, want %d in both grids", m.Name, req, resp, BenchFields)
		}
	}
	if !reflect.DeepEqual(Connector(BenchMethods, BenchFields), c) {
		t.Error("two calls give different connectors")
	}
	data, err := model.Export(c, model.ExportOptions{IncludeSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := model.Import(data)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Error("the connector changes on Export and Import")
	}
}

func TestCPUTime(t *testing.T) {
	before := CPUTime()
	deadline := time.Now().Add(20 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	if after := CPUTime(); after != 0 && after <= before {
		t.Errorf("CPUTime did not move over 20 ms of work: %v then %v", before, after)
	}
}
