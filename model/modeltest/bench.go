package modeltest

import (
	"testing"
	"time"
)

// Beside runs a benchmark of ours with a baseline measured beside it: each
// iteration runs ours, then baseline with the benchmark clock stopped, so
// that ns/op, B/op and allocs/op are ours alone and both see the same
// machine at the same moment. It reports, besides, ours's CPU time
// (cpu-ns/op, see CPUTime), the baseline's time as name-ns/op and the ratio
// of ours to it under the unit ratio, such as "load/select".
func Beside(b *testing.B, name, ratio string, ours, baseline func() error) {
	b.Helper()
	b.ReportAllocs()
	var oursWall, oursCPU, baseWall time.Duration
	for b.Loop() {
		c0, t0 := CPUTime(), time.Now()
		if err := ours(); err != nil {
			b.Fatal(err)
		}
		t1, c1 := time.Now(), CPUTime()
		b.StopTimer()
		if err := baseline(); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		b.StartTimer()
		oursWall += t1.Sub(t0)
		oursCPU += c1 - c0
		baseWall += t2.Sub(t1)
	}
	n := float64(b.N)
	if oursCPU > 0 {
		b.ReportMetric(float64(oursCPU.Nanoseconds())/n, "cpu-ns/op")
	}
	b.ReportMetric(float64(baseWall.Nanoseconds())/n, name+"-ns/op")
	b.ReportMetric(float64(oursWall)/float64(baseWall), ratio)
}
