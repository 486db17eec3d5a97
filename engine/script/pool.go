package script

import (
	"context"
	"errors"
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

// poolSize is how many idle workers are kept at most: enough for the
// Runners usually open at once in Patchbay (a run's step, and a Check or a
// lint of the scripts beside it); more are started when needed, and end
// when they are given back to a full pool.
const poolSize = 2

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

// callPooled sends req to a worker from takeWorker and returns the worker
// with the answer; a nil worker when none could be started. A kept worker
// that died while it waited, unseen (killed, and not yet reaped), answers
// nothing and says nothing on its way out: then none of the request ran,
// and a new worker gets it. One that died of the request itself (a source
// that overflows the parser's stack) says why on stderr, and is not asked
// again.
func callPooled(ctx context.Context, req request, limit time.Duration, console func(source, line string)) (*worker, reply, error) {
	w, reused, err := takeWorker()
	if err != nil {
		return nil, reply{}, err
	}
	rep, err := w.call(ctx, req, limit, console)
	if err != nil && reused && w.diedUnstarted() && ctx.Err() == nil {
		if w, err = startWorker(); err != nil {
			return nil, reply{}, err
		}
		w.uses = 1
		rep, err = w.call(ctx, req, limit, console)
	}
	return w, rep, err
}

// diedUnstarted reports whether w died in a call without answering
// anything or writing on stderr, as a worker killed before it read the
// request does.
func (w *worker) diedUnstarted() bool {
	if w.dead == nil || errors.Is(w.dead, errWorkerLate) || w.replies > 0 {
		return false
	}
	select { // ended by died, if not by itself: its stderr is whole once it has exited
	case <-w.exited:
	case <-time.After(time.Second):
		return false
	}
	return w.stderr.String() == ""
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
