package engine_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/model"
	"patchbay/model/modeltest"
)

// bareLifecycle is the same work done by hand with net/http: create a
// webhook on the sandbox and delete it again. work, if not zero, is spent
// computing before each request.
func bareLifecycle(client *http.Client, base string, work time.Duration) error {
	compute(work)
	req, _ := http.NewRequest(http.MethodPost, base+"/webhooks", strings.NewReader(`{"url":"http://127.0.0.1:1/hooks/x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Api-Key", sandbox.DefaultAPIKey)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	var created struct{ ID int }
	err = json.NewDecoder(resp.Body).Decode(&created)
	io.Copy(io.Discard, resp.Body) // read to the end, so the connection is reused
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("create: %d %v", resp.StatusCode, err)
	}
	compute(work)
	req, _ = http.NewRequest(http.MethodDelete, fmt.Sprintf("%s/webhooks/%d", base, created.ID), nil)
	req.Header.Set("X-Api-Key", sandbox.DefaultAPIKey)
	resp, err = client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("delete: %d", resp.StatusCode)
	}
	return nil
}

// benchSandbox serves the example API on loopback for a benchmark.
func benchSandbox(b *testing.B) string {
	b.Helper()
	url, stop, err := sandbox.New(sandbox.Options{}).Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	return url
}

// sideBySide runs base and then ours in each iteration of b and reports
// the time of each, as name-ns/op, and ours over base as ratio.
func sideBySide(b *testing.B, baseName, oursName, ratio string, base, ours func() error) {
	var tb, to time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if err := base(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := ours(); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		tb += t1.Sub(t0)
		to += t2.Sub(t1)
	}
	b.ReportMetric(float64(tb.Nanoseconds())/float64(b.N), baseName+"-ns/op")
	b.ReportMetric(float64(to.Nanoseconds())/float64(b.N), oursName+"-ns/op")
	b.ReportMetric(float64(to)/float64(tb), ratio)
}

// BenchmarkLifecycleVsBareHTTP runs, in each iteration, the two bare net/http
// requests and then Patchbay's whole lifecycle (receiver, create, id capture,
// ledger, delete, run log) against the same sandbox, and reports both times
// and their ratio.
func BenchmarkLifecycleVsBareHTTP(b *testing.B) {
	url := benchSandbox(b)
	c := mustExample(b)
	account := map[string]string{"BaseUrl": url, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}
	ledger := &benchLedger{}
	client := &http.Client{}
	sideBySide(b, "bare", "lifecycle", "lifecycle/bare",
		func() error { return bareLifecycle(client, url, 0) },
		func() error { return runLifecycle(&engine.Runner{Connector: c, Account: account}, ledger) })
}

// runLifecycle runs the example's New Order lifecycle with r, which is new
// for each lifecycle, as the window and the command line make a Runner
// for each run.
func runLifecycle(r *engine.Runner, ledger model.WebhookLedger) error {
	if res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: ledger}); !res.OK {
		return errors.New(res.Error)
	}
	return nil
}

// cannedAPI answers the two requests of a webhook lifecycle without a
// network: a create with webhook 7, a delete with 204.
type cannedAPI struct{}

func (cannedAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	if r.Method != http.MethodPost {
		return &http.Response{StatusCode: http.StatusNoContent, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	}
	const body = `{"id":7,"url":"http://127.0.0.1:1/hooks/x","events":["order.created"]}`
	return &http.Response{StatusCode: http.StatusCreated, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

// BenchmarkLifecycleOwnWork is BenchmarkLifecycleVsBareHTTP without the
// network: both sides send through an http.RoundTripper that answers at
// once (cannedAPI), so what is left is each side's own work, measured with
// little noise. lifecycle-ns/op minus bare-ns/op is what Patchbay adds to
// a webhook lifecycle on the processor.
func BenchmarkLifecycleOwnWork(b *testing.B) {
	c := mustExample(b)
	account := map[string]string{"BaseUrl": "http://127.0.0.1:9", model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}
	canned := &engine.Client{Transport: cannedAPI{}}
	ledger := &benchLedger{}
	client := &http.Client{Transport: cannedAPI{}}
	sideBySide(b, "bare", "lifecycle", "lifecycle/bare",
		func() error { return bareLifecycle(client, "http://127.0.0.1:9", 0) },
		func() error {
			return runLifecycle(&engine.Runner{Connector: c, Account: account, Client: canned}, ledger)
		})
}

// handWrittenLifecycle is the example's lifecycle written by hand for it
// alone, with the kinds of work Patchbay's does, each the simplest way: a
// receiver path from random bytes in a map, a ledger row before the create
// and after the delete, the body built with sjson, a time limit per
// request, the response checked as JSON, its id read and its top-level
// keys mapped with gjson, and a run log of both exchanges with the one
// secret masked by a strings.Replacer. It is the yardstick of what lean
// code reaches, not a way Patchbay could work: it knows one connector.
func handWrittenLifecycle(client *http.Client, base string, ledger *[]string, logs *[]handLog) error {
	var b [16]byte
	rand.Read(b[:])
	path := "/hooks/" + hex.EncodeToString(b[:])
	handPaths.Store(path, true)
	defer handPaths.Delete(path)
	*ledger = append((*ledger)[:0], path)
	mask := strings.NewReplacer(sandbox.DefaultAPIKey, engine.Mask)
	exchange := func(method, url string, body []byte, want int) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, _ := http.NewRequestWithContext(ctx, method, url, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("X-Api-Key", sandbox.DefaultAPIKey)
		req.Header.Set("User-Agent", "Patchbay")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		got, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
		resp.Body.Close()
		if err != nil || resp.StatusCode != want {
			return nil, fmt.Errorf("%s: %d %v", method, resp.StatusCode, err)
		}
		headers := map[string]string{}
		for k, v := range req.Header {
			headers[k] = mask.Replace(v[0])
		}
		*logs = append(*logs, handLog{method, mask.Replace(url), headers, mask.Replace(string(body)), resp.StatusCode, mask.Replace(string(got))})
		return got, nil
	}
	*logs = (*logs)[:0]
	body, _ := sjson.SetBytes([]byte("{}"), "url", "http://127.0.0.1:1"+path)
	created, err := exchange(http.MethodPost, base+"/webhooks", body, http.StatusCreated)
	if err != nil {
		return err
	}
	if !gjson.ValidBytes(created) {
		return errors.New("create: not JSON")
	}
	mapped := map[string]any{}
	gjson.ParseBytes(created).ForEach(func(k, v gjson.Result) bool { mapped[k.Str] = v.Value(); return true })
	if _, err := exchange(http.MethodDelete, base+"/webhooks/"+gjson.GetBytes(created, "id").Raw, nil, http.StatusNoContent); err != nil {
		return err
	}
	*ledger = (*ledger)[:0]
	return nil
}

var handPaths sync.Map

type handLog struct {
	method, url string
	headers     map[string]string
	body        string
	status      int
	response    string
}

// BenchmarkHandWrittenLifecycle puts handWrittenLifecycle beside the two
// bare requests, as BenchmarkLifecycleVsBareHTTP puts Patchbay's: what
// code written for one connector reaches against the aim of 1.10.
func BenchmarkHandWrittenLifecycle(b *testing.B) {
	url := benchSandbox(b)
	client := &http.Client{}
	var ledger []string
	var logs []handLog
	sideBySide(b, "bare", "hand", "hand/bare",
		func() error { return bareLifecycle(client, url, 0) },
		func() error { return handWrittenLifecycle(client, url, &ledger, &logs) })
}

// BenchmarkLifecycleFloor puts beside the two bare requests the least a
// lifecycle built on Patchbay's engine does: the create, prepared once
// before the benchmark, sent through engine.Client; the id read from its
// answer with gjson; the delete prepared with that id and sent. Nothing
// else: no receiver, ledger, delete check, run log, masking, mapping or
// step. floor/bare is the part of the lifecycle aim's 10 % that sending two
// requests through Patchbay's Client and preparing one takes before any of
// the work a webhook test must do.
func BenchmarkLifecycleFloor(b *testing.B) {
	url := benchSandbox(b)
	c := mustExample(b)
	account := map[string]string{"BaseUrl": url, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}
	wm := c.Method("New Order")
	create, del := c.Method(wm.CreateWebhookMethod), c.Method(wm.DeleteWebhookMethod)
	creq, err := engine.Prepare(c, create, engine.Values{Account: account, System: map[string]string{model.SystemFieldWebhookURL: "http://127.0.0.1:1/hooks/x"}})
	if err != nil {
		b.Fatal(err)
	}
	client, ours := &http.Client{}, &engine.Client{}
	sideBySide(b, "bare", "floor", "floor/bare",
		func() error { return bareLifecycle(client, url, 0) },
		func() error {
			resp, _, err := ours.Send(context.Background(), creq)
			if err != nil {
				return err
			}
			id := gjson.GetBytes(resp.Body, "id").String()
			dreq, err := engine.Prepare(c, del, engine.Values{Account: account, System: map[string]string{model.SystemFieldWebhookID: id}})
			if err != nil {
				return err
			}
			if resp, _, err = ours.Send(context.Background(), dreq); err != nil || resp.Status != http.StatusNoContent {
				return fmt.Errorf("delete: %v %v", resp, err)
			}
			return nil
		})
}

// compute keeps the processor busy for d.
func compute(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

// BenchmarkBareHTTPWithWork is the yardstick for the lifecycle's aim: the
// two bare requests, and the same two with 5 µs of computation before each,
// in every iteration. Their ratio shows how much of a 10 % budget that much
// work uses up, whatever the work is.
func BenchmarkBareHTTPWithWork(b *testing.B) {
	url := benchSandbox(b)
	client := &http.Client{}
	sideBySide(b, "bare", "bare+2x5µs", "with/bare",
		func() error { return bareLifecycle(client, url, 0) },
		func() error { return bareLifecycle(client, url, 5*time.Microsecond) })
}

func mustExample(tb testing.TB) *model.Connector {
	tb.Helper()
	c, err := model.Import(exampleDocument())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// BenchmarkLifecycleLargeConnector runs, in each iteration, the example's
// lifecycle and then the same lifecycle with the 500 methods of the
// benchmark connector (modeltest.Connector) added to the connector: a
// webhook test must not slow down with the size of the connector it is
// part of. big/example near 1 says it does not.
func BenchmarkLifecycleLargeConnector(b *testing.B) {
	url := benchSandbox(b)
	account := map[string]string{"BaseUrl": url, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey}
	small := mustExample(b)
	big := mustExample(b)
	big.Methods = append(big.Methods, renamed(modeltest.Connector(500, 20).Methods, "Generated ")...)
	ledger := &benchLedger{}
	run := func(c *model.Connector) func() error {
		return func() error { return runLifecycle(&engine.Runner{Connector: c, Account: account}, ledger) }
	}
	sideBySide(b, "example", "big", "big/example", run(small), run(big))
}

// renamed returns copies of methods whose names, and the names they refer
// to, start with prefix.
func renamed(methods []model.Method, prefix string) []model.Method {
	out := slices.Clone(methods)
	for i := range out {
		m := &out[i]
		m.Name = prefix + m.Name
		if m.CreateWebhookMethod != "" {
			m.CreateWebhookMethod, m.DeleteWebhookMethod = prefix+m.CreateWebhookMethod, prefix+m.DeleteWebhookMethod
		}
	}
	return out
}

// benchLedger is the ledger of the lifecycle benchmarks: it keeps the
// pending rows in memory and lets a deleted row go, as the SQLite ledger
// keeps its rows on disk. memLedger, which the tests read back, keeps every
// row, and over a benchmark's tens of thousands of lifecycles its growing
// slice would be copied and scanned by the collector, a cost of the
// benchmark and not of the lifecycle.
type benchLedger struct {
	mu      sync.Mutex
	next    int64
	pending map[int64]model.WebhookRecord
}

func (l *benchLedger) RecordWebhook(_ context.Context, rec *model.WebhookRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == nil {
		l.pending = map[int64]model.WebhookRecord{}
	}
	l.next++
	rec.ID, rec.CreatedAt = l.next, time.Now()
	l.pending[rec.ID] = *rec
	return nil
}

// edit changes pending row id as change says; what names the change in
// the error for a row that is not pending.
func (l *benchLedger) edit(id int64, what string, change func(*model.WebhookRecord)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	row, ok := l.pending[id]
	if !ok {
		return fmt.Errorf("%s: no pending row %d", what, id)
	}
	change(&row)
	l.pending[id] = row
	return nil
}

func (l *benchLedger) SetWebhookID(_ context.Context, id int64, webhookID string) error {
	return l.edit(id, "set webhook id", func(r *model.WebhookRecord) { r.WebhookID, r.LastError = webhookID, "" })
}

func (l *benchLedger) ForgetWebhook(_ context.Context, id int64) error {
	return l.MarkWebhookDeleted(context.Background(), id)
}

func (l *benchLedger) MarkWebhookDeleted(_ context.Context, id int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pending, id)
	return nil
}

func (l *benchLedger) MarkWebhookRemoved(ctx context.Context, id int64) error {
	return l.MarkWebhookDeleted(ctx, id)
}

func (l *benchLedger) MarkWebhookFailed(_ context.Context, id int64, reason string) error {
	return l.edit(id, "mark webhook failed", func(r *model.WebhookRecord) { r.LastError, r.Owner = reason, "" })
}

func (l *benchLedger) ListWebhooks(_ context.Context, _ bool) ([]model.WebhookRecord, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []model.WebhookRecord
	for _, r := range l.pending {
		out = append(out, r)
	}
	return out, nil
}
