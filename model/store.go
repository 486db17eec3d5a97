package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// ErrorCode tells callers what kind of failure an Error is.
type ErrorCode string

// The error codes.
const (
	ENotFound ErrorCode = "not_found" // the named thing does not exist
	EInvalid  ErrorCode = "invalid"   // the input is wrong; the message says where
	EConflict ErrorCode = "conflict"  // the thing exists already, or changed meanwhile
)

// Error is a failure the user can act on, with a code callers can test.
type Error struct {
	Code    ErrorCode
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, or "".
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ConnectorSummary is a connector as the sidebar lists it.
type ConnectorSummary struct {
	ID        int64
	Name      string
	Methods   []MethodSummary
	UpdatedAt time.Time
}

// MethodSummary is a method as the sidebar lists it.
type MethodSummary struct {
	Name       string
	MethodType MethodType
	Hide       bool
}

// Connectors stores connector definitions and the account values a test run
// uses with them.
type Connectors interface {
	// ListConnectors returns every connector, ordered by name.
	ListConnectors(ctx context.Context) ([]ConnectorSummary, error)
	// LoadConnector returns the named connector, or an ENotFound error.
	LoadConnector(ctx context.Context, name string) (*Connector, error)
	// SaveConnector writes the whole connector in one transaction: a new
	// one (ID zero) is inserted and given an ID; an existing one replaces
	// what was stored. A name another connector has is an EConflict error.
	SaveConnector(ctx context.Context, c *Connector) error
	// DeleteConnector removes the named connector and its account values.
	DeleteConnector(ctx context.Context, name string) error
	// AccountValues returns the named connector's account values: auth
	// values and Account Connector Property values, by key.
	AccountValues(ctx context.Context, connector string) (map[string]string, error)
	// SetAccountValues sets the given account values, leaving others as
	// they are; an empty value removes its key.
	SetAccountValues(ctx context.Context, connector string, values map[string]string) error
	// KeepAccountValues sets account values a run learnt on the connector
	// with the given ID, whatever its name now, and returns that name.
	KeepAccountValues(ctx context.Context, connectorID int64, values map[string]string) (string, error)
}

// WebhookRecord is one row of the webhook ledger: a webhook Patchbay created
// on an API, so that it can always be deleted again.
type WebhookRecord struct {
	ID int64
	// Connector and Method name the connector and its Webhook method.
	Connector string
	Method    string
	// ConnectorID is the stored connector's ID when the run knows it (not
	// kept on the row): the row is written under the connector's name at
	// that moment, so that a rename saved while the run goes on does not
	// leave it under the old one, where cleanup finds no connector.
	ConnectorID int64
	// DeleteMethod names the Delete Webhook Method the webhook was created
	// with, so that cleanup can still delete it after the Webhook method was
	// renamed or removed. Empty on rows written before it was recorded.
	DeleteMethod string
	// WebhookID is the captured Cyclr_Webhook_Id.
	WebhookID string
	// URL is the delivery URL the webhook was registered with.
	URL string
	// RunValues are the non-secret values the run was given beyond the
	// account values (such as another BaseUrl), so that a later cleanup
	// calls the same API.
	RunValues map[string]string
	// AccountValues are the account's values that are no secret (such as
	// its BaseUrl) when the webhook was made: a cleanup lays them over the
	// account values of its day, so that the delete goes to the API the
	// webhook was made on, with the secrets of its day (a key may have
	// been rotated).
	AccountValues map[string]string
	CreatedAt     time.Time
	// DeletedAt is zero while the webhook may still exist on the API.
	DeletedAt time.Time
	// RemovedByHand is true when the author marked the row removed (the
	// webhook was taken off the API by hand), not Patchbay's delete.
	RemovedByHand bool
	// LastError is why the last delete failed, if it did.
	LastError string
	// Owner names the test run using the row while it runs (its process,
	// as the engine writes it); empty once the run is over. A cleanup
	// leaves a row whose owner is alive to it. MarkWebhookDeleted and
	// MarkWebhookFailed clear it.
	Owner string
}

// MadeWith lists the row's AccountValues and RunValues (which win) as
// KEY=VALUE, by key, e.g. "BaseUrl=https://staging.example.com, Region=eu":
// what tells two pending webhooks of one method apart when they were made
// on different APIs.
func (r WebhookRecord) MadeWith() string {
	values := maps.Clone(r.AccountValues)
	if values == nil {
		values = map[string]string{}
	}
	maps.Copy(values, r.RunValues)
	keys := slices.Sorted(maps.Keys(values))
	for i, k := range keys {
		keys[i] = k + "=" + values[k]
	}
	return strings.Join(keys, ", ")
}

// RefreshTurns lets the OAuth2 refresh token grants of every Patchbay on
// one database take turns at a token endpoint, and tells a run which
// token replaced one another process spent.
type RefreshTurns interface {
	// ClaimRefreshTurn gives owner the turn at the endpoint if nobody has
	// it, or if stale says the one who has it (its holder string, and
	// when it took the turn) will not give it back; it reports whether
	// owner has the turn now.
	ClaimRefreshTurn(ctx context.Context, endpoint, owner string, stale func(holder string, since time.Time) bool) (bool, error)
	// GiveBackRefreshTurn ends owner's turn at the endpoint.
	GiveBackRefreshTurn(ctx context.Context, endpoint, owner string) error
	// RecordRotatedRefreshToken records that next replaced the spent token.
	RecordRotatedRefreshToken(ctx context.Context, endpoint, spent, next string) error
	// RotatedRefreshToken returns the token that replaced the spent one,
	// or "" when none is recorded.
	RotatedRefreshToken(ctx context.Context, endpoint, spent string) (string, error)
}

// Pending reports whether the webhook has not been deleted yet.
func (r WebhookRecord) Pending() bool { return r.DeletedAt.IsZero() }

// WebhookLedger records every webhook Patchbay creates, and whether it was
// deleted again. A lifecycle writes its row before the create request is
// sent, so that even a process killed while waiting for the API's answer
// leaves a trace.
type WebhookLedger interface {
	// RecordWebhook adds a pending row and sets rec.ID and rec.CreatedAt.
	RecordWebhook(ctx context.Context, rec *WebhookRecord) error
	// SetWebhookID puts the captured id on a pending row and clears its
	// LastError.
	SetWebhookID(ctx context.Context, id int64, webhookID string) error
	// ForgetWebhook removes a row whose create the API refused: no webhook
	// exists to be deleted.
	ForgetWebhook(ctx context.Context, id int64) error
	// MarkWebhookDeleted marks the row deleted now.
	MarkWebhookDeleted(ctx context.Context, id int64) error
	// MarkWebhookRemoved marks the row deleted now, by hand: the author
	// took the webhook off the API, and Patchbay stops tracking it.
	MarkWebhookRemoved(ctx context.Context, id int64) error
	// MarkWebhookFailed keeps the row pending and records why the delete failed.
	MarkWebhookFailed(ctx context.Context, id int64, reason string) error
	// ListWebhooks returns the rows, newest first; only pending ones if asked.
	ListWebhooks(ctx context.Context, pendingOnly bool) ([]WebhookRecord, error)
}

// RunRecord is one test run in the run history.
type RunRecord struct {
	ID        int64
	Connector string
	// ConnectorID is the stored connector's ID when the run knows it (not
	// kept on the row): the run is saved under the connector's name at
	// that moment, as WebhookRecord's is.
	ConnectorID int64
	// MethodID is the stored method's ID when the run knows it (not kept
	// on the row): the run is saved under the method's name at that
	// moment, so that a rename saved while it ran does not leave it
	// behind.
	MethodID int64
	Method   string
	// Kind is "method" for a single method run, "webhook" for a lifecycle.
	Kind       string
	StartedAt  time.Time
	FinishedAt time.Time
	OK         bool
	// Cancelled says the run failed for being cancelled (Cancel in the
	// window, Ctrl+C), not because the API or the connector did.
	Cancelled bool
	// Log is the run's structured log as JSON, secrets already masked.
	Log json.RawMessage
}

// RunHistory keeps the log of every test run.
type RunHistory interface {
	// SaveRun adds a run and sets rec.ID.
	SaveRun(ctx context.Context, rec *RunRecord) error
	// ListRuns returns a connector's runs, newest first, at most limit of them.
	ListRuns(ctx context.Context, connector string, limit int) ([]RunRecord, error)
	// ListMethodRuns returns the runs of one method of a connector, newest
	// first, without their logs: a list to choose from.
	ListMethodRuns(ctx context.Context, connector, method string) ([]RunRecord, error)
	// LoadRun returns one run with its log; ENotFound when there is none.
	LoadRun(ctx context.Context, id int64) (*RunRecord, error)
}
