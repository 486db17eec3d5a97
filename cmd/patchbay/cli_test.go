package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"patchbay/assets"
)

// cli runs the command line in-process against the database at db.
type cli struct {
	t  *testing.T
	db string
}

// newCLI makes a new database, seeded as the window's first start seeds
// one, for a test's command lines.
func newCLI(t *testing.T) *cli {
	return newCLIAt(t, filepath.Join(t.TempDir(), "patchbay.db"))
}

// newCLIAt is newCLI with the database at path.
func newCLIAt(t *testing.T, path string) *cli {
	t.Helper()
	db, err := createDB(context.Background(), &cliEnv{dbPath: path}, true)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return &cli{t: t, db: path}
}

// run runs one command line and returns its exit code, stdout and stderr.
func (c *cli) run(args ...string) (int, string, string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append(args, "--db", c.db), &out, &errOut)
	return code, out.String(), errOut.String()
}

// must runs a command line that has to succeed.
func (c *cli) must(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(args...)
	if code != exitOK {
		c.t.Fatalf("patchbay %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportExportGivesBackTheExample(t *testing.T) {
	c := newCLI(t)
	// The new database is seeded with the example; import it over itself
	// and it must come back byte for byte.
	file := writeFile(t, "example.json", string(assets.ExampleConnector))
	c.must("import", file, "--replace")
	out := c.must("export", "Webhook Example")
	if out != string(assets.ExampleConnector) {
		t.Errorf("export differs from the bundled example:\n%s", out)
	}
	dest := filepath.Join(t.TempDir(), "out.json")
	c.must("export", "Webhook Example", "-o", dest)
	got, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, assets.ExampleConnector) {
		t.Error("export -o wrote something else than the example")
	}
}

func TestImportIntoEmptyName(t *testing.T) {
	c := newCLI(t)
	doc := strings.Replace(string(assets.ExampleConnector), `"Name": "Webhook Example"`, `"Name": "Second"`, 1)
	file := writeFile(t, "second.json", doc)
	if out := c.must("import", file); !strings.Contains(out, `imported "Second" (4 methods)`) {
		t.Errorf("import said %q", out)
	}
	code, _, errOut := c.run("import", file)
	if code != exitUsage || !strings.Contains(errOut, `a connector named "Second" exists already; add --replace`) {
		t.Errorf("second import: exit %d, stderr %q", code, errOut)
	}
	list := c.must("list")
	for _, want := range []string{"Second (4 methods)", "Webhook Example (4 methods)", "Webhook  New Order", "Action   Create Webhook  (hidden)"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
}

func TestBadUsageAndInput(t *testing.T) {
	bad := writeFile(t, "bad.json", `{"Format": "patchbay.connector/1", "Name": 7, "Colour": "red"}`)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown verb", []string{"frobnicate"}, `unknown verb "frobnicate"`},
		{"unknown flag", []string{"list", "--colour"}, "patchbay list: there is no flag --colour\nusage: patchbay list"},
		{"missing argument", []string{"export"}, "usage: patchbay export NAME"},
		{"extra argument", []string{"lint", "a", "b"}, "too many arguments: it takes at most 1 (the 2nd argument is not shown here, as it may be a secret)"},
		{"unknown connector", []string{"export", "Nope"}, `no connector named "Nope"; the connectors are "Webhook Example"`},
		{"missing file", []string{"import", "/nonexistent/x.json"}, "no such file"},
		{"bad document", []string{"import", bad}, "Name: want a string, got the number 7"},
		{"bad document lists all", []string{"import", bad}, "Colour: unknown key"},
		{"set without pair", []string{"set", "Webhook Example", "BaseUrl=x", "BaseUrl"}, `the 2nd pair after the connector's name is not KEY=VALUE`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			code, _, errOut := c.run(tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
				t.Errorf("stderr shows a Go panic:\n%s", errOut)
			}
		})
	}
}

