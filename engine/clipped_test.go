package engine

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"patchbay/internal/spell"
)

// naiveClipped is maskClipped as it was written first, each start of each
// form tried from the longest: the reference the one-pass search must
// agree with.
func naiveClipped(s string, forms []string) string {
	var b strings.Builder
	done := 0
	for at := 0; ; {
		i := strings.Index(s[at:], clipMark)
		if i < 0 {
			break
		}
		i += at
		cut := 0
		for _, f := range forms {
			for n := min(len(f), i); n > cut; n-- {
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
			start := max(i-cut, done)
			b.WriteString(s[done:start])
			b.WriteString(Mask)
			done = i
		}
		at = i + len(clipMark)
	}
	b.WriteString(s[done:])
	return b.String()
}

// The one-pass search finds what trying every start finds, on texts made
// of few letters, where starts of a form repeat inside it.
func TestMaskClippedFindsTheLongestStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte("abA…"[rng.IntN(3)])
			if rng.IntN(9) == 0 {
				b.WriteString(clipMark)
			}
		}
		return b.String()
	}
	for range 20000 {
		forms := []string{word(4 + rng.IntN(12)), word(4 + rng.IntN(6))}
		s := word(rng.IntN(40))
		if got, want := maskClipped(s, forms), naiveClipped(s, forms); got != want {
			t.Fatalf("maskClipped(%q, %q) = %q, want %q", s, forms, got, want)
		}
	}
	// Cases by hand: a start cut before the mark, too short a start, a
	// start that repeats in the form (aab…: "aa" then "aab").
	for _, tc := range []struct{ s, form, want string }{
		{"key=sk_live_12…", "sk_live_1234", "key=" + Mask + "…"},
		{"key=sk_…", "sk_live_1234", "key=sk_…"},
		{"x aaaab…", "aaaabaaaac", "x " + Mask + "…"},
		{"x abab…", "ababc", "x " + Mask + "…"},
	} {
		if got := maskClipped(tc.s, []string{tc.form}); got != tc.want {
			t.Errorf("maskClipped(%q, %q) = %q, want %q", tc.s, tc.form, got, tc.want)
		}
	}
}

// BenchmarkMaskClippedHostile: a script that learnt a secret of 200 KB
// threw a message of 200 KB ending in a clip mark, and another of a
// million marks; beside them, maskForms of the same texts, which every
// message costs anyway. It took minutes before the one-pass search and
// the limits on marks and look-back.
func BenchmarkMaskClippedHostile(b *testing.B) {
	forms := []string{strings.Repeat("A", 200000)}
	for name, s := range map[string]string{
		"long-secret": strings.Repeat("B", 200000) + "…",
		"many-marks":  strings.Repeat("x…", 1000000),
	} {
		b.Run(name, func(b *testing.B) {
			var clipped, masked int64
			for range b.N {
				start := time.Now()
				maskForms(s, forms)
				mid := time.Now()
				maskClipped(s, forms)
				masked += int64(mid.Sub(start))
				clipped += int64(time.Since(mid))
			}
			b.ReportMetric(float64(clipped)/float64(b.N), "clipped-ns/op")
			b.ReportMetric(float64(masked)/float64(b.N), "maskforms-ns/op")
			b.ReportMetric(float64(clipped)/float64(masked), "clipped/maskforms")
		})
	}
}

// Wrapped base64 in JSON whose next line begins with / written \/, as
// PHP's json_encode writes it, is masked too.
func TestWrappedBase64BreakBeforeEscapedSlash(t *testing.T) {
	forms := spell.Forms([]string{"a-secret?key>with~bits"})
	text := `{"content":"YS1zZWNyZXQ\n\/a2V5PndpdGh+Yml0cw=="}`
	if got := maskForms(text, forms); !strings.Contains(got, Mask) || strings.Contains(got, "a2V5PndpdGh") {
		t.Errorf("%s masked to %s", text, got)
	}
}

// BenchmarkMaskPercentHeavy: 10 MB (a response's cap) full of % signs, or
// of escapes, masked whole, beside the replacing of each form alone, which
// any body costs.
func BenchmarkMaskPercentHeavy(b *testing.B) {
	forms := spell.Forms([]string{"sk_live_4eC39HqLyjWDarjtT1zdp7dc"})
	for name, s := range map[string]string{
		"percents": strings.Repeat("%", 10<<20),
		"escapes":  strings.Repeat("%41", 10<<20/3),
	} {
		b.Run(name, func(b *testing.B) {
			var whole, replace time.Duration
			for range b.N {
				t0 := time.Now()
				maskForms(s, forms)
				t1 := time.Now()
				for _, f := range forms {
					strings.ReplaceAll(s, f, Mask)
				}
				whole, replace = whole+t1.Sub(t0), replace+time.Since(t1)
			}
			b.ReportMetric(float64(whole)/float64(b.N), "mask-ns/op")
			b.ReportMetric(float64(replace)/float64(b.N), "replace-ns/op")
			b.ReportMetric(float64(whole)/float64(replace), "mask/replace")
		})
	}
}
