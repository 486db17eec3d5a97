package engine

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"patchbay/internal/spell"
)

// The process keeps the forms of the last few lists of secrets: a list
// seen again gets the same forms without working them out, another list
// its own, and the oldest list goes when a fifth comes.
func TestRecentForms(t *testing.T) {
	var c formsCache
	lists := [][]string{{"key-one-1234"}, {"key-two-1234", "p@ss"}, {"key-three-12"}, {"key-four-123"}, {"key-five-123"}}
	first := c.get(lists[0])
	if !slices.Equal(first, spell.Forms(lists[0])) {
		t.Fatalf("forms %q, want %q", first, spell.Forms(lists[0]))
	}
	if again := c.get(slices.Clone(lists[0])); &again[0] != &first[0] {
		t.Error("the same list again: the forms were worked out again")
	}
	for _, l := range lists[1:] {
		if got := c.get(l); !slices.Equal(got, spell.Forms(l)) {
			t.Errorf("%q: forms %q, want %q", l, got, spell.Forms(l))
		}
	}
	if again := c.get(lists[0]); &again[0] == &first[0] || !slices.Equal(again, first) {
		t.Error("the oldest of five lists was kept, or its forms came back wrong")
	}
	if got := c.get(lists[4]); !slices.Equal(got, spell.Forms(lists[4])) {
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
