// Package phone keeps residents' phone numbers unreadable at rest: encrypted
// with AES-GCM for the rare need to show them masked, and found by an HMAC so
// that a lookup never needs the plain number in a query or a column.
package phone

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
)

// ErrInvalid is returned for a string that is not a mainland mobile number.
var ErrInvalid = errors.New("phone: not a valid mobile number")

var mobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// Normalize returns the 11-digit number, accepting spaces, dashes and a +86 prefix.
func Normalize(s string) (string, error) {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+86"), "0086")
	if !mobile.MatchString(s) {
		return "", ErrInvalid
	}
	return s, nil
}

// Mask shows a number as 138****1234.
func Mask(n string) string {
	if len(n) != 11 {
		return "****"
	}
	return n[:3] + "****" + n[7:]
}

// Vault encrypts, decrypts and hashes phone numbers with the installation's key.
type Vault struct {
	aead    cipher.AEAD
	hashKey []byte
}

// NewVault derives the encryption and lookup keys from one 32-byte secret.
func NewVault(key []byte) (*Vault, error) {
	if len(key) < 32 {
		return nil, errors.New("phone: key must be 32 bytes")
	}
	encKey := derive(key, "wuzha phone encryption v1")
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Vault{aead: aead, hashKey: derive(key, "wuzha phone lookup v1")}, nil
}

func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Hash is the keyed lookup hash of a normalized number (hex).
func (v *Vault) Hash(n string) string {
	m := hmac.New(sha256.New, v.hashKey)
	m.Write([]byte(n))
	return hex.EncodeToString(m.Sum(nil))
}

// Seal encrypts a normalized number (base64 of nonce‖ciphertext).
func (v *Vault) Seal(n string) string {
	nonce := make([]byte, v.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(v.aead.Seal(nonce, nonce, []byte(n), []byte("phone")))
}

// Open decrypts what Seal produced.
func (v *Vault) Open(sealed string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < v.aead.NonceSize() {
		return "", errors.New("phone: sealed value is malformed")
	}
	ns := v.aead.NonceSize()
	out, err := v.aead.Open(nil, raw[:ns], raw[ns:], []byte("phone"))
	if err != nil {
		return "", errors.New("phone: cannot decrypt (wrong key?)")
	}
	return string(out), nil
}
