package engine

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"patchbay/internal/spell"
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
	// The request is made under the context it is sent with: one copy of
	// it less than Do makes.
	sc, timeout, cancel := c.sendContext(ctx)
	defer cancel()
	hr, body, err := r.HTTPRequest(sc)
	if err != nil {
		return nil, ex, err
	}
	ex.Request, ex.RequestBody = hr, body
	resp, err := c.do(ctx, hr, sc, timeout)
	ex.Response = resp
	return resp, ex, err
}

// Log returns the request and response as the run log keeps them, with
// every secret replaced by Mask wherever it appears: URL, header values,
// bodies and redirects. Secrets are matched as they are and as they appear
// escaped in a query string, a path or a JSON string; empty ones are
// ignored. The response is nil when none arrived.
func (e *Exchange) Log(secrets []string) (*RequestLog, *ResponseLog) {
	return e.logForms(spell.Forms(secrets))
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
	return maskText(s, recentForms.get(secrets))
}

// maskText is MaskText with the secrets' forms listed: every form, and the
// start of one an error message's cut left before a clip mark.
func maskText(s string, forms []string) string {
	s = maskForms(s, forms)
	if strings.Contains(s, clipMark) {
		s = maskClipped(s, forms)
	}
	return s
}

func maskForms(s string, forms []string) string {
	if len(forms) > 0 && strings.IndexByte(s, '%') >= 0 {
		s = maskPercentEscaped(s, forms)
	}
	for _, f := range forms {
		if len(f) <= len(s) { // a header value is shorter than most spellings
			s = strings.ReplaceAll(s, f, Mask)
		}
	}
	if len(forms) > 0 && (strings.IndexByte(s, '\n') >= 0 || strings.Contains(s, `\n`)) {
		s = maskWrapped(s, forms)
	}
	return s
}

// maskPercentEscaped masks the spellings of a secret that percent-escapes
// write, whichever characters they escape: read with every %XX and %uXXXX
// decoded, the text holds the secret as it is. Encoders disagree on what
// to escape (PHP and Java write ~ as %7E, Python's quote leaves /, a URL's
// path leaves + and =, JavaScript's escape writes ü as %u00FC), so
// spelling out each encoder would miss the next. What a form matches in
// the decoded text is masked in s, escapes and all.
func maskPercentEscaped(s string, forms []string) string {
	// Most text with a % has few escapes, and text that is none (a %
	// alone) costs nothing more: they are counted first.
	count := 0
	for i := 0; i+2 < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if _, ok := unhex(s[i+1]); !ok && s[i+1] != 'u' && s[i+1] != 'U' {
			continue // a % alone, as most are
		}
		if _, _, ok := percentEscape(s[i:]); ok {
			count++
		}
	}
	if count == 0 || len(s) > math.MaxInt32 {
		return s
	}
	v := textView{stretches: make([]stretch, 0, count)}
	v.text.Grow(len(s))
	for i := 0; i < len(s); {
		c, n, ok := percentEscape(s[i:])
		if !ok {
			next := strings.IndexByte(s[i+1:], '%')
			if next < 0 {
				next = len(s) - i - 1
			}
			v.text.WriteString(s[i : i+1+next])
			i += 1 + next
			continue
		}
		v.read(i, n, c, n == 3) // %XX is a byte, of UTF-8 or not
		i += n
	}
	return v.mask(s, forms, 1)
}

// percentEscape reads the escape s begins with: %XX, in either case, or
// %uXXXX (JavaScript's escape), a pair of them for a character beyond
// U+FFFF; it returns the character (a byte for %XX), the escape's length
// and whether s begins with one.
func percentEscape(s string) (rune, int, bool) {
	if len(s) < 3 || s[0] != '%' {
		return 0, 0, false
	}
	if hi, ok := unhex(s[1]); ok {
		if lo, ok := unhex(s[2]); ok {
			return rune(hi<<4 | lo), 3, true
		}
	}
	u, ok := percentU(s)
	if !ok {
		return 0, 0, false
	}
	if lo, ok := percentU(s[6:]); ok && utf16.IsSurrogate(u) {
		if r := utf16.DecodeRune(u, lo); r != utf8.RuneError {
			return r, 12, true
		}
	}
	return u, 6, true // a lone surrogate is written as U+FFFD
}

