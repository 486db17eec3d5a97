package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"patchbay/engine"
	"patchbay/engine/sandbox"
	"patchbay/model"
	"patchbay/model/store"
)

func init() {
	verbs = append(verbs[:len(verbs)-1],
		verb{"run", "CONNECTOR METHOD [--set KEY=VALUE]... [--json]", "run one method against the API", runRun},
		verb{"webhook", "test CONNECTOR METHOD [--set KEY=VALUE]... [--trigger METHOD] [--wait DURATION] [--webhook-url URL | --tunnel URL [--receiver-addr HOST:PORT]] [--json] | list [--pending] | cleanup | forget ROW",
			"test a webhook's lifecycle; list or clean up the webhooks Patchbay created; forget a row whose webhook you removed by hand", runWebhook},
		verb{"sandbox", "[--addr HOST:PORT]", "serve the example webhook API the bundled connector uses", runSandbox},
		verbs[len(verbs)-1], // help stays last
	)
}

// setFlag collects repeated --set KEY=VALUE. A value of another form is
// counted, never quoted (the flag package would quote an error's value): it
// may be a secret typed the wrong way. badSet refuses the run then.
type setFlag struct {
	values map[string]string
	n      int   // --set values seen
	bad    []int // their numbers, from 1, of those not KEY=VALUE
}

func (s *setFlag) String() string {
	if s == nil {
		return ""
	}
	return strings.Join(sortedKeys(s.values), ",")
}

func (s *setFlag) Set(kv string) error {
	s.n++
	k, v, ok := strings.Cut(kv, "=")
	if !ok || strings.TrimSpace(k) == "" || !utf8.ValidString(kv) {
		s.bad = append(s.bad, s.n)
		return nil
	}
	s.values[strings.TrimSpace(k)] = v
	return nil
}

// badSet is the usage error for --set values not KEY=VALUE, or nil.
func (s *setFlag) badSet(verb string) error {
	if len(s.bad) == 0 {
		return nil
	}
	nums := make([]string, len(s.bad))
	for i, n := range s.bad {
		nums[i] = ordinal(n)
	}
	return &usageError{verb: verb, msg: fmt.Sprintf("the %s --set is not KEY=VALUE (no '=', no key before it, or bytes that are not UTF-8 text); it is not shown here, as it may be a secret",
		strings.Join(nums, " and "))}
}

// ordinal writes 1 as "1st", 2 as "2nd" and so on.
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// runner loads a connector and its account values into an engine.Runner.
func runner(ctx context.Context, db *store.DB, name string, set map[string]string) (*engine.Runner, error) {
	c, err := loadConnector(ctx, db, name)
	if err != nil {
		return nil, err
	}
	account, err := db.AccountValues(ctx, c.Name)
	if err != nil {
		return nil, err
	}
	return &engine.Runner{Connector: c, Account: account, Inputs: set}, nil
}

// runOptions are the flags every verb that runs methods takes.
type runOptions struct {
	set    setFlag
	asJSON bool
}

func (o *runOptions) register(fs *flag.FlagSet) {
	o.set = setFlag{values: map[string]string{}}
	fs.Var(&o.set, "set", "a value for this run only (repeatable); a refresh token the API rotates is kept in the account values, as the one given is spent")
	fs.BoolVar(&o.asJSON, "json", false, "print the result as one JSON object")
}

// scriptsName reports whether the connector's script or a method's names
// key in its text.
func scriptsName(c *model.Connector, key string) bool {
	if strings.Contains(c.Script, key) {
		return true
	}
	for i := range c.Methods {
		if strings.Contains(c.Methods[i].Script, key) {
			return true
		}
	}
	return false
}

