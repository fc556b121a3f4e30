package api

import (
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/content"
	"wuzha/internal/supervision"
)

// routes is every route of wuzha, top to bottom. api/openapi.yaml describes
// each one; TestOpenAPIMatchesRoutes keeps the two in step.
func (s *Server) routes() {
	app := s.app
	app.Use(s.requestStart)
	app.Use(s.refuseEncodedBodies)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metricsAccess, s.metrics.handler())

	v1 := app.Group("/api/v1", s.requireReady, s.compressJSON)

	// Sign-in.
	v1.Post("/auth/login", s.limit("login", 30, time.Minute), s.guard(public), s.login)
	v1.Post("/auth/refresh", s.limit("refresh", 60, time.Minute), s.guard(public), s.refresh)
	v1.Post("/auth/logout", s.guard(pendingChange), s.logout)
	v1.Post("/auth/sms-code", s.guard(public), s.joinFlow, s.sendSMSCode)
	v1.Post("/auth/sms-login", s.guard(public), s.joinFlow, s.smsLogin)

	// The signed-in user.
	v1.Get("/me", s.guard(pendingChange), s.getMe)
	v1.Post("/me/password", s.guard(pendingChange), s.limit("password-change", 20, time.Hour), s.changePassword)
	v1.Put("/me/profile", s.guard(roles(auth.Resident)), s.putProfile)
	v1.Delete("/me", s.guard(roles(auth.Resident)), s.closeAccount)
	v1.Get("/me/attempts", s.guard(roles(auth.Resident)), s.myAttempts)

	// Public reference data.
	v1.Get("/taxonomy", s.guard(public), s.getTaxonomy)
	v1.Get("/areas", s.guard(public), s.listAreas)
	v1.Get("/areas/:code", s.guard(public), s.getArea)

	// Warnings: the feed and reading are public; writing goes through review.
	v1.Get("/feed", s.guard(public), s.getFeed)
	v1.Get("/warnings", s.guard(staff), s.listWarnings)
	v1.Post("/warnings", s.guard(roles(auth.Editor)), s.createWarning)
	v1.Post("/warnings/preview", s.guard(roles(auth.Editor, auth.Reviewer)), s.previewWarning)
	v1.Get("/warnings/:id", s.guard(public), s.getWarning)
	v1.Patch("/warnings/:id", s.guard(roles(auth.Editor)), s.updateWarning)
	v1.Post("/warnings/:id/submit", s.guard(roles(auth.Editor)), s.moveWarning(content.Submit))
	v1.Post("/warnings/:id/approve", s.guard(roles(auth.Reviewer)), s.moveWarning(content.Approve))
	v1.Post("/warnings/:id/reject", s.guard(roles(auth.Reviewer)), s.moveWarning(content.Reject))
	v1.Post("/warnings/:id/archive", s.guard(roles(auth.Editor, auth.Reviewer)), s.moveWarning(content.Archive))
	v1.Get("/warnings/:id/versions", s.guard(staff), s.warningHistory)
	v1.Get("/warnings/:id/reach", s.guard(staff), s.warningReach)
	v1.Post("/warnings/:id/ack", s.guard(roles(auth.Resident)), s.ackWarning)
	v1.Get("/me/acks", s.guard(roles(auth.Resident)), s.myAcks)
	v1.Post("/images", s.guard(staff), s.limit("image-upload", 120, time.Hour), s.uploadImage)
	v1.Get("/images/:name", s.guard(public), s.getImage)
	v1.Get("/warnings/:id/qr.png", s.limit("warning-qr", 60, time.Minute), s.guard(public), s.warningQR)

	// Question bank and quizzes.
	editors := roles(auth.Editor, auth.Reviewer)
	v1.Get("/questions", s.guard(roles(auth.Editor, auth.Reviewer, auth.Admin)), s.listQuestions)
	v1.Post("/questions", s.guard(editors), s.createQuestion)
	v1.Get("/questions/export", s.guard(roles(auth.Editor, auth.Reviewer, auth.Admin)), s.exportQuestions)
	v1.Post("/questions/import", s.guard(editors), s.limit("question-import", 30, time.Hour), s.importQuestions)
	v1.Get("/questions/:id", s.guard(staff), s.getQuestion)
	v1.Patch("/questions/:id", s.guard(editors), s.updateQuestion)
	v1.Post("/questions/:id/approve", s.guard(roles(auth.Reviewer)), s.reviewQuestion(true))
	v1.Post("/questions/:id/reject", s.guard(roles(auth.Reviewer)), s.reviewQuestion(false))
	v1.Get("/quizzes", s.guard(staff), s.listQuizzes)
	v1.Post("/quizzes", s.guard(roles(auth.Editor)), s.createQuiz)
	v1.Get("/quizzes/active", s.guard(signedIn), s.activeQuizzes)
	v1.Get("/quizzes/:id", s.guard(staff), s.getQuiz)
	v1.Patch("/quizzes/:id", s.guard(roles(auth.Editor)), s.updateQuiz)
	v1.Post("/quizzes/:id/publish", s.guard(roles(auth.Editor)), s.publishQuiz)
	v1.Get("/quizzes/:id/stats", s.guard(staff), s.quizStats)
	v1.Get("/quizzes/:id/completion", s.guard(roles(auth.Admin, auth.Assessor)), s.trainingCompletion)
	v1.Get("/quizzes/:id/prizes", s.guard(staff), s.listPrizePools)
	v1.Post("/quizzes/:id/prizes", s.guard(roles(auth.Editor)), s.addPrizePool)

	// Attempts and prizes.
	v1.Post("/quizzes/:id/attempts", s.guard(signedIn), s.startAttempt)
	v1.Get("/attempts/:id", s.guard(signedIn), s.getAttempt)
	v1.Put("/attempts/:id/answers", s.guard(signedIn), s.saveAnswers)
	v1.Post("/attempts/:id/submit", s.guard(submitting), s.submitAttempt)
	v1.Get("/me/prizes", s.guard(signedIn), s.myPrizes)
	v1.Post("/prizes/lookup", s.guard(roles(auth.GridWorker, auth.Editor, auth.Reviewer, auth.Admin)), s.limit("prize-code", 60, time.Minute), s.lookupPrize)
	v1.Post("/prizes/redeem", s.guard(roles(auth.GridWorker, auth.Editor, auth.Reviewer, auth.Admin)), s.limit("prize-code", 60, time.Minute), s.redeemPrize)
	v1.Get("/prizes/redeemed", s.guard(roles(auth.GridWorker, auth.Editor, auth.Reviewer, auth.Admin)), s.redeemedPrizes)
	v1.Get("/me/prizes/:code/qr.png", s.guard(roles(auth.Resident)), s.limit("prize-qr", 60, time.Minute), s.myPrizeQR)

	// Grid workers' in-person sessions.
	v1.Post("/sessions", s.guard(roles(auth.GridWorker)), s.openSession)
	v1.Get("/sessions", s.guard(roles(auth.GridWorker)), s.mySessions)
	v1.Get("/sessions/join/:code", s.guard(public), s.sessionCodeLimit("join", sessionJoinHourly, time.Hour), s.joinSession)
	v1.Get("/sessions/join/:code/qr.png", s.guard(public), s.sessionCodeLimit("join", sessionJoinHourly, time.Hour), s.sessionQR("png"))
	v1.Get("/sessions/join/:code/qr.svg", s.guard(public), s.sessionCodeLimit("join", sessionJoinHourly, time.Hour), s.sessionQR("svg"))
	v1.Get("/grids/:code/qr.svg", s.limit("join-qr", 60, time.Minute), s.guard(public), s.gridQR)
	v1.Get("/sessions/:id", s.guard(staff), s.getSession)
	v1.Post("/sessions/:id/close", s.guard(staff), s.closeSession)

	// The console's workbench: figures and to-dos for the caller's role; a
	// grid's residents still to visit.
	v1.Get("/workbench", s.guard(staff), s.getWorkbench)
	v1.Get("/workbench/review-results", s.guard(roles(auth.Editor)), s.reviewResults)
	v1.Post("/workbench/seen", s.guard(staff), s.markSeen)
	v1.Get("/grids/:code/unanswered", s.guard(roles(auth.GridWorker, auth.Admin)), s.gridUnanswered)

	// Awareness figures.
	v1.Get("/awareness/:code", s.guard(staff), s.getAwareness)
	v1.Get("/awareness/:code/grids", s.guard(staff), s.getAwarenessGrids)

	// The safe-city assessment: people or a read-only API key.
	v1.Get("/assessment/:period/:code", s.assessmentAccess(false), s.getAssessment)
	v1.Post("/assessment/:period/:code/lock", s.assessmentAccess(true), s.lockAssessment)
	v1.Get("/assessment/:period/:code/export", s.assessmentAccess(false), s.exportAssessment)
	// Who may change what is assessed: the rule only at the root; unlocks
	// only from above, keeping every version.
	v1.Get("/assessment/rule", s.keyOr(s.guard(staff), false), s.getRule)
	v1.Put("/assessment/rule", s.guard(roles(auth.Admin)), s.putRule)
	v1.Post("/assessment/:period/:code/unlock", s.assessmentAccess(true), s.unlockAssessment)
	v1.Get("/assessment/:period/:code/history", s.assessmentAccess(false), s.assessmentHistory)
	v1.Get("/assessment/:period/:code/verify", s.assessmentAccess(false), s.verifyAssessment)
	v1.Get("/api-keys", s.guard(roles(auth.Admin)), s.listAPIKeys)
	v1.Post("/api-keys", s.guard(roles(auth.Admin)), s.createAPIKey)
	v1.Post("/api-keys/:id/revoke", s.guard(roles(auth.Admin)), s.revokeAPIKey)

	// Supervision (督办): items addressed to an area (its admins) or a
	// member unit (its liaisons), issued and closed from above; notices;
	// member units. Steps check the side and the scope in internal/supervision.
	supervisors := roles(auth.Admin, auth.UnitLiaison)
	v1.Get("/rectifications", s.guard(roles(auth.Admin, auth.Assessor, auth.UnitLiaison)), s.listRectifications)
	v1.Post("/rectifications", s.guard(roles(auth.Admin)), s.createRectification)
	v1.Get("/rectifications/summary", s.guard(roles(auth.Admin, auth.Assessor, auth.UnitLiaison)), s.rectificationSummary)
	v1.Post("/rectifications/generate", s.guard(roles(auth.Admin)), s.generateRectifications)
	v1.Get("/rectifications/:id", s.guard(roles(auth.Admin, auth.Assessor, auth.UnitLiaison)), s.getRectification)
	v1.Post("/rectifications/:id/accept", s.guard(supervisors), s.moveRectification(supervision.Accept))
	v1.Post("/rectifications/:id/report", s.guard(supervisors), s.moveRectification(supervision.Report))
	v1.Post("/rectifications/:id/return", s.guard(roles(auth.Admin)), s.moveRectification(supervision.Return))
	v1.Post("/rectifications/:id/close", s.guard(roles(auth.Admin)), s.moveRectification(supervision.Close))
	v1.Post("/rectifications/:id/extension", s.guard(supervisors), s.moveRectification(supervision.Extend))
	v1.Post("/rectifications/:id/extension/approve", s.guard(roles(auth.Admin)), s.moveRectification(supervision.Approve))
	v1.Post("/rectifications/:id/extension/reject", s.guard(roles(auth.Admin)), s.moveRectification(supervision.Reject))
	v1.Post("/rectifications/:id/attachments", s.guard(supervisors), s.limit("attachment", 120, time.Hour), s.addRectificationAttachment)
	v1.Get("/rectifications/:id/attachments/:aid", s.guard(roles(auth.Admin, auth.Assessor, auth.UnitLiaison)), s.getRectificationAttachment)
	v1.Get("/notices", s.guard(roles(auth.Admin, auth.Assessor, auth.UnitLiaison)), s.listNotices)
	v1.Post("/notices", s.guard(roles(auth.Admin)), s.createNotice)
	v1.Get("/notices/:id", s.guard(roles(auth.Admin, auth.Assessor, auth.UnitLiaison)), s.getNotice)
	v1.Get("/units", s.guard(supervisors), s.listUnits)
	v1.Post("/units", s.guard(roles(auth.Admin)), s.createUnit)
	v1.Patch("/units/:id", s.guard(roles(auth.Admin)), s.updateUnit)

	// Administration.
	v1.Post("/areas/import", s.guard(roles(auth.Admin)), s.limit("area-import", 20, time.Hour), s.importAreas)
	v1.Get("/area-changes", s.guard(roles(auth.Admin)), s.listAreaChanges)
	v1.Post("/area-changes/:id/approve", s.guard(roles(auth.Admin)), s.decideAreaChange(true))
	v1.Post("/area-changes/:id/reject", s.guard(roles(auth.Admin)), s.decideAreaChange(false))
	v1.Get("/users", s.guard(roles(auth.Admin)), s.listUsers)
	v1.Post("/users", s.guard(roles(auth.Admin)), s.createUser)
	v1.Post("/users/import", s.guard(roles(auth.Admin)), s.limit("user-import", 30, time.Hour), s.importUsers)
	v1.Patch("/users/:id", s.guard(roles(auth.Admin)), s.updateUser)
	v1.Post("/users/:id/unlock-login", s.guard(roles(auth.Admin)), s.unlockLogin)
	v1.Get("/audit", s.guard(roles(auth.Admin)), s.listAudit)
	v1.Get("/audit/actions", s.guard(roles(auth.Admin)), s.listAuditActions)

	v1.Use(s.apiNotFound)
	app.Use(s.frontend)
}