func TestLintExitCodes(t *testing.T) {
	c := newCLI(t)
	if out := c.must("lint", "Webhook Example"); !strings.Contains(out, "no problems found") {
		t.Errorf("lint of the example said %q", out)
	}
	typo := strings.Replace(string(assets.ExampleConnector), "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}", "{{BaseUrl}}/webhooks/{{Cyclr_Webhook_Id}}}", 1)
	c.must("import", writeFile(t, "typo.json", typo), "--replace")
	code, out, errOut := c.run("lint", "Webhook Example")
	if code != exitFailed {
		t.Errorf("lint with }}} exit %d, want %d", code, exitFailed)
	}
	if !strings.Contains(out, "Method 'Delete Webhook' › Settings › Endpoint") || !strings.Contains(errOut, "1 error,") {
		t.Errorf("lint output lacks the finding:\nstdout: %s\nstderr: %s", out, errOut)
	}
}

func TestSetMasksSecrets(t *testing.T) {
	c := newCLI(t)
	const key = "planted-api-key-93f1"
	out := c.must("set", "Webhook Example", "Cyclr_Auth_ApiKey="+key, "BaseUrl=http://127.0.0.1:9999")
	if strings.Contains(out, key) {
		t.Errorf("set echoed the secret: %q", out)
	}
	if out := c.must("set", "Webhook Example", "Region=eu", "Region="); out != "removed Region from \"Webhook Example\"\n" {
		t.Errorf("set KEY= said %q, want that it removed the value", out)
	}
	list := c.must("set", "Webhook Example")
	if strings.Contains(list, key) || !strings.Contains(list, "Cyclr_Auth_ApiKey=••••••") || strings.Contains(list, "Region") {
		t.Errorf("listing shows the secret or no mask:\n%s", list)
	}
	if !strings.Contains(list, "BaseUrl=http://127.0.0.1:9999") {
		t.Errorf("listing lacks BaseUrl:\n%s", list)
	}
	for _, args := range [][]string{{"export", "Webhook Example"}, {"export", "Webhook Example", "--include-secrets"}, {"list"}, {"lint", "Webhook Example"}} {
		if _, out, errOut := c.run(args...); strings.Contains(out+errOut, key) {
			t.Errorf("patchbay %s printed the account's API key", strings.Join(args, " "))
		}
	}
	// A secret typed the wrong way is refused without being shown.
	for _, args := range [][]string{
		{"set", "Webhook Example", "Cyclr_Auth_ApiKey:" + key},
		{"set", "Webhook Example", "Cyclr_Auth_Apikey=" + key}, // would be no secret, listed in the clear
		{"run", "Webhook Example", "Create Order", "--set", "Cyclr_Auth_ApiKey " + key},
		{"webhook", "test", "Webhook Example", "New Order", "--set", key},
		// As a shell passes "--set KEY VALUE": the value is an argument of its own.
		{"run", "Webhook Example", "Create Order", "--set", "Cyclr_Auth_ApiKey", key},
		{"webhook", "test", "Webhook Example", "New Order", "--set", "Cyclr_Auth_ApiKey", key},
		// A pair without --set.
		{"run", "Webhook Example", "Create Order", "Cyclr_Auth_ApiKey=" + key},
		{"webhook", "test", "Webhook Example", "New Order", "Cyclr_Auth_ApiKey=" + key},
		// An auth value's key mistyped: no secret, and not used either.
		{"set", "Webhook Example", "Cyclr_Auth_ApiKy=" + key},
		{"run", "Webhook Example", "Create Order", "--set", "cyclr_auth_apikey=" + key},
		{"webhook", "test", "Webhook Example", "New Order", "--set", "Cyclr_Auth_Api_Key=" + key},
		// Bytes that are not UTF-8 would come back from the database changed.
		{"set", "Webhook Example", "Token=" + key + "\xff"},
		{"run", "Webhook Example", "Create Order", "--set", "Token=" + key + "\xff"},
	} {
		code, out, errOut := c.run(args...)
		if code != exitUsage || !(strings.Contains(errOut, "is not KEY=VALUE") || strings.Contains(errOut, "did you mean Cyclr_Auth_ApiKey?") ||
			strings.Contains(errOut, "goes in --set KEY=VALUE")) || strings.Contains(out+errOut, key) {
			t.Errorf("patchbay %s: exit %d, printed\n%s%s", args[0], code, out, errOut)
		}
	}
}

func TestDatabaseFromEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "env.db")
	t.Setenv("PATCHBAY_DB", path)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"list"}, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), "no database at "+path+": check the path") {
		t.Fatalf("list on a PATCHBAY_DB that is not there: exit %d, stderr %q", code, errOut.String())
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("list made the database it was to read: %v", err)
	}
	file := writeFile(t, "c.json", strings.Replace(string(assets.ExampleConnector), `"Webhook Example"`, `"Own"`, 1))
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"import", file}, &out, &errOut); code != exitOK {
		t.Fatalf("import into a new PATCHBAY_DB: exit %d: %s", code, errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"list"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if strings.Contains(out.String(), "Webhook Example") || !strings.Contains(out.String(), "Own (") {
		t.Errorf("the database import made holds more than the import, or lost it:\n%s", out.String())
	}
	// The bundled example itself imports into a new database: nothing
	// seeded there clashes with it.
	example := writeFile(t, "example.json", string(assets.ExampleConnector))
	if code := run(context.Background(), []string{"import", example, "--db", filepath.Join(t.TempDir(), "new.db")}, io.Discard, &errOut); code != exitOK {
		t.Errorf("the example into a new database: exit %d: %s", code, errOut.String())
	}
}

// TestNamedDatabaseMustExist: every verb but import and the window refuses
// a database path that is not there, names it, and makes nothing, so a
// mistyped --db does not look like a database holding the example.
func TestNamedDatabaseMustExist(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "typo.db")
	for _, args := range [][]string{
		{"list"},
		{"export", "Webhook Example"},
		{"lint", "Webhook Example"},
		{"set", "Webhook Example"},
		{"set", "Webhook Example", "BaseUrl=http://elsewhere"},
		{"history", "Webhook Example"},
		{"run", "Webhook Example", "Create Order"},
		{"webhook", "test", "Webhook Example", "New Order"},
		{"webhook", "list"},
		{"webhook", "cleanup"},
		{"webhook", "forget", "1"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append(args, "--db", path), &out, &errOut)
		if code != exitUsage || !strings.Contains(errOut.String(), "no database at "+path+": check the path") || out.Len() != 0 {
			t.Errorf("patchbay %v on a missing --db: exit %d, stdout %q, stderr %q", args, code, out.String(), errOut.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files made for a missing --db: %v", entries)
	}
}

func TestHelp(t *testing.T) {
	c := newCLI(t)
	out := c.must("help")
	for _, v := range verbs {
		if !strings.Contains(out, v.name) {
			t.Errorf("help lacks %q", v.name)
		}
	}
	if out := c.must("help", "export"); !strings.Contains(out, "--include-secrets") {
		t.Errorf("help export: %q", out)
	}
}

// TestRateLimits imports rate limits, exports them back as they were, and
// shows what import and lint say about wrong ones.
func TestRateLimits(t *testing.T) {
	example := string(assets.ExampleConnector)
	edit := func(doc, old, new string) string {
		t.Helper()
		if !strings.Contains(doc, old) {
			t.Fatalf("the document has no %q", old)
		}
		return strings.Replace(doc, old, new, 1)
	}
	const methodEnd = "      }\n    },\n    {\n      \"Name\": \"Delete Webhook\""
	withRates := func(connector, method string) string {
		doc := edit(example, "  ],\n  \"Methods\": [", "  ],\n  \"RateLimit\": "+connector+",\n  \"Methods\": [")
		return edit(doc, methodEnd, "      },\n      \"RateLimit\": "+method+"\n    },\n    {\n      \"Name\": \"Delete Webhook\"")
	}

	c := newCLI(t)
	doc := withRates("0.5", "0.0001")
	c.must("import", writeFile(t, "rates.json", doc), "--replace")
	if out := c.must("export", "Webhook Example"); out != doc {
		t.Errorf("export differs from the imported document:\n%s", out)
	}
	if out := c.must("lint", "Webhook Example"); !strings.Contains(out, "no problems found") {
		t.Errorf("lint of good rate limits said %q", out)
	}

	code, _, errOut := c.run("import", writeFile(t, "string.json", withRates(`"2"`, "null")), "--replace")
	for _, want := range []string{
		`the document is not a connector (2 problems)`,
		`RateLimit: want a number, got the string "2"`,
		`Methods[0].RateLimit: want a number, got null`,
	} {
		if code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("import of rate limits that are not numbers: exit %d, stderr lacks %q:\n%s", code, want, errOut)
		}
	}

	code, _, errOut = c.run("import", writeFile(t, "negative.json", withRates("-1", "20000")), "--replace")
	if code != exitOK || !strings.Contains(errOut, `2 lint findings; 'patchbay lint "Webhook Example"' lists them`) {
		t.Errorf("import of out-of-range rate limits: exit %d, stderr %q", code, errOut)
	}
	code, out, _ := c.run("lint", "Webhook Example")
	for _, want := range []string{
		"error: Connector › Settings › Rate Limit: the Rate Limit is -1 requests a second, below zero",
		"error: Method 'Create Webhook' › Rate Limits › Rate Limit: the Rate Limit is 20000 requests a second, more than any API takes (at most 10000)",
	} {
		if code != exitFailed || !strings.Contains(out, want) {
			t.Errorf("lint: exit %d, stdout lacks %q:\n%s", code, want, out)
		}
	}
}

// export -o refuses a target that would lose something: the database file
// itself (or any SQLite file), a folder, or a folder that is not there. Its
// messages name the path given, never a temporary file.
func TestExportRefusesBadTargets(t *testing.T) {
	c := newCLI(t)
	c.must("list") // make and seed the database
	db, err := os.ReadFile(c.db)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	dbLink := filepath.Join(dir, "db-link.json")
	if err := os.Symlink(c.db, dbLink); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, target, want string
	}{
		{"the database", c.db, "it is a SQLite database (Patchbay's own, perhaps), which an export must not overwrite; it was left as it is"},
		{"a link to the database", dbLink, "it is a SQLite database"},
		{"a folder", dir, "it is a folder; give a file name"},
		{"a missing folder", filepath.Join(dir, "nope", "out.json"), "there is no folder " + filepath.Join(dir, "nope")},
		{"a named pipe", fifo, "it is a named pipe, not a file; it was left as it is"},
		{"a device", os.DevNull, "it is a device, not a file; it was left as it is: give a file name, or leave out -o to write to standard output"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := c.run("export", "Webhook Example", "-o", tc.target)
			if code == exitOK || !strings.Contains(errOut, "write "+tc.target+": "+tc.want) {
				t.Errorf("exit %d, stderr %q; want %q", code, errOut, tc.want)
			}
			if strings.Contains(errOut, "/."+filepath.Base(tc.target)+".") {
				t.Errorf("the message names a temporary file: %s", errOut)
			}
		})
	}
	if after, _ := os.ReadFile(c.db); !bytes.Equal(after[:100], db[:100]) {
		t.Error("the database file's header changed")
	}
	if out := c.must("list"); !strings.Contains(out, "Webhook Example") {
		t.Errorf("the database lost its connector:\n%s", out)
	}
	// An ordinary file is written, and written again.
	file := filepath.Join(dir, "example.json")
	for range 2 {
		c.must("export", "Webhook Example", "-o", file)
	}
	if data, _ := os.ReadFile(file); !bytes.Equal(data, assets.ExampleConnector) {
		t.Error("the export file differs from the example")
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("a new export file: %v, %v; want mode 0644", fi.Mode(), err)
	}
	// A file that is there keeps its permissions; a link stays a link and
	// the file it points at is written.
	if err := os.Chmod(file, 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, []byte("old"), 0o640)
	c.must("export", "Webhook Example", "-o", link)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	if data, _ := os.ReadFile(file); !bytes.Equal(data, assets.ExampleConnector) {
		t.Error("the file the link points at was not written")
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o640 {
		t.Errorf("the file's mode became %v, want 0640 as it was", fi.Mode().Perm())
	}
	// An export with its secrets is for its owner alone.
	secret := filepath.Join(dir, "with-secrets.json")
	c.must("export", "Webhook Example", "--include-secrets", "-o", secret)
	if fi, err := os.Stat(secret); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("an export with secrets: %v, %v; want mode 0600", fi.Mode(), err)
	}
}