// startRun opens the database and readies a runner for a method of the
// given type, printing each step as it happens unless --json was given.
// The caller closes the database.
func startRun(ctx context.Context, env *cliEnv, connector, method string, want model.MethodType, o *runOptions) (*store.DB, *engine.Runner, error) {
	db, err := openDB(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	r, err := runner(ctx, db, connector, o.set.values)
	if err == nil {
		err = checkMethod(r.Connector, method, want)
	}
	if err == nil {
		verb := "run"
		if want == model.MethodWebhook {
			verb = "webhook test"
		}
		if k, meant := secretKeyTypo(r.Connector, o.set.values); k != "" {
			err = &usageError{verb: verb, msg: "--set " + k + ": " + didYouMean(k, meant)}
		}
		// A near miss of a key the connector uses does nothing for this
		// run, which would go to the stored BaseUrl, say, where the author
		// meant another: refused, as set notes it.
		used := usedKeys(r.Connector)
		for _, k := range sortedKeys(o.set.values) {
			// A script may read any input (method_request_mergefields):
			// a key its text names is taken as meant.
			if meant := nearKeyIn(used, k); err == nil && meant != "" && !scriptsName(r.Connector, k) {
				err = &usageError{verb: verb, msg: "--set " + k + ": the connector uses no key " + k + ": " + didYouMean(k, meant)}
			}
		}
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if !o.asJSON {
		r.OnStep = stepPrinter(env.stdout)
	}
	// A rotated refresh token is kept the moment it comes: the old one is
	// spent, also if the run is then cut short.
	r.OnAccountUpdate = func(updates map[string]string) error {
		return keepAccountUpdates(ctx, env, db, r.Connector, updates)
	}
	r.Turns = db // a refresh takes turns with the window and other commands
	return db, r, nil
}

func runRun(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "run")
	var o runOptions
	o.register(fs)
	pos, err := parseFlags(fs, args, 2, 2)
	// A --set typed the wrong way says so first: it explains an argument
	// too many ("--set KEY VALUE").
	if bad := o.set.badSet("run"); bad != nil {
		return bad
	}
	if err != nil {
		return err
	}
	db, r, err := startRun(ctx, env, pos[0], pos[1], model.MethodAction, &o)
	if err != nil {
		return err
	}
	defer db.Close()
	return finish(ctx, env, db, r.RunMethod(ctx, pos[1]), o.asJSON)
}

func runWebhook(ctx context.Context, env *cliEnv, args []string) error {
	// --db and -h may come before the webhook verb too.
	lead, args := leadingFlags(args)
	if slices.ContainsFunc(lead, isHelpFlag) {
		return &usageError{verb: "webhook", help: true}
	}
	if len(args) == 0 {
		return &usageError{verb: "webhook", msg: "say test, list, cleanup or forget"}
	}
	sub, rest := args[0], append(lead, args[1:]...)
	switch sub {
	case "test":
		return runWebhookTest(ctx, env, rest)
	case "list":
		return runWebhookList(ctx, env, rest)
	case "cleanup":
		return runWebhookCleanup(ctx, env, rest)
	case "forget":
		return runWebhookForget(ctx, env, rest)
	}
	return &usageError{verb: "webhook", msg: fmt.Sprintf("unknown webhook verb %q; say test, list, cleanup or forget", sub)}
}

func runWebhookTest(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "webhook test")
	var o runOptions
	o.register(fs)
	trigger := fs.String("trigger", "", "an Action method that makes the API send an event")
	wait := fs.Duration("wait", 0, "how long to wait for a delivery (default 10s with --trigger or --tunnel)")
	hookURL := fs.String("webhook-url", "", "a public URL to register instead of the local receiver; its deliveries are not seen")
	tunnel := fs.String("tunnel", "", "the public address of a tunnel to the receiver (cloudflared, ngrok): deliveries through it are seen and mapped")
	receiverAddr := fs.String("receiver-addr", engine.DefaultTunnelAddr, "where the receiver listens for --tunnel: point the tunnel here")
	pos, err := parseFlags(fs, args, 2, 2)
	// A --set typed the wrong way says so first: it explains an argument
	// too many ("--set KEY VALUE").
	if bad := o.set.badSet("webhook test"); bad != nil {
		return bad
	}
	if err != nil {
		return err
	}
	if *wait < 0 {
		return &usageError{verb: "webhook test", msg: fmt.Sprintf("--wait %s: a wait cannot be negative", *wait)}
	}
	if u, err := url.Parse(*hookURL); *hookURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "") {
		return &usageError{verb: "webhook test", msg: "--webhook-url is not an absolute http or https URL, such as https://hooks.example.com/in"}
	}
	addrGiven := false
	fs.Visit(func(f *flag.Flag) { addrGiven = addrGiven || f.Name == "receiver-addr" })
	if addrGiven && *tunnel == "" {
		return &usageError{verb: "webhook test", msg: "--receiver-addr is where the receiver listens for --tunnel; give the tunnel's public URL in --tunnel too"}
	}
	if *tunnel != "" {
		if *hookURL != "" {
			return &usageError{verb: "webhook test", msg: "give --webhook-url or --tunnel, not both: --webhook-url's deliveries are not seen here, --tunnel's are"}
		}
		if _, err := engine.TunnelURL(*tunnel); err != nil {
			return &usageError{verb: "webhook test", msg: "--" + err.Error()}
		}
		if _, err := engine.CheckTunnelAddr(*receiverAddr); err != nil {
			return &usageError{verb: "webhook test", msg: "--receiver-addr: " + err.Error()}
		}
	}
	db, r, err := startRun(ctx, env, pos[0], pos[1], model.MethodWebhook, &o)
	if err != nil {
		return err
	}
	defer db.Close()
	if *trigger != "" {
		if err := checkMethod(r.Connector, *trigger, model.MethodAction); err != nil {
			return err
		}
	}
	if *tunnel != "" && *trigger == "" && !o.asJSON {
		w := *wait
		if w == 0 {
			w = engine.DefaultDeliveryWait
		}
		fmt.Fprintf(env.stdout, "Deliveries come through %s to the receiver on %s. Once the webhook is created, make the API send an event: Patchbay waits %s for it.\n", *tunnel, *receiverAddr, w)
	}
	res := r.RunWebhook(ctx, pos[1], engine.WebhookOptions{Ledger: db, Trigger: *trigger, Wait: *wait, WebhookURL: *hookURL,
		Tunnel: *tunnel, TunnelAddr: *receiverAddr})
	return finish(ctx, env, db, res, o.asJSON)
}

