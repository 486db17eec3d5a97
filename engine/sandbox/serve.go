package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// shutdownGrace is how long stopping waits for open requests and in-flight
// deliveries before cutting them off.
const shutdownGrace = 5 * time.Second

// ListenAndServe serves a new sandbox on addr (DefaultAddr when empty) until
// ctx ends, then shuts down gracefully. It returns nil after a shutdown
// caused by ctx, and an error when it cannot listen or serving fails.
// `patchbay sandbox --addr` calls it.
func ListenAndServe(ctx context.Context, addr string, opts Options) error {
	return New(opts).ListenAndServe(ctx, addr)
}

// Start serves a new sandbox on addr (e.g. "127.0.0.1:0" for a free port) in
// the background. It returns the base URL, such as "http://127.0.0.1:41234",
// and a stop function that shuts it down gracefully; stop may be called more
// than once.
func Start(addr string, opts Options) (url string, stop func(), err error) {
	return New(opts).Start(addr)
}

// ListenAndServe serves s on addr until ctx ends; see the package-level
// ListenAndServe. A server can be started once.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	r, err := s.listen(addr)
	if err != nil {
		return err
	}
	s.log.Info("sandbox listening", slog.String("url", r.url))
	if s.listening != nil {
		s.listening(r.url)
	}
	select {
	case <-ctx.Done():
		r.stop()
		s.log.Info("sandbox stopped", slog.String("url", r.url))
		return nil
	case err := <-r.done:
		r.stop()
		return fmt.Errorf("serve %s: %w", r.url, err)
	}
}

// Start serves s on addr in the background; see the package-level Start.
// Keep s to read its Webhooks and Deliveries. Once stopped, s delivers no
// more webhooks.
func (s *Server) Start(addr string) (url string, stop func(), err error) {
	r, err := s.listen(addr)
	if err != nil {
		return "", nil, err
	}
	s.log.Info("sandbox listening", slog.String("url", r.url))
	return r.url, r.stop, nil
}

// running is a server bound to a listener.
type running struct {
	url  string
	done chan error // receives Serve's error, once
	stop func()
}

func (s *Server) listen(addr string) (*running, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	r := &running{url: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			r.done <- err
		}
	}()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				srv.Close()
			}
			<-served
			// Let deliveries finish within the grace period, then cut off
			// the rest and wait for them to record their outcome.
			if s.WaitDeliveries(ctx) != nil {
				s.cancel()
				s.WaitDeliveries(context.Background())
			}
			s.cancel()
		})
	}
	return r, nil
}
