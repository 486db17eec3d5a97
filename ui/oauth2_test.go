package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"patchbay/internal/oauthtest"
	"patchbay/model"
	"patchbay/model/store"
)

// An OAuth2 authentication is given its Token URL and Scope in the grid;
// the Account Values tab then asks for the client id and secret, masked,
// beside the access token, and they are saved with the connector.
func TestOAuth2Authentication(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	m := newWindow(t, test.NewTempApp(t), st)
	m.sidebar.tree.Select(m.open.key)
	ce := m.connEd
	ce.tabs.SelectIndex(connTabAuthentication)
	auth := ce.auth.rows[0]
	// The example's ApiKey row: an example Token URL would pass for a value.
	if auth.tokenURL.PlaceHolder != "OAuth2 only" || auth.header.PlaceHolder != "e.g. X-Api-Key" {
		t.Errorf("an ApiKey row's placeholders: Token URL %q, header %q", auth.tokenURL.PlaceHolder, auth.header.PlaceHolder)
	}
	auth.authType.SetSelected(string(model.AuthOAuth2))
	if auth.tokenURL.PlaceHolder != "e.g. {{BaseUrl}}/oauth/token" || auth.header.PlaceHolder != "ApiKey only" {
		t.Errorf("an OAuth2 row's placeholders: Token URL %q, header %q", auth.tokenURL.PlaceHolder, auth.header.PlaceHolder)
	}
	test.Type(auth.tokenURL, "{{BaseUrl}}/oauth/token")
	test.Type(auth.scope, "orders")
	if a := m.open.conn.Authentication[0]; a.AuthType != model.AuthOAuth2 || a.TokenUrl != "{{BaseUrl}}/oauth/token" || a.Scope != "orders" {
		t.Fatalf("the grid's edits: %+v", a)
	}
	ce.tabs.SelectIndex(connTabAccount)
	for _, k := range []string{model.SystemFieldAuthClientID, model.SystemFieldAuthClientSecret, model.SystemFieldAuthAPIKey} {
		e := ce.account.entries[k]
		if e == nil || !e.Password {
			t.Fatalf("Account Values offers %v; want %s, masked", ce.account.keys(), k)
		}
	}
	test.Type(ce.account.entries[model.SystemFieldAuthClientSecret], "s3cret")
	if !m.save() {
		t.Fatal("not saved")
	}
	c, err := st.LoadConnector(context.Background(), "Example")
	if err != nil || c.Authentication[0].TokenUrl != "{{BaseUrl}}/oauth/token" || c.Authentication[0].Scope != "orders" {
		t.Errorf("stored authentication %+v, %v", c.Authentication, err)
	}
	if vals, _ := st.AccountValues(context.Background(), "Example"); vals[model.SystemFieldAuthClientSecret] != "s3cret" {
		t.Errorf("stored account values %v", vals)
	}
}

// oauthWindow opens the window on an OAuth2 connector, "OAuthed", whose
// provider rotates refresh tokens, its API behind gate (nil: open).
func oauthWindow(t *testing.T, gate chan struct{}) (*store.DB, *MainWindow, *methodEditor) {
	t.Helper()
	provider := oauthtest.New("rt-first-0001")
	provider.ClientID = "cid" // a public client
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gate != nil && !strings.HasSuffix(r.URL.Path, "/token") {
			<-gate
		}
		provider.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	st, _ := newStore(t)
	ctx := context.Background()
	c := &model.Connector{Name: "OAuthed",
		Authentication: []model.Authentication{{AuthName: "OAuth", AuthType: model.AuthOAuth2, TokenUrl: srv.URL + "/token", IsDefault: true}},
		Methods:        []model.Method{{Name: "List", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: srv.URL + "/items"}}}
	if err := st.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	st.SetAccountValues(ctx, "OAuthed", map[string]string{model.SystemFieldAuthClientID: "cid", model.SystemFieldAuthRefreshToken: "rt-first-0001"})
	m := testWindow(t, st)
	ed := openMethod(t, m, "List")
	ed.selectTab(tabTest)
	return st, m, ed
}

