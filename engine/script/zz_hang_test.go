package script

import (
	"testing"
	"time"
)

func FuzzHang(f *testing.F) {
	f.Add("function before_action() { return true; }")
	f.Add("`${")
	f.Add("/(?<n>a)\\k<n>/")
	f.Add("class A { #x; m() { return this.#y; } }")
	f.Fuzz(func(t *testing.T, code string) {
		done := make(chan struct{})
		go func() { Check(Source{Name: "fuzz", Code: code}); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Fatalf("hang on %q", code)
		}
	})
}
