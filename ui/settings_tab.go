package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// settingsTab is a method's Settings tab. A Webhook method shows the Create
// and Delete Webhook Method drop-downs where other methods have their HTTP
// Method, Endpoint and Data Type.
type settingsTab struct {
	ed *methodEditor

	name, description, category, endpoint *widget.Entry
	methodType, httpMethod, dataType      *widget.Select
	createWebhook, deleteWebhook          *widget.Select
	ignoreAuth, hide                      *widget.Check
	// hints show findings by the column Lint names them with.
	hints map[string]*widget.Label

	request, webhook *fyne.Container
	signature        signatureForm
	signatureBox     fyne.CanvasObject
	endpointRow      fyne.CanvasObject
}

// edits is what is kept of this method's editing while its connector is
// open (see methodEdits).
func (t *settingsTab) edits() *methodEdits { return t.ed.host.open.editsOf(t.ed.index) }

// webhookRef is a Webhook method's Create (create) or Delete Webhook
// Method, by the Webhook method's index.
type webhookRef struct {
	index  int
	create bool
}

func newSettingsTab(ed *methodEditor) *settingsTab {
	return &settingsTab{ed: ed, hints: map[string]*widget.Label{}}
}

func (t *settingsTab) buildUI() fyne.CanvasObject {
	m := t.ed.method()
	t.name = &widget.Entry{Text: m.Name, OnChanged: t.onNameChanged}
	t.category = &widget.Entry{Text: m.Category, PlaceHolder: "e.g. Orders", OnChanged: t.onCategoryChanged}
	t.description = &widget.Entry{Text: m.Description, MultiLine: true, Wrapping: fyne.TextWrapWord, OnChanged: t.onDescriptionChanged}
	t.description.SetMinRowsVisible(2)
	t.methodType = &widget.Select{Options: enumStrings(model.MethodTypes), Selected: string(m.MethodType), OnChanged: t.onMethodTypeChanged}
	t.httpMethod = &widget.Select{Options: model.HTTPMethods, Selected: m.HttpMethod, PlaceHolder: "(choose one)", OnChanged: t.onHTTPMethodChanged}
	t.dataType = &widget.Select{Options: enumStrings(model.BodyTypes), Selected: string(m.DataType), PlaceHolder: "(choose one)", OnChanged: t.onDataTypeChanged}
	t.endpoint = &widget.Entry{Text: m.Endpoint, PlaceHolder: "e.g. {{BaseUrl}}/orders", OnChanged: t.onEndpointChanged}
	t.createWebhook = &widget.Select{Selected: m.CreateWebhookMethod, PlaceHolder: "(choose a method)", OnChanged: t.onCreateWebhookChanged}
	t.deleteWebhook = &widget.Select{Selected: m.DeleteWebhookMethod, PlaceHolder: "(choose a method)", OnChanged: t.onDeleteWebhookChanged}
	t.ignoreAuth = &widget.Check{Text: "Ignore Authentication", Checked: m.IgnoreAuthentication, OnChanged: t.onIgnoreAuthChanged}
	t.hide = &widget.Check{Text: "Hide", Checked: m.Hide, OnChanged: t.onHideChanged}
	t.refreshWebhookChoices()

	f := func(label, column string, obj fyne.CanvasObject) fyne.CanvasObject {
		h := newHint()
		t.hints[column] = h
		return formField(label, obj, h)
	}
	// Method Type heads a row of three: HTTP Method and Data Type beside
	// it, or, on a Webhook, the Create and Delete Webhook Methods.
	methodType := f("Method Type", "Method Type", t.methodType)
	t.request = container.NewVBox(
		container.NewGridWithColumns(2, f("HTTP Method", "HTTP Method", t.httpMethod), f("Data Type", "Data Type", t.dataType)),
	)
	t.endpointRow = f("Endpoint", "Endpoint", t.endpoint)
	t.signature.ed = t.ed
	t.signatureBox = t.signature.buildUI(f)
	t.webhook = container.NewGridWithColumns(2,
		f("Create Webhook Method", "Create Webhook Method", t.createWebhook),
		f("Delete Webhook Method", "Delete Webhook Method", t.deleteWebhook),
	)
	form := container.NewVBox(
		container.NewGridWithColumns(2, f("Name", "Name", t.name), f("Category", "Category", t.category)),
		f("Description", "Description", t.description),
		container.New(&leadingFixed{width: t.typeWidth()}, methodType, container.NewStack(t.request, t.webhook)),
		t.endpointRow,
		container.NewHBox(t.ignoreAuth, t.hide),
		t.signatureBox,
	)
	t.showForType()
	return container.NewVScroll(container.NewPadded(form))
}

