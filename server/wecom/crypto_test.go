package wecom

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// Published vectors (testdata/vectors/README.md): Tencent's sample code.
const (
	tokenA  = "QDG6eK"
	keyA    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	corpA   = "wx5823bf96d3bd56c7"
	getA    = "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D"
	postEnc = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	postXML = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"

	tokenB = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	keyB   = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	corpB  = "ww1436e0e65a779aee"
	echoB  = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
	encB   = "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
	xmlB   = "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
)

func must(t *testing.T, token, key, corp string) *Crypto {
	c, err := New(token, key, corp)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVectorSetA(t *testing.T) {
	c := must(t, tokenA, keyA, corpA)
	q, _ := url.ParseQuery(getA) // percent-decoding: a raw '+' would become a space
	echostr := q.Get("echostr")
	if err := c.Verify(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), echostr); err != nil {
		t.Fatal(err)
	}
	got, err := c.Decrypt(echostr)
	if err != nil || string(got) != "1616140317555161061" {
		t.Fatalf("echostr: %q %v", got, err)
	}
	// Encrypting with the published random prefix reproduces the ciphertext.
	if enc, _ := c.Encrypt([]byte("1616140317555161061"), []byte("c41b64491c2468d0")); enc != echostr {
		t.Fatalf("encrypt: %s", enc)
	}
	if err := c.Verify("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", postEnc); err != nil {
		t.Fatal(err)
	}
	msg, err := c.Decrypt(postEnc)
	if err != nil || string(msg) != postXML || len(msg) != 284 {
		t.Fatalf("post: %d bytes %v\n%q", len(msg), err, msg)
	}
}

func TestVectorSetB(t *testing.T) {
	c := must(t, tokenB, keyB, corpB)
	if err := c.Verify("012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683", echoB); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Decrypt(echoB); err != nil || string(got) != "1288432023552776189" {
		t.Fatalf("echostr: %q %v", got, err)
	}
	if err := c.Verify("0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914", encB); err != nil {
		t.Fatal(err)
	}
	if msg, err := c.Decrypt(encB); err != nil || string(msg) != xmlB {
		t.Fatalf("post: %q %v", msg, err)
	}
}

func TestRejects(t *testing.T) {
	a := must(t, tokenA, keyA, corpA)
	if err := a.Verify("477715d11cdb4164915debcba66cb864d751f3e7", "1409659813", "1372623149", postEnc); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered signature: %v", err)
	}
	wrongCorp := must(t, tokenA, keyA, "wx0000000000000000")
	if _, err := wrongCorp.Decrypt(postEnc); !errors.Is(err, ErrReceiver) {
		t.Errorf("wrong corp id: %v", err)
	}
	// Bad padding: the last block re-encrypted with a pad byte of 33.
	if _, err := must(t, tokenB, keyB, corpB).Decrypt(postEnc); err == nil {
		t.Error("a message under another key decrypted")
	}
	if _, err := a.Decrypt("not base64!"); !errors.Is(err, ErrCipher) {
		t.Errorf("not base64: %v", err)
	}
	if _, err := a.Decrypt(strings.Repeat("A", 24)); err == nil {
		t.Error("a short ciphertext decrypted")
	}
	if _, err := New(tokenA, keyA[:42], corpA); !errors.Is(err, ErrKey) {
		t.Errorf("short key: %v", err)
	}
	// Round trip, and padding validation on a crafted block.
	enc, _ := a.Encrypt([]byte("你好，chatbi"), nil)
	if msg, err := a.Decrypt(enc); err != nil || string(msg) != "你好，chatbi" {
		t.Fatalf("round trip: %q %v", msg, err)
	}
}

func TestBadPadding(t *testing.T) {
	a := must(t, tokenA, keyA, corpA)
	for _, pad := range []byte{0, 33} {
		// 32 bytes of plaintext whose last byte claims an impossible pad.
		plain := make([]byte, 64)
		plain[len(plain)-1] = pad
		enc := encryptRaw(t, a, plain)
		if _, err := a.Decrypt(enc); !errors.Is(err, ErrPadding) {
			t.Errorf("pad %d: %v", pad, err)
		}
	}
}
