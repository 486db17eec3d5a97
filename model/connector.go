// Package model holds Patchbay's domain: connectors, their methods, fields,
// parameters and scripts, in the vocabulary of Cyclr's connector builder;
// the checks that find mistakes in them (lint); the export document; and the
// interfaces through which the rest of Patchbay stores them.
//
// It stands on the standard library alone: no window, no SQL, no JavaScript.
package model

import "slices"

// System fields and mergefields that Patchbay supplies itself.
const (
	// SystemFieldWebhookID is the Response Format System Field of a Create
	// Webhook Method that captures the new webhook's id, and the mergefield
	// through which the Delete Webhook Method reads it.
	SystemFieldWebhookID = "Cyclr_Webhook_Id"
	// SystemFieldWebhookURL is the mergefield holding the URL the external
	// API must deliver to.
	SystemFieldWebhookURL = "Cyclr_Webhook_Url"
	// SystemFieldAuthAPIKey is the mergefield holding the account's API key.
	SystemFieldAuthAPIKey = "Cyclr_Auth_ApiKey"
	// SystemFieldAuthUsername is the mergefield holding the Basic auth username.
	SystemFieldAuthUsername = "Cyclr_Auth_Username"
	// SystemFieldAuthPassword is the mergefield holding the Basic auth password.
	SystemFieldAuthPassword = "Cyclr_Auth_Password"
	// SystemFieldAuthClientID and SystemFieldAuthClientSecret hold an
	// OAuth2 authentication's client credentials, with which a test run
	// gets an access token from its Token URL.
	SystemFieldAuthClientID     = "Cyclr_Auth_ClientId"
	SystemFieldAuthClientSecret = "Cyclr_Auth_ClientSecret"
	// SystemFieldAuthRefreshToken holds an OAuth2 refresh token, got by
	// signing in at the API's site: with it, a test run gets a fresh
	// access token from the Token URL (the refresh token grant).
	SystemFieldAuthRefreshToken = "Cyclr_Auth_RefreshToken"
)

// SystemFields lists every mergefield Patchbay supplies itself, in the order
// the window shows them.
var SystemFields = []string{
	SystemFieldWebhookID, SystemFieldWebhookURL,
	SystemFieldAuthAPIKey, SystemFieldAuthUsername, SystemFieldAuthPassword,
	SystemFieldAuthClientID, SystemFieldAuthClientSecret, SystemFieldAuthRefreshToken,
}

// AuthValueKeys are the account values that hold credentials. They are
// secrets: masked on screen and never exported.
var AuthValueKeys = []string{SystemFieldAuthAPIKey, SystemFieldAuthUsername, SystemFieldAuthPassword,
	SystemFieldAuthClientID, SystemFieldAuthClientSecret, SystemFieldAuthRefreshToken}

// Connector is one API connector: how to authenticate, its connector-level
// parameters and script, and its methods.
type Connector struct {
	// ID is the store's key; zero for a connector not yet saved.
	ID             int64            `json:"-"`
	Name           string           `json:"Name"`
	Description    string           `json:"Description,omitempty"`
	ApiVersion     string           `json:"ApiVersion,omitempty"`
	Authentication []Authentication `json:"Authentication,omitempty"`
	Parameters     []Parameter      `json:"Parameters,omitempty"`
	Script         string           `json:"Script,omitempty"`
	// RateLimit is how many requests a second the API takes from this
	// connector, such as 2 or 0.5 (one every two seconds); 0 for no limit.
	RateLimit float64  `json:"RateLimit,omitempty"`
	Methods   []Method `json:"Methods,omitempty"`
}

// AuthType says how a connector authenticates.
type AuthType string

// The authentication types.
const (
	AuthNone   AuthType = "None"
	AuthApiKey AuthType = "ApiKey"
	AuthBasic  AuthType = "Basic"
	AuthOAuth2 AuthType = "OAuth2"
)