// percentU reads the %uXXXX s begins with.
func percentU(s string) (rune, bool) {
	if len(s) < 6 || s[0] != '%' || s[1] != 'u' && s[1] != 'U' {
		return 0, false
	}
	var u rune
	for i := 2; i < 6; i++ {
		d, ok := unhex(s[i])
		if !ok {
			return 0, false
		}
		u = u<<4 | rune(d)
	}
	return u, true
}

// unhex is the value of the hex digit c, in either case.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// maskWrapped masks the spellings of a secret that a line break cuts in
// two, as base64 wrapped onto lines is: MIME writes 76 characters a line,
// PEM 64, and an API that returns a file's contents in base64 (GitHub's,
// 60) puts the breaks in its JSON as \n. A break counts when base64
// characters stand on both sides of it: a newline, CR LF, or their JSON
// escapes \n and \r\n. Each line's part of the spelling is masked; the
// breaks stay. maskForms has already masked what no break cuts.
func maskWrapped(s string, forms []string) string {
	var v textView
	from := 0 // s[:from] is in the view
	for i := 1; i < len(s); i++ {
		n := 0
		switch {
		case s[i] == '\n':
			n = 1
			if s[i-1] == '\r' {
				i, n = i-1, 2
			}
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == 'n':
			n = 2
			if i >= 2 && s[i-2:i] == `\r` {
				i, n = i-2, 4
			}
		}
		// A / after the break may be written \/, as PHP's json_encode does.
		if n > 0 && i > 0 && i+n < len(s) && isBase64Char(s[i-1]) && (isBase64Char(s[i+n]) || strings.HasPrefix(s[i+n:], `\/`)) {
			v.text.WriteString(s[from:i])
			v.keep(i, n)
			from = i + n
		}
		i += max(n-1, 0)
	}
	if len(v.stretches) == 0 {
		return s
	}
	v.text.WriteString(s[from:])
	return v.mask(s, forms, spell.MinBase64)
}

// textView is a text read another way, to find the spellings a writer
// broke up: with its percent-escapes decoded, or without the line breaks
// inside its base64. Its stretches say where it differs from the text;
// elsewhere it reads as the text does.
type textView struct {
	text      strings.Builder
	stretches []stretch
}

// stretch is a part of the text, at..at+n, that the view reads as
// view[viewAt:viewAt+viewN]; one kept (a line break) is read as nothing
// and stays in the text, also within a secret masked around it.
type stretch struct {
	at, n, viewAt, viewN int32
	kept                 bool
}

// read puts s[at:at+n] in the view as r, or as the byte r when byteWise.
func (v *textView) read(at, n int, r rune, byteWise bool) {
	st := stretch{at: int32(at), n: int32(n), viewAt: int32(v.text.Len())}
	if byteWise {
		v.text.WriteByte(byte(r))
	} else {
		v.text.WriteRune(r)
	}
	st.viewN = int32(v.text.Len()) - st.viewAt
	v.stretches = append(v.stretches, st)
}

// keep leaves s[at:at+n] out of the view and in the text.
func (v *textView) keep(at, n int) {
	v.stretches = append(v.stretches, stretch{at: int32(at), n: int32(n), viewAt: int32(v.text.Len()), kept: true})
}

