package supervision

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/auth"
)

// MaxAttachment is the largest attachment; MaxAttachments per item.
const (
	MaxAttachment  = 5 << 20
	MaxAttachments = 10
)

// sniff names the type of data by its first bytes: JPEG, PNG, WebP or
// PDF; "" for anything else, whatever the file is called.
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case len(data) >= 12 && bytes.Equal(data[:4], []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WEBP")):
		return "image/webp"
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf"
	}
	return ""
}

// cleanName keeps a file name's last element, without control characters,
// at most 100 characters.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	for utf8.RuneCountInString(name) > 100 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" {
		name = "attachment"
	}
	return name
}

// AddAttachment stores a file for an item: by the addressed side while the
// item is in progress, JPEG/PNG/WebP/PDF by content, at most 5 MB, at most
// 10 per item. On refusal nothing is stored.
func (s *Service) AddAttachment(ctx context.Context, c auth.Caller, id int64, name string, data []byte) (AttachmentView, error) {
	it, sd, err := s.load(ctx, c, id)
	if err != nil {
		return AttachmentView{}, err
	}
	if !sd.addressed {
		return AttachmentView{}, ErrNotYourSide
	}
	if it.Status != InProgress {
		return AttachmentView{}, ErrInvalidTransition
	}
	if len(data) > MaxAttachment {
		return AttachmentView{}, ErrTooLarge
	}
	ct := sniff(data)
	if ct == "" {
		return AttachmentView{}, ErrUnsupportedMedia
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return AttachmentView{}, err
	}
	stored := hex.EncodeToString(rnd[:])
	dir := filepath.Join(s.files, strconv.FormatInt(it.ID, 10))
	path := filepath.Join(dir, stored)
	now := s.clock()
	a := Attachment{ItemID: it.ID, Name: cleanName(name), ContentType: ct, Size: int64(len(data)), Stored: stored, UploaderID: c.UserID, CreatedAt: now}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Attachment{}).Where("item_id = ?", it.ID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxAttachments {
			return ErrTooMany
		}
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		if err := audit.Record(tx, c.Actor(), "rectification.attach", &audit.Place{Code: it.AreaCode, Path: it.AreaPath},
			fmt.Sprintf("rectification:%d", it.ID), map[string]any{"attachment": a.ID, "name": a.Name, "content_type": ct, "size": a.Size}); err != nil {
			return err
		}
		// The file is written last, inside the transaction: a failed write
		// rolls the row back, and a failed commit removes the file below.
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("supervision: attachment dir: %w", err)
		}
		tmp := path + ".part"
		if err := os.WriteFile(tmp, data, 0o640); err != nil {
			_ = os.Remove(tmp)
			return fmt.Errorf("supervision: write attachment: %w", err)
		}
		return os.Rename(tmp, path)
	})
	if err != nil {
		_ = os.Remove(path)
		return AttachmentView{}, err
	}
	return AttachmentView{ID: a.ID, Name: a.Name, ContentType: ct, Size: a.Size, CreatedAt: now}, nil
}

// File is an attachment's content.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// Attachment reads an attachment of an item the caller can see.
func (s *Service) Attachment(ctx context.Context, c auth.Caller, id, aid int64) (File, error) {
	if _, _, err := s.load(ctx, c, id); err != nil {
		return File{}, err
	}
	var a Attachment
	res := s.db.WithContext(ctx).Where("id = ? AND item_id = ?", aid, id).Limit(1).Find(&a)
	if res.Error != nil {
		return File{}, res.Error
	}
	if res.RowsAffected == 0 {
		return File{}, ErrAttachmentGone
	}
	data, err := os.ReadFile(filepath.Join(s.files, strconv.FormatInt(id, 10), a.Stored))
	if os.IsNotExist(err) {
		return File{}, ErrAttachmentGone
	}
	if err != nil {
		return File{}, err
	}
	return File{Name: a.Name, ContentType: a.ContentType, Data: data}, nil
}
