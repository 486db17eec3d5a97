package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/engine"
	"patchbay/internal/oauthtest"
	"patchbay/model"
)

const (
	oauthClientID     = "client-4f1c"
	oauthClientSecret = "s3cret/Kq9+wZ"
	oauthToken        = "at-9d2e7f5a1b"
)

// oauthAPI is a token endpoint and an API behind it. The token endpoint
// takes the client credentials in the Authorization header, or, with
// inBody, only in the form; the API wants the token as a Bearer token.
type oauthAPI struct {
	inBody         bool
	tokenStatus    int    // answered instead of a token, if set, with tokenError
	tokenError     string // "invalid_client" when not set
	tokenBody      string // answered instead of the usual token, if set
	tokens, others atomic.Int32
}

func (a *oauthAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/token" {
		a.tokens.Add(1)
		r.ParseForm()
		user, pass, basic := r.BasicAuth()
		id, _ := url.QueryUnescape(user)
		secret, _ := url.QueryUnescape(pass)
		if !basic {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		switch {
		case a.tokenStatus != 0:
			code := a.tokenError
			if code == "" {
				code = "invalid_client"
			}
			w.WriteHeader(a.tokenStatus)
			fmt.Fprintf(w, `{"error":%q,"client_secret":%q}`, code, secret)
		case basic == a.inBody || id != oauthClientID || secret != oauthClientSecret || r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("scope") != "orders webhooks":
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"invalid_client"}`)
		case a.tokenBody != "":
			io.WriteString(w, a.tokenBody)
		default:
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, oauthToken)
		}
		return
	}
	a.others.Add(1)
	if r.Header.Get("Authorization") != "Bearer "+oauthToken {
		http.Error(w, "who are you", http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/hooks":
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id": 7, "echo": "`+r.Header.Get("Authorization")+`"}`)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		io.WriteString(w, `{"items": []}`)
	}
}

func oauthConnector(base string) *model.Connector {
	return &model.Connector{Name: "OAuthed",
		Authentication: []model.Authentication{{AuthName: "OAuth", AuthType: model.AuthOAuth2, TokenUrl: "{{BaseUrl}}/oauth/token", Scope: "orders webhooks", IsDefault: true}},
		Parameters:     []model.Parameter{{TargetType: model.TargetMergeField, TargetName: "BaseUrl", Values: []string{base}}},
		Methods: []model.Method{
			{Name: "List", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: "{{BaseUrl}}/items"},
			{Name: "Subscribe", MethodType: model.MethodAction, HttpMethod: "POST", Endpoint: "{{BaseUrl}}/hooks",
				RequestFormat:  model.Format{Fields: []model.Field{{ConnectorField: "url", DataType: model.FieldText, IsHidden: true, DefaultValue: "{{Cyclr_Webhook_Url}}"}}},
				ResponseFormat: model.Format{Fields: []model.Field{{ConnectorField: "id", SystemField: model.SystemFieldWebhookID, DataType: model.FieldInteger}}}},
			{Name: "Unsubscribe", MethodType: model.MethodAction, HttpMethod: "DELETE", Endpoint: "{{BaseUrl}}/hooks/{{Cyclr_Webhook_Id}}"},
			{Name: "Events", MethodType: model.MethodWebhook, CreateWebhookMethod: "Subscribe", DeleteWebhookMethod: "Unsubscribe"},
		}}
}

func oauthAccount() map[string]string {
	return map[string]string{model.SystemFieldAuthClientID: oauthClientID, model.SystemFieldAuthClientSecret: oauthClientSecret}
}

