package ui

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"patchbay/model"
)

// wantSeed is the seed's connector as TestDesignSeedWebhooks builds it by hand.
func wantSeed() *model.Connector {
	return &model.Connector{
		Name:       "Webhook Example",
		ApiVersion: "1",
		Authentication: []model.Authentication{
			{AuthName: "API Key", AuthType: model.AuthApiKey, ApiKeyHeader: "X-Api-Key", IsDefault: true},
		},
		Parameters: []model.Parameter{
			{TargetType: model.TargetMergeField, TargetName: "BaseUrl", DisplayName: "Base URL", IsAccountConnectorProperty: true},
		},
		Methods: []model.Method{
			{
				Name: "Create Webhook", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson,
				Endpoint: "{{BaseUrl}}/webhooks", Hide: true,
				RequestFormat: model.Format{Fields: []model.Field{{
					ConnectorField: "url", SystemField: "Url", DisplayName: "Url", DataType: model.FieldText,
					IsHidden: true, DefaultValue: "{{Cyclr_Webhook_Url}}",
				}}},
				ResponseFormat: model.Format{Fields: []model.Field{{
					ConnectorField: "id", SystemField: model.SystemFieldWebhookID, DisplayName: "id", DataType: model.FieldInteger,
				}}},
			},
			{
				Name: "Delete Webhook", MethodType: model.MethodAction, HttpMethod: "DELETE", DataType: model.BodyJson,
				Endpoint: "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}", Hide: true,
				Parameters: []model.Parameter{{TargetType: model.TargetMergeField, TargetName: model.SystemFieldWebhookID, IsHidden: true}},
			},
			{
				Name: "New Order", MethodType: model.MethodWebhook,
				CreateWebhookMethod: "Create Webhook", DeleteWebhookMethod: "Delete Webhook",
				RequestFormat: model.Format{Fields: []model.Field{{
					ConnectorField: "data.id", SystemField: "OrderId", DisplayName: "Order ID", DataType: model.FieldInteger,
				}}},
			},
		},
	}
}

