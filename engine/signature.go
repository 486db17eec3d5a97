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
// The error says what is wrong without showing the expected signature.
func VerifySignature(sig model.SignatureCheck, secret string, headers http.Header, body []byte) error {
	newHash, ok := signatureHashes[sig.Algorithm]
	if !ok {
		return fmt.Errorf("%q is not an HMAC algorithm Patchbay knows (sha1, sha256, sha512)", sig.Algorithm)
	}
	if secret == "" {
		return fmt.Errorf("the signature secret has no value: set it in the account values")
	}
	got := headers.Get(sig.Header)
	if got == "" {
		return fmt.Errorf("the delivery has no %s header: it is unsigned", sig.Header)
	}
	if !strings.HasPrefix(got, sig.Prefix) {
		return fmt.Errorf("the %s header does not start with %q", sig.Header, sig.Prefix)
	}
	got = strings.TrimPrefix(got, sig.Prefix)
	var sent []byte
	var err error
	switch sig.Encoding {
	case "hex":
		sent, err = hex.DecodeString(strings.TrimSpace(got))
	case "base64":
		sent, err = base64.StdEncoding.DecodeString(strings.TrimSpace(got))
	default:
		return fmt.Errorf("%q is not a signature encoding (hex, base64)", sig.Encoding)
	}
	if err != nil {
		return fmt.Errorf("the %s header is not %s: %v", sig.Header, sig.Encoding, err)
	}
	mac := hmac.New(newHash, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(sent, mac.Sum(nil)) {
		return fmt.Errorf("the %s header does not match the HMAC-%s of the body under the secret: the delivery is not from the API, or the secret is wrong",
			sig.Header, strings.ToUpper(sig.Algorithm))
	}
	return nil
}
