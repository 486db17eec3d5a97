package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"patchbay/model"
)

// fieldsTab is a method's Field Mappings tab: the Request Format and
// Response Format grids. A Webhook method has only a Request Format: the
// fields of the payload the API posts to it.
type fieldsTab struct {
	ed                *methodEditor
	request, response *fieldGrid

	grids                     *container.AppTabs
	requestItem, responseItem *container.TabItem
	webhookNote               *widget.Label
}

func newFieldsTab(ed *methodEditor) *fieldsTab {
	return &fieldsTab{
		ed:       ed,
		request:  newFieldGrid(ed, model.GridRequest),
		response: newFieldGrid(ed, model.GridResponse),
	}
}

func (t *fieldsTab) buildUI() fyne.CanvasObject {
	// As the method editor's tabs: made before the grids go in, so that
	// each grid is drawn once and the hidden one not again (tabContent).
	request, response := newTabContent(), newTabContent()
	t.requestItem = container.NewTabItem(model.GridRequest, request)
	t.responseItem = container.NewTabItem(model.GridResponse, response)
	t.grids = container.NewAppTabs(t.requestItem, t.responseItem)
	request.setContent(t.request.buildUI())
	response.setContent(t.response.buildUI())
	t.webhookNote = &widget.Label{
		Text:       "A Webhook method has only a Request Format: the fields of the payload the API posts to the webhook.",
		Importance: widget.LowImportance,
		Wrapping:   fyne.TextWrapWord,
	}
	t.setWebhook(t.ed.method().MethodType == model.MethodWebhook)
	return container.NewBorder(t.webhookNote, nil, nil, nil, t.grids)
}

// setWebhook shows only the Request Format for a Webhook method, unless
// its Response Format still has rows (it had them as an Action): they are
// kept and checked, so they must stay in reach.
func (t *fieldsTab) setWebhook(webhook bool) {
	has := len(t.grids.Items) == 2
	show := !webhook || len(t.ed.method().ResponseFormat.Fields) > 0
	switch {
	case !show && has:
		t.grids.Remove(t.responseItem)
	case show && !has:
		t.grids.Append(t.responseItem)
	}
	switch {
	case webhook && show:
		t.webhookNote.SetText("A Webhook method has only a Request Format: the fields of the payload the API posts to the webhook. " +
			"Its Response Format rows are kept but never used: delete them.")
		t.webhookNote.Show()
	case webhook:
		t.webhookNote.SetText("A Webhook method has only a Request Format: the fields of the payload the API posts to the webhook.")
		t.webhookNote.Show()
	default:
		t.webhookNote.Hide()
	}
}

func (t *fieldsTab) grid(name string) *fieldGrid {
	if name == model.GridResponse {
		return t.response
	}
	return t.request
}

func (t *fieldsTab) showFindings(fs []model.Finding) {
	t.request.showFindings(inTab(fs, model.TabFieldMappings, model.GridRequest))
	t.response.showFindings(inTab(fs, model.TabFieldMappings, model.GridResponse))
	changed := setTabIcon(t.requestItem, findingsIcon(t.request.findings))
	changed = setTabIcon(t.responseItem, findingsIcon(t.response.findings)) || changed
	if changed {
		t.grids.Refresh()
	}
}

// focus opens the grid a finding is in and its row.
func (t *fieldsTab) focus(at model.Location) {
	if at.Grid == model.GridResponse && len(t.grids.Items) == 2 {
		t.grids.Select(t.responseItem)
	} else {
		t.grids.Select(t.requestItem)
	}
	t.grid(at.Grid).focus(at)
}
