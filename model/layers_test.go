package model

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayers checks the direction of imports: the domain knows no window,
// SQL or JavaScript; the engine knows no window and no store; the window
// touches neither SQL nor goja itself.
func TestLayers(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list packages with")
	}
	cases := []struct {
		pkgs      string
		direct    bool // only the packages' own imports, not their dependencies
		forbidden []string
	}{
		{"patchbay/model", false, []string{"fyne.io/", "github.com/dop251/goja", "github.com/mattn/go-sqlite3", "database/sql"}},
		{"patchbay/engine/...", false, []string{"fyne.io/", "patchbay/ui", "patchbay/model/store", "github.com/mattn/go-sqlite3", "database/sql"}},
		{"patchbay/ui", true, []string{"database/sql", "github.com/mattn/go-sqlite3", "github.com/dop251/goja", "patchbay/model/store", "fyne.io/fyne/v2/app"}},
	}
	for _, tc := range cases {
		args := []string{"list", "-deps", tc.pkgs}
		if tc.direct {
			args = []string{"list", "-f", `{{join .Imports "\n"}}`, tc.pkgs}
		}
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, bad := range tc.forbidden {
				if dep == bad || strings.HasPrefix(dep, bad) && strings.HasSuffix(bad, "/") || strings.HasPrefix(dep, bad+"/") {
					t.Errorf("%s imports %s", tc.pkgs, dep)
				}
			}
		}
	}
}