// A refresh token the OAuth2 provider rotates during a test run is kept
// in the store the moment it comes, under the connector's name then (it
// was renamed and saved while the run went on), and in the window.
func TestTestTab_RotatedRefreshTokenKept(t *testing.T) {
	gate := make(chan struct{})
	st, m, ed := oauthWindow(t, gate)
	ctx := context.Background()
	fyne.DoAndWait(func() { ed.test.onRun() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		vals, _ := st.AccountValues(ctx, "OAuthed")
		if vals[model.SystemFieldAuthRefreshToken] == oauthtest.Refresh(1) {
			break // kept while the run still waits for the API
		}
		if time.Now().After(deadline) {
			t.Fatal("the rotated refresh token was not kept while the run went on")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fyne.DoAndWait(func() {
		m.open.conn.Name = "OAuthed v2"
		m.open.dirty = true
		if !m.save() {
			t.Fatal("the rename was not saved")
		}
	})
	close(gate)
	waitRun(t, ed.test)
	vals, _ := st.AccountValues(ctx, "OAuthed v2")
	fyne.DoAndWait(func() {
		if !ed.test.last.OK || vals[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(1) || m.open.account[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(1) || m.open.dirty {
			t.Errorf("ok %t (%s); stored %q, open %q, dirty %t", ed.test.last.OK, ed.test.last.Error, vals[model.SystemFieldAuthRefreshToken], m.open.account[model.SystemFieldAuthRefreshToken], m.open.dirty)
		}
	})
}

// A refresh token another run replaced in the store (the command line,
// with the window open) is the one the window's next run starts from; a
// duplicate of the connector leaves the token with the original.
func TestTestTab_RefreshTokenFromTheStore(t *testing.T) {
	st, m, ed := oauthWindow(t, nil)
	ctx := context.Background()
	// Another process's run: it spends the first token and keeps the next.
	resp, err := http.PostForm(m.open.conn.Authentication[0].TokenUrl, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt-first-0001"}, "client_id": {"cid"}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the other run's refresh: %v %v", resp, err)
	}
	resp.Body.Close()
	st.SetAccountValues(ctx, "OAuthed", map[string]string{model.SystemFieldAuthRefreshToken: oauthtest.Refresh(1)})
	fyne.DoAndWait(func() { ed.test.onRun() })
	waitRun(t, ed.test)
	fyne.DoAndWait(func() {
		if !ed.test.last.OK || m.open.account[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(2) {
			t.Errorf("the window's run: ok %t (%s), holds %q", ed.test.last.OK, ed.test.last.Error, m.open.account[model.SystemFieldAuthRefreshToken])
		}
		m.sidebar.tree.Select(m.open.key)
		m.onDuplicate()
		if m.open.account[model.SystemFieldAuthRefreshToken] != "" || !strings.Contains(m.status.Text, "Its refresh token stays with the original") {
			t.Errorf("the copy holds %q; status %q", m.open.account[model.SystemFieldAuthRefreshToken], m.status.Text)
		}
	})
}

// A refresh token the author typed while a run went on stays on screen,
// to be saved over the rotated one if they choose; the store keeps the
// rotated one meanwhile.
func TestTestTab_TypedRefreshTokenStays(t *testing.T) {
	gate := make(chan struct{})
	st, m, ed := oauthWindow(t, gate)
	ctx := context.Background()
	fyne.DoAndWait(func() {
		ed.test.onRun()
		m.open.account[model.SystemFieldAuthRefreshToken] = "rt-typed-by-hand"
	})
	close(gate)
	waitRun(t, ed.test)
	vals, _ := st.AccountValues(ctx, "OAuthed")
	fyne.DoAndWait(func() {
		if vals[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(1) || m.open.account[model.SystemFieldAuthRefreshToken] != "rt-typed-by-hand" ||
			m.open.savedAccount[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(1) {
			t.Errorf("stored %q, on screen %q, saved %q", vals[model.SystemFieldAuthRefreshToken], m.open.account[model.SystemFieldAuthRefreshToken], m.open.savedAccount[model.SystemFieldAuthRefreshToken])
		}
	})
}
