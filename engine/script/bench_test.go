package script

import (
	"context"
	"testing"
)

// BenchmarkFireBeforeAction measures what a run pays for scripts: compiling
// both sources, two fresh runtimes, and one before_action with the Bearer
// idiom and a small JSON body crossing into JavaScript and back; in this
// process, and in a worker process as Patchbay runs them (WorkerMain):
// one kept from the runner before ("worker"), as for every step with
// scripts after a run's first, and one started for the runner
// ("new-worker"), whose start is then most of the cost.
func BenchmarkFireBeforeAction(b *testing.B) {
	b.Run("in-process", func(b *testing.B) { benchFire(b, false, false) })
	b.Run("worker", func(b *testing.B) {
		if !isolated.Load() {
			b.Skip("no workers in this test binary")
		}
		benchFire(b, true, false)
	})
	b.Run("new-worker", func(b *testing.B) {
		if !isolated.Load() {
			b.Skip("no workers in this test binary")
		}
		benchFire(b, true, true)
	})
}

func benchFire(b *testing.B, worker, fresh bool) {
	connector := Source{Name: connectorName, Code: `function before_action() {
	method_request_headers.Authorization = 'Bearer ' + method_auth_value;
}`}
	method := Source{Name: methodName, Code: `function before_action() {
	method_request.url = method_request_mergefields.Cyclr_Webhook_Url;
	return true;
}`}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if fresh {
			emptyPool(b)
		}
		newRunner := newInProcess
		if worker {
			newRunner = New
		}
		r, err := newRunner(ctx, Options{}, connector, method)
		if err != nil {
			b.Fatal(err)
		}
		g := &Globals{
			MethodEndpoint:           "https://webhookexample.com/webhooks",
			MethodRequest:            map[string]any{"url": "", "events": []any{"order.created"}},
			MethodRequestHeaders:     map[string]string{"Content-Type": "application/json"},
			MethodRequestMergefields: map[string]string{"Cyclr_Webhook_Url": "http://127.0.0.1:1234/hook/abc"},
			MethodAuthValue:          "tok",
		}
		if proceed, err := r.Fire(ctx, EventBeforeAction, g); err != nil || !proceed {
			b.Fatal(proceed, err)
		}
		if g.MethodRequestHeaders["Authorization"] != "Bearer tok" {
			b.Fatal("header not set")
		}
		r.Close()
	}
}
