package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Actions names every action wuzha records, in the words the audit page
// shows. A test walks the code for the actions it writes and fails on one
// missing here.
var Actions = map[string]string{
	"auth.login":                      "登录",
	"auth.login_refused":              "登录被拒绝",
	"auth.reauth_refused":             "身份确认被拒绝",
	"user.create":                     "创建用户",
	"user.update":                     "修改用户",
	"user.unlock_login":               "解除登录锁定",
	"user.import":                     "批量导入用户",
	"user.password_change":            "修改密码",
	"resident.close":                  "群众注销账号",
	"area.import":                     "导入区域",
	"area.population.approve":         "批准人口数变更",
	"area.population.reject":          "驳回人口数变更",
	"unit.create":                     "新增成员单位",
	"unit.update":                     "修改成员单位",
	"notice.create":                   "发布通报",
	"rectification.issue":             "交办整改事项",
	"rectification.accept":            "签收整改事项",
	"rectification.report":            "报送整改情况",
	"rectification.return":            "退回整改事项",
	"rectification.close":             "整改事项销号",
	"rectification.extension":         "申请延期",
	"rectification.extension_approve": "批准延期",
	"rectification.extension_reject":  "驳回延期",
	"rectification.attach":            "上传整改材料",
	"assessment.lock":                 "锁定考核结果",
	"assessment.unlock":               "解锁考核结果",
	"assessment.verify":               "校验考核结果",
	"assessment.export":               "导出考核结果",
	"assessment.snapshot_corrupted":   "考核快照校验失败",
	"assessment.rule_update":          "修改考核规则",
	"apikey.create":                   "创建接口密钥",
	"apikey.revoke":                   "吊销接口密钥",
	"apikey.use":                      "使用接口密钥",
	"warning.create":                  "新建预警",
	"warning.update":                  "修改预警",
	"warning.submit":                  "预警提交审核",
	"warning.approve":                 "预警审核通过",
	"warning.reject":                  "预警审核退回",
	"warning.archive":                 "预警下线归档",
	"question.create":                 "新建题目",
	"question.update":                 "修改题目",
	"question.import":                 "导入题目",
	"question.approve":                "题目审核通过",
	"question.reject":                 "题目审核退回",
	"quiz.create":                     "新建问答活动",
	"quiz.update":                     "修改问答活动",
	"quiz.publish":                    "发布问答活动",
	"prize.pool_create":               "新增奖品",
	"prize.redeem":                    "兑奖",
	"session.open":                    "开始现场答题",
	"session.close":                   "结束现场答题",
}

// ActionName is an action's Chinese name, or the action itself when it has
// none (the completeness test keeps that from happening).
func ActionName(action string) string {
	if n, ok := Actions[action]; ok {
		return n
	}
	return action
}

// detailLabels name the keys that details carry.
var detailLabels = map[string]string{
	"username": "用户名", "name": "名称", "role": "角色", "area_code": "区域代码", "unit_id": "成员单位编号",
	"disabled": "停用", "password": "密码", "failures": "失败次数", "reason": "原因", "retry_after_s": "需等待（秒）",
	"title": "标题", "version": "版本", "status": "状态", "rows": "行数", "quiz_id": "问答活动编号",
	"prize": "奖品", "stock": "数量", "kind": "类型", "format": "格式", "request": "请求", "expires_at": "到期时间",
	"change_id": "变更单编号", "requester_id": "申请人编号", "populations": "人口数变更", "populations_pending": "人口数待审批",
	"population": "人口数", "from": "原值", "to": "新值", "old": "修改前", "new": "修改后",
	"valid": "校验通过", "checksum": "校验值", "recomputed": "重新计算值", "unlock_reason": "解锁原因",
	"superseded_at": "作废时间", "superseded_by": "作废人编号", "superseded_by_name": "作废人", "current_lock": "当前锁定",
	"due_at": "期限", "metric": "考核指标", "period": "考核期", "text": "说明", "file_name": "文件名", "size": "大小（字节）",
	"target_rate": "目标知晓率", "target_coverage": "目标覆盖率", "min_respondents": "最少样本", "pass_score": "及格分",
	"min_questions": "最少题数", "min_seconds_per_question": "每题最短用时（秒）", "updated_at": "更新时间", "updated_by": "更新人编号",
	"created": "新增", "updated": "更新", "areas": "区域数", "number": "编号", "redeemed_at": "兑换时间", "redeemed_by": "兑换人编号",
	"closed_at": "结束时间", "count": "数量", "usernames": "用户名", "forced": "首次登录强制修改", "phone": "手机号", "head_version_id": "最新版本编号", "rule": "考核规则", "checksum_old": "原校验值", "attachment_id": "附件编号",
}