// checkMethod says, as bad input, that a method is missing or of another type.
func checkMethod(c *model.Connector, name string, want model.MethodType) error {
	m := c.Method(name)
	if m == nil {
		names := make([]string, 0, len(c.Methods))
		for _, m := range c.Methods {
			if m.MethodType == want {
				names = append(names, fmt.Sprintf("%q", m.Name))
			}
		}
		return model.Errorf(model.ENotFound, "connector %q has no method %q; its %s methods are %s", c.Name, name, want, strings.Join(names, ", "))
	}
	if m.MethodType != want {
		return model.Errorf(model.EInvalid, "method %q is %s method; this needs %s method", name, article(string(m.MethodType)), article(string(want)))
	}
	return nil
}

// finish saves the run in the history, prints the result and turns a failed
// run into exit code 1.
func finish(ctx context.Context, env *cliEnv, db *store.DB, res *engine.Result, asJSON bool) error {
	rec, err := res.HistoryRecord()
	if err != nil {
		return err
	}
	if err := db.SaveRun(context.WithoutCancel(ctx), rec); err != nil {
		fmt.Fprintf(env.stderr, "patchbay: the run was not saved in the history: %v\n", err)
	}
	if asJSON {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintf(env.stdout, "%s\n", out)
	} else {
		printSummary(env.stdout, res)
	}
	if !res.OK {
		return &failure{msg: res.Error}
	}
	return nil
}

// keepAccountUpdates keeps account values a run of c learnt (a refresh
// token the OAuth2 provider rotated: the old one is spent) and says so. They
// go to the connector with c's ID, under the name it has now: another
// Patchbay may have renamed it while the run went on.
func keepAccountUpdates(ctx context.Context, env *cliEnv, db *store.DB, c *model.Connector, updates map[string]string) error {
	keys := strings.Join(sortedKeys(updates), ", ")
	name, err := db.KeepAccountValues(context.WithoutCancel(ctx), c.ID, updates)
	if err != nil {
		fmt.Fprintf(env.stderr, "patchbay: the new %s the API gave could not be kept, so the next run cannot get a token with the old one: %v\n", keys, err)
		return err
	}
	fmt.Fprintf(env.stderr, "patchbay: kept the new %s the API gave in the account values of %q\n", keys, name)
	return nil
}

