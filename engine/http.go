package engine

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Limits a Client keeps unless told otherwise.
const (
	// DefaultTimeout bounds one request, from sending to the end of the body.
	DefaultTimeout = 30 * time.Second
	// MaxResponseBody is the most of a response body a Client reads: 10 MiB.
	MaxResponseBody = 10 << 20
	// DefaultMaxRedirects is how many redirects a Client follows.
	DefaultMaxRedirects = 5
)

// Client sends prepared requests within limits. Its zero value is ready:
// a 30 s timeout per request, a 10 MiB response cap, five redirects
// followed and recorded (but not a 301 or 302 that would turn a PUT, PATCH
// or DELETE into a GET: see followsAsGet), TLS verified, the proxy from the
// environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
type Client struct {
	// Timeout bounds each request, body included; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxBody caps a response body in bytes; 0 means MaxResponseBody.
	MaxBody int64
	// MaxRedirects is how many redirects to follow; 0 means
	// DefaultMaxRedirects, a negative number none (the 3xx is returned).
	MaxRedirects int
	// Transport sends the requests; nil means one with TLS verified and the
	// proxy from the environment. Tests may give one trusting a test CA.
	Transport http.RoundTripper
}

// defaultTransport is shared so that connections are reused between runs.
var defaultTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	t.TLSClientConfig = nil // verified against the system's roots
	return t
}()

// Response is what came back for one request.
type Response struct {
	// Status is the HTTP status code, e.g. 201.
	Status int
	// Headers are the response headers.
	Headers http.Header
	// Body is the whole body, at most the Client's MaxBody.
	Body []byte
	// Duration runs from sending to the end of the body.
	Duration time.Duration
	// Redirects records each redirect followed, e.g.
	// "302 → GET https://api.example.com/v2/webhooks".
	Redirects []string
}

// OK reports whether the status is 2xx.
func (r *Response) OK() bool { return r.Status >= 200 && r.Status < 300 }

// BodyTooLargeError is returned when a response body is larger than the
// Client allows; the Response returned with it holds the start of the body.
type BodyTooLargeError struct {
	Limit int64
}

func (e *BodyTooLargeError) Error() string {
	if e.Limit%(1<<20) == 0 {
		return fmt.Sprintf("response body is larger than %d MiB", e.Limit>>20)
	}
	return fmt.Sprintf("response body is larger than %d bytes", e.Limit)
}

// Do sends an HTTP request and reads the whole response. Errors say what
// went wrong with the host (never the full URL, which may hold a key):
// a timeout wraps context.DeadlineExceeded, a cancellation
// context.Canceled, a body over the cap is a *BodyTooLargeError (returned
// with the Response). A non-2xx status is not an error.
func (c *Client) Do(ctx context.Context, req *http.Request) (*Response, error) {
	sc, timeout, cancel := c.sendContext(ctx)
	defer cancel()
	return c.do(ctx, req.WithContext(sc), sc, timeout)
}

// sendContext returns the context a request is sent under, bounded by the
// Client's timeout (unless ctx's deadline comes first, which already bounds
// it) and carrying the request's redirect trail, with the timeout.
func (c *Client) sendContext(ctx context.Context) (*redirectTrail, time.Duration, context.CancelFunc) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	cancel := context.CancelFunc(func() {})
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > timeout {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	return &redirectTrail{Context: ctx}, timeout, cancel
}

// do sends req, whose context is sc (see sendContext), and reads the whole
// response; ctx is the caller's, which says whether the run was cancelled.
func (c *Client) do(ctx context.Context, req *http.Request, sc *redirectTrail, timeout time.Duration) (*Response, error) {
	start := time.Now()
	hr, err := c.httpClient().Do(req)
	if err != nil {
		// The URL that failed, when a redirect led there: its host is
		// named, never the whole URL, which may hold a key.
		var ue *url.Error
		target := ""
		if errors.As(err, &ue) {
			if u, perr := url.Parse(ue.URL); perr == nil && sc.followed {
				target = u.Host
			}
		}
		err = c.sendError(ctx, req, timeout, err, target)
		if sc.followed {
			err = &redirectedError{err}
		}
		return nil, err
	}
	defer hr.Body.Close()
	resp := &Response{Status: hr.StatusCode, Headers: hr.Header, Redirects: redirectsBefore(hr)}
	resp.Body, err = c.readBody(hr)
	resp.Duration = time.Since(start)
	if err != nil {
		var big *BodyTooLargeError
		var undecodable *decodeError
		if errors.As(err, &big) || errors.As(err, &undecodable) {
			return resp, fmt.Errorf("%s %s: %w", req.Method, req.URL.Host, err)
		}
		return nil, c.sendError(ctx, req, timeout, brokenBody(hr.ContentLength, len(resp.Body), err), "")
	}
	return resp, nil
}

