package api

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// listPage is the answer shape of every list.
type listPage[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// idParam reads the :id of a route, the one way every id in a path is read:
// anything but a positive integer is the domain's notFound, as an unknown id.
func idParam(c *fiber.Ctx, notFound error) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	return id, nil
}

// limitParam reads ?limit= (default 20, max 100).
func limitParam(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 20, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errBadParam
	}
	return min(n, 100), nil
}

// pageParams reads ?limit= and ?cursor= (opaque: an id).
func pageParams(c *fiber.Ctx) (limit int, after int64, err error) {
	if limit, err = limitParam(c); err != nil {
		return 0, 0, err
	}
	if v := c.Query("cursor"); v != "" {
		if after, err = parseCursor(v); err != nil {
			return 0, 0, err
		}
	}
	return limit, after, nil
}

// parseCursor reads a cursor that encodeCursor made; anything else is
// errBadParam.
func parseCursor(v string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || !strings.HasPrefix(string(raw), "id:") {
		return 0, errBadParam
	}
	after, err := strconv.ParseInt(strings.TrimPrefix(string(raw), "id:"), 10, 64)
	if err != nil || after < 0 {
		return 0, errBadParam
	}
	return after, nil
}

// encodeCursor is the opaque cursor after id.
func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(id, 10)))
}

// newPage builds a page; a full page gets a cursor at its last id.
func newPage[T any](items []T, limit int, idOf func(T) int64) listPage[T] {
	p := listPage[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(items) == limit && limit > 0 {
		cur := encodeCursor(idOf(items[len(items)-1]))
		p.NextCursor = &cur
	}
	return p
}
