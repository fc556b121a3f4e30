// Package frontend embeds the built web app (frontend/dist) into the binary.
//
// The dist folder is committed empty (a .gitkeep), so `go build` and the Go
// tests work before Node has ever run; the server then serves a placeholder
// page that says how to build the real one.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built app's files, rooted at dist/.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub only fails for an invalid path, and "dist" is a constant.
		panic(err)
	}
	return sub
}
