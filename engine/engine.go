// Package engine runs connector methods: it fills {{Mergefields}}, translates
// Cyclr Connector Field paths to gjson and sjson paths, prepares requests that
// a script may still change, sends them over HTTP within limits, records each
// exchange with its secrets masked, and maps responses back to fields.
//
// The pieces are small so that the webhook lifecycle, the local receiver and
// the run log can be built on them. One method run reads:
//
//	v := engine.Values{Inputs: runValues, Account: accountValues,
//		System: map[string]string{model.SystemFieldWebhookURL: url}}
//	req, err := engine.Prepare(c, m, v) // nothing sent yet; errors name the field
//	// a before_action script may change req.Endpoint, req.Headers, req.Body
//	resp, ex, err := client.Send(ctx, req)
//	reqLog, respLog := ex.Log(req.Secrets) // for the run log, masked
//	fields, err := engine.MapResponse(m, resp.Body)
//	id, err := engine.WebhookID(m.ResponseFormat.Fields, resp.Body)
//
// The engine imports no window toolkit and no store: it is handed what it needs.
package engine

import (
	"strings"

	"patchbay/model"
)

// The builder tabs that error messages name, in Cyclr's words.
const (
	TabSettings       = "Settings"
	TabRequestFormat  = "Request Format"
	TabResponseFormat = "Response Format"
	TabParameters     = "Parameters"
	TabAuthentication = "Authentication"
)

// FieldError is a fault in one field of a connector definition or of a run's
// values, found before anything is sent or while a response is mapped. Field
// says where, in the builder's words, e.g. "Method 'Delete Webhook' ›
// Settings › Endpoint"; Err says what. A fault in a text's braces or an
// unknown mergefield wraps a *model.MergefieldError, which holds the position.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the cause, so that errors.As finds a *model.MergefieldError.
func (e *FieldError) Unwrap() error { return e.Err }

// MethodLabel names a place in a method as the builder shows it:
// MethodLabel("Delete Webhook", "Settings", "Endpoint") is
// "Method 'Delete Webhook' › Settings › Endpoint".
func MethodLabel(method string, parts ...string) string {
	return label("Method '"+model.Printable(method)+"'", parts)
}

// connectorLabel names a place in the connector's own settings.
func connectorLabel(connector string, parts ...string) string {
	return label("Connector '"+model.Printable(connector)+"'", parts)
}

func label(head string, parts []string) string {
	const sep = " › "
	n := len(head)
	for _, p := range parts {
		n += len(sep) + len(p)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(head)
	for _, p := range parts {
		b.WriteString(sep)
		b.WriteString(p)
	}
	return b.String()
}
