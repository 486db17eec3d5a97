package engine

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, c *Client, ctx context.Context, u string) (*Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(ctx, req)
}

func TestClientResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("X-Seen", r.Method+" "+r.URL.Path)
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":1}`)
	}))
	defer srv.Close()
	resp, err := get(t, &Client{}, context.Background(), srv.URL+"/x")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 201 || !resp.OK() || string(resp.Body) != `{"id":1}` || resp.Headers.Get("X-Seen") != "GET /x" {
		t.Errorf("response = %d %q %v", resp.Status, resp.Body, resp.Headers)
	}
}

func TestClientBodyCap(t *testing.T) {
	tests := []struct {
		name          string
		size          int
		contentLength bool
		wantErr       bool
	}{
		{"exactly 10 MiB", MaxResponseBody, true, false},
		{"one byte over, streamed", MaxResponseBody + 1, false, true},
		{"one byte over, declared", MaxResponseBody + 1, true, true},
	}
	chunk := []byte(strings.Repeat("x", 64<<10))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentLength {
					w.Header().Set("Content-Length", strconv.Itoa(tt.size))
				}
				for left := tt.size; left > 0; left -= len(chunk) {
					if _, err := w.Write(chunk[:min(left, len(chunk))]); err != nil {
						return
					}
					w.(http.Flusher).Flush()
				}
			}))
			defer srv.Close()
			resp, err := get(t, &Client{}, context.Background(), srv.URL)
			if !tt.wantErr {
				if err != nil || len(resp.Body) != tt.size {
					t.Fatalf("got %v, want %d bytes", err, tt.size)
				}
				return
			}
			var big *BodyTooLargeError
			if !errors.As(err, &big) || !strings.Contains(err.Error(), "response body is larger than 10 MiB") {
				t.Fatalf("error = %v, want one saying the response body is larger than 10 MiB", err)
			}
			if resp == nil || resp.Status != 200 {
				t.Fatalf("response = %+v, want the status kept with the error", resp)
			}
			// A body announced as too large is not read at all; a streamed
			// one is read up to the cap.
			if want := map[bool]int{true: 0, false: MaxResponseBody}[tt.contentLength]; len(resp.Body) != want {
				t.Errorf("%d bytes of the body read, want %d", len(resp.Body), want)
			}
		})
	}
}

// blockingServer answers after the client gives up: it writes what first
// says, then waits until the request is gone.
func blockingServer(t *testing.T, first string, arrived chan<- struct{}) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first != "" {
			fmt.Fprint(w, first)
			w.(http.Flusher).Flush()
		}
		if arrived != nil {
			arrived <- struct{}{}
		}
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClientTimeout(t *testing.T) {
	for _, first := range []string{"", `{"partial":`} {
		t.Run(fmt.Sprintf("after %q", first), func(t *testing.T) {
			srv := blockingServer(t, first, nil)
			_, err := get(t, &Client{Timeout: 50 * time.Millisecond}, context.Background(), srv.URL+"/slow?api_key=SECRET")
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v, want it to wrap context.DeadlineExceeded", err)
			}
			if !strings.Contains(err.Error(), "no response within 50ms (the request timeout)") {
				t.Errorf("error %q does not explain the timeout", err)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error %q shows the query string", err)
			}
		})
	}
}

func TestClientCancel(t *testing.T) {
	arrived := make(chan struct{}, 1)
	srv := blockingServer(t, "", arrived)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := get(t, &Client{}, ctx, srv.URL)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("error = %v, want a cancellation", err)
	}
}

func TestClientConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = get(t, &Client{}, context.Background(), "http://"+addr+"/hooks?api_key=SECRET")
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "GET "+addr) {
		t.Fatalf("error = %v, want GET %s: … connection refused", err, addr)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error %q shows the query string", err)
	}
}

func TestClientTLSVerified(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	if _, err := get(t, &Client{}, context.Background(), srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("error = %v, want a certificate error from a self-signed server", err)
	}
	resp, err := get(t, &Client{Transport: srv.Client().Transport}, context.Background(), srv.URL)
	if err != nil || resp.Status != 200 {
		t.Errorf("with the test CA trusted: %v", err)
	}
}

