package engine_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/model"
)

// freeLoopbackAddr returns a loopback address nothing listens on.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// tunnelTo stands in for a tunnel (cloudflared, ngrok): a public address,
// here another loopback server, that forwards every request as it is to
// addr. It counts what it forwards.
func tunnelTo(t *testing.T, addr string) (string, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	// By name, as a tunnel's public address is: not the receiver's own.
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), &n
}

func sandboxRunner(t *testing.T) (*sandbox.Server, *engine.Runner) {
	sb, base := startSandbox(t)
	return sb, &engine.Runner{
		Connector: exampleConnector(t),
		Account: map[string]string{"BaseUrl": base, model.SystemFieldAuthAPIKey: sandbox.DefaultAPIKey,
			"SigningSecret": sandbox.DefaultSigningSecret},
	}
}

// Through a tunnel, the webhook is registered at the tunnel's address with
// the receiver's unguessable path, and the delivery the API sends there
// reaches the receiver on its fixed port and is mapped.
func TestLifecycleThroughATunnel(t *testing.T) {
	sb, r := sandboxRunner(t)
	addr := freeLoopbackAddr(t)
	public, forwarded := tunnelTo(t, addr)
	res := r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Create Order",
		Wait: 5 * time.Second, Tunnel: public + "/", TunnelAddr: addr})
	if !res.OK {
		t.Fatalf("lifecycle through a tunnel failed: %s\n%s", res.Error, dump(res))
	}
	if !strings.HasPrefix(res.WebhookURL, public+"/hooks/") || len(res.WebhookURL) < len(public)+30 || !strings.Contains(res.Steps[0].Request.Body, res.WebhookURL) {
		t.Errorf("registered %q (create body %s), want the tunnel's address with the receiver's path", res.WebhookURL, res.Steps[0].Request.Body)
	}
	if forwarded.Load() != 1 || res.Delivery == nil || mappedValues(res.Delivery.Mapped)["Event"] != `"order.created"` {
		t.Errorf("%d requests through the tunnel, delivery %+v", forwarded.Load(), res.Delivery)
	}
	// The port is given back once no run uses it: another program, or
	// another Patchbay, may take it now.
	if ln, err := net.Listen("tcp", addr); err != nil {
		t.Errorf("the tunnel's port is still held after the run: %v", err)
	} else {
		ln.Close()
	}
	if len(sb.Webhooks()) != 0 {
		t.Error("the webhook was left on the API")
	}

	// No delivery: the error names the tunnel and where it must forward to.
	res = r.RunWebhook(context.Background(), "New Order", engine.WebhookOptions{Ledger: &memLedger{}, Wait: 50 * time.Millisecond, Tunnel: public, TunnelAddr: addr})
	if want := "(through the tunnel to " + addr + ") within 50ms"; res.OK || !strings.Contains(res.Error, public+"/hooks/") || !strings.Contains(res.Error, want) {
		t.Errorf("no delivery: %q, want it to name the tunnel and %q", res.Error, want)
	}
}

// A tunnel or receiver address that cannot work is refused before
// anything is created on the API.
func TestTunnelRefused(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name string
		opts engine.WebhookOptions
		want string
	}{
		{"and a webhook URL", engine.WebhookOptions{Tunnel: "https://t.example", WebhookURL: "https://h.example/x"}, "give a webhook URL or a tunnel, not both"},
		{"a path", engine.WebhookOptions{Tunnel: "https://t.example/in"}, `tunnel "https://t.example/in" has a path, query or fragment`},
		{"a password", engine.WebhookOptions{Tunnel: "https://u:pw@t.example"}, `tunnel "https://u:xxxxx@t.example" holds a user name or password`},
		{"not http", engine.WebhookOptions{Tunnel: "t.example:443"}, "is not an absolute http or https URL"},
		{"not loopback", engine.WebhookOptions{Tunnel: "https://t.example", TunnelAddr: "0.0.0.0:8788"}, `the receiver's address "0.0.0.0:8788" is not on this machine's loopback interface`},
		{"no port", engine.WebhookOptions{Tunnel: "https://t.example", TunnelAddr: "127.0.0.1"}, `the receiver's address "127.0.0.1" is not HOST:PORT, such as 127.0.0.1:8788`},
		{"port 0", engine.WebhookOptions{Tunnel: "https://t.example", TunnelAddr: "127.0.0.1:0"}, `the receiver's address "127.0.0.1:0" needs a port from 1 to 65535`},
		{"not http, with a password", engine.WebhookOptions{Tunnel: "ftp://user:hunter2@t.example"}, `tunnel "ftp://user:xxxxx@t.example" holds a user name or password`},
		{"not a URL, with a password", engine.WebhookOptions{Tunnel: "https://user:hunter2@t.exa mple"}, "the tunnel is not a URL: invalid character"},
		{"a port in use", engine.WebhookOptions{Tunnel: "https://t.example", TunnelAddr: busy.Addr().String()}, "another program (another Patchbay?) uses that port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, r := sandboxRunner(t)
			ledger := &memLedger{}
			tc.opts.Ledger = ledger
			res := r.RunWebhook(context.Background(), "New Order", tc.opts)
			rows, _ := ledger.ListWebhooks(context.Background(), false)
			if res.OK || !strings.Contains(res.Error, tc.want) || strings.Contains(res.Error, "hunter2") || len(res.Steps) != 0 || len(rows) != 0 || len(sb.Webhooks()) != 0 {
				t.Errorf("error %q (want %q), %d steps, %d ledger rows", res.Error, tc.want, len(res.Steps), len(rows))
			}
		})
	}
	for in, want := range map[string]string{"https://T.example:8443/": "https://T.example:8443", "HTTPS://t.example": "https://t.example",
		"https://t.example:": "https://t.example", "http://[::1]:9/": "http://[::1]:9"} {
		if p, err := engine.TunnelURL(in); err != nil || p != want {
			t.Errorf("TunnelURL(%q) = %q, %v; want %q", in, p, err, want)
		}
	}
	for in, want := range map[string]string{"127.0.0.1:08788": "127.0.0.1:8788", "[::ffff:127.0.0.1]:8788": "127.0.0.1:8788",
		"localhost:8788": "127.0.0.1:8788", "[::1]:8788": "[::1]:8788"} {
		if got, err := engine.CheckTunnelAddr(in); err != nil || got != want {
			t.Errorf("CheckTunnelAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// Runs through one tunnel share its port, however its address is spelt,
// each on its own path; the port is given back when the last one ends.
func TestTunnelPortShared(t *testing.T) {
	addr := freeLoopbackAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	a, err := engine.OpenReceiverAt(addr, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := engine.OpenReceiverAt("[::ffff:127.0.0.1]:"+port, 0)
	if err != nil {
		t.Fatalf("a second run through the same port, spelt another way: %v", err)
	}
	if a.URL == b.URL || !strings.HasPrefix(b.URL, "http://"+addr+"/hooks/") {
		t.Errorf("receivers at %q and %q, want two paths on %s", a.URL, b.URL, addr)
	}
	a.Close()
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Fatal("the port was given back while a run still used it")
	}
	b.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the port is still held after both runs ended: %v", err)
	}
	ln.Close()
}
