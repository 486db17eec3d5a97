package script

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Starting a worker (this executable, its runtime and its packages) takes
// several milliseconds, many times what a script event takes in it. So a
// worker whose Runner was closed is kept, idle, for the next Runner: the
// next step with scripts, or the next run. The isolation a worker gives is
// the same: each Runner's sources get fresh runtimes (the worker drops
// what it held when it is asked to load new ones), and a worker that was
// ended or died, for whatever reason, is never kept.

// poolSize is how many idle workers are kept at most: one per Runner that
// may be open at once in Patchbay (a run in the window, and a Check).
var poolSize = 2

// poolIdle is how long an idle worker is kept before it is ended, so that
// no process is left waiting for a run that does not come.
var poolIdle = 30 * time.Second

// poolUses is how many Runners a worker serves before it is ended, so that
// what the collector cannot give back to the system does not pile up.
const poolUses = 100

var pool struct {
	mu   sync.Mutex
	idle []*worker // the most recently used last
}

// takeWorker returns an idle worker, or starts one; reused says which.
func takeWorker() (w *worker, reused bool, err error) {
	pool.mu.Lock()
	for len(pool.idle) > 0 {
		w = pool.idle[len(pool.idle)-1]
		pool.idle = pool.idle[:len(pool.idle)-1]
		// A worker whose idle timer has fired is being ended (endIdle);
		// one that died while it waited is ended here.
		if !w.idle.Stop() {
			continue
		}
		if w.alive() {
			pool.mu.Unlock()
			w.uses++
			w.stderr.Reset()
			return w, true, nil
		}
		w.close() // it died while it waited
	}
	pool.mu.Unlock()
	w, err = startWorker()
	if err != nil {
		return nil, false, err
	}
	w.uses = 1
	return w, false, nil
}

// giveBack keeps w for the next Runner, or ends it: when it was ended or
// died, has served its Runners, or the pool is full. A kept worker first
// drops what its Runner loaded. w must not be in use.
func giveBack(w *worker) {
	if w.dead != nil || w.uses >= poolUses || !w.alive() {
		w.close()
		return
	}
	if _, err := w.call(context.Background(), request{Op: "rest"}, workerGrace, nil); err != nil {
		return // the worker was ended
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if len(pool.idle) >= poolSize {
		w.close()
		return
	}
	w.idle = time.AfterFunc(poolIdle, func() { endIdle(w) })
	pool.idle = append(pool.idle, w)
}

// endIdle ends w, which waited in the pool for longer than poolIdle.
func endIdle(w *worker) {
	pool.mu.Lock()
	pool.idle = slices.DeleteFunc(pool.idle, func(o *worker) bool { return o == w })
	pool.mu.Unlock()
	w.close()
}

// alive reports whether w's process has not exited.
func (w *worker) alive() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}
