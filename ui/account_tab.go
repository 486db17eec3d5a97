package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// accountTab edits the account values a test run uses: the credentials of
// the connector's authentication and the values of its Account Connector
// Properties. They are kept in the database, never exported; secrets are
// masked, with a toggle to reveal them.
type accountTab struct {
	ed *connectorEditor
	// holder holds the form, which reload builds anew: a widget.Form does
	// not take new widgets for items it has shown.
	holder  *fyne.Container
	form    *widget.Form
	entries map[string]*widget.Entry
	// quiet is set while showValues puts values from the store in the
	// entries: no edit of the author's.
	quiet bool
}

func newAccountTab(ed *connectorEditor) *accountTab {
	return &accountTab{ed: ed, entries: map[string]*widget.Entry{}}
}

func (t *accountTab) buildUI() fyne.CanvasObject {
	t.holder = container.NewStack()
	t.reload()
	note := &widget.Label{
		Text: "The values a test run uses in place of an installing account's: credentials for the default " +
			"authentication and each Account Connector Property. They stay in this database and are never exported. " +
			"They are saved with the connector.",
		Importance: widget.LowImportance,
		Wrapping:   fyne.TextWrapWord,
	}
	return container.NewVScroll(container.NewPadded(container.NewVBox(note, t.holder)))
}

// accountKey is one account value the tab offers; unused when the
// connector no longer uses it.
type accountKey struct {
	key, label string
	// placeholder says what an empty value leaves in use: a parameter's
	// own value.
	placeholder string
	unused      bool
}

// keys lists the account values the connector uses, then any others stored.
func (t *accountTab) keys() []accountKey {
	c := t.ed.conn()
	var out []accountKey
	seen := map[string]bool{}
	add := func(key, label string) bool {
		if key == "" || seen[key] {
			return false
		}
		seen[key] = true
		out = append(out, accountKey{key: key, label: label})
		return true
	}
	for _, a := range c.Authentication {
		name := "'" + a.AuthName + "'"
		if strings.TrimSpace(a.AuthName) == "" {
			name = "connector's" // "The key the connector's authentication sends."
		}
		switch a.AuthType {
		case model.AuthApiKey:
			add(model.SystemFieldAuthAPIKey, "The key the "+name+" authentication sends.")
		case model.AuthOAuth2:
			if a.TokenUrl != "" {
				add(model.SystemFieldAuthClientID, "The client id the "+name+" authentication gets an access token with.")
				add(model.SystemFieldAuthClientSecret, "The client secret the "+name+" authentication gets an access token with.")
				add(model.SystemFieldAuthRefreshToken, "A refresh token for the "+name+" authentication, from signing in at the API's site: a run trades it for an access token, and keeps a new one the API gives.")
				add(model.SystemFieldAuthAPIKey, "An access token the "+name+" authentication sends; leave it empty to get one at its Token URL, with the refresh token or else the client id and secret.")
			} else {
				add(model.SystemFieldAuthAPIKey, "The access token the "+name+" authentication sends.")
			}
		case model.AuthBasic:
			add(model.SystemFieldAuthUsername, "The username of the "+name+" authentication.")
			add(model.SystemFieldAuthPassword, "The password of the "+name+" authentication.")
		}
	}
	for _, p := range c.Parameters {
		if p.IsAccountConnectorProperty || p.IsSensitive {
			label := p.DisplayName
			switch {
			case label == "" && p.IsAccountConnectorProperty:
				label = "An Account Connector Property"
			case label == "":
				label = "A Sensitive parameter"
			}
			if p.Description != "" {
				label += ": " + p.Description
			}
			if add(p.TargetName, label) && p.Value() != "" {
				// Empty, the run uses the parameter's own value.
				out[len(out)-1].placeholder = "empty: the parameter's value, " + p.Value()
				if c.IsSecretValue(p.TargetName) {
					out[len(out)-1].placeholder = "empty: the parameter's value (a secret)"
				}
			}
		}
	}
	var rest []string
	for k := range t.ed.host.open.account {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		add(k, k+" (not used by the connector)")
		out[len(out)-1].unused = true
	}
	return out
}

// reload builds an entry for every account value the connector uses.
func (t *accountTab) reload() {
	o := t.ed.host.open
	c := t.ed.conn()
	t.form = &widget.Form{}
	t.entries = map[string]*widget.Entry{}
	for _, k := range t.keys() {
		e := &widget.Entry{
			Text:        o.account[k.key],
			PlaceHolder: k.placeholder,
			// A value no parameter explains any more may be a secret whose
			// parameter was deleted: hidden until asked for.
			Password:  k.unused || c.IsSecretValue(k.key),
			OnChanged: func(s string) { t.onValueChanged(k.key, s) },
		}
		t.entries[k.key] = e
		t.form.Items = append(t.form.Items, &widget.FormItem{Text: k.key, Widget: e, HintText: k.label})
	}
	if len(t.form.Items) == 0 {
		t.form.Items = append(t.form.Items, &widget.FormItem{Text: "", Widget: &widget.Label{
			Text:       "This connector needs no account values: add an Authentication, or a parameter marked Account Connector Property.",
			Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord,
		}})
	}
	t.holder.Objects = []fyne.CanvasObject{t.form}
	t.holder.Refresh()
}

// showValues shows the values of keys as the open connector has them
// now, taken from the store (set by another Patchbay); they are no edit.
func (t *accountTab) showValues(keys []string) {
	t.quiet = true
	defer func() { t.quiet = false }()
	for _, k := range keys {
		if e := t.entries[k]; e != nil {
			e.SetText(t.ed.host.open.account[k])
		}
	}
}

func (t *accountTab) onValueChanged(key, value string) {
	if t.quiet {
		return
	}
	o := t.ed.host.open
	if value == "" {
		delete(o.account, key)
	} else {
		o.account[key] = value
	}
	t.ed.host.changed()
}
