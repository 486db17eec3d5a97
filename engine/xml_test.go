package engine_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/engine"
	"patchbay/model"
)

// xmlAPI is a webhook API that speaks XML: it takes
// <subscription><url>…</url><event>…</event>…</subscription>, answers
// <webhook id="77"><active>true</active></webhook>, and delivers
// <order><id>5</id>…</order> when asked.
type xmlAPI struct {
	created, deleted atomic.Int32
	hookURL          atomic.Value
	bad              bool // answer the create with XML that is not well-formed
	indented         bool // answer the create with the id in an element, indented
	blankDelete      bool // answer the delete 200 with a blank XML body
	// delivery, if set, is posted instead of the usual two-line order,
	// with deliveryType as its Content-Type.
	delivery, deliveryType string
}

func (a *xmlAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/subscriptions":
		var sub struct {
			XMLName xml.Name `xml:"subscription"`
			URL     string   `xml:"url"`
			Events  []string `xml:"event"`
		}
		if r.Header.Get("Content-Type") != "application/xml" || xml.Unmarshal(body, &sub) != nil || sub.URL == "" || len(sub.Events) != 2 {
			http.Error(w, "<error>bad subscription: "+string(body)+"</error>", http.StatusBadRequest)
			return
		}
		a.hookURL.Store(sub.URL)
		a.created.Add(1)
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(http.StatusCreated)
		if a.bad {
			io.WriteString(w, `<webhook id="77"><active>true</webhook>`)
			return
		}
		if a.indented {
			io.WriteString(w, "<webhook id=\"77\">\n  <active>\n    true\n  </active>\n</webhook>\n")
			return
		}
		io.WriteString(w, `<?xml version="1.0"?><webhook id="77"><active>true</active></webhook>`)
	case r.Method == http.MethodDelete && r.URL.Path == "/subscriptions/77":
		a.deleted.Add(1)
		if a.blankDelete {
			w.Header().Set("Content-Type", "application/xml")
			io.WriteString(w, "\n")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && r.URL.Path == "/orders":
		w.WriteHeader(http.StatusCreated)
		go func() {
			url, _ := a.hookURL.Load().(string)
			body, ctype := `<order><id>5</id><line><sku>A-1</sku></line><line><sku>B-2</sku></line></order>`, "text/xml"
			if a.delivery != "" {
				body, ctype = a.delivery, a.deliveryType
			}
			resp, err := http.Post(url, ctype, strings.NewReader(body))
			if err == nil {
				resp.Body.Close()
			}
		}()
	default:
		http.NotFound(w, r)
	}
}

func xmlConnector(base string) *model.Connector {
	return &model.Connector{Name: "XML Shop",
		Methods: []model.Method{
			{Name: "Subscribe", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyXml, Endpoint: base + "/subscriptions",
				RequestFormat: model.Format{Fields: []model.Field{
					{ConnectorField: "subscription.url", DataType: model.FieldText, IsHidden: true, DefaultValue: "{{Cyclr_Webhook_Url}}"},
					{ConnectorField: "subscription.event", DataType: model.FieldList, DefaultValue: `["order.created","order.paid"]`},
				}},
				ResponseFormat: model.Format{Fields: []model.Field{
					{ConnectorField: "webhook.@id", SystemField: model.SystemFieldWebhookID, DataType: model.FieldInteger},
					{ConnectorField: "webhook.active", SystemField: "Active", DataType: model.FieldBoolean},
				}}},
			{Name: "Unsubscribe", MethodType: model.MethodAction, HttpMethod: "DELETE", DataType: model.BodyXml, Endpoint: base + "/subscriptions/{{Cyclr_Webhook_Id}}"},
			{Name: "Create Order", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyXml, Endpoint: base + "/orders",
				RequestFormat: model.Format{Fields: []model.Field{{ConnectorField: "order.sku", DataType: model.FieldText, DefaultValue: "A-1"}}}},
			{Name: "Order Created", MethodType: model.MethodWebhook, DataType: model.BodyXml, CreateWebhookMethod: "Subscribe", DeleteWebhookMethod: "Unsubscribe",
				RequestFormat: model.Format{Fields: []model.Field{
					{ConnectorField: "order.id", SystemField: "OrderId", DataType: model.FieldInteger},
					{ConnectorField: "order.[line].sku", SystemField: "Sku", DataType: model.FieldText},
				}}},
		}}
}

