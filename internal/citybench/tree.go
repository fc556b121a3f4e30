package citybench

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strconv"

	"wuzha/internal/area"
	"wuzha/seed"
)

// benchArea is one area the benchmark's import adds or renames.
type benchArea struct {
	Code, Name, Parent string
	Level              area.Level
	Population         int64 // grids only
	County             int   // index of its county among the benchmark's counties
}

// cityTree grows the seeded city to the sizes asked: the first s.Counties
// seeded counties; s.Towns towns spread evenly over them (each county's
// seeded towns first, then new ones numbered from 201); s.Communities
// communities spread evenly over those towns and s.Grids grids over the
// communities, numbered from 001 under their parent as the seed numbers its
// demo ones (so seeded communities and grids are renamed, never doubled).
// It returns the rows to import (every area except the seeded city,
// counties and towns) and the grids, in order.
func cityTree(s Sizes, rng *rand.Rand) (rows []benchArea, grids []benchArea, err error) {
	seeded, err := seed.Areas()
	if err != nil {
		return nil, nil, err
	}
	var counties []string
	towns := map[string][]string{}
	for _, r := range seeded {
		switch r.Level {
		case area.County:
			counties = append(counties, r.Code)
		case area.Town:
			towns[r.ParentCode] = append(towns[r.ParentCode], r.Code)
		}
	}
	if s.Counties < 1 || s.Counties > len(counties) {
		return nil, nil, fmt.Errorf("citybench: BENCH_COUNTIES must be 1–%d (the seeded counties), not %d", len(counties), s.Counties)
	}
	if s.Towns < s.Counties || s.Communities < s.Towns || s.Grids < s.Communities {
		return nil, nil, fmt.Errorf("citybench: sizes must grow down the tree: counties %d ≤ towns %d ≤ communities %d ≤ grids %d", s.Counties, s.Towns, s.Communities, s.Grids)
	}
	counties = counties[:s.Counties]
	type town struct {
		code   string
		county int
	}
	var allTowns []town
	for i, c := range counties {
		share := spread(s.Towns, len(counties), i)
		for j := 0; j < share; j++ {
			if j < len(towns[c]) {
				allTowns = append(allTowns, town{towns[c][j], i})
				continue
			}
			code := fmt.Sprintf("%s%03d", c, 201+j-len(towns[c]))
			rows = append(rows, benchArea{Code: code, Name: fmt.Sprintf("压测第%d镇", j+1), Parent: c, Level: area.Town, County: i})
			allTowns = append(allTowns, town{code, i})
		}
	}
	var communities []benchArea
	for i, t := range allTowns {
		for j := 1; j <= spread(s.Communities, len(allTowns), i); j++ {
			c := benchArea{Code: fmt.Sprintf("%s%03d", t.code, j), Name: fmt.Sprintf("压测第%d社区", j), Parent: t.code, Level: area.Community, County: t.county}
			communities = append(communities, c)
			rows = append(rows, c)
		}
	}
	for i, c := range communities {
		for j := 1; j <= spread(s.Grids, len(communities), i); j++ {
			// 200–720 residents a grid: about 2.3 million people over
			// 5,000 grids, as in the city measured.
			g := benchArea{Code: fmt.Sprintf("%s%03d", c.Code, j), Name: fmt.Sprintf("压测第%d网格", j), Parent: c.Code, Level: area.Grid,
				Population: int64(200 + rng.IntN(521)), County: c.County}
			grids = append(grids, g)
			rows = append(rows, g)
		}
	}
	return rows, grids, nil
}

// spread is part i of n when total is shared out as evenly as possible.
func spread(total, n, i int) int {
	share := total / n
	if i < total%n {
		share++
	}
	return share
}

// importCSV writes rows as the admin's area import file: code, name,
// parent_code, level, population (filled on grids only).
func importCSV(rows []benchArea) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"code", "name", "parent_code", "level", "population"})
	for _, r := range rows {
		pop := ""
		if r.Level == area.Grid {
			pop = strconv.FormatInt(r.Population, 10)
		}
		_ = w.Write([]string{r.Code, r.Name, r.Parent, string(r.Level), pop})
	}
	w.Flush()
	return b.Bytes()
}
