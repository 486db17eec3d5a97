// Command patchbay is the connector designer: with no verb it opens the
// window; its verbs list, import, export, lint and run connectors from the
// command line.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	_ "patchbay/cmd/patchbay/internal/locale" // before Fyne reads the locale
	"patchbay/engine/script"
)

func main() {
	// A script worker serves its scripts and exits here; Patchbay itself
	// goes on, its scripts isolated in such workers.
	script.WorkerMain()
	// Output piped into a command that stops reading (| head -1) must not
	// end a webhook test between its create and its delete: a write to
	// the closed pipe fails, and the run goes on to record and delete.
	signal.Ignore(syscall.SIGPIPE)
	// Ctrl+C, a kill and a closed terminal cancel the run, whose delete
	// still runs; under nohup, which ignores SIGHUP, a closed terminal
	// stays ignored.
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