// stepPrinter prints each step as it starts and ends.
func stepPrinter(w io.Writer) func(*engine.Step) {
	announced := map[*engine.Step]bool{} // running steps whose start is printed
	printed := map[*engine.Step]int{}    // how many of their console lines are
	return func(s *engine.Step) {
		label := s.Name
		if s.Method != "" && s.Method != s.Name {
			label += " (" + s.Method + ")"
		}
		if s.Status == engine.StepRunning {
			switch {
			case s.Waiting:
				fmt.Fprintf(w, "… %s: waiting %d ms for its turn under the rate limit\n", label, s.RateLimitWaitMS)
			case announced[s]: // only what it says now is new
			case s.RateLimitWaitMS == 0: // after a wait, the lines above said it all
				fmt.Fprintf(w, "… %s\n", label)
			}
			announced[s] = true
			for _, c := range s.Console[min(printed[s], len(s.Console)):] {
				fmt.Fprintf(w, "    console: %s\n", c)
			}
			printed[s] = len(s.Console)
			return
		}
		from := min(printed[s], len(s.Console)) // lines said while it ran are not said again
		delete(announced, s)
		delete(printed, s)
		mark := map[engine.StepStatus]string{engine.StepOK: "✓", engine.StepFailed: "✗", engine.StepStopped: "■"}[s.Status]
		line := fmt.Sprintf("%s %s", mark, label)
		if s.Request != nil {
			line += fmt.Sprintf("  %s %s", s.Request.Method, s.Request.URL)
		}
		if s.Response != nil {
			line += fmt.Sprintf(" → %d", s.Response.Status)
		}
		if s.RateLimitWaitMS > 0 {
			fmt.Fprintf(w, "%s  (%d ms, of which %d ms waiting for the rate limit)\n", line, s.DurationMS, s.RateLimitWaitMS)
		} else {
			fmt.Fprintf(w, "%s  (%d ms)\n", line, s.DurationMS)
		}
		if s.Response != nil {
			for _, r := range s.Response.Redirects {
				fmt.Fprintf(w, "    redirected: %s\n", r)
			}
		}
		for _, c := range s.Console[from:] {
			fmt.Fprintf(w, "    console: %s\n", c)
		}
		for _, m := range s.Mapped {
			fmt.Fprintf(w, "    %s = %s\n", mappedName(m), m.Text())
		}
		if s.Note != "" {
			fmt.Fprintf(w, "    %s\n", s.Note)
		}
		if s.Error != "" {
			fmt.Fprintf(w, "    %s\n", s.Error)
		}
	}
}

func mappedName(m engine.MappedField) string {
	if m.SystemField != "" {
		return m.SystemField
	}
	return m.ConnectorField
}

func printSummary(w io.Writer, res *engine.Result) {
	switch {
	case res.Kind == "webhook" && res.OK:
		fmt.Fprintf(w, "webhook %s created, tested and deleted\n", res.WebhookID)
	case res.OK:
		fmt.Fprintf(w, "%s passed\n", res.Method)
	case len(res.Steps) == 0:
		// Nothing ran; finish reports the error.
	case res.Cancelled:
		fmt.Fprintf(w, "%s was cancelled\n", res.Method)
	default:
		fmt.Fprintf(w, "%s failed\n", res.Method)
	}
	if res.WebhookID != "" {
		fmt.Fprintf(w, "Cyclr_Webhook_Id: %s\n", res.WebhookID)
	}
	if d := res.Delivery; d != nil && d.Verified != "" {
		fmt.Fprintf(w, "delivery signed: %s\n", d.Verified)
	}
	if res.Deliveries > 1 {
		fmt.Fprintf(w, "%d deliveries arrived; the first was mapped\n", res.Deliveries)
	}
}