// TestDesignSeedWebhooks clicks and types the seed's three webhook methods
// into a new connector, saves, and finds every value again in a new window
// over the database opened afresh.
func TestDesignSeedWebhooks(t *testing.T) {
	ctx := context.Background()
	a := test.NewTempApp(t)
	st, path := newStore(t)
	m := newWindow(t, a, st)

	// The connector: name, version, authentication, BaseUrl, account values.
	test.Tap(m.tools.newConnector)
	ce := m.connEd
	if ce == nil {
		t.Fatal("New connector opened no connector editor")
	}
	retype(ce.name, "Webhook Example")
	test.Type(ce.apiVersion, "1")
	ce.tabs.SelectIndex(connTabAuthentication)
	test.Tap(ce.auth.view.buttons.add)
	auth := ce.auth.rows[0]
	test.Type(auth.name, "API Key")
	test.Type(auth.header, "X-Api-Key")
	if !auth.isDefault.Checked || auth.authType.Selected != "ApiKey" {
		t.Errorf("the first authentication: Default %v, Auth Type %q; want the default ApiKey", auth.isDefault.Checked, auth.authType.Selected)
	}
	ce.tabs.SelectIndex(connTabParameters)
	test.Tap(ce.params.view.buttons.add)
	base := ce.params.rows[0]
	test.Type(base.targetName, "BaseUrl")
	test.Type(base.displayName, "Base URL")
	test.Tap(base.accountProperty)
	ce.tabs.SelectIndex(connTabAccount)
	key := ce.account.entries[model.SystemFieldAuthAPIKey]
	url := ce.account.entries["BaseUrl"]
	if key == nil || url == nil {
		t.Fatalf("Account Values offers %v; want Cyclr_Auth_ApiKey and BaseUrl", ce.account.keys())
	}
	if !key.Password || url.Password {
		t.Errorf("masked: API key %v, BaseUrl %v; want the key masked and the URL not", key.Password, url.Password)
	}
	test.Type(key, "sandbox-key")
	test.Type(url, "http://127.0.0.1:8787")

	// Create Webhook: POST, the hidden url field, id mapped to Cyclr_Webhook_Id.
	shortcut(m, shortcutNewMethod)
	s := m.methEd.settings
	retype(s.name, "Create Webhook")
	s.httpMethod.SetSelected("POST")
	test.Type(s.endpoint, "{{BaseUrl}}/webhooks")
	test.Tap(s.hide)
	m.methEd.selectTab(tabFieldMappings)
	req := m.methEd.fields.request
	test.Tap(req.view.buttons.add)
	r := req.rows[0]
	test.Type(r.connectorField, "url")
	test.Type(r.systemField, "Url")
	test.Type(r.displayName, "Url")
	test.Tap(r.hidden)
	test.Type(r.defaultValue, "{{Cyclr_Webhook_Url}}")
	m.methEd.fields.grids.Select(m.methEd.fields.responseItem)
	resp := m.methEd.fields.response
	test.Tap(resp.view.buttons.add)
	r = resp.rows[0]
	test.Type(r.connectorField, "id")
	test.Type(r.systemField, model.SystemFieldWebhookID)
	test.Type(r.displayName, "id")
	r.dataType.SetSelected("Integer")

	// Delete Webhook: DELETE on .../{{Cyclr_Webhook_Id}}, with the hidden
	// MergeField parameter a script needs to read it.
	test.Tap(m.tools.newMethod)
	s = m.methEd.settings
	if m.methEd.tabs.SelectedIndex() != tabSettings {
		t.Errorf("a new method opens on tab %d, want Settings", m.methEd.tabs.SelectedIndex())
	}
	retype(s.name, "Delete Webhook")
	s.httpMethod.SetSelected("DELETE")
	test.Type(s.endpoint, "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}")
	test.Tap(s.hide)
	m.methEd.selectTab(tabParameters)
	pg := m.methEd.params.grid
	test.Tap(pg.view.buttons.add)
	p := pg.rows[0]
	if p.targetType.Selected != "MergeField" {
		t.Errorf("a new parameter's Target Type is %q, want MergeField", p.targetType.Selected)
	}
	test.Type(p.targetName, model.SystemFieldWebhookID)
	test.Tap(p.hidden)

	// The Webhook method: its two drop-downs replace the request settings.
	test.Tap(m.tools.newMethod)
	s = m.methEd.settings
	retype(s.name, "New Order")
	s.methodType.SetSelected("Webhook")
	if s.request.Visible() || !s.webhook.Visible() {
		t.Errorf("a Webhook shows request settings %v, webhook drop-downs %v; want only the drop-downs", s.request.Visible(), s.webhook.Visible())
	}
	if want := []string{"Create Webhook", "Delete Webhook"}; !slices.Equal(s.createWebhook.Options, want) || !slices.Equal(s.deleteWebhook.Options, want) {
		t.Errorf("drop-downs offer %q and %q, want %q", s.createWebhook.Options, s.deleteWebhook.Options, want)
	}
	s.createWebhook.SetSelected("Create Webhook")
	s.deleteWebhook.SetSelected("Delete Webhook")
	m.methEd.selectTab(tabFieldMappings)
	if n := len(m.methEd.fields.grids.Items); n != 1 {
		t.Errorf("a Webhook's Field Mappings show %d grids, want only the Request Format", n)
	}
	req = m.methEd.fields.request
	test.Tap(req.view.buttons.add)
	r = req.rows[0]
	test.Type(r.connectorField, "data.id")
	test.Type(r.systemField, "OrderId")
	test.Type(r.displayName, "Order ID")
	r.dataType.SetSelected("Integer")

	wantNoErrors(t, m)
	if !strings.HasPrefix(m.win.Title(), "•") || !strings.HasSuffix(nodeText(m, m.open.key), "•") {
		t.Errorf("before saving: title %q, sidebar %q; want both marked •", m.win.Title(), nodeText(m, m.open.key))
	}

	shortcut(m, shortcutSave)
	if m.open.dirty || strings.Contains(m.win.Title(), "•") || strings.Contains(nodeText(m, m.open.key), "•") {
		t.Errorf("after saving: dirty %v, title %q, sidebar %q; want no marker", m.open.dirty, m.win.Title(), nodeText(m, m.open.key))
	}
	wantContains(t, "status", m.status.Text, "Saved")

	// The store holds every value.
	got, err := st.LoadConnector(ctx, "Webhook Example")
	if err != nil {
		t.Fatalf("load what was saved: %v", err)
	}
	want := wantSeed()
	want.ID = got.ID
	for i := range got.Methods {
		want.Methods[i].ID = got.Methods[i].ID // the store's keys
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored connector:\ngot  %+v\nwant %+v", got, want)
	}
	values, err := st.AccountValues(ctx, "Webhook Example")
	if err != nil {
		t.Fatal(err)
	}
	if wantValues := map[string]string{"BaseUrl": "http://127.0.0.1:8787", model.SystemFieldAuthAPIKey: "sandbox-key"}; !reflect.DeepEqual(values, wantValues) {
		t.Errorf("stored account values %v, want %v", values, wantValues)
	}

	// A new window over the database opened afresh finds every value.
	m.win.Close()
	st.Close()
	m2 := newWindow(t, a, openStore(t, path))
	checkSeedWidgets(t, m2)
}

