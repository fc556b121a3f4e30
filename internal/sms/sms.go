// Package sms sends text messages. The default sender appends each message to
// a local outbox file, so development and tests can read the codes; a real
// gateway implements Sender.
package sms

import (
	"context"
	"encoding/json"
	"fmt"
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
