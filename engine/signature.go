package engine

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"strings"

	"patchbay/model"
)

var signatureHashes = map[string]func() hash.Hash{
	"sha1":   sha1.New,
	"sha256": sha256.New,
	"sha512": sha512.New,
}

// VerifySignature checks that a delivery's header holds the HMAC of its raw
// body under the secret, as the Webhook method's SignatureCheck describes.
// The prefix is matched in any case, base64 may be padded or not and
// standard or URL-safe, and when the header comes more than once (a
// rotated secret), one of its values must match. The error says what is
// wrong without showing the expected signature.
func VerifySignature(sig model.SignatureCheck, secret string, headers http.Header, body []byte) error {
	newHash, ok := signatureHashes[sig.Algorithm]
	if !ok {
		return fmt.Errorf("%q is not an HMAC algorithm Patchbay knows (sha1, sha256, sha512)", sig.Algorithm)
	}
	if secret == "" {
		if sig.SecretResponseField != "" {
			return fmt.Errorf("the signature secret has no value: the create response gave none at the field mapped to %s", sig.SecretResponseField)
		}
		return fmt.Errorf("the signature secret has no value: set %s in the account values", sig.SecretParameter)
	}
	values := headers.Values(sig.Header)
	if len(values) == 0 || (len(values) == 1 && strings.TrimSpace(values[0]) == "") {
		return fmt.Errorf("the delivery has no %s header: it is unsigned", sig.Header)
	}
	mac := hmac.New(newHash, []byte(secret))
	mac.Write(body)
	want := mac.Sum(nil)
	var unreadable error // a value that could not be read, when none could
	read := false
	for _, got := range values {
		sent, err := decodeSignature(sig, got)
		switch {
		case err == nil && hmac.Equal(sent, want):
			return nil
		case err == nil:
			read = true
		case unreadable == nil:
			unreadable = err
		}
	}
	if !read {
		return unreadable
	}
	return fmt.Errorf("the %s header does not match the HMAC-%s of the body under the secret: the delivery is not from the API, or the secret is wrong",
		sig.Header, strings.ToUpper(sig.Algorithm))
}

// decodeSignature reads the bytes of one header value; nil error and a
// mismatch are told apart by the caller.
func decodeSignature(sig model.SignatureCheck, got string) ([]byte, error) {
	got = strings.TrimSpace(got)
	if len(got) < len(sig.Prefix) || !strings.EqualFold(got[:len(sig.Prefix)], sig.Prefix) {
		return nil, fmt.Errorf("the %s header does not start with %q", sig.Header, sig.Prefix)
	}
	got = strings.TrimSpace(got[len(sig.Prefix):])
	var sent []byte
	var err error
	switch sig.Encoding {
	case "hex":
		sent, err = hex.DecodeString(got)
	case "base64":
		// Standard or URL-safe, padded or not.
		got = strings.TrimRight(strings.NewReplacer("-", "+", "_", "/").Replace(got), "=")
		sent, err = base64.RawStdEncoding.DecodeString(got)
	default:
		return nil, fmt.Errorf("%q is not a signature encoding (hex, base64)", sig.Encoding)
	}
	if err != nil {
		return nil, fmt.Errorf("the %s header is not %s: %v", sig.Header, sig.Encoding, err)
	}
	return sent, nil
}
