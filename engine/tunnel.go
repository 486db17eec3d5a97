package engine

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// A tunnel (cloudflared, ngrok, ssh -R) lets an API outside this machine
// deliver to the receiver: the author runs one to a fixed loopback port,
// and the webhook is registered at the tunnel's public address with the
// run's unguessable path (see WebhookOptions.Tunnel).

// DefaultTunnelAddr is where the receiver listens for a run through a
// tunnel: a fixed port, so that the tunnel outlives the runs.
const DefaultTunnelAddr = "127.0.0.1:8788"

// TunnelURL checks the public address of a tunnel: an absolute http or
// https URL of a host alone, since a tunnel forwards each path as it is,
// and the receiver's path follows it. It returns the address without a
// trailing slash.
func TunnelURL(tunnel string) (string, error) {
	u, err := url.Parse(tunnel)
	if err != nil {
		// Not quoted: it may hold a password.
		return "", fmt.Errorf("the tunnel is not a URL: %v", errors.Unwrap(err))
	}
	shown := u.Redacted()
	switch {
	case u.User != nil:
		return "", fmt.Errorf("tunnel %q holds a user name or password, which the API would be handed with the webhook", shown)
	case (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		return "", fmt.Errorf("tunnel %q is not an absolute http or https URL, such as https://example.trycloudflare.com", shown)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", fmt.Errorf("tunnel %q has a path, query or fragment: give the tunnel's address alone, as it forwards each path as it is", shown)
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host, nil
}

// CheckTunnelAddr checks where the receiver is to listen for a tunnel: a
// loopback IP or localhost, and a fixed port, which the tunnel points at.
// It returns the address written one way (127.0.0.1:8788), so that one
// port is one server however it was spelt.
func CheckTunnelAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("the receiver's address %q is not HOST:PORT, such as %s", addr, DefaultTunnelAddr)
	}
	ip := net.ParseIP(host)
	if strings.EqualFold(host, "localhost") {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("the receiver's address %q is not on this machine's loopback interface (127.0.0.1, ::1 or localhost): the receiver is reached from outside only through a tunnel", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("the receiver's address %q needs a port from 1 to 65535, where the tunnel forwards to", addr)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(n)), nil
}
