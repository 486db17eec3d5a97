package main

import (
	"context"

	"fyne.io/fyne/v2/app"

	"patchbay/ui"
)

// appID is the application's ID; FyneApp.toml says the same.
const appID = "io.patchbay.designer"

func runGUI(ctx context.Context, env *cliEnv, args []string) error {
	if _, err := parseFlags(newFlags(env, "gui"), args, 0, 0); err != nil {
		return err
	}
	db, err := openDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	a := app.NewWithID(appID)
	w := ui.NewMainWindow(ctx, a, db)
	w.ShowAndRun()
	return nil
}
