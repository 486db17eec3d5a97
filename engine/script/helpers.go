package script

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"

	"github.com/dop251/goja"
)

// btoa encodes a binary string (characters U+0000..U+00FF, one byte each) as
// base64, as browsers do.
func (u *unit) btoa(call goja.FunctionCall) goja.Value {
	if len(call.Arguments) == 0 {
		panic(u.rt.NewTypeError("btoa: 1 argument required, but only 0 present"))
	}
	s := call.Argument(0).String()
	b := make([]byte, 0, len(s))
	i := 0
	for _, r := range s {
		if r > 0xFF {
			panic(u.rt.NewTypeError("btoa: the character %q at position %d is outside Latin1; "+
				"encode text as UTF-8 first: btoa(unescape(encodeURIComponent(text)))", r, i))
		}
		b = append(b, byte(r))
		i++
	}
	return u.rt.ToValue(base64.StdEncoding.EncodeToString(b))
}

// atob decodes base64 into a binary string, one character per byte, as
// browsers do: ASCII whitespace is ignored and padding is optional.
func (u *unit) atob(call goja.FunctionCall) goja.Value {
	if len(call.Arguments) == 0 {
		panic(u.rt.NewTypeError("atob: 1 argument required, but only 0 present"))
	}
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\f', '\r':
			return -1
		}
		return r
	}, call.Argument(0).String())
	if len(s)%4 == 0 {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "="), "=")
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		panic(u.rt.NewTypeError("atob: the string is not valid base64"))
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return u.rt.ToValue(string(r))
}

// sign is cyclr_sign(algorithm, key, message[, encoding]): the HMAC of message
// under key, both taken as UTF-8, encoded as hex (default), base64 or
// base64url (unpadded).
func (u *unit) sign(call goja.FunctionCall) goja.Value {
	if len(call.Arguments) < 3 {
		panic(u.rt.NewTypeError("cyclr_sign(algorithm, key, message, encoding): at least 3 arguments required"))
	}
	encoding := "hex"
	if e := call.Argument(3); !goja.IsUndefined(e) && !goja.IsNull(e) {
		encoding = e.String()
	}
	out, err := hmacSign(call.Argument(0).String(), call.Argument(1).String(), call.Argument(2).String(), encoding)
	if err != "" {
		panic(u.rt.NewTypeError("cyclr_sign: %s", err))
	}
	return u.rt.ToValue(out)
}

// hmacSign does the work of cyclr_sign; problem is empty on success.
func hmacSign(algorithm, key, message, encoding string) (out, problem string) {
	newHash := hashes[normalAlgorithm(algorithm)]
	if newHash == nil {
		return "", `unknown algorithm "` + algorithm + `"; use "sha1", "sha256", "sha384" or "sha512"`
	}
	mac := hmac.New(newHash, []byte(key))
	mac.Write([]byte(message))
	sum := mac.Sum(nil)
	switch strings.ToLower(encoding) {
	case "hex":
		return hex.EncodeToString(sum), ""
	case "base64":
		return base64.StdEncoding.EncodeToString(sum), ""
	case "base64url":
		return base64.RawURLEncoding.EncodeToString(sum), ""
	}
	return "", `unknown encoding "` + encoding + `"; use "hex", "base64" or "base64url"`
}

var hashes = map[string]func() hash.Hash{
	"sha1":   sha1.New,
	"sha256": sha256.New,
	"sha384": sha512.New384,
	"sha512": sha512.New,
}

// normalAlgorithm accepts "SHA256", "sha-256", "HMAC-SHA256" and "HmacSHA256"
// as "sha256".
func normalAlgorithm(a string) string {
	a = strings.ToLower(a)
	a = strings.NewReplacer("-", "", "_", "").Replace(a)
	return strings.TrimPrefix(a, "hmac")
}
