package script

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pid is the process id of r's worker.
func pid(t *testing.T, r *Runner) int {
	t.Helper()
	if r.w == nil {
		t.Fatal("the runner has no worker")
	}
	return r.w.cmd.Process.Pid
}

// emptyPool ends the idle workers, so that a test starts from none.
func emptyPool(t testing.TB) {
	t.Helper()
	pool.mu.Lock()
	idle := pool.idle
	pool.idle = nil
	pool.mu.Unlock()
	for _, w := range idle {
		w.idle.Stop()
		w.close()
	}
}

func requireWorkers(t *testing.T) {
	t.Helper()
	if !isolated.Load() {
		t.Skip("scripts run in this process")
	}
	emptyPool(t)
	t.Cleanup(func() { emptyPool(t) })
}

// A closed Runner's worker serves the next Runner, which sees nothing of
// the first one's scripts: not a global its top-level code set, not one a
// handler set, not a function it defined.
func TestWorkerReusedWithFreshRuntimes(t *testing.T) {
	requireWorkers(t)
	first := newRunner(t, Options{}, "var fromConnector = 'first';",
		"var fromMethod = 'first'; function before_action() { globalThis.fromHandler = 'first'; }")
	if _, err := first.Fire(context.Background(), EventBeforeAction, &Globals{}); err != nil {
		t.Fatal(err)
	}
	firstPID := pid(t, first)
	first.Close()

	second := newRunner(t, Options{}, "", `function after_action() {
	cycle_variables.seen = [typeof fromConnector, typeof fromMethod, typeof fromHandler, typeof before_action].join(',');
}`)
	defer second.Close()
	if got := pid(t, second); got != firstPID {
		t.Fatalf("the second runner got worker %d, not the first's %d: nothing was reused", got, firstPID)
	}
	g := &Globals{}
	if _, err := second.Fire(context.Background(), EventAfterAction, g); err != nil {
		t.Fatal(err)
	}
	if got := g.CycleVariables["seen"]; got != "undefined,undefined,undefined,undefined" {
		t.Errorf("the second runner saw the first one's globals: %v", got)
	}
	if second.Handles(EventBeforeAction) {
		t.Error("the second runner handles the first one's before_action")
	}
}

// A worker that was ended (here when its run was cancelled) is not
// reused, and neither is one that died while it waited: the next Runner
// gets a new one, and its scripts run. One whose script the time limit
// stopped lives on, and is reused.
func TestEndedWorkerNotReused(t *testing.T) {
	requireWorkers(t)
	r := newRunner(t, Options{Timeout: 100 * time.Millisecond}, "", "function before_action() { while (true) {} }")
	stoppedPID := pid(t, r)
	if _, err := r.Fire(context.Background(), EventBeforeAction, &Globals{}); err == nil {
		t.Fatal("the endless loop was not stopped")
	}
	r.Close()
	r = newRunner(t, Options{}, "", "function before_action() { while (true) {} }")
	if pid(t, r) != stoppedPID {
		t.Error("a worker whose script the time limit stopped was not reused")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := r.Fire(ctx, EventBeforeAction, &Globals{}); err == nil {
		t.Fatal("the cancelled loop did not fail")
	}
	r.Close()
	next := newRunner(t, Options{}, "", "function before_action() { cycle_variables.ok = 1; }")
	if pid(t, next) == stoppedPID {
		t.Error("a worker ended when its run was cancelled was reused")
	}
	next.Close()

	// Kill the idle worker behind the pool's back.
	pool.mu.Lock()
	if len(pool.idle) != 1 {
		pool.mu.Unlock()
		t.Fatalf("%d idle workers, want 1", len(pool.idle))
	}
	idle := pool.idle[0]
	pool.mu.Unlock()
	idle.cmd.Process.Kill()
	<-idle.exited
	g, err := fireMethod(t, "function before_action() { cycle_variables.ok = 1; }", EventBeforeAction)
	if err != nil || g.CycleVariables["ok"] != float64(1) {
		t.Errorf("after the idle worker died: %v, %v", g.CycleVariables, err)
	}
}

// keepDying puts in the pool a worker that reads the request and exits
// without a word, as one killed after the pool's check does.
func keepDying(t *testing.T) {
	t.Helper()
	w, err := startCmd(exec.Command("sh", "-c", "read -r line; exit 0"))
	if err != nil {
		t.Fatal(err)
	}
	w.uses = 1
	giveBackUnchecked(w)
}

// giveBackUnchecked keeps w in the pool without asking it to rest.
func giveBackUnchecked(w *worker) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	w.idle = time.AfterFunc(time.Hour, func() { endIdle(w) })
	pool.idle = append(pool.idle, w)
}

// A kept worker that died unseen before it answered anything is replaced,
// for a Runner and for Check alike: none of the request had run.
func TestWorkerDeadBeforeRequestReplaced(t *testing.T) {
	requireWorkers(t)
	keepDying(t)
	g, err := fireMethod(t, "function before_action() { cycle_variables.ok = 1; }", EventBeforeAction)
	if err != nil || g.CycleVariables["ok"] != float64(1) {
		t.Errorf("New: %v, %v", g.CycleVariables, err)
	}
	emptyPool(t)
	keepDying(t)
	if err := Check(Source{Name: methodName, Code: "function before_action() { return true; }"}); err != nil {
		t.Errorf("Check of a good source: %v", err)
	}
}

