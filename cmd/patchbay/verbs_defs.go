package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"patchbay/engine"
	"patchbay/model"
	"patchbay/model/store"
)

func runList(ctx context.Context, env *cliEnv, args []string) error {
	if _, err := parseFlags(newFlags(env, "list"), args, 0, 0); err != nil {
		return err
	}
	db, err := openDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := db.ListConnectors(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(env.stdout, "no connectors; 'patchbay import FILE' adds one")
		return nil
	}
	for _, c := range list {
		fmt.Fprintf(env.stdout, "%s (%s)\n", c.Name, plural(len(c.Methods), "method"))
		for _, m := range c.Methods {
			hidden := ""
			if m.Hide {
				hidden = "  (hidden)"
			}
			fmt.Fprintf(env.stdout, "  %-8s %s%s\n", m.MethodType, m.Name, hidden)
		}
	}
	return nil
}

func runImport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "import")
	replace := fs.Bool("replace", false, "replace a connector of the same name")
	pos, err := parseFlags(fs, args, 1, 1)
	if err != nil {
		return err
	}
	data, err := readInput(pos[0])
	if err != nil {
		return err
	}
	imported, err := model.Import(data)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	c := imported
	db, err := createDB(ctx, env, false)
	if err != nil {
		return err
	}
	defer db.Close()
	// --replace overwrites whatever is stored when the save comes: another
	// Patchbay that saves the connector meanwhile (a window, a second
	// import) is read again, for its secret values, and overwritten.
	for tries := 1; ; tries++ {
		// Each try starts from the document as imported: the secret
		// values and the ID come from what is stored at that try.
		c = imported.Clone()
		old, err := db.LoadConnector(ctx, c.Name)
		switch {
		case err == nil && !*replace:
			return fmt.Errorf("a connector named %q exists already; add --replace to overwrite it", c.Name)
		case err == nil:
			c.ID = old.ID
			model.KeepSecretValues(c, old)
		case model.ErrorCodeOf(err) != model.ENotFound:
			return err
		}
		err = db.SaveConnector(ctx, c)
		if err == nil {
			break
		}
		switch {
		case model.ErrorCodeOf(err) != model.EConflict:
			return err
		case !*replace:
			// Another Patchbay saved one of that name a moment ago.
			return model.Errorf(model.EConflict, "a connector named %q was saved by another Patchbay a moment ago; add --replace to overwrite it", c.Name)
		case tries == 3:
			return &failure{msg: fmt.Sprintf("connector %q was saved by another Patchbay each time this import tried to replace it; try again", c.Name)}
		}
	}
	fmt.Fprintf(env.stdout, "imported %q (%s)\n", c.Name, plural(len(c.Methods), "method"))
	account, err := db.AccountValues(ctx, c.Name)
	if err != nil {
		account = nil // the findings of the connector alone
	}
	if fs := engine.WithScriptFindings(append(model.Lint(c), model.SecretsWritten(c, account)...), engine.LintScripts(c)); len(fs) > 0 {
		fmt.Fprintf(env.stderr, "%s; 'patchbay lint %q' lists them\n", plural(len(fs), "lint finding"), c.Name)
	}
	return nil
}

// secretKeyTypo finds a key that looks like the name of a secret value
// but is not one: one that misses, by case or a character or two, an auth
// value, a Sensitive parameter or a signing secret, or one that begins as
// the auth values do (Cyclr_Auth_) and is none of them. It returns the key
// and the name meant. Taken as typed, the value would be no secret: listed
// in the clear, kept with a webhook's run values, and not used either. An
// empty value, which removes one stored under such a key, passes.
func secretKeyTypo(c *model.Connector, values map[string]string) (key, want string) {
	names := usedKeys(c)
	var secretNames []string
	for _, n := range names {
		if c.IsSecretValue(n) {
			secretNames = append(secretNames, n)
		}
	}
	for _, k := range sortedKeys(values) {
		if values[k] == "" || slices.Contains(names, k) {
			continue // removing a value stored under such a key is fine, and a key in use is meant
		}
		if w := nearKeyIn(secretNames, k); w != "" && !c.IsSecretValue(k) {
			return k, w
		}
		if strings.HasPrefix(strings.ToLower(k), "cyclr_auth_") && !slices.Contains(names, k) {
			var auth []string // the auth values, and the connector's own such names
			for _, n := range names {
				if strings.HasPrefix(strings.ToLower(n), "cyclr_auth_") {
					auth = append(auth, n)
				}
			}
			return k, closest(k, auth)
		}
	}
	return "", ""
}

// didYouMean suggests want for the key k the user typed.
func didYouMean(k, want string) string {
	if strings.EqualFold(k, want) {
		return "did you mean " + want + "? Keys are case-sensitive"
	}
	return "did you mean " + want + "?"
}

