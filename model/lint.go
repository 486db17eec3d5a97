package model

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Severity says whether a finding must be fixed (an error) or deserves a
// second look (a warning).
type Severity string

// The severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// The tabs and grids a Location names, in the words the window uses.
const (
	TabSettings       = "Settings"
	TabAuthentication = "Authentication" // the connector only
	TabRateLimits     = "Rate Limits"    // methods only
	TabFieldMappings  = "Field Mappings" // methods only; Grid says which
	TabParameters     = "Parameters"
	TabScript         = "Script"
	GridRequest       = "Request Format"
	GridResponse      = "Response Format"
)

// ColumnRateLimit is the Column of a Rate Limit: a field of the connector's
// Settings, and of a method's Rate Limits tab.
const ColumnRateLimit = "Rate Limit"

// Location says where a finding is, so that the window can open the right
// tab, grid row and column, and the command line can name it in words or by
// its place in the export document.
type Location struct {
	// Method is the method's name; "" for the connector itself (or for a
	// method with no name, which MethodIndex tells apart).
	Method string
	// MethodIndex is the method's index in Connector.Methods; -1 for the connector.
	MethodIndex int
	// Tab is one of the Tab constants.
	Tab string
	// Grid is GridRequest or GridResponse on the Field Mappings tab, else "".
	Grid string
	// Row is the 0-based row in the grid, parameters or authentication
	// list; -1 when the finding is not about one row.
	Row int
	// Label names the row as the window shows it (its Connector Field,
	// Target Name or Auth Name), so that "row 2" is easier to find.
	Label string
	// Column is the field or grid column, in the window's words:
	// "Name", "Method Type", "HTTP Method", "Data Type", "Endpoint",
	// "Create Webhook Method", "Delete Webhook Method", "Rate Limit",
	// "Connector Field", "System Field", "Default Value", "Target Type",
	// "Target Name", "Values", "Auth Type", "Api Key Header", "Default".
	// "" for a whole tab, grid or row.
	Column string
	// ValueIndex is the index in the parameter's Values when Column is "Values".
	ValueIndex int
	// Line is the 1-based script line; 0 when the finding is not in a script.
	Line int
}

// columnKeys maps the window's column words to the export document's keys.
var columnKeys = map[string]string{
	"Name":                    "Name",
	"Method Type":             "MethodType",
	"HTTP Method":             "HttpMethod",
	"Data Type":               "DataType",
	"Endpoint":                "Endpoint",
	"Create Webhook Method":   "CreateWebhookMethod",
	"Signature Header":        "WebhookSignature.Header",
	"Signature Algorithm":     "WebhookSignature.Algorithm",
	"Signature Encoding":      "WebhookSignature.Encoding",
	"Signature Prefix":        "WebhookSignature.Prefix",
	"Signature Secret":        "WebhookSignature.SecretParameter",
	"Signature Secret Field":  "WebhookSignature.SecretResponseField",
	"Delete Webhook Method":   "DeleteWebhookMethod",
	ColumnRateLimit:           "RateLimit",
	"Connector Field":         "ConnectorField",
	"System Field":            "SystemField",
	"Default Value":           "DefaultValue",
	"Target Type":             "TargetType",
	"Target Name":             "TargetName",
	"Values":                  "Values",
	"Auth Name":               "AuthName",
	"Auth Type":               "AuthType",
	"Api Key Header":          "ApiKeyHeader",
	"Api Key Query Parameter": "ApiKeyQueryParameter",
	"Token URL":               "TokenUrl",
	"Scope":                   "Scope",
	"Default":                 "IsDefault",
}

// Where names the location in the window's words, e.g.
// "Method 'Create Webhook' › Field Mappings › Response Format › row 1 (id) › System Field".
func (l Location) Where() string {
	var parts []string
	switch {
	case l.MethodIndex < 0:
		parts = append(parts, "Connector")
	case l.Method == "":
		parts = append(parts, fmt.Sprintf("Method %d (no name)", l.MethodIndex+1))
	default:
		parts = append(parts, "Method '"+Printable(l.Method)+"'")
	}
	for _, p := range []string{l.Tab, l.Grid} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if l.Row >= 0 {
		row := "row " + strconv.Itoa(l.Row+1)
		if strings.TrimSpace(l.Label) != "" {
			row += " (" + Printable(l.Label) + ")"
		}
		parts = append(parts, row)
	}
	if l.Column != "" {
		parts = append(parts, l.Column)
	}
	if l.Line > 0 {
		parts = append(parts, "line "+strconv.Itoa(l.Line))
	}
	return strings.Join(parts, " › ")
}

