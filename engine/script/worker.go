package script

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Scripts run in a worker process when the program asks for it (WorkerMain):
// a script that exhausts memory, or makes a built-in recurse until Go's
// stack overflows, then ends the worker and fails its step, instead of
// ending Patchbay with the author's unsaved work. The worker is this same
// executable, started with workerEnv set. A worker serves one Runner at a
// time; when the Runner is closed its worker waits, idle, for the next
// (pool.go), and each Runner gets fresh runtimes in it.

// A worker is started with workerArg and a fresh token as its arguments,
// and the same token in workerEnv: both must agree, so that neither an
// exported variable nor an odd command line alone makes Patchbay a worker.
const (
	workerArg = "__script-worker"
	workerEnv = "PATCHBAY_SCRIPT_WORKER"
)

// maxReply caps what one answer of a worker may hold (the globals a script
// left, its console lines), so that a script cannot fill the parent's
// memory through them.
const maxReply = 64 << 20

// What a worker passes on of a script's console output, per request: more
// than a step keeps (the engine's limits are lower, and it says where it
// stopped), so that a script logging without end is not ended for it. A
// line is passed on whole or not at all: the engine masks secrets in it
// before it cuts it, and a cut here would leave part of one.
const (
	workerConsoleLines       = 2000
	workerConsoleBytes       = 4 << 20
	workerConsoleLineCounted = 64 << 10 // more than a step keeps of a line
	// workerConsoleWire caps the console output an event sends, as encoded:
	// well within maxReply, which the globals need too.
	workerConsoleWire = 24 << 20
)

// workerMemory is the most heap a worker may use before it is ended.
const workerMemory = 1 << 30

// workerGrace is how long past a script's time limit the worker may take
// before it is ended: its own limit normally stops the script first, with
// the line it was at.
const workerGrace = 2 * time.Second

// isolated is set by WorkerMain in a program whose runners use workers.
var isolated atomic.Bool

// WorkerMain makes this process a script worker, and exits when it is done,
// if it was started as one. Otherwise it turns isolation on: every Runner
// of this process runs its scripts in a worker process of this executable.
// Call it first thing in main, and in the TestMain or an init of a test
// binary that runs scripts, since the worker is the same executable.
func WorkerMain() {
	token := os.Getenv(workerEnv)
	if len(os.Args) != 3 || os.Args[1] != workerArg || token == "" || os.Args[2] != token {
		isolated.Store(true)
		return
	}
	os.Unsetenv(workerEnv)
	// Ctrl+C in a terminal reaches the whole process group: the parent
	// ends its worker itself, and says the run was cancelled.
	signal.Ignore(os.Interrupt)
	os.Exit(serveWorker(os.Stdin, os.Stdout, func() { os.Exit(0) }))
}

// request is what the parent asks a worker: to load the sources ("new"),
// to fire an event ("fire"), to parse a source ("check"), or to drop what
// it loaded, as its Runner is closed ("rest").
type request struct {
	Op      string        `json:"op"`
	Timeout time.Duration `json:"timeout,omitempty"`
	Sources []Source      `json:"sources,omitempty"`
	Event   Event         `json:"event,omitempty"`
	Globals *Globals      `json:"globals,omitempty"`
}

// reply is a console line from the worker, the name of the source whose
// code starts running (Running), or the answer that ends a request (Done).
type reply struct {
	Console  *consoleLine `json:"console,omitempty"`
	Running  string       `json:"running,omitempty"`
	Done     bool         `json:"done,omitempty"`
	Handlers []Event      `json:"handlers,omitempty"`
	// Functions are the top-level functions a checked source declares.
	Functions []Function `json:"functions,omitempty"`
	Proceed   bool       `json:"proceed,omitempty"`
	// StoppedBy names the source whose handler returned false.
	StoppedBy string     `json:"stopped_by,omitempty"`
	Globals   *Globals   `json:"globals,omitempty"`
	Err       *wireError `json:"err,omitempty"`
}

