package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	issuer   = "wuzha"
	audience = "wuzha-api"
	// typAccess marks access tokens; refresh tokens are opaque and never JWTs,
	// and any other typ is refused.
	typAccess = "access"
)

type claims struct {
	jwt.RegisteredClaims
	Typ string `json:"typ"`
	SID string `json:"sid"`
}

type tokenMaker struct {
	secret []byte
	ttl    time.Duration
}

func (m tokenMaker) sign(userID int64, signInID string, now time.Time) (string, error) {
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   strconv.FormatInt(userID, 10),
			Audience:  jwt.ClaimStrings{audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-30 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(now.Add(m.ttl)),
			ID:        randomToken(12),
		},
		Typ: typAccess,
		SID: signInID,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(m.secret)
}

var errBadToken = errors.New("auth: bad token")

func (m tokenMaker) parse(raw string) (userID int64, signInID string, err error) {
	var c claims
	_, err = jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return m.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
	)
	if err != nil {
		return 0, "", errBadToken
	}
	if c.Typ != typAccess || c.SID == "" {
		return 0, "", errBadToken
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id <= 0 {
		return 0, "", errBadToken
	}
	return id, c.SID, nil
}

// randomToken is n random bytes, URL-safe base64.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