// An OAuth2 connector with client credentials gets its access token with
// the client credentials grant, once per run, as a step of its own, and
// sends it as a Bearer token; the secret, the Basic credential and the
// token are masked everywhere.
func TestOAuth2ClientCredentials(t *testing.T) {
	for _, inBody := range []bool{false, true} {
		t.Run(fmt.Sprintf("credentials in the body %t", inBody), func(t *testing.T) {
			api := &oauthAPI{inBody: inBody}
			srv := httptest.NewServer(api)
			defer srv.Close()
			r := &engine.Runner{Connector: oauthConnector(srv.URL), Account: oauthAccount()}

			res := r.RunMethod(context.Background(), "List")
			if !res.OK || len(res.Steps) != 2 || res.Steps[0].Name != engine.TokenStepName || !res.Steps[0].OK {
				t.Fatalf("run: ok %t, %s\n%s", res.OK, res.Error, dump(res))
			}
			if got := len(res.Steps[0].Console); got != map[bool]int{false: 0, true: 1}[inBody] {
				t.Errorf("token step console %q", res.Steps[0].Console)
			}

			ledger := &memLedger{}
			hook := r.RunWebhook(context.Background(), "Events", engine.WebhookOptions{Ledger: ledger})
			if !hook.OK || len(hook.Steps) != 3 || hook.Steps[0].Name != engine.TokenStepName || hook.WebhookID != "7" {
				t.Fatalf("lifecycle: ok %t, %s\n%s", hook.OK, hook.Error, dump(hook))
			}
			wantTokens := map[bool]int32{false: 2, true: 4}[inBody] // one token a run, each asked twice when the header is refused
			if api.tokens.Load() != wantTokens || api.others.Load() != 3 {
				t.Errorf("%d token requests (want %d), %d API requests (want 3)", api.tokens.Load(), wantTokens, api.others.Load())
			}
			out := dump(res) + dump(hook)
			for _, secret := range []string{oauthClientSecret, url.QueryEscape(oauthClientSecret), oauthToken} {
				if strings.Contains(out, secret) {
					t.Errorf("%q shows in the results:\n%s", secret, out)
				}
			}
			if !strings.Contains(out, `"Authorization": "Bearer `+engine.Mask) {
				t.Errorf("the Bearer token is not shown masked:\n%s", out)
			}
		})
	}
}

