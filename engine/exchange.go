package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Mask is what a secret is replaced with in the run log.
const Mask = "••••••"

// Exchange records one request and its response for the run log. Mask it
// with Masked before it is shown or saved.
type Exchange struct {
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	RequestHeaders  map[string]string `json:"request_headers,omitempty"`
	RequestBody     string            `json:"request_body,omitempty"`
	Status          int               `json:"status,omitempty"`
	ResponseHeaders map[string]string `json:"response_headers,omitempty"`
	ResponseBody    string            `json:"response_body,omitempty"`
	DurationMS      int64             `json:"duration_ms"`
	// Redirects are the redirects followed, as Response.Redirects.
	Redirects []string `json:"redirects,omitempty"`
	// Error is why there was no (whole) response, or "".
	Error string `json:"error,omitempty"`
}

// NewExchange records a sent request (with the body it carried) and what
// came of it: a response, an error, or both (a body over the cap).
func NewExchange(req *http.Request, reqBody []byte, resp *Response, err error, took time.Duration) Exchange {
	ex := Exchange{
		Method:         req.Method,
		URL:            req.URL.String(),
		RequestHeaders: flatten(req.Header),
		RequestBody:    string(reqBody),
		DurationMS:     took.Milliseconds(),
	}
	if req.Host != "" && req.Host != req.URL.Host {
		ex.RequestHeaders["Host"] = req.Host
	}
	if resp != nil {
		ex.Status = resp.Status
		ex.ResponseHeaders = flatten(resp.Headers)
		ex.ResponseBody = string(resp.Body)
		ex.Redirects = resp.Redirects
		ex.DurationMS = resp.Duration.Milliseconds()
	}
	if err != nil {
		ex.Error = err.Error()
	}
	return ex
}

// flatten joins repeated headers with ", ", as HTTP allows.
func flatten(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[k] = strings.Join(vs, ", ")
	}
	return out
}

// Send encodes a prepared request as it stands (after a script's changes),
// sends it and returns the response with the exchange, unmasked. The
// exchange is filled in as far as the request got, also on error.
func (c *Client) Send(ctx context.Context, r *Request) (*Response, Exchange, error) {
	hr, body, err := r.HTTPRequest(ctx)
	if err != nil {
		return nil, Exchange{Method: r.Method, URL: r.Endpoint, Error: err.Error()}, err
	}
	start := time.Now()
	resp, err := c.Do(ctx, hr)
	return resp, NewExchange(hr, body, resp, err, time.Since(start)), err
}

// Masked returns a copy of the exchange with every secret replaced by Mask
// wherever it appears: URL, header values, bodies, redirects and error. A
// header map in which nothing was masked is shared with e, not copied.
// Secrets are matched as they are and as they appear escaped in a query
// string, a path or a JSON string. Empty secrets are ignored.
func (e Exchange) Masked(secrets []string) Exchange {
	return e.maskedForms(secretForms(secrets))
}

// maskedForms is Masked with the secrets' forms already listed.
func (e Exchange) maskedForms(forms []string) Exchange {
	mask := func(s string) string { return maskForms(s, forms) }
	e.URL = mask(e.URL)
	e.RequestHeaders = maskHeaders(e.RequestHeaders, mask)
	e.ResponseHeaders = maskHeaders(e.ResponseHeaders, mask)
	e.RequestBody = mask(e.RequestBody)
	e.ResponseBody = mask(e.ResponseBody)
	e.Error = mask(e.Error)
	if e.Redirects != nil {
		e.Redirects = slices.Clone(e.Redirects)
		for i := range e.Redirects {
			e.Redirects[i] = mask(e.Redirects[i])
		}
	}
	return e
}

// maskHeaders returns h with every value masked; h itself when no value
// holds a secret, a copy otherwise.
func maskHeaders(h map[string]string, mask func(string) string) map[string]string {
	out, copied := h, false
	for k, v := range h {
		if m := mask(v); m != v {
			if !copied {
				out, copied = maps.Clone(h), true
			}
			out[k] = m
		}
	}
	return out
}

// MaskText replaces every secret in s by Mask, as Exchange.Masked does; for
// other lines of the run log, such as a script's console output.
func MaskText(s string, secrets []string) string {
	return maskForms(s, secretForms(secrets))
}

// secretForms lists each secret with its escaped spellings, longest first,
// so that a secret inside another is not masked only in part.
func secretForms(secrets []string) []string {
	var forms []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		js, _ := json.Marshal(s) // escapes <, > and &, as some APIs do
		raw, _ := marshalJSON(s)
		for _, f := range []string{s, url.QueryEscape(s), url.PathEscape(s), string(js[1 : len(js)-1]), string(raw[1 : len(raw)-1])} {
			if !slices.Contains(forms, f) {
				forms = append(forms, f)
			}
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return forms
}

func maskForms(s string, forms []string) string {
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, Mask)
	}
	return s
}