// A source that ends its worker as it is loaded (goja's parser overflowing
// Go's stack) is not loaded again in a new worker when the one that died
// was kept: it said why on its way out.
func TestWorkerCrashNotRetried(t *testing.T) {
	requireWorkers(t)
	newRunner(t, Options{}, "", "function before_action() {}").Close()
	before := workersStarted.Load()
	_, err := New(context.Background(), Options{}, Source{Name: methodName, Code: "var y = " + strings.Repeat("!", 4000000) + "1;"})
	if err == nil || !strings.Contains(err.Error(), "stack overflow") {
		t.Fatalf("New: %v", err)
	}
	if n := workersStarted.Load() - before; n != 0 {
		t.Errorf("%d workers started to load the source again", n)
	}
}

// An idle worker is ended after poolIdle; Close twice gives it back once,
// and Fire after Close says the runner is closed.
func TestIdleWorkerEnded(t *testing.T) {
	requireWorkers(t)
	defer func(d time.Duration) { poolIdle = d }(poolIdle)
	poolIdle = 50 * time.Millisecond
	r := newRunner(t, Options{}, "", "function before_action() {}")
	w := r.w
	r.Close()
	r.Close()
	pool.mu.Lock()
	n := len(pool.idle)
	pool.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d idle workers after Close twice, want 1", n)
	}
	if _, err := r.Fire(context.Background(), EventBeforeAction, &Globals{}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Fire after Close: %v", err)
	}
	select {
	case <-w.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the idle worker was not ended")
	}
	pool.mu.Lock()
	n = len(pool.idle)
	pool.mu.Unlock()
	if n != 0 {
		t.Errorf("%d idle workers left, want 0", n)
	}
}

// Runners open at the same time have workers of their own; the pool keeps
// at most poolSize of them when they are closed, and the rest end.
func TestConcurrentRunnersOwnWorkers(t *testing.T) {
	requireWorkers(t)
	const n = 4
	runners := make([]*Runner, n)
	var wg sync.WaitGroup
	for i := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := New(context.Background(), Options{}, Source{Name: methodName, Code: "function before_action() { cycle_variables.n = (cycle_variables.n || 0) + 1; }"})
			if err != nil {
				t.Error(err)
				return
			}
			runners[i] = r
			g := &Globals{}
			if _, err := r.Fire(context.Background(), EventBeforeAction, g); err != nil || g.CycleVariables["n"] != float64(1) {
				t.Errorf("%v, %v", g.CycleVariables, err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	pids := map[int]bool{}
	for _, r := range runners {
		pids[pid(t, r)] = true
	}
	if len(pids) != n {
		t.Errorf("%d runners open at once shared workers: %d processes", n, len(pids))
	}
	for _, r := range runners {
		r.Close()
	}
	pool.mu.Lock()
	kept := len(pool.idle)
	pool.mu.Unlock()
	if kept != poolSize {
		t.Errorf("%d idle workers kept, want %d", kept, poolSize)
	}
}

// rss is the resident memory of process pid in bytes, from /proc.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// A worker waiting in the pool keeps nothing of its last Runner: the
// memory its scripts held goes back to the system.
func TestIdleWorkerGivesMemoryBack(t *testing.T) {
	requireWorkers(t)
	// A longer time limit than the default: the race detector slows the
	// string building many times over.
	r := newRunner(t, Options{Timeout: time.Minute}, "", `var held = [];
function before_action() {
	for (var i = 0; i < 8; i++) held.push('x'.repeat(1 << 24) + i);
}`)
	if _, err := r.Fire(context.Background(), EventBeforeAction, &Globals{}); err != nil {
		t.Fatal(err)
	}
	p := pid(t, r)
	busy := rss(t, p)
	if busy < 100<<20 {
		t.Fatalf("the worker holds %d MiB, want the script's 128", busy>>20)
	}
	r.Close()
	// The worker gives the memory back after it has answered.
	idle := rss(t, p)
	for deadline := time.Now().Add(10 * time.Second); idle > busy/2 && time.Now().Before(deadline); idle = rss(t, p) {
		time.Sleep(10 * time.Millisecond)
	}
	if idle > busy/2 {
		t.Errorf("the idle worker holds %d MiB, as much as with its Runner open (%d MiB)", idle>>20, busy>>20)
	}
}

// A worker whose parent is gone (killed: its input closes) ends at once,
// also in the middle of an event: a script goja cannot interrupt, such as
// a regex that backtracks for ever, kept a worker of a killed Patchbay
// spinning on a core. Here the event is a loop with a minute's limit.
func TestWorkerEndsWhenItsParentGoes(t *testing.T) {
	requireWorkers(t)
	r := newRunner(t, Options{Timeout: time.Minute}, "", "function before_action() { while (true) {} }")
	w := r.w
	fired := make(chan error, 1)
	go func() {
		_, err := r.Fire(context.Background(), EventBeforeAction, &Globals{})
		fired <- err
	}()
	time.Sleep(200 * time.Millisecond) // the loop runs
	w.in.Close()                       // as when the parent dies
	select {
	case <-w.exited:
	case <-time.After(10 * time.Second):
		w.cmd.Process.Kill()
		t.Fatal("the worker went on after its input closed")
	}
	if err := <-fired; err == nil {
		t.Error("the event passed")
	}
}
