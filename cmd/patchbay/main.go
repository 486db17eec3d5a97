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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
