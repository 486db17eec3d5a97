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
	"time"
)

// DefaultDeliveryLimit caps the body of one webhook delivery.
const DefaultDeliveryLimit = 1 << 20

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

// Receiver is the local webhook receiver: an HTTP server on the loopback
// interface that takes deliveries on one unguessable path.
type Receiver struct {
	// URL is where the API must deliver: http://127.0.0.1:PORT/hooks/SECRET.
	URL string

	path     string
	limit    int64
	srv      *http.Server
	ln       net.Listener
	mu       sync.Mutex
	received []Delivery
	notify   chan struct{}
}

// ReceiverOptions configure a receiver.
type ReceiverOptions struct {
	// Addr is the address to listen on; the default 127.0.0.1:0 takes a
	// free port on the loopback interface only.
	Addr string
	// Limit caps a delivery's body; DefaultDeliveryLimit when zero.
	Limit int64
}

// StartReceiver listens and serves in the background until Close.
func StartReceiver(opts ReceiverOptions) (*Receiver, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Limit <= 0 {
		opts.Limit = DefaultDeliveryLimit
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("start the webhook receiver on %s: %w", opts.Addr, err)
	}
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		ln.Close()
		return nil, err
	}
	r := &Receiver{
		path:   "/hooks/" + hex.EncodeToString(secret),
		limit:  opts.Limit,
		ln:     ln,
		notify: make(chan struct{}, 1),
	}
	r.URL = "http://" + ln.Addr().String() + r.path
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
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
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.limit))
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
		w.WriteHeader(http.StatusOK)
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

// Close stops the receiver.
func (r *Receiver) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return r.srv.Shutdown(ctx)
}