// brokenBody says how much of a body came before reading it failed (the
// server closed or reset the connection): a bare "unexpected EOF" does not
// say that the status and headers had arrived.
func brokenBody(declared int64, got int, err error) error {
	if declared >= 0 {
		return fmt.Errorf("the response body broke off after %d of the %d bytes the server announced: %w", got, declared, err)
	}
	return fmt.Errorf("the response body broke off after %d bytes: %w", got, err)
}

// defaultHTTPClient is the http.Client of a Client with the default
// transport and redirect limit, shared so that each request does not make
// its own.
var defaultHTTPClient = (&Client{}).newHTTPClient()

func (c *Client) httpClient() *http.Client {
	if c.Transport == nil && c.MaxRedirects == 0 {
		return defaultHTTPClient
	}
	return c.newHTTPClient()
}

func (c *Client) newHTTPClient() *http.Client {
	t := c.Transport
	if t == nil {
		t = defaultTransport
	}
	return &http.Client{Transport: t, CheckRedirect: c.checkRedirect()}
}

// checkRedirect follows up to MaxRedirects redirects.
func (c *Client) checkRedirect() func(*http.Request, []*http.Request) error {
	max := c.MaxRedirects
	if max == 0 {
		max = DefaultMaxRedirects
	}
	return func(next *http.Request, via []*http.Request) error {
		if max < 0 {
			return http.ErrUseLastResponse
		}
		if !followsAsGet(via[len(via)-1].Method, next.Response.StatusCode) {
			return http.ErrUseLastResponse
		}
		if len(via) > max {
			return fmt.Errorf("stopped after %d redirects", max)
		}
		if first := via[0].URL; next.URL.Host != first.Host || (first.Scheme == "https" && next.URL.Scheme != "https") {
			// Another host, or https to http: credentials stay behind.
			// Go drops only Authorization and cookies; an API key header
			// or a Sensitive header would go along.
			for k := range next.Header {
				if !redirectSafeHeaders[http.CanonicalHeaderKey(k)] {
					next.Header.Del(k)
				}
			}
		}
		if t, ok := next.Context().Value(redirectTrailKey{}).(*redirectTrail); ok {
			t.followed = true
		}
		return nil
	}
}

// followsAsGet reports whether a redirect with this status is followed
// for a request of this method, when following it turns the request into a
// GET, as a 301, 302 or 303 does for any method but GET and HEAD. A POST's
// is: a create is answered so with the new resource. A 303 is for any
// method: the request was carried out, and the answer is elsewhere. But a
// 301 or 302 to a PUT, PATCH or DELETE says the resource is elsewhere and
// the request was not carried out: the GET's answer would pass for the
// DELETE's, so the redirect itself is the answer.
func followsAsGet(method string, status int) bool {
	switch {
	case status != http.StatusMovedPermanently && status != http.StatusFound:
		return true // 303, or a 307 or 308, which keep the method
	case method == http.MethodGet || method == http.MethodHead || method == http.MethodPost:
		return true
	}
	return false
}

// redirectTrail is a request's context, which notes that a redirect was
// followed: a request that failed after that had reached a server. It is
// the context itself, not a value put in one, so that a request costs one
// context less.
type redirectTrail struct {
	context.Context
	followed bool
}

type redirectTrailKey struct{}

func (t *redirectTrail) Value(key any) any {
	if key == (redirectTrailKey{}) {
		return t
	}
	return t.Context.Value(key)
}

// redirectedError is a send error that came after a redirect was followed:
// the first request reached the server, whatever became of the next.
type redirectedError struct{ err error }

func (e *redirectedError) Error() string { return e.err.Error() }
func (e *redirectedError) Unwrap() error { return e.err }

// redirectsBefore lists the redirects followed on the way to a response,
// first first, e.g. "302 → GET https://api.example.com/v2/webhooks": each
// request after the first points at the redirect that made it.
func redirectsBefore(hr *http.Response) []string {
	var out []string
	for next := hr.Request; next != nil && next.Response != nil; next = next.Response.Request {
		out = append(out, fmt.Sprintf("%d → %s %s", next.Response.StatusCode, next.Method, next.URL.Redacted()))
	}
	slices.Reverse(out)
	return out
}

// redirectSafeHeaders are the headers a redirect to another host keeps.
var redirectSafeHeaders = map[string]bool{
	"Accept": true, "Accept-Encoding": true, "Accept-Language": true,
	"Content-Type": true, "Content-Length": true, "User-Agent": true,
}

