package api

import (
	"github.com/gofiber/fiber/v2"

	"wuzha/internal/fault"
	"wuzha/internal/picture"
)

var errNoImage = fault.New(fault.Invalid, "file_required", "请选择要上传的图片（表单字段 file）")

// uploadImage stores an image for a warning's body: staff only, decoded and
// encoded anew by picture.Store; the answer's url goes into the Markdown.
func (s *Server) uploadImage(c *fiber.Ctx) error {
	_, data, err := readUpload(c, picture.MaxBytes, errNoImage, picture.ErrTooLarge)
	if err != nil {
		return err
	}
	p, err := s.Pictures.Save(data)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

// getImage serves a stored image. Its name is its content's hash, so it is
// cached for a year; nosniff and a CSP that allows nothing keep a browser
// from reading it as anything but the image it is.
func (s *Server) getImage(c *fiber.Ctx) error {
	name := c.Params("name")
	data, err := s.Pictures.Open(name)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, picture.ContentType(name))
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(data)
}