// JSONPath names the location in the export document, e.g.
// "Methods[0].ResponseFormat.Fields[0].SystemField" or "Parameters[0].Values[0]".
// A script finding points at the whole script; its line is in Line.
func (l Location) JSONPath() string {
	var parts []string
	if l.MethodIndex >= 0 {
		parts = append(parts, fmt.Sprintf("Methods[%d]", l.MethodIndex))
	}
	list := func(key string) string {
		if l.Row >= 0 {
			return fmt.Sprintf("%s[%d]", key, l.Row)
		}
		return key
	}
	switch l.Tab {
	case TabFieldMappings:
		parts = append(parts, strings.ReplaceAll(l.Grid, " ", ""), list("Fields"))
	case TabParameters, TabAuthentication:
		parts = append(parts, list(l.Tab))
	case TabScript:
		parts = append(parts, "Script")
	}
	if l.Column != "" && l.Tab != TabScript {
		key, ok := columnKeys[l.Column]
		if !ok {
			key = strings.ReplaceAll(l.Column, " ", "")
		}
		if key == "Values" {
			key = fmt.Sprintf("Values[%d]", l.ValueIndex)
		}
		parts = append(parts, key)
	}
	return strings.Join(parts, ".")
}

// inTab returns the location narrowed to a tab.
func (l Location) inTab(tab string) Location {
	l.Tab = tab
	return l
}

// at returns the location narrowed to a column.
func (l Location) at(column string) Location {
	l.Column = column
	return l
}

// inRow returns the location narrowed to a row, labelled as the window shows it.
func (l Location) inRow(row int, label string) Location {
	l.Row, l.Label = row, label
	return l
}

// Finding is one problem Lint found.
type Finding struct {
	Severity Severity
	// Rule is a short, stable id for the kind of problem, such as
	// "webhook-create-missing", for filtering and tests.
	Rule    string
	At      Location
	Message string
}

// String gives the finding as one line: "error: Method 'X' › Settings › Endpoint: message".
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s", f.Severity, f.At.Where(), f.Message)
}

// Structural reports whether the finding means an import document does not
// describe a connector at all, rather than a draft with mistakes in it: a
// missing or duplicate name, a value outside its list, a Connector Field path
// that is not Cyclr notation, or a Create/Delete Webhook Method naming no method. Import
// rejects a document with such a finding; the designer saves them as drafts.
func (f Finding) Structural() bool { return structuralRules[f.Rule] }

var structuralRules = map[string]bool{
	"connector-name-empty":        true,
	"method-name-empty":           true,
	"parameter-name-empty":        true,
	"connector-field-empty":       true,
	"connector-field-invalid":     true,
	"method-type-invalid":         true,
	"http-method-invalid":         true,
	"data-type-invalid":           true,
	"field-data-type-invalid":     true,
	"target-type-invalid":         true,
	"auth-type-invalid":           true,
	"method-name-duplicate":       true,
	"name-unprintable":            true,
	"webhook-create-unknown":      true,
	"webhook-delete-unknown":      true,
	"signature-algorithm-invalid": true,
	"signature-encoding-invalid":  true,
}

// HasErrors reports whether any finding is an error rather than a warning.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// MaxRateLimit and MinRateLimit bound the Rate Limits, in requests a
// second, that lint takes for real ones: above the most, the number is most
// likely a count a minute or an hour; below the least, one request a day, a
// test run would wait longer than anyone does.
const (
	MaxRateLimit = 10000
	MinRateLimit = 1.0 / (24 * 60 * 60)
)

// Lint checks a connector for the mistakes a connector author can make and
// returns what it found: the connector first (Settings, Authentication,
// Parameters), then each method in order, tab by tab, row by row.
func Lint(c *Connector) []Finding {
	if c == nil {
		return nil
	}
	l := &linter{
		c:          c,
		createdFor: map[*Method][]string{},
		deletedFor: map[*Method][]string{},
		connSup:    map[string]bool{},
		signing:    c.SignatureSecrets(),
	}
	for _, name := range SystemFields {
		l.connSup[name] = true
	}
	for _, p := range c.Parameters {
		if p.TargetName != "" {
			l.connSup[p.TargetName] = true
		}
	}
	l.findRoles()
	l.lintConnector()
	for i := range c.Methods {
		l.lintMethod(i)
	}
	return l.out
}

// linter holds what the checks share while linting one connector.
type linter struct {
	c   *Connector
	out []Finding
	// createdFor and deletedFor map a method to the names of the Webhook
	// methods using it as their Create or Delete Webhook Method.
	createdFor, deletedFor map[*Method][]string
	// connSup holds the mergefield names every text may use: the system
	// fields and the connector's parameters.
	connSup map[string]bool
	// signing names the parameters that hold signing secrets.
	signing map[string]bool
}

func (l *linter) add(sev Severity, rule string, at Location, format string, args ...any) {
	l.out = append(l.out, Finding{Severity: sev, Rule: rule, At: at, Message: fmt.Sprintf(format, args...)})
}

