package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"

	"patchbay/model"
)

func TestExchangeRecordsAndMasks(t *testing.T) {
	const key, pass = `k<e>y/"1"`, "pa ss"
	srv, _ := recorder(t, 201, `{"id":1,"echo":"k<e>y/\"1\"","p":"pa ss"}`)
	c := &model.Connector{
		Name:           "Secretive",
		Authentication: []model.Authentication{{AuthName: "Key", AuthType: model.AuthApiKey, ApiKeyHeader: "X-Api-Key", ApiKeyQueryParameter: "api_key"}},
		Parameters:     []model.Parameter{{TargetType: model.TargetHttpHeader, TargetName: "X-Token", IsSensitive: true, IsAccountConnectorProperty: true}},
		Methods: []model.Method{{
			Name: "Create", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson,
			Endpoint: srv.URL + "/hooks",
			RequestFormat: model.Format{Fields: []model.Field{
				field("secret", "", model.FieldText, "{{Cyclr_Auth_ApiKey}}"),
				field("user", "", model.FieldText, "{{Cyclr_Auth_Password}}"),
			}},
		}},
	}
	v := Values{Account: map[string]string{model.SystemFieldAuthAPIKey: key, model.SystemFieldAuthPassword: pass, "X-Token": "tok-9"}}
	req, err := Prepare(c, c.Method("Create"), v)
	if err != nil {
		t.Fatal(err)
	}
	_, ex, err := (&Client{}).Send(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Method != "POST" || ex.Status != 201 || !strings.Contains(ex.URL, "/hooks?api_key=") || ex.RequestHeaders["X-Token"] != "tok-9" {
		t.Errorf("exchange = %+v", ex)
	}

	masked := ex.Masked(req.Secrets)
	text, _ := json.Marshal(masked)
	for _, secret := range []string{"k<e>y", `k\u003ce\u003ey`, "k%3Ce%3Ey", "pa ss", "tok-9"} {
		if strings.Contains(string(text), secret) {
			t.Errorf("masked exchange still holds %q:\n%s", secret, text)
		}
	}
	for _, where := range []string{masked.URL, masked.RequestHeaders["X-Api-Key"], masked.RequestHeaders["X-Token"], masked.RequestBody, masked.ResponseBody} {
		if !strings.Contains(where, Mask) {
			t.Errorf("%q is not masked", where)
		}
	}
	if !strings.Contains(ex.RequestBody, "pa ss") {
		t.Errorf("Masked changed the original exchange")
	}
}

func TestExchangeJSONKeys(t *testing.T) {
	ex := Exchange{Method: "GET", URL: "u", RequestHeaders: map[string]string{"A": "b"}, RequestBody: "q",
		Status: 200, ResponseHeaders: map[string]string{"C": "d"}, ResponseBody: "r", DurationMS: 5,
		Redirects: []string{"302 → GET u"}, Error: "e"}
	b, _ := json.Marshal(ex)
	var m map[string]any
	json.Unmarshal(b, &m)
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := "[duration_ms error method redirects request_body request_headers response_body response_headers status url]"
	if fmt.Sprint(keys) != want {
		t.Errorf("keys = %v, want %s", keys, want)
	}
}

// A failed send is recorded too, and its error masked.
func TestExchangeOnError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	req := &Request{Method: "GET", Endpoint: "http://" + addr + "/x?api_key=SECRET", Headers: map[string]string{"X-Api-Key": "SECRET"}}
	resp, ex, err := (&Client{}).Send(context.Background(), req)
	if err == nil || resp != nil {
		t.Fatalf("Send = %v, %v; want connection refused", resp, err)
	}
	masked := ex.Masked([]string{"SECRET"})
	if !strings.Contains(masked.Error, "connection refused") || masked.URL != "http://"+addr+"/x?api_key="+Mask || masked.RequestHeaders["X-Api-Key"] != Mask {
		t.Errorf("masked exchange = %+v", masked)
	}

	req.Endpoint = "not a url"
	_, ex, err = (&Client{}).Send(context.Background(), req)
	if err == nil || ex.Error == "" || !strings.Contains(err.Error(), "is not an absolute http or https URL") {
		t.Errorf("a script's bad endpoint: %v, %+v", err, ex)
	}
}

func TestMaskText(t *testing.T) {
	got := MaskText("key=a b&k=a+b&p=a%20b and ab", []string{"a b", ""})
	if want := "key=" + Mask + "&k=" + Mask + "&p=" + Mask + " and ab"; got != want {
		t.Errorf("MaskText = %q, want %q", got, want)
	}
}
