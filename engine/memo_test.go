package engine

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// A memo works each key out once, shares the result between goroutines,
// does not keep errors, and starts again empty when full.
func TestMemo(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	m := newMemo(func(s string) (string, error) {
		mu.Lock()
		calls[s]++
		mu.Unlock()
		if s == "bad" {
			return "", errors.New("bad key")
		}
		return "<" + s + ">", nil
	})

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				key := fmt.Sprint(i % 10)
				if v, err := m.get(key); err != nil || v != "<"+key+">" {
					t.Errorf("goroutine %d: get(%q) = %q, %v", g, key, v, err)
				}
			}
		}()
	}
	wg.Wait()
	for key, n := range calls {
		if n > 8 { // at most once per goroutine that raced for it
			t.Errorf("%q worked out %d times", key, n)
		}
	}

	for range 2 {
		if _, err := m.get("bad"); err == nil {
			t.Fatal("get(bad) gave no error")
		}
	}
	if calls["bad"] != 2 {
		t.Errorf("an error was remembered: %d calls for 2 gets", calls["bad"])
	}

	for i := range maxMemo {
		m.get(fmt.Sprint("k", i))
	}
	if n := len(m.m); n > maxMemo {
		t.Errorf("the memo holds %d entries, more than %d", n, maxMemo)
	}
	before := calls["0"]
	m.get("0")
	if calls["0"] != before+1 {
		t.Errorf("after the memo filled up, %q was not worked out again", "0")
	}
}