func TestClientRedirects(t *testing.T) {
	// /r/N redirects to /r/N-1; /r/0 answers.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
		if n == 0 {
			fmt.Fprint(w, "done")
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/r/%d", n-1), http.StatusFound)
	}))
	defer srv.Close()

	resp, err := get(t, &Client{}, context.Background(), srv.URL+"/r/2")
	if err != nil || string(resp.Body) != "done" {
		t.Fatalf("got %v, want the redirects followed", err)
	}
	want := []string{"302 → GET " + srv.URL + "/r/1", "302 → GET " + srv.URL + "/r/0"}
	if fmt.Sprint(resp.Redirects) != fmt.Sprint(want) {
		t.Errorf("Redirects = %q, want %q", resp.Redirects, want)
	}

	// Five redirects are followed; a sixth is not.
	if resp, err := get(t, &Client{}, context.Background(), srv.URL+"/r/5"); err != nil {
		t.Errorf("/r/5: %v; want the 5 redirects followed", err)
	} else if len(resp.Redirects) != 5 {
		t.Errorf("/r/5: %d redirects followed, want 5", len(resp.Redirects))
	}
	if _, err := get(t, &Client{}, context.Background(), srv.URL+"/r/6"); err == nil || !strings.Contains(err.Error(), "stopped after 5 redirects") {
		t.Errorf("error = %v, want it to stop after 5 redirects", err)
	}

	resp, err = get(t, &Client{MaxRedirects: -1}, context.Background(), srv.URL+"/r/2")
	if err != nil || resp.Status != http.StatusFound || len(resp.Redirects) != 0 {
		t.Errorf("with redirects off: %v %+v, want the 302 itself", err, resp)
	}
}

// TestRedirectToAnotherHostDropsCredentials: an API key header and any
// other header stay behind when a redirect leads to another host.
func TestRedirectToAnotherHostDropsCredentials(t *testing.T) {
	var got http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusOK)
	}))
	defer other.Close()
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/landed", http.StatusFound)
	}))
	defer first.Close()
	req, _ := http.NewRequest(http.MethodGet, first.URL, nil)
	req.Header.Set("X-Api-Key", "key-that-stays-home")
	req.Header.Set("X-Token", "sensitive")
	req.Header.Set("Accept", "application/json")
	resp, err := (&Client{}).Do(context.Background(), req)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("status %v, %v", resp, err)
	}
	if got.Get("X-Api-Key") != "" || got.Get("X-Token") != "" {
		t.Errorf("the other host got X-Api-Key %q, X-Token %q", got.Get("X-Api-Key"), got.Get("X-Token"))
	}
	if got.Get("Accept") != "application/json" {
		t.Errorf("Accept was dropped too: %q", got.Get("Accept"))
	}
}

// A HEAD response announces the length of a body it does not send; that
// is not a body broken off.
func TestClientHead(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		if r.Method != http.MethodHead {
			fmt.Fprint(w, "hello")
		}
	}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodHead, srv.URL, nil)
	resp, err := (&Client{}).Do(context.Background(), req)
	if err != nil || resp.Status != http.StatusOK || len(resp.Body) != 0 {
		t.Errorf("HEAD: %+v, %v; want 200 with no body", resp, err)
	}
	resp, err = get(t, &Client{}, context.Background(), srv.URL)
	if err != nil || string(resp.Body) != "hello" {
		t.Errorf("GET: %+v, %v", resp, err)
	}
}

// roundTripFunc is a Transport made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A transport other than net/http's may leave Response.Request unset or
// announce a length that is not the body's: the body is read as it comes.
func TestClientTrustsTheBodyNotItsLength(t *testing.T) {
	big := strings.Repeat("x", MaxResponseBody+10)
	for _, tc := range []struct {
		announced int64
		body      string
		want      int
		tooLarge  bool
	}{
		{3, "hello world", len("hello world"), false}, // longer than announced
		{50, "hi", 2, false},                          // shorter
		{0, "hello", 5, false},
		{3, big, MaxResponseBody, true}, // the cap holds beyond the announced length
	} {
		rt := roundTripFunc(func(*http.Request) (*http.Response, error) {
			// A body of a type that cannot be compared, as a func is.
			return &http.Response{StatusCode: 200, ContentLength: tc.announced, Header: http.Header{}, Body: io.NopCloser(readFunc(strings.NewReader(tc.body).Read))}, nil
		})
		req, _ := http.NewRequest(http.MethodGet, "http://api.example.com/x", nil)
		resp, err := (&Client{Transport: rt}).Do(context.Background(), req)
		var tooLarge *BodyTooLargeError
		got := -1 // no response
		if resp != nil {
			got = len(resp.Body)
		}
		if got != tc.want || errors.As(err, &tooLarge) != tc.tooLarge || (err != nil) != tc.tooLarge {
			t.Errorf("%d bytes announced, %d sent: got %d bytes and %v; want %d bytes, too large: %v", tc.announced, len(tc.body), got, err, tc.want, tc.tooLarge)
			continue
		}
		if !strings.HasPrefix(tc.body, string(resp.Body)) {
			t.Errorf("%d bytes announced: the body read is not the start of the one sent", tc.announced)
		}
	}
}

