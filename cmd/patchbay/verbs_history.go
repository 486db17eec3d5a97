package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"patchbay/engine"
	"patchbay/model"
)

func init() {
	verbs = append(verbs[:len(verbs)-1],
		verb{"history", "CONNECTOR [METHOD] [--run N] [--json]",
			"list a connector's test runs, newest first (the newest 100 are kept); --run shows one of them step by step", runHistory},
		verbs[len(verbs)-1], // help stays last
	)
}

// runHistory lists a connector's runs from the history, or shows one. Runs
// are masked again with the secrets the connector and account values
// have now (see engine.FromHistory).
func runHistory(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "history")
	runID := fs.Int64("run", 0, "the run to show, by the number the list gives it")
	asJSON := fs.Bool("json", false, "print JSON: the list as an array, a run as 'run --json' prints it")
	pos, err := parseFlags(fs, args, 1, 2)
	if err != nil {
		return err
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "run" })
	if given && *runID < 1 {
		return &usageError{verb: "history", msg: fmt.Sprintf("--run %d: runs are numbered from 1", *runID)}
	}
	db, err := openDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := loadConnector(ctx, db, pos[0])
	if err != nil {
		return err
	}
	account, err := db.AccountValues(ctx, c.Name)
	if err != nil {
		return err
	}
	recs, err := db.ListRuns(ctx, c.Name, 0)
	if err != nil {
		return err
	}
	method := ""
	if len(pos) == 2 {
		method = pos[1]
		if c.Method(method) == nil && !ranMethod(recs, method) {
			return model.Errorf(model.ENotFound, "connector %q has no method %q, and no run of one is kept", c.Name, method)
		}
	}
	reader := engine.NewHistoryReader(c, account)
	if *runID != 0 {
		for _, rec := range recs {
			if rec.ID == *runID && (method == "" || rec.Method == method) {
				return showRun(env.stdout, rec, reader, *asJSON)
			}
		}
		of := "connector " + strconv.Quote(c.Name)
		if method != "" {
			of = fmt.Sprintf("method %q of %s", method, of)
		}
		return model.Errorf(model.ENotFound, "%s has no run %d in the history; patchbay history %s lists them", of, *runID, quoteArg(c.Name))
	}
	var list []runSummary
	for _, rec := range recs {
		if method == "" || rec.Method == method {
			list = append(list, summarize(rec, reader))
		}
	}
	if *asJSON {
		if list == nil {
			list = []runSummary{}
		}
		out, _ := json.MarshalIndent(list, "", "  ")
		fmt.Fprintf(env.stdout, "%s\n", out)
		return nil
	}
	if len(list) == 0 {
		fmt.Fprintf(env.stdout, "no runs of %s%s in the history\n", c.Name, ofMethod(method))
		return nil
	}
	for _, s := range list {
		fmt.Fprintf(env.stdout, "%-5d %s  %-7s %s  %s\n", s.ID, s.StartedAt.Local().Format(time.DateTime), s.Kind, s.Method, s.outcome())
	}
	fmt.Fprintf(env.stdout, "To see a run step by step: patchbay history %s --run N\n", quoteArg(c.Name))
	return nil
}

// runSummary is a run as the history lists it.
type runSummary struct {
	ID         int64     `json:"id"`
	Method     string    `json:"method"`
	Kind       string    `json:"kind"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	OK         bool      `json:"ok"`
	Cancelled  bool      `json:"cancelled,omitempty"`
	WebhookID  string    `json:"webhook_id,omitempty"`
	Error      string    `json:"error,omitempty"`
}

func summarize(rec model.RunRecord, reader *engine.HistoryReader) runSummary {
	s := runSummary{ID: rec.ID, Method: rec.Method, Kind: rec.Kind, StartedAt: rec.StartedAt, OK: rec.OK, Cancelled: rec.Cancelled}
	if !rec.FinishedAt.IsZero() {
		s.DurationMS = rec.FinishedAt.Sub(rec.StartedAt).Round(time.Millisecond).Milliseconds() // as the window rounds it
	}
	id, errText, err := reader.Summary(rec)
	if err != nil {
		s.OK, s.Error = false, err.Error()
		return s
	}
	s.WebhookID, s.Error = id, errText
	return s
}

// outcome says in a few words how a listed run ended.
func (s runSummary) outcome() string {
	var b strings.Builder
	switch {
	case s.OK:
		fmt.Fprintf(&b, "passed in %d ms", s.DurationMS)
	case s.Cancelled:
		b.WriteString("cancelled: " + firstLine(s.Error, 100))
	default:
		b.WriteString("failed: " + firstLine(s.Error, 100))
	}
	if s.WebhookID != "" {
		b.WriteString("  (webhook " + s.WebhookID + ")")
	}
	return b.String()
}

// showRun prints one run from the history as the run itself printed it:
// each step, then how it ended.
func showRun(w io.Writer, rec model.RunRecord, reader *engine.HistoryReader, asJSON bool) error {
	res, err := reader.Read(rec)
	if err != nil {
		return &failure{msg: err.Error()} // the history's fault, not the command's
	}
	if asJSON {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintf(w, "%s\n", out)
		return nil
	}
	fmt.Fprintf(w, "run %d of %s › %s, started %s\n", rec.ID, res.Connector, res.Method, res.StartedAt.Local().Format(time.DateTime))
	show := stepPrinter(w)
	for _, s := range res.Steps {
		show(s)
	}
	printSummary(w, res)
	if !res.OK && res.Error != "" {
		fmt.Fprintf(w, "error: %s\n", res.Error)
	}
	return nil
}

// ranMethod reports whether the history keeps a run of the named method.
func ranMethod(recs []model.RunRecord, method string) bool {
	for _, r := range recs {
		if r.Method == method {
			return true
		}
	}
	return false
}

func ofMethod(method string) string {
	if method == "" {
		return ""
	}
	return " › " + method
}

// firstLine is text's first line, cut at max characters.
func firstLine(text string, max int) string {
	line, _, more := strings.Cut(text, "\n")
	if r := []rune(line); len(r) > max {
		return string(r[:max]) + "…"
	} else if more {
		return line + " …"
	}
	return line
}

// quoteArg writes an argument as a POSIX shell would need it typed: as it
// is when it holds only safe characters, in single quotes otherwise.
func quoteArg(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
