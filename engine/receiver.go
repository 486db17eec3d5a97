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
	// fixed is the address of a server on a fixed port, as shared holds
	// it; "" for the one on a free port. A fixed port is given back when
	// its last receiver closes, so that another Patchbay can use it.
	fixed string
	srv   *http.Server
	ln    net.Listener
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
	s := &receiverServer{base: "http://" + ln.Addr().String(), open: map[string]*Receiver{}, ln: ln}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	go s.srv.Serve(ln)
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
	return openReceiverOn("127.0.0.1:0", "", limit)
}

// OpenReceiverAt opens a receiver on the server at a fixed loopback
// address, such as the one a tunnel forwards to (see CheckTunnelAddr),
// started on first use and shared by the runs that use it at the same
// time. The port is given back when the last of them closes its receiver.
func OpenReceiverAt(addr string, limit int64) (*Receiver, error) {
	key, err := CheckTunnelAddr(addr)
	if err != nil {
		return nil, err
	}
	return openReceiverOn(key, key, limit)
}

func openReceiverOn(addr, fixed string, limit int64) (*Receiver, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	s := shared.servers[addr]
	if s == nil {
		var err error
		if s, err = startServer(addr); err != nil {
			return nil, err
		}
		s.fixed = fixed
		if shared.servers == nil {
			shared.servers = map[string]*receiverServer{}
		}
		shared.servers[addr] = s
	}
	return s.newReceiver(limit)
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

// Close stops taking deliveries on the receiver's path. The server goes on
// serving other runs; one on a tunnel's fixed port stops when no run uses
// it any more.
func (r *Receiver) Close() error {
	s := r.server
	if s == nil {
		return nil
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	s.mu.Lock()
	delete(s.open, r.path)
	last := len(s.open) == 0
	s.mu.Unlock()
	if last && s.fixed != "" && shared.servers[s.fixed] == s {
		delete(shared.servers, s.fixed)
		// The tunnel's port, given back; the listener is closed here too,
		// as Serve may not have taken it over yet.
		s.srv.Close()
		s.ln.Close()
	}
	return nil
}