// mask masks in s, the text the view reads, each form of at least minLen
// bytes found in the view: the part of s it was read from becomes Mask,
// a kept stretch within it staying as it is.
func (v *textView) mask(s string, forms []string, minLen int) string {
	view := v.text.String()
	// inS is where the view's byte p comes from in s: the start and end
	// of its stretch, or of the byte itself.
	inS := func(p int) (int, int) {
		k, _ := slices.BinarySearchFunc(v.stretches, p, func(st stretch, p int) int { return cmp.Compare(int(st.viewAt), p+1) })
		if k == 0 {
			return p, p + 1
		}
		st := v.stretches[k-1]
		if p < int(st.viewAt+st.viewN) {
			return int(st.at), int(st.at + st.n)
		}
		at := int(st.at+st.n) + p - int(st.viewAt+st.viewN)
		return at, at + 1
	}
	var spans [][2]int // of s, to mask
	for _, f := range forms {
		if len(f) < minLen {
			continue
		}
		for at := 0; ; {
			i := strings.Index(view[at:], f)
			if i < 0 {
				break
			}
			i += at
			from, _ := inS(i)
			_, to := inS(i + len(f) - 1)
			spans = append(spans, [2]int{from, to})
			at = i + 1
		}
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	var out strings.Builder
	out.Grow(len(s))
	done, k := 0, 0 // s[:done] is written; v.stretches[k] is the next to look at
	// hide masks s[from:to], kept stretches apart; masked says the output
	// ends in a Mask that s[from] goes on.
	hide := func(from, to int, masked bool) {
		for ; k < len(v.stretches) && int(v.stretches[k].at) < to; k++ {
			st := v.stretches[k]
			if !st.kept || int(st.at) < from {
				continue
			}
			if int(st.at) > from && !masked {
				out.WriteString(Mask)
			}
			out.WriteString(s[st.at : st.at+st.n])
			from, masked = int(st.at+st.n), false
		}
		if from < to && !masked {
			out.WriteString(Mask)
		}
	}
	for _, sp := range spans {
		switch {
		case sp[1] <= done: // within a part masked already
		case sp[0] >= done:
			out.WriteString(s[done:sp[0]])
			hide(sp[0], sp[1], false)
			done = sp[1]
		default: // overlapping the part masked before: its rest
			hide(done, sp[1], true)
			done = sp[1]
		}
	}
	out.WriteString(s[done:])
	return out.String()
}

// isBase64Char reports whether c is in either base64 alphabet or is its
// padding.
func isBase64Char(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_' || c == '='
}

// clipMark ends text an error message cut short (see clip).
const clipMark = "…"

// minClipped is the fewest characters of a secret's start masked where an
// error message was cut short: a few characters say nothing of a key.
const minClipped = 4

// maskClipped masks the start of a secret that an error message's cut left
// just before a clip mark: the whole secret is no longer there to be
// found. MaskText does this, for error messages; logs are never cut. It
// looks before the first maxClipMarks marks, at most maxClipLook bytes
// back: Patchbay's own cuts put one or two in a message, and a script that
// threw a text of a million marks, with a secret of 200 KB learnt, held a
// run for minutes.
func maskClipped(s string, forms []string) string {
	var b strings.Builder
	done := 0 // s[:done] is written
	tables := make([][]int, len(forms))
	for at, marks := 0, 0; marks < maxClipMarks; marks++ {
		i := strings.Index(s[at:], clipMark)
		if i < 0 {
			break
		}
		i += at
		// The longest start of a form that the text before the mark ends
		// with, the text as a whole: a secret may hold a clip mark itself.
		cut := 0
		for k, f := range forms {
			before := s[max(0, i-min(len(f), maxClipLook)):i]
			if n := startEnding(f, before, &tables[k]); n > cut && utf8.RuneCountInString(f[:n]) >= minClipped {
				cut = n
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

// Limits of maskClipped.
const (
	maxClipMarks = 32
	maxClipLook  = 16 << 10
)

// startEnding returns the length of the longest start of f that text ends
// with, in one pass over text (Knuth, Morris and Pratt): f's failure
// table, in *table, is made the first time, as far as text is long.
func startEnding(f, text string, table *[]int) int {
	m := min(len(f), len(text))
	if len(*table) < m {
		// t[q] is the length of the longest start of f that is also a
		// proper end of f[:q+1].
		t := make([]int, m)
		for q, k := 1, 0; q < m; q++ {
			for k > 0 && f[q] != f[k] {
				k = t[k-1]
			}
			if f[q] == f[k] {
				k++
			}
			t[q] = k
		}
		*table = t
	}
	t := *table
	q := 0 // how much of f's start the text read so far ends with
	for i := 0; i < len(text); i++ {
		for q > 0 && (q == m || f[q] != text[i]) {
			q = t[q-1]
		}
		if q < m && f[q] == text[i] {
			q++
		}
	}
	return q
}
