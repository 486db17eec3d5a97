// Package spell lists the spellings of a secret: as it is; escaped as a
// URL, an HTML or XML page and JSON writers escape it; in base64; in upper
// and lower case. The engine masks every spelling in what a run shows; the
// model looks for them in what a connector would export.
package spell

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"patchbay/internal/jsonstr"
)

// Forms lists each secret with its escaped spellings, longest first,
// so that a secret inside another is not masked only in part: as it is; as
// a query string or a path escapes it, with upper- or lower-case hex; as
// an HTML or XML page writes it, with entities; and as JSON encoders write
// it in a string: with <, > and & escaped or not,
// with / escaped as \/ or not, and with every non-ASCII character as
// \uXXXX in either case or not (PHP escapes both by default, Python the
// latter).
func Forms(secrets []string) []string { return forms(secrets, true) }

// Encoded lists the spellings of secret that encoders write, longest
// first: Forms without the changes of case.
func Encoded(secret string) []string { return forms([]string{secret}, false) }

// forms is Forms, the changes of case only when cased says.
func forms(secrets []string, cased bool) []string {
	var forms []string
	seen := map[string]bool{} // most spellings of a plain key are the key itself
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			forms = append(forms, f)
		}
	}
	for _, s := range secrets {
		switch {
		case s == "":
			continue
		case unescaped(s):
			add(s) // every escaped spelling below is s itself
		default:
			escapedForms(s, add)
		}
		for _, f := range base64Forms(s) {
			add(f)
		}
		if cased {
			for _, f := range caseForms(s) {
				add(f)
			}
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return forms
}

// caseForms spells a secret of 8 bytes or more in upper and in lower case,
// as a script's toUpperCase() or an API that folds case writes it: a
// shorter one in another case is too likely another word.
func caseForms(secret string) []string {
	if len(secret) < MinBase64 {
		return nil
	}
	return []string{strings.ToUpper(secret), strings.ToLower(secret)}
}

// unescaped reports whether s is made of characters that no spelling of
// escapedForms changes: ASCII letters and digits, and - _ . ~, which
// neither URLs, nor XML or HTML, nor JSON writers escape. Most API keys
// and tokens are.
func unescaped(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
			return false
		}
	}
	return true
}

// escapedForms calls add with s and each of its escaped spellings (see
// Forms), some of them more than once.
func escapedForms(s string, add func(string)) {
	q, p := url.QueryEscape(s), url.PathEscape(s)
	// A space as %20 rather than +, as JavaScript's
	// encodeURIComponent and Python's quote(safe='') write it; the
	// first leaves ! ' ( ) * as they are.
	pct := strings.ReplaceAll(q, "+", "%20")
	uri := uriUnescapes.Replace(pct)
	for _, f := range [...]string{s, q, p, pct, uri, lowerHex(q), lowerHex(p), lowerHex(pct), lowerHex(uri)} {
		add(f)
	}
	// A form's spaces as +, as a query string writes them: with the
	// other characters escaped as any encoder likes, maskPercentEscaped
	// finds it through this.
	add(strings.ReplaceAll(s, " ", "+"))
	// As Go's XML writer puts it in an Xml body (line breaks and tabs
	// as &#xA; &#x9; &#xD;), and as a writer that escapes only what
	// XML requires (& and <) does.
	var x strings.Builder
	xml.EscapeText(&x, []byte(s))
	marked := []string{s, x.String(), xmlMinimal.Replace(s), elementTreeAttr.Replace(s)}
	// As an HTML or XML error page writes it: &, <, >, " and ' as
	// entities, the quotes in any of their usual spellings. XML text
	// and PHP's default leave quotes as they are.
	h := html.EscapeString(s) // &amp; &lt; &gt; &#34; &#39;
	for _, quotes := range htmlQuotes {
		marked = append(marked, quotes.Replace(h))
	}
	for _, m := range marked {
		add(m)
		// Characters beyond ASCII as character references, as XML
		// writers asked for ASCII output (ElementTree) put them, and
		// the characters HTML 4 names as its named entities (&uuml;,
		// &euro;), as PHP's htmlentities writes them.
		for _, style := range [...]refStyle{{10, false}, {16, false}, {16, true}} {
			add(charRefs(m, style))
		}
		add(namedEntities(m))
	}
	js, _ := json.Marshal(s) // escapes <, > and &, as some APIs do
	raw := jsonstr.Append(nil, s)
	for _, j := range [...]string{string(js[1 : len(js)-1]), string(raw[1 : len(raw)-1])} {
		for _, v := range [...]string{j, strings.ReplaceAll(j, "/", `\/`)} {
			add(v)
			add(asciiJSON(v, "%04x"))
			add(asciiJSON(v, "%04X"))
			// JSON kept as text inside another JSON string (an API that
			// echoes the request it got) escapes the escapes again.
			add(jsonAgain.Replace(v))
		}
	}
	// As .NET's System.Text.Json writes it by default, and PHP with
	// its JSON_HEX_ flags: ASCII characters HTML or JavaScript treat
	// specially as \u00XX too.
	for _, set := range [...]string{dotnetEscaped, phpHexEscaped} {
		for _, hex := range [...][2]string{{"%04X", "%04X"}, {"%04X", "%04x"}, {"%04x", "%04x"}} {
			v := hexJSON(s, set, hex[0], hex[1])
			add(v)
			// PHP writes / as \/ unless told not to.
			add(strings.ReplaceAll(v, "/", `\/`))
		}
	}
}

