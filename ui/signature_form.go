package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// The two places a signing secret may come from.
const (
	secretFromParameter = "A parameter or account value"
	secretFromResponse  = "A field of the create response"
)

// signatureForm is the part of a Webhook method's Settings that configures
// the verification of deliveries, without code: the header, the HMAC
// algorithm and encoding, a prefix, and where the secret comes from.
type signatureForm struct {
	ed *methodEditor

	verify              *widget.Check
	header, prefix      *widget.Entry
	algorithm, encoding *widget.Select
	secretFrom          *widget.RadioGroup
	secretName          *widget.Entry
	fields              *fyne.Container
}

// buildUI builds the form; field wraps each input with its label and the
// hint that shows its lint findings.
func (s *signatureForm) buildUI(field func(label, column string, obj fyne.CanvasObject) fyne.CanvasObject) fyne.CanvasObject {
	sig := s.ed.method().WebhookSignature
	s.verify = &widget.Check{Text: "Verify delivery signatures (an HMAC of the body in a header)", Checked: !sig.IsZero(), OnChanged: s.onVerify}
	s.header = &widget.Entry{Text: sig.Header, PlaceHolder: "X-Webhook-Signature", OnChanged: s.onChanged}
	s.prefix = &widget.Entry{Text: sig.Prefix, PlaceHolder: "optional, e.g. sha256=", OnChanged: s.onChanged}
	s.algorithm = &widget.Select{Options: model.SignatureAlgorithms, Selected: sig.Algorithm, PlaceHolder: "(choose one)", OnChanged: s.onSelect}
	s.encoding = &widget.Select{Options: model.SignatureEncodings, Selected: sig.Encoding, PlaceHolder: "(choose one)", OnChanged: s.onSelect}
	s.secretName = &widget.Entry{OnChanged: s.onChanged}
	s.secretFrom = &widget.RadioGroup{Options: []string{secretFromParameter, secretFromResponse}, Horizontal: true, OnChanged: s.onSelect}
	if sig.SecretResponseField != "" {
		s.secretFrom.Selected, s.secretName.Text = secretFromResponse, sig.SecretResponseField
	} else {
		s.secretFrom.Selected, s.secretName.Text = secretFromParameter, sig.SecretParameter
	}
	s.secretName.PlaceHolder = "the Target Name, e.g. SigningSecret, or the System Field"
	s.fields = container.NewVBox(
		container.NewGridWithColumns(2,
			field("Signature header", "Signature Header", s.header),
			field("Prefix", "Signature Prefix", s.prefix)),
		container.NewGridWithColumns(2,
			field("HMAC algorithm", "Signature Algorithm", s.algorithm),
			field("Encoding", "Signature Encoding", s.encoding)),
		field("The secret comes from", "Signature Source", s.secretFrom),
		field("Secret", "Signature Secret", s.secretName),
	)
	if sig.IsZero() {
		s.fields.Hide()
	}
	return container.NewVBox(widget.NewSeparator(), s.verify, s.fields)
}

func (s *signatureForm) onVerify(on bool) {
	if on {
		s.fields.Show()
		if s.algorithm.Selected == "" {
			s.algorithm.SetSelected("sha256") // the common choice; each also calls onChanged
		}
		if s.encoding.Selected == "" {
			s.encoding.SetSelected("hex")
		}
	} else {
		s.fields.Hide()
	}
	s.onChanged("")
}

func (s *signatureForm) onSelect(string) { s.onChanged("") }

// onChanged writes the form into the method.
func (s *signatureForm) onChanged(string) {
	if s.fields == nil {
		return // still building
	}
	m := s.ed.method()
	if !s.verify.Checked {
		m.WebhookSignature = model.SignatureCheck{}
		s.ed.changed()
		return
	}
	sig := model.SignatureCheck{Header: s.header.Text, Prefix: s.prefix.Text, Algorithm: s.algorithm.Selected, Encoding: s.encoding.Selected}
	if s.secretFrom.Selected == secretFromResponse {
		sig.SecretResponseField = s.secretName.Text
	} else {
		sig.SecretParameter = s.secretName.Text
	}
	m.WebhookSignature = sig
	s.ed.changed()
}
