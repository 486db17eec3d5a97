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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
