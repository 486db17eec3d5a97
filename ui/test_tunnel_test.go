package ui

import (
	"context"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/model"
)

// A webhook test through a tunnel: the webhook is registered at the
// tunnel's address, and the delivery the API sends through it is mapped.
// A tunnel address that cannot work is refused before anything runs.
func TestTestTab_Tunnel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr}))
	defer proxy.Close()
	public := strings.Replace(proxy.URL, "127.0.0.1", "localhost", 1)

	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	st, _ := newStore(t)
	seedExample(t, st, "Example")
	st.SetAccountValues(context.Background(), "Example", map[string]string{"BaseUrl": srv.URL,
		model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey, "SigningSecret": sandbox.DefaultSigningSecret})
	m := newMainWindow(context.Background(), test.NewTempApp(t), Deps{Store: st, Ledger: st, Runs: st})
	m.win.Resize(fyne.NewSize(1280, 800))
	m.win.Show()
	ed := openMethod(t, m, "New Order")
	ed.selectTab(tabTest)
	tab := ed.test
	if tab.tunnelTo.Text != engine.DefaultTunnelAddr {
		t.Errorf("Forwards to %q, want %s first", tab.tunnelTo.Text, engine.DefaultTunnelAddr)
	}
	tab.tunnelTo.SetText(addr) // the author's own port

	for _, tc := range []struct{ tunnel, hookURL, want string }{
		{public + "/in", "", "Tunnel: tunnel \"" + public + "/in\" has a path, query or fragment"},
		{public, "https://h.example/in", "Give a Tunnel or a Webhook URL, not both"},
	} {
		fyne.DoAndWait(func() {
			tab.tunnel.SetText(tc.tunnel)
			tab.hookURL.SetText(tc.hookURL)
			tab.onRun()
			if tab.stop != nil || !tab.problem.Visible() || !strings.HasPrefix(tab.problem.Text, tc.want) {
				t.Errorf("tunnel %q, webhook URL %q: running %t, problem %q", tc.tunnel, tc.hookURL, tab.stop != nil, tab.problem.Text)
			}
		})
	}
	if hint := tab.tunnelHint.Text; tab.tunnelTo.Text != addr || !strings.Contains(hint, "cloudflared tunnel --url http://"+addr) {
		t.Errorf("the Test tab does not say where a tunnel must forward to: %q, %q", tab.tunnelTo.Text, hint)
	}
	// The port in use elsewhere: the author points the tunnel at another.
	fyne.DoAndWait(func() {
		tab.tunnel.SetText(public)
		tab.tunnelTo.SetText("127.0.0.1:0")
		tab.onRun()
		if tab.stop != nil || !strings.HasPrefix(tab.problem.Text, `Forwards to: the receiver's address "127.0.0.1:0" needs a port from 1 to 65535`) {
			t.Errorf("port 0: running %t, problem %q", tab.stop != nil, tab.problem.Text)
		}
		tab.tunnelTo.SetText(addr)
		if !strings.Contains(tab.tunnelHint.Text, "ngrok http "+addr[strings.LastIndex(addr, ":")+1:]) {
			t.Errorf("the hint does not follow the address: %q", tab.tunnelHint.Text)
		}
	})

	fyne.DoAndWait(func() {
		tab.tunnel.SetText(public)
		tab.hookURL.SetText("")
		tab.onRun()
	})
	waitRun(t, tab)
	fyne.DoAndWait(func() {
		res := tab.last
		if !res.OK || !strings.HasPrefix(res.WebhookURL, public+"/hooks/") || res.Delivery == nil || len(res.Delivery.Mapped) == 0 {
			t.Errorf("through the tunnel: ok %t, registered %q, delivery %+v: %s", res.OK, res.WebhookURL, res.Delivery, res.Error)
		}
	})
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook was left on the sandbox")
	}
}
