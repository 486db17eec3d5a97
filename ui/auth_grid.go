package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// authColumns are the Authentication grid's columns. An ApiKey goes in the
// header named by Api Key Header, or in the query string under Api Key
// Query Parameter; an OAuth2 access token is got at the Token URL, for the
// Scope.
var authColumns = []column{
	{title: "Auth Name", min: 130, weight: 2},
	{title: "Auth Type", min: 120},
	{title: "Api Key Header", min: 130, weight: 2},
	{title: "Api Key Query Parameter", min: 130, weight: 2},
	{title: "Token URL", min: 180, weight: 3},
	{title: "Scope", min: 110, weight: 2},
	{title: "Default"},
}

// authGrid edits the connector's authentication methods.
type authGrid struct {
	ed       *connectorEditor
	view     *gridView
	rows     []*authRow
	findings []model.Finding
}

type authRow struct {
	name, header, query *widget.Entry
	tokenURL, scope     *widget.Entry
	authType            *widget.Select
	isDefault           *widget.Check
	hint                *widget.Label
}

func newAuthGrid(ed *connectorEditor) *authGrid {
	g := &authGrid{ed: ed}
	buttons := newGridButtons("Add Authentication", "Delete Selected", g.onAdd, g.onDeleteSelected, g.onMoveUp, g.onMoveDown)
	g.view = newGridView(authColumns, "No authentication: the API is called without credentials. Add one for an API key, Basic or OAuth2.", buttons)
	return g
}

func (g *authGrid) auths() *[]model.Authentication { return &g.ed.conn().Authentication }

func (g *authGrid) buildUI() fyne.CanvasObject {
	g.reload()
	return g.view.buildUI()
}

func (g *authGrid) reload() {
	as := *g.auths()
	g.rows = nil
	g.view.beginRows(len(as))
	var objs []fyne.CanvasObject
	for i, a := range as {
		r := g.newRow(i, a)
		g.rows = append(g.rows, r)
		objs = append(objs, g.view.row(i, r.hint, r.name, r.authType, r.header, r.query, r.tokenURL, r.scope, r.isDefault))
	}
	g.view.setRows(objs)
	g.showFindings(g.findings)
}

func (g *authGrid) newRow(i int, a model.Authentication) *authRow {
	edit := func(set func(*model.Authentication)) {
		set(&(*g.auths())[i])
		g.ed.changed()
	}
	text := func(v, placeholder string, set func(*model.Authentication, string)) *widget.Entry {
		return &widget.Entry{Text: v, PlaceHolder: placeholder, OnChanged: func(s string) {
			edit(func(a *model.Authentication) { set(a, s) })
		}}
	}
	r := &authRow{
		name:      text(a.AuthName, "e.g. API Key", func(a *model.Authentication, s string) { a.AuthName = s }),
		authType:  &widget.Select{Options: enumStrings(model.AuthTypes), Selected: string(a.AuthType)},
		header:    text(a.ApiKeyHeader, "", func(a *model.Authentication, s string) { a.ApiKeyHeader = s }),
		query:     text(a.ApiKeyQueryParameter, "", func(a *model.Authentication, s string) { a.ApiKeyQueryParameter = s }),
		tokenURL:  text(a.TokenUrl, "", func(a *model.Authentication, s string) { a.TokenUrl = s }),
		scope:     text(a.Scope, "", func(a *model.Authentication, s string) { a.Scope = s }),
		isDefault: &widget.Check{Checked: a.IsDefault, OnChanged: func(on bool) { g.onDefault(i, on) }},
		hint:      newHint(),
	}
	r.placeholders(a.AuthType)
	r.authType.OnChanged = func(s string) {
		edit(func(a *model.Authentication) { a.AuthType = model.AuthType(s) })
		r.placeholders(model.AuthType(s))
	}
	return r
}

// placeholders shows, in the empty cells of a row, an example of what the
// authentication type uses, and in those it does not use which type does:
// an example Token URL on an ApiKey row would pass for a value.
func (r *authRow) placeholders(t model.AuthType) {
	set := func(e *widget.Entry, forType model.AuthType, example string) {
		if t != forType {
			example = string(forType) + " only"
		}
		if e.PlaceHolder != example {
			e.PlaceHolder = example
			e.Refresh()
		}
	}
	// "e.g.": a grey example that reads as a value would seem filled in.
	set(r.header, model.AuthApiKey, "e.g. X-Api-Key")
	set(r.query, model.AuthApiKey, "e.g. api_key")
	set(r.tokenURL, model.AuthOAuth2, "e.g. {{BaseUrl}}/oauth/token")
	set(r.scope, model.AuthOAuth2, "optional")
}

// onDefault marks one authentication the default, and only that one.
func (g *authGrid) onDefault(i int, on bool) {
	as := *g.auths()
	for j := range as {
		as[j].IsDefault = on && j == i
	}
	for j, r := range g.rows {
		if r.isDefault.Checked != as[j].IsDefault {
			r.isDefault.Checked = as[j].IsDefault
			r.isDefault.Refresh()
		}
	}
	g.ed.changed()
}

func (g *authGrid) onAdd() {
	as := g.auths()
	*as = append(*as, model.Authentication{AuthType: model.AuthApiKey, IsDefault: len(*as) == 0})
	g.reload()
	g.ed.changed()
	focusObject(g.ed.host.win, g.rows[len(g.rows)-1].name)
}

func (g *authGrid) onDeleteSelected() {
	as := g.auths()
	*as = deleteSelected(*as, g.view.sel)
	g.reload()
	g.ed.changed()
}

func (g *authGrid) onMoveUp()   { g.move(true) }
func (g *authGrid) onMoveDown() { g.move(false) }

func (g *authGrid) move(up bool) {
	if moveSelected(*g.auths(), g.view.sel, up) {
		g.reload()
		g.ed.changed()
	}
}

func (g *authGrid) showFindings(fs []model.Finding) {
	g.findings = fs
	showRowFindings(g.view, fs, g.rows)
}

func (g *authGrid) focus(at model.Location) { focusRowCell(g.view, g.ed.host.win, at, g.rows) }

func (r *authRow) rowHint() *widget.Label { return r.hint }

func (r *authRow) cells() (fyne.CanvasObject, map[string]fyne.CanvasObject) {
	return r.name, map[string]fyne.CanvasObject{
		"Auth Name": r.name, "Auth Type": r.authType, "Api Key Header": r.header,
		"Api Key Query Parameter": r.query, "Token URL": r.tokenURL, "Scope": r.scope, "Default": r.isDefault,
	}
}
