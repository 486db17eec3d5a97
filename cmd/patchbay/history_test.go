package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/engine/sandbox"
	"patchbay/internal/oauthtest"
	"patchbay/model"
	"patchbay/model/store"
)

// The history lists a connector's runs newest first, of one method when
// asked, and shows any of them step by step, as text or JSON.
func TestHistory(t *testing.T) {
	srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
	defer srv.Close()
	c := newCLI(t)
	const ex = "Webhook Example"
	if out := c.must("history", ex); !strings.Contains(out, "no runs of Webhook Example in the history") {
		t.Errorf("empty history: %q", out)
	}
	c.must("set", ex, "BaseUrl="+srv.URL)
	c.must("webhook", "test", ex, "New Order", "--trigger", "Create Order")
	c.must("run", ex, "Create Order")

	out := c.must("history", ex)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "method  Create Order  passed in") || !strings.Contains(lines[1], "webhook New Order  passed in") ||
		!strings.HasSuffix(lines[1], "(webhook 1)") || lines[2] != "To see a run step by step: patchbay history 'Webhook Example' --run N" {
		t.Errorf("history:\n%s", out)
	}
	var list []runSummary
	if err := json.Unmarshal([]byte(c.must("history", ex, "New Order", "--json")), &list); err != nil || len(list) != 1 ||
		list[0].Method != "New Order" || !list[0].OK || list[0].WebhookID != "1" || list[0].Kind != "webhook" {
		t.Fatalf("New Order's runs as JSON: %+v, %v", list, err)
	}
	id := strconv.FormatInt(list[0].ID, 10)
	shown := c.must("history", ex, "--run", id)
	for _, want := range []string{"run " + id + " of Webhook Example › New Order", "✓ Create webhook (Create Webhook)  POST " + srv.URL + "/webhooks → 201",
		"    CustomerEmail = \"ada@example.com\"", "✓ Delete webhook (Delete Webhook)  DELETE " + srv.URL + "/webhooks/1 → 204", "Cyclr_Webhook_Id: 1",
		"delivery signed: the signature checks: the X-Webhook-Signature header holds the HMAC-SHA256 of the body under the secret"} {
		if !strings.Contains(shown, want) {
			t.Errorf("run %s lacks %q:\n%s", id, want, shown)
		}
	}
	var res struct {
		OK    bool
		Steps []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(c.must("history", ex, "--run", id, "--json")), &res); err != nil || !res.OK || len(res.Steps) != 4 {
		t.Errorf("run %s as JSON: %+v, %v", id, res, err)
	}

	// Renamed since: the run shows under the connector's name now.
	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.LoadConnector(context.Background(), ex)
	if err == nil {
		conn.Name = "Shop"
		err = db.SaveConnector(context.Background(), conn)
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out := c.must("history", "Shop", "--run", id); !strings.HasPrefix(out, "run "+id+" of Shop › New Order") {
		t.Errorf("after a rename:\n%s", out)
	}
	conn.Name = ex
	db, _ = store.Open(c.db)
	err = db.SaveConnector(context.Background(), conn)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"history", ex, "--run", "99"}, `connector "Webhook Example" has no run 99 in the history; patchbay history 'Webhook Example' lists them`},
		{[]string{"history", ex, "Create Order", "--run", id}, `method "Create Order" of connector "Webhook Example" has no run ` + id + ` in the history`},
		{[]string{"history", ex, "Nope"}, `connector "Webhook Example" has no method "Nope", and no run of one is kept`},
		{[]string{"history", "Nope"}, `"Nope"`},
		{[]string{"history", ex, "--run", "-1"}, "--run -1: runs are numbered from 1"},
		{[]string{"history", ex, "--run", "0"}, "--run 0: runs are numbered from 1"},
		{[]string{"history"}, "too few arguments"},
	} {
		if code, _, errOut := c.run(tc.args...); code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// A run kept without a run's log (a row written by hand, or damaged) is
// listed as unreadable, and showing it fails with exit 1, naming it; a
// null step is left out.
func TestHistoryUnreadableRun(t *testing.T) {
	c := newCLI(t)
	db, err := store.Open(c.db)
	if err != nil {
		t.Fatal(err)
	}
	for _, log := range []string{`null`, `{"method": "New Order", "kind": "webhook", "steps": [null]}`} {
		if err := db.SaveRun(context.Background(), &model.RunRecord{Connector: "Webhook Example", Method: "New Order", Kind: "webhook", StartedAt: time.Now(), Log: json.RawMessage(log)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if out := c.must("history", "Webhook Example"); !strings.Contains(out, "failed: run 1 of New Order in the history cannot be read: it was kept without a run's log") {
		t.Errorf("history:\n%s", out)
	}
	if code, _, errOut := c.run("history", "Webhook Example", "--run", "1"); code != exitFailed || !strings.Contains(errOut, "run 1 of New Order in the history cannot be read") {
		t.Errorf("--run 1: exit %d, %q", code, errOut)
	}
	if out := c.must("history", "Webhook Example", "--run", "2"); !strings.Contains(out, "run 2 of ") {
		t.Errorf("--run 2 with a null step:\n%s", out)
	}
}

// A value shown in runs before its parameter was made Sensitive is masked
// when those runs are listed or shown now.
func TestHistoryMasksValuesMadeSecretSince(t *testing.T) {
	const tenant = "tenant-Q8w3zLr5"
	base := echoAPI(t)
	c := newCLI(t)
	doc := func(sensitive bool) string {
		return writeFile(t, "t.json", `{"Format": "patchbay.connector/1", "Name": "Tenant",
  "Parameters": [{"TargetType": "HttpHeader", "TargetName": "X-Tenant", "IsSensitive": `+strconv.FormatBool(sensitive)+`, "Values": ["`+tenant+`"]}],
  "Methods": [{"Name": "Fail", "MethodType": "Action", "HttpMethod": "GET", "Endpoint": "`+base+`/fail"}]}`)
	}
	c.must("import", doc(false))
	c.run("run", "Tenant", "Fail") // 401, the header echoed in the error
	if out := c.must("history", "Tenant", "--run", "1", "--json"); !strings.Contains(out, tenant) {
		t.Fatalf("the run does not show the value before it is a secret:\n%s", out)
	}
	c.must("import", "--replace", doc(true))
	var all strings.Builder
	for _, args := range [][]string{{"history", "Tenant"}, {"history", "Tenant", "--json"}, {"history", "Tenant", "--run", "1"}, {"history", "Tenant", "--run", "1", "--json"}} {
		all.WriteString(c.must(args...))
	}
	if out := all.String(); strings.Contains(out, tenant) || !strings.Contains(out, model.SecretPlaceholder) {
		t.Errorf("the value made Sensitive shows, or nothing was masked:\n%s", out)
	}
}

// A refresh token the OAuth2 provider rotates is kept in the account
// values, so that the next run gets a token with it; it never shows.
func TestRotatedRefreshTokenKept(t *testing.T) {
	provider := oauthtest.New("rt-first-0001")
	provider.ClientID = "cid" // a public client
	srv := httptest.NewServer(provider)
	defer srv.Close()
	c := newCLI(t)
	importOAuthed(c, srv.URL)
	var all strings.Builder
	for run := 1; run <= 2; run++ {
		code, out, errOut := c.run("run", "OAuthed", "List")
		all.WriteString(out + errOut)
		if code != exitOK || !strings.Contains(errOut, `kept the new Cyclr_Auth_RefreshToken the API gave in the account values of "OAuthed"`) {
			t.Fatalf("run %d: exit %d\n%s%s", run, code, out, errOut)
		}
	}
	all.WriteString(c.must("history", "OAuthed", "--run", "2", "--json") + c.must("set", "OAuthed"))
	for _, secret := range []string{"rt-first-0001", oauthtest.Refresh(1), oauthtest.Refresh(2), "at-1", "at-2"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("%q shows:\n%s", secret, all.String())
		}
	}
}

// A rotated refresh token goes to the connector by its ID: renamed (by the
// window) while the run's token request was out, it still gets it.
func TestRotatedRefreshTokenKeptAfterARename(t *testing.T) {
	c := newCLI(t)
	provider := oauthtest.New("rt-first-0001")
	provider.ClientID = "cid"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/token") {
			db, err := store.Open(c.db)
			if err == nil {
				if conn, err := db.LoadConnector(context.Background(), "OAuthed"); err == nil {
					conn.Name = "OAuthed v2"
					db.SaveConnector(context.Background(), conn)
				}
				db.Close()
			}
		}
		provider.ServeHTTP(w, r)
	}))
	defer srv.Close()
	importOAuthed(c, srv.URL)
	if code, out, errOut := c.run("run", "OAuthed", "List"); code != exitOK || !strings.Contains(errOut, `kept the new Cyclr_Auth_RefreshToken the API gave in the account values of "OAuthed v2"`) {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// Two Patchbay processes on one database refresh the same rotating token
// at the same moment: the second waits for the first's token request and
// goes on with the token it got, instead of sending the spent one, and
// both runs pass. The newest token is the one kept.
func TestTwoProcessesRefreshOneRotatingToken(t *testing.T) {
	provider := oauthtest.New("rt-first-0001")
	provider.ClientID, provider.AnyIssued = "cid", true
	var tokenRequests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/token") {
			tokenRequests.Add(1)
			time.Sleep(300 * time.Millisecond) // both are out at once, unless one waits
		}
		provider.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newCLI(t)
	importOAuthed(c, srv.URL)
	for round := range 2 {
		var wg sync.WaitGroup
		outs := make([][]byte, 2)
		errs := make([]error, 2)
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = patchbayCmd("run", "OAuthed", "List", "--db", c.db).CombinedOutput()
			}()
		}
		wg.Wait()
		for i := range outs {
			if errs[i] != nil {
				t.Errorf("round %d, process %d: %v\n%s", round, i, errs[i], outs[i])
			}
			if strings.Contains(string(outs[i]), "rt-") {
				t.Errorf("round %d, process %d shows a refresh token:\n%s", round, i, outs[i])
			}
		}
	}
	if n := tokenRequests.Load(); n != 4 {
		t.Errorf("%d token requests for 4 runs, want 4", n)
	}
	if kept := accountValue(t, c.db, "OAuthed", model.SystemFieldAuthRefreshToken); kept != oauthtest.Refresh(4) {
		t.Errorf("kept refresh token %q, want the newest, %q", kept, oauthtest.Refresh(4))
	}
}

