package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"patchbay/model"
	"patchbay/model/store"
)

// Exit codes.
const (
	exitOK     = 0 // success
	exitFailed = 1 // the thing checked failed: lint errors, a failing step
	exitUsage  = 2 // bad usage or bad input
)

// verb is one command-line verb.
type verb struct {
	name    string
	args    string // the usage line after the verb's name
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// verbs lists every verb, in the order help shows them.
var verbs []verb

func init() {
	verbs = []verb{
		{"gui", "[--connector NAME [--method NAME [--tab TAB] [--run]]]", "open the designer window (the default), optionally on a method's tab", runGUI},
		{"list", "", "list connectors and their methods", runList},
		{"import", "FILE [--replace]", "import a connector document (FILE may be - for standard input)", runImport},
		{"export", "NAME [-o FILE] [--include-secrets]", "export a connector as JSON", runExport},
		{"lint", "NAME", "check a connector; exits 1 when it finds errors", runLint},
		{"set", "NAME [KEY=VALUE...]", "set account values a test run uses (KEY= removes one); with no pairs, list them (secrets masked)", runSet},
		{"help", "[VERB]", "show this help", runHelp},
	}
}

// cliEnv is what every verb is handed.
type cliEnv struct {
	stdout, stderr io.Writer
	dbPath         string // from --db; "" means PATCHBAY_DB or the default
	opened         string // the database file opened, once it is
}

// usageError is bad usage: the message, then the verb's usage line. With
// help set, it is help asked for (-h): the usage, on stdout, exit 0.
type usageError struct {
	verb string
	msg  string
	help bool
	// flags are the verb's flags, listed with the help.
	flags *flag.FlagSet
}

func (e *usageError) Error() string { return e.msg }

// failure is an error that exits 1: the thing checked failed, and the verb
// has already printed why.
type failure struct{ msg string }

func (e *failure) Error() string { return e.msg }

// run dispatches the command line and turns errors into an exit code and a
// message on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out := &controlEscaper{w: stdout}
	stdout, stderr = out, &controlEscaper{w: stderr}
	env := &cliEnv{stdout: stdout, stderr: stderr}
	name := "gui"
	lead, args := leadingFlags(args)
	switch {
	case slices.ContainsFunc(lead, isHelpFlag):
		name, args = "help", nil
		lead = slices.DeleteFunc(lead, isHelpFlag)
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		name, args = args[0], args[1:]
	}
	args = append(lead, args...) // --db before the verb counts as after it
	v := findVerb(name)
	if v == nil {
		fmt.Fprintf(stderr, "patchbay: unknown verb %q; run 'patchbay help' for the list\n", name)
		return exitUsage
	}
	err := v.run(ctx, env, args)
	switch {
	case err == nil && errors.Is(out.err, syscall.EPIPE):
		// The reader stopped reading (| head): it asked for no more, and
		// hears nothing of it; the exit code says the output was cut.
		err = &failure{}
	case err == nil && out.err != nil:
		// A full disk: what was printed is not all there.
		err = &failure{msg: fmt.Sprintf("writing the output: %v", out.err)}
	}
	var ue *usageError
	var fe *failure
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue) && ue.help:
		fmt.Fprintf(stdout, "usage: %s\n\n%s\n", usageOf(v, ""), v.summary)
		if ue.flags != nil {
			printFlags(stdout, ue.flags, usageOf(v, ""))
		}
		if out.err != nil {
			fmt.Fprintf(stderr, "patchbay %s: writing the output: %v\n", v.name, out.err)
			return exitFailed
		}
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "patchbay %s: %s\nusage: %s\n", v.name, ue.msg, usageOf(v, ue.verb))
		return exitUsage
	case errors.As(err, &fe):
		if fe.msg != "" {
			fmt.Fprintf(stderr, "patchbay %s: %s\n", v.name, fe.msg)
		}
		return exitFailed
	default:
		fmt.Fprintf(stderr, "patchbay %s: %s\n", v.name, err)
		if d := store.Damaged(err, env.opened); d != nil { // found after opening
			fmt.Fprintf(stderr, "patchbay %s: %s\n", v.name, d)
		}
		if ctx.Err() != nil {
			return exitFailed
		}
		return exitUsage
	}
}