type consoleLine struct {
	Source, Line string
}

// wireError carries a *ScriptError, a *TimeoutError or another error's
// text from the worker.
type wireError struct {
	Kind          string // "script", "timeout" or ""
	Source        string
	Event         Event
	Line, Column  int
	Name, Message string
	Limit         time.Duration
}

func toWire(err error) *wireError {
	var se *ScriptError
	var te *TimeoutError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return &wireError{Kind: "script", Source: se.Source, Event: se.Event, Line: se.Line, Column: se.Column, Name: se.Name, Message: se.Message}
	case errors.As(err, &te):
		return &wireError{Kind: "timeout", Source: te.Source, Event: te.Event, Line: te.Line, Column: te.Column, Limit: te.Limit}
	}
	return &wireError{Message: err.Error()}
}

func (w *wireError) err() error {
	switch {
	case w == nil:
		return nil
	case w.Kind == "script":
		return &ScriptError{Source: w.Source, Event: w.Event, Line: w.Line, Column: w.Column, Name: w.Name, Message: w.Message}
	case w.Kind == "timeout":
		return &TimeoutError{Source: w.Source, Event: w.Event, Line: w.Line, Column: w.Column, Limit: w.Limit}
	}
	return errors.New(w.Message)
}

// serveWorker answers requests on in until it closes; it returns the exit
// code. gone is called as soon as in closes, even while an event runs.
func serveWorker(in io.Reader, out io.Writer, gone func()) int {
	go watchMemory()
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	var r *Runner
	// Console output passed on for the request under way: lines, bytes
	// counted, bytes sent, and whether it has stopped.
	var lines, bytes, wire int
	var stopped bool
	stop := fmt.Sprintf("(console output stops here: a script event passes on at most %d lines and %d MiB)", workerConsoleLines, workerConsoleBytes>>20)
	console := func(source, line string) {
		if stopped {
			return
		}
		// A step keeps only the start of a long line: the rest does not
		// use up what the worker passes on, but it is sent.
		counted := min(len(line), workerConsoleLineCounted)
		switch {
		case lines == workerConsoleLines || bytes+counted > workerConsoleBytes:
			stopped, line = true, stop
		case len(line) > workerConsoleBytes:
			line = fmt.Sprintf("(a console line of %d bytes was left out: longer than %d MiB)", len(line), workerConsoleBytes>>20)
		}
		data, _ := json.Marshal(reply{Console: &consoleLine{source, line}})
		if !stopped && wire+len(data) > workerConsoleWire {
			stopped = true
			data, _ = json.Marshal(reply{Console: &consoleLine{source, stop}})
		}
		lines, bytes, wire = lines+1, bytes+counted, wire+len(data)
		out.Write(append(data, '\n'))
	}
	// Requests are read on their own goroutine, so that the end of the
	// input is seen also while an event runs: the parent is then gone
	// (killed, say), and a script goja cannot interrupt (a regex that
	// backtracks for ever) must not outlive it, spinning on a core.
	reqs := make(chan request)
	go func() {
		for {
			var req request
			if err := dec.Decode(&req); err != nil {
				gone()
				close(reqs)
				return
			}
			reqs <- req
		}
	}()
	for req := range reqs {
		lines, bytes, wire, stopped = 0, 0, 0, false
		rep := reply{Done: true}
		switch req.Op {
		case "new":
			r = nil // what the worker's last Runner loaded is not kept
			opts := Options{Timeout: req.Timeout, Console: console, running: func(source string) {
				data, _ := json.Marshal(reply{Running: source})
				out.Write(append(data, '\n'))
			}}
			var err error
			if r, err = newInProcess(context.Background(), opts, req.Sources...); err != nil {
				rep.Err = toWire(err)
			} else {
				for _, ev := range Events() {
					if r.Handles(ev) {
						rep.Handlers = append(rep.Handlers, ev)
					}
				}
			}
		case "rest":
			r = nil // the Runner is done: nothing of its scripts or globals stays
		case "check":
			if len(req.Sources) == 1 {
				var err error
				rep.Functions, err = inspectInProcess(req.Sources[0])
				rep.Err = toWire(err)
			}
		case "fire":
			if r == nil {
				rep.Err = &wireError{Message: "script worker: fire before the scripts were loaded"}
				break
			}
			g := req.Globals
			if g == nil {
				g = &Globals{}
			}
			// g comes back also after a failure: with what the handlers
			// before the failed one changed, and what a handler that threw
			// set before it did, as in process.
			proceed, err := r.fireInProcess(context.Background(), req.Event, g)
			rep.Proceed, rep.Err, rep.Globals, rep.StoppedBy = proceed, toWire(err), g, r.stoppedBy
		default:
			rep.Err = &wireError{Message: fmt.Sprintf("script worker: unknown request %q", req.Op)}
		}
		if err := enc.Encode(rep); err != nil {
			return 1
		}
		if req.Op == "rest" && heapObjects() > restHeap {
			// A worker waiting for its next Runner gives back what the
			// last one's scripts took, after it has answered.
			debug.FreeOSMemory()
		}
	}
	return 0 // the parent is done with this worker
}