// valueNames name the code values that details carry.
var valueNames = map[string]string{
	"resident": "群众", "grid_worker": "网格员", "editor": "宣传编辑", "reviewer": "审核员", "admin": "管理员", "assessor": "考核人员", "unit_liaison": "成员单位联络员",
	"invalid_credentials": "用户名或密码错误", "throttled": "尝试过于频繁", "changed": "已修改",
	"draft": "草稿", "in_review": "待审核", "published": "已发布", "rejected": "已退回", "archived": "已归档", "approved": "已通过",
	"rate": "知晓率", "coverage": "覆盖率", "xlsx": "Excel（XLSX）", "csv": "CSV", "bank": "银行", "telecom": "电信运营商",
}

// Line is one "label: value" line of an entry's detail.
type Line struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// View is an entry as the audit page shows it: besides the stored fields,
// the action, the actor, the target and the detail in Chinese.
type View struct {
	Entry
	ActionName string `json:"action_name"`
	ActorLabel string `json:"actor_label"`
	AreaName   string `json:"area_name"`
	TargetName string `json:"target_name"`
	Lines      []Line `json:"detail_lines"`
}

// NameFunc resolves user ids to display names (auth.DisplayNames).
type NameFunc func(ctx context.Context, ids []int64) (map[int64]string, error)

// AreaNameFunc resolves area codes to area names.
type AreaNameFunc func(ctx context.Context, codes []string) (map[string]string, error)

var targetKinds = map[string]string{
	"warning": "预警", "question": "题目", "quiz": "问答活动", "award": "奖品", "session": "现场答题",
	"rectification": "整改事项", "notice": "通报", "apikey": "接口密钥", "unit": "成员单位", "area_change": "区域变更单",
}

var wholeTargets = map[string]string{"areas": "区域表", "questions": "题库", "assessment_rule": "考核规则"}

// Views turns entries into what the audit page shows, resolving the actors
// and the users named as targets with names, and areas with theirs.
func Views(ctx context.Context, entries []Entry, names NameFunc, areaNames AreaNameFunc) ([]View, error) {
	var ids []int64
	var codes []string
	for _, e := range entries {
		if e.AreaCode != nil {
			codes = append(codes, *e.AreaCode)
		}
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
		if id, ok := userTarget(e.Target); ok {
			ids = append(ids, id)
		}
	}
	known := map[int64]string{}
	if names != nil && len(ids) > 0 {
		var err error
		if known, err = names(ctx, ids); err != nil {
			return nil, err
		}
	}
	places := map[string]string{}
	if areaNames != nil && len(codes) > 0 {
		var err error
		if places, err = areaNames(ctx, codes); err != nil {
			return nil, err
		}
	}
	out := make([]View, len(entries))
	for i, e := range entries {
		v := View{Entry: e, ActionName: ActionName(e.Action), ActorLabel: e.ActorName, TargetName: targetName(e.Target, known)}
		if e.AreaCode != nil {
			v.AreaName = places[*e.AreaCode]
		}
		if e.ActorID != nil && known[*e.ActorID] != "" {
			v.ActorLabel = known[*e.ActorID]
		}
		switch {
		case v.ActorLabel == "system" || v.ActorLabel == "":
			v.ActorLabel = "系统"
		case v.ActorLabel == "cli" && e.ActorID == nil:
			v.ActorLabel = "命令行"
		}
		if e.Detail != nil {
			v.Lines = DetailLines(*e.Detail)
		}
		if v.Lines == nil {
			v.Lines = []Line{}
		}
		out[i] = v
	}
	return out, nil
}

