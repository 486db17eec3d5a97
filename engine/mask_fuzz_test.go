package engine

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"patchbay/internal/spell"
)

// spellings writes a secret as encoders put it in a URL or a JSON string,
// built here with the encoders themselves, apart from the masking code, so
// that a spelling masking forgets is one this test still plants: as it is;
// query- and path-escaped, with upper- or lower-case hex; with HTML's
// entities; as JSON with <, >
// and & escaped or not, / as \/ or not, and every non-ASCII character as
// \uXXXX in lower or upper case or not.
func spellings(secret string) []string {
	lowerHex := regexp.MustCompile(`%[0-9A-F]{2}`)
	lower := func(s string) string { return lowerHex.ReplaceAllStringFunc(s, strings.ToLower) }
	q, p := url.QueryEscape(secret), url.PathEscape(secret)
	// encodeURIComponent: a space as %20, and ! ' ( ) * as they are.
	uri := regexp.MustCompile(`[^A-Za-z0-9\-_.!~*'()]`).ReplaceAllStringFunc(secret, func(c string) string {
		var b strings.Builder
		for _, x := range []byte(c) {
			fmt.Fprintf(&b, "%%%02X", x)
		}
		return b.String()
	})
	out := []string{secret, q, p, uri, lower(q), lower(p), lower(uri), html.EscapeString(secret),
		strings.NewReplacer("&#34;", "&quot;", "&#39;", "&apos;").Replace(html.EscapeString(secret))}
	// As an XML writer with ASCII output puts characters beyond ASCII,
	// in text, and in an attribute as Python's ElementTree writes one.
	attr := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "&#10;", "\r", "&#13;", "\t", "&#09;").Replace(secret)
	for _, text := range []string{secret, attr} {
		for _, style := range []string{"&#%d;", "&#x%x;", "&#x%X;"} {
			var b strings.Builder
			for _, r := range text {
				if r < utf8.RuneSelf {
					b.WriteRune(r)
				} else {
					fmt.Fprintf(&b, style, r)
				}
			}
			out = append(out, b.String())
		}
	}
	// As PHP's htmlentities writes it: what HTML 4 names, by name
	// (&uuml;, &euro;).
	var named strings.Builder
	for _, r := range html.EscapeString(secret) {
		if name, ok := spell.EntityName(r); ok {
			named.WriteString("&" + name + ";")
		} else {
			named.WriteRune(r)
		}
	}
	out = append(out, named.String())
	html, _ := json.Marshal(secret)
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	enc.Encode(secret)
	for _, j := range []string{string(html), strings.TrimSpace(raw.String())} {
		j = j[1 : len(j)-1]
		for _, v := range []string{j, strings.ReplaceAll(j, "/", `\/`)} {
			out = append(out, v, escapeNonASCII(v, "%04x"), escapeNonASCII(v, "%04X"))
		}
	}
	// As .NET's System.Text.Json writes it by default.
	var dotnet strings.Builder
	short := map[rune]string{'\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`}
	for _, r := range secret {
		switch {
		case short[r] != "":
			dotnet.WriteString(short[r])
		case strings.ContainsRune("<>&'\"+`\x7f", r) || r < 0x20 || r >= utf8.RuneSelf && r <= 0xFFFF:
			fmt.Fprintf(&dotnet, `\u%04X`, r)
		case r > 0xFFFF:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&dotnet, `\u%04X\u%04X`, hi, lo)
		case r == '\\':
			dotnet.WriteString(`\\`)
		default:
			dotnet.WriteRune(r)
		}
	}
	out = append(out, dotnet.String())
	// As btoa writes it, and a URL-safe encoder without padding; a short
	// secret is not looked for in base64 (spell.MinBase64).
	if len(secret) >= 8 {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret)))
	}
	return out
}

// escapeNonASCII writes each character beyond ASCII as \uXXXX, a pair of
// them above U+FFFF, as Python's json module and PHP's json_encode do.
func escapeNonASCII(s, hex string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&b, `\u`+hex, u)
		}
	}
	return b.String()
}

