package main

// The bad-input catalogue (docs/RELIABILITY.md) at the command line: what a
// user sees when the database is damaged, locked or read-only, when two
// Patchbays share one database, and when the import file is 50 MB.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"patchbay/assets"
	"patchbay/engine"
	"patchbay/model"
	"patchbay/model/store"
	"patchbay/model/store/storetest"
)

// init lets the test binary hold a database's lock as another program
// would; TestMain (webhook_test.go) runs it as patchbay itself.
func init() {
	storetest.RunLockHolder()
}

// patchbayCmd is the test binary run as the patchbay command.
func patchbayCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "PATCHBAY_TEST_AS_MAIN=1")
	return cmd
}

// noPanic fails the test when output shows a Go panic or stack trace.
func noPanic(t *testing.T, out string) {
	t.Helper()
	for _, w := range []string{"panic", "goroutine ", ".go:"} {
		if strings.Contains(out, w) {
			t.Errorf("the output shows a Go panic or stack (%q):\n%s", w, out)
		}
	}
}

// TestDatabaseTroubles runs patchbay verbs on a damaged database, on one
// another process has locked, and on a read-only one: each exits 2 with a
// message that names the file and says what is wrong, and leaves the file
// as it was.
func TestDatabaseTroubles(t *testing.T) {
	t.Run("corrupt", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "patchbay.db")
		junk := append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xde, 0xad}, 4096)...)
		if err := os.WriteFile(path, junk, 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := (&cli{t: t, db: path}).run("list")
		t.Logf("exit %d: %s", code, errOut)
		if code != exitUsage || !strings.Contains(errOut, "patchbay list: open database "+path+": not a SQLite database") ||
			!strings.Contains(errOut, "it was left as it is") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
		noPanic(t, out+errOut)
		if got, _ := os.ReadFile(path); !bytes.Equal(got, junk) {
			t.Error("the damaged file was changed")
		}
	})

	t.Run("damaged past its first page", func(t *testing.T) {
		c := newCLI(t)
		c.must("list") // a real database
		db, err := store.Open(c.db)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 30 { // pages enough to damage
			big := model.Connector{Name: fmt.Sprintf("Big %d", i), Description: strings.Repeat("x", 4000)}
			if err := db.SaveConnector(context.Background(), &big); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		data, err := os.ReadFile(c.db)
		if err != nil || len(data) < 40000 {
			t.Fatalf("a database of %d bytes: %v", len(data), err)
		}
		for i := 20480; i < 36864; i++ {
			data[i] = 0xa5
		}
		if err := os.WriteFile(c.db, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"list"}, {"import", writeFile(t, "example.json", string(assets.ExampleConnector)), "--replace"}} {
			code, out, errOut := c.run(args...)
			t.Logf("%s: exit %d: %s", args[0], code, errOut)
			if code == exitOK || !strings.Contains(errOut, "the database file "+c.db+" is damaged") ||
				!strings.Contains(errOut, "sqlite3 "+c.db+" .recover") {
				t.Errorf("%s: exit %d\n%s%s", args[0], code, out, errOut)
			}
			noPanic(t, out+errOut)
		}
		if got, _ := os.ReadFile(c.db); !bytes.Equal(got, data) {
			t.Error("the damaged file was written to")
		}
	})

	t.Run("locked by another process", func(t *testing.T) {
		c := newCLI(t)
		c.must("list") // make and seed it
		release := storetest.LockedBy(t, c.db)
		code, out, errOut := c.run("import", writeFile(t, "x.json", strings.Replace(string(assets.ExampleConnector), `"Webhook Example"`, `"Other"`, 1)))
		t.Logf("exit %d: %s", code, errOut)
		if code != exitUsage || !strings.Contains(errOut, "patchbay import: open database "+c.db+": it is locked by another program") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
		noPanic(t, out+errOut)
		release()
		if list := c.must("list"); !strings.Contains(list, "Webhook Example") || strings.Contains(list, "Other") {
			t.Errorf("after the lock:\n%s", list)
		}
	})

	t.Run("read-only file", func(t *testing.T) {
		dir, err := os.MkdirTemp("", "patchbay-ro-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		os.Chmod(dir, 0o777)
		path := filepath.Join(dir, "patchbay.db")
		newCLIAt(t, path)
		os.Chmod(path, 0o444)
		before, _ := os.ReadFile(path)
		cmd := patchbayCmd("set", "Webhook Example", "BaseUrl=http://elsewhere", "--db", path)
		if os.Geteuid() == 0 {
			// Root writes whatever the mode: run as nobody, from a copy of
			// the binary nobody can reach.
			bin := filepath.Join(dir, "patchbay.test")
			data, err := os.ReadFile(os.Args[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(bin, data, 0o755); err != nil {
				t.Fatal(err)
			}
			cmd.Path, cmd.Args[0], cmd.Dir = bin, bin, dir
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		err = cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage {
			if os.Geteuid() == 0 && err != nil && !ok {
				t.Skipf("cannot run as the user nobody: %v", err)
			}
			t.Errorf("exit: %v, want %d", err, exitUsage)
		}
		t.Logf("%s", errOut.String())
		if !strings.Contains(errOut.String(), "patchbay set: open database "+path+": the file is read-only") {
			t.Errorf("stderr:\n%s", errOut.String())
		}
		noPanic(t, errOut.String())
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Error("the read-only database was changed")
		}
	})
}

// TestLedgerLockedDuringALifecycle locks the database after a webhook test
// has opened it: the ledger cannot take the row it writes before the create
// request, so the run sends nothing and says why; no webhook is created.
func TestLedgerLockedDuringALifecycle(t *testing.T) {
	sb := startSandbox(t)
	c := newCLI(t)
	c.must("set", "Webhook Example", "BaseUrl="+sandboxURL())
	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	r, err := runner(ctx, db, "Webhook Example", nil)
	if err != nil {
		t.Fatal(err)
	}
	release := storetest.LockedBy(t, c.db)
	res := r.RunWebhook(ctx, "New Order", engine.WebhookOptions{Ledger: db})
	release()
	if res.OK || !strings.Contains(res.Error, "the webhook ledger cannot record a new webhook, so none was created: record the webhook of Webhook Example › New Order: database is locked, still after 5s") {
		t.Errorf("error %q", res.Error)
	}
	if len(res.Steps) != 0 {
		t.Errorf("steps ran though the ledger was locked: %+v", res.Steps)
	}
	if left := sb.Webhooks(); len(left) != 0 {
		t.Errorf("webhooks on the API: %+v", left)
	}
}

// TestTwoProcessesOnOneDatabase runs two patchbay processes side by side on
// one new database, each importing connectors and testing a webhook against
// the sandbox, round after round: every command succeeds, and every
// connector, run and ledger row is there at the end.
func TestTwoProcessesOnOneDatabase(t *testing.T) {
	sb := startSandbox(t)
	db := filepath.Join(t.TempDir(), "shared.db")
	const rounds = 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	lane := func(name string) {
		defer wg.Done()
		for i := range rounds {
			connector := fmt.Sprintf("%s %d", name, i)
			doc := strings.Replace(string(assets.ExampleConnector), `"Webhook Example"`, fmt.Sprintf("%q", connector), 1)
			file := filepath.Join(t.TempDir(), "c.json")
			os.WriteFile(file, []byte(doc), 0o600)
			for _, args := range [][]string{
				{"import", file},
				{"webhook", "test", connector, "New Order", "--trigger", "Create Order", "--wait", "20s",
					"--set", "BaseUrl=" + sandboxURL(), "--set", "Cyclr_Auth_ApiKey=sandbox-key", "--set", "SigningSecret=sandbox-signing-secret",
					"--set", "CustomerEmail=" + name + "@example.com", "--set", "Total=1"},
			} {
				out, err := patchbayCmd(append(args, "--db", db)...).CombinedOutput()
				if err != nil {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s: patchbay %s: %v\n%s", name, args[0], err, out))
					mu.Unlock()
				}
			}
		}
	}
	wg.Add(2)
	go lane("A")
	go lane("B")
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}

	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	list, err := st.ListConnectors(ctx)
	if err != nil || len(list) != 2*rounds {
		t.Errorf("connectors: %d, %v; want the %d imported", len(list), err, 2*rounds)
	}
	hooks, err := st.ListWebhooks(ctx, false)
	if err != nil || len(hooks) != 2*rounds {
		t.Errorf("ledger rows: %d, %v; want %d", len(hooks), err, 2*rounds)
	}
	for _, h := range hooks {
		if h.Pending() {
			t.Errorf("webhook %s of %s is still pending", h.WebhookID, h.Connector)
		}
	}
	runs := 0
	for _, c := range list {
		rs, err := st.ListRuns(ctx, c.Name, 0)
		if err != nil {
			t.Fatal(err)
		}
		runs += len(rs)
	}
	if runs != 2*rounds {
		t.Errorf("run history: %d runs, want %d", runs, 2*rounds)
	}
	if left := sb.Webhooks(); len(left) != 0 {
		t.Errorf("webhooks left on the sandbox: %+v", left)
	}
}

// hugeDocument is a valid connector document of at least size bytes: many
// Action methods of 40 request and 40 response fields each, as a generator
// might write.
func hugeDocument(t *testing.T, size int) []byte {
	c := &model.Connector{Name: "Huge"}
	add := func(n int) {
		for range n {
			i := len(c.Methods)
			m := model.Method{Name: fmt.Sprintf("Method %05d", i), MethodType: model.MethodAction, HttpMethod: "POST",
				DataType: model.BodyJson, Endpoint: fmt.Sprintf("https://api.example.com/v1/things/%d", i),
				Description: "A method of a very large connector, to see how Patchbay copes with a huge import."}
			for j := range 40 {
				f := model.Field{ConnectorField: fmt.Sprintf("data.item.field_%02d", j), SystemField: fmt.Sprintf("Field%02d", j),
					DisplayName: fmt.Sprintf("Field %d", j), DataType: model.FieldText, IsOptional: true,
					Description: "One of forty fields of this method's request."}
				m.RequestFormat.Fields = append(m.RequestFormat.Fields, f)
				m.ResponseFormat.Fields = append(m.ResponseFormat.Fields, f)
			}
			c.Methods = append(c.Methods, m)
		}
	}
	add(100)
	for {
		data, err := model.Export(c, model.ExportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(data) >= size {
			return data
		}
		perMethod := len(data) / len(c.Methods)
		add((size-len(data))/perMethod + 1)
	}
}

// memPeak runs f and returns the most heap it saw in use above what was in
// use before (HeapAlloc, read with runtime.ReadMemStats every 5 ms), and
// the bytes it allocated in all.
func memPeak(f func()) (peak, total uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	var wg sync.WaitGroup
	var top uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		top = max(top, ms.HeapAlloc)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	sample()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	return top - before.HeapAlloc, after.TotalAlloc - before.TotalAlloc
}

// TestImportFiftyMegabytes imports a 50 MB file twice: a valid document of
// that size and 50 MB of random bytes. Each ends in a clear answer (imported,
// or what is wrong and where), without a panic, and the test logs the peak
// heap for docs/RELIABILITY.md. Timing is logged, not asserted.
func TestImportFiftyMegabytes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and imports 50 MB files")
	}
	const size = 50 << 20
	valid := writeFile(t, "huge.json", string(hugeDocument(t, size)))
	garbage := make([]byte, size)
	rand.NewChaCha8([32]byte{5}).Read(garbage)
	junk := writeFile(t, "junk.json", string(garbage))
	garbage = nil
	var export strings.Builder // a data export picked by mistake: JSON, not a connector
	export.WriteString("[")
	for i := 0; export.Len() < size; i++ {
		fmt.Fprintf(&export, `{"id": %d, "email": "customer%d@example.com", "total": 12.50, "paid": true},`+"\n", i, i)
	}
	wrong := writeFile(t, "orders.json", strings.TrimSuffix(export.String(), ",\n")+"]")
	export = strings.Builder{}
	cases := []struct {
		name, file string
		code       int
		want       string
		heap       uint64 // the most peak heap allowed, in times the file's size
	}{
		// About 3 to 4 times the file, and the collector's slack.
		{"valid document", valid, exitOK, `imported "Huge"`, 10},
		// The file itself: refused at its first byte.
		{"random bytes", junk, exitUsage, "patchbay import: " + junk + ": the document is not a connector: not JSON: line 1, column 1: invalid character", 3},
		{"JSON that is not a connector", wrong, exitUsage, "patchbay import: " + wrong + ": the document is not a connector: want a JSON object, got a list", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fi, _ := os.Stat(tc.file)
			c := newCLI(t)
			var code int
			var out, errOut string
			start := time.Now()
			peak, total := memPeak(func() { code, out, errOut = c.run("import", tc.file) })
			took := time.Since(start)
			t.Logf("%.1f MB file: exit %d in %s; peak heap %d MiB above the start, %d MiB allocated in all",
				float64(fi.Size())/1e6, code, took.Round(10*time.Millisecond), peak>>20, total>>20)
			t.Logf("stdout: %s", clipped(out))
			t.Logf("stderr: %s", clipped(errOut))
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s\n%s", code, tc.code, tc.want, clipped(out), clipped(errOut))
			}
			noPanic(t, out+errOut)
			if len(errOut) > 2000 {
				t.Errorf("stderr is %d bytes long", len(errOut))
			}
			if peak > tc.heap*uint64(fi.Size()) {
				t.Errorf("peak heap %d MiB, more than %d times the %d MiB file", peak>>20, tc.heap, fi.Size()>>20)
			}
		})
	}
}