// A webhook lifecycle against an API that speaks XML: the create is sent
// as XML built from the Request Format, the id read from an attribute of
// the XML answer, the XML delivery mapped, and the webhook deleted. The
// log keeps each body as it went and came.
func TestLifecycleWithXML(t *testing.T) {
	api := &xmlAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	r := &engine.Runner{Connector: xmlConnector(srv.URL)}
	res := r.RunWebhook(context.Background(), "Order Created", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Create Order", Wait: 5 * time.Second})
	if !res.OK || res.WebhookID != "77" || api.deleted.Load() != 1 {
		t.Fatalf("lifecycle: ok %t, id %q, %d deletes: %s\n%s", res.OK, res.WebhookID, api.deleted.Load(), res.Error, dump(res))
	}
	create := res.Steps[0]
	if want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n<subscription><url>" + res.WebhookURL + "</url><event>order.created</event><event>order.paid</event></subscription>"; create.Request.Body != want {
		t.Errorf("create body:\n%s\nwant\n%s", create.Request.Body, want)
	}
	if !strings.HasPrefix(create.Response.Body, `<?xml version="1.0"?><webhook id="77">`) || mappedValues(create.Mapped)["Active"] != "true" {
		t.Errorf("create response logged as %q, mapped %v", create.Response.Body, mappedValues(create.Mapped))
	}
	if got := mappedValues(res.Delivery.Mapped); got["OrderId"] != "5" || got["Sku"] != `["A-1","B-2"]` || !strings.HasPrefix(res.Delivery.Body, "<order>") {
		t.Errorf("delivery %q mapped %v", res.Delivery.Body, got)
	}
}

// A create answered 201 with XML that is not well-formed: the step fails
// saying so, and since the webhook may exist with an id nobody can read,
// its ledger row stays for removal by hand.
func TestXMLResponseNotWellFormed(t *testing.T) {
	api := &xmlAPI{bad: true}
	srv := httptest.NewServer(api)
	defer srv.Close()
	ledger := &memLedger{}
	r := &engine.Runner{Connector: xmlConnector(srv.URL)}
	res := r.RunWebhook(context.Background(), "Order Created", engine.WebhookOptions{Ledger: ledger})
	rows, _ := ledger.ListWebhooks(context.Background(), true)
	if res.OK || !strings.Contains(res.Error, "POST Subscribe answered 201 with a body that is not well-formed XML") || len(rows) != 1 ||
		!strings.Contains(rows[0].LastError, "remove it on the API by hand") {
		t.Errorf("error %q, pending rows %+v", res.Error, rows)
	}
}

