// Package assets holds what Patchbay embeds: the icon and the bundled example
// connector with the account values that make its first test run work.
package assets

import _ "embed"

// Icon is the application icon, 256×256 PNG.
//
//go:embed icon.png
var Icon []byte

// ExampleConnector is the bundled example connector as an export document:
// the docs' webhookexample.com API, which `patchbay sandbox` serves locally.
//
//go:embed webhook-example.json
var ExampleConnector []byte

// ExampleAccountValues are the account values a new database gets for the
// example connector: the sandbox's address, API key and signing secret.
var ExampleAccountValues = map[string]string{
	"BaseUrl":           "http://127.0.0.1:8787",
	"Cyclr_Auth_ApiKey": "sandbox-key",
	"SigningSecret":     "sandbox-signing-secret",
}
