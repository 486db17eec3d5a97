// Package sandbox is the example API from Cyclr's webhook docs
// (webhookexample.com) as a real HTTP server: the bundled "Webhook Example"
// connector, the demos and the engine's tests run against it.
//
// It keeps everything in memory. Every route needs the header
// "X-Api-Key: <Options.APIKey>":
//
//	POST   /webhooks        {"url": "http://…"}      → 201 {"id": N, "active": true}
//	GET    /webhooks                                  → 200 [{"id", "url", "active"}, …]
//	GET    /webhooks/{id}                             → 200 {"id", "url", "active"} | 404
//	DELETE /webhooks/{id}                             → 204 | 404
//	POST   /orders          {"customer": {"email": …}, "total": 12.5, "lines": [{"sku", "qty"}]}
//	                                                  → 201 the order
//	GET    /orders/{id}                               → 200 the order | 404
//
// Creating an order delivers {"event": "order.created", "data": <order>} by
// POST to every registered webhook URL, in the background, signed in the
// SignatureHeader with an HMAC-SHA256 of the exact body bytes.
// Errors are JSON: {"error": "…"}.
package sandbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

const (
	// DefaultAPIKey is the API key the sandbox expects when Options.APIKey is
	// empty. The bundled example connector's account values use it as
	// Cyclr_Auth_ApiKey, so a first test run works without setup.
	DefaultAPIKey = "sandbox-key"

	// DefaultSigningSecret signs deliveries when Options.SigningSecret is
	// empty. A receiver that checks signatures uses the same value.
	DefaultSigningSecret = "sandbox-signing-secret"

	// DefaultAddr is where `patchbay sandbox` listens when no address is
	// given; the bundled example's BaseUrl points at it.
	DefaultAddr = "127.0.0.1:8787"

	// DefaultDeliveryTimeout bounds one webhook delivery when
	// Options.DeliveryTimeout is zero.
	DefaultDeliveryTimeout = 10 * time.Second

	// APIKeyHeader is the request header that carries the API key.
	APIKeyHeader = "X-Api-Key"

	// SignatureHeader carries a delivery's signature:
	// "sha256=" followed by the hex HMAC-SHA256 of the raw body.
	SignatureHeader = "X-Webhook-Signature"

	// EventHeader names the event a delivery carries, e.g. "order.created".
	EventHeader = "X-Webhook-Event"

	// WebhookIDHeader carries the id of the webhook a delivery is for.
	WebhookIDHeader = "X-Webhook-Id"

	// EventOrderCreated is the event delivered when an order is created.
	EventOrderCreated = "order.created"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// APIKey is the value X-Api-Key must hold; DefaultAPIKey when empty.
	APIKey string
	// SigningSecret keys the delivery signatures; DefaultSigningSecret when empty.
	SigningSecret string
	// Client delivers webhooks; a plain client when nil. Each delivery is
	// bounded by DeliveryTimeout whatever the client's own settings.
	Client *http.Client
	// Logger receives one line per request and per delivery; discarded when
	// nil. Neither the API key nor the signing secret is ever logged.
	Logger *slog.Logger
	// DeliveryTimeout bounds one delivery; DefaultDeliveryTimeout when zero.
	DeliveryTimeout time.Duration
	// Listening, if set, is told the server's URL once ListenAndServe
	// listens: with port 0 the port is known only then.
	Listening func(url string)
}

// Webhook is a registered delivery target.
type Webhook struct {
	ID     int    `json:"id"`
	URL    string `json:"url"`
	Active bool   `json:"active"`
}

// Customer is who placed an order.
type Customer struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

// OrderLine is one line of an order.
type OrderLine struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// Order is a created order, as returned by POST /orders and GET /orders/{id}
// and as the "data" of an order.created delivery.
type Order struct {
	ID        int         `json:"id"`
	Status    string      `json:"status"`
	Customer  Customer    `json:"customer"`
	Total     float64     `json:"total"`
	Lines     []OrderLine `json:"lines"`
	CreatedAt string      `json:"created_at"` // RFC 3339, UTC
}

