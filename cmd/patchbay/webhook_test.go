package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/engine/script"
	"patchbay/model"
	"patchbay/model/store"
)

// TestMain lets the test binary stand in for the patchbay command, so that
// tests can run it as a separate process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("PATCHBAY_TEST_AS_MAIN") == "1" {
		main()
		return
	}
	script.WorkerMain() // scripts run in workers of this binary, as in patchbay
	os.Exit(m.Run())
}

func startSandbox(t *testing.T) *sandbox.Server {
	t.Helper()
	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	t.Setenv("SANDBOX_URL_FOR_TEST", srv.URL)
	return sb
}

func sandboxURL() string { return os.Getenv("SANDBOX_URL_FOR_TEST") }

func TestWebhookTestCommand(t *testing.T) {
	sb := startSandbox(t)
	c := newCLI(t)
	c.must("set", "Webhook Example", "BaseUrl="+sandboxURL())
	out := c.must("webhook", "test", "Webhook Example", "New Order", "--trigger", "Create Order",
		"--set", "CustomerEmail=ada@example.com", "--set", "Total=12.50", "--json")
	var res struct {
		OK        bool   `json:"ok"`
		WebhookID string `json:"webhook_id"`
		Steps     []struct {
			Name       string         `json:"name"`
			OK         bool           `json:"ok"`
			Request    map[string]any `json:"request"`
			Response   map[string]any `json:"response"`
			DurationMS *int64         `json:"duration_ms"`
		} `json:"steps"`
		Delivery struct {
			Body   string `json:"body"`
			Mapped []struct {
				SystemField string `json:"system_field"`
				Value       any    `json:"value"`
			} `json:"mapped"`
		} `json:"delivery"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json printed no JSON object: %v\n%s", err, out)
	}
	if !res.OK || res.WebhookID != "1" {
		t.Errorf("ok=%t webhook_id=%q", res.OK, res.WebhookID)
	}
	var names []string
	for _, s := range res.Steps {
		names = append(names, s.Name)
		if s.DurationMS == nil {
			t.Errorf("step %s has no duration_ms", s.Name)
		}
	}
	if strings.Join(names, ",") != "Create webhook,Trigger,Receive delivery,Delete webhook" {
		t.Errorf("steps %v", names)
	}
	if res.Steps[0].Request["url"] != sandboxURL()+"/webhooks" || res.Steps[0].Response["status"] != 201.0 {
		t.Errorf("create step %+v", res.Steps[0])
	}
	if !strings.Contains(res.Delivery.Body, "ada@example.com") || len(res.Delivery.Mapped) != 4 {
		t.Errorf("delivery %+v", res.Delivery)
	}
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook was left on the sandbox")
	}
	if strings.Contains(out, sandbox.DefaultAPIKey) {
		t.Error("the run printed the API key")
	}

	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.ListRuns(context.Background(), "Webhook Example", 0)
	if err != nil || len(runs) != 1 || !runs[0].OK || runs[0].Kind != "webhook" {
		t.Fatalf("run history %+v, %v", runs, err)
	}
	if strings.Contains(string(runs[0].Log), sandbox.DefaultAPIKey) {
		t.Error("the run history holds the API key")
	}
}

func TestRunCommand(t *testing.T) {
	startSandbox(t)
	c := newCLI(t)
	c.must("set", "Webhook Example", "BaseUrl="+sandboxURL())
	out := c.must("run", "Webhook Example", "Create Order", "--set", "CustomerEmail=a@b.c", "--set", "Total=3")
	for _, want := range []string{"✓ Create Order", "POST " + sandboxURL() + "/orders → 201", "OrderId = 1", "Create Order passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Without --set the example's Default Values are sent.
	out = c.must("run", "Webhook Example", "Create Order")
	if !strings.Contains(out, "OrderId = 2") {
		t.Errorf("a run on the Default Values:\n%s", out)
	}
}

func TestRunCommandFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"connection refused", []string{"webhook", "test", "Webhook Example", "New Order", "--set", "BaseUrl=" + closed}, exitFailed, "connection refused"},
		{"an Action as webhook", []string{"webhook", "test", "Webhook Example", "Create Order"}, exitUsage, `"Create Order" is an Action method; this needs a Webhook method`},
		{"unknown method", []string{"run", "Webhook Example", "Ship"}, exitUsage, `has no method "Ship"; its Action methods are "Create Webhook", "Delete Webhook", "Create Order"`},
		{"unknown trigger", []string{"webhook", "test", "Webhook Example", "New Order", "--trigger", "Nope"}, exitUsage, `no method "Nope"`},
		{"bad --set", []string{"run", "Webhook Example", "Create Order", "--set", "Total"}, exitUsage, `the 1st --set is not KEY=VALUE`},
		{"bad --wait", []string{"webhook", "test", "Webhook Example", "New Order", "--wait", "soon"}, exitUsage, `--wait "soon" is not a duration: give one with its unit, such as 30s or 2m`},
		{"--wait without a unit", []string{"webhook", "test", "Webhook Example", "New Order", "--wait", "5"}, exitUsage, `--wait "5" is not a duration: give one with its unit, such as 30s or 2m`},
		{"history --run x", []string{"history", "Webhook Example", "--run", "x"}, exitUsage, `--run "x" is not a whole number`},
		{"negative --wait", []string{"webhook", "test", "Webhook Example", "New Order", "--wait", "-5s"}, exitUsage, "--wait -5s: a wait cannot be negative"},
		{"--webhook-url without a host name", []string{"webhook", "test", "Webhook Example", "New Order", "--webhook-url", "https://:443/in"}, exitUsage, "--webhook-url is not an absolute http or https URL"},
		{"bad --webhook-url", []string{"webhook", "test", "Webhook Example", "New Order", "--webhook-url", "not a url"}, exitUsage, "--webhook-url is not an absolute http or https URL"},
		{"--tunnel with a path", []string{"webhook", "test", "Webhook Example", "New Order", "--tunnel", "https://t.example/in"}, exitUsage, `--tunnel "https://t.example/in" has a path, query or fragment`},
		{"--tunnel and --webhook-url", []string{"webhook", "test", "Webhook Example", "New Order", "--tunnel", "https://t.example", "--webhook-url", "https://h.example/in"}, exitUsage, "give --webhook-url or --tunnel, not both"},
		{"--receiver-addr without --tunnel", []string{"webhook", "test", "Webhook Example", "New Order", "--receiver-addr", "nonsense"}, exitUsage, "--receiver-addr is where the receiver listens for --tunnel"},
		{"--receiver-addr port 0", []string{"webhook", "test", "Webhook Example", "New Order", "--tunnel", "https://t.example", "--receiver-addr", "127.0.0.1:0"}, exitUsage, "needs a port from 1 to 65535"},
		{"--receiver-addr not loopback", []string{"webhook", "test", "Webhook Example", "New Order", "--tunnel", "https://t.example", "--receiver-addr", "0.0.0.0:8788"}, exitUsage, `--receiver-addr: the receiver's address "0.0.0.0:8788" is not on this machine's loopback interface`},
		{"a Webhook as an action", []string{"run", "Webhook Example", "New Order"}, exitUsage, `"New Order" is a Webhook method; this needs an Action method`},
		{"webhook without verb", []string{"webhook"}, exitUsage, "say test, list, cleanup or forget"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			code, out, errOut := c.run(tc.args...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("exit %d (want %d); output lacks %q:\n%s\n%s", code, tc.code, tc.want, out, errOut)
			}
		})
	}
}

// TestKilledLifecycleIsCleanedUp kills a `patchbay webhook test` process
// after the webhook was created and before it was deleted; `patchbay webhook
// cleanup` then deletes it on the API.
func TestKilledLifecycleIsCleanedUp(t *testing.T) {
	sb := startSandbox(t)
	c := newCLI(t)
	// Wait long for a delivery that never comes: the process sits between
	// create and delete until it is killed.
	cmd := exec.Command(os.Args[0], "webhook", "test", "Webhook Example", "New Order", "--wait", "2m",
		"--set", "BaseUrl="+sandboxURL(), "--db", c.db)
	cmd.Env = append(os.Environ(), "PATCHBAY_TEST_AS_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows, err := db.ListWebhooks(context.Background(), true)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 && rows[0].WebhookID != "" { // created, its id captured
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the webhook never reached the ledger")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if n := len(sb.Webhooks()); n != 1 {
		t.Fatalf("the API has %d webhooks after the kill, want 1", n)
	}
	if out := c.must("webhook", "list", "--pending"); !strings.Contains(out, "PENDING") || !strings.Contains(out, "deleted by: Delete Webhook") {
		t.Errorf("webhook list --pending:\n%s", out)
	}

	// Cleanup must reach the same API though BaseUrl was only set for the run.
	out := c.must("webhook", "cleanup")
	if !strings.Contains(out, "✓ deleted webhook 1") {
		t.Errorf("cleanup said:\n%s", out)
	}
	if n := len(sb.Webhooks()); n != 0 {
		t.Errorf("the API still has %d webhooks after cleanup", n)
	}
	if out := c.must("webhook", "list", "--pending"); !strings.Contains(out, "no pending webhooks") {
		t.Errorf("still pending after cleanup:\n%s", out)
	}
}

// TestNoLocaleNoise runs the binary under the POSIX locale: command-line
// verbs must print nothing on stderr.
func TestNoLocaleNoise(t *testing.T) {
	cmd := exec.Command(os.Args[0], "help")
	cmd.Env = append(os.Environ(), "PATCHBAY_TEST_AS_MAIN=1", "LANG=C.UTF-8", "LC_ALL=C")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if stderr.Len() != 0 {
		t.Errorf("patchbay help printed on stderr:\n%s", stderr.String())
	}
}

// TestWebhookURLFlag registers a public URL instead of the local receiver:
// for an API outside this machine, which cannot deliver to 127.0.0.1.
func TestWebhookURLFlag(t *testing.T) {
	sb := startSandbox(t)
	c := newCLI(t)
	const public = "https://hooks.example.net/patchbay/7f2c"
	out := c.must("webhook", "test", "Webhook Example", "New Order", "--set", "BaseUrl="+sandboxURL(),
		"--webhook-url", public, "--json")
	var res struct {
		OK         bool   `json:"ok"`
		WebhookURL string `json:"webhook_url"`
		Steps      []struct {
			Request struct {
				Body string `json:"body"`
			} `json:"request"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.WebhookURL != public || !strings.Contains(res.Steps[0].Request.Body, public) {
		t.Errorf("ok=%t webhook_url=%q create body %q", res.OK, res.WebhookURL, res.Steps[0].Request.Body)
	}
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook was left on the sandbox")
	}
}

// TestTunnelFlag: through --tunnel, the webhook is registered at the
// tunnel's address, and the delivery the API sends through it reaches the
// receiver at --receiver-addr and is mapped.
func TestTunnelFlag(t *testing.T) {
	sb := startSandbox(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	tunnel := httptest.NewServer(proxy)
	defer tunnel.Close()
	public := strings.Replace(tunnel.URL, "127.0.0.1", "localhost", 1)

	c := newCLI(t)
	out := c.must("webhook", "test", "Webhook Example", "New Order", "--set", "BaseUrl="+sandboxURL(), "--trigger", "Create Order",
		"--tunnel", public, "--receiver-addr", addr)
	for _, want := range []string{"✓ Create webhook (Create Webhook)", "✓ Receive delivery (New Order)", `    Event = "order.created"`, "webhook 1 created, tested and deleted"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.ListWebhooks(context.Background(), false)
	if err != nil || len(rows) != 1 || !strings.HasPrefix(rows[0].URL, public+"/hooks/") {
		t.Errorf("ledger %+v, %v; want the tunnel's URL registered", rows, err)
	}

	// Without a trigger, the author makes the API send the event: the
	// command says so, and how long it waits.
	code, out, _ := c.run("webhook", "test", "Webhook Example", "New Order", "--set", "BaseUrl="+sandboxURL(),
		"--tunnel", public, "--receiver-addr", addr, "--wait", "50ms")
	if want := "Deliveries come through " + public + " to the receiver on " + addr + ". Once the webhook is created, make the API send an event: Patchbay waits 50ms for it."; code != exitFailed || !strings.Contains(out, want) {
		t.Errorf("without a trigger: exit %d, output lacks %q:\n%s", code, want, out)
	}
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook was left on the sandbox")
	}
}

// TestWebhookForget: a row whose id was never captured keeps cleanup
// failing until the user, having removed the webhook by hand, forgets it.
func TestWebhookForget(t *testing.T) {
	c := newCLI(t)
	c.must("list")
	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	rec := &model.WebhookRecord{Connector: "Webhook Example", Method: "New Order", URL: "http://127.0.0.1:1/hooks/x",
		LastError: "its id is unknown"}
	if err := db.RecordWebhook(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, out, _ := c.run("webhook", "cleanup"); code != exitFailed || !strings.Contains(out, "never captured") ||
		!strings.Contains(out, "its id is unknown") || !strings.Contains(out, fmt.Sprintf("patchbay webhook forget %d", rec.ID)) {
		t.Errorf("cleanup of an unknown id: exit %d\n%s", code, out)
	}
	// The row's own error, which says where to look, is kept.
	if out := c.must("webhook", "list", "--pending"); !strings.Contains(out, "last error: its id is unknown") {
		t.Errorf("cleanup replaced the row's error:\n%s", out)
	}
	if out := c.must("webhook", "list", "--pending"); !strings.Contains(out, "delivery URL: http://127.0.0.1:1/hooks/x") {
		t.Errorf("list does not show where to look:\n%s", out)
	}
	if out := c.must("webhook", "forget", fmt.Sprint(rec.ID)); !strings.Contains(out, "is marked removed by hand") {
		t.Errorf("forget: %s", out)
	}
	if out := c.must("webhook", "cleanup"); !strings.Contains(out, "no pending webhooks") {
		t.Errorf("after forget: %s", out)
	}
	if out := c.must("webhook", "forget", fmt.Sprint(rec.ID)); !strings.Contains(out, fmt.Sprintf("row %d was deleted already; nothing changed", rec.ID)) {
		t.Errorf("forget again: %s", out)
	}
	if out := c.must("webhook", "list"); !strings.Contains(out, "removed by hand, marked ") || strings.Contains(out, "  deleted ") {
		t.Errorf("list after forget shows the row as deleted by Patchbay:\n%s", out)
	}
	if code, _, errOut := c.run("webhook", "forget", "x"); code != exitUsage || !strings.Contains(errOut, "not a row number") {
		t.Errorf("forget x: exit %d %s", code, errOut)
	}
}

// TestSandboxCommand: the sandbox says where it listens once it does, with
// the port it got, and says nothing of listening when the address is taken.
func TestSandboxCommand(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"sandbox", "--addr", taken.Addr().String()}, &out, &errOut)
	if code == exitOK || out.Len() != 0 || !strings.Contains(errOut.String(), "address already in use") {
		t.Errorf("on a taken address: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "listens on http://127.0.0.1:") || strings.Contains(out.String(), "127.0.0.1:0 ") {
		t.Errorf("stdout %q, want the port it got", out.String())
	}
}

// TestControlCharactersEscaped: what an API sends, or a name holds, is
// printed with its control characters escaped, so that an escape sequence
// in an error page cannot clear or rewrite the author's terminal; --json
// stays JSON.
func TestControlCharactersEscaped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "upstream down\x1b[2J\x1b[1;1Hall good\r and \u009b2J\x7f, \x9b3J, é€")
	}))
	defer srv.Close()
	c := newCLI(t)
	c.must("set", "Webhook Example", "BaseUrl="+srv.URL)
	code, out, errOut := c.run("run", "Webhook Example", "Create Order")
	if code != exitFailed || strings.ContainsAny(out+errOut, "\x1b\r\u009b\x7f") || strings.Contains(out+errOut, "\x9b") || !strings.Contains(out+errOut, `upstream down\x1b[2J\x1b[1;1Hall good\x0d and \u009b2J\u007f, \x9b3J, é€`) {
		t.Errorf("exit %d, the API's control characters printed as they are:\n%q\n%q", code, out, errOut)
	}
	_, out, _ = c.run("run", "Webhook Example", "Create Order", "--json")
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Errorf("--json is no longer JSON: %v\n%s", err, out)
	}
}

// The ledger list names its columns; a cleanup whose delete the API
// answers 404 points to 'webhook forget'; a row of unknown id says what
// it keeps once, not the same sentence twice.
func TestWebhookLedgerWording(t *testing.T) {
	startSandbox(t)
	c := newCLI(t)
	c.must("set", "Webhook Example", "BaseUrl="+sandboxURL())
	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	gone := &model.WebhookRecord{Connector: "Webhook Example", Method: "New Order", DeleteMethod: "Delete Webhook", WebhookID: "4", URL: "http://127.0.0.1:1/hooks/a"}
	unknown := &model.WebhookRecord{Connector: "Webhook Example", Method: "New Order", URL: "http://127.0.0.1:1/hooks/b",
		LastError: engine.UnknownIDLead + "the create request was sent, and the run stopped before it read the id: look on the API for a webhook to http://127.0.0.1:1/hooks/b"}
	for _, rec := range []*model.WebhookRecord{gone, unknown} {
		if err := db.RecordWebhook(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if out := c.must("webhook", "list"); !strings.HasPrefix(out, "ROW  WEBHOOK      CONNECTOR › WEBHOOK METHOD, CREATED, STATE\n") ||
		!strings.Contains(out, fmt.Sprintf("\n%-4d %-12s Webhook Example › New Order", gone.ID, "4")) {
		t.Errorf("webhook list:\n%s", out)
	}
	code, out, _ := c.run("webhook", "cleanup")
	if code != exitFailed || !strings.Contains(out, "answered 404") ||
		!strings.Contains(out, fmt.Sprintf("the API does not know it: if it is gone from the API (and the delete went to the right address), patchbay webhook forget %d", gone.ID)) {
		t.Errorf("cleanup of a webhook the API does not know: exit %d\n%s", code, out)
	}
	if n := strings.Count(out, "remove it on the API by hand"); n != 1 || !strings.Contains(out, "look on the API for a webhook to http://127.0.0.1:1/hooks/b") {
		t.Errorf("the unknown id's advice is given %d times, or where to look is missing:\n%s", n, out)
	}
}

// What a step says while it runs (a delivery set aside, another
// Patchbay's token request waited for) is printed when it is said, under
// the step's one announcement, and not again when the step ends.
func TestStepPrinterSaysLinesOnce(t *testing.T) {
	var out strings.Builder
	print := stepPrinter(&out)
	s := &engine.Step{Name: "Receive delivery", Method: "New Order", Status: engine.StepRunning}
	print(s)
	s.Console = append(s.Console, "a delivery came at 10:41:02 and was not mapped: signature check failed")
	print(s)
	s.Console = append(s.Console, "a second one too")
	print(s)
	s.Status, s.Error = engine.StepFailed, "signature check failed"
	print(s)
	want := "… Receive delivery (New Order)\n" +
		"    console: a delivery came at 10:41:02 and was not mapped: signature check failed\n" +
		"    console: a second one too\n" +
		"✗ Receive delivery (New Order)  (0 ms)\n" +
		"    signature check failed\n"
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}
}

// TestCleanupShowsTheDeleteScriptsConsole: a cleanup whose delete fails
// prints what the delete's scripts logged, masked as in a run: what an
// author debugging the delete looks for.
func TestCleanupShowsTheDeleteScriptsConsole(t *testing.T) {
	startSandbox(t)
	c := newCLI(t)
	c.editExample(func(conn *model.Connector) {
		conn.Method("Delete Webhook").Script = "function before_action() { console.log('deleting with key ' + method_auth_value); }"
	})
	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	rec := &model.WebhookRecord{Connector: "Webhook Example", Method: "New Order", DeleteMethod: "Delete Webhook", WebhookID: "999",
		RunValues: map[string]string{"BaseUrl": sandboxURL()}}
	if err := db.RecordWebhook(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, _ := c.run("webhook", "cleanup")
	if code != exitFailed || !strings.Contains(out, "    console: method 'Delete Webhook' script: deleting with key ••••••") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	if strings.Contains(out, sandbox.DefaultAPIKey) {
		t.Errorf("the API key shows:\n%s", out)
	}
}

// TestForgetHint: a failed cleanup row points to 'webhook forget' when the
// webhook may be gone (404, 410, or a 2xx whose step failed after), and
// not when the delete passed and only the ledger could not be updated.
func TestForgetHint(t *testing.T) {
	step := func(ok bool, status int) *engine.Step {
		return &engine.Step{OK: ok, Response: &engine.ResponseLog{Status: status}}
	}
	for _, tc := range []struct {
		step *engine.Step
		want string
	}{
		{nil, ""},
		{step(false, 404), "the API does not know it"},
		{step(false, 410), "the API does not know it"},
		{step(false, 204), "the API answered the delete 204, and the step failed after"},
		{step(true, 204), ""}, // deleted; the ledger's update failed
		{step(false, 500), ""},
	} {
		got := forgetHint(engine.CleanupResult{Record: model.WebhookRecord{ID: 7}, Step: tc.step, Error: "x"})
		if tc.want == "" && got != "" || tc.want != "" && (!strings.Contains(got, tc.want) || !strings.HasSuffix(got, "patchbay webhook forget 7")) {
			t.Errorf("step %+v: hint %q, want %q", tc.step, got, tc.want)
		}
	}
}

// TestExportRefusesAPastedKey: export refuses a connector whose script
// holds the account's API key, saying where, unless --include-secrets.
func TestExportRefusesAPastedKey(t *testing.T) {
	c := newCLI(t)
	const key = "sk_live_cli_0001"
	c.must("set", "Webhook Example", "Cyclr_Auth_ApiKey="+key)
	c.editExample(func(conn *model.Connector) { conn.Script = "// the key, for now: " + key })
	code, out, errOut := c.run("export", "Webhook Example")
	if code == exitOK || out != "" || !strings.Contains(errOut, "Connector › Script › line 1 (Script) holds the value of Cyclr_Auth_ApiKey, a secret") || !strings.Contains(errOut, "--include-secrets") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if out := c.must("export", "Webhook Example", "--include-secrets"); !strings.Contains(out, key) {
		t.Errorf("with --include-secrets the script is not exported as it is:\n%s", out)
	}
	// lint lists the place as an error, naming the secret but not
	// showing it.
	code, out, errOut = c.run("lint", "Webhook Example")
	if code != exitFailed || !strings.Contains(out, "error: Connector › Script › line 1: holds the value of Cyclr_Auth_ApiKey, a secret") || strings.Contains(out+errOut, key) {
		t.Errorf("lint: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// editExample changes the stored Webhook Example as edit says.
func (c *cli) editExample(edit func(*model.Connector)) {
	c.t.Helper()
	db, err := store.Open(c.db)
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.LoadConnector(context.Background(), "Webhook Example")
	if err != nil {
		c.t.Fatal(err)
	}
	edit(conn)
	if err := db.SaveConnector(context.Background(), conn); err != nil {
		c.t.Fatal(err)
	}
}

// TestWebhookTestSurvivesItsReaderAndTerminal: a webhook test whose output
// goes into a pipe closed at once (| head -c0), or whose terminal closes
// (SIGHUP) while it waits for a delivery, still records and deletes its
// webhook: nothing is left on the API or pending in the ledger.
func TestWebhookTestSurvivesItsReaderAndTerminal(t *testing.T) {
	for _, tc := range []struct {
		name string
		wait string
		end  func(cmd *exec.Cmd, c *cli) error
	}{
		{"a closed pipe", "200ms", nil},
		{"a closed terminal", "2m", func(cmd *exec.Cmd, c *cli) error {
			db, err := store.Open(c.db)
			if err != nil {
				return err
			}
			defer db.Close()
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if rows, err := db.ListWebhooks(context.Background(), true); err == nil && len(rows) == 1 && rows[0].WebhookID != "" {
					return cmd.Process.Signal(syscall.SIGHUP)
				}
			}
			return errors.New("the webhook never reached the ledger")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := startSandbox(t)
			c := newCLI(t)
			cmd := exec.Command(os.Args[0], "webhook", "test", "Webhook Example", "New Order", "--wait", tc.wait,
				"--set", "BaseUrl="+sandboxURL(), "--db", c.db)
			cmd.Env = append(os.Environ(), "PATCHBAY_TEST_AS_MAIN=1")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			if tc.end == nil {
				out.Close() // the reader is gone before the first line
			} else {
				go io.Copy(io.Discard, out)
				if err := tc.end(cmd, c); err != nil {
					t.Fatal(err)
				}
			}
			cmd.Wait()
			if left := sb.Webhooks(); len(left) != 0 {
				t.Errorf("webhooks left on the API: %+v", left)
			}
			if out := c.must("webhook", "list", "--pending"); !strings.Contains(out, "no pending webhooks") {
				t.Errorf("pending after the run:\n%s", out)
			}
		})
	}
}

// TestMappedValueReadable: a mapped text holding < > & (an XML body, a
// form) is printed with them as they are, not as \u003c.
func TestMappedValueReadable(t *testing.T) {
	for _, tc := range []struct {
		value any
		want  string
	}{
		{`<order id="5">A &amp; B</order>`, `"<order id=\"5\">A &amp; B</order>"`},
		{"a=1&b=2", `"a=1&b=2"`},
		{json.Number("12"), `12`},
		{[]any{"x", nil}, `["x",null]`},
	} {
		if got := (engine.MappedField{Found: true, Value: tc.value}).Text(); got != tc.want {
			t.Errorf("Text of %v = %s, want %s", tc.value, got, tc.want)
		}
	}
}

// TestSetNearMissRefused: --set with a near miss of a key the connector
// uses (baseurl, BaseUrI) is refused before anything is sent: the run would
// go to the stored BaseUrl where the author meant another.
func TestSetNearMissRefused(t *testing.T) {
	sb := startSandbox(t)
	c := newCLI(t)
	c.must("set", "Webhook Example", "BaseUrl="+sandboxURL())
	for _, k := range []string{"baseurl", "BaseUrI"} {
		code, _, errOut := c.run("webhook", "test", "Webhook Example", "New Order", "--set", k+"=http://127.0.0.1:1")
		if code != exitUsage || !strings.Contains(errOut, "--set "+k+": the connector uses no key "+k+": did you mean BaseUrl?") {
			t.Errorf("--set %s: exit %d, stderr %q", k, code, errOut)
		}
	}
	if created := sb.Webhooks(); len(created) != 0 {
		t.Errorf("a webhook was created: %+v", created)
	}
	if code, _, errOut := c.run("run", "Webhook Example", "Create Order", "--set", "CustomerEmial=a@b.example"); code != exitUsage || !strings.Contains(errOut, "did you mean CustomerEmail?") {
		t.Errorf("run --set CustomerEmial: exit %d, stderr %q", code, errOut)
	}
	// A field's input by its Connector Field is no near miss; nor is a key
	// a script names (it may read any input).
	c.must("set", "Webhook Example", "Cyclr_Auth_ApiKey="+sandbox.DefaultAPIKey)
	c.must("run", "Webhook Example", "Create Order", "--set", "customer.email=a@b.example", "--set", "total=3")
	c.editExample(func(conn *model.Connector) {
		conn.Method("Create Order").Script = "function before_action() { method_request.note = method_request_mergefields.Totals; }"
	})
	c.must("run", "Webhook Example", "Create Order", "--set", "Totals=x")
}

// TestStepPrinterShowsRedirects: a step whose request was redirected says
// so under its line, as the run log keeps it.
func TestStepPrinterShowsRedirects(t *testing.T) {
	var out strings.Builder
	stepPrinter(&out)(&engine.Step{Name: "Create webhook", Status: engine.StepOK, OK: true,
		Request:  &engine.RequestLog{Method: "GET", URL: "https://api.example.com/v2/hooks/7"},
		Response: &engine.ResponseLog{Status: 200, Redirects: []string{"302 → GET https://api.example.com/v2/hooks/7"}}})
	if !strings.Contains(out.String(), "\n    redirected: 302 → GET https://api.example.com/v2/hooks/7\n") {
		t.Errorf("printed:\n%s", out.String())
	}
}

// TestSignalsAndClosedOutput: SIGHUP stops a verb as Ctrl+C does, unless
// it was started under nohup (SIGHUP ignored), which stays so; output into
// a pipe its reader closed ends the verb quietly, with a failing exit code.
func TestSignalsAndClosedOutput(t *testing.T) {
	start := func(t *testing.T, ignoreHUP bool) *exec.Cmd {
		t.Helper()
		trap := ""
		if ignoreHUP {
			trap = "trap '' HUP; "
		}
		cmd := exec.Command("sh", "-c", trap+`exec "$0" sandbox --addr 127.0.0.1:0`, os.Args[0])
		cmd.Env = append(os.Environ(), "PATCHBAY_TEST_AS_MAIN=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		time.Sleep(300 * time.Millisecond) // the signal handlers are set first thing
		return cmd
	}
	ended := func(cmd *exec.Cmd) bool {
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
			return true
		case <-time.After(2 * time.Second):
			return false
		}
	}
	t.Run("SIGHUP", func(t *testing.T) {
		cmd := start(t, false)
		cmd.Process.Signal(syscall.SIGHUP)
		if !ended(cmd) {
			t.Error("SIGHUP did not stop the sandbox")
		}
	})
	t.Run("SIGHUP under nohup", func(t *testing.T) {
		cmd := start(t, true)
		cmd.Process.Signal(syscall.SIGHUP)
		if ended(cmd) {
			t.Error("SIGHUP stopped the sandbox though it was ignored")
		}
	})
	t.Run("a closed pipe", func(t *testing.T) {
		c := newCLI(t)
		cmd := exec.Command(os.Args[0], "list", "--db", c.db)
		cmd.Env = append(os.Environ(), "PATCHBAY_TEST_AS_MAIN=1")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out.Close() // no reader, before anything is written
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitFailed || stderr.Len() != 0 {
			t.Errorf("exit %v, stderr %q; want exit %d and nothing on stderr", err, stderr.String(), exitFailed)
		}
	})
}

// TestLedgerErrorMaskedWithTodaysSecrets: a pending row's last error was
// masked with the secrets of the day it was written. A header parameter
// made Sensitive since is masked in it too, by 'webhook list' and by the
// cleanup's line for a webhook of unknown id, as 'history' masks a run.
func TestLedgerErrorMaskedWithTodaysSecrets(t *testing.T) {
	c := newCLI(t)
	const token = "tok_live_5f8a2c91e7"
	c.editExample(func(conn *model.Connector) {
		conn.Parameters = append(conn.Parameters, model.Parameter{TargetName: "X-Auth-Token", TargetType: model.TargetHttpHeader, IsOptional: true})
	})
	c.must("set", "Webhook Example", "X-Auth-Token="+token, "BaseUrl=http://127.0.0.1:1")
	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	said := "DELETE Delete Webhook answered 401 Unauthorized: {\"error\": \"token " + token + " may not delete webhooks\"}"
	for _, rec := range []*model.WebhookRecord{
		{Connector: "Webhook Example", Method: "New Order", DeleteMethod: "Delete Webhook", WebhookID: "4", URL: "http://127.0.0.1:1/hooks/a", LastError: said},
		{Connector: "Webhook Example", Method: "New Order", URL: "http://127.0.0.1:1/hooks/b", LastError: engine.UnknownIDLead + said},
	} {
		if err := db.RecordWebhook(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if out := c.must("webhook", "list"); !strings.Contains(out, token) {
		t.Fatalf("before the parameter is Sensitive, the error is shown as kept:\n%s", out)
	}
	c.editExample(func(conn *model.Connector) {
		for i := range conn.Parameters {
			if conn.Parameters[i].TargetName == "X-Auth-Token" {
				conn.Parameters[i].IsSensitive = true
			}
		}
	})
	out := c.must("webhook", "list")
	if strings.Contains(out, token) || !strings.Contains(out, "last error: DELETE Delete Webhook answered 401 Unauthorized: {\"error\": \"token •••••• may not") {
		t.Errorf("webhook list:\n%s", out)
	}
	_, out, errOut := c.run("webhook", "cleanup")
	if strings.Contains(out+errOut, token) || !strings.Contains(out, "token ••••••") {
		t.Errorf("webhook cleanup:\n%s%s", out, errOut)
	}
}

// TestImportTellsOfSecretsWritten: import counts a secret written into a
// script among its lint findings, as lint lists it and export refuses it.
func TestImportTellsOfSecretsWritten(t *testing.T) {
	c := newCLI(t)
	doc := c.must("export", "Webhook Example")
	var d map[string]any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	d["Script"] = `var key = "` + sandbox.DefaultAPIKey + `";`
	edited, _ := json.Marshal(d)
	code, out, errOut := c.run("import", writeFile(t, "key.json", string(edited)), "--replace")
	if code != exitOK || !strings.Contains(out, `imported "Webhook Example"`) || !strings.Contains(errOut, "1 lint finding; 'patchbay lint \"Webhook Example\"' lists them") {
		t.Errorf("import: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestConcurrentImportsReplace: imports with --replace of one connector at
// the same moment all go through, the last one's connector standing; one
// used to fail, told to "save again" as the window is.
func TestConcurrentImportsReplace(t *testing.T) {
	c := newCLI(t)
	doc := writeFile(t, "ex.json", c.must("export", "Webhook Example"))
	for round := range 4 {
		var wg sync.WaitGroup
		errs := make([]string, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if code, _, errOut := c.run("import", doc, "--replace"); code != exitOK {
					errs[i] = fmt.Sprintf("exit %d: %s", code, errOut)
				}
			}()
		}
		wg.Wait()
		for _, e := range errs {
			if e != "" {
				t.Fatalf("round %d: an import failed: %s", round, e)
			}
		}
	}
}
