package xmljson

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestToJSON(t *testing.T) {
	for _, tc := range []struct{ xml, want string }{
		{`<order id="7"><line>A</line><line>B</line></order>`, `{"order":{"@id":"7","line":["A","B"]}}`},
		{"\ufeff<?xml version=\"1.0\"?>\n<!-- c --><a>  x &amp; y </a>", `{"a":"x & y"}`},
		{`<a><b/><c></c><d> </d></a>`, `{"a":{"b":null,"c":null,"d":null}}`},
		{"<w>\n  <id>\n    77\n  </id>\n</w>", `{"w":{"id":"77"}}`},
		{`<p>Hello <b>x</b> world</p>`, `{"p":{"#text":"Hello world","b":"x"}}`},
		{`<a k="1">text<b>2</b></a>`, `{"a":{"@k":"1","#text":"text","b":"2"}}`},
		{`<s:Envelope xmlns:s="urn:x" xmlns="urn:y"><s:Body><Id>42</Id></s:Body></s:Envelope>`, `{"Envelope":{"Body":{"Id":"42"}}}`},
		{`<a><b>1</b><c>2</c><b>3</b></a>`, `{"a":{"b":["1","3"],"c":"2"}}`},
	} {
		got, err := ToJSON([]byte(tc.xml))
		if err != nil || string(got) != tc.want {
			t.Errorf("ToJSON(%s) = %s, %v; want %s", tc.xml, got, err, tc.want)
		}
		if err == nil && !json.Valid(got) {
			t.Errorf("ToJSON(%s) is not JSON: %s", tc.xml, got)
		}
	}
	for _, tc := range []struct{ xml, want string }{
		{``, "no root element"},
		{`{"a":1}`, "text outside the root element"},
		{`<a></b>`, "not well-formed XML"},
		{`<a/><b/>`, "more than one root element"},
		{`<a>&nbsp;</a>`, "not well-formed XML"},
		{strings.Repeat("<a>", MaxDepth+1), "not XML Patchbay reads: elements nested more than 1000 deep"},
	} {
		if _, err := ToJSON([]byte(tc.xml)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ToJSON(%.40s): %v, want %q", tc.xml, err, tc.want)
		}
	}
}

func TestFromJSON(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"order":{"@id":7,"customer":{"email":"a<b>&\"c\""},"line":[{"sku":"A"},{"sku":"B"}],"paid":true,"note":null}}`,
			`<order id="7"><customer><email>a&lt;b&gt;&amp;&#34;c&#34;</email></customer><line><sku>A</sku></line><line><sku>B</sku></line><paid>true</paid><note/></order>`},
		{`{"a":{"#text":"x","@k":"v"}}`, `<a k="v">x</a>`},
		{`{"a":{"b":{"c":1.50}}}`, `<a><b><c>1.50</c></b></a>`},
	} {
		got, err := FromJSON([]byte(tc.json))
		if want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + tc.want; err != nil || string(got) != want {
			t.Errorf("FromJSON(%s) =\n%s, %v\nwant\n%s", tc.json, got, err, want)
		}
	}
	for _, tc := range []struct{ json, want string }{
		{`{"a":1,"b":2}`, "an Xml body has one root element"},
		{`[1]`, "an Xml body has one root element"},
		{`{"@a":1}`, "an Xml body has one root element"},
		{`{"a":{"1x":2}}`, `"1x" is not an XML element name`},
		{`{"a":{"@b c":2}}`, `"b c" is not an XML attribute name`},
		{`{"a":{"b":"x\u0001y"}}`, `the value of b holds a character XML does not allow (U+0001 at byte 2)`},
	} {
		if _, err := FromJSON([]byte(tc.json)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromJSON(%s): %v, want %q", tc.json, err, tc.want)
		}
	}
}

// What FromJSON writes, ToJSON reads back as the same document (as
// strings: XML has no types).
func TestRoundTrip(t *testing.T) {
	in := `{"order":{"@id":"7","line":[{"sku":"A"},{"sku":"B"}],"note":null,"x":{"@k":"v","#text":"t"}}}`
	x, err := FromJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	back, err := ToJSON(x)
	if err != nil || string(back) != in {
		t.Errorf("round trip:\n%s\n%s, %v", back, x, err)
	}
}

func FuzzToJSON(f *testing.F) {
	f.Add([]byte(`<order id="7"><line>A</line><line>B</line></order>`))
	f.Add([]byte(`<a k="1">text<b>2</b></a>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		out, err := ToJSON(doc)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("ToJSON(%q) = %s, not JSON", doc, out)
		}
		// Whatever was read writes back as XML that reads the same.
		x, err := FromJSON(out)
		if err != nil {
			return // names JSON allows and XML does not, as read leniently
		}
		again, err := ToJSON(x)
		if err != nil || string(again) != string(out) {
			t.Fatalf("ToJSON(FromJSON(%s)) = %s, %v", out, again, err)
		}
	})
}
