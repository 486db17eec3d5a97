package spell

import (
	"html"
	"slices"
	"testing"
)

// A secret of letters, digits and - _ . ~ skips the escaped spellings,
// which all spell it as it is: its forms are the same with them worked out.
func TestUnescapedSecretFormsAreAllItsForms(t *testing.T) {
	for _, s := range []string{"sandbox-key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "a.b~c-d_e", "x", "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"} {
		if !unescaped(s) {
			t.Fatalf("unescaped(%q) = false", s)
		}
		var full []string
		escapedForms(s, func(f string) { full = append(full, f) })
		full = append(full, base64Forms(s)...)
		full = append(full, caseForms(s)...)
		got, want := slices.Compact(slices.Sorted(slices.Values(Forms([]string{s})))), slices.Compact(slices.Sorted(slices.Values(full)))
		if !slices.Equal(got, want) {
			t.Errorf("%q: forms %q, want %q", s, got, want)
		}
	}
	// Each character that some spelling escapes takes the long way.
	for _, c := range ` !"#$%&'()*+,/:;<=>?@[\]^` + "`{|}\t\n\x7fé€" {
		if unescaped("key" + string(c)) {
			t.Errorf("unescaped(%q) = true", "key"+string(c))
		}
	}
}

// BenchmarkSecretForms: the spellings of a plain API key, which a run
// masks, and of a key with characters that escape.
func BenchmarkSecretForms(b *testing.B) {
	for name, s := range map[string]string{"plain": "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "escaping": "p@ss/wörd+<key>&\"quoted\""} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				Forms([]string{s})
			}
		})
	}
}

// TestEntityNames: the entity names masking uses are HTML's, one for each
// character from U+00A0 to U+00FF and for the others HTML 4 names.
func TestEntityNames(t *testing.T) {
	for i, name := range latin1Names {
		if r := rune(0xA0 + i); html.UnescapeString("&"+name+";") != string(r) {
			t.Errorf("&%s; is not %q (U+%04X)", name, r, r)
		}
	}
	for r, name := range otherNames {
		if name == "lang" || name == "rang" {
			continue // HTML 5 moved these two to U+27E8 and U+27E9; Go's html reads HTML 5
		}
		if html.UnescapeString("&"+name+";") != string(r) {
			t.Errorf("&%s; is not %q (U+%04X)", name, r, r)
		}
	}
	if len(otherNames) != 152 {
		t.Errorf("%d names beyond Latin-1, want HTML 4's 152", len(otherNames))
	}
}