// findRoles records which methods serve Webhook methods as their Create or
// Delete Webhook Method. A reference to a missing method or to another
// Webhook is reported on the Webhook method itself and gives no role.
func (l *linter) findRoles() {
	for _, m := range l.c.Methods {
		if m.MethodType != MethodWebhook {
			continue
		}
		if t := l.c.Method(m.CreateWebhookMethod); t != nil && t.MethodType != MethodWebhook {
			l.createdFor[t] = append(l.createdFor[t], m.Name)
		}
		// One method as both is its own finding (webhook-create-is-delete):
		// the create's Endpoint is not to gain the id.
		if t := l.c.Method(m.DeleteWebhookMethod); t != nil && t.MethodType != MethodWebhook && m.DeleteWebhookMethod != m.CreateWebhookMethod {
			l.deletedFor[t] = append(l.deletedFor[t], m.Name)
		}
	}
}

func (l *linter) lintConnector() {
	c := l.c
	settings := Location{MethodIndex: -1, Row: -1, Tab: TabSettings}
	if strings.TrimSpace(c.Name) == "" {
		l.add(SeverityError, "connector-name-empty", settings.at("Name"), "the connector has no name: give it one")
	}
	l.lintName(settings.at("Name"), c.Name)
	l.lintRateLimit(settings.at(ColumnRateLimit), c.RateLimit, "0 for no limit")

	auth := Location{MethodIndex: -1, Row: -1, Tab: TabAuthentication}
	defaults := 0
	for i, a := range c.Authentication {
		row := auth.inRow(i, a.AuthName)
		if strings.TrimSpace(a.AuthName) == "" {
			l.add(SeverityWarning, "auth-name-empty", row.at("Auth Name"),
				"the authentication has no name: give it one, such as \"API Key\"; the account values and messages name it by it")
		}
		if !slices.Contains(AuthTypes, a.AuthType) {
			badEnum(l, "auth-type-invalid", row.at("Auth Type"), "an auth type", a.AuthType, AuthTypes)
		}
		if a.AuthType == AuthApiKey && a.ApiKeyHeader == "" && a.ApiKeyQueryParameter == "" {
			l.add(SeverityError, "auth-apikey-location-missing", row.at("Api Key Header"),
				"an ApiKey authentication must say where the key goes: fill in the Api Key Header (e.g. X-Api-Key) or the Api Key Query Parameter")
		}
		switch {
		case a.TokenUrl != "" && a.AuthType != AuthOAuth2:
			l.add(SeverityWarning, "auth-token-url-unused", row.at("Token URL"),
				"only an OAuth2 authentication uses a Token URL: clear it, or make the Auth Type OAuth2")
		case a.TokenUrl != "":
			l.lintTokenURL(row.at("Token URL"), a.TokenUrl)
		}
		if a.IsDefault {
			defaults++
			if defaults == 2 {
				l.add(SeverityWarning, "auth-default-multiple", row.at("Default"),
					"more than one authentication is marked Default; only the first one marked is used: mark just one")
			}
		}
	}

	params := Location{MethodIndex: -1, Row: -1, Tab: TabParameters}
	l.lintParameters(params, c.Parameters, l.connSup)
}

func (l *linter) lintMethod(i int) {
	m := &l.c.Methods[i]
	base := Location{Method: m.Name, MethodIndex: i, Row: -1}
	sup := l.methodSuppliers(m)
	l.lintSettings(m, base.inTab(TabSettings), sup)

	rate := base.inTab(TabRateLimits).at(ColumnRateLimit)
	if !l.lintRateLimit(rate, m.RateLimit, "0 to use the connector's") && m.RateLimit != 0 && m.MethodType == MethodWebhook {
		l.add(SeverityWarning, "rate-limit-on-webhook", rate,
			"a Webhook method sends no request of its own, so its Rate Limit is never used: the limits of its Create and Delete Webhook Methods apply (or the connector's); clear it, or set it on those methods")
	}

	fm := base.inTab(TabFieldMappings)
	req, resp := fm, fm
	req.Grid, resp.Grid = GridRequest, GridResponse
	if users := l.createdFor[m]; users != nil && !sendsWebhookURL(m) {
		l.add(SeverityWarning, "webhook-url-not-sent", req,
			"this method is the Create Webhook Method of %s, but it sends {{%s}} nowhere (not in its Endpoint, a Request Format Default Value, a parameter value or its script), so the API is never told where to deliver: add a hidden Request Format field whose Default Value is {{%s}}",
			quoteNames(users), SystemFieldWebhookURL, SystemFieldWebhookURL)
	}
	l.lintFields(req, m.RequestFormat.Fields, sup, m.DataType == BodyForm)
	if m.MethodType == MethodAction && (m.DataType == BodyJson || m.DataType == BodyXml || m.DataType == "") {
		l.lintFieldsSetOnce(req, m.RequestFormat.Fields)
	}
	if users := l.createdFor[m]; users != nil && !capturesWebhookID(m) {
		l.add(SeverityError, "webhook-id-not-captured", resp,
			"this method is the Create Webhook Method of %s, but no Response Format field has the System Field %s, so the new webhook's id is never saved and the webhook cannot be deleted later: map the id in the response to %s",
			quoteNames(users), SystemFieldWebhookID, SystemFieldWebhookID)
	}
	l.lintFields(resp, m.ResponseFormat.Fields, sup, false)

	l.lintParameters(base.inTab(TabParameters), m.Parameters, sup)
	l.lintScript(base.inTab(TabScript), m)
}