// readFunc is a Reader made of a function.
type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// A HEAD's answer, and a 204, have no body whatever length they announce:
// a resource larger than the cap is no error for a HEAD.
func TestClientNoBodyWhateverItsLength(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(2*MaxResponseBody))
		if r.Method != http.MethodHead {
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	for _, method := range []string{http.MethodHead, http.MethodDelete} {
		req, _ := http.NewRequest(method, srv.URL, nil)
		resp, err := (&Client{}).Do(context.Background(), req)
		if err != nil || resp.Body == nil || len(resp.Body) != 0 {
			t.Errorf("%s: %+v, %v; want no body and no error", method, resp, err)
		}
	}
}

// A body compressed because the connector's own headers asked for it (Go
// decodes only what it asked for itself) is decoded, and the cap counts
// the decoded bytes; a body that only says it is compressed is read as it
// is.
func TestClientDecodesWhatTheConnectorAskedFor(t *testing.T) {
	var gz, zl bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"id": 7}`))
	w.Close()
	z := zlib.NewWriter(&zl)
	z.Write([]byte(`{"id": 8}`))
	z.Close()
	var bomb bytes.Buffer
	w = gzip.NewWriter(&bomb)
	w.Write(bytes.Repeat([]byte(" "), MaxResponseBody+1))
	w.Close()
	for _, tc := range []struct {
		name, encoding string
		body           []byte
		want           string
		tooLarge       bool
	}{
		{"gzip", "gzip", gz.Bytes(), `{"id": 7}`, false},
		{"deflate", "deflate", zl.Bytes(), `{"id": 8}`, false},
		{"said to be gzip, and plain", "gzip", []byte(`{"id": 9}`), `{"id": 9}`, false},
		{"a bomb past the cap", "gzip", bomb.Bytes(), "", true},
		{"gzip that does not decode", "gzip", append(slices.Clone(gz.Bytes()[:len(gz.Bytes())-8]), 1, 2, 3, 4, 5, 6, 7, 8), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", tc.encoding)
				w.Write(tc.body)
			}))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			req.Header.Set("Accept-Encoding", "gzip, deflate") // as a connector's parameter would
			resp, err := (&Client{}).Do(context.Background(), req)
			var big *BodyTooLargeError
			switch {
			case tc.want == "" && !tc.tooLarge:
				// The answer came whole: its status stands, and the error
				// says the body does not decode.
				if err == nil || resp == nil || resp.Status != 200 || !strings.Contains(err.Error(), "the body does not decode as its Content-Encoding says") {
					t.Errorf("resp %+v, error %v", resp, err)
				}
			case tc.tooLarge && !errors.As(err, &big):
				t.Errorf("error %v, want the body too large", err)
			case !tc.tooLarge && (err != nil || string(resp.Body) != tc.want):
				t.Errorf("body %q, %v; want %s", resp.Body, err, tc.want)
			}
		})
	}
}

// A compressed body cut off inside its header is a broken body, not one
// that does not decode: the connection broke.
func TestClientCompressedBodyCutOff(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, _ := w.(http.Hijacker).Hijack()
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 100\r\n\r\n\x1f\x8b\x08")
		buf.Flush()
		conn.Close()
	}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	_, err := (&Client{}).Do(context.Background(), req)
	if err == nil || strings.Contains(err.Error(), "does not decode") || !strings.Contains(err.Error(), "broke off") {
		t.Errorf("error %v, want the body broken off", err)
	}
}