// The replacers of escapedForms, made once.
var (
	// uriUnescapes leaves ! ' ( ) * as they are, as encodeURIComponent does.
	uriUnescapes = strings.NewReplacer("%21", "!", "%27", "'", "%28", "(", "%29", ")", "%2A", "*")
	// jsonAgain writes the content of a JSON string as the content of a
	// JSON string again.
	jsonAgain = strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	// xmlMinimal escapes only what XML requires (& and <).
	xmlMinimal = strings.NewReplacer("&", "&amp;", "<", "&lt;")
	// elementTreeAttr escapes as Python's ElementTree writes an attribute.
	elementTreeAttr = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "&#10;", "\r", "&#13;", "\t", "&#09;")
	// htmlQuotes turn html.EscapeString's quotes into each of their usual
	// spellings.
	htmlQuotes = func() []*strings.Replacer {
		var out []*strings.Replacer
		for _, dq := range [...]string{"&#34;", "&quot;", `"`} {
			for _, sq := range [...]string{"&#39;", "&#x27;", "&apos;", "'"} {
				out = append(out, strings.NewReplacer("&#34;", dq, "&#39;", sq))
			}
		}
		return out
	}()
)

// The ASCII characters JSON writers escape as \u00XX beyond what JSON
// requires: .NET's System.Text.Json by default, and PHP's json_encode with
// JSON_HEX_TAG, JSON_HEX_AMP, JSON_HEX_APOS and JSON_HEX_QUOT.
const (
	dotnetEscaped = "<>&'\"+`\x7f"
	phpHexEscaped = "<>&'\""
)

