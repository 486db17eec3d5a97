package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// DefaultDeliveryLimit caps the body of one webhook delivery.
const DefaultDeliveryLimit = 1 << 20

// maxDeliveries is the most deliveries one receiver keeps; more are
// answered 429 and not kept, so that an API stuck in a loop cannot fill the
// memory.
const maxDeliveries = 100

// Delivery is one request the external API made to the receiver.
type Delivery struct {
	ReceivedAt time.Time           `json:"received_at"`
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	Headers    map[string][]string `json:"headers"`
	Body       []byte              `json:"-"`
	RemoteAddr string              `json:"remote_addr"`
	// Rejected says why the receiver refused the delivery (too large, …);
	// a rejected delivery is shown, never mapped.
	Rejected string `json:"rejected,omitempty"`
}

// Receiver takes the webhook deliveries of one run on one unguessable path
// of a loopback HTTP server.
type Receiver struct {
	// URL is where the API must deliver: http://127.0.0.1:PORT/hooks/SECRET.
	URL string

	path     string
	limit    int64
	server   *receiverServer
	mu       sync.Mutex
	admitted int // deliveries taken in, counted before their bodies are read
	received []Delivery
	check    func(Delivery) string
	notify   chan struct{}
}

// SetCheck makes the receiver answer 401 to a delivery check rejects (it
// returns why), such as one whose signature does not match, so that the API
// is not told a forged or broken delivery was taken. The delivery is kept,
// marked rejected.
func (r *Receiver) SetCheck(check func(Delivery) string) {
	r.mu.Lock()
	r.check = check
	r.mu.Unlock()
}

// receiverServer is a loopback HTTP server that hands each request to the
// receiver whose path it names, and answers 404 for any other path.
type receiverServer struct {
	base string // http://HOST:PORT
	mu   sync.Mutex
	open map[string]*Receiver
}

// startServer starts a receiver server on addr, a loopback address; port
// 0 takes a free one.
func startServer(addr string) (*receiverServer, error) {
	var lc net.ListenConfig
	lc.SetMultipathTCP(false) // plain TCP on loopback; MPTCP only costs here
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("the webhook receiver cannot listen on %s: another program (another Patchbay?) uses that port; choose another one, and point the tunnel at it", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("start the webhook receiver on %s: %w", addr, err)
	}
	s := &receiverServer{base: "http://" + ln.Addr().String(), open: map[string]*Receiver{}}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	go srv.Serve(ln) // for the life of the process
	return s, nil
}

func (s *receiverServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	r := s.open[req.URL.Path]
	s.mu.Unlock()
	if r == nil {
		http.NotFound(w, req)
		return
	}
	r.ServeHTTP(w, req)
}

// newReceiver opens a receiver on a fresh unguessable path of the server.
func (s *receiverServer) newReceiver(limit int64) (*Receiver, error) {
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultDeliveryLimit
	}
	r := &Receiver{path: "/hooks/" + hex.EncodeToString(secret), limit: limit, server: s, notify: make(chan struct{}, 1)}
	r.URL = s.base + r.path
	s.mu.Lock()
	s.open[r.path] = r
	s.mu.Unlock()
	return r, nil
}

// shared holds the process's receiver servers by the address they were
// asked for: "127.0.0.1:0" for the one on a free port, and one for each
// fixed address a tunnel points at.
var shared struct {
	mu      sync.Mutex
	servers map[string]*receiverServer
}

// OpenReceiver opens a receiver on the process's shared loopback server,
// started on first use on a free port and kept for the life of the
// process, so that a run pays for a path, not for a server. A server that
// failed to start is tried again by the next run. Close the receiver when
// the run ends.
func OpenReceiver(limit int64) (*Receiver, error) {
	return OpenReceiverAt("127.0.0.1:0", limit)
}