func clipped(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// twiceAPI creates webhook 5 and, when /emit is called, delivers the same
// event to it twice before it answers.
func twiceAPI(t *testing.T) string {
	var mu sync.Mutex
	target := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/hooks":
			if r.Method == http.MethodDelete {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			var in struct{ URL string }
			json.NewDecoder(r.Body).Decode(&in)
			target = in.URL
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id": 5}`)
		case "/emit":
			for range 2 {
				if resp, err := http.Post(target, "application/json", strings.NewReader(`{"n": 1}`)); err == nil {
					resp.Body.Close()
				}
			}
			io.WriteString(w, `{}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestDuplicateDelivery runs a webhook test against an API that delivers
// the same event twice: the run passes, maps the first, and says that two
// arrived, in its summary and in --json.
func TestDuplicateDelivery(t *testing.T) {
	base := twiceAPI(t)
	c := newCLI(t)
	doc := `{
  "Format": "patchbay.connector/1",
  "Name": "Twice",
  "Methods": [
    {"Name": "Create", "MethodType": "Action", "HttpMethod": "POST", "DataType": "Json", "Endpoint": "` + base + `/hooks",
     "RequestFormat": {"Fields": [{"ConnectorField": "url", "DataType": "Text", "IsHidden": true, "DefaultValue": "{{Cyclr_Webhook_Url}}"}]},
     "ResponseFormat": {"Fields": [{"ConnectorField": "id", "SystemField": "Cyclr_Webhook_Id", "DataType": "Integer"}]}},
    {"Name": "Delete", "MethodType": "Action", "HttpMethod": "DELETE", "DataType": "Json", "Endpoint": "` + base + `/hooks?id={{Cyclr_Webhook_Id}}"},
    {"Name": "Emit", "MethodType": "Action", "HttpMethod": "POST", "DataType": "Json", "Endpoint": "` + base + `/emit"},
    {"Name": "Events", "MethodType": "Webhook", "CreateWebhookMethod": "Create", "DeleteWebhookMethod": "Delete",
     "RequestFormat": {"Fields": [{"ConnectorField": "n", "SystemField": "N", "DataType": "Integer"}]}}
  ]
}
`
	c.must("import", writeFile(t, "twice.json", doc))
	out := c.must("webhook", "test", "Twice", "Events", "--trigger", "Emit")
	t.Logf("%s", out)
	for _, want := range []string{"N = 1", "webhook 5 created, tested and deleted", "2 deliveries arrived; the first was mapped"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out = c.must("webhook", "test", "Twice", "Events", "--trigger", "Emit", "--json")
	var res struct {
		Deliveries int `json:"deliveries"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Deliveries != 2 {
		t.Errorf("--json deliveries = %d, %v; want 2", res.Deliveries, err)
	}
}