// restHeap is how much heap a worker keeps as it waits for its next Runner
// (see "rest") before it returns the memory to the system.
const restHeap = 32 << 20

// heapObjects is how much of the heap the worker's objects take, live or
// not yet collected.
func heapObjects() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// watchMemory ends the worker when its heap passes workerMemory: growth by
// many small steps. One huge allocation ends it through Go's own "out of
// memory".
func watchMemory() {
	debug.SetMemoryLimit(workerMemory) // the collector works harder first
	for range time.Tick(20 * time.Millisecond) {
		if heapObjects() > workerMemory {
			fmt.Fprintf(os.Stderr, "the script used more than %d MiB of memory\n", workerMemory>>20)
			os.Exit(3)
		}
	}
}

// worker is the parent's end of one worker process.
type worker struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *countingReader
	dec    *json.Decoder
	stderr *cappedBuffer
	exited chan struct{} // closed once the process has exited and is reaped
	dead   error         // set once the worker was ended or died
	// running names the source whose code the worker said it was
	// running, in the call under way.
	running string
	// replies counts what came back in the call under way: a worker that
	// answered nothing at all ran none of the request.
	replies int
	// uses counts the Runners the worker has served; idle ends it once
	// it has waited too long in the pool (pool.go).
	uses int
	idle *time.Timer
}

// executable is the program to start as a worker: this very file, also
// after a newer one was installed in its place (Linux's /proc/self/exe),
// so that both ends speak the same protocol.
func executable() (string, error) {
	if _, err := os.Stat("/proc/self/exe"); err == nil {
		return "/proc/self/exe", nil
	}
	return os.Executable()
}

// workersStarted counts the workers this process started.
var workersStarted atomic.Int64

func startWorker() (*worker, error) {
	workersStarted.Add(1)
	exe, err := executable()
	if err != nil {
		return nil, fmt.Errorf("start the script worker: %w", err)
	}
	token := make([]byte, 16)
	rand.Read(token)
	cmd := exec.Command(exe, workerArg, hex.EncodeToString(token))
	cmd.Env = append(os.Environ(), workerEnv+"="+hex.EncodeToString(token))
	return startCmd(cmd)
}

// startCmd starts cmd as a worker.
func startCmd(cmd *exec.Cmd) (*worker, error) {
	var err error
	w := &worker{cmd: cmd, stderr: &cappedBuffer{max: 4096}, exited: make(chan struct{})}
	cmd.Stderr = w.stderr
	cmd.WaitDelay = time.Second // its output is not waited for past its end
	if w.in, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("start the script worker: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start the script worker: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the script worker: %w", err)
	}
	go func() { // the one Wait: it reaps the process, however it ends
		cmd.Wait()
		close(w.exited)
	}()
	w.out = &countingReader{r: out}
	w.dec = json.NewDecoder(bufio.NewReader(w.out))
	return w, nil
}