func runWebhookList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "webhook list")
	pending := fs.Bool("pending", false, "only webhooks not deleted yet")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	db, err := openDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.ListWebhooks(ctx, *pending)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(env.stdout, map[bool]string{false: "no webhooks", true: "no pending webhooks"}[*pending])
		return nil
	}
	// ROW is what 'webhook forget' takes; WEBHOOK is the id on the API.
	fmt.Fprintf(env.stdout, "%-4s %-12s %s\n", "ROW", "WEBHOOK", "CONNECTOR › WEBHOOK METHOD, CREATED, STATE")
	mask := ledgerMask(ctx, db)
	for _, r := range rows {
		state := "deleted " + r.DeletedAt.Local().Format(time.DateTime)
		switch {
		case r.Pending():
			state = "PENDING"
		case r.RemovedByHand:
			state = "removed by hand, marked " + r.DeletedAt.Local().Format(time.DateTime)
		}
		id := r.WebhookID
		if id == "" {
			id = "(unknown id)"
		}
		fmt.Fprintf(env.stdout, "%-4d %-12s %s › %s  created %s  %s\n", r.ID, id, r.Connector, r.Method, r.CreatedAt.Local().Format(time.DateTime), state)
		if r.Pending() {
			if r.DeleteMethod != "" {
				fmt.Fprintf(env.stdout, "     deleted by: %s\n", r.DeleteMethod)
			}
			fmt.Fprintf(env.stdout, "     delivery URL: %s\n", r.URL)
			if made := r.MadeWith(); made != "" {
				fmt.Fprintf(env.stdout, "     made with: %s\n", mask(r.Connector, made))
			}
			if r.LastError != "" {
				fmt.Fprintf(env.stdout, "     last error: %s\n", mask(r.Connector, r.LastError))
			}
		}
	}
	return nil
}

// ledgerMask masks a ledger row's last error with the secrets its
// connector and account values have now, as 'history' masks a run: the
// row was masked with those of the day it was written, and a parameter
// made Sensitive since shows in it otherwise. Each connector is read
// once; one that cannot be read (deleted since) adds nothing to mask.
func ledgerMask(ctx context.Context, db *store.DB) func(connector, text string) string {
	readers := map[string]*engine.HistoryReader{}
	return func(connector, text string) string {
		h, ok := readers[connector]
		if !ok {
			h = engine.NewHistoryReader(nil, nil)
			if c, err := db.LoadConnector(ctx, connector); err == nil {
				if account, err := db.AccountValues(ctx, connector); err == nil {
					h = engine.NewHistoryReader(c, account)
				}
			}
			readers[connector] = h
		}
		return h.MaskText(text)
	}
}

