package ui

import (
	"context"
	"net/http/httptest"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"patchbay/internal/oauthtest"
	"patchbay/model"
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
	auth.authType.SetSelected(string(model.AuthOAuth2))
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

// A refresh token the OAuth2 provider rotates during a test run is kept
// in the store and in the open connector's account values.
func TestTestTab_RotatedRefreshTokenKept(t *testing.T) {
	provider := oauthtest.New("rt-first-0001")
	provider.ClientID = "cid" // a public client
	srv := httptest.NewServer(provider)
	defer srv.Close()
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
	fyne.DoAndWait(func() { ed.test.onRun() })
	waitRun(t, ed.test)
	vals, _ := st.AccountValues(ctx, "OAuthed")
	fyne.DoAndWait(func() {
		if !ed.test.last.OK || vals[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(1) || m.open.account[model.SystemFieldAuthRefreshToken] != oauthtest.Refresh(1) || m.open.dirty {
			t.Errorf("ok %t (%s); stored %q, open %q, dirty %t", ed.test.last.OK, ed.test.last.Error, vals[model.SystemFieldAuthRefreshToken], m.open.account[model.SystemFieldAuthRefreshToken], m.open.dirty)
		}
	})
}
