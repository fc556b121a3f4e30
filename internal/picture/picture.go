// Package picture keeps the images that editors put into warnings. An
// upload is sniffed, decoded (JPEG, PNG, GIF, WebP), scaled down to a
// maximum width and encoded anew, which drops whatever the file carried
// besides pixels (EXIF with places and times, comments, scripts in a
// polyglot). Stored files are named by the SHA-256 of what was written, so
// a URL names one content forever and may be cached for good.
package picture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"regexp"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"wuzha/internal/fault"
)

// Limits of an upload.
const (
	MaxBytes  = 5 << 20  // the largest file accepted
	MaxWidth  = 1280     // wider images are scaled down to this width
	MaxPixels = 40 << 20 // decoding a larger canvas is refused (a decompression bomb)
	MaxSide   = 12000
)

// URLPrefix is where stored images are served; the warning sanitizer lets
// <img> point only here.
const URLPrefix = "/api/v1/images/"

// Errors of Store and Open.
var (
	ErrTooLarge    = fault.New(fault.Invalid, "image_too_large", "图片不能超过 5 MB")
	ErrUnsupported = fault.New(fault.Invalid, "image_unsupported", "只能上传 JPEG、PNG、GIF 或 WebP 图片")
	ErrUnreadable  = fault.New(fault.Invalid, "image_unreadable", "图片已损坏或无法读取")
	ErrTooManyPx   = fault.New(fault.Invalid, "image_too_large", "图片尺寸过大（最大 12000 像素，总像素不超过 4000 万）")
	ErrNotFound    = fault.New(fault.NotFound, "image_not_found", "图片不存在")
)

// NamePattern matches the name of a stored image.
var NamePattern = regexp.MustCompile(`^[0-9a-f]{64}\.(jpg|png)$`)

// Picture is a stored image.
type Picture struct {
	URL         string `json:"url"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// Store keeps images in a folder.
type Store struct{ dir string }

// NewStore keeps images in dir (made when the first image is stored).
func NewStore(dir string) *Store { return &Store{dir: dir} }

// sniff names the format of data by its first bytes, whatever the file is
// called or claims to be.
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "gif"
	case len(data) >= 12 && bytes.Equal(data[:4], []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WEBP")):
		return "webp"
	}
	return ""
}

func decoder(format string) (func([]byte) (image.Image, error), func([]byte) (image.Config, error)) {
	wrap := func(d func(r *bytes.Reader) (image.Image, error), c func(r *bytes.Reader) (image.Config, error)) (func([]byte) (image.Image, error), func([]byte) (image.Config, error)) {
		return func(b []byte) (image.Image, error) { return d(bytes.NewReader(b)) }, func(b []byte) (image.Config, error) { return c(bytes.NewReader(b)) }
	}
	switch format {
	case "jpeg":
		return wrap(func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }, func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) })
	case "png":
		return wrap(func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }, func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) })
	case "gif":
		return wrap(func(r *bytes.Reader) (image.Image, error) { return gif.Decode(r) }, func(r *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(r) })
	case "webp":
		return wrap(func(r *bytes.Reader) (image.Image, error) { return webp.Decode(r) }, func(r *bytes.Reader) (image.Config, error) { return webp.DecodeConfig(r) })
	}
	return nil, nil
}

// Normalize decodes an upload and encodes it anew, at most MaxWidth wide:
// JPEG stays JPEG, and so does an opaque WebP; PNG, GIF (its first frame)
// and a WebP with transparency become PNG. It returns the new file and its
// extension ("jpg" or "png").
func Normalize(data []byte) ([]byte, string, image.Point, error) {
	if len(data) > MaxBytes {
		return nil, "", image.Point{}, ErrTooLarge
	}
	format := sniff(data)
	decode, config := decoder(format)
	if decode == nil {
		return nil, "", image.Point{}, ErrUnsupported
	}
	cfg, err := config(data)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", image.Point{}, ErrUnreadable
	}
	if cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
		return nil, "", image.Point{}, ErrTooManyPx
	}
	src, err := decode(data)
	if err != nil {
		return nil, "", image.Point{}, ErrUnreadable
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > MaxWidth {
		w, h = MaxWidth, max(1, h*MaxWidth/b.Dx())
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() {
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
	} else {
		xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, b, xdraw.Src, nil)
	}
	var out bytes.Buffer
	ext := "png"
	if format == "jpeg" || (format == "webp" && dst.Opaque()) {
		ext = "jpg"
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 85})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, dst)
	}
	if err != nil {
		return nil, "", image.Point{}, fmt.Errorf("picture: encode: %w", err)
	}
	return out.Bytes(), ext, image.Pt(w, h), nil
}

// Save normalizes an upload and stores it under its content's hash; the
// same picture uploaded twice is stored once.
func (s *Store) Save(data []byte) (Picture, error) {
	out, ext, size, err := Normalize(data)
	if err != nil {
		return Picture{}, err
	}
	sum := sha256.Sum256(out)
	name := hex.EncodeToString(sum[:]) + "." + ext
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return Picture{}, fmt.Errorf("picture: folder: %w", err)
	}
	path := filepath.Join(s.dir, name)
	if _, err := os.Stat(path); err != nil {
		tmp, err := os.CreateTemp(s.dir, "upload-*.part")
		if err != nil {
			return Picture{}, fmt.Errorf("picture: write: %w", err)
		}
		_, werr := tmp.Write(out)
		cerr := tmp.Close()
		if werr != nil || cerr != nil {
			_ = os.Remove(tmp.Name())
			return Picture{}, fmt.Errorf("picture: write: %v %v", werr, cerr)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			_ = os.Remove(tmp.Name())
			return Picture{}, fmt.Errorf("picture: write: %w", err)
		}
	}
	return Picture{URL: URLPrefix + name, Width: size.X, Height: size.Y, ContentType: ContentType(name), Size: len(out)}, nil
}

// ContentType is the type a stored image is served with.
func ContentType(name string) string {
	if filepath.Ext(name) == ".png" {
		return "image/png"
	}
	return "image/jpeg"
}

// Open reads a stored image by name; any other name is not found.
func (s *Store) Open(name string) ([]byte, error) {
	if !NamePattern.MatchString(name) {
		return nil, ErrNotFound
	}
	data, err := os.ReadFile(filepath.Join(s.dir, name))
	if os.IsNotExist(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("picture: read: %w", err)
	}
	return data, nil
}
