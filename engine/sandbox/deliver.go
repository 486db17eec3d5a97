package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// deliver posts ev to every target in the background. It returns once the
// deliveries are counted in flight, before any is made.
func (s *Server) deliver(ev Event, targets []Webhook) {
	if len(targets) == 0 {
		return
	}
	// One body for all: the signature covers these exact bytes.
	body, err := json.Marshal(ev)
	if err != nil {
		s.log.Error("sandbox encode event", slog.String("event", ev.Event), slog.Any("error", err))
		return
	}
	s.mu.Lock()
	if s.inFlight == 0 {
		s.idle = make(chan struct{})
	}
	s.inFlight += len(targets)
	s.mu.Unlock()

	for _, h := range targets {
		go func() {
			res := s.post(h, ev, body)
			s.mu.Lock()
			s.deliveries = append(s.deliveries, res)
			s.inFlight--
			if s.inFlight == 0 {
				close(s.idle)
			}
			s.mu.Unlock()
		}()
	}
}

// post makes one delivery and says how it went.
func (s *Server) post(h Webhook, ev Event, body []byte) DeliveryResult {
	res := DeliveryResult{WebhookID: h.ID, URL: h.URL, Event: ev.Event, OrderID: ev.Data.ID, DeliveredAt: time.Now().UTC()}
	start := time.Now()
	status, err := s.send(h, ev.Event, body)
	res.Duration = time.Since(start)
	res.StatusCode = status
	if err != nil {
		res.Error = err.Error()
		s.log.Warn("sandbox delivery failed", slog.Int("webhook_id", h.ID), slog.String("url", h.URL), slog.String("error", res.Error))
		return res
	}
	s.log.Info("sandbox delivery", slog.Int("webhook_id", h.ID), slog.String("url", h.URL), slog.Int("status", status), slog.Duration("duration", res.Duration))
	return res
}

func (s *Server) send(h Webhook, event string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("deliver to webhook %d: %w", h.ID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "patchbay-sandbox")
	req.Header.Set(SignatureHeader, Sign(s.secret, body))
	req.Header.Set(EventHeader, event)
	req.Header.Set(WebhookIDHeader, strconv.Itoa(h.ID))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver to webhook %d: %w", h.ID, err)
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the answer is unused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