// OpenReceiverAt opens a receiver on the shared server at a fixed loopback
// address, such as the one a tunnel forwards to, started on first use and
// kept as OpenReceiver's is. An address that is not loopback is refused:
// the receiver is never reachable from another machine but through a
// tunnel the author set up.
func OpenReceiverAt(addr string, limit int64) (*Receiver, error) {
	if err := CheckReceiverAddr(addr); err != nil {
		return nil, err
	}
	shared.mu.Lock()
	s := shared.servers[addr]
	if s == nil {
		var err error
		if s, err = startServer(addr); err != nil {
			shared.mu.Unlock()
			return nil, err
		}
		if shared.servers == nil {
			shared.servers = map[string]*receiverServer{}
		}
		shared.servers[addr] = s
	}
	shared.mu.Unlock()
	return s.newReceiver(limit)
}

// CheckReceiverAddr accepts only HOST:PORT with a loopback IP for HOST:
// where a receiver may listen.
func CheckReceiverAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("the receiver's address %q is not HOST:PORT, such as %s", addr, DefaultTunnelAddr)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("the receiver's address %q is not on this machine's loopback interface (127.0.0.1 or ::1): the receiver is reached from outside only through a tunnel", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("the receiver's address %q has no port number from 0 to 65535", addr)
	}
	return nil
}

// ServeHTTP takes a delivery on the receiver's path and answers 404
// elsewhere, so that nobody who guesses the port can post to it.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != r.path {
		http.NotFound(w, req)
		return
	}
	d := Delivery{
		ReceivedAt: time.Now(),
		Method:     req.Method,
		Path:       req.URL.Path,
		Headers:    req.Header.Clone(),
		RemoteAddr: req.RemoteAddr,
	}
	// A place is taken before the body is read, so that a burst of
	// deliveries cannot pass the count together.
	r.mu.Lock()
	full, check := r.admitted >= maxDeliveries, r.check
	if !full {
		r.admitted++
	}
	r.mu.Unlock()
	if full {
		http.Error(w, fmt.Sprintf("this test run keeps %d deliveries and has them", maxDeliveries), http.StatusTooManyRequests)
		return
	}
	// A body announced as too large is not read at all: with "Expect:
	// 100-continue" it is not even sent.
	var body []byte
	var err error
	if req.ContentLength > r.limit {
		err = &http.MaxBytesError{Limit: r.limit}
	} else {
		body, err = io.ReadAll(http.MaxBytesReader(w, req.Body, r.limit))
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		d.Rejected = fmt.Sprintf("the delivery's body is larger than %d bytes", r.limit)
		http.Error(w, d.Rejected, http.StatusRequestEntityTooLarge)
	case err != nil:
		d.Rejected = "reading the delivery failed: " + err.Error()
		http.Error(w, "bad request", http.StatusBadRequest)
	default:
		d.Body = body
		if check != nil {
			d.Rejected = check(d)
		}
		if d.Rejected != "" {
			http.Error(w, "rejected", http.StatusUnauthorized)
		} else {
			w.WriteHeader(http.StatusOK)
		}
	}
	r.mu.Lock()
	r.received = append(r.received, d)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// Deliveries returns what was received so far, oldest first.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.received...)
}

// Wait returns the n-th delivery (counted from 0) once it has arrived, or
// the context's error.
func (r *Receiver) Wait(ctx context.Context, n int) (Delivery, error) {
	for {
		r.mu.Lock()
		if len(r.received) > n {
			d := r.received[n]
			r.mu.Unlock()
			return d, nil
		}
		r.mu.Unlock()
		select {
		case <-r.notify:
		case <-ctx.Done():
			return Delivery{}, ctx.Err()
		}
	}
}

// Close stops taking deliveries on the receiver's path; the shared server
// goes on serving other runs.
func (r *Receiver) Close() error {
	if r.server == nil {
		return nil
	}
	r.server.mu.Lock()
	delete(r.server.open, r.path)
	r.server.mu.Unlock()
	return nil
}
