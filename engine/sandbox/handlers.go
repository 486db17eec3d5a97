package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"time"
)

// maxBodyBytes caps a request body; the sandbox's bodies are tiny.
const maxBodyBytes = 1 << 20

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhooks", s.createWebhook)
	mux.HandleFunc("GET /webhooks", s.listWebhooks)
	mux.HandleFunc("GET /webhooks/{id}", s.getWebhook)
	mux.HandleFunc("DELETE /webhooks/{id}", s.deleteWebhook)
	mux.HandleFunc("POST /orders", s.createOrder)
	mux.HandleFunc("GET /orders/{id}", s.getOrder)
	return mux
}

// requireAPIKey answers 401 unless the request carries the API key. It runs
// before routing, so an unknown route or a wrong method also needs the key.
func (s *Server) requireAPIKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get(APIKeyHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.apiKey)) != 1 {
			writeError(w, http.StatusUnauthorized, "missing or wrong "+APIKeyHeader)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// logRequests logs method, path, status and duration; never headers, which
// hold the API key.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.log.Info("sandbox request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Duration("duration", time.Since(start)))
	})
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL string `json:"url"`
	}
	if status, err := decodeBody(w, r, &req); err != nil {
		writeError(w, status, err.Error())
		return
	}
	if err := checkWebhookURL(req.URL); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	s.lastWebhook++
	h := Webhook{ID: s.lastWebhook, URL: req.URL, Active: true}
	s.webhooks[h.ID] = h
	s.mu.Unlock()
	s.log.Info("sandbox webhook created", slog.Int("webhook_id", h.ID), slog.String("url", h.URL))
	// The docs' example answer: the id and the active flag, nothing else.
	writeJSON(w, http.StatusCreated, map[string]any{"id": h.ID, "active": h.Active})
}

// checkWebhookURL accepts only absolute http and https URLs with a host.
func checkWebhookURL(raw string) error {
	if raw == "" {
		return errors.New("url is required")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q is not an absolute http or https URL", raw)
	}
	return nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Webhooks())
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	h, ok := s.webhooks[parseID(id)]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no webhook "+id)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	n := parseID(id)
	s.mu.Lock()
	_, ok := s.webhooks[n]
	delete(s.webhooks, n)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no webhook "+id)
		return
	}
	s.log.Info("sandbox webhook deleted", slog.Int("webhook_id", n))
	w.WriteHeader(http.StatusNoContent)
}

// orderRequest is the body of POST /orders. Pointers tell "missing" from zero.
type orderRequest struct {
	Customer *Customer   `json:"customer"`
	Total    *float64    `json:"total"`
	Lines    []OrderLine `json:"lines"`
}

// defaultLine is the line an order gets when the request names none, so the
// example's `data.[lines].sku` always has something to map.
var defaultLine = OrderLine{SKU: "A-1", Qty: 1}

func (req orderRequest) check() error {
	switch {
	case req.Customer == nil || req.Customer.Email == "":
		return errors.New("customer.email is required")
	case req.Total == nil:
		return errors.New("total is required")
	case *req.Total < 0:
		return fmt.Errorf("total %v must not be negative", *req.Total)
	}
	for i, l := range req.Lines {
		if l.SKU == "" {
			return fmt.Errorf("lines[%d].sku is required", i)
		}
		if l.Qty < 0 {
			return fmt.Errorf("lines[%d].qty %d must not be negative", i, l.Qty)
		}
	}
	return nil
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) {
	var req orderRequest
	if status, err := decodeBody(w, r, &req); err != nil {
		writeError(w, status, err.Error())
		return
	}
	if err := req.check(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	lines := make([]OrderLine, 0, len(req.Lines))
	for _, l := range req.Lines {
		if l.Qty == 0 {
			l.Qty = 1
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		lines = append(lines, defaultLine)
	}

	s.mu.Lock()
	s.lastOrder++
	o := Order{
		ID:        s.lastOrder,
		Status:    "created",
		Customer:  *req.Customer,
		Total:     *req.Total,
		Lines:     lines,
		CreatedAt: time.Now().UTC().Format(time.RFC3339),
	}
	s.orders[o.ID] = o
	targets := s.webhookList()
	s.mu.Unlock()

	s.log.Info("sandbox order created", slog.Int("order_id", o.ID), slog.Int("webhooks", len(targets)))
	// Deliveries are counted in flight before the answer goes out, so a
	// client that waits for them right after this response cannot miss them.
	s.deliver(Event{Event: EventOrderCreated, Data: o}, targets)
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	o, ok := s.orders[parseID(id)]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no order "+id)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// parseID turns a path id into a map key; anything that is not a positive
// integer becomes 0, which no webhook or order has.
func parseID(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// decodeBody reads a JSON object into v. On failure it returns the status to
// answer with and a message that says what was wrong.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) (int, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, fmt.Errorf("request body is larger than %d bytes", tooBig.Limit)
		}
		return http.StatusBadRequest, fmt.Errorf("read request body: %w", err)
	}
	if len(body) == 0 {
		return http.StatusBadRequest, errors.New("request body is empty; want a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return http.StatusBadRequest, fmt.Errorf("%s must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type), typeErr.Value)
		case errors.As(err, &typeErr):
			return http.StatusBadRequest, fmt.Errorf("request body must be a JSON object, not %s", typeErr.Value)
		case errors.As(err, &syntaxErr):
			return http.StatusBadRequest, fmt.Errorf("request body is not JSON: %v (at byte %d)", err, syntaxErr.Offset)
		default:
			return http.StatusBadRequest, fmt.Errorf("request body is not JSON: %v", err)
		}
	}
	return 0, nil
}

// jsonKind names a Go type the way a JSON author would.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"encode response"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