// printFlags lists a verb's flags, each with what it does, and with its
// argument named as the usage line names it (--tab TAB); --db, which every
// verb takes, is left to the main help.
func printFlags(w io.Writer, fs *flag.FlagSet, usage string) {
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "db" {
			return
		}
		if first {
			fmt.Fprintln(w)
			first = false
		}
		dashes := "--"
		if len(f.Name) == 1 {
			dashes = "-"
		}
		arg, text := flag.UnquoteUsage(f)
		if m := regexp.MustCompile(regexp.QuoteMeta(dashes+f.Name) + ` ([A-Z][A-Z_=:.]*)`).FindStringSubmatch(usage); m != nil {
			arg = m[1]
		}
		fmt.Fprintf(w, "  %s\n      %s\n", strings.TrimSpace(dashes+f.Name+" "+arg), text)
	})
}

// leadingFlags splits off the flags before the verb: --db PATH (or
// --db=PATH) and -h or --help. The rest starts with the verb, if any.
func leadingFlags(args []string) (lead, rest []string) {
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" && args[0] != "--" {
		switch flagName(args[0]) {
		case "db":
			n := 1
			if !strings.Contains(args[0], "=") && len(args) > 1 {
				n = 2
			}
			lead, args = append(lead, args[:n]...), args[n:]
		case "h", "help":
			lead, args = append(lead, args[0]), args[1:]
		default:
			return lead, args // a verb's own flag: gui's, as 'patchbay --connector X'
		}
	}
	return lead, args
}

// flagName is the name of a flag argument: "db" for --db=x or -db.
func flagName(arg string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return name
}

func isHelpFlag(arg string) bool {
	n := flagName(arg)
	return strings.HasPrefix(arg, "-") && (n == "h" || n == "help")
}

func findVerb(name string) *verb {
	for i := range verbs {
		if verbs[i].name == name {
			return &verbs[i]
		}
	}
	return nil
}

// newFlags returns a flag set for a verb with --db registered.
func newFlags(env *cliEnv, verbName string) *flag.FlagSet {
	fs := flag.NewFlagSet(verbName, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("db", "the database file", func(path string) error {
		if strings.TrimSpace(path) == "" {
			return errors.New("give the database file's path")
		}
		env.dbPath = path
		return nil
	})
	return fs
}

// parseFlags parses flags wherever they stand among the arguments and
// returns the positional arguments; it checks their count.
func parseFlags(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &usageError{verb: fs.Name(), help: true, flags: fs}
			}
			return nil, &usageError{verb: fs.Name(), msg: flagError(fs, err)}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	switch {
	case len(pos) < minPos:
		return nil, &usageError{verb: fs.Name(), msg: "too few arguments"}
	case maxPos >= 0 && len(pos) > maxPos:
		// Never quoted: it may be a secret, as in "--set KEY VALUE" or a
		// pair without --set.
		most := fmt.Sprintf("at most %d", maxPos)
		if maxPos == 0 {
			most = "none"
		}
		msg := fmt.Sprintf("too many arguments: it takes %s (the %s argument is not shown here, as it may be a secret)", most, ordinal(maxPos+1))
		if strings.Contains(pos[maxPos], "=") {
			msg += "; a value for this run goes in --set KEY=VALUE"
		}
		return nil, &usageError{verb: fs.Name(), msg: msg}
	}
	return pos, nil
}

func runHelp(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "help")
	pos, err := parseFlags(fs, args, 0, 1)
	if err != nil {
		return err
	}
	if len(pos) == 1 {
		v := findVerb(pos[0])
		if v == nil {
			return &usageError{verb: "help", msg: fmt.Sprintf("unknown verb %q", pos[0])}
		}
		fmt.Fprintf(env.stdout, "usage: %s\n\n%s\n", usageOf(v, ""), v.summary)
		// The verb's flags, as its own -h lists them (webhook's are its
		// test's): every verb reads its flags before it does anything.
		ask := []string{"-h"}
		if v.name == "webhook" {
			ask = []string{"test", "-h"}
		}
		var ue *usageError
		if err := v.run(ctx, env, ask); errors.As(err, &ue) && ue.help && ue.flags != nil {
			printFlags(env.stdout, ue.flags, usageOf(v, ""))
		}
		return nil
	}
	fmt.Fprint(env.stdout, "Patchbay designs HTTP API connectors and tests their webhooks.\n\nusage: patchbay [VERB] [ARGS] [--db PATH]\n\n")
	for _, v := range verbs {
		fmt.Fprintf(env.stdout, "  %s\n      %s\n", usageOf(&v, ""), v.summary)
	}
	fmt.Fprint(env.stdout, "\n--db PATH (or PATCHBAY_DB) chooses the database; the default is patchbay/patchbay.db\nin the user's configuration folder. Exit codes: 0 success, 1 the check or run failed,\n2 bad usage or bad input.\n")
	return nil
}

