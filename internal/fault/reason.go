package fault

import "unicode/utf8"

// CheckRejectReason checks the reason a reviewer gives for turning
// something down (a warning, a question, an area change): 2 to 500
// characters, else a validation error on the field "reason".
func CheckRejectReason(reason string) error {
	if l := utf8.RuneCountInString(reason); l < 2 || l > 500 {
		var v Validation
		v.Add("reason", "请填写 2–500 字的驳回理由")
		return v.Err()
	}
	return nil
}
