package session

import "time"

// Simulated is the row of a session a grid worker opened at opened and
// closed at closed (the demo's quarter of activity, `wuzha seed --demo`):
// what Open and Close would have stored, with a fresh join code and the
// expiry Open sets (the end of that day, never past the quiz's end).
func Simulated(quizID, workerID int64, gridCode, gridPath string, quizEnds, opened, closed time.Time) Session {
	expires := endOfDay(opened)
	if quizEnds.Before(expires) {
		expires = quizEnds
	}
	c := closed.UTC()
	return Session{QuizID: quizID, WorkerID: workerID, GridCode: gridCode, GridPath: gridPath, JoinCode: joinCode(),
		Status: "closed", ExpiresAt: expires, ClosedAt: &c, CreatedAt: opened.UTC()}
}
