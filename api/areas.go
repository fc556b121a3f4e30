package api

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/area"
	"wuzha/internal/fault"
)

func (s *Server) listAreas(c *fiber.Ctx) error {
	if c.Query("q") != "" {
		return s.searchAreas(c)
	}
	items, err := s.Areas.RootViews(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(listPage[area.View]{Items: items})
}

var errBadLevel = fault.New(fault.Invalid, "bad_parameter", "区域层级只能是 city、county、town、community 或 grid")

// searchAreas finds areas by name or code (?q=), optionally of one level
// (?level=) and inside one area (?within=), for the area pickers. Areas
// are public, as GET /areas is.
func (s *Server) searchAreas(c *fiber.Ctx) error {
	level := area.Level(c.Query("level"))
	switch level {
	case "", area.City, area.County, area.Town, area.Community, area.Grid:
	default:
		return errBadLevel
	}
	items, err := s.Areas.Search(c.UserContext(), c.Query("q"), level, c.Query("within"))
	if err != nil {
		return err
	}
	return c.JSON(listPage[area.Found]{Items: items})
}

func (s *Server) getArea(c *fiber.Ctx) error {
	v, err := s.Areas.ViewOf(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

var errNoFile = fault.New(fault.Invalid, "file_required", "请上传 .xlsx 或 .csv 文件（表单字段 file）")

// importAreas takes an XLSX or CSV area list. Every row must be valid and
// inside the admin's scope, or nothing is imported and every bad row is named.
func (s *Server) importAreas(c *fiber.Ctx) error {
	name, data, err := s.uploadedFile(c)
	if err != nil {
		return err
	}
	cl := caller(c)
	res, err := s.Areas.ImportFile(c.UserContext(), name, data, cl.AreaPath, cl.Actor())
	if err != nil {
		return err
	}
	if res.ChangeID != nil {
		// Names and new areas are in; the populations wait for an admin above.
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"imported": res.Imported, "change_id": *res.ChangeID, "status": area.ChangePending, "changes": res.Changes})
	}
	return c.JSON(fiber.Map{"imported": res.Imported, "changes": res.Changes})
}

func (s *Server) listAreaChanges(c *fiber.Ctx) error {
	status := c.Query("status")
	switch status {
	case "", "all", area.ChangePending, area.ChangeApproved, area.ChangeRejected:
	default:
		return errBadParam
	}
	limit, _, err := pageParams(c)
	if err != nil {
		return err
	}
	cl := caller(c)
	items, err := s.Areas.ListChanges(c.UserContext(), cl.AreaPath, cl.UserID, status, limit)
	if err != nil {
		return err
	}
	return c.JSON(listPage[area.ChangeView]{Items: items})
}

// decideAreaChange serves approve and reject ({reason} required to reject).
func (s *Server) decideAreaChange(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, reason, err := decision(c, area.ErrChangeNotFound, !approve)
		if err != nil {
			return err
		}
		cl := caller(c)
		v, err := s.Areas.DecideChange(c.UserContext(), id, cl.AreaPath, cl.Actor(), approve, reason)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

// uploadedFile reads the multipart field "file" of an upload.
func (s *Server) uploadedFile(c *fiber.Ctx) (string, []byte, error) {
	return readUpload(c, int64(s.MaxUploadBytes), errNoFile, nil)
}

// readUpload reads the multipart field "file": missing when there is none,
// tooLarge (when not nil) when it declares more than limit bytes; at most
// limit+1 bytes are read, so a caller can tell a file over the limit.
func readUpload(c *fiber.Ctx, limit int64, missing, tooLarge error) (string, []byte, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return "", nil, missing
	}
	if tooLarge != nil && fh.Size > limit {
		return "", nil, tooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, missing
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return "", nil, missing
	}
	return fh.Filename, data, nil
}
