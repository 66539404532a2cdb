// Package wecom implements 企业微信's callback crypto (WXBizMsgCrypt): the
// SHA-1 signature over the sorted token, timestamp, nonce and ciphertext,
// and AES-256-CBC with the EncodingAESKey (IV = the key's first 16 bytes,
// PKCS#7 padding over 32-byte blocks) around random(16) + length(4, big
// endian) + message + receive id. Everything is verified: the signature,
// the padding, the length and the receive id.
package wecom

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Errors.
var (
	ErrSignature = errors.New("wecom: signature mismatch")
	ErrKey       = errors.New("wecom: EncodingAESKey must be 43 characters of base64")
	ErrCipher    = errors.New("wecom: ciphertext is not valid")
	ErrPadding   = errors.New("wecom: bad PKCS#7 padding")
	ErrReceiver  = errors.New("wecom: receive id does not match the corp id")
)

const block = 32 // PKCS#7 block size of the scheme (not AES's 16)

// Crypto holds one app's callback settings.
type Crypto struct {
	token     string
	key       []byte
	receiveID string
}

// New checks the settings: token, the 43-character EncodingAESKey and the
// corp id messages must be addressed to.
func New(token, encodingAESKey, receiveID string) (*Crypto, error) {
	if len(encodingAESKey) != 43 {
		return nil, ErrKey
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, ErrKey
	}
	return &Crypto{token: token, key: key, receiveID: receiveID}, nil
}

// Signature is sha1 over the sorted token, timestamp, nonce and ciphertext.
func (c *Crypto) Signature(timestamp, nonce, encrypted string) string {
	parts := []string{c.token, timestamp, nonce, encrypted}
	sort.Strings(parts)
	h := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(h[:])
}

// Verify checks a signature in constant time.
func (c *Crypto) Verify(signature, timestamp, nonce, encrypted string) error {
	want := c.Signature(timestamp, nonce, encrypted)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(signature)), []byte(want)) != 1 {
		return ErrSignature
	}
	return nil
}

// Decrypt opens a base64 ciphertext and returns the message; the receive
// id inside must be the configured corp id.
func (c *Crypto) Decrypt(encrypted string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, ErrCipher
	}
	b, err := aes.NewCipher(c.key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(raw))
	cipher.NewCBCDecrypter(b, c.key[:aes.BlockSize]).CryptBlocks(plain, raw)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > block || pad > len(plain) {
		return nil, ErrPadding
	}
	for _, x := range plain[len(plain)-pad:] {
		if int(x) != pad {
			return nil, ErrPadding
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, ErrCipher
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, ErrCipher
	}
	msg, rid := plain[20:20+n], plain[20+n:]
	if subtle.ConstantTimeCompare(rid, []byte(c.receiveID)) != 1 {
		return nil, fmt.Errorf("%w: %q", ErrReceiver, rid)
	}
	return msg, nil
}

// Encrypt seals a message for the corp id; random is the 16-byte prefix
// (nil: crypto/rand), fixed only by tests reproducing published vectors.
func (c *Crypto) Encrypt(msg, random []byte) (string, error) {
	if random == nil {
		random = make([]byte, 16)
		if _, err := rand.Read(random); err != nil {
			return "", err
		}
	}
	if len(random) != 16 {
		return "", errors.New("wecom: random prefix must be 16 bytes")
	}
	var buf bytes.Buffer
	buf.Write(random)
	binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(c.receiveID)
	pad := block - buf.Len()%block
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	b, err := aes.NewCipher(c.key)
	if err != nil {
		return "", err
	}
	out := make([]byte, buf.Len())
	cipher.NewCBCEncrypter(b, c.key[:aes.BlockSize]).CryptBlocks(out, buf.Bytes())
	return base64.StdEncoding.EncodeToString(out), nil
}