// AuthTypes lists the authentication types in the order the window offers them.
var AuthTypes = []AuthType{AuthNone, AuthApiKey, AuthBasic, AuthOAuth2}

// Authentication is one way of signing in to the API.
type Authentication struct {
	AuthName string   `json:"AuthName"`
	AuthType AuthType `json:"AuthType"`
	// ApiKeyHeader names the header an ApiKey is sent in.
	ApiKeyHeader string `json:"ApiKeyHeader,omitempty"`
	// ApiKeyQueryParameter names the query-string parameter an ApiKey is sent
	// in, for APIs that want it in the URL rather than a header.
	ApiKeyQueryParameter string `json:"ApiKeyQueryParameter,omitempty"`
	// TokenUrl is an OAuth2 authentication's token endpoint, which may
	// hold mergefields ({{BaseUrl}}/oauth/token). A test run with the
	// client id and secret in the account values, and no access token,
	// gets one there with the client credentials grant.
	TokenUrl string `json:"TokenUrl,omitempty"`
	// Scope is asked for with the access token, if set ("orders webhooks").
	Scope     string `json:"Scope,omitempty"`
	IsDefault bool   `json:"IsDefault,omitempty"`
}

// MethodType says what kind of method a Method is.
type MethodType string

// The method types.
const (
	MethodAction  MethodType = "Action"
	MethodWebhook MethodType = "Webhook"
	MethodScript  MethodType = "Script"
)

// MethodTypes lists the method types in the order the window offers them.
var MethodTypes = []MethodType{MethodAction, MethodWebhook, MethodScript}

// HTTPMethods lists the HTTP methods a method may use.
var HTTPMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// BodyType is a method's Data Type: how its request body is encoded.
type BodyType string

// The body data types.
const (
	BodyJson      BodyType = "Json"
	BodyForm      BodyType = "Form"
	BodyXml       BodyType = "Xml"
	BodyPlainText BodyType = "PlainText"
)

// BodyTypes lists the body data types in the order the window offers them.
var BodyTypes = []BodyType{BodyJson, BodyForm, BodyXml, BodyPlainText}

// Method is one operation of a connector: an HTTP call (Action), a webhook
// trigger tying a Create and a Delete Webhook Method together (Webhook), or
// script alone (Script).
type Method struct {
	// ID is the store's key for the method, kept from save to save so
	// that a rename is known as one; zero for a method not yet saved. A
	// copy of a method is a new method: clear it.
	ID                   int64      `json:"-"`
	Name                 string     `json:"Name"`
	Description          string     `json:"Description,omitempty"`
	Category             string     `json:"Category,omitempty"`
	MethodType           MethodType `json:"MethodType"`
	HttpMethod           string     `json:"HttpMethod,omitempty"`
	DataType             BodyType   `json:"DataType,omitempty"`
	Endpoint             string     `json:"Endpoint,omitempty"`
	IgnoreAuthentication bool       `json:"IgnoreAuthentication,omitempty"`
	Hide                 bool       `json:"Hide,omitempty"`
	// CreateWebhookMethod and DeleteWebhookMethod name, on a Webhook method,
	// the Action methods that register and remove the webhook.
	CreateWebhookMethod string `json:"CreateWebhookMethod,omitempty"`
	DeleteWebhookMethod string `json:"DeleteWebhookMethod,omitempty"`
	// WebhookSignature, on a Webhook method, says how to verify that a
	// delivery comes from the API; zero for no check.
	WebhookSignature SignatureCheck `json:"WebhookSignature,omitzero"`
	RequestFormat    Format         `json:"RequestFormat,omitzero"`
	ResponseFormat   Format         `json:"ResponseFormat,omitzero"`
	Parameters       []Parameter    `json:"Parameters,omitempty"`
	Script           string         `json:"Script,omitempty"`
	// RateLimit overrides the connector's RateLimit for this method's
	// requests; 0 to use the connector's.
	RateLimit float64 `json:"RateLimit,omitempty"`
}