// FuzzMask plants a secret, in one of the spellings encoders give it,
// between any two texts: no spelling of it survives MaskText, and a cut
// made in the text after the secret's first few characters leaves none of
// its start before the clip mark.
func FuzzMask(f *testing.F) {
	f.Add("tok_ABCDEFGH", "key=", "&x=1", uint8(0), uint8(3))
	f.Add("k3y/with+slash==", `{"a":"`, `"}`, uint8(7), uint8(9))
	f.Add("k3y/with+slash==", "token=", "", uint8(4), uint8(2))  // query-escaped, lower-case hex
	f.Add("k3y/with+slash==", "/hooks/", "", uint8(5), uint8(2)) // path-escaped, lower-case hex
	f.Add("clé-ünïcode", "q=", "", uint8(16), uint8(20))
	f.Add("clé/ünï😀", `{"a":"`, `"}`, uint8(20), uint8(4)) // \/ and \uXXXX, lower case
	f.Add("clé/ünï😀", `{"a":"`, `"}`, uint8(21), uint8(4)) // \/ and \uXXXX, upper case
	f.Add("a b&c<d>", "", "", uint8(2), uint8(0))
	f.Add("a b&c<d>", `{"a":"`, `"}`, uint8(16), uint8(1)) // <, > and & escaped
	f.Add("aaaa", "aaa", "aaa", uint8(1), uint8(5))
	f.Add(`k"e'y&<z>`, "<p>invalid key ", "</p>", uint8(7), uint8(3))        // as an HTML error page writes it
	f.Add(`k"e'y&<z>`, "<key>", "</key>", uint8(8), uint8(3))                // &quot; and &apos;
	f.Add("rt/Secret+Val=ue 9", "refresh_token=", "", uint8(3), uint8(4))    // encodeURIComponent
	f.Add("Geheim-Schlüssel-42", `<error key="`, `"/>`, uint8(9), uint8(9))  // &#252;
	f.Add("Geheim-Schlüssel-42", "<key>", "</key>", uint8(10), uint8(9))     // &#xfc;
	f.Add("Geheim-Schlüssel-42", "<p>bad key ", "</p>", uint8(15), uint8(9)) // &uuml;
	f.Add("key–€42→α", "<p>bad key ", "</p>", uint8(15), uint8(9))           // &ndash; &euro; &rarr; &alpha;
	f.Add("Grüße\"&42", `<error key="`, `" />`, uint8(12), uint8(9))         // ElementTree's attribute
	f.Add("sandbox-key-0001", `{"auth":"`, `"}`, uint8(37), uint8(6))        // btoa(key)
	f.Fuzz(func(t *testing.T, secret, before, after string, which, cut uint8) {
		if secret == "" || strings.Contains(secret, "•") || !utf8.ValidString(secret) {
			return // the mask is made of •: a secret of them would match it
		}
		forms := spellings(secret)
		planted := forms[int(which)%len(forms)]
		text := before + planted + after
		masked := MaskText(text, []string{secret})
		for _, f := range forms {
			if strings.Contains(masked, f) {
				t.Fatalf("MaskText(%q) = %q: %q is still there", text, masked, f)
			}
		}
		// A message cut short inside the secret.
		n := minClipped + int(cut)%max(1, len(planted)-minClipped)
		if n >= len(planted) || !utf8.RuneStart(planted[n]) || utf8.RuneCountInString(planted[:n]) < minClipped {
			return // a cut leaving fewer characters than minClipped is not masked
		}
		clipped := MaskText(before+planted[:n]+clipMark, []string{secret})
		if strings.HasSuffix(strings.TrimSuffix(clipped, clipMark), planted[:n]) {
			t.Fatalf("MaskText(%q) = %q: the start of the secret is still there", before+planted[:n]+clipMark, clipped)
		}
	})
}

