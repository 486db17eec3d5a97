package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestSignatureForm(t *testing.T) {
	m, _ := exampleWindow(t)
	ed := openMethod(t, m, "New Order")
	s := &ed.settings.signature
	if !s.verify.Checked || s.header.Text != "X-Webhook-Signature" || s.algorithm.Selected != "sha256" ||
		s.secretFrom.Selected != secretFromParameter || s.secretName.Text != "SigningSecret" {
		t.Fatalf("the example's signature check is not shown: verify=%t header=%q algorithm=%q from=%q secret=%q",
			s.verify.Checked, s.header.Text, s.algorithm.Selected, s.secretFrom.Selected, s.secretName.Text)
	}

	retype(s.secretName, "HookSecret")
	if got := findings(m, "signature-secret-unknown"); len(got) != 1 {
		t.Errorf("no finding for an unknown secret parameter: %v", m.problems.findings)
	}
	s.secretFrom.SetSelected(secretFromResponse)
	if got := ed.method().WebhookSignature; got.SecretResponseField != "HookSecret" || got.SecretParameter != "" {
		t.Errorf("secret from the response: %+v", got)
	}

	test.Tap(s.verify) // off
	if !ed.method().WebhookSignature.IsZero() || s.fields.Visible() {
		t.Errorf("unchecking left %+v", ed.method().WebhookSignature)
	}
	test.Tap(s.verify) // on again: the common defaults
	if got := ed.method().WebhookSignature; got.Algorithm != "sha256" || got.Encoding != "hex" {
		t.Errorf("defaults %+v", got)
	}

	// An Action has no signature check to show.
	ed = openMethod(t, m, "Create Order")
	if ed.settings.signatureBox.Visible() {
		t.Error("an Action shows the signature check")
	}
}