// methodSuppliers returns the mergefield names a method's texts may use: its
// own parameters, the connector's parameters and the system fields.
func (l *linter) methodSuppliers(m *Method) map[string]bool {
	sup := make(map[string]bool, len(l.connSup)+len(m.Parameters))
	for k := range l.connSup {
		sup[k] = true
	}
	for _, p := range m.Parameters {
		if p.TargetName != "" {
			sup[p.TargetName] = true
		}
	}
	return sup
}

// lintRateLimit checks a Rate Limit, in requests a second; zero says what 0
// means in its place. It reports whether it found the value wrong.
func (l *linter) lintRateLimit(at Location, rate float64, zero string) bool {
	text := strconv.FormatFloat(rate, 'g', -1, 64)
	switch {
	case math.IsNaN(rate):
		l.add(SeverityError, "rate-limit-invalid", at,
			"the Rate Limit is not a number: give a number of requests a second such as 2, or 0.5 for one request every two seconds; or %s", zero)
	case math.IsInf(rate, 0):
		l.add(SeverityError, "rate-limit-invalid", at,
			"the Rate Limit is %s, which is not a number of requests a second: give one such as 2, or 0.5 for one request every two seconds; or %s", text, zero)
	case rate < 0:
		l.add(SeverityError, "rate-limit-invalid", at,
			"the Rate Limit is %s requests a second, below zero: give a positive number such as 2, or 0.5 for one request every two seconds; or %s", text, zero)
	case rate > 0 && rate < MinRateLimit:
		l.add(SeverityError, "rate-limit-too-low", at,
			"the Rate Limit is %s requests a second, less than one request a day: give at least %s (one a day), such as 0.5 for one request every two seconds; or %s", text, strconv.FormatFloat(MinRateLimit, 'g', 4, 64), zero)
	case rate > MaxRateLimit:
		l.add(SeverityError, "rate-limit-too-high", at,
			"the Rate Limit is %s requests a second, more than any API takes (at most %d): it counts requests a second, not a minute or an hour (120 a minute is 2)", text, MaxRateLimit)
	default:
		return false
	}
	return true
}

