package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2/test"

	"patchbay/model"
	"patchbay/model/modeltest"
)

// BenchmarkSwitchMethods measures going from one method to another with
// the Field Mappings tab open, as an author does: between two methods of
// 60 request and 60 response fields, beside the same between the example's
// Create Order and Create Webhook, of two fields each. big/small says how
// much a large method costs; the time is the fyne test driver's, which
// draws in software.
func BenchmarkSwitchMethods(b *testing.B) {
	a := test.NewTempApp(b)
	st, _ := newStore(b)
	c := seedExample(b, st, "Big")
	for k := range 2 {
		m := model.Method{Name: fmt.Sprintf("Big %d", k), MethodType: model.MethodAction, HttpMethod: "POST", Endpoint: "{{BaseUrl}}/x"}
		for i := range 60 {
			m.RequestFormat.Fields = append(m.RequestFormat.Fields, model.Field{ConnectorField: fmt.Sprintf("data.req%d", i), DataType: model.FieldText, IsOptional: true})
			m.ResponseFormat.Fields = append(m.ResponseFormat.Fields, model.Field{ConnectorField: fmt.Sprintf("data.resp%d", i), DataType: model.FieldText})
		}
		c.Methods = append(c.Methods, m)
	}
	if err := st.SaveConnector(b.Context(), c); err != nil {
		b.Fatal(err)
	}
	m := newWindow(b, a, st)
	open := func(name string) error {
		for i, meth := range m.open.conn.Methods {
			if meth.Name == name {
				m.sidebar.tree.Select(nodeID(m.open.key, i))
				m.methEd.selectTab(tabFieldMappings)
				return nil
			}
		}
		return fmt.Errorf("no method %q", name)
	}
	if err := open("Big 0"); err != nil {
		b.Fatal(err)
	}
	var big, small int
	modeltest.Beside(b, "small", "big/small", func() error {
		big++
		return open(fmt.Sprintf("Big %d", big%2))
	}, func() error {
		small++
		return open([]string{"Create Order", "Create Webhook"}[small%2])
	})
}
