package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
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
	secret   []byte
	ttl      time.Duration
	verified *verifiedTokens
}

// verifiedTokens remembers access tokens whose signature and claims were
// checked, until they expire: a client sends the same token with every
// request for its lifetime, and checking it is a good part of a request's
// CPU. It holds only what parse would compute again from the same string;
// whether the sign-in is still live is asked of the database every time.
type verifiedTokens struct {
	mu    sync.Mutex
	items map[string]verifiedToken
}

type verifiedToken struct {
	userID   int64
	signInID string
	until    time.Time
}

// maxVerified bounds the memory: about 300 bytes a token.
const maxVerified = 100_000

func (v *verifiedTokens) get(raw string, now time.Time) (verifiedToken, bool) {
	v.mu.Lock()
	t, ok := v.items[raw]
	v.mu.Unlock()
	return t, ok && now.Before(t.until)
}

func (v *verifiedTokens) put(raw string, t verifiedToken, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.items) >= maxVerified {
		for k, x := range v.items {
			if !now.Before(x.until) {
				delete(v.items, k)
			}
		}
		if len(v.items) >= maxVerified {
			v.items = map[string]verifiedToken{}
		}
	}
	// A copy: the caller's string may share a buffer the HTTP server reuses.
	v.items[strings.Clone(raw)] = t
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
	now := time.Now()
	if m.verified != nil {
		if t, ok := m.verified.get(raw, now); ok {
			return t.userID, t.signInID, nil
		}
	}
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
	if m.verified != nil {
		// Valid until it expires, with the leeway the check allows; not
		// before and issued at only ever become true as time goes on.
		m.verified.put(raw, verifiedToken{userID: id, signInID: c.SID, until: c.ExpiresAt.Add(5 * time.Second)}, now)
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