// hexJSON writes s as the content of a JSON string with the characters in
// set as \uXXXX in the case setHex says, every one beyond ASCII so in the
// case wideHex says (PHP writes \u003C but \u00fc), and the others as JSON
// requires.
func hexJSON(s, set, setHex, wideHex string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune(set, r):
			fmt.Fprintf(&b, `\u`+setHex, r)
		case r >= utf8.RuneSelf && r <= 0xFFFF:
			fmt.Fprintf(&b, `\u`+wideHex, r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u`+wideHex+`\u`+wideHex, r1, r2)
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			if short, ok := shortEscapes[r]; ok {
				b.WriteString(short)
			} else {
				fmt.Fprintf(&b, `\u`+setHex, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// shortEscapes are the control characters JSON writers write in short.
var shortEscapes = map[rune]string{'\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`}

// MinBase64 is the shortest secret whose base64 spellings are
// masked: what is left of a shorter one inside a longer base64 text is too
// few characters to tell from others there.
const MinBase64 = 8

// base64Forms spells a secret in base64, as a script's btoa, a Basic
// credential or an API's echo of one writes it, in the standard and the
// URL alphabet: the secret alone, padded and not, and the characters that
// encode nothing but the secret when it sits inside a longer text ("user:"
// before it, more after), at each of the three places it may start within
// a group of three bytes. The bytes are the secret's UTF-8, and for a
// secret within Latin-1 also one byte a character, as btoa takes them.
// Each spelling also comes as a query string escapes it (+ / = as %2B %2F
// %3D) and as a JSON writer may escape / (\/).
func base64Forms(secret string) []string {
	if len(secret) < MinBase64 {
		return nil
	}
	texts := [][]byte{[]byte(secret)}
	if l1, ok := latin1(secret); ok && string(l1) != secret {
		texts = append(texts, l1)
	}
	var out []string
	for _, raw := range texts {
		for _, enc := range [...]*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			out = append(out, enc.EncodeToString(raw), enc.WithPadding(base64.NoPadding).EncodeToString(raw))
			for lead := range 3 {
				text := enc.EncodeToString(append(make([]byte, lead), raw...))
				// Character i encodes bits 6i to 6i+6 of the text: those of
				// the secret alone run from the first whole one after the
				// lead to the last whole one before the end of the secret.
				first, end := (8*lead+5)/6, 8*(lead+len(raw))/6
				out = append(out, text[first:end])
			}
		}
	}
	for _, f := range out {
		if strings.ContainsAny(f, "+/=") {
			q := url.QueryEscape(f)
			out = append(out, q, lowerHex(q))
		}
		if strings.Contains(f, "/") {
			out = append(out, strings.ReplaceAll(f, "/", `\/`))
		}
	}
	return out
}

// latin1 is s one byte a character, when every character is within
// Latin-1 (U+0000 to U+00FF).
func latin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

// refStyle is how a character reference writes its number: in decimal
// (&#252;), or in hex (&#xfc;), in lower or upper case.
type refStyle struct {
	base  int
	upper bool
}

// charRefs writes each character of s beyond ASCII as a character
// reference in the given style.
func charRefs(s string, style refStyle) string {
	if isASCII(s) {
		return s // only characters beyond ASCII change
	}
	b := make([]byte, 0, 2*len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			b = append(b, byte(r))
			continue
		}
		b = append(b, '&', '#')
		if style.base == 16 {
			b = append(b, 'x')
		}
		n := len(b)
		b = strconv.AppendInt(b, int64(r), style.base)
		if style.upper {
			copy(b[n:], strings.ToUpper(string(b[n:])))
		}
		b = append(b, ';')
	}
	return string(b)
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