func runWebhookCleanup(ctx context.Context, env *cliEnv, args []string) error {
	if _, err := parseFlags(newFlags(env, "webhook cleanup"), args, 0, 0); err != nil {
		return err
	}
	db, err := openDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.ListWebhooks(ctx, true)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(env.stdout, "no pending webhooks")
		return nil
	}
	load := func(ctx context.Context, name string) (*model.Connector, map[string]string, error) {
		c, err := db.LoadConnector(ctx, name)
		if err != nil {
			return nil, nil, err
		}
		account, err := db.AccountValues(ctx, name)
		return c, account, err
	}
	failed := 0
	// A delete under a rate limit may wait for its turn: say so.
	waiting := func(s *engine.Step) {
		if s.Waiting {
			fmt.Fprintf(env.stdout, "… %s: waiting %d ms for its turn under the rate limit\n", s.Method, s.RateLimitWaitMS)
		}
	}
	keep := func(c *model.Connector, updates map[string]string) error {
		return keepAccountUpdates(ctx, env, db, c, updates)
	}
	mask := ledgerMask(ctx, db)
	for _, r := range engine.Cleanup(ctx, db, load, rows, engine.CleanupOptions{OnStep: waiting, Keep: keep, Turns: db}) {
		which := "webhook " + r.Record.WebhookID
		if r.Record.WebhookID == "" {
			which = fmt.Sprintf("row %d, a webhook of unknown id so far", r.Record.ID)
		}
		switch {
		case r.InUse != "":
			fmt.Fprintf(env.stdout, "… %s (%s › %s) is left to the test run still using it (process %s), which deletes it when it ends\n", which, r.Record.Connector, r.Record.Method, r.InUse)
			continue
		case r.Meanwhile:
			fmt.Fprintf(env.stdout, "✓ %s (%s › %s) was deleted meanwhile, by another cleanup or 'webhook forget'\n", which, r.Record.Connector, r.Record.Method)
			continue
		case r.Deleted:
			fmt.Fprintf(env.stdout, "✓ deleted webhook %s (%s › %s)\n", r.Record.WebhookID, r.Record.Connector, r.Record.Method)
			continue
		}
		failed++
		if r.Record.WebhookID == "" {
			// Its earlier error says where to look on the API.
			fmt.Fprintf(env.stdout, "✗ row %d, webhook of unknown id (%s › %s): %s\n", r.Record.ID, r.Record.Connector, r.Record.Method, r.Error)
			if last := mask(r.Record.Connector, strings.TrimPrefix(r.Record.LastError, engine.UnknownIDLead)); last != "" && !strings.Contains(r.Error, last) {
				fmt.Fprintf(env.stdout, "    %s\n", last)
			}
			fmt.Fprintf(env.stdout, "    once it is gone from the API: patchbay webhook forget %d\n", r.Record.ID)
			continue
		}
		fmt.Fprintf(env.stdout, "✗ row %d, webhook %s (%s › %s): %s\n", r.Record.ID, r.Record.WebhookID, r.Record.Connector, r.Record.Method, r.Error)
		if r.Step != nil {
			// What the delete's scripts logged, masked as in a run: what an
			// author debugging the delete looks for.
			for _, c := range r.Step.Console {
				fmt.Fprintf(env.stdout, "    console: %s\n", c)
			}
		}
		if hint := forgetHint(r); hint != "" {
			fmt.Fprintf(env.stdout, "    %s\n", hint)
		}
	}
	if failed > 0 {
		return &failure{msg: fmt.Sprintf("%s still pending", plural(failed, "webhook"))}
	}
	return nil
}

// forgetHint says when a pending row's webhook may be gone from the API
// already, and how to mark it so: the API does not know it (404, 410), or
// it answered the delete with a 2xx and the step failed after (a script
// threw on the answer). "" when neither.
func forgetHint(r engine.CleanupResult) string {
	switch s := r.Step; {
	case s == nil || s.Response == nil || s.OK:
		return ""
	case s.Response.Status == http.StatusNotFound || s.Response.Status == http.StatusGone:
		return fmt.Sprintf("the API does not know it: if it is gone from the API (and the delete went to the right address), patchbay webhook forget %d", r.Record.ID)
	case s.Answered2xx():
		return fmt.Sprintf("the API answered the delete %d, and the step failed after: if it is gone from the API, patchbay webhook forget %d", s.Response.Status, r.Record.ID)
	}
	return ""
}

// runWebhookForget marks a ledger row done without calling the API: for a
// webhook whose id was never captured and that the user removed by hand.
func runWebhookForget(ctx context.Context, env *cliEnv, args []string) error {
	pos, err := parseFlags(newFlags(env, "webhook forget"), args, 1, 1)
	if err != nil {
		return err
	}
	row, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || row <= 0 {
		return &usageError{verb: "webhook forget", msg: fmt.Sprintf("%q is not a row number from 'patchbay webhook list'", pos[0])}
	}
	db, err := openDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.MarkWebhookRemoved(ctx, row); model.ErrorCodeOf(err) == model.EConflict {
		fmt.Fprintf(env.stdout, "row %d was deleted already; nothing changed\n", row)
		return nil
	} else if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "row %d is marked removed by hand; Patchbay will not try to delete its webhook again\n", row)
	return nil
}

func runSandbox(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "sandbox")
	addr := fs.String("addr", sandbox.DefaultAddr, "where to listen")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(env.stderr, nil))
	listening := func(url string) {
		fmt.Fprintf(env.stdout, "the example webhook API listens on %s (Ctrl-C stops it); it wants the X-Api-Key of the example's account values\n", url)
	}
	return sandbox.ListenAndServe(ctx, *addr, sandbox.Options{Logger: logger, Listening: listening})
}

// article puts "a" or "an" before a word: "an Action", "a Webhook".
func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}
