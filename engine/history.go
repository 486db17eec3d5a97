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

	"github.com/tidwall/gjson"

	"patchbay/internal/spell"
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
	return &model.RunRecord{Connector: res.Connector, ConnectorID: res.ConnectorID, Method: res.Method, MethodID: res.MethodID, Kind: res.Kind,
		StartedAt: res.StartedAt, FinishedAt: res.FinishedAt, OK: res.OK, Cancelled: res.Cancelled, Log: log}, nil
}

// FromHistory reads a run back from the history for showing, masked again
// with the secrets the connector and its account values have now (see
// HistoryReader). c is the connector as it is now; nil masks nothing more.
func FromHistory(rec model.RunRecord, c *model.Connector, account map[string]string) (*Result, error) {
	return NewHistoryReader(c, account).Read(rec)
}

// MaskedAgain is the result as FromHistory would read it back, whole:
// masked again with the secrets c and its account values have now, for
// showing a run again after the connector changed (a value made
// Sensitive since).
func (res *Result) MaskedAgain(c *model.Connector, account map[string]string) (*Result, error) {
	log, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	return FromHistory(model.RunRecord{Connector: res.Connector, Method: res.Method, Log: log}, c, account)
}

// HistoryReader reads runs back from the history, masked again with the
// secrets one connector and its account values have now: a parameter made
// Sensitive, or an account value that became a secret, after a run was
// kept is masked in it too. Only the log's text is masked (its strings,
// and the keys of its headers and mapped objects), and mapped values that
// spell a secret, never a status, a flag or the log's structure, so a
// secret such as "true" or "ok" cannot break it. Other numbers come back
// exactly as they were kept.
type HistoryReader struct {
	forms []string
}

// NewHistoryReader lists the secrets of c and its account values once, for
// reading any number of its runs. The secrets are those a run of any of
// c's methods would mask, and those of the connector alone: a run of a
// method renamed or deleted since is masked as strictly as any other.
func NewHistoryReader(c *model.Connector, account map[string]string) *HistoryReader {
	if c == nil {
		return &HistoryReader{}
	}
	names := secretNamesOf(c)
	out := append(names.secrets(account), proxySecrets()...)
	methods := []*model.Method{{}} // the connector's own parameters
	for i := range c.Methods {
		methods = append(methods, &c.Methods[i])
	}
	for _, m := range methods {
		for _, v := range secrets(c, m, Values{Account: account, names: names}.For(c, m)) {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	if a := c.DefaultAuthentication(); a != nil && a.AuthType == model.AuthBasic && account[model.SystemFieldAuthUsername] != "" {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(account[model.SystemFieldAuthUsername]+":"+account[model.SystemFieldAuthPassword])))
	}
	return &HistoryReader{forms: spell.Forms(out)}
}

// MaskText masks s as Read masks a run's error: a webhook ledger row's
// last error, kept with the secrets of the day it was written, is shown
// masked with those of today too (a parameter made Sensitive since).
func (h *HistoryReader) MaskText(s string) string {
	if len(h.forms) == 0 {
		return s
	}
	return maskText(s, h.forms)
}

// Read decodes one run of the history and masks it. A log that is not a
// run's (not a JSON object) is an error naming the run.
func (h *HistoryReader) Read(rec model.RunRecord) (*Result, error) {
	res := &Result{}
	dec := json.NewDecoder(bytes.NewReader(rec.Log))
	dec.UseNumber()
	err := dec.Decode(res)
	if log := bytes.TrimSpace(rec.Log); err == nil && (len(log) == 0 || log[0] != '{') {
		err = errors.New("it was kept without a run's log")
	}
	if err != nil {
		return nil, fmt.Errorf("run %d of %s in the history cannot be read: %w", rec.ID, rec.Method, err)
	}
	res.Steps = slices.DeleteFunc(res.Steps, func(s *Step) bool { return s == nil })
	// The names the run goes by now: its connector's and method's, as the
	// history keeps them through renames.
	if rec.Connector != "" {
		res.Connector = rec.Connector
	}
	if rec.Method != "" {
		res.Method = rec.Method
	}
	if len(h.forms) == 0 {
		return res, nil
	}
	maskStrings(reflect.ValueOf(res).Elem(), func(s string) string { return maskForms(s, h.forms) })
	// Error messages, and console lines that quote them, were cut short
	// where they quote a body: the start of a secret left before the clip
	// mark is masked there, as MaskText does.
	errs := []*string{&res.Error}
	for _, s := range res.Steps {
		errs = append(errs, &s.Error)
		for i := range s.Console {
			errs = append(errs, &s.Console[i]) // a line may quote an error: method_error
		}
	}
	if d := res.Delivery; d != nil {
		errs = append(errs, &d.Error, &d.Rejected)
	}
	for _, e := range errs {
		if strings.Contains(*e, clipMark) {
			*e = maskClipped(*e, h.forms)
		}
	}
	return res, nil
}

// Summary reads what a list of runs shows of one, its webhook id and its
// error, masked as Read masks them, without decoding the rest of its log:
// a connector's history holds up to 100 runs whose bodies run to 64 KiB.
// A log whose start is not a sound JSON object, or whose webhook_id or
// error is not text, is read whole by Read, whose error it returns; a log
// sound there but odd elsewhere is listed, though Read may refuse it.
func (h *HistoryReader) Summary(rec model.RunRecord) (webhookID, errText string, err error) {
	log := bytes.TrimSpace(rec.Log)
	first := gjson.ParseBytes(log) // the value a json.Decoder reads first
	if len(log) == 0 || log[0] != '{' || !first.IsObject() || !gjson.Valid(first.Raw) {
		return h.summaryRead(rec)
	}
	// As encoding/json reads them into a Result: keys in any case, the
	// last of a repeated one, strings with invalid UTF-8 as U+FFFD.
	bad := false
	first.ForEach(func(k, v gjson.Result) bool {
		var into *string
		switch {
		case strings.EqualFold(k.String(), "webhook_id"):
			into = &webhookID
		case strings.EqualFold(k.String(), "error"):
			into = &errText
		default:
			return true
		}
		if v.Type == gjson.Null {
			return true // leaves the value as it was, as encoding/json does
		}
		*into = ""
		bad = v.Type != gjson.String || json.Unmarshal([]byte(v.Raw), into) != nil
		return !bad
	})
	if bad {
		return h.summaryRead(rec)
	}
	return maskForms(webhookID, h.forms), maskText(errText, h.forms), nil
}

// summaryRead is Summary by way of Read.
func (h *HistoryReader) summaryRead(rec model.RunRecord) (webhookID, errText string, err error) {
	res, err := h.Read(rec)
	if err != nil {
		return "", "", err
	}
	return res.WebhookID, res.Error, nil
}

var (
	stringType = reflect.TypeFor[string]()
	numberType = reflect.TypeFor[json.Number]()
)

// maskStrings applies mask to every plain string v holds, however deep:
// fields, list items, map keys and values, and the strings inside the
// decoded JSON of a mapped value, where a number holding a secret becomes
// masked text. Named string types (a status, a Data Type), unexported
// fields and fields tagged mask:"never" are left as they are.
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
		switch {
		case v.IsNil():
		case v.Elem().Type() == numberType:
			// A mapped number that holds a secret (a Sensitive PIN the
			// API answered as a number) is shown masked, as text.
			if n := v.Elem().String(); mask(n) != n {
				v.Set(reflect.ValueOf(mask(n)))
			}
		default:
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
