package engine

import (
	"context"
	"errors"
	"time"
)

// StepStatus is where a step stands.
type StepStatus string

// The step statuses.
const (
	StepRunning StepStatus = "running"
	StepOK      StepStatus = "ok"
	StepFailed  StepStatus = "failed"
	// StepStopped is a step a script's handler stopped by returning false.
	StepStopped StepStatus = "stopped"
	// StepSkipped is a step that did not run because an earlier one failed.
	StepSkipped StepStatus = "skipped"
)

// Result is a run's structured log: what the window shows, what --json
// prints and what the run history keeps. Every secret in it is masked.
// Fields tagged mask:"never" hold Patchbay's and the connector's own
// names, never run data: FromHistory leaves them as they are.
type Result struct {
	OK        bool   `json:"ok"`
	Connector string `json:"connector" mask:"never"`
	// ConnectorID is the stored connector's ID, 0 for one never saved:
	// the history keeps the run under the connector's name when it ends.
	ConnectorID int64 `json:"-"`
	// MethodID is the stored method's ID, 0 for one never saved: the
	// history keeps the run under the method's name when it ends.
	MethodID int64 `json:"-"`
	// AccountUpdates are account values the run learnt, for the caller to
	// keep: a refresh token the OAuth2 provider rotated, without which the
	// next run cannot get a token. Secrets: never printed or kept in the
	// history.
	AccountUpdates map[string]string `json:"-"`
	Method         string            `json:"method" mask:"never"`
	// Kind is "method" for one method, "webhook" for a lifecycle.
	Kind       string    `json:"kind" mask:"never"`
	WebhookID  string    `json:"webhook_id,omitempty"`
	WebhookURL string    `json:"webhook_url,omitempty"`
	Steps      []*Step   `json:"steps"`
	Delivery   *Received `json:"delivery,omitempty"`
	// Deliveries is how many deliveries had reached the receiver when the
	// first was mapped. Only the first is mapped; more than one means the
	// API sent more, such as the same event twice.
	Deliveries int `json:"deliveries,omitempty"`
	// Mapped are the mapped values of a method run's response.
	Mapped []MappedField `json:"mapped,omitempty"`
	Error  string        `json:"error,omitempty"`
	// Cancelled says the run failed because it was cancelled (Cancel in
	// the window, Ctrl+C), not because the API or the connector did.
	Cancelled  bool      `json:"cancelled,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// finish notes when the run ended, and whether it failed for being
// cancelled: it failed, ctx was cancelled, and no step had failed before
// (failedFirst), such as a create whose answer did not map, with Cancel
// pressed while the delete ran.
func (res *Result) finish(ctx context.Context, failedFirst bool) {
	res.FinishedAt = time.Now()
	res.Cancelled = !res.OK && !failedFirst && errors.Is(ctx.Err(), context.Canceled)
}

// Step is one step of a run: one request and its response, or waiting for a
// delivery.
type Step struct {
	Name       string       `json:"name" mask:"never"`
	Method     string       `json:"method,omitempty" mask:"never"`
	Status     StepStatus   `json:"status"`
	OK         bool         `json:"ok"`
	Request    *RequestLog  `json:"request,omitempty"`
	Response   *ResponseLog `json:"response,omitempty"`
	DurationMS int64        `json:"duration_ms"`
	// RateLimitWaitMS is how long the request waits (while the step runs)
	// or waited for its turn under the connector's or the method's rate
	// limit; 0 when it went at once.
	RateLimitWaitMS int64 `json:"rate_limit_wait_ms,omitempty"`
	// Waiting is true while the step waits for that turn: a step told of
	// as running with Waiting false and a wait is on its way again.
	Waiting bool   `json:"-"`
	Error   string `json:"error,omitempty"`
	// Note says what became of a step that passed without doing all it
	// does, such as a delivery a script filtered out.
	Note string `json:"note,omitempty"`
	// Console are the lines the scripts logged during the step.
	Console []string `json:"console,omitempty"`
	// Mapped are the Response Format values the step read.
	Mapped []MappedField `json:"mapped,omitempty"`

	// notSent is true when the request never reached the server.
	notSent bool
	// consoleBytes counts Console's text; consoleFull is set once it holds
	// all a step keeps.
	consoleBytes int
	consoleFull  bool
	// scriptLines, while before_action runs, are the lines it logged as
	// they were before masking, with their places in Console: credentials
	// the handler builds are learnt only when it returns, and a line
	// masked again from what was left would keep the credential's
	// unmasked rest. Dropped when the handler returns.
	scriptLines []rawLine
	keepRaw     bool
}

// rawLine is a console line before masking, and its index in Console.
type rawLine struct {
	at   int
	text string
}

// Answered2xx reports whether the step's request was answered with a 2xx
// status: a step can fail after that, when a script fails on the answer.
func (s *Step) Answered2xx() bool {
	return s.Response != nil && s.Response.Status >= 200 && s.Response.Status < 300
}

// RequestLog is a sent request, secrets masked.
type RequestLog struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// ResponseLog is a received response, secrets masked.
type ResponseLog struct {
	Status    int               `json:"status"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      string            `json:"body,omitempty"`
	Redirects []string          `json:"redirects,omitempty"`
}

// Received is a webhook delivery as the run log shows it.
type Received struct {
	ReceivedAt time.Time         `json:"received_at"`
	Method     string            `json:"method"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       string            `json:"body"`
	// Rejected says why the delivery was refused; a rejected delivery is
	// not mapped.
	Rejected string `json:"rejected,omitempty"`
	// Verified says how the delivery's signature was checked, when the
	// Webhook method checks one and it matched.
	Verified string `json:"verified,omitempty"`
	// Filtered is true when a handler returned false: FilteredBy names
	// its event (before_webhook or after_webhook). The delivery is not
	// mapped then.
	Filtered   bool          `json:"filtered,omitempty"`
	FilteredBy string        `json:"filtered_by,omitempty" mask:"never"`
	filteredIn string        // the script whose handler it was
	Mapped     []MappedField `json:"mapped,omitempty"`
	Console    []string      `json:"console,omitempty"`
	Error      string        `json:"error,omitempty"`
}