// checkSeedWidgets reads the seed's values back from the widgets.
func checkSeedWidgets(t *testing.T, m *MainWindow) {
	t.Helper()
	eq := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	ce := m.connEd
	if ce == nil {
		t.Fatal("the window did not open the last connector")
	}
	eq("connector Name", ce.name.Text, "Webhook Example")
	eq("API Version", ce.apiVersion.Text, "1")
	eq("Auth Name", ce.auth.rows[0].name.Text, "API Key")
	eq("Api Key Header", ce.auth.rows[0].header.Text, "X-Api-Key")
	eq("parameter Target Name", ce.params.rows[0].targetName.Text, "BaseUrl")
	if !ce.params.rows[0].accountProperty.Checked {
		t.Error("BaseUrl is not an Account Connector Property")
	}
	eq("BaseUrl account value", ce.account.entries["BaseUrl"].Text, "http://127.0.0.1:8787")
	eq("API key account value", ce.account.entries[model.SystemFieldAuthAPIKey].Text, "sandbox-key")

	m.sidebar.tree.Select(nodeID(m.open.key, 0))
	s := m.methEd.settings
	eq("method Name", s.name.Text, "Create Webhook")
	eq("HTTP Method", s.httpMethod.Selected, "POST")
	eq("Endpoint", s.endpoint.Text, "{{BaseUrl}}/webhooks")
	if !s.hide.Checked {
		t.Error("Create Webhook is not hidden")
	}
	req := m.methEd.fields.request.rows[0]
	eq("request Connector Field", req.connectorField.Text, "url")
	eq("request Default Value", req.defaultValue.Text, "{{Cyclr_Webhook_Url}}")
	if !req.hidden.Checked {
		t.Error("the url field is not hidden")
	}
	resp := m.methEd.fields.response.rows[0]
	eq("response Connector Field", resp.connectorField.Text, "id")
	eq("response System Field", resp.systemField.Text, model.SystemFieldWebhookID)
	eq("response Data Type", resp.dataType.Selected, "Integer")

	m.sidebar.tree.Select(nodeID(m.open.key, 1))
	s = m.methEd.settings
	eq("method Name", s.name.Text, "Delete Webhook")
	eq("HTTP Method", s.httpMethod.Selected, "DELETE")
	eq("Endpoint", s.endpoint.Text, "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}")
	p := m.methEd.params.grid.rows[0]
	eq("parameter Target Type", p.targetType.Selected, "MergeField")
	eq("parameter Target Name", p.targetName.Text, model.SystemFieldWebhookID)
	if !p.hidden.Checked {
		t.Error("the Cyclr_Webhook_Id parameter is not hidden")
	}

	m.sidebar.tree.Select(nodeID(m.open.key, 2))
	s = m.methEd.settings
	eq("method Name", s.name.Text, "New Order")
	eq("Method Type", s.methodType.Selected, "Webhook")
	eq("Create Webhook Method", s.createWebhook.Selected, "Create Webhook")
	eq("Delete Webhook Method", s.deleteWebhook.Selected, "Delete Webhook")
	if !s.webhook.Visible() || s.request.Visible() {
		t.Error("the reopened Webhook does not show its drop-downs in place of the request settings")
	}
	eq("webhook Connector Field", m.methEd.fields.request.rows[0].connectorField.Text, "data.id")
	wantNoErrors(t, m)
	if m.open.dirty {
		t.Error("opening the connector and its methods marked it changed")
	}
}

