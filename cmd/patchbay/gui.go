package main

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"patchbay/assets"
	"patchbay/model/store"
	"patchbay/ui"
)

// appID is the application's ID; FyneApp.toml says the same.
const appID = "io.patchbay.designer"

func runGUI(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "gui")
	var start ui.StartView
	fs.StringVar(&start.Connector, "connector", "", "open this connector")
	fs.StringVar(&start.Method, "method", "", "open this method of it")
	fs.StringVar(&start.Tab, "tab", "", "open this tab of the method (Settings, Rate Limits, Field Mappings, Request Format, Response Format, Parameters, Script, Test)")
	fs.BoolVar(&start.Run, "run", false, "run the method's test at once")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	switch {
	case start.Method != "" && start.Connector == "":
		return &usageError{verb: "gui", msg: "--method needs --connector: the method of which connector?"}
	case (start.Tab != "" || start.Run) && start.Method == "":
		return &usageError{verb: "gui", msg: "--tab and --run need --method, and --connector"}
	}
	if why := noDisplay(); why != "" {
		return fmt.Errorf("%s: run it in a desktop session or under xvfb-run, or use the command line: 'patchbay help' lists the commands", why)
	}
	db, err := createDB(ctx, env, true)
	if err != nil {
		return err
	}
	defer db.Close()
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	explain := func(err error) error { return store.Damaged(err, db.Path()) }
	w := ui.NewMainWindow(ctx, a, ui.Deps{Store: db, Ledger: db, Runs: db, Turns: db, Start: start, Explain: explain})
	// An interrupt or SIGTERM ends the app as closing the window would not:
	// at once, without asking about unsaved changes.
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()
	w.ShowAndRun()
	return nil
}

// noDisplay says why no window can open here, or "": on Linux and the
// BSDs a window needs an X or Wayland display, and without one the window
// library would end the process with a panic.
func noDisplay() string {
	switch runtime.GOOS {
	case "windows", "darwin", "android", "ios", "js":
		return ""
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return "there is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set)"
	}
	return ""
}