// Printable returns s as it is when every character prints, and else
// with the ones that do not escaped as Go writes them (\n, \x1b, \u202e):
// a name or value shown in a list, a message or on a terminal must not act
// on it, nor hide what it holds.
func Printable(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// lintName refuses a connector's or method's name holding a character that
// does not print: a control character (an escape sequence would act on the
// terminal that lists it, a newline break the list) or an invisible one,
// such as a zero-width space or a right-to-left override. It warns of
// spaces at either end, which make the name hard to type on the command
// line.
func (l *linter) lintName(at Location, name string) {
	for i, r := range []rune(name) {
		if !strconv.IsPrint(r) && r != utf8.RuneError {
			l.add(SeverityError, "name-unprintable", at,
				"the name holds a character that does not print (%U, character %d): names are listed in the window and on the command line; remove it", r, i+1)
			return
		}
	}
	if strings.TrimSpace(name) != name && strings.TrimSpace(name) != "" {
		l.add(SeverityWarning, "name-spaces", at, "the name begins or ends with a space, which is easy to miss when you type it on the command line: remove it")
	}
}

// lintSettings checks the Settings tab: name, types, HTTP method, Endpoint
// and, on a Webhook method, its Create and Delete Webhook Methods.
func (l *linter) lintSettings(m *Method, at Location, sup map[string]bool) {
	l.lintName(at.at("Name"), m.Name)
	if strings.TrimSpace(m.Name) == "" {
		l.add(SeverityError, "method-name-empty", at.at("Name"), "the method has no name: give it one")
	} else if first := l.c.Method(m.Name); first != m {
		l.add(SeverityError, "method-name-duplicate", at.at("Name"),
			"another method is already named %q: method names must be unique, so rename one of them", m.Name)
	}
	if !slices.Contains(MethodTypes, m.MethodType) {
		badEnum(l, "method-type-invalid", at.at("Method Type"), "a method type", m.MethodType, MethodTypes)
	}
	switch {
	case m.HttpMethod == "" && m.MethodType == MethodAction:
		l.add(SeverityError, "http-method-missing", at.at("HTTP Method"),
			"an Action needs an HTTP Method: choose one of %s", strings.Join(HTTPMethods, ", "))
	case m.HttpMethod != "" && !slices.Contains(HTTPMethods, m.HttpMethod):
		badEnum(l, "http-method-invalid", at.at("HTTP Method"), "an HTTP method", m.HttpMethod, HTTPMethods)
	}
	if m.DataType != "" && !slices.Contains(BodyTypes, m.DataType) {
		badEnum(l, "data-type-invalid", at.at("Data Type"), "a data type", m.DataType, BodyTypes)
	}

	endpoint := at.at("Endpoint")
	switch {
	case m.Endpoint == "" && m.MethodType == MethodAction:
		l.add(SeverityError, "endpoint-missing", endpoint,
			"an Action needs an Endpoint: the full URL it calls, e.g. {{BaseUrl}}/orders")
	case m.Endpoint != "":
		l.checkTemplate(endpoint, m.Endpoint, true, sup, false)
	}
	if users := l.deletedFor[m]; users != nil && m.MethodType == MethodAction &&
		m.Endpoint != "" && !UsesMergefield(m.Endpoint, SystemFieldWebhookID) {
		l.add(SeverityError, "webhook-id-not-in-endpoint", endpoint,
			"this method is the Delete Webhook Method of %s, but its Endpoint %q does not use {{%s}}, so it cannot say which webhook to delete: add it, e.g. %q",
			quoteNames(users), m.Endpoint, SystemFieldWebhookID, strings.TrimRight(m.Endpoint, "/")+"/{{"+SystemFieldWebhookID+"}}")
	}

	if m.MethodType == MethodWebhook {
		l.checkWebhookRef(at.at("Create Webhook Method"), "webhook-create", m.CreateWebhookMethod,
			"the Action that registers the webhook with the API")
		l.checkWebhookRef(at.at("Delete Webhook Method"), "webhook-delete", m.DeleteWebhookMethod,
			"the Action that removes the webhook from the API")
		if t := l.c.Method(m.CreateWebhookMethod); t != nil && t.MethodType == MethodAction && m.CreateWebhookMethod == m.DeleteWebhookMethod {
			l.add(SeverityError, "webhook-create-is-delete", at.at("Delete Webhook Method"),
				"%q is both the Create and the Delete Webhook Method: a test would create a second webhook where it means to delete the first; choose the Action that removes it", m.DeleteWebhookMethod)
		}
		l.lintSignature(m, at, sup)
	}
}

// lintSignature checks a Webhook method's signature verification, if set.
func (l *linter) lintSignature(m *Method, at Location, sup map[string]bool) {
	sig := m.WebhookSignature
	if sig.IsZero() {
		return
	}
	if strings.TrimSpace(sig.Header) == "" {
		l.add(SeverityError, "signature-header-missing", at.at("Signature Header"),
			"signature verification needs the header the API signs deliveries in, e.g. X-Webhook-Signature")
	}
	if !slices.Contains(SignatureAlgorithms, sig.Algorithm) {
		badEnum(l, "signature-algorithm-invalid", at.at("Signature Algorithm"), "an HMAC algorithm", sig.Algorithm, SignatureAlgorithms)
	}
	if !slices.Contains(SignatureEncodings, sig.Encoding) {
		badEnum(l, "signature-encoding-invalid", at.at("Signature Encoding"), "a signature encoding", sig.Encoding, SignatureEncodings)
	}
	secret := at.at("Signature Secret")
	switch {
	case sig.SecretParameter == "" && sig.SecretResponseField == "":
		l.add(SeverityError, "signature-secret-missing", secret,
			"signature verification needs the secret: name a parameter that holds it, or the Create Webhook Method's response field that returns it")
	case sig.SecretParameter != "" && sig.SecretResponseField != "":
		l.add(SeverityError, "signature-secret-twice", secret,
			"the secret comes either from a parameter or from the create response, not both")
	case sig.SecretParameter != "" && !sup[sig.SecretParameter]:
		l.add(SeverityError, "signature-secret-unknown", secret,
			"no parameter is named %q: add a Sensitive parameter with that Target Name on the connector", sig.SecretParameter)
	case sig.SecretParameter != "" && !l.sensitiveParameter(m, sig.SecretParameter):
		l.add(SeverityWarning, "signature-secret-not-sensitive", secret,
			"the parameter %q holds the signing secret: mark it Sensitive, so that the window masks its value too "+
				"(runs mask it and exports leave it out either way)", sig.SecretParameter)
	case sig.SecretResponseField != "":
		if create := l.c.Method(m.CreateWebhookMethod); create != nil && !hasSystemField(create.ResponseFormat.Fields, sig.SecretResponseField) {
			l.add(SeverityError, "signature-secret-unknown", secret,
				"the Create Webhook Method '%s' maps no Response Format field to %q", create.Name, sig.SecretResponseField)
		}
	}
}

// sensitiveParameter reports whether the parameter named name, the
// method's or else the connector's, is marked Sensitive; true when there is
// none (an account value alone).
func (l *linter) sensitiveParameter(m *Method, name string) bool {
	for _, ps := range [...][]Parameter{m.Parameters, l.c.Parameters} {
		for _, p := range ps {
			if p.TargetName == name {
				return p.IsSensitive
			}
		}
	}
	return true
}

func hasSystemField(fs []Field, name string) bool {
	for _, f := range fs {
		if f.SystemField == name {
			return true
		}
	}
	return false
}

// checkWebhookRef checks a Webhook method's Create or Delete Webhook Method;
// at.Column names which, rule is the prefix of the rule ids.
func (l *linter) checkWebhookRef(at Location, rule, name, purpose string) {
	target := l.c.Method(name)
	switch {
	case name == "":
		l.add(SeverityError, rule+"-missing", at, "no %s is set: choose %s", at.Column, purpose)
	case target == nil:
		l.add(SeverityError, rule+"-unknown", at, "%s %q names no method of this connector%s: choose %s",
			at.Column, name, l.didYouMeanMethod(name), purpose)
	case target.MethodType == MethodWebhook:
		l.add(SeverityError, rule+"-is-webhook", at, "%s %q is itself a Webhook method: choose %s",
			at.Column, name, purpose)
	}
}

// didYouMeanMethod suggests a method whose name differs from name only in
// case or surrounding spaces.
func (l *linter) didYouMeanMethod(name string) string {
	for _, m := range l.c.Methods {
		if strings.EqualFold(strings.TrimSpace(m.Name), strings.TrimSpace(name)) {
			return fmt.Sprintf(" (did you mean %q?)", m.Name)
		}
	}
	return ""
}

// lintFields checks the rows of a Request or Response Format grid. The
// Connector Fields of a Form request are literal form keys such as
// enabled_events[] or metadata[source], not paths.
func (l *linter) lintFields(grid Location, fields []Field, sup map[string]bool, formKeys bool) {
	for r, f := range fields {
		row := grid.inRow(r, f.ConnectorField)
		if f.ConnectorField == "" {
			l.add(SeverityError, "connector-field-empty", row.at("Connector Field"),
				"the Connector Field is empty: say where the value sits in the body, e.g. id, data.owner.id or [records].EmailAddress")
		} else if _, err := ParseFieldPath(f.ConnectorField); err != nil && !formKeys {
			l.add(SeverityError, "connector-field-invalid", row.at("Connector Field"),
				"%v; write it in Cyclr's notation, e.g. id, data.owner.id, [records].EmailAddress or [].id", err)
		}
		if !slices.Contains(FieldTypes, f.DataType) {
			badEnum(l, "field-data-type-invalid", row.at("Data Type"), "a data type", f.DataType, FieldTypes)
		}
		if f.DefaultValue != "" {
			l.checkTemplate(row.at("Default Value"), f.DefaultValue, !DefaultValueIsJSON(f.DataType), sup, false)
		}
	}
}

// lintFieldsSetOnce finds two rows of an Action's Request Format (Json or
// Xml) with one Connector Field: the body has one place of that path, and
// every run fails, saying the path "is set twice". A Form body may send a
// key twice, a PlainText body is its values line by line, and a Response
// Format or a delivery may read one path into two fields.
func (l *linter) lintFieldsSetOnce(grid Location, fields []Field) {
	first := map[string]int{}
	for r, f := range fields {
		if f.ConnectorField == "" {
			continue
		}
		if earlier, ok := first[f.ConnectorField]; ok {
			l.add(SeverityError, "connector-field-duplicate", grid.inRow(r, f.ConnectorField).at("Connector Field"),
				"row %d sets %s too, and a request body holds it once (every run fails, saying it is set twice): remove one of the rows", earlier+1, f.ConnectorField)
			continue
		}
		first[f.ConnectorField] = r
	}
}

// lintParameters checks the rows of a method's or the connector's Parameters.
func (l *linter) lintParameters(at Location, params []Parameter, sup map[string]bool) {
	// One name in two places (a header and a query parameter) is sent to
	// both; one name twice in one place takes the first row's value.
	// The value of both is looked up by the name, so the second must hold
	// the first's value.
	type place struct {
		target TargetType
		name   string
	}
	first, named := map[place]int{}, map[string]int{}
	for r, p := range params {
		row := at.inRow(r, p.TargetName)
		key := place{p.TargetType, p.TargetName}
		earlier, same := first[key]
		other, ok := named[p.TargetName]
		switch {
		case p.TargetName == "":
		case same:
			l.add(SeverityError, "parameter-duplicate", row.at("Target Name"),
				"row %d is a %s named %s too: a run takes the first row's value for both, so this row's is never used: remove one, or rename it", earlier+1, p.TargetType, p.TargetName)
		case ok && p.Value() != "" && params[other].Value() != p.Value(): // a run uses the first value
			l.add(SeverityError, "parameter-duplicate", row.at("Target Name"),
				"row %d is named %s too, with another value: a run sends the first row's value in both places: give them one value, or rename one", other+1, p.TargetName)
		}
		if _, ok := first[key]; !ok && p.TargetName != "" {
			first[key] = r
		}
		if !ok && p.TargetName != "" {
			named[p.TargetName] = r
		}
		if !slices.Contains(TargetTypes, p.TargetType) {
			badEnum(l, "target-type-invalid", row.at("Target Type"), "a target type", p.TargetType, TargetTypes)
		}
		if strings.TrimSpace(p.TargetName) == "" {
			l.add(SeverityError, "parameter-name-empty", row.at("Target Name"),
				"the Target Name is empty: give the mergefield, query-string key or header name, without curly braces")
		}
		secret := p.IsSensitive || l.signing[p.TargetName]
		for k, v := range p.Values {
			vat := row.at("Values")
			vat.ValueIndex = k
			l.checkTemplate(vat, v, true, sup, secret)
			if secret {
				l.checkSecretParts(vat, v, params)
			}
		}
	}
}

// checkSecretParts warns about a secret value made of a mergefield whose
// parameter is not Sensitive, such as Token in "Bearer {{Token}}": runs mask
// the token, but the window, 'patchbay set' and exports show it where its
// own parameter is. params are the parameters beside the secret one; the
// connector's are looked in after them.
func (l *linter) checkSecretParts(at Location, text string, params []Parameter) {
	names, _ := MergefieldNames(text, true)
	for _, name := range names {
		p := findParam(params, name)
		if p == nil {
			p = findParam(l.c.Parameters, name)
		}
		if p == nil || p.IsSensitive || l.signing[name] {
			continue // an auth value, a system field, or a secret itself
		}
		l.add(SeverityWarning, "secret-part-not-sensitive", at,
			"this secret value is made of {{%s}}, whose parameter is not marked Sensitive: mark %s Sensitive too, "+
				"so that the window, 'patchbay set' and exports mask its value as runs do", name, name)
	}
}

func findParam(ps []Parameter, name string) *Parameter {
	for i := range ps {
		if ps[i].TargetName == name {
			return &ps[i]
		}
	}
	return nil
}

// checkTemplate reports malformed mergefield braces in text and mergefields
// that nothing in sup supplies.
func (l *linter) checkTemplate(at Location, text string, strict bool, sup map[string]bool, secret bool) {
	where := "this method's or the connector's Parameters tab"
	if at.MethodIndex < 0 {
		where = "the connector's Parameters tab"
	}
	shown := strconv.Quote(text)
	if secret { // a Sensitive value or a signing secret: not in a finding
		shown = "the value (a secret, not shown)"
	}
	names, err := MergefieldNames(text, strict)
	var me *MergefieldError
	if errors.As(err, &me) {
		l.add(SeverityError, "mergefield-syntax", at, "%s has a mergefield brace mistake at character %d: %s",
			shown, me.Character(), me.Msg)
		return
	}
	reported := map[string]bool{}
	for _, name := range names {
		if sup[name] || reported[name] {
			continue
		}
		reported[name] = true
		if meant := didYouMean(name, sup); meant != "" {
			// A name in the wrong case: the fix is the spelling, not a
			// parameter of that spelling too.
			l.add(SeverityError, "mergefield-unknown", at,
				"{{%s}} in %s is not supplied by anything%s: mergefield names match in case too",
				name, shown, meant)
			continue
		}
		l.add(SeverityError, "mergefield-unknown", at,
			"{{%s}} in %s is not supplied by anything: add %s as a MergeField parameter on %s, or use a system field (%s)",
			name, shown, name, where, strings.Join(SystemFields, ", "))
	}
}

// didYouMean suggests a supplied name that differs from name only in case.
func didYouMean(name string, sup map[string]bool) string {
	for _, s := range slices.Sorted(maps.Keys(sup)) {
		if strings.EqualFold(s, name) {
			return fmt.Sprintf(" (did you mean {{%s}}?)", s)
		}
	}
	return ""
}

// sendsWebhookURL reports whether a Create Webhook Method passes
// {{Cyclr_Webhook_Url}} on anywhere: Endpoint, Request Format Default
// Values, parameter values, or (in any form) its script.
func sendsWebhookURL(m *Method) bool {
	if UsesMergefield(m.Endpoint, SystemFieldWebhookURL) || strings.Contains(m.Script, SystemFieldWebhookURL) {
		return true
	}
	for _, f := range m.RequestFormat.Fields {
		if UsesMergefield(f.DefaultValue, SystemFieldWebhookURL) {
			return true
		}
	}
	for _, p := range m.Parameters {
		for _, v := range p.Values {
			if UsesMergefield(v, SystemFieldWebhookURL) {
				return true
			}
		}
	}
	return false
}

// capturesWebhookID reports whether a Response Format field saves the new
// webhook's id.
func capturesWebhookID(m *Method) bool {
	for _, f := range m.ResponseFormat.Fields {
		if f.SystemField == SystemFieldWebhookID {
			return true
		}
	}
	return false
}

// badEnum reports a value that is not one of the choices the window offers;
// what names the list with its article, e.g. "a data type".
func badEnum[T ~string](l *linter, rule string, at Location, what string, v T, valid []T) {
	choices := make([]string, len(valid))
	for i, x := range valid {
		choices[i] = string(x)
	}
	if v == "" {
		l.add(SeverityError, rule, at, "the %s is empty; choose one (%s)", at.Column, strings.Join(choices, ", "))
		return
	}
	l.add(SeverityError, rule, at, "%q is not %s (%s)", v, what, strings.Join(choices, ", "))
}

// quoteNames writes method names for a message: 'A', or 'A' and 'B'.
func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// paramAccessRE matches method_request_parameters.X, ['X'] and ["X"].
var paramAccessRE = regexp.MustCompile(
	`method_request_parameters\s*(?:\.\s*([A-Za-z_$][A-Za-z0-9_$]*)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\])`)

// paramAccess is one use of method_request_parameters in a script line.
type paramAccess struct {
	text  string // as written, e.g. method_request_parameters['Id']
	name  string
	write bool // a plain assignment, which supplies the name rather than reads it
}

// lintScript reports a method script reading a parameter the method does not
// have: the seed page's note on Cyclr_Webhook_Id. Names the script assigns
// itself count as supplied.
func (l *linter) lintScript(at Location, m *Method) {
	if m.Script == "" {
		return
	}
	known := map[string]bool{}
	for _, p := range append(slices.Clone(l.c.Parameters), m.Parameters...) {
		known[p.TargetName] = true
	}
	lines := strings.Split(m.Script, "\n")
	for _, line := range lines {
		for _, a := range paramAccesses(line) {
			if a.write {
				known[a.name] = true
			}
		}
	}
	for n, line := range lines {
		for _, a := range paramAccesses(line) {
			if known[a.name] {
				continue
			}
			known[a.name] = true // once per name is enough
			lat := at
			lat.Line = n + 1
			l.add(SeverityError, "script-unknown-parameter", lat,
				"the script reads %s, but neither this method nor the connector has a parameter named %s, so it is undefined: add %s as a MergeField parameter on the Parameters tab",
				a.text, a.name, a.name)
		}
	}
}

// paramAccesses finds the uses of method_request_parameters in one line of
// script, skipping a line that is all comment.
func paramAccesses(line string) []paramAccess {
	if strings.HasPrefix(strings.TrimSpace(line), "//") {
		return nil
	}
	var out []paramAccess
	for _, m := range paramAccessRE.FindAllStringSubmatchIndex(line, -1) {
		if m[0] > 0 && isIdentByte(line[m[0]-1]) {
			continue // e.g. my_method_request_parameters
		}
		var name string
		for g := 1; g <= 3; g++ {
			if m[2*g] >= 0 {
				name = line[m[2*g]:m[2*g+1]]
			}
		}
		if name == "" {
			continue
		}
		rest := strings.TrimLeft(line[m[1]:], " \t")
		write := strings.HasPrefix(rest, "=") && !strings.HasPrefix(rest, "==")
		out = append(out, paramAccess{text: line[m[0]:m[1]], name: name, write: write})
	}
	return out
}

func isIdentByte(b byte) bool {
	return b == '_' || b == '$' || b == '.' ||
		(b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

// absoluteHTTP reports whether s is an absolute http or https URL.
func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != ""
}

// lintTokenURL checks an OAuth2 Token URL: its mergefields as an
// Endpoint's are checked, and, unless a mergefield begins it (as
// {{BaseUrl}} does), that it is an absolute http or https URL.
func (l *linter) lintTokenURL(at Location, text string) {
	before := len(l.out)
	l.checkTemplate(at, text, true, l.connSup, false)
	if len(l.out) > before || strings.HasPrefix(strings.TrimSpace(text), "{{") {
		return
	}
	toks, _ := ParseMergefields(text, true)
	var b strings.Builder
	for _, t := range toks {
		if t.IsMergefield() {
			b.WriteString("x")
		} else {
			b.WriteString(t.Literal)
		}
	}
	if !absoluteHTTP(b.String()) {
		l.add(SeverityError, "auth-token-url-invalid", at,
			"the Token URL %q is not an absolute http or https URL, such as https://api.example.com/oauth/token or {{BaseUrl}}/oauth/token", text)
	}
}
