package engine

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"patchbay/model"
)

// HistoryBodyLimit is how much of each body a run's history record keeps:
// the run log on screen has them whole, but a history of responses of up
// to 10 MiB each would grow the database by as much for every run.
const HistoryBodyLimit = 64 << 10

// ForHistory returns a copy of the result to keep in the run history: each
// request, response and delivery body cut at HistoryBodyLimit bytes, on a
// character's boundary, saying how long it was. The bodies are masked
// already, so a cut never leaves part of a secret.
func (res *Result) ForHistory() *Result {
	out := *res
	cut := func(body string) string {
		if len(body) <= HistoryBodyLimit {
			return body
		}
		return fmt.Sprintf("%s (%d bytes in all; the run history keeps the first %d KiB)", clip(body, HistoryBodyLimit), len(body), HistoryBodyLimit>>10)
	}
	out.Steps = make([]*Step, len(res.Steps))
	for i, s := range res.Steps {
		c := *s
		if s.Request != nil {
			r := *s.Request
			r.Body = cut(r.Body)
			c.Request = &r
		}
		if s.Response != nil {
			r := *s.Response
			r.Body = cut(r.Body)
			c.Response = &r
		}
		out.Steps[i] = &c
	}
	if res.Delivery != nil {
		d := *res.Delivery
		d.Body = cut(d.Body)
		out.Delivery = &d
	}
	return &out
}

// HistoryRecord is the run history's record of the result, its log cut as
// ForHistory cuts it.
func (res *Result) HistoryRecord() (*model.RunRecord, error) {
	log, err := json.Marshal(res.ForHistory())
	if err != nil {
		return nil, err
	}
	return &model.RunRecord{Connector: res.Connector, ConnectorID: res.ConnectorID, Method: res.Method, Kind: res.Kind,
		StartedAt: res.StartedAt, FinishedAt: res.FinishedAt, OK: res.OK, Log: log}, nil
}

// FromHistory reads a run back from the history for showing, masked again
// with the secrets the connector and its account values have now: a
// parameter made Sensitive, or an account value that became a secret,
// after the run was kept is masked in it too. Only the log's text is
// masked (its strings, and the keys of its headers and mapped objects),
// never a number, a status or its structure, so a secret such as "true"
// or "ok" cannot break it. Numbers come back exactly as they were kept. c
// is the connector as it is now; nil masks nothing more.
func FromHistory(rec model.RunRecord, c *model.Connector, account map[string]string) (*Result, error) {
	res := &Result{}
	dec := json.NewDecoder(bytes.NewReader(rec.Log))
	dec.UseNumber()
	err := dec.Decode(res)
	if len(rec.Log) == 0 {
		err = errors.New("it was kept without its log")
	}
	if err != nil {
		return nil, fmt.Errorf("run %d of %s in the history cannot be read: %w", rec.ID, rec.Method, err)
	}
	if c != nil {
		forms := secretForms(historySecrets(c, account, res))
		maskStrings(reflect.ValueOf(res).Elem(), func(s string) string {
			s = maskForms(s, forms)
			if strings.Contains(s, clipMark) {
				s = maskClipped(s, forms) // an error message cut short
			}
			return s
		})
	}
	return res, nil
}

// historySecrets are the secrets a run kept in the history is masked with
// when it is shown: those of the account and the connector, and those of
// each method its steps ran, as Prepare lists them, with the Basic
// credential the account's username and password make.
func historySecrets(c *model.Connector, account map[string]string, res *Result) []string {
	names := secretNamesOf(c)
	out := append(names.secrets(account), proxySecrets()...)
	methods := []string{res.Method}
	for _, s := range res.Steps {
		if s != nil && !slices.Contains(methods, s.Method) {
			methods = append(methods, s.Method)
		}
	}
	for _, name := range methods {
		if m := c.Method(name); m != nil {
			out = append(out, secrets(c, m, Values{Account: account, names: names}.For(c, m))...)
		}
	}
	if a := c.DefaultAuthentication(); a != nil && a.AuthType == model.AuthBasic && account[model.SystemFieldAuthUsername] != "" {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(account[model.SystemFieldAuthUsername]+":"+account[model.SystemFieldAuthPassword])))
	}
	return out
}

var (
	stringType = reflect.TypeFor[string]()
	numberType = reflect.TypeFor[json.Number]()
)

// maskStrings applies mask to every plain string v holds, however deep:
// fields, list items, map keys and values, and the strings inside the
// decoded JSON of a mapped value. Named string types (a status, a Data
// Type, a json.Number), unexported fields and fields tagged mask:"never"
// are left as they are.
func maskStrings(v reflect.Value, mask func(string) string) {
	switch v.Kind() {
	case reflect.String:
		if v.Type() == stringType && v.CanSet() {
			v.SetString(mask(v.String()))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			maskStrings(v.Elem(), mask)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && f.Tag.Get("mask") != "never" {
				maskStrings(v.Field(i), mask)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			maskStrings(v.Index(i), mask)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			k, x := settable(it.Key()), settable(it.Value())
			maskStrings(k, mask)
			maskStrings(x, mask)
			out.SetMapIndex(k, x)
		}
		v.Set(out)
	case reflect.Interface:
		if !v.IsNil() && v.Elem().Type() != numberType {
			x := settable(v.Elem())
			maskStrings(x, mask)
			v.Set(x)
		}
	}
}

// settable is a copy of v that can be set.
func settable(v reflect.Value) reflect.Value {
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	return c
}