// EffectiveRateLimit is the rate limit m's requests keep to: its own, or
// else the connector's; 0 for none.
func (c *Connector) EffectiveRateLimit(m *Method) float64 {
	if m != nil && m.RateLimit > 0 {
		return m.RateLimit
	}
	return c.RateLimit
}

// SignatureCheck configures the verification of webhook deliveries: the
// delivery's header must hold the HMAC of its raw body under a secret.
type SignatureCheck struct {
	// Header names the delivery header holding the signature, e.g.
	// X-Webhook-Signature.
	Header string `json:"Header,omitempty"`
	// Algorithm is the HMAC hash: sha1, sha256 or sha512.
	Algorithm string `json:"Algorithm,omitempty"`
	// Encoding is how the signature is written: hex or base64.
	Encoding string `json:"Encoding,omitempty"`
	// Prefix is text before the signature in the header, such as "sha256=".
	Prefix string `json:"Prefix,omitempty"`
	// SecretParameter names the parameter or account value holding the
	// secret (its Target Name, without braces).
	SecretParameter string `json:"SecretParameter,omitempty"`
	// SecretResponseField names instead a System Field of the Create
	// Webhook Method's Response Format: APIs that hand out a secret per
	// webhook return it there.
	SecretResponseField string `json:"SecretResponseField,omitempty"`
}

// IsZero reports whether no check is configured.
func (s SignatureCheck) IsZero() bool { return s == SignatureCheck{} }

// SignatureAlgorithms and SignatureEncodings list what a SignatureCheck may use.
var (
	SignatureAlgorithms = []string{"sha1", "sha256", "sha512"}
	SignatureEncodings  = []string{"hex", "base64"}
)

// Format is a Request Format or Response Format grid.
type Format struct {
	Fields []Field `json:"Fields"`
}

// IsZero reports whether the grid has no fields, so that exports leave it out.
func (f Format) IsZero() bool { return len(f.Fields) == 0 }

// FieldType is a field's Data Type.
type FieldType string

// The field data types.
const (
	FieldText     FieldType = "Text"
	FieldInteger  FieldType = "Integer"
	FieldFloat    FieldType = "Float"
	FieldDecimal  FieldType = "Decimal"
	FieldBoolean  FieldType = "Boolean"
	FieldDateTime FieldType = "DateTime"
	FieldObject   FieldType = "Object"
	FieldList     FieldType = "List"
)

// FieldTypes lists the field data types in the order the window offers them.
var FieldTypes = []FieldType{FieldText, FieldInteger, FieldFloat, FieldDecimal, FieldBoolean, FieldDateTime, FieldObject, FieldList}

// Field is one row of a Request Format or Response Format grid: where a value
// sits in the body (ConnectorField, in Cyclr path notation) and the name it
// maps to (SystemField).
type Field struct {
	ConnectorField string    `json:"ConnectorField"`
	SystemField    string    `json:"SystemField,omitempty"`
	DisplayName    string    `json:"DisplayName,omitempty"`
	Description    string    `json:"Description,omitempty"`
	DataType       FieldType `json:"DataType"`
	IsHidden       bool      `json:"IsHidden,omitempty"`
	IsOptional     bool      `json:"IsOptional,omitempty"`
	DefaultValue   string    `json:"DefaultValue,omitempty"`
}

// TargetType says where a parameter's value goes.
type TargetType string

// The parameter target types.
const (
	TargetMergeField  TargetType = "MergeField"
	TargetQueryString TargetType = "QueryString"
	TargetHttpHeader  TargetType = "HttpHeader"
)

// TargetTypes lists the parameter target types in the order the window offers them.
var TargetTypes = []TargetType{TargetMergeField, TargetQueryString, TargetHttpHeader}