// otherNames are HTML 4's entity names of the characters beyond Latin-1
// it names: Latin Extended letters, Greek, punctuation, arrows, symbols
// (€ as euro).
var otherNames = map[rune]string{
	0x152: "OElig", 0x153: "oelig", 0x160: "Scaron", 0x161: "scaron", 0x178: "Yuml", 0x192: "fnof",
	0x2C6: "circ", 0x2DC: "tilde", 0x391: "Alpha", 0x392: "Beta", 0x393: "Gamma", 0x394: "Delta",
	0x395: "Epsilon", 0x396: "Zeta", 0x397: "Eta", 0x398: "Theta", 0x399: "Iota", 0x39A: "Kappa",
	0x39B: "Lambda", 0x39C: "Mu", 0x39D: "Nu", 0x39E: "Xi", 0x39F: "Omicron", 0x3A0: "Pi",
	0x3A1: "Rho", 0x3A3: "Sigma", 0x3A4: "Tau", 0x3A5: "Upsilon", 0x3A6: "Phi", 0x3A7: "Chi",
	0x3A8: "Psi", 0x3A9: "Omega", 0x3B1: "alpha", 0x3B2: "beta", 0x3B3: "gamma", 0x3B4: "delta",
	0x3B5: "epsilon", 0x3B6: "zeta", 0x3B7: "eta", 0x3B8: "theta", 0x3B9: "iota", 0x3BA: "kappa",
	0x3BB: "lambda", 0x3BC: "mu", 0x3BD: "nu", 0x3BE: "xi", 0x3BF: "omicron", 0x3C0: "pi",
	0x3C1: "rho", 0x3C2: "sigmaf", 0x3C3: "sigma", 0x3C4: "tau", 0x3C5: "upsilon", 0x3C6: "phi",
	0x3C7: "chi", 0x3C8: "psi", 0x3C9: "omega", 0x3D1: "thetasym", 0x3D2: "upsih", 0x3D6: "piv",
	0x2002: "ensp", 0x2003: "emsp", 0x2009: "thinsp", 0x200C: "zwnj", 0x200D: "zwj", 0x200E: "lrm",
	0x200F: "rlm", 0x2013: "ndash", 0x2014: "mdash", 0x2018: "lsquo", 0x2019: "rsquo", 0x201A: "sbquo",
	0x201C: "ldquo", 0x201D: "rdquo", 0x201E: "bdquo", 0x2020: "dagger", 0x2021: "Dagger", 0x2022: "bull",
	0x2026: "hellip", 0x2030: "permil", 0x2032: "prime", 0x2033: "Prime", 0x2039: "lsaquo", 0x203A: "rsaquo",
	0x203E: "oline", 0x2044: "frasl", 0x20AC: "euro", 0x2111: "image", 0x2118: "weierp", 0x211C: "real",
	0x2122: "trade", 0x2135: "alefsym", 0x2190: "larr", 0x2191: "uarr", 0x2192: "rarr", 0x2193: "darr",
	0x2194: "harr", 0x21B5: "crarr", 0x21D0: "lArr", 0x21D1: "uArr", 0x21D2: "rArr", 0x21D3: "dArr",
	0x21D4: "hArr", 0x2200: "forall", 0x2202: "part", 0x2203: "exist", 0x2205: "empty", 0x2207: "nabla",
	0x2208: "isin", 0x2209: "notin", 0x220B: "ni", 0x220F: "prod", 0x2211: "sum", 0x2212: "minus",
	0x2217: "lowast", 0x221A: "radic", 0x221D: "prop", 0x221E: "infin", 0x2220: "ang", 0x2227: "and",
	0x2228: "or", 0x2229: "cap", 0x222A: "cup", 0x222B: "int", 0x2234: "there4", 0x223C: "sim",
	0x2245: "cong", 0x2248: "asymp", 0x2260: "ne", 0x2261: "equiv", 0x2264: "le", 0x2265: "ge",
	0x2282: "sub", 0x2283: "sup", 0x2284: "nsub", 0x2286: "sube", 0x2287: "supe", 0x2295: "oplus",
	0x2297: "otimes", 0x22A5: "perp", 0x22C5: "sdot", 0x2308: "lceil", 0x2309: "rceil", 0x230A: "lfloor",
	0x230B: "rfloor", 0x2329: "lang", 0x232A: "rang", 0x25CA: "loz", 0x2660: "spades", 0x2663: "clubs",
	0x2665: "hearts", 0x2666: "diams",
}

// namedEntities writes each character of s that HTML 4 names as its named
// entity (ü as &uuml;, € as &euro;), as PHP's htmlentities writes them.
func namedEntities(s string) string {
	if isASCII(s) {
		return s // only characters beyond ASCII change
	}
	var b strings.Builder
	for _, r := range s {
		if name, ok := EntityName(r); ok {
			b.WriteString("&" + name + ";")
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// EntityName returns the name HTML 4 gives r as a named entity ("uuml"
// for ü, "euro" for €), as PHP's htmlentities writes it; false for a
// character it does not name (ASCII's &, <, > and " are left to
// html.EscapeString).
func EntityName(r rune) (string, bool) {
	if r >= 0xA0 && r <= 0xFF {
		return latin1Names[r-0xA0], true
	}
	name, ok := otherNames[r]
	return name, ok
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
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
	if isASCII(s) {
		return s // only characters beyond ASCII change
	}
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