func userTarget(t string) (int64, bool) {
	s, ok := strings.CutPrefix(t, "user:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

var periodTarget = regexp.MustCompile(`^(\d{4})(?:Q([1-4])|-(\d{2}))/(\d+)(?:#(\d+))?$`)

func targetName(t string, users map[int64]string) string {
	if t == "" {
		return ""
	}
	if id, ok := userTarget(t); ok {
		if n := users[id]; n != "" {
			return "用户 " + n
		}
		return fmt.Sprintf("用户（编号 %d）", id)
	}
	if n, ok := wholeTargets[t]; ok {
		return n
	}
	if m := periodTarget.FindStringSubmatch(t); m != nil {
		s := PeriodName(t[:strings.Index(t, "/")]) + " · 区域 " + m[4]
		if m[5] != "" {
			s += " · 第 " + m[5] + " 版"
		}
		return s
	}
	if kind, id, ok := strings.Cut(t, ":"); ok {
		if n, ok := targetKinds[kind]; ok {
			if kind == "notice" {
				return n + " " + id
			}
			return fmt.Sprintf("%s（编号 %s）", n, id)
		}
	}
	return t
}

var periodPattern = regexp.MustCompile(`^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))$`)

// PeriodName writes a period in Chinese: 2026Q4 → 2026年第4季度, 2026-11 →
// 2026年11月; anything else comes back as it is.
func PeriodName(p string) string {
	m := periodPattern.FindStringSubmatch(p)
	if m == nil {
		return p
	}
	if m[2] != "" {
		return m[1] + "年第" + m[2] + "季度"
	}
	month, _ := strconv.Atoi(m[3])
	return fmt.Sprintf("%s年%d月", m[1], month)
}

// DetailLines renders a stored detail (JSON) as Chinese label: value lines,
// in the order the keys were written; a detail that is not a JSON object
// becomes one line.
func DetailLines(detail string) []Line {
	dec := json.NewDecoder(strings.NewReader(detail))
	dec.UseNumber()
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return []Line{{Label: "详情", Value: detail}}
	}
	keys, values, ok := orderedObject(raw)
	if !ok {
		return []Line{{Label: "详情", Value: valueText("", raw)}}
	}
	var out []Line
	for i, k := range keys {
		v := valueText(k, values[i])
		if v == "" {
			continue
		}
		out = append(out, Line{Label: label(k), Value: v})
	}
	return out
}

func label(k string) string {
	if l, ok := detailLabels[k]; ok {
		return l
	}
	return k
}

// orderedObject splits a JSON object into its keys and values in order.
func orderedObject(raw json.RawMessage) ([]string, []json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, false
	}
	var keys []string
	var values []json.RawMessage
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, false
		}
		keys, values = append(keys, k), append(values, v)
	}
	return keys, values, true
}

var timeKeys = map[string]bool{"expires_at": true, "due_at": true, "superseded_at": true, "updated_at": true, "redeemed_at": true, "closed_at": true}

// valueText writes one value: codes named, booleans 是/否, times in
// Beijing time, objects as "label：value" pairs, lists joined; null and
// empty values as "".
func valueText(key string, raw json.RawMessage) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "是"
		}
		return "否"
	case json.Number:
		if key == "target_rate" || key == "target_coverage" {
			if f, err := x.Float64(); err == nil {
				return strconv.FormatFloat(f*100, 'f', -1, 64) + "%"
			}
		}
		return x.String()
	case string:
		if timeKeys[key] {
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return t.In(beijing).Format("2006-01-02 15:04")
			}
		}
		if key == "period" {
			return PeriodName(x)
		}
		if n, ok := valueNames[x]; ok {
			return n
		}
		return x
	case []any:
		var parts []string
		for _, item := range x {
			b, _ := json.Marshal(item)
			if s := valueText(key, b); s != "" {
				parts = append(parts, s)
			}
		}
		if len(parts) == 0 {
			return ""
		}
		return strings.Join(parts, "；")
	case map[string]any:
		keys, values, _ := orderedObject(raw)
		var parts []string
		for i, k := range keys {
			if s := valueText(k, values[i]); s != "" {
				parts = append(parts, label(k)+"："+s)
			}
		}
		return strings.Join(parts, "，")
	}
	return string(raw)
}

var beijing = time.FixedZone("CST", 8*3600)

// sortedActions lists the named actions (for the page's filter), by name.
func sortedActions() []string {
	out := make([]string, 0, len(Actions))
	for a := range Actions {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
