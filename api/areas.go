package api

import (
	"errors"
	"io"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/area"
	"wuzha/internal/fault"
	"wuzha/internal/sheet"
)

// areaView is an area as the API shows it.
type areaView struct {
	Code       string      `json:"code"`
	Name       string      `json:"name"`
	Level      area.Level  `json:"level"`
	ParentCode *string     `json:"parent_code"`
	Population int64       `json:"population"`
	Demo       bool        `json:"demo"`
	Children   []childView `json:"children"`
}

type childView struct {
	Code  string     `json:"code"`
	Name  string     `json:"name"`
	Level area.Level `json:"level"`
	Demo  bool       `json:"demo"`
}

var errAreaNotFound = fault.New(fault.NotFound, "not_found", "区域不存在")

func (s *Server) viewArea(c *fiber.Ctx, a area.Area, children []area.Area) (areaView, error) {
	pop, err := s.Areas.Population(c.UserContext(), a)
	if err != nil {
		return areaView{}, err
	}
	v := areaView{Code: a.Code, Name: a.Name, Level: a.Level, ParentCode: a.ParentCode, Population: pop, Demo: a.Demo, Children: []childView{}}
	for _, ch := range children {
		v.Children = append(v.Children, childView{Code: ch.Code, Name: ch.Name, Level: ch.Level, Demo: ch.Demo})
	}
	return v, nil
}

func (s *Server) listAreas(c *fiber.Ctx) error {
	roots, err := s.Areas.Roots(c.UserContext())
	if err != nil {
		return err
	}
	codes := make([]string, len(roots))
	for i, r := range roots {
		codes[i] = r.Code
	}
	kids, err := s.Areas.ChildrenOf(c.UserContext(), codes)
	if err != nil {
		return err
	}
	out := listPage[areaView]{Items: []areaView{}}
	for _, r := range roots {
		v, err := s.viewArea(c, r, kids[r.Code])
		if err != nil {
			return err
		}
		out.Items = append(out.Items, v)
	}
	return c.JSON(out)
}

func (s *Server) getArea(c *fiber.Ctx) error {
	a, err := s.Areas.Get(c.UserContext(), c.Params("code"))
	if errors.Is(err, area.ErrNotFound) {
		return errAreaNotFound
	}
	if err != nil {
		return err
	}
	kids, err := s.Areas.Children(c.UserContext(), a.Code)
	if err != nil {
		return err
	}
	v, err := s.viewArea(c, a, kids)
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
	rows, err := area.ParseFile(name, data)
	if err != nil {
		return importFault(err)
	}
	cl := caller(c)
	res, err := s.Areas.ImportScoped(c.UserContext(), rows, cl.AreaPath, cl.Actor())
	if err != nil {
		return importFault(err)
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
		id, err := idParam(c, area.ErrChangeNotFound)
		if err != nil {
			return err
		}
		var req rejectRequest
		if !approve {
			if err := decode(c, &req); err != nil {
				return err
			}
		}
		cl := caller(c)
		v, err := s.Areas.DecideChange(c.UserContext(), id, cl.AreaPath, cl.Actor(), approve, req.Reason)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

func importFault(err error) error {
	var ie *area.ImportError
	if errors.As(err, &ie) {
		fields := make([]fault.Field, len(ie.Rows))
		for i, r := range ie.Rows {
			fields[i] = fault.Field{Row: r.Row, Message: r.Message}
		}
		return sheet.BadRows("import_invalid", "导入文件有错误，未导入任何数据", fields)
	}
	if errors.Is(err, area.ErrBadFile) {
		return fault.New(fault.Invalid, "import_unreadable", "无法读取文件：需要 UTF-8 CSV 或 XLSX，首行为列名 code, name, parent_code, level, population")
	}
	return err
}

// uploadedFile reads the multipart field "file" of an upload.
func (s *Server) uploadedFile(c *fiber.Ctx) (string, []byte, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return "", nil, errNoFile
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, errNoFile
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(s.MaxUploadBytes)+1))
	if err != nil {
		return "", nil, errNoFile
	}
	return fh.Filename, data, nil
}
