package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Mask is what a secret is replaced with in the run log.
const Mask = "••••••"

// Exchange is one request as it was sent and what came of it, unmasked:
// Log turns it into the run log's records, every secret masked.
type Exchange struct {
	// Method and URL are the request's, as sent (or as it would have been
	// when it could not be encoded).
	Method, URL string
	// Request is the request sent; nil when it could not be encoded.
	Request *http.Request
	// RequestBody is the body it carried.
	RequestBody []byte
	// Response is what came back; nil when no (whole) response arrived,
	// except for a body over the cap, whose start it holds.
	Response *Response
}

// Send encodes a prepared request as it stands (after a script's changes),
// sends it and returns the response with the exchange, unmasked. The
// exchange is filled in as far as the request got, also on error.
func (c *Client) Send(ctx context.Context, r *Request) (*Response, *Exchange, error) {
	ex := &Exchange{Method: r.Method, URL: r.Endpoint}
	hr, body, err := r.HTTPRequest(ctx)
	if err != nil {
		return nil, ex, err
	}
	ex.Request, ex.RequestBody = hr, body
	resp, err := c.Do(ctx, hr)
	ex.Response = resp
	return resp, ex, err
}

// Log returns the request and response as the run log keeps them, with
// every secret replaced by Mask wherever it appears: URL, header values,
// bodies and redirects. Secrets are matched as they are and as they appear
// escaped in a query string, a path or a JSON string; empty ones are
// ignored. The response is nil when none arrived.
func (e *Exchange) Log(secrets []string) (*RequestLog, *ResponseLog) {
	return e.logForms(secretForms(secrets))
}

// logForms is Log with the secrets' forms already listed.
func (e *Exchange) logForms(forms []string) (*RequestLog, *ResponseLog) {
	req := &RequestLog{Method: e.Method, URL: maskForms(e.URL, forms)}
	if hr := e.Request; hr != nil {
		req.Headers = flattenMasked(hr.Header, forms, 1)
		if hr.Host != "" && hr.Host != hr.URL.Host {
			req.Headers["Host"] = maskForms(hr.Host, forms)
		}
		req.Body = maskForms(string(e.RequestBody), forms)
	}
	resp := e.Response
	if resp == nil || resp.Status == 0 {
		return req, nil
	}
	out := &ResponseLog{Status: resp.Status, Headers: flattenMasked(resp.Headers, forms, 0), Body: maskForms(string(resp.Body), forms)}
	if resp.Redirects != nil {
		out.Redirects = make([]string, len(resp.Redirects))
		for i, r := range resp.Redirects {
			out.Redirects[i] = maskForms(r, forms)
		}
	}
	return req, out
}

// flattenMasked joins repeated headers with ", ", as HTTP allows, and masks
// the values; room says how many more entries the caller may add.
func flattenMasked(h http.Header, forms []string, room int) map[string]string {
	out := make(map[string]string, len(h)+room)
	for k, vs := range h {
		v := ""
		if len(vs) == 1 {
			v = vs[0]
		} else {
			v = strings.Join(vs, ", ")
		}
		out[k] = maskForms(v, forms)
	}
	return out
}

// flatten joins repeated headers with ", ", as HTTP allows.
func flatten(h http.Header) map[string]string {
	return flattenMasked(h, nil, 0)
}

// MaskText replaces every secret in s by Mask, as Exchange.Masked does; for
// other lines of the run log, such as a script's console output.
func MaskText(s string, secrets []string) string {
	forms := secretForms(secrets)
	s = maskForms(s, forms)
	if strings.Contains(s, clipMark) {
		s = maskClipped(s, forms)
	}
	return s
}