// usedKeys lists the keys the connector uses for account values and run
// inputs: the auth values' and its parameters' names, its Request Format
// fields' Connector and System Fields, and the mergefields its Endpoints,
// Default Values, parameter values and token URLs name.
func usedKeys(c *model.Connector) []string {
	names := append([]string(nil), model.AuthValueKeys...)
	mergefields := func(text string) {
		found, _ := model.MergefieldNames(text, false) // lint reports a broken one
		names = append(names, found...)
	}
	for _, ps := range append([][]model.Parameter{c.Parameters}, methodParameters(c)...) {
		for _, p := range ps {
			names = append(names, p.TargetName)
			for _, v := range p.Values {
				mergefields(v)
			}
		}
	}
	for _, a := range c.Authentication {
		mergefields(a.TokenUrl)
	}
	for i := range c.Methods {
		m := &c.Methods[i]
		mergefields(m.Endpoint)
		for _, f := range m.RequestFormat.Fields {
			// A run's input by either name fills the field.
			names = append(names, f.ConnectorField)
			if f.SystemField != "" {
				names = append(names, f.SystemField)
			}
			mergefields(f.DefaultValue)
		}
	}
	return names
}

// nearKeyIn returns the name that k misses by case or a character or two,
// or "" when k is one of names or near none.
func nearKeyIn(names []string, k string) string {
	if slices.Contains(names, k) {
		return ""
	}
	want := closest(k, names)
	if want == "" || editDistance(strings.ToLower(k), strings.ToLower(want)) > min(2, len(want)/4) {
		return ""
	}
	return want
}

// closest returns the name nearest to s by edit distance, ignoring case.
func closest(s string, names []string) string {
	best, bestD := "", -1
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), strings.ToLower(n)); bestD < 0 || d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func methodParameters(c *model.Connector) [][]model.Parameter {
	out := make([][]model.Parameter, len(c.Methods))
	for i := range c.Methods {
		out[i] = c.Methods[i].Parameters
	}
	return out
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}

func runExport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "export")
	out := fs.String("o", "", "write to FILE instead of standard output")
	secrets := fs.Bool("include-secrets", false, "keep the values of Sensitive parameters, and secrets written into the connector")
	pos, err := parseFlags(fs, args, 1, 1)
	if err != nil {
		return err
	}
	db, c, err := openConnector(ctx, env, pos[0])
	if err != nil {
		return err
	}
	defer db.Close()
	account, err := db.AccountValues(ctx, c.Name)
	if err != nil {
		return err
	}
	data, err := model.Export(c, model.ExportOptions{IncludeSecrets: *secrets, Account: account})
	if _, written := errors.AsType[*model.SecretWrittenError](err); written {
		return fmt.Errorf("%w; 'patchbay lint %q' lists every such place, and --include-secrets exports them as they are, with the Sensitive parameters' values", err, c.Name)
	}
	if err != nil {
		return err
	}
	if *out == "" || *out == "-" {
		_, err = env.stdout.Write(data)
		return err
	}
	perm := os.FileMode(0o644)
	if *secrets {
		perm = 0o600 // the Sensitive values are in it: for its owner alone
	}
	return writeFileAtomic(*out, data, perm)
}

// writeFileAtomic writes a file through a temporary file and a rename, so a
// crash never leaves half a document where the old one was. A link is
// followed and stays a link; a file that is there keeps its permissions,
// and a new one gets perm. It refuses a folder, a device, a named pipe and
// a database file (Patchbay's own, given by mistake), and its errors name
// path, not the temporary file.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	target, keep := path, false
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if target, err = filepath.EvalSymlinks(path); err != nil {
			return fmt.Errorf("write %s: it is a link to a file that cannot be reached (%v); give the file itself", path, unwrapPath(err))
		}
	}
	if fi, err := os.Stat(target); err == nil {
		switch {
		case fi.IsDir():
			return fmt.Errorf("write %s: it is a folder; give a file name, such as %s", path, filepath.Join(path, "connector.json"))
		case !fi.Mode().IsRegular():
			return fmt.Errorf("write %s: it is a %s, not a file; it was left as it is: give a file name, or leave out -o to write to standard output", path, store.FileKind(fi.Mode()))
		}
		perm, keep = fi.Mode().Perm(), true
	}
	if db, err := store.IsDatabaseFile(target); err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	} else if db {
		return fmt.Errorf("write %s: it is a SQLite database (Patchbay's own, perhaps), which an export must not overwrite; it was left as it is: write to another file", path)
	}
	if dir := filepath.Dir(target); !isDir(dir) {
		return fmt.Errorf("write %s: there is no folder %s", path, dir)
	}
	// Made with perm, so that the umask applies to a new file as it does
	// to any other; CreateTemp would make it 0600 whatever the umask.
	tmp, err := createTemp(filepath.Dir(target), "."+filepath.Base(target)+".", perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil && keep {
		err = tmp.Chmod(perm) // the file that is there keeps its permissions
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), target)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	return nil
}