// TestGUIWithoutADisplay: without a display the window cannot open, and
// the command says so in a line instead of ending in the window library's
// panic; start options that make no sense alone are refused first.
func TestGUIWithoutADisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "there is no display to open the window on"},
		{[]string{"gui", "--connector", "Webhook Example"}, "there is no display to open the window on"},
		{[]string{"gui", "--method", "New Order"}, "--method needs --connector"},
		{[]string{"gui", "--connector", "Webhook Example", "--tab", "Test"}, "--tab and --run need --method"},
	} {
		code, out, errOut := c.run(tc.args...)
		if code == exitOK || !strings.Contains(errOut, tc.want) {
			t.Errorf("patchbay %v: exit %d, stderr %q; want %q", tc.args, code, errOut, tc.want)
		}
		noPanic(t, out+errOut)
	}
}

// TestFlagsBeforeTheVerb: --db may come before the verb, and before the
// webhook verb's own; -h and --help print the usage and exit 0.
func TestFlagsBeforeTheVerb(t *testing.T) {
	db := filepath.Join(t.TempDir(), "first.db")
	newCLIAt(t, db)
	for _, args := range [][]string{
		{"--db", db, "list"},
		{"--db=" + db, "list"},
		{"webhook", "--db", db, "list"},
		{"--db", db, "webhook", "list", "--pending"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != exitOK {
			t.Errorf("patchbay %v: exit %d: %s", args, code, errOut.String())
		}
	}
	if code := run(context.Background(), []string{"--db", filepath.Join(t.TempDir(), "none.db"), "list"}, io.Discard, io.Discard); code != exitUsage {
		t.Errorf("--db before the verb was not used: a missing database gave exit %d", code)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-h"}, "Patchbay designs HTTP API connectors"},
		{[]string{"--help"}, "Patchbay designs HTTP API connectors"},
		{[]string{"list", "-h"}, "usage: patchbay list\n\nlist connectors"},
		{[]string{"webhook", "--help"}, "usage: patchbay webhook test CONNECTOR METHOD"},
		{[]string{"export", "--help"}, "--include-secrets"},
		// A verb's help lists its flags, their arguments named as in the
		// usage line.
		{[]string{"export", "--help"}, "\n  -o FILE\n      write to FILE instead of standard output\n"},
		{[]string{"gui", "-h"}, "\n  --tab TAB\n      open this tab of the method (Settings, Rate Limits, Field Mappings,"},
		{[]string{"help", "gui"}, "\n  --tab TAB\n      open this tab of the method (Settings, Rate Limits, Field Mappings,"},
		{[]string{"help", "webhook"}, "\n  --trigger METHOD\n      an Action method that makes the API send an event\n"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errOut); code != exitOK || !strings.Contains(out.String(), tc.want) {
			t.Errorf("patchbay %v: exit %d, stdout %q, stderr %q; want %q", tc.args, code, out.String(), errOut.String(), tc.want)
		}
	}
}

// TestDatabasePaths: an empty --db is refused rather than taken for the
// default, and a leading ~/ is the home folder, also after --db= where no
// shell expands it.
func TestDatabasePaths(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"list", "--db="}, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), "give the database file's path") {
		t.Errorf("--db=: exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"list", "--db=~/tilde.db"}, &out, &errOut); code != exitUsage ||
		!strings.Contains(errOut.String(), "no database at "+filepath.Join(home, "tilde.db")+":") {
		t.Errorf("--db=~/tilde.db before it is made: exit %d, stderr %q", code, errOut.String())
	}
	file := writeFile(t, "c.json", strings.Replace(string(assets.ExampleConnector), `"Webhook Example"`, `"Own"`, 1))
	errOut.Reset()
	if code := run(context.Background(), []string{"import", file, "--db=~/tilde.db"}, &out, &errOut); code != exitOK {
		t.Fatalf("import --db=~/tilde.db: exit %d, stderr %q", code, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(home, "tilde.db")); err != nil {
		t.Errorf("~/ was not the home folder: %v", err)
	}
	if _, err := os.Stat("~"); err == nil {
		t.Error("a folder named ~ was made")
	}
}

// fullDisk fails every write, as /dev/full does.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestOutputThatCannotBeWritten: a command whose output does not get out
// (a full disk) fails and says so, rather than exiting 0.
func TestOutputThatCannotBeWritten(t *testing.T) {
	c := newCLI(t)
	c.must("list") // make and seed the database
	var errOut bytes.Buffer
	code := run(context.Background(), []string{"list", "--db", c.db}, fullDisk{}, &errOut)
	if code == exitOK || !strings.Contains(errOut.String(), "patchbay list: writing the output: no space left on device") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"list", "-h"}, fullDisk{}, &errOut); code == exitOK {
		t.Errorf("-h on a full disk: exit %d, stderr %q", code, errOut.String())
	}
}