// TestUnusedAccountValueHidden: an account value the connector no longer
// uses, such as the signing secret of a parameter since deleted, is shown
// masked: nothing says any more whether it is a secret.
func TestUnusedAccountValueHidden(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	if err := st.SetAccountValues(context.Background(), "Example", map[string]string{"OldSigningSecret": "PlantedSig9Zx"}); err != nil {
		t.Fatal(err)
	}
	m := newWindow(t, test.NewTempApp(t), st)
	m.sidebar.tree.Select(m.open.key)
	ce := m.connEd
	ce.tabs.SelectIndex(connTabAccount)
	e := ce.account.entries["OldSigningSecret"]
	if e == nil {
		t.Fatalf("Account Values offers %v; want the unused OldSigningSecret listed", ce.account.keys())
	}
	if !e.Password {
		t.Error("the unused value is shown in clear")
	}
	if url := ce.account.entries["BaseUrl"]; url == nil || url.Password {
		t.Error("BaseUrl, which the connector uses and is no secret, should stay readable")
	}
}

// The Account Values tab says what an empty value leaves in use (the
// parameter's own value, never a secret's), and describes a parameter
// without a Display Name by what it is, not by its key again.
func TestAccountValuesSayWhatEmptyMeans(t *testing.T) {
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	m := newWindow(t, test.NewTempApp(t), st)
	m.sidebar.tree.Select(m.open.key)
	m.open.conn.Parameters = append(m.open.conn.Parameters,
		model.Parameter{TargetType: model.TargetHttpHeader, TargetName: "X-Token", IsSensitive: true, Values: []string{"tok-hidden-991"}})
	// A row not named yet offers no entry, and lends its value to none.
	m.open.conn.Parameters = append([]model.Parameter{{TargetType: model.TargetMergeField, IsAccountConnectorProperty: true, Values: []string{"eu"}}}, m.open.conn.Parameters...)
	// A signing secret is a secret, Sensitive or not.
	for i := range m.open.conn.Parameters {
		if p := &m.open.conn.Parameters[i]; p.TargetName == "SigningSecret" {
			p.IsSensitive, p.Values = false, []string{"whsec-planted-77c1"}
		}
	}
	ce := m.connEd
	ce.tabs.SelectIndex(connTabAccount)
	ce.account.reload()
	if e := ce.account.entries["BaseUrl"]; e == nil || e.PlaceHolder != "empty: the parameter's value, http://127.0.0.1:8787" {
		t.Errorf("BaseUrl's placeholder: %+v", e)
	}
	for _, k := range []string{"X-Token", "SigningSecret"} {
		if e := ce.account.entries[k]; e == nil || e.PlaceHolder != "empty: the parameter's value (a secret)" || !e.Password {
			t.Errorf("%s's entry: %+v", k, e)
		}
	}
	if e := ce.account.entries[model.SystemFieldAuthAPIKey]; e == nil || e.PlaceHolder != "" {
		t.Errorf("the API key's entry: %+v", e)
	}
	var label string
	for _, k := range ce.account.keys() {
		if k.key == "X-Token" {
			label = k.label
		}
	}
	if label != "A Sensitive parameter" {
		t.Errorf("X-Token's hint %q", label)
	}
	if markup := test.RenderToMarkup(m.win.Canvas()); strings.Contains(markup, "tok-hidden-991") || strings.Contains(markup, "whsec-planted-77c1") || !strings.Contains(markup, "A Sensitive parameter") {
		t.Error("a secret parameter's value shows, or the tab is not on show")
	}
	// With no authentication, the unnamed row comes first: nothing before
	// it to lend its value to.
	m.open.conn.Authentication = nil
	m.open.conn.Parameters = m.open.conn.Parameters[:1]
	ce.account.reload()
	if len(ce.account.entries) != 0 {
		t.Errorf("entries for an unnamed parameter: %v", ce.account.keys())
	}
}