// createTemp creates a new file in dir named prefix and a random suffix,
// with perm less the umask.
func createTemp(dir, prefix string, perm fs.FileMode) (*os.File, error) {
	for {
		var b [6]byte
		rand.Read(b[:])
		f, err := os.OpenFile(filepath.Join(dir, prefix+hex.EncodeToString(b[:])), os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
}

// unwrapPath drops the path an *fs.PathError or *os.LinkError names: the
// temporary file's, which means nothing to the user.
func unwrapPath(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

func runLint(ctx context.Context, env *cliEnv, args []string) error {
	pos, err := parseFlags(newFlags(env, "lint"), args, 1, 1)
	if err != nil {
		return err
	}
	db, c, err := openConnector(ctx, env, pos[0])
	if err != nil {
		return err
	}
	defer db.Close()
	account, err := db.AccountValues(ctx, c.Name)
	if err != nil {
		return err
	}
	findings := engine.WithScriptFindings(append(model.Lint(c), model.SecretsWritten(c, account)...), engine.LintScripts(c))
	errs := 0
	for _, f := range findings {
		fmt.Fprintln(env.stdout, f.String())
		if f.Severity == model.SeverityError {
			errs++
		}
	}
	switch {
	case len(findings) == 0:
		fmt.Fprintf(env.stdout, "%q: no problems found\n", c.Name)
	case errs > 0:
		return &failure{msg: fmt.Sprintf("%s, %s", plural(errs, "error"), plural(len(findings)-errs, "warning"))}
	default:
		fmt.Fprintf(env.stdout, "%q: %s, no errors\n", c.Name, plural(len(findings), "warning"))
	}
	return nil
}

func runSet(ctx context.Context, env *cliEnv, args []string) error {
	pos, err := parseFlags(newFlags(env, "set"), args, 1, -1)
	if err != nil {
		return err
	}
	values := map[string]string{}
	for i, kv := range pos[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" || !utf8.ValidString(kv) {
			// Not quoted: it may be a secret typed the wrong way. Bytes that
			// are not UTF-8 would come back from the database changed.
			return &usageError{verb: "set", msg: fmt.Sprintf("the %s pair after the connector's name is not KEY=VALUE (no '=', no key before it, or bytes that are not UTF-8 text); it is not shown here, as it may be a secret", ordinal(i+1))}
		}
		k = strings.TrimSpace(k)
		if k == model.SystemFieldWebhookID || k == model.SystemFieldWebhookURL {
			return &usageError{verb: "set", msg: fmt.Sprintf("%s is a system field: each webhook test supplies its own", k)}
		}
		values[k] = v
	}
	db, c, err := openConnector(ctx, env, pos[0])
	if err != nil {
		return err
	}
	defer db.Close()
	if k, want := secretKeyTypo(c, values); k != "" {
		// Stored as typed, it would be no secret, and listed in the clear.
		return &usageError{verb: "set", msg: k + ": " + didYouMean(k, want)}
	}
	used := usedKeys(c)
	for _, k := range sortedKeys(values) {
		// Kept as typed, but said: a near miss of a key the connector uses
		// would leave that key as it was.
		if want := nearKeyIn(used, k); want != "" && values[k] != "" {
			fmt.Fprintf(env.stderr, "patchbay set: note: the connector uses no key %s: %s\n", k, didYouMean(k, want))
		}
	}
	if len(values) > 0 {
		if err := db.SetAccountValues(ctx, c.Name, values); err != nil {
			return err
		}
		var set, removed []string
		for _, k := range sortedKeys(values) {
			if values[k] == "" {
				removed = append(removed, k)
			} else {
				set = append(set, k)
			}
		}
		if len(set) > 0 {
			fmt.Fprintf(env.stdout, "set %s on %q\n", strings.Join(set, ", "), c.Name)
		}
		if len(removed) > 0 {
			fmt.Fprintf(env.stdout, "removed %s from %q\n", strings.Join(removed, ", "), c.Name)
		}
		return nil
	}
	all, err := db.AccountValues(ctx, c.Name)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		fmt.Fprintf(env.stdout, "%q has no account values\n", c.Name)
	}
	for _, k := range sortedKeys(all) {
		v := all[k]
		if c.IsSecretValue(k) {
			v = model.SecretPlaceholder
		}
		fmt.Fprintf(env.stdout, "%s=%s\n", k, v)
	}
	return nil
}
