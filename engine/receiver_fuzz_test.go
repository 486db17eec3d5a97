package engine

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// FuzzReceiver hands the receiver requests of any method, target, header
// and body, SECRET in the target standing for the receiver's secret, and
// cut means the connection breaks after the body. It must never panic; a
// request to exactly the secret path is recorded as one delivery, any other
// answered 404 and not recorded; a body over the limit is recorded as
// rejected, saying the limit, a broken one as rejected, saying so, and any
// other body kept whole.
func FuzzReceiver(f *testing.F) {
	const limit = 64
	r, err := OpenReceiver(limit)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { r.Close() })
	pub, err := url.Parse(r.URL)
	if err != nil {
		f.Fatal(err)
	}
	secretPath := pub.Path
	secret := strings.TrimPrefix(secretPath, "/hooks/")

	small, exact, big := []byte(`{"id": 1}`), bytes.Repeat([]byte("x"), limit), bytes.Repeat([]byte("x"), limit+1)
	for _, s := range []struct {
		method, target, header, value string
		body                          []byte
		cut                           bool
	}{
		{"POST", "/hooks/SECRET", "Content-Type", "application/json", small, false},
		{"POST", "/hooks/SECRET", "X-Signature", "sha256=00", exact, false},
		{"POST", "/hooks/SECRET", "Content-Type", "application/json", big, false},
		{"POST", "/hooks/SECRET", "", "", small, true},
		{"PUT", "/hooks/SECRET?x=1#f", "", "", nil, false},
		{"GET", "/hooks/SECRET/", "", "", nil, false},
		{"POST", "/hooks/%53ECRET", "", "", small, false},
		{"POST", "//hooks/SECRET", "", "", small, false},
		{"POST", "/hooks/./SECRET", "", "", small, false},
		{"POST", "/hooks/", "", "", big, false},
		{"POST", "/", "", "", nil, false},
		{"POST", "http://127.0.0.1/hooks/SECRET", "Host", "evil.test", small, false},
		{"BREW", "*", "\x00", "\r\n", small, false},
		{"", "/hooks/SECRET", "", "", nil, false},
	} {
		f.Add(s.method, s.target, s.header, s.value, s.body, s.cut)
	}
	f.Fuzz(func(t *testing.T, method, target, header, value string, body []byte, cut bool) {
		target = strings.ReplaceAll(target, "SECRET", secret)
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return // a server never hands the handler such a request
		}
		req := &http.Request{
			Method:        method,
			URL:           u,
			RequestURI:    target,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        http.Header{},
			Host:          "127.0.0.1",
			RemoteAddr:    "127.0.0.1:50000",
			ContentLength: int64(len(body)),
		}
		if header != "" {
			req.Header.Add(header, value)
		}
		var rd io.Reader = bytes.NewReader(body)
		if cut {
			rd = io.MultiReader(rd, errReader{syscall.ECONNRESET})
		}
		req.Body = io.NopCloser(rd)

		// Start each request with no deliveries, so that a long run does not
		// keep them all.
		r.mu.Lock()
		r.received, r.admitted = nil, 0
		r.mu.Unlock()
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		got := r.Deliveries()

		if u.Path != secretPath {
			if len(got) != 0 {
				t.Errorf("%s %q recorded %d deliveries; only %s may", method, target, len(got), secretPath)
			}
			if w.Code != http.StatusNotFound {
				t.Errorf("%s %q answered %d, want 404", method, target, w.Code)
			}
			return
		}
		if len(got) != 1 {
			t.Fatalf("%s %q recorded %d deliveries, want 1", method, target, len(got))
		}
		d := got[0]
		if d.Method != method || d.Path != secretPath {
			t.Errorf("delivery recorded as %s %s, want %s %s", d.Method, d.Path, method, secretPath)
		}
		if !reflect.DeepEqual(http.Header(d.Headers), req.Header) {
			t.Errorf("delivery headers %v, want %v", d.Headers, req.Header)
		}
		switch {
		case len(body) > limit:
			if w.Code != http.StatusRequestEntityTooLarge || d.Body != nil ||
				!strings.Contains(d.Rejected, "larger than 64 bytes") {
				t.Errorf("a %d-byte body over the %d-byte limit: answered %d, rejected %q, kept %d bytes", len(body), limit, w.Code, d.Rejected, len(d.Body))
			}
		case cut:
			if w.Code != http.StatusBadRequest || d.Body != nil ||
				!strings.Contains(d.Rejected, "reading the delivery failed") || !strings.Contains(d.Rejected, "reset") {
				t.Errorf("a broken body: answered %d, rejected %q, kept %d bytes", w.Code, d.Rejected, len(d.Body))
			}
		default:
			if w.Code != http.StatusOK || d.Rejected != "" || !bytes.Equal(d.Body, body) {
				t.Errorf("a %d-byte body: answered %d, rejected %q, kept %q", len(body), w.Code, d.Rejected, d.Body)
			}
		}
	})
}

// errReader fails every read with err, like a connection reset mid-body.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