// leadingFixed lays two objects side by side: the first as wide as width,
// the second in the rest. Unlike a Border, it keeps them in the order Tab
// visits them.
type leadingFixed struct{ width float32 }

func (l *leadingFixed) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h, w := float32(0), l.width
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		h = max(h, o.MinSize().Height)
		if i > 0 {
			w += theme.Padding() + o.MinSize().Width
		}
	}
	return fyne.NewSize(w, h)
}

func (l *leadingFixed) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for i, o := range objs {
		w := l.width
		if i > 0 {
			w = size.Width - x
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + theme.Padding()
	}
}

// typeWidth is the Method Type drop-down's width: a third of a row.
func (t *settingsTab) typeWidth() float32 {
	return max(200, t.methodType.MinSize().Width+theme.Padding()*4)
}

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// showForType shows the Webhook drop-downs or the request settings.
func (t *settingsTab) showForType() {
	if t.ed.method().MethodType == model.MethodWebhook {
		t.request.Hide()
		t.endpointRow.Hide()
		t.webhook.Show()
		t.signatureBox.Show()
	} else {
		t.webhook.Hide()
		t.signatureBox.Hide()
		t.request.Show()
		t.endpointRow.Show()
	}
}

// refreshWebhookChoices lists the connector's other methods that are not
// Webhooks, the ones a Webhook may create and delete itself with.
func (t *settingsTab) refreshWebhookChoices() {
	if t.createWebhook == nil {
		return
	}
	var names []string
	for i, m := range t.ed.connector().Methods {
		if i != t.ed.index && m.MethodType != model.MethodWebhook && m.Name != "" {
			names = append(names, m.Name)
		}
	}
	t.createWebhook.Options = names
	t.deleteWebhook.Options = slices.Clone(names)
	t.createWebhook.Refresh()
	t.deleteWebhook.Refresh()
}

func (t *settingsTab) onNameChanged(s string) {
	m := t.ed.method()
	methods := t.ed.connector().Methods
	e := t.edits()
	was := m.Name
	field := func(r webhookRef) *string {
		if r.index >= len(methods) || methods[r.index].MethodType != model.MethodWebhook {
			return nil
		}
		if r.create {
			return &methods[r.index].CreateWebhookMethod
		}
		return &methods[r.index].DeleteWebhookMethod
	}
	// Those that still name this method follow; one pointed elsewhere
	// since is let go for good.
	refs := []webhookRef{}
	for _, r := range e.refs {
		if f := field(r); f != nil && *f == was {
			refs = append(refs, r)
		}
	}
	// Those that name it now join, unless the name is another method's
	// too (a name passed through on the way).
	taken := was == ""
	for i := range methods {
		taken = taken || (i != t.ed.index && methods[i].Name == was)
	}
	for i := range methods {
		for _, r := range []webhookRef{{i, true}, {i, false}} {
			if f := field(r); !taken && i != t.ed.index && f != nil && *f == was && !slices.Contains(refs, r) {
				refs = append(refs, r)
			}
		}
	}
	e.refs = refs
	m.Name = s
	for _, r := range refs {
		*field(r) = s
	}
	t.ed.changed()
}

func (t *settingsTab) onCategoryChanged(s string)    { t.ed.method().Category = s; t.ed.changed() }
func (t *settingsTab) onDescriptionChanged(s string) { t.ed.method().Description = s; t.ed.changed() }
func (t *settingsTab) onEndpointChanged(s string)    { t.ed.method().Endpoint = s; t.ed.changed() }
func (t *settingsTab) onIgnoreAuthChanged(on bool) {
	t.ed.method().IgnoreAuthentication = on
	t.ed.changed()
}
func (t *settingsTab) onHideChanged(on bool) { t.ed.method().Hide = on; t.ed.changed() }

