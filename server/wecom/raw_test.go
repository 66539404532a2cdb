package wecom

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"testing"
)

// encryptRaw encrypts plaintext as is (no framing, no padding) to craft bad input.
func encryptRaw(t *testing.T, c *Crypto, plain []byte) string {
	b, err := aes.NewCipher(c.key)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(b, c.key[:aes.BlockSize]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}
