package engine

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMask plants a secret, in one of the spellings masking knows, between
// any two texts: no spelling of it survives MaskText, and a cut made in
// the text after the secret's first few characters leaves none of its start
// before the clip mark.
func FuzzMask(f *testing.F) {
	f.Add("tok_ABCDEFGH", "key=", "&x=1", uint8(0), uint8(3))
	f.Add("k3y/with+slash==", `{"a":"`, `"}`, uint8(5), uint8(9))
	f.Add("clé-ünïcode", "q=", "", uint8(7), uint8(20))
	f.Add("a b&c<d>", "", "", uint8(2), uint8(0))
	f.Add("aaaa", "aaa", "aaa", uint8(1), uint8(5))
	f.Fuzz(func(t *testing.T, secret, before, after string, which, cut uint8) {
		if secret == "" || strings.Contains(secret, "•") || !utf8.ValidString(secret) {
			return // the mask is made of •: a secret of them would match it
		}
		forms := secretForms([]string{secret})
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