// secretForms lists each secret with its escaped spellings, longest first,
// so that a secret inside another is not masked only in part: as it is; as
// a query string or a path escapes it, with upper- or lower-case hex; as
// an HTML or XML page writes it, with entities; and as JSON encoders write
// it in a string: with <, > and & escaped or not,
// with / escaped as \/ or not, and with every non-ASCII character as
// \uXXXX in either case or not (PHP escapes both by default, Python the
// latter).
func secretForms(secrets []string) []string {
	var forms []string
	add := func(f string) {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		q, p := url.QueryEscape(s), url.PathEscape(s)
		// A space as %20 rather than +, as JavaScript's
		// encodeURIComponent and Python's quote(safe='') write it; the
		// first leaves ! ' ( ) * as they are.
		pct := strings.ReplaceAll(q, "+", "%20")
		uri := strings.NewReplacer("%21", "!", "%27", "'", "%28", "(", "%29", ")", "%2A", "*").Replace(pct)
		for _, f := range [...]string{s, q, p, pct, uri, lowerHex(q), lowerHex(p), lowerHex(pct), lowerHex(uri)} {
			add(f)
		}
		// As Go's XML writer puts it in an Xml body (line breaks and tabs
		// as &#xA; &#x9; &#xD;), and as a writer that escapes only what
		// XML requires (& and <) does.
		var x strings.Builder
		xml.EscapeText(&x, []byte(s))
		marked := []string{s, x.String(), strings.NewReplacer("&", "&amp;", "<", "&lt;").Replace(s),
			// As Python's ElementTree writes an attribute.
			strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "&#10;", "\r", "&#13;", "\t", "&#09;").Replace(s)}
		// As an HTML or XML error page writes it: &, <, >, " and ' as
		// entities, the quotes in any of their usual spellings. XML text
		// and PHP's default leave quotes as they are.
		h := html.EscapeString(s) // &amp; &lt; &gt; &#34; &#39;
		for _, dq := range [...]string{"&#34;", "&quot;", `"`} {
			for _, sq := range [...]string{"&#39;", "&#x27;", "&apos;", "'"} {
				marked = append(marked, strings.NewReplacer("&#34;", dq, "&#39;", sq).Replace(h))
			}
		}
		for _, m := range marked {
			add(m)
			// Characters beyond ASCII as character references, as XML
			// writers asked for ASCII output (ElementTree) put them, and
			// Latin-1's letters as HTML's named entities (&uuml;), as
			// PHP's htmlentities writes them.
			for _, style := range [...]string{"&#%d;", "&#x%x;", "&#x%X;"} {
				add(charRefs(m, style))
			}
			add(latin1Entities(m))
		}
		js, _ := json.Marshal(s) // escapes <, > and &, as some APIs do
		raw, _ := marshalJSON(s)
		for _, j := range [...]string{string(js[1 : len(js)-1]), string(raw[1 : len(raw)-1])} {
			for _, v := range [...]string{j, strings.ReplaceAll(j, "/", `\/`)} {
				add(v)
				add(asciiJSON(v, "%04x"))
				add(asciiJSON(v, "%04X"))
			}
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return forms
}

// charRefs writes each character of s beyond ASCII as a character
// reference in the given style (&#252; or &#xfc;).
func charRefs(s, style string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, style, r)
	}
	return b.String()
}

// latin1Names are HTML's entity names of U+00A0 to U+00FF, in order.
var latin1Names = [0x100 - 0xA0]string{
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo",
	"not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
	"cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde",
	"Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml",
	"ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc",
	"Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
	"egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve", "oacute",
	"ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
}

// latin1Entities writes each character of s from U+00A0 to U+00FF as
// HTML's named entity for it (ü as &uuml;).
func latin1Entities(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xA0 && r <= 0xFF {
			b.WriteString("&" + latin1Names[r-0xA0] + ";")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// lowerHex writes the hex digits of each %XX escape in lower case.
func lowerHex(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] != '%' {
			continue
		}
		for j := i + 1; j <= i+2; j++ {
			if b[j] >= 'A' && b[j] <= 'F' {
				b[j] += 'a' - 'A'
			}
		}
	}
	return string(b)
}

// asciiJSON escapes every non-ASCII character of a JSON string's content as
// \uXXXX (a surrogate pair above U+FFFF), as Python's json module and PHP's
// json_encode do, with the hex digits in the case hex says ("%04x" or
// "%04X", as .NET and Java encoders write them).
func asciiJSON(s, hex string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u`+hex+`\u`+hex, r1, r2)
		default:
			fmt.Fprintf(&b, `\u`+hex, r)
		}
	}
	return b.String()
}

func maskForms(s string, forms []string) string {
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, Mask)
	}
	return s
}

// clipMark ends text an error message cut short (see clip).
const clipMark = "…"

// minClipped is the fewest characters of a secret's start masked where an
// error message was cut short: a few characters say nothing of a key.
const minClipped = 4

// maskClipped masks the start of a secret that an error message's cut left
// just before a clip mark: the whole secret is no longer there to be
// found. MaskText does this, for error messages; logs are never cut.
func maskClipped(s string, forms []string) string {
	var b strings.Builder
	done := 0 // s[:done] is written
	for at := 0; ; {
		i := strings.Index(s[at:], clipMark)
		if i < 0 {
			break
		}
		i += at
		// The longest start of a form that the text before the mark ends
		// with, the text as a whole: a secret may hold a clip mark itself.
		cut := 0
		for _, f := range forms {
			for n := min(len(f)-1, i); n > cut; n-- {
				if utf8.RuneCountInString(f[:n]) < minClipped {
					break
				}
				if strings.HasSuffix(s[:i], f[:n]) {
					cut = n
					break
				}
			}
		}
		if cut > 0 {
			start := max(i-cut, done) // what an earlier mark masked stays so
			b.WriteString(s[done:start])
			b.WriteString(Mask)
			done = i
		}
		at = i + len(clipMark)
	}
	b.WriteString(s[done:])
	return b.String()
}
