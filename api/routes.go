package api

import (
	"time"

	"wuzha/internal/auth"
)

// routes is every route of wuzha, top to bottom. api/openapi.yaml describes
// each one; TestOpenAPIMatchesRoutes keeps the two in step.
func (s *Server) routes() {
	app := s.app
	app.Use(s.requestStart)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metrics.handler())

	v1 := app.Group("/api/v1", s.requireReady)

	// Sign-in.
	v1.Post("/auth/login", s.limit("login", 30, time.Minute), s.guard(public), s.login)
	v1.Post("/auth/refresh", s.limit("refresh", 60, time.Minute), s.guard(public), s.refresh)
	v1.Post("/auth/logout", s.guard(signedIn), s.logout)
	v1.Post("/auth/sms-code", s.guard(public), s.sendSMSCode)
	v1.Post("/auth/sms-login", s.guard(public), s.smsLogin)

	// The signed-in user.
	v1.Get("/me", s.guard(signedIn), s.getMe)
	v1.Put("/me/profile", s.guard(roles(auth.Resident)), s.putProfile)

	// Public reference data.
	v1.Get("/taxonomy", s.guard(public), s.getTaxonomy)
	v1.Get("/areas", s.guard(public), s.listAreas)
	v1.Get("/areas/:code", s.guard(public), s.getArea)

	// Administration.
	v1.Post("/areas/import", s.guard(roles(auth.Admin)), s.limit("area-import", 20, time.Hour), s.importAreas)
	v1.Get("/users", s.guard(roles(auth.Admin)), s.listUsers)
	v1.Post("/users", s.guard(roles(auth.Admin)), s.createUser)
	v1.Patch("/users/:id", s.guard(roles(auth.Admin)), s.updateUser)
	v1.Get("/audit", s.guard(roles(auth.Admin)), s.listAudit)

	v1.Use(s.apiNotFound)
	app.Use(s.frontend)
}