// A connector's own parameter whose name begins like the auth values is
// a key set and --set take as it is.
func TestSetOwnCyclrAuthParameter(t *testing.T) {
	c := newCLI(t)
	doc := strings.Replace(string(assets.ExampleConnector), `"Name": "Webhook Example"`, `"Name": "Tenant API"`, 1)
	doc = strings.Replace(doc, `"Parameters": [`, `"Parameters": [
    {
      "TargetType": "MergeField",
      "TargetName": "Cyclr_Auth_Tenant",
      "IsAccountConnectorProperty": true
    },`, 1)
	c.must("import", writeFile(t, "tenant.json", doc))
	if out := c.must("set", "Tenant API", "Cyclr_Auth_Tenant=acme"); !strings.Contains(out, "Cyclr_Auth_Tenant") {
		t.Errorf("set said %q", out)
	}
}

// A new export file gets the permissions the umask leaves, as any file
// the user makes would.
func TestExportFileHonoursTheUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	c := newCLI(t)
	file := filepath.Join(t.TempDir(), "private.json")
	c.must("export", "Webhook Example", "-o", file)
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("under umask 077 the new export is %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}

// A key that misses one the connector uses is caught: a secret's is
// refused (it would be kept unmasked), any other's is kept with a note;
// the hint speaks of case only when case is the difference.
func TestSetNearMisses(t *testing.T) {
	c := newCLI(t)
	code, _, errOut := c.run("set", "Webhook Example", "Cyclr_Auth_ApiKeyy=x")
	if code != exitUsage || !strings.Contains(errOut, "Cyclr_Auth_ApiKeyy: did you mean Cyclr_Auth_ApiKey?\n") {
		t.Errorf("an auth key with a letter too many: exit %d, %q", code, errOut)
	}
	code, _, errOut = c.run("set", "Webhook Example", "cyclr_auth_apikey=x")
	if code != exitUsage || !strings.Contains(errOut, "did you mean Cyclr_Auth_ApiKey? Keys are case-sensitive") {
		t.Errorf("an auth key in other case: exit %d, %q", code, errOut)
	}
	for _, k := range []string{"baseurl", "Base Url"} {
		code, out, errOut := c.run("set", "Webhook Example", k+"=http://elsewhere")
		if code != exitOK || !strings.Contains(out, "set "+k) || !strings.Contains(errOut, "note: the connector uses no key "+k+": did you mean BaseUrl?") {
			t.Errorf("%s: exit %d, %q, %q", k, code, out, errOut)
		}
	}
	if _, _, errOut := c.run("set", "Webhook Example", "Region=eu"); errOut != "" {
		t.Errorf("a key near none: %q", errOut)
	}
	// A near miss of a secret's key would keep the secret as no secret.
	for _, args := range [][]string{{"set", "Webhook Example", "SigningSecre=whsec-typed-51"}, {"run", "Webhook Example", "Create Order", "--set", "SigningSecre=whsec-typed-51"}} {
		code, out, errOut := c.run(args...)
		if code != exitUsage || !strings.Contains(errOut, "SigningSecre: did you mean SigningSecret?") || strings.Contains(out+errOut, "whsec-typed-51") {
			t.Errorf("%v: exit %d, %q, %q", args, code, out, errOut)
		}
	}
	if out := c.must("set", "Webhook Example"); strings.Contains(out, "SigningSecre=") {
		t.Errorf("the near miss was kept:\n%s", out)
	}
	// A key spelt as a secret's in other case is refused, though a key
	// that is no secret is spelt the same in other case too; a key the
	// connector uses is taken as meant.
	doc := writeFile(t, "tok.json", `{"Format": "patchbay.connector/1", "Name": "Tok",
  "Parameters": [{"TargetType": "MergeField", "TargetName": "token", "Values": ["plain"]}],
  "Methods": [{"Name": "Get", "MethodType": "Action", "HttpMethod": "GET", "Endpoint": "http://127.0.0.1:1/{{token}}",
    "Parameters": [{"TargetType": "HttpHeader", "TargetName": "Token", "IsSensitive": true, "Values": ["s"]}]}]}`)
	c.must("import", doc)
	if code, _, errOut := c.run("set", "Tok", "TOKEN=s3cr3t-typed"); code != exitUsage || !strings.Contains(errOut, "TOKEN: did you mean Token? Keys are case-sensitive") {
		t.Errorf("TOKEN: exit %d, %q", code, errOut)
	}
	if code, _, errOut := c.run("set", "Tok", "token=plain-2"); code != exitOK || errOut != "" {
		t.Errorf("token, a key in use: exit %d, %q", code, errOut)
	}
}

// A bad use of a webhook sub-verb shows that sub-verb's usage alone.
func TestSubVerbUsage(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"webhook", "forget", "abc"}, "\nusage: patchbay webhook forget ROW\n"},
		{[]string{"webhook", "cleanup", "extra"}, "\nusage: patchbay webhook cleanup\n"},
		{[]string{"webhook", "list", "--bogus"}, "\nusage: patchbay webhook list [--pending]\n"},
		{[]string{"webhook", "test", "Webhook Example"}, "\nusage: patchbay webhook test CONNECTOR METHOD [--set KEY=VALUE]... [--trigger METHOD] [--wait DURATION] [--webhook-url URL | --tunnel URL [--receiver-addr HOST:PORT]] [--json]\n"},
		{[]string{"webhook", "bogus"}, "\nusage: patchbay webhook test CONNECTOR METHOD"},
		{[]string{"webhook", "test", "Webhook Example", "New Order", "--set", "bad"}, "\nusage: patchbay webhook test CONNECTOR METHOD [--set KEY=VALUE]... [--trigger METHOD] [--wait DURATION] [--webhook-url URL | --tunnel URL [--receiver-addr HOST:PORT]] [--json]\n"},
	} {
		code, _, errOut := c.run(tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("patchbay %v: exit %d, %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// A one-letter flag is named as the usage lines write it: -o, not --o.
func TestFlagErrorsNameFlagsAsUsageDoes(t *testing.T) {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	for msg, want := range map[string]string{
		"flag needs an argument: -o":           "-o needs a value",
		"flag needs an argument: -db":          "--db needs a value",
		"flag provided but not defined: -x":    "there is no flag -x",
		"flag provided but not defined: -colr": "there is no flag --colr",
	} {
		if got := flagError(fs, errors.New(msg)); got != want {
			t.Errorf("%q: %q, want %q", msg, got, want)
		}
	}
}