// Scripts see an Xml body and an XML response in their JSON form: what
// before_action adds to method_request is sent as XML, and after_action
// reads method_response by the same keys the Connector Fields use.
func TestXMLInScripts(t *testing.T) {
	var sent atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sent.Store(string(body))
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<webhook id="77"><active>true</active></webhook>`)
	}))
	defer srv.Close()
	c := xmlConnector(srv.URL)
	c.Methods[0].Script = `function before_action() { method_request.subscription.note = 'from a script'; }
function after_action() { console.log('id ' + method_response.webhook['@id']); }`
	r := &engine.Runner{Connector: c, Inputs: map[string]string{model.SystemFieldWebhookURL: "http://127.0.0.1:1/h"}}
	res := r.RunMethod(context.Background(), "Subscribe")
	body, _ := sent.Load().(string)
	if !res.OK || !strings.Contains(body, "<subscription><url>http://127.0.0.1:1/h</url><event>order.created</event><event>order.paid</event><note>from a script</note></subscription>") || len(res.Steps[0].Console) != 1 || !strings.HasSuffix(res.Steps[0].Console[0], "id 77") {
		t.Errorf("ok %t, sent %s, console %q: %s", res.OK, body, res.Steps[0].Console, res.Error)
	}
}

// XML as APIs write it: an indented answer (the text around values is
// not part of them), a blank 200 to the delete, one element of a list
// (still a list to an [array] step), and a secret with a line break in
// the Xml body, masked as the body writes it.
func TestXMLAsAPIsWriteIt(t *testing.T) {
	const secret = "-----BEGIN KEY-----\nMIIB9ZqK\n-----END KEY-----"
	api := &xmlAPI{indented: true, blankDelete: true, delivery: `<order><id>5</id><line><sku>A-1</sku></line></order>`, deliveryType: "application/xml"}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := xmlConnector(srv.URL)
	c.Parameters = []model.Parameter{{TargetType: model.TargetMergeField, TargetName: "Pem", IsSensitive: true, Values: []string{secret}}}
	c.Methods[0].RequestFormat.Fields = append(c.Methods[0].RequestFormat.Fields, model.Field{ConnectorField: "subscription.key", DataType: model.FieldText, DefaultValue: "{{Pem}}"})
	r := &engine.Runner{Connector: c}
	res := r.RunWebhook(context.Background(), "Order Created", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Create Order", Wait: 5 * time.Second})
	if !res.OK || res.WebhookID != "77" || mappedValues(res.Steps[0].Mapped)["Active"] != "true" {
		t.Fatalf("lifecycle: ok %t, id %q: %s\n%s", res.OK, res.WebhookID, res.Error, dump(res))
	}
	if got := mappedValues(res.Delivery.Mapped); got["Sku"] != `["A-1"]` {
		t.Errorf("one line of an order mapped as %v, want a list of one", got)
	}
	if body := res.Steps[0].Request.Body; strings.Contains(body, "MIIB9ZqK") || !strings.Contains(body, "<key>"+engine.Mask+"</key>") {
		t.Errorf("the secret in the Xml body is not masked: %s", body)
	}
}

// A delivery that is neither JSON nor XML is refused, and its start,
// quoted in the error, is masked.
func TestXMLDeliveryNeitherJSONNorXML(t *testing.T) {
	api := &xmlAPI{delivery: "api_key=KEY-SECRET-123&order=5", deliveryType: "text/plain"}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := xmlConnector(srv.URL)
	c.Parameters = []model.Parameter{{TargetType: model.TargetMergeField, TargetName: "Token", IsSensitive: true, Values: []string{"KEY-SECRET-123"}}}
	r := &engine.Runner{Connector: c}
	res := r.RunWebhook(context.Background(), "Order Created", engine.WebhookOptions{Ledger: &memLedger{}, Trigger: "Create Order", Wait: 300 * time.Millisecond})
	if res.Delivery == nil || !strings.Contains(res.Delivery.Error, "the delivery's body is not JSON") || strings.Contains(dump(res), "KEY-SECRET-123") {
		t.Errorf("delivery %+v\n%s", res.Delivery, dump(res))
	}
}

// A value XML cannot hold (a control character) is refused before the
// request is sent, naming the field, not sent changed.
func TestXMLValueItCannotHold(t *testing.T) {
	c := xmlConnector("http://127.0.0.1:1")
	r := &engine.Runner{Connector: c, Inputs: map[string]string{model.SystemFieldWebhookURL: "http://h.test/\x01"}}
	res := r.RunMethod(context.Background(), "Subscribe")
	if res.OK || !strings.Contains(res.Error, "Method 'Subscribe' › Request Format: the value of url holds a character XML does not allow (U+0001") {
		t.Errorf("error %q", res.Error)
	}
}
