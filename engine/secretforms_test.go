package engine

import (
	"fmt"
	"slices"
	"sync"
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
		got, want := slices.Compact(slices.Sorted(slices.Values(secretForms([]string{s})))), slices.Compact(slices.Sorted(slices.Values(full)))
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
				secretForms([]string{s})
			}
		})
	}
}

// The process keeps the forms of the last few lists of secrets: a list
// seen again gets the same forms without working them out, another list
// its own, and the oldest list goes when a fifth comes.
func TestRecentForms(t *testing.T) {
	var c formsCache
	lists := [][]string{{"key-one-1234"}, {"key-two-1234", "p@ss"}, {"key-three-12"}, {"key-four-123"}, {"key-five-123"}}
	first := c.get(lists[0])
	if !slices.Equal(first, secretForms(lists[0])) {
		t.Fatalf("forms %q, want %q", first, secretForms(lists[0]))
	}
	if again := c.get(slices.Clone(lists[0])); &again[0] != &first[0] {
		t.Error("the same list again: the forms were worked out again")
	}
	for _, l := range lists[1:] {
		if got := c.get(l); !slices.Equal(got, secretForms(l)) {
			t.Errorf("%q: forms %q, want %q", l, got, secretForms(l))
		}
	}
	if again := c.get(lists[0]); &again[0] == &first[0] || !slices.Equal(again, first) {
		t.Error("the oldest of five lists was kept, or its forms came back wrong")
	}
	if got := c.get(lists[4]); !slices.Equal(got, secretForms(lists[4])) {
		t.Errorf("the newest list: %q", got)
	}
}

// Runs on many goroutines share the kept forms safely (run with -race).
func TestRecentFormsConcurrent(t *testing.T) {
	var c formsCache
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := []string{fmt.Sprintf("secret-%d-abcdef", i%3)}
			for range 50 {
				if got := c.get(l); len(got) == 0 || got[0] == "" {
					t.Errorf("%q: no forms", l)
					return
				}
			}
		}()
	}
	wg.Wait()
}
