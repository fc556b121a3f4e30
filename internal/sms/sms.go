// Package sms sends text messages. The default sender appends each message to
// a local outbox file, so development and tests can read the codes; a real
// gateway implements Sender.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Sender delivers one text message to one phone number.
type Sender interface {
	Send(ctx context.Context, phone, text string) error
}

// Outbox is the default Sender: one JSON line {phone, text, sent_at} per message.
type Outbox struct {
	path string
	mu   sync.Mutex
}

// NewOutbox returns a sender appending to path (its folder is created).
func NewOutbox(path string) (*Outbox, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sms: outbox dir: %w", err)
	}
	return &Outbox{path: path}, nil
}

type line struct {
	Phone  string    `json:"phone"`
	Text   string    `json:"text"`
	SentAt time.Time `json:"sent_at"`
}

// Send appends the message. O_APPEND keeps lines whole across processes.
func (o *Outbox) Send(_ context.Context, phone, text string) error {
	b, err := json.Marshal(line{Phone: phone, Text: text, SentAt: time.Now()})
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sms: open outbox: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("sms: write outbox: %w", err)
	}
	return f.Close()
}

// HTTP is a Sender for a real SMS gateway: it posts each message as JSON
// {"phone": "13800138000", "text": "…"} to url, with "Authorization: Bearer
// token" when a token is given, and takes any 2xx answer as sent. Providers
// that need their own signing (Aliyun, Tencent Cloud …) sit behind a small
// relay that speaks this form, or implement Sender directly.
type HTTP struct {
	url    string
	token  string
	client *http.Client
}

// NewHTTP returns a gateway sender posting to url.
func NewHTTP(url, token string) *HTTP {
	return &HTTP{url: url, token: token, client: &http.Client{Timeout: 10 * time.Second}}
}

// Send posts the message. The phone number and text never appear in the
// error, which is logged.
func (h *HTTP) Send(ctx context.Context, phone, text string) error {
	body, err := json.Marshal(map[string]string{"phone": phone, "text": text})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms: gateway request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	res, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("sms: gateway: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("sms: gateway answered %d", res.StatusCode)
	}
	return nil
}
