// Package seed is the data a new installation starts with: the Quzhou area
// hierarchy (real city, counties and towns; demo communities and grids), the
// code lists, and — as later features land — warnings and the question bank.
// Loading is idempotent: it adds what is missing and never overwrites what an
// installation has changed.
package seed

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"wuzha/internal/area"
	"wuzha/internal/content"
	"wuzha/internal/quiz"
	"wuzha/internal/taxonomy"
)

//go:embed taxonomy.json
var taxonomyJSON []byte

//go:embed areas.json
var areasJSON []byte

//go:embed content/warnings.json
var warningsJSON []byte

// RootArea is the code of the seeded hierarchy's root (衢州市).
const RootArea = "330800"

// Warnings returns the shipped warnings.
func Warnings() ([]content.SeedWarning, error) {
	var out []content.SeedWarning
	if err := json.Unmarshal(warningsJSON, &out); err != nil {
		return nil, fmt.Errorf("seed: warnings.json: %w", err)
	}
	return out, nil
}

type areasFile struct {
	City     struct{ Code, Name string } `json:"city"`
	Counties []struct {
		Code  string `json:"code"`
		Name  string `json:"name"`
		Towns []struct {
			Code string `json:"code"`
			Name string `json:"name"`
		} `json:"towns"`
	} `json:"counties"`
	Demo struct {
		CommunitiesPerTown int `json:"communities_per_town"`
		GridsPerCommunity  int `json:"grids_per_community"`
	} `json:"demo"`
}

var communityNames = []string{"城东", "城西", "南山", "北岸", "新村", "和平"}

// Taxonomy returns the seeded code lists.
func Taxonomy() (taxonomy.Lists, error) {
	var l taxonomy.Lists
	if err := json.Unmarshal(taxonomyJSON, &l); err != nil {
		return l, fmt.Errorf("seed: taxonomy.json: %w", err)
	}
	return l, nil
}

// Areas returns the seeded hierarchy as import rows, parents first. Demo
// communities and grids carry Demo=true and "（演示）" in their names; grid
// populations are fixed pseudo-random figures between 600 and 2,400.
func Areas() ([]area.Row, error) {
	var f areasFile
	if err := json.Unmarshal(areasJSON, &f); err != nil {
		return nil, fmt.Errorf("seed: areas.json: %w", err)
	}
	var rows []area.Row
	add := func(r area.Row) {
		r.Line = len(rows) + 1
		rows = append(rows, r)
	}
	add(area.Row{Code: f.City.Code, Name: f.City.Name, Level: area.City})
	n := 0
	for _, c := range f.Counties {
		add(area.Row{Code: c.Code, Name: c.Name, ParentCode: f.City.Code, Level: area.County})
		for _, t := range c.Towns {
			add(area.Row{Code: t.Code, Name: t.Name, ParentCode: c.Code, Level: area.Town})
			for i := 1; i <= f.Demo.CommunitiesPerTown; i++ {
				cc := fmt.Sprintf("%s%03d", t.Code, i)
				cn := communityNames[(n+i)%len(communityNames)]
				add(area.Row{Code: cc, Name: fmt.Sprintf("%s%s社区（演示）", trimSuffix(t.Name), cn), ParentCode: t.Code, Level: area.Community, Demo: true})
				for g := 1; g <= f.Demo.GridsPerCommunity; g++ {
					n++
					pop := int64(600 + (n*7919)%1801)
					add(area.Row{Code: fmt.Sprintf("%s%03d", cc, g), Name: fmt.Sprintf("%s社区第%d网格（演示）", cn, g), ParentCode: cc, Level: area.Grid, Population: pop, Demo: true})
				}
			}
		}
	}
	return rows, nil
}

func trimSuffix(town string) string {
	r := []rune(town)
	for _, s := range []string{"街道", "办事处", "镇", "乡"} {
		sr := []rune(s)
		if len(r) > len(sr) && string(r[len(r)-len(sr):]) == s {
			return string(r[:len(r)-len(sr)])
		}
	}
	return town
}

// Targets are the stores the seed is written into. Warnings and Quizzes may
// be nil (the command line's user add needs only areas and code lists).
type Targets struct {
	Areas    *area.Store
	Codes    *taxonomy.Store
	Warnings *content.Service
	Quizzes  *quiz.Service
}

//go:embed content/questions.json
var questionsJSON []byte

// Questions returns the shipped question bank.
func Questions() ([]quiz.SeedQuestion, error) {
	var out []quiz.SeedQuestion
	if err := json.Unmarshal(questionsJSON, &out); err != nil {
		return nil, fmt.Errorf("seed: questions.json: %w", err)
	}
	return out, nil
}

// Load writes the seed into a database, keeping whatever is already there.
func Load(ctx context.Context, t Targets) error {
	areas, codes, warnings := t.Areas, t.Codes, t.Warnings
	l, err := Taxonomy()
	if err != nil {
		return err
	}
	if err := codes.Seed(ctx, l); err != nil {
		return fmt.Errorf("seed: code lists: %w", err)
	}
	rows, err := Areas()
	if err != nil {
		return err
	}
	if _, err := areas.Import(ctx, rows, true); err != nil {
		return fmt.Errorf("seed: areas: %w", err)
	}
	if warnings == nil {
		return nil
	}
	ws, err := Warnings()
	if err != nil {
		return err
	}
	if err := warnings.Seed(ctx, RootArea, ws); err != nil {
		return err
	}
	if t.Quizzes == nil {
		return nil
	}
	qs, err := Questions()
	if err != nil {
		return err
	}
	ids, err := warnings.IDsBySlug(ctx)
	if err != nil {
		return err
	}
	if err := t.Quizzes.Seed(ctx, RootArea, qs, ids); err != nil {
		return err
	}
	return t.Quizzes.SeedDemoQuiz(ctx, RootArea)
}