// FuzzMaskWrapped plants a secret in text encoded as base64 and wrapped
// onto lines of any width with any of the line breaks maskWrapped knows:
// no six characters that encode the secret's bytes alone may be left
// once the breaks are taken out, and every break stays.
func FuzzMaskWrapped(f *testing.F) {
	f.Add("sk_live_7Hq2mZ9xPw4TnK8vR3cY", "api_key = ", "\ntimeout = 30\n", uint8(76), uint8(0))
	f.Add("k3y/with+slash==", "-----BEGIN-----", "", uint8(64), uint8(1))
	f.Add("clé-ünïcode-secret", `{"token":"`, `"}`, uint8(60), uint8(2))
	f.Add("aaaaaaaaaaaa", "aaaa", "aaaa", uint8(5), uint8(3))
	f.Fuzz(func(t *testing.T, secret, before, after string, width, brk uint8) {
		if len(secret) < spell.MinBase64 || strings.Contains(secret, "•") || !utf8.ValidString(secret) {
			return
		}
		w := 4 + int(width)%120
		lb := [...]string{"\n", "\r\n", `\n`, `\r\n`}[int(brk)%4]
		enc := base64.StdEncoding.EncodeToString([]byte(before + secret + after))
		var lines []string
		for len(enc) > w {
			lines, enc = append(lines, enc[:w]), enc[w:]
		}
		text := strings.Join(append(lines, enc), lb)
		masked := MaskText(text, []string{secret})
		if got, want := strings.Count(masked, lb), strings.Count(text, lb); got != want {
			t.Fatalf("MaskText(%q) = %q: %d line breaks of %d left", text, masked, got, want)
		}
		whole := base64.StdEncoding.EncodeToString([]byte(before + secret + after))
		at := len(before)
		from, to := (8*at+5)/6+1, (8*(at+len(secret)))/6-1
		joined := masked
		for _, b := range [...]string{`\r\n`, `\n`, "\r\n", "\n"} {
			joined = strings.ReplaceAll(joined, b, "")
		}
		for i := from; i+6 <= to; i++ {
			// Six characters found elsewhere in the text too say nothing.
			win := whole[i : i+6]
			if strings.Index(whole, win) == i && strings.LastIndex(whole, win) == i && strings.Contains(joined, win) {
				t.Fatalf("MaskText(%q) = %q: %q of the secret's base64 is left", text, masked, win)
			}
		}
	})
}

// FuzzMaskPercent plants a secret with any of its bytes percent-escaped,
// in either case of hex: once the masked text's escapes are decoded, the
// secret must not be in it.
func FuzzMaskPercent(f *testing.F) {
	f.Add("Xk48Q~pA9xZ.fT3_vRr1~yLm2", "api_key=", "&x=1", uint64(1<<5|1<<21), false)
	f.Add("Zx9+Qm/Lk3vT8wPq==", "/keys/", "/items", uint64(0xFFFF), true)
	f.Add("Schlüssel 😀", "q=", "", uint64(0x5555), false)
	f.Add("a%41b", "", "", uint64(2), false)
	f.Fuzz(func(t *testing.T, secret, before, after string, pick uint64, lower bool) {
		if secret == "" || strings.Contains(secret, "•") || !utf8.ValidString(secret) || strings.Contains(before+after, "%") {
			return
		}
		hex := "%%%02X"
		if lower {
			hex = "%%%02x"
		}
		var spelt strings.Builder
		for i := 0; i < len(secret); i++ {
			if pick>>(i%64)&1 == 1 {
				fmt.Fprintf(&spelt, hex, secret[i])
			} else {
				spelt.WriteByte(secret[i])
			}
		}
		text := before + spelt.String() + after
		masked := MaskText(text, []string{secret})
		if decoded := percentDecoded(masked); strings.Contains(decoded, secret) {
			t.Fatalf("MaskText(%q) = %q, which decodes to %q: the secret is there", text, masked, decoded)
		}
	})
}

// percentDecoded decodes every %XX of s, apart from the masking code.
func percentDecoded(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if c, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(c))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