// plural says "1 error", "2 errors".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// loadConnector loads a connector by name, saying which names exist when it
// is not found.
func loadConnector(ctx context.Context, st model.Connectors, name string) (*model.Connector, error) {
	c, err := st.LoadConnector(ctx, name)
	if model.ErrorCodeOf(err) != model.ENotFound {
		return c, err
	}
	list, lerr := st.ListConnectors(ctx)
	if lerr != nil || len(list) == 0 {
		return nil, err
	}
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = fmt.Sprintf("%q", s.Name)
	}
	return nil, fmt.Errorf("%w; the connectors are %s", err, strings.Join(names, ", "))
}

// controlEscaper writes what it is given with control characters other
// than newline and tab escaped: C0 ones as \x1b, DEL and the C1 ones
// (U+0080 to U+009F, U+009B being an escape sequence's start too) as
// \u007f: an API's error page, a webhook id or a connector's name printed
// on a terminal must not act on it (clear it, move the cursor, rewrite the
// line with a carriage return). JSON, which escapes C0 characters itself,
// stays JSON: \u escapes of the others read back as the same string. A
// lone byte from 0x80 to 0x9F that is not UTF-8 is written as \x9b.
// It keeps the first write error, so that output that did not all get out
// fails the command.
type controlEscaper struct {
	w   io.Writer
	err error
}

func (c *controlEscaper) Write(p []byte) (int, error) {
	n, err := c.write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// controlAt returns the length of the character at p[i] and, if it is a
// control character to escape, its escaped form: C0 ones but newline and
// tab as \x1b, DEL and the C1 ones (U+0080 to U+009F) as \u009b, and a
// lone byte from 0x80 to 0x9F that is not UTF-8 as \x9b.
func controlAt(p []byte, i int) (size int, escaped string) {
	b := p[i]
	if b < utf8.RuneSelf {
		switch {
		case b < 0x20 && b != '\n' && b != '\t':
			return 1, fmt.Sprintf("\\x%02x", b)
		case b == 0x7f:
			return 1, `\u007f`
		}
		return 1, ""
	}
	r, size := utf8.DecodeRune(p[i:])
	switch {
	case r == utf8.RuneError && size == 1 && b <= 0x9f:
		return 1, fmt.Sprintf("\\x%02x", b)
	case r >= 0x80 && r <= 0x9f:
		return size, fmt.Sprintf("\\u%04x", r)
	}
	return size, ""
}

func (c *controlEscaper) write(p []byte) (int, error) {
	var out []byte // nil while p needs no escape
	for i := 0; i < len(p); {
		size, esc := controlAt(p, i)
		if esc != "" && out == nil {
			out = append(make([]byte, 0, len(p)+16), p[:i]...)
		}
		switch {
		case esc != "":
			out = append(out, esc...)
		case out != nil:
			out = append(out, p[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return c.w.Write(p)
	}
	if _, err := c.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// dashed writes a flag's name as the usage lines do: -o, --replace.
func dashed(name string) string {
	name = strings.TrimLeft(name, "-")
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// flagError words an error of the flag package as the usage lines do:
// flags with two dashes, and what a value should look like.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "there is no flag " + dashed(name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return dashed(name) + " needs a value"
	}
	rest, ok := strings.CutPrefix(msg, "invalid value ")
	value, rest, ok2 := strings.Cut(rest, " for flag -")
	if !ok || !ok2 {
		return msg
	}
	name, why, _ := strings.Cut(rest, ": ")
	if f := fs.Lookup(name); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			switch g.Get().(type) {
			case time.Duration:
				return fmt.Sprintf("--%s %s is not a duration: give one with its unit, such as 30s or 2m", name, value)
			case int64, int:
				return fmt.Sprintf("--%s %s is not a whole number", name, value)
			}
		}
	}
	return fmt.Sprintf("--%s %s: %s", name, value, why)
}

// usageOf is the usage line for a bad use of verb: of its sub-verb alone
// when the error names one ("webhook forget"), else of the whole verb.
func usageOf(v *verb, verbUsed string) string {
	if sub, ok := strings.CutPrefix(verbUsed, v.name+" "); ok {
		for _, alt := range alternatives(v.args) {
			if alt == sub || strings.HasPrefix(alt, sub+" ") {
				return "patchbay " + v.name + " " + alt
			}
		}
	}
	return strings.TrimSpace("patchbay " + v.name + " " + v.args)
}

// alternatives splits a usage at its top-level " | ", leaving those inside
// brackets: "test [A | B] | list" is "test [A | B]" and "list".
func alternatives(args string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == '[':
			depth++
		case args[i] == ']':
			depth--
		case depth == 0 && strings.HasPrefix(args[i:], " | "):
			out = append(out, args[start:i])
			start = i + 3
		}
	}
	return append(out, args[start:])
}