// readBody reads at most MaxBody bytes; more is a *BodyTooLargeError.
func (c *Client) readBody(hr *http.Response) ([]byte, error) {
	limit := c.MaxBody
	if limit <= 0 {
		limit = MaxResponseBody
	}
	if hr.Body == http.NoBody {
		return []byte{}, nil // a 204, a HEAD's answer: whatever length it announces
	}
	head := hr.Request != nil && hr.Request.Method == http.MethodHead
	if hr.ContentLength > limit && !head {
		return nil, &BodyTooLargeError{Limit: limit}
	}
	rd, asSent, err := decoded(hr)
	if err != nil {
		return nil, err
	}
	// A body of the length the server announced (a HEAD response announces
	// one it does not send) is read into one buffer of that size, and one
	// byte more to see that it ends there; what is beyond goes on below,
	// under the cap.
	var buf bytes.Buffer
	if n := hr.ContentLength; n >= 0 && !head && asSent {
		body := make([]byte, 0, n+1)
		for len(body) < cap(body) {
			k, err := rd.Read(body[len(body):cap(body)])
			body = body[:len(body)+k]
			if err == io.EOF {
				return body, nil
			}
			if err != nil {
				return body, err
			}
		}
		buf.Write(body) // more than announced: rare, copied
	}
	_, err = buf.ReadFrom(io.LimitReader(rd, limit+1-int64(buf.Len())))
	body := buf.Bytes()
	if err != nil {
		return body, err
	}
	if int64(len(body)) > limit {
		return body[:limit], &BodyTooLargeError{Limit: limit}
	}
	return body, nil
}

// decoded is the body as the API meant it: Go's transport decodes gzip
// itself when it asked for it, but not when the request's headers asked
// (a connector's own Accept-Encoding), and then the body is gzip or zlib
// data. A body that does not begin as its Content-Encoding says is read as
// it is. The cap on the body counts the decoded bytes, so a small
// compressed body cannot fill the memory. asSent says the reader is the
// body itself.
func decoded(hr *http.Response) (rd io.Reader, asSent bool, err error) {
	if hr.Uncompressed {
		return hr.Body, true, nil
	}
	enc := strings.ToLower(strings.TrimSpace(hr.Header.Get("Content-Encoding")))
	if enc != "gzip" && enc != "x-gzip" && enc != "deflate" {
		return hr.Body, true, nil
	}
	br := bufio.NewReader(hr.Body)
	head, _ := br.Peek(2)
	var zr io.Reader
	switch {
	case enc != "deflate" && len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b:
		zr, err = gzip.NewReader(br)
	case enc == "deflate" && len(head) == 2 && head[0]&0x0f == 8 && (uint(head[0])<<8|uint(head[1]))%31 == 0:
		zr, err = zlib.NewReader(br)
	default:
		return br, false, nil
	}
	if err != nil {
		return nil, false, asDecodeError(err)
	}
	return decodeErrors{zr}, false, nil
}

// asDecodeError marks an error of a decompressor as the compressed data's
// fault; a broken connection, a time limit or a cancellation stays as it
// is, for the caller to say so.
func asDecodeError(err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum),
		errors.Is(err, zlib.ErrHeader), errors.Is(err, zlib.ErrChecksum), errors.Is(err, zlib.ErrDictionary),
		errors.As(err, &corrupt):
		return &decodeError{err}
	}
	return err
}

// decodeError is a compressed body that does not decode: the answer came
// whole, and its status stands.
type decodeError struct{ err error }

func (e *decodeError) Error() string {
	return "the body does not decode as its Content-Encoding says: " + e.err.Error()
}
func (e *decodeError) Unwrap() error { return e.err }

// decodeErrors marks the errors of a decompressing reader that are the
// data's fault as decodeErrors (see asDecodeError).
type decodeErrors struct{ r io.Reader }

func (d decodeErrors) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = asDecodeError(err)
	}
	return n, err
}

// sendError explains why a request got no (whole) response; redirectedTo
// is the host a redirect led to, when the request failed there.
func (c *Client) sendError(ctx context.Context, req *http.Request, timeout time.Duration, err error, redirectedTo string) error {
	where := req.Method + " " + req.URL.Host
	if redirectedTo != "" {
		where += ", redirected to " + redirectedTo
	}
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &cancelledError{where + ": the run was cancelled before the API answered"}
	case ctx.Err() != nil:
		return fmt.Errorf("%s: the run's time ran out: %w", where, ctx.Err())
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("%s: no response within %s (the request timeout): %w", where, timeout, context.DeadlineExceeded)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its message repeats the whole URL, which may hold a key
	}
	return fmt.Errorf("%s: %w", where, err)
}

// cancelledError is a request the run's cancellation cut off, said in
// the author's words; errors.Is finds context.Canceled in it.
type cancelledError struct{ msg string }

func (e *cancelledError) Error() string { return e.msg }
func (e *cancelledError) Unwrap() error { return context.Canceled }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