func (t *settingsTab) onHTTPMethodChanged(s string) { t.ed.method().HttpMethod = s; t.ed.changed() }
func (t *settingsTab) onDataTypeChanged(s string) {
	t.ed.method().DataType = model.BodyType(s)
	t.ed.changed()
}

func (t *settingsTab) onCreateWebhookChanged(s string) {
	t.ed.method().CreateWebhookMethod = s
	t.ed.changed()
}

func (t *settingsTab) onDeleteWebhookChanged(s string) {
	t.ed.method().DeleteWebhookMethod = s
	t.ed.changed()
}

// onMethodTypeChanged switches between a Webhook's settings and a
// request's. What the new type does not use is set aside, not lost: it
// comes back if the type changes back while the connector is open.
func (t *settingsTab) onMethodTypeChanged(s string) {
	m := t.ed.method()
	stash := &t.edits().stash
	was := m.MethodType
	m.MethodType = model.MethodType(s)
	switch {
	case m.MethodType == model.MethodWebhook && was != model.MethodWebhook:
		stash.HttpMethod, stash.DataType, stash.Endpoint = m.HttpMethod, m.DataType, m.Endpoint
		m.HttpMethod, m.DataType, m.Endpoint = "", "", ""
		m.CreateWebhookMethod, m.DeleteWebhookMethod = stash.CreateWebhookMethod, stash.DeleteWebhookMethod
	case m.MethodType != model.MethodWebhook && was == model.MethodWebhook:
		stash.CreateWebhookMethod, stash.DeleteWebhookMethod = m.CreateWebhookMethod, m.DeleteWebhookMethod
		m.CreateWebhookMethod, m.DeleteWebhookMethod = "", ""
		m.HttpMethod, m.DataType, m.Endpoint = stash.HttpMethod, stash.DataType, stash.Endpoint
		if m.HttpMethod == "" {
			m.HttpMethod = "GET"
		}
		if m.DataType == "" {
			m.DataType = model.BodyJson
		}
	}
	t.loadRequestFields()
	t.refreshWebhookChoices()
	t.showForType()
	t.ed.methodTypeChanged()
	t.ed.changed()
}

// loadRequestFields shows the method's values in the fields a change of
// type set, without taking them for edits.
func (t *settingsTab) loadRequestFields() {
	m := t.ed.method()
	t.httpMethod.Selected = m.HttpMethod
	t.httpMethod.Refresh()
	t.dataType.Selected = string(m.DataType)
	t.dataType.Refresh()
	t.createWebhook.Selected = m.CreateWebhookMethod
	t.createWebhook.Refresh()
	t.deleteWebhook.Selected = m.DeleteWebhookMethod
	t.deleteWebhook.Refresh()
	if t.endpoint.Text != m.Endpoint {
		on := t.endpoint.OnChanged
		t.endpoint.OnChanged = nil
		t.endpoint.SetText(m.Endpoint)
		t.endpoint.OnChanged = on
	}
}

// showFindings shows each finding under its field.
func (t *settingsTab) showFindings(fs []model.Finding) {
	cols := byColumn(fs)
	for col, h := range t.hints {
		showHint(h, cols[col], nil)
	}
	markEntry(t.name, cols["Name"])
	markEntry(t.endpoint, cols["Endpoint"])
}

// fieldFor is the widget for a column Lint names.
func (t *settingsTab) fieldFor(column string) fyne.CanvasObject {
	switch column {
	case "Name":
		return t.name
	case "Method Type":
		return t.methodType
	case "HTTP Method":
		return t.httpMethod
	case "Data Type":
		return t.dataType
	case "Endpoint":
		return t.endpoint
	case "Create Webhook Method":
		return t.createWebhook
	case "Delete Webhook Method":
		return t.deleteWebhook
	}
	return t.name
}

func (t *settingsTab) focus(at model.Location) {
	focusObject(t.ed.host.win, t.fieldFor(at.Column))
}

func (t *settingsTab) focusName() { focusObject(t.ed.host.win, t.name) }