// Event is the body of a delivery.
type Event struct {
	Event string `json:"event"`
	Data  Order  `json:"data"`
}

// DeliveryResult records one attempt to deliver an event to a webhook.
// A delivery is made once; there are no retries.
type DeliveryResult struct {
	WebhookID int    `json:"webhook_id"`
	URL       string `json:"url"`
	Event     string `json:"event"`
	OrderID   int    `json:"order_id"`
	// StatusCode is the receiver's answer; zero when no answer came.
	StatusCode int `json:"status_code,omitempty"`
	// Error says why no answer came (refused, timeout, …); empty otherwise.
	Error       string        `json:"error,omitempty"`
	Duration    time.Duration `json:"duration"`
	DeliveredAt time.Time     `json:"delivered_at"`
}

// OK reports whether the receiver answered with a 2xx status.
func (d DeliveryResult) OK() bool {
	return d.Error == "" && d.StatusCode >= 200 && d.StatusCode < 300
}

// Server is the sandbox API. It is an http.Handler and safe for concurrent
// use. Create one with New.
type Server struct {
	apiKey  string
	secret  string
	client  *http.Client
	log     *slog.Logger
	timeout time.Duration
	handler http.Handler
	// listening is Options.Listening.
	listening func(url string)

	// ctx is the parent of every delivery; cancel ends them all when a
	// server started by Start or ListenAndServe stops.
	ctx    context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	lastWebhook int
	webhooks    map[int]Webhook
	lastOrder   int
	orders      map[int]Order
	deliveries  []DeliveryResult
	inFlight    int
	idle        chan struct{} // closed whenever inFlight is zero
}

// New returns a sandbox server with no webhooks and no orders.
func New(opts Options) *Server {
	s := &Server{
		apiKey:    opts.APIKey,
		secret:    opts.SigningSecret,
		client:    opts.Client,
		log:       opts.Logger,
		timeout:   opts.DeliveryTimeout,
		webhooks:  map[int]Webhook{},
		listening: opts.Listening,
		orders:    map[int]Order{},
		idle:      make(chan struct{}),
	}
	close(s.idle)
	if s.apiKey == "" {
		s.apiKey = DefaultAPIKey
	}
	if s.secret == "" {
		s.secret = DefaultSigningSecret
	}
	if s.timeout <= 0 {
		s.timeout = DefaultDeliveryTimeout
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: s.timeout}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.handler = s.logRequests(s.requireAPIKey(s.routes()))
	return s
}

// ServeHTTP serves the sandbox API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Webhooks returns the registered webhooks ordered by id.
func (s *Server) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookList()
}

// Orders returns the created orders ordered by id.
func (s *Server) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.orders))
	for id := 1; id <= s.lastOrder; id++ {
		if o, ok := s.orders[id]; ok {
			o.Lines = append([]OrderLine(nil), o.Lines...)
			out = append(out, o)
		}
	}
	return out
}

// Deliveries returns every finished delivery in the order they finished.
// Deliveries still in flight are not included; see WaitDeliveries.
func (s *Server) Deliveries() []DeliveryResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]DeliveryResult(nil), s.deliveries...)
}

// WaitDeliveries waits until no delivery is in flight, or ctx ends.
// Deliveries started by orders created before the call are finished and
// recorded when it returns nil.
func (s *Server) WaitDeliveries(ctx context.Context) error {
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sign returns the SignatureHeader value for body signed with secret:
// "sha256=" and the hex HMAC-SHA256 of the exact bytes.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature reports whether header is the signature of body under
// secret, comparing in constant time.
func VerifySignature(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(header), []byte(Sign(secret, body)))
}

// webhookList returns the webhooks ordered by id; s.mu must be held.
func (s *Server) webhookList() []Webhook {
	out := make([]Webhook, 0, len(s.webhooks))
	for id := 1; id <= s.lastWebhook; id++ {
		if h, ok := s.webhooks[id]; ok {
			out = append(out, h)
		}
	}
	return out
}
