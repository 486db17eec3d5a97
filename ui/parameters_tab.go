package ui

import (
	"fyne.io/fyne/v2"

	"patchbay/model"
)

// parametersTab is a method's Parameters tab: the values a method's
// {{Mergefields}}, query string and headers take. A script reads them as
// method_request_parameters, which is why the Delete Webhook Method lists
// Cyclr_Webhook_Id here.
type parametersTab struct {
	ed   *methodEditor
	grid *paramGrid
}

func newParametersTab(ed *methodEditor) *parametersTab {
	t := &parametersTab{ed: ed}
	t.grid = newParamGrid(ed.host, t.params, ed.changed, false)
	return t
}

func (t *parametersTab) params() *[]model.Parameter { return &t.ed.method().Parameters }

func (t *parametersTab) buildUI() fyne.CanvasObject { return t.grid.buildUI() }

func (t *parametersTab) showFindings(fs []model.Finding) { t.grid.showFindings(fs) }