// Parameter is one row of a Parameters grid, on a method or the connector.
type Parameter struct {
	TargetType TargetType `json:"TargetType"`
	// TargetName is the mergefield name (without braces), query-string key
	// or header name.
	TargetName  string `json:"TargetName"`
	DisplayName string `json:"DisplayName,omitempty"`
	Description string `json:"Description,omitempty"`
	IsHidden    bool   `json:"IsHidden,omitempty"`
	IsOptional  bool   `json:"IsOptional,omitempty"`
	// IsSensitive marks a secret: masked on screen, left out of exports.
	IsSensitive bool `json:"IsSensitive,omitempty"`
	// IsAccountConnectorProperty marks a value the installing account
	// supplies, such as a subdomain; a test run takes it from the account values.
	IsAccountConnectorProperty bool `json:"IsAccountConnectorProperty,omitempty"`
	IsMultiline                bool `json:"IsMultiline,omitempty"`
	// Values are the parameter's value (the first) or the choices offered.
	Values []string `json:"Values,omitempty"`
}

// Value is the parameter's value: its first Value, or "".
func (p Parameter) Value() string {
	if len(p.Values) == 0 {
		return ""
	}
	return p.Values[0]
}

// Method returns the method with the given name, or nil.
func (c *Connector) Method(name string) *Method {
	for i := range c.Methods {
		if c.Methods[i].Name == name {
			return &c.Methods[i]
		}
	}
	return nil
}

// IsSecretValue reports whether the account value (or run input) with this
// key is a secret: an auth value, the value of a Sensitive parameter (of the
// connector or of any method), or the secret a Webhook method checks
// signatures with.
func (c *Connector) IsSecretValue(key string) bool {
	if slices.Contains(AuthValueKeys, key) {
		return true
	}
	sensitive := func(ps []Parameter) bool {
		for i := range ps {
			if ps[i].TargetName == key && ps[i].IsSensitive {
				return true
			}
		}
		return false
	}
	if sensitive(c.Parameters) {
		return true
	}
	for i := range c.Methods {
		m := &c.Methods[i]
		if sensitive(m.Parameters) || (m.WebhookSignature.SecretParameter == key && key != "") {
			return true
		}
	}
	return false
}

// SignatureSecrets are the names of the parameters or account values that
// Webhook methods check signatures with: secrets whether or not a
// parameter of that name is marked Sensitive.
func (c *Connector) SignatureSecrets() map[string]bool {
	var out map[string]bool
	for i := range c.Methods {
		if name := c.Methods[i].WebhookSignature.SecretParameter; name != "" {
			if out == nil {
				out = map[string]bool{}
			}
			out[name] = true
		}
	}
	return out
}

// DefaultAuthentication returns the authentication marked default, else the
// first, else nil.
func (c *Connector) DefaultAuthentication() *Authentication {
	for i := range c.Authentication {
		if c.Authentication[i].IsDefault {
			return &c.Authentication[i]
		}
	}
	if len(c.Authentication) > 0 {
		return &c.Authentication[0]
	}
	return nil
}

// Clone returns a deep copy, so that an editor can change it freely.
func (c *Connector) Clone() *Connector {
	out := *c
	out.Authentication = append([]Authentication(nil), c.Authentication...)
	out.Parameters = cloneParameters(c.Parameters)
	out.Methods = make([]Method, len(c.Methods))
	for i, m := range c.Methods {
		m.RequestFormat.Fields = append([]Field(nil), m.RequestFormat.Fields...)
		m.ResponseFormat.Fields = append([]Field(nil), m.ResponseFormat.Fields...)
		m.Parameters = cloneParameters(m.Parameters)
		out.Methods[i] = m
	}
	if c.Methods == nil {
		out.Methods = nil
	}
	return &out
}

func cloneParameters(ps []Parameter) []Parameter {
	if ps == nil {
		return nil
	}
	out := make([]Parameter, len(ps))
	for i, p := range ps {
		p.Values = append([]string(nil), p.Values...)
		out[i] = p
	}
	return out
}