// countingReader counts what is read through it, and fails past max.
type countingReader struct {
	r   io.Reader
	n   atomic.Int64
	max int64
}

var errReplyTooLarge = fmt.Errorf("the script left more than %d MiB for the run to take back", maxReply>>20)

func (c *countingReader) Read(p []byte) (int, error) {
	if c.max > 0 && c.n.Load() > c.max {
		return 0, errReplyTooLarge
	}
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// call sends req and waits for its answer, handing console lines to
// console on the way, for at most limit: past it, or when ctx ends, the
// worker is ended. A worker that died says why in its error.
func (w *worker) call(ctx context.Context, req request, limit time.Duration, console func(source, line string)) (reply, error) {
	if w.dead != nil {
		return reply{}, w.dead
	}
	data, err := json.Marshal(req)
	if err != nil {
		return reply{}, err // nothing was sent: the worker goes on
	}
	w.out.max = w.out.n.Load() + maxReply
	w.running, w.replies = "", 0
	if _, err := w.in.Write(append(data, '\n')); err != nil {
		return reply{}, w.died(fmt.Errorf("the script worker is gone: %w", err))
	}
	msgs := make(chan reply)
	failed := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			var rep reply
			if err := w.dec.Decode(&rep); err != nil {
				failed <- err
				return
			}
			select {
			case msgs <- rep:
			case <-stop:
				return
			}
			if rep.Done {
				return
			}
		}
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case rep := <-msgs:
			w.replies++
			if rep.Console != nil {
				if console != nil {
					console(rep.Console.Source, rep.Console.Line)
				}
				continue
			}
			if rep.Running != "" {
				w.running = rep.Running
				continue
			}
			return rep, nil
		case err := <-failed:
			if errors.Is(err, errReplyTooLarge) {
				return reply{}, w.died(err)
			}
			return reply{}, w.died(w.crash())
		case <-ctx.Done():
			return reply{}, w.died(ctx.Err())
		case <-timer.C:
			return reply{}, w.died(errWorkerLate)
		}
	}
}

var errWorkerLate = errors.New("the script engine did not stop at the time limit, and was ended")

// errStackOverflow is a worker that died of a Go stack overflow.
var errStackOverflow = errors.New("the script ended the script engine: a built-in went too deep (a Go stack overflow); look for a value nested very deep")

// crash says why the worker died, from what it wrote on stderr. A worker
// that broke the protocol but lives is ended first.
func (w *worker) crash() error {
	select {
	case <-w.exited:
	case <-time.After(time.Second):
		w.cmd.Process.Kill()
		<-w.exited
	}
	text := strings.TrimSpace(w.stderr.String())
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "fatal error: stack overflow"), strings.Contains(line, "stack exceeds"):
			return errStackOverflow
		case strings.HasPrefix(line, "fatal error: out of memory"), strings.Contains(line, "out of memory"):
			return errors.New("the script ended the script engine: it asked for more memory than there is; look for a huge array or string")
		case strings.HasPrefix(line, "the script used more than"):
			return fmt.Errorf("the script ended the script engine: %s", line)
		}
	}
	if text == "" {
		return errors.New("the script engine stopped unexpectedly")
	}
	first, _, _ := strings.Cut(text, "\n")
	return fmt.Errorf("the script engine stopped unexpectedly: %s", first)
}

// died ends the worker, for good, with err as the reason.
func (w *worker) died(err error) error {
	if w.dead == nil {
		w.dead = err
		w.cmd.Process.Kill()
		w.in.Close()
	}
	return err
}

// close lets the worker end: it exits when its input closes.
func (w *worker) close() {
	if w.dead != nil {
		return
	}
	w.dead = errors.New("the script runner is closed")
	w.in.Close()
}

// cappedBuffer keeps the first max bytes written to it.
type cappedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *cappedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Reset forgets what was written.
func (b *cappedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}