// A token that cannot be got stops the run before anything else is sent,
// saying why: no webhook is created without it.
func TestOAuth2TokenRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		api     *oauthAPI
		account map[string]string
		want    string
	}{
		{"no client credentials", &oauthAPI{}, map[string]string{}, "Connector 'OAuthed' › Authentication › OAuth › Token URL: nothing to get an access token with: set Cyclr_Auth_RefreshToken in the account values (a refresh token from signing in at the API's site, with Cyclr_Auth_ClientId), or Cyclr_Auth_ClientId and Cyclr_Auth_ClientSecret for the client credentials grant"},
		{"refused", &oauthAPI{tokenStatus: http.StatusForbidden}, oauthAccount(), `the OAuth2 token request to http://127.0.0.1:`},
		{"no access_token", &oauthAPI{tokenBody: `{"token_type":"Bearer"}`}, oauthAccount(), `the OAuth2 token response has no access_token at its top level: it is JSON with the keys token_type (the body is not shown, as it may hold credentials)`},
		{"a null access_token", &oauthAPI{tokenBody: `{"access_token":null,"refresh_token":"rt-rotated-0002"}`}, oauthAccount(), `the OAuth2 token response's access_token is null, empty or not text: it is JSON with the keys access_token, refresh_token (the body is not shown, as it may hold credentials)`},
		{"an empty form access_token", &oauthAPI{tokenBody: `access_token=&token_type=bearer`}, oauthAccount(), `the OAuth2 token response's access_token is null, empty or not text: it is form-encoded (the body`},
		{"not JSON", &oauthAPI{tokenBody: `Service unavailable`}, oauthAccount(), `the OAuth2 token response has no access_token at its top level: it is neither JSON nor form-encoded (Content-Type text/plain; charset=utf-8)`},
		{"a bad scope is not the client's fault", &oauthAPI{tokenStatus: http.StatusBadRequest, tokenError: "invalid_scope"}, oauthAccount(), `answered 400 Bad Request: {"error":"invalid_scope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.api)
			defer srv.Close()
			ledger := &memLedger{}
			r := &engine.Runner{Connector: oauthConnector(srv.URL), Account: tc.account}
			res := r.RunWebhook(context.Background(), "Events", engine.WebhookOptions{Ledger: ledger})
			rows, _ := ledger.ListWebhooks(context.Background(), false)
			if res.OK || !strings.Contains(res.Error, tc.want) || len(res.Steps) != 1 || tc.api.others.Load() != 0 || len(rows) != 0 || tc.api.tokens.Load() > 1 {
				t.Errorf("error %q (want %q), %d steps, %d token and %d API requests, %d ledger rows", res.Error, tc.want, len(res.Steps), tc.api.tokens.Load(), tc.api.others.Load(), len(rows))
			}
			if strings.Contains(dump(res), oauthClientSecret) {
				t.Errorf("the client secret shows:\n%s", dump(res))
			}
		})
	}
}

// An access token in the account values is sent as it is: no token is
// asked for.
func TestOAuth2TokenGiven(t *testing.T) {
	api := &oauthAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	account := oauthAccount()
	account[model.SystemFieldAuthAPIKey] = oauthToken
	r := &engine.Runner{Connector: oauthConnector(srv.URL), Account: account}
	res := r.RunMethod(context.Background(), "List")
	if !res.OK || len(res.Steps) != 1 || api.tokens.Load() != 0 {
		t.Errorf("ok %t, %d steps, %d token requests: %s", res.OK, len(res.Steps), api.tokens.Load(), res.Error)
	}
}

// A cleanup of an OAuth2 connector's webhook gets a token first; without
// one the row stays pending with why.
func TestOAuth2Cleanup(t *testing.T) {
	api := &oauthAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := oauthConnector(srv.URL)
	account := oauthAccount()
	load := func(context.Context, string) (*model.Connector, map[string]string, error) { return c, account, nil }
	ledger := &memLedger{}
	rec := &model.WebhookRecord{Connector: c.Name, Method: "Events", DeleteMethod: "Unsubscribe", WebhookID: "7", URL: "http://127.0.0.1:1/h"}
	if err := ledger.RecordWebhook(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	rows, _ := ledger.ListWebhooks(context.Background(), true)

	delete(account, model.SystemFieldAuthClientSecret)
	out := engine.Cleanup(context.Background(), ledger, load, rows, engine.CleanupOptions{})
	if len(out) != 1 || out[0].Deleted || !strings.Contains(out[0].Error, "nothing to get an access token with") || api.others.Load() != 0 {
		t.Fatalf("cleanup without credentials: %+v", out)
	}
	account[model.SystemFieldAuthClientSecret] = oauthClientSecret
	out = engine.Cleanup(context.Background(), ledger, load, rows, engine.CleanupOptions{})
	if len(out) != 1 || !out[0].Deleted || api.tokens.Load() != 1 || api.others.Load() != 1 {
		t.Errorf("cleanup: %+v; %d token and %d API requests", out, api.tokens.Load(), api.others.Load())
	}
}

// Token responses as providers write them: form-encoded, and with a
// refresh token and an id token beside the access token. Every credential
// in them is masked; the access token is used.
func TestOAuth2TokenResponses(t *testing.T) {
	const refresh, idToken = "rt-55aa17c3", "eyJhbGciOi.eyJzdWIi.sig77"
	for _, body := range []string{
		"access_token=" + oauthToken + "&token_type=bearer&scope=orders",
		`{"access_token":"` + oauthToken + `","refresh_token":"` + refresh + `","id_token":"` + idToken + `","token_type":"bearer"}`,
	} {
		api := &oauthAPI{tokenBody: body}
		srv := httptest.NewServer(api)
		r := &engine.Runner{Connector: oauthConnector(srv.URL), Account: oauthAccount()}
		res := r.RunMethod(context.Background(), "List")
		srv.Close()
		out := dump(res)
		if !res.OK {
			t.Errorf("token response %s: %s", body, res.Error)
		}
		for _, secret := range []string{oauthToken, refresh, idToken} {
			if strings.Contains(out, secret) {
				t.Errorf("token response %s: %q shows:\n%s", body, secret, out)
			}
		}
	}
}

// No token is asked for when what the run sends ignores authentication;
// an empty access token given for the run asks for a fresh one, which is
// then sent.
func TestOAuth2WhenNeeded(t *testing.T) {
	api := &oauthAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := oauthConnector(srv.URL)
	c.Methods = append(c.Methods, model.Method{Name: "Health", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: "{{BaseUrl}}/health", IgnoreAuthentication: true})
	r := &engine.Runner{Connector: c}
	if res := r.RunMethod(context.Background(), "Health"); len(res.Steps) != 1 || api.tokens.Load() != 0 {
		t.Errorf("a method that ignores authentication: %d steps, %d token requests: %s", len(res.Steps), api.tokens.Load(), res.Error)
	}
	account := oauthAccount()
	account[model.SystemFieldAuthAPIKey] = "expired-token-1"
	r = &engine.Runner{Connector: c, Account: account, Inputs: map[string]string{model.SystemFieldAuthAPIKey: ""}}
	if res := r.RunMethod(context.Background(), "List"); !res.OK || api.tokens.Load() != 1 {
		t.Errorf("an empty access token given for the run: ok %t, %d token requests: %s", res.OK, api.tokens.Load(), res.Error)
	}
}

// A tunnel whose port another program holds is refused before the client
// secret goes to the token endpoint.
func TestOAuth2AfterTheReceiver(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	api := &oauthAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	r := &engine.Runner{Connector: oauthConnector(srv.URL), Account: oauthAccount()}
	res := r.RunWebhook(context.Background(), "Events", engine.WebhookOptions{Ledger: &memLedger{}, Tunnel: "https://t.example", TunnelAddr: busy.Addr().String()})
	if res.OK || !strings.Contains(res.Error, "uses that port") || api.tokens.Load() != 0 || len(res.Steps) != 0 {
		t.Errorf("error %q, %d token requests, %d steps", res.Error, api.tokens.Load(), len(res.Steps))
	}
}

// With a refresh token, a run gets its access token by the refresh token
// grant; a refresh token the provider rotates comes back in
// AccountUpdates, masked everywhere, and the next run goes on with it.
func TestOAuth2RefreshToken(t *testing.T) {
	for _, public := range []bool{false, true} {
		t.Run(fmt.Sprintf("public client %t", public), func(t *testing.T) {
			api := oauthtest.New("rt-first-0001")
			if public {
				api.ClientID = oauthClientID
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			account := map[string]string{model.SystemFieldAuthClientID: oauthClientID, model.SystemFieldAuthRefreshToken: "rt-first-0001"}
			if !public {
				account[model.SystemFieldAuthClientSecret] = oauthClientSecret
			}
			for run := 1; run <= 2; run++ {
				r := &engine.Runner{Connector: oauthConnector(srv.URL), Account: account}
				res := r.RunMethod(context.Background(), "List")
				next := oauthtest.Refresh(run)
				if !res.OK || res.AccountUpdates[model.SystemFieldAuthRefreshToken] != next {
					t.Fatalf("run %d: ok %t, updates %v: %s", run, res.OK, res.AccountUpdates, res.Error)
				}
				if out := dump(res); strings.Contains(out, account[model.SystemFieldAuthRefreshToken]) || strings.Contains(out, next) {
					t.Errorf("run %d: a refresh token shows:\n%s", run, out)
				}
				maps.Copy(account, res.AccountUpdates) // as the window and the command line keep it
			}
		})
	}
}

// A cleanup of two rows of a connector whose provider rotates refresh
// tokens: the second delete gets its token with the refresh token the
// first one's token step got, and the results hand it back to keep.
func TestOAuth2CleanupRotates(t *testing.T) {
	provider := oauthtest.New("rt-first-0001")
	srv := httptest.NewServer(provider)
	defer srv.Close()
	c := oauthConnector(srv.URL)
	account := map[string]string{model.SystemFieldAuthClientID: oauthClientID, model.SystemFieldAuthClientSecret: oauthClientSecret, model.SystemFieldAuthRefreshToken: "rt-first-0001"}
	load := func(context.Context, string) (*model.Connector, map[string]string, error) { return c, account, nil }
	ledger := &memLedger{}
	for _, id := range []string{"7", "8"} {
		if err := ledger.RecordWebhook(context.Background(), &model.WebhookRecord{Connector: c.Name, Method: "Events", DeleteMethod: "Unsubscribe", WebhookID: id, URL: "http://127.0.0.1:1/h"}); err != nil {
			t.Fatal(err)
		}
	}
	rows, _ := ledger.ListWebhooks(context.Background(), true)
	out := engine.Cleanup(context.Background(), ledger, load, rows, engine.CleanupOptions{})
	if len(out) != 2 || !out[0].Deleted || !out[1].Deleted {
		t.Fatalf("cleanup: %+v", out)
	}
	if out[0].AccountUpdates[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(1) || out[1].AccountUpdates[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(2) {
		t.Errorf("updates %v, %v", out[0].AccountUpdates, out[1].AccountUpdates)
	}
}

// A rotated refresh token is handed to OnAccountUpdate before the run goes
// on (Result.AccountUpdates holds what it could not keep), and a run that
// begins from account values holding a token this process saw spent goes
// on with the one that replaced it.
func TestOAuth2KeepsAndFollowsRotation(t *testing.T) {
	provider := oauthtest.New("rt-first-0001")
	srv := httptest.NewServer(provider)
	defer srv.Close()
	stale := map[string]string{model.SystemFieldAuthClientID: oauthClientID, model.SystemFieldAuthClientSecret: oauthClientSecret, model.SystemFieldAuthRefreshToken: "rt-first-0001"}
	var kept []string
	r := &engine.Runner{Connector: oauthConnector(srv.URL), Account: stale, OnAccountUpdate: func(u map[string]string) error {
		kept = append(kept, u[model.SystemFieldAuthRefreshToken])
		return nil
	}}
	if res := r.RunMethod(context.Background(), "List"); !res.OK || len(res.AccountUpdates) != 0 || len(kept) != 1 || kept[0] != oauthtest.Refresh(1) {
		t.Fatalf("ok %t, updates %v, kept %q: %s", res.OK, res.AccountUpdates, kept, res.Error)
	}
	// The same stale values again, and a keeper that fails.
	r = &engine.Runner{Connector: oauthConnector(srv.URL), Account: stale, OnAccountUpdate: func(map[string]string) error { return errors.New("disk full") }}
	res := r.RunMethod(context.Background(), "List")
	if !res.OK || res.AccountUpdates[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(2) ||
		!strings.Contains(strings.Join(res.Steps[0].Console, "\n"), "could not be kept: disk full") {
		t.Errorf("from stale values: ok %t, updates %v, console %q: %s", res.OK, res.AccountUpdates, res.Steps[0].Console, res.Error)
	}
}

// A run waiting for another run's refresh at the same token endpoint stops
// waiting when it is cancelled; a run of another endpoint does not wait.
func TestOAuth2RefreshTurns(t *testing.T) {
	gate, asked := make(chan struct{}), make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/token") {
			asked <- struct{}{}
			<-gate
		}
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
	}))
	defer slow.Close()
	defer close(gate)
	fast := httptest.NewServer(oauthtest.New("rt-fast-1"))
	defer fast.Close()
	account := func(token string) map[string]string {
		return map[string]string{model.SystemFieldAuthClientID: oauthClientID, model.SystemFieldAuthClientSecret: oauthClientSecret, model.SystemFieldAuthRefreshToken: token}
	}
	go (&engine.Runner{Connector: oauthConnector(slow.URL), Account: account("rt-slow-1")}).RunMethod(context.Background(), "List")
	<-asked // its token request is out: it holds the slow endpoint's turn

	if res := (&engine.Runner{Connector: oauthConnector(fast.URL), Account: account("rt-fast-1")}).RunMethod(context.Background(), "List"); !res.OK {
		t.Errorf("a run of another token endpoint: %s", res.Error)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := (&engine.Runner{Connector: oauthConnector(slow.URL), Account: account("rt-slow-2")}).RunMethod(ctx, "List")
	if took := time.Since(start); res.OK || !strings.Contains(res.Error, "waiting for another run's token request") || took > 2*time.Second {
		t.Errorf("a cancelled run waiting for its turn: %q after %s", res.Error, took)
	}
}

// A provider that hands an earlier refresh token back (A, then B, then A
// again) makes it live again: it is sent as it is, not followed to B.
func TestOAuth2RotationBackAndForth(t *testing.T) {
	var sent []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/token") {
			io.WriteString(w, `{}`)
			return
		}
		r.ParseForm()
		got := r.PostForm.Get("refresh_token")
		sent = append(sent, got)
		next := map[string]string{"rt-A": "rt-B", "rt-B": "rt-A"}[got]
		fmt.Fprintf(w, `{"access_token":"at","refresh_token":%q}`, next)
	}))
	defer srv.Close()
	for _, token := range []string{"rt-A", "rt-B", "rt-A"} {
		account := map[string]string{model.SystemFieldAuthClientID: oauthClientID, model.SystemFieldAuthClientSecret: oauthClientSecret, model.SystemFieldAuthRefreshToken: token}
		c := oauthConnector(srv.URL)
		c.Methods[0].IgnoreAuthentication = false
		(&engine.Runner{Connector: c, Account: account}).RunMethod(context.Background(), "List")
	}
	if strings.Join(sent, " ") != "rt-A rt-B rt-A" {
		t.Errorf("tokens sent %q, want each run's own", sent)
	}
}

// memTurns keeps refresh turns and rotations as the store does, in memory.
type memTurns struct {
	mu      sync.Mutex
	holders map[string]string // endpoint → holder
	next    map[string]string // endpoint NUL spent → next
	claims  int
}

func (m *memTurns) ClaimRefreshTurn(_ context.Context, endpoint, owner string, stale func(string, time.Time) bool) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.claims++
	if h, ok := m.holders[endpoint]; ok && h != owner && !stale(h, time.Now()) {
		return false, nil
	}
	m.holders[endpoint] = owner
	return true, nil
}

func (m *memTurns) GiveBackRefreshTurn(_ context.Context, endpoint, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.holders[endpoint] == owner {
		delete(m.holders, endpoint)
	}
	return nil
}

func (m *memTurns) RecordRotatedRefreshToken(_ context.Context, endpoint, spent, next string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next[endpoint+"\x00"+spent] = next
	return nil
}

func (m *memTurns) RotatedRefreshToken(_ context.Context, endpoint, spent string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.next[endpoint+"\x00"+spent], nil
}

// With Turns, a refresh waits while a live process has the endpoint's
// turn (saying so on its step, and stopping when cancelled), takes over
// the turn of a process that ended, gives it back when its answer is in,
// and starts from the token another process rotated its own into.
func TestOAuth2RefreshTurnsAcrossProcesses(t *testing.T) {
	provider := oauthtest.New("rt-rotated-by-another")
	srv := httptest.NewServer(provider)
	defer srv.Close()
	endpoint := srv.URL + "/oauth/token"
	account := map[string]string{model.SystemFieldAuthClientID: oauthClientID, model.SystemFieldAuthClientSecret: oauthClientSecret, model.SystemFieldAuthRefreshToken: "rt-spent-elsewhere"}
	turns := &memTurns{holders: map[string]string{}, next: map[string]string{}}

	// A live process holds the turn: this test's parent.
	turns.holders[endpoint] = strconv.Itoa(os.Getppid()) + " run 1"
	var console []string
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r := &engine.Runner{Connector: oauthConnector(srv.URL), Account: account, Turns: turns,
		OnStep: func(s *engine.Step) { console = s.Console }}
	if res := r.RunMethod(ctx, "List"); res.OK || !strings.Contains(res.Error, "waiting for another run's token request") ||
		!slices.Contains(console, "waiting for another Patchbay's token request to the same endpoint") {
		t.Fatalf("waiting on a live process: ok %t, %q, console %q", res.OK, res.Error, console)
	}
	if turns.claims < 2 {
		t.Errorf("the turn was claimed %d times while waiting, want it asked again", turns.claims)
	}

	// That process ends without giving the turn back; another process
	// had rotated this run's token meanwhile.
	turns.holders[endpoint] = "2147483646 run 1" // no such process
	turns.next[endpoint+"\x00rt-spent-elsewhere"] = "rt-rotated-by-another"
	r = &engine.Runner{Connector: oauthConnector(srv.URL), Account: account, Turns: turns}
	res := r.RunMethod(context.Background(), "List")
	if !res.OK || res.AccountUpdates[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(1) {
		t.Fatalf("after the holder ended: ok %t, updates %v: %s", res.OK, res.AccountUpdates, res.Error)
	}
	if h, held := turns.holders[endpoint]; held {
		t.Errorf("the turn is still held, by %q", h)
	}
	if got := turns.next[endpoint+"\x00rt-rotated-by-another"]; got != oauthtest.Refresh(1) {
		t.Errorf("the rotation recorded for other processes: %q", got)
	}
	if out := dump(res); strings.Contains(out, "rt-rotated-by-another") || strings.Contains(out, oauthtest.Refresh(1)) {
		t.Errorf("a refresh token shows:\n%s", out)
	}
}

// An XML token answer is read from its root element's children, and the
// root's own name, though it names a token, makes nothing else in it a
// secret: the API's address beside the token stays readable in every step.
func TestOAuth2XMLAnswerRootNamesAToken(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprintf(w, `<TokenResponse><access_token>at-LIVE-7f3a9c</access_token><token_type>Bearer</token_type><scope>orders webhooks</scope><instance_url>%s</instance_url></TokenResponse>`, srv.URL)
			return
		}
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	res := (&engine.Runner{Connector: oauthConnector(srv.URL), Account: oauthAccount()}).RunMethod(context.Background(), "List")
	if !res.OK || len(res.Steps) != 2 || res.Steps[1].Request.URL != srv.URL+"/items" || !strings.Contains(res.Steps[0].Request.Body, "scope=orders+webhooks") {
		t.Errorf("ok %t: %s\n%s", res.OK, res.Error, dump(res))
	}
	if strings.Contains(dump(res), "at-LIVE-7f3a9c") {
		t.Errorf("the token shows:\n%s", dump(res))
	}
}

// A 2xx token answer in a shape Patchbay reads no access token from is
// not shown, in the step, the error or the history, and nothing under a
// key naming a token shows anywhere; an XML answer is read (the root
// element's children), and its new refresh token kept; a token written as
// a number is sent as written.
func TestOAuth2TokenAnswers(t *testing.T) {
	const tok = "at-LIVE-7f3a9c"
	big := `{"access_token":"` + tok + `","pad":"` + strings.Repeat("x", engine.MaxResponseBody) + `"}`
	for _, tc := range []struct {
		name, ctype, body string
		ok                bool
		want              string // in the error, or the token sent
	}{
		{"xml", "application/xml", `<?xml version="1.0"?><OAuth><access_token>` + tok + `</access_token><refresh_token>rt-NEW-0b2d77</refresh_token></OAuth>`, true, "Bearer " + tok},
		{"nested", "application/json", `{"data":{"access_token":"` + tok + `"}}`, false, "it is JSON with the keys data (the body is not shown"},
		{"camel case", "application/json", `{"accessToken":"` + tok + `","tokenType":"bearer"}`, false, "it is JSON with the keys accessToken, tokenType"},
		{"object", "application/json", `{"access_token":{"value":"` + tok + `"}}`, false, "it is JSON with the keys access_token"},
		{"html page", "text/html", `<html><body>access_token=` + tok + `</body></html>`, false, "it is an HTML page"},
		{"jsonp", "application/javascript", `cb({"access_token":"` + tok + `"})`, false, "neither JSON nor form-encoded (Content-Type application/javascript)"},
		{"form with a semicolon", "application/x-www-form-urlencoded", `access_token=` + tok + `&note=a;b`, false, "neither JSON nor form-encoded"},
		{"over the cap", "application/json", big, false, "response body is larger than 10 MiB"},
		{"number", "application/json", `{"access_token":12345678901234567890.5}`, true, "Bearer 12345678901234567890.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sent atomic.Value
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/oauth/token" {
					w.Header().Set("Content-Type", tc.ctype)
					io.WriteString(w, tc.body)
					return
				}
				sent.Store(r.Header.Get("Authorization"))
				io.WriteString(w, `{}`)
			}))
			defer srv.Close()
			account := oauthAccount()
			account[model.SystemFieldAuthRefreshToken] = "rt-OLD-11aa22"
			var kept []string
			r := &engine.Runner{Connector: oauthConnector(srv.URL), Account: account, OnAccountUpdate: func(u map[string]string) error {
				kept = append(kept, u[model.SystemFieldAuthRefreshToken])
				return nil
			}}
			res := r.RunMethod(context.Background(), "List")
			if tc.ok {
				if got, _ := sent.Load().(string); !res.OK || got != tc.want {
					t.Fatalf("ok %t, sent %q (want %q): %s", res.OK, got, tc.want, res.Error)
				}
			} else if res.OK || !strings.Contains(res.Error, tc.want) {
				t.Fatalf("ok %t, error %q, want %q", res.OK, res.Error, tc.want)
			}
			if tc.name == "xml" && (len(kept) != 1 || kept[0] != "rt-NEW-0b2d77") {
				t.Errorf("the XML answer's refresh token: kept %q", kept)
			}
			rec, err := res.HistoryRecord()
			if err != nil {
				t.Fatal(err)
			}
			out := dump(res) + string(rec.Log)
			for _, secret := range []string{tok, "12345678901234567890", "rt-NEW-0b2d77", "xxxxxxxxxx"} {
				if strings.Contains(out, secret) {
					t.Errorf("%q shows", secret)
				}
			}
		})
	}
}