// accountValue reads one account value of a connector from the database.
func accountValue(t *testing.T, path, connector, key string) string {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	values, err := db.AccountValues(context.Background(), connector)
	if err != nil {
		t.Fatal(err)
	}
	return values[key]
}

// importOAuthed imports "OAuthed", an OAuth2 connector of the public
// client cid whose token endpoint and one method, List, are at base, and
// sets its first refresh token, rt-first-0001.
func importOAuthed(c *cli, base string) {
	c.t.Helper()
	c.must("import", writeFile(c.t, "o.json", `{"Format": "patchbay.connector/1", "Name": "OAuthed",
  "Authentication": [{"AuthName": "OAuth", "AuthType": "OAuth2", "TokenUrl": "`+base+`/token", "IsDefault": true}],
  "Methods": [{"Name": "List", "MethodType": "Action", "HttpMethod": "GET", "Endpoint": "`+base+`/items"}]}`))
	c.must("set", "OAuthed", "Cyclr_Auth_ClientId=cid", "Cyclr_Auth_RefreshToken=rt-first-0001")
}

// A Patchbay killed while its token request is out leaves its refresh
// turn behind: the next run takes it over at once, as its process is gone,
// instead of waiting for the turn to grow stale.
func TestKilledRefreshLeavesNoTurnBehind(t *testing.T) {
	provider := oauthtest.New("rt-first-0001")
	provider.ClientID, provider.AnyIssued = "cid", true
	asked, release := make(chan struct{}, 1), make(chan struct{})
	var first atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/token") && first.CompareAndSwap(false, true) {
			asked <- struct{}{}
			<-release // the first token request never gets its answer
			return
		}
		provider.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer close(release)
	c := newCLI(t)
	importOAuthed(c, srv.URL)
	killed := patchbayCmd("run", "OAuthed", "List", "--db", c.db)
	if err := killed.Start(); err != nil {
		t.Fatal(err)
	}
	defer killed.Process.Kill()
	select {
	case <-asked: // it holds the turn while its request is out
	case <-time.After(30 * time.Second):
		t.Fatal("the first run's token request never came")
	}
	if err := killed.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed.Wait()
	code, out, errOut := c.run("run", "OAuthed", "List")
	if code != exitOK || strings.Contains(out+errOut, "waiting for another Patchbay") {
		t.Errorf("the run after the kill: exit %d\n%s%s", code, out, errOut)
	}
}
