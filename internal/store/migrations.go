package store

// migrations is append-only: never edit a released step, add a new one.
var migrations = []migration{
	{1, "foundation", `
CREATE TABLE areas (
  code VARCHAR(32) NOT NULL PRIMARY KEY,
  parent_code VARCHAR(32) NULL,
  name VARCHAR(100) NOT NULL,
  level VARCHAR(16) NOT NULL,
  path VARCHAR(255) NOT NULL,
  depth INTEGER NOT NULL,
  population BIGINT NOT NULL DEFAULT 0,
  demo BOOLEAN NOT NULL DEFAULT FALSE,
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
){{table}};
CREATE INDEX idx_areas_parent ON areas (parent_code);
CREATE INDEX idx_areas_path ON areas (path);

CREATE TABLE codes (
  kind VARCHAR(32) NOT NULL,
  code VARCHAR(32) NOT NULL,
  name VARCHAR(100) NOT NULL,
  position INTEGER NOT NULL,
  age_bands VARCHAR(255) NOT NULL DEFAULT '',
  occupations VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (kind, code)
){{table}};

CREATE TABLE users (
  id {{id}},
  username VARCHAR(64) NULL,
  password_hash VARCHAR(255) NULL,
  role VARCHAR(16) NOT NULL,
  area_code VARCHAR(32) NULL,
  phone_hash VARCHAR(64) NULL,
  phone_enc VARCHAR(255) NULL,
  disabled BOOLEAN NOT NULL DEFAULT FALSE,
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
){{table}};
CREATE UNIQUE INDEX idx_users_username ON users (username);
CREATE UNIQUE INDEX idx_users_phone_hash ON users (phone_hash);
CREATE INDEX idx_users_area ON users (area_code);

CREATE TABLE resident_profiles (
  user_id BIGINT NOT NULL PRIMARY KEY,
  age_band VARCHAR(32) NOT NULL,
  occupation VARCHAR(32) NOT NULL,
  grid_code VARCHAR(32) NOT NULL,
  consent_version VARCHAR(16) NOT NULL,
  consent_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
){{table}};
CREATE INDEX idx_profiles_grid ON resident_profiles (grid_code);

CREATE TABLE sign_ins (
  id VARCHAR(40) NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  created_at {{ts}} NOT NULL,
  revoked_at {{ts}} NULL
){{table}};
CREATE INDEX idx_sign_ins_user ON sign_ins (user_id);

CREATE TABLE refresh_tokens (
  token_hash VARCHAR(64) NOT NULL PRIMARY KEY,
  sign_in_id VARCHAR(40) NOT NULL,
  expires_at {{ts}} NOT NULL,
  used_at {{ts}} NULL,
  created_at {{ts}} NOT NULL
){{table}};
CREATE INDEX idx_refresh_sign_in ON refresh_tokens (sign_in_id);

CREATE TABLE sms_codes (
  phone_hash VARCHAR(64) NOT NULL PRIMARY KEY,
  code_hash VARCHAR(64) NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  expires_at {{ts}} NOT NULL,
  created_at {{ts}} NOT NULL
){{table}};

CREATE TABLE rate_counters (
  bucket VARCHAR(191) NOT NULL PRIMARY KEY,
  hits INTEGER NOT NULL,
  expires_at {{ts}} NOT NULL
){{table}};
CREATE INDEX idx_rate_expires ON rate_counters (expires_at);

CREATE TABLE audit_log (
  id {{id}},
  at {{ts}} NOT NULL,
  actor_id BIGINT NULL,
  actor_name VARCHAR(64) NOT NULL DEFAULT '',
  actor_role VARCHAR(16) NOT NULL DEFAULT '',
  action VARCHAR(64) NOT NULL,
  area_code VARCHAR(32) NULL,
  area_path VARCHAR(255) NULL,
  target VARCHAR(128) NOT NULL DEFAULT '',
  detail {{longtext}} NULL,
  ip VARCHAR(64) NOT NULL DEFAULT '',
  request_id VARCHAR(64) NOT NULL DEFAULT ''
){{table}};
CREATE INDEX idx_audit_at ON audit_log (at);
CREATE INDEX idx_audit_action ON audit_log (action);
CREATE INDEX idx_audit_path ON audit_log (area_path);
`},
	{2, "warnings", `
CREATE TABLE warnings (
  id {{id}},
  slug VARCHAR(100) NULL,
  status VARCHAR(16) NOT NULL,
  owner_area_code VARCHAR(32) NOT NULL,
  owner_path VARCHAR(255) NOT NULL,
  author_id BIGINT NULL,
  head_version_id BIGINT NULL,
  live_version_id BIGINT NULL,
  reviewer_id BIGINT NULL,
  reject_reason VARCHAR(500) NOT NULL DEFAULT '',
  first_published_at {{ts}} NULL,
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
){{table}};
CREATE UNIQUE INDEX idx_warnings_slug ON warnings (slug);
CREATE INDEX idx_warnings_owner ON warnings (owner_path);
CREATE INDEX idx_warnings_status ON warnings (status);

CREATE TABLE warning_versions (
  id {{id}},
  warning_id BIGINT NOT NULL,
  version INTEGER NOT NULL,
  title VARCHAR(200) NOT NULL,
  summary VARCHAR(1000) NOT NULL,
  body_markdown {{longtext}} NOT NULL,
  body_html {{longtext}} NOT NULL,
  fraud_type VARCHAR(32) NOT NULL,
  age_bands VARCHAR(255) NOT NULL DEFAULT '',
  occupations VARCHAR(500) NOT NULL DEFAULT '',
  area_codes TEXT NOT NULL,
  publish_at {{ts}} NULL,
  expire_at {{ts}} NULL,
  editor_id BIGINT NULL,
  created_at {{ts}} NOT NULL
){{table}};
CREATE UNIQUE INDEX idx_warning_versions ON warning_versions (warning_id, version);

CREATE TABLE warning_views (
  warning_id BIGINT NOT NULL,
  viewer VARCHAR(80) NOT NULL,
  day VARCHAR(10) NOT NULL,
  grid_path VARCHAR(255) NULL,
  age_band VARCHAR(32) NULL,
  occupation VARCHAR(32) NULL,
  created_at {{ts}} NOT NULL,
  PRIMARY KEY (warning_id, viewer, day)
){{table}};

CREATE TABLE warning_acks (
  warning_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  grid_path VARCHAR(255) NULL,
  age_band VARCHAR(32) NULL,
  occupation VARCHAR(32) NULL,
  created_at {{ts}} NOT NULL,
  PRIMARY KEY (warning_id, user_id)
){{table}};
CREATE INDEX idx_warning_acks_user ON warning_acks (user_id);
`},
	{3, "quizzes", `
CREATE TABLE questions (
  id {{id}},
  slug VARCHAR(100) NULL,
  owner_area_code VARCHAR(32) NOT NULL,
  owner_path VARCHAR(255) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  stem VARCHAR(1000) NOT NULL,
  options TEXT NOT NULL,
  answer VARCHAR(32) NOT NULL,
  explanation VARCHAR(2000) NOT NULL,
  fraud_type VARCHAR(32) NOT NULL,
  difficulty INTEGER NOT NULL,
  age_bands VARCHAR(255) NOT NULL DEFAULT '',
  occupations VARCHAR(500) NOT NULL DEFAULT '',
  warning_ids VARCHAR(255) NOT NULL DEFAULT '',
  active BOOLEAN NOT NULL DEFAULT TRUE,
  author_id BIGINT NULL,
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
){{table}};
CREATE UNIQUE INDEX idx_questions_slug ON questions (slug);
CREATE INDEX idx_questions_owner ON questions (owner_path);

CREATE TABLE quizzes (
  id {{id}},
  title VARCHAR(200) NOT NULL,
  description VARCHAR(2000) NOT NULL DEFAULT '',
  area_code VARCHAR(32) NOT NULL,
  area_path VARCHAR(255) NOT NULL,
  audience VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL,
  starts_at {{ts}} NOT NULL,
  ends_at {{ts}} NOT NULL,
  question_count INTEGER NOT NULL,
  pass_score INTEGER NOT NULL,
  time_limit_s INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  fraud_types VARCHAR(500) NOT NULL DEFAULT '',
  core_question_ids VARCHAR(500) NOT NULL DEFAULT '',
  min_seconds_per_question INTEGER NOT NULL DEFAULT 0,
  counts_for_awareness BOOLEAN NOT NULL DEFAULT TRUE,
  author_id BIGINT NULL,
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
){{table}};
CREATE INDEX idx_quizzes_area ON quizzes (area_path);

CREATE TABLE attempts (
  id {{id}},
  quiz_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  attempt_no INTEGER NOT NULL,
  session_id BIGINT NULL,
  grid_code VARCHAR(32) NULL,
  grid_path VARCHAR(255) NULL,
  age_band VARCHAR(32) NULL,
  occupation VARCHAR(32) NULL,
  status VARCHAR(16) NOT NULL,
  served {{longtext}} NOT NULL,
  saved_answers TEXT NULL,
  started_at {{ts}} NOT NULL,
  deadline {{ts}} NOT NULL,
  submitted_at {{ts}} NULL,
  score_tenths INTEGER NULL,
  passed BOOLEAN NULL,
  invalid BOOLEAN NOT NULL DEFAULT FALSE,
  invalid_reason VARCHAR(200) NOT NULL DEFAULT '',
  idempotency_key VARCHAR(100) NULL,
  result {{longtext}} NULL
){{table}};
CREATE UNIQUE INDEX idx_attempts_no ON attempts (quiz_id, user_id, attempt_no);
CREATE INDEX idx_attempts_user ON attempts (user_id);
CREATE INDEX idx_attempts_submitted ON attempts (submitted_at);
CREATE INDEX idx_attempts_session ON attempts (session_id);

CREATE TABLE attempt_answers (
  attempt_id BIGINT NOT NULL,
  question_id BIGINT NOT NULL,
  answer_keys VARCHAR(32) NOT NULL,
  correct BOOLEAN NOT NULL,
  fraud_type VARCHAR(32) NOT NULL,
  PRIMARY KEY (attempt_id, question_id)
){{table}};
CREATE INDEX idx_attempt_answers_question ON attempt_answers (question_id);

CREATE TABLE prize_pools (
  id {{id}},
  quiz_id BIGINT NOT NULL,
  name VARCHAR(100) NOT NULL,
  stock INTEGER NOT NULL,
  remaining INTEGER NOT NULL,
  min_score INTEGER NOT NULL,
  probability DOUBLE PRECISION NOT NULL,
  created_at {{ts}} NOT NULL
){{table}};
CREATE INDEX idx_prize_pools_quiz ON prize_pools (quiz_id);

CREATE TABLE awards (
  id {{id}},
  pool_id BIGINT NOT NULL,
  quiz_id BIGINT NOT NULL,
  attempt_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  grid_path VARCHAR(255) NULL,
  code VARCHAR(32) NOT NULL,
  redeemed_at {{ts}} NULL,
  redeemed_by BIGINT NULL,
  created_at {{ts}} NOT NULL
){{table}};
CREATE UNIQUE INDEX idx_awards_attempt ON awards (attempt_id);
CREATE UNIQUE INDEX idx_awards_quiz_user ON awards (quiz_id, user_id);
CREATE UNIQUE INDEX idx_awards_code ON awards (code);
`},
	{4, "quiz sessions", `
CREATE TABLE quiz_sessions (
  id {{id}},
  quiz_id BIGINT NOT NULL,
  worker_id BIGINT NOT NULL,
  grid_code VARCHAR(32) NOT NULL,
  grid_path VARCHAR(255) NOT NULL,
  join_code VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL,
  expires_at {{ts}} NOT NULL,
  closed_at {{ts}} NULL,
  created_at {{ts}} NOT NULL
){{table}};
CREATE UNIQUE INDEX idx_quiz_sessions_code ON quiz_sessions (join_code);
CREATE INDEX idx_quiz_sessions_worker ON quiz_sessions (worker_id);
CREATE INDEX idx_quiz_sessions_grid ON quiz_sessions (grid_path);
`},
	{5, "assessment", `
CREATE TABLE assessment_snapshots (
  id {{id}},
  period VARCHAR(16) NOT NULL,
  area_code VARCHAR(32) NOT NULL,
  area_path VARCHAR(255) NOT NULL,
  rows_json {{longtext}} NOT NULL,
  rule_json TEXT NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  locked_at {{ts}} NOT NULL,
  locked_by BIGINT NOT NULL
){{table}};
CREATE UNIQUE INDEX idx_snapshots_period_area ON assessment_snapshots (period, area_code);

CREATE TABLE api_keys (
  id {{id}},
  name VARCHAR(100) NOT NULL,
  area_code VARCHAR(32) NOT NULL,
  area_path VARCHAR(255) NOT NULL,
  key_hash VARCHAR(64) NOT NULL,
  prefix VARCHAR(16) NOT NULL,
  created_by BIGINT NOT NULL,
  created_at {{ts}} NOT NULL,
  revoked_at {{ts}} NULL,
  last_used_at {{ts}} NULL
){{table}};
CREATE UNIQUE INDEX idx_api_keys_hash ON api_keys (key_hash);
CREATE INDEX idx_api_keys_area ON api_keys (area_path);
`},
	{6, "awareness counters", `
CREATE TABLE awareness_first (
  period VARCHAR(16) NOT NULL,
  user_id BIGINT NOT NULL,
  attempt_id BIGINT NOT NULL,
  PRIMARY KEY (period, user_id)
){{table}};

CREATE TABLE awareness_cells (
  period VARCHAR(16) NOT NULL,
  grid_path VARCHAR(255) NOT NULL,
  age_band VARCHAR(32) NOT NULL,
  occupation VARCHAR(32) NOT NULL,
  shard INTEGER NOT NULL,
  respondents BIGINT NOT NULL,
  passed BIGINT NOT NULL,
  score_tenths BIGINT NOT NULL,
  PRIMARY KEY (period, grid_path, age_band, occupation, shard)
){{table}};

CREATE TABLE awareness_answers (
  period VARCHAR(16) NOT NULL,
  grid_path VARCHAR(255) NOT NULL,
  fraud_type VARCHAR(32) NOT NULL,
  age_band VARCHAR(32) NOT NULL,
  shard INTEGER NOT NULL,
  answered BIGINT NOT NULL,
  correct BIGINT NOT NULL,
  PRIMARY KEY (period, grid_path, fraud_type, age_band, shard)
){{table}};

CREATE TABLE awareness_invalid (
  period VARCHAR(16) NOT NULL,
  grid_path VARCHAR(255) NOT NULL,
  shard INTEGER NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (period, grid_path, shard)
){{table}};
`},
	// The counters leave the submit transaction: it marks a counting
	// attempt pending, and awareness.Fold moves pending attempts into the
	// counters in batches. Attempts already submitted were counted by step 6.
	{7, "pending tallies", `
ALTER TABLE attempts ADD COLUMN tally_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX idx_attempts_tally_pending ON attempts (tally_pending, submitted_at);
`},
	// A pool's stock moves to slots: every winner of a quiz took its unit
	// from the pool's one row, and under load they queued on its lock. A
	// winner now takes a unit from one of up to 16 slots, each with the same
	// conditional decrement. Existing pools keep their stock in slot 0.
	{8, "prize stock slots", `
CREATE TABLE prize_stock (
  pool_id BIGINT NOT NULL,
  slot INTEGER NOT NULL,
  remaining INTEGER NOT NULL,
  PRIMARY KEY (pool_id, slot)
){{table}};
INSERT INTO prize_stock (pool_id, slot, remaining) SELECT id, 0, remaining FROM prize_pools;
ALTER TABLE prize_pools DROP COLUMN remaining;
`},
	// Assessment integrity: one rule for the city, stored so that every
	// instance reads the same (assessment_rules, one row, seeded at start);
	// whether an attempt counts for awareness is decided when it is
	// submitted, by the rule in force then, and kept on it (counting), so a
	// rebuild gives the same figures. Attempts submitted before this step
	// keep counting as they did: on a residents' quiz that counts. Locks get
	// versions: an unlock from above supersedes a snapshot (kept, with its
	// reason), and the next lock writes the next version; current_lock is
	// TRUE on the one snapshot in force and NULL on superseded ones, so the
	// unique index allows one current version per period and area.
	{9, "assessment rule and lock versions", `
CREATE TABLE assessment_rules (
  id BIGINT NOT NULL PRIMARY KEY,
  target_rate DOUBLE PRECISION NOT NULL,
  target_coverage DOUBLE PRECISION NOT NULL,
  min_respondents INTEGER NOT NULL,
  pass_score INTEGER NOT NULL,
  min_questions INTEGER NOT NULL,
  min_seconds_per_question INTEGER NOT NULL,
  updated_at {{ts}} NULL,
  updated_by_id BIGINT NULL,
  updated_by_name VARCHAR(64) NULL
){{table}};

ALTER TABLE attempts ADD COLUMN counting BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE attempts SET counting = TRUE WHERE status = 'submitted' AND quiz_id IN (SELECT id FROM quizzes WHERE audience = 'residents' AND counts_for_awareness = TRUE);

CREATE TABLE assessment_snapshots_next (
  id {{id}},
  period VARCHAR(16) NOT NULL,
  area_code VARCHAR(32) NOT NULL,
  area_path VARCHAR(255) NOT NULL,
  version INTEGER NOT NULL,
  current_lock BOOLEAN NULL,
  rows_json {{longtext}} NOT NULL,
  rule_json TEXT NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  lock_reason VARCHAR(500) NOT NULL DEFAULT '',
  locked_at {{ts}} NOT NULL,
  locked_by BIGINT NOT NULL,
  locked_by_name VARCHAR(64) NOT NULL DEFAULT '',
  superseded_at {{ts}} NULL,
  superseded_by BIGINT NULL,
  superseded_by_name VARCHAR(64) NULL,
  unlock_reason VARCHAR(500) NULL
){{table}};
INSERT INTO assessment_snapshots_next (id, period, area_code, area_path, version, current_lock, rows_json, rule_json, checksum, locked_at, locked_by)
  SELECT id, period, area_code, area_path, 1, TRUE, rows_json, rule_json, checksum, locked_at, locked_by FROM assessment_snapshots;
DROP TABLE assessment_snapshots;
ALTER TABLE assessment_snapshots_next RENAME TO assessment_snapshots;
CREATE UNIQUE INDEX idx_snapshots_version ON assessment_snapshots (period, area_code, version);
CREATE UNIQUE INDEX idx_snapshots_current ON assessment_snapshots (period, area_code, current_lock);
`},
	// Whoever is ranked never sets what it is ranked by. Questions go through
	// review like warnings: existing questions were in use and stay approved
	// (the column default); question_versions keeps the content of versions
	// that were replaced, so an attempt shows what it was served. Populations
	// set below the root wait in area_changes for an admin above.
	{10, "assessment integrity review", `
ALTER TABLE questions ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'approved';
ALTER TABLE questions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE questions ADD COLUMN editor_id BIGINT NULL;
ALTER TABLE questions ADD COLUMN reviewer_id BIGINT NULL;
ALTER TABLE questions ADD COLUMN reviewed_at {{ts}} NULL;
ALTER TABLE questions ADD COLUMN reject_reason VARCHAR(1000) NOT NULL DEFAULT '';
CREATE INDEX idx_questions_status ON questions (status);
CREATE TABLE question_versions (
  question_id BIGINT NOT NULL,
  version INTEGER NOT NULL,
  stem VARCHAR(1000) NOT NULL,
  options TEXT NOT NULL,
  answer VARCHAR(32) NOT NULL,
  explanation VARCHAR(2000) NOT NULL,
  created_at {{ts}} NOT NULL,
  PRIMARY KEY (question_id, version)
){{table}};
CREATE TABLE area_changes (
  id {{id}},
  requester_id BIGINT NOT NULL,
  requester_name VARCHAR(64) NOT NULL,
  scope_code VARCHAR(32) NOT NULL,
  scope_path VARCHAR(255) NOT NULL,
  status VARCHAR(16) NOT NULL,
  changes {{longtext}} NOT NULL,
  reason VARCHAR(1000) NOT NULL DEFAULT '',
  decider_id BIGINT NULL,
  decided_at {{ts}} NULL,
  created_at {{ts}} NOT NULL
){{table}};
CREATE INDEX idx_area_changes_scope ON area_changes (status, scope_path);
`},
	// Password guesses are counted per sign-in name before they are checked
	// (internal/auth/throttle.go), and API keys get an expiry; keys made
	// before this step have none stored and expire 90 days after creation.
	{12, "login throttles and api key expiry", `
CREATE TABLE login_throttles (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  failures INTEGER NOT NULL,
  next_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
){{table}};
CREATE INDEX idx_login_throttles_updated ON login_throttles (updated_at);
ALTER TABLE api_keys ADD COLUMN expires_at {{ts}} NULL;
`},
	// The counters lose their shard: since step 7 they are written by the
	// fold in batches, every row to shard 0, and readers summed the shards.
	// Each table is copied with its shards summed into one row per key, then
	// takes the old one's place. On MySQL each statement commits: a step cut
	// short leaves the old table or the new, whole; the counters can also
	// be rebuilt from the attempts at any time (wuzha awareness rebuild).
	{13, "counters without shards", `
DROP TABLE IF EXISTS awareness_cells_next;
CREATE TABLE awareness_cells_next (
  period VARCHAR(16) NOT NULL,
  grid_path VARCHAR(255) NOT NULL,
  age_band VARCHAR(32) NOT NULL,
  occupation VARCHAR(32) NOT NULL,
  respondents BIGINT NOT NULL,
  passed BIGINT NOT NULL,
  score_tenths BIGINT NOT NULL,
  PRIMARY KEY (period, grid_path, age_band, occupation)
){{table}};
INSERT INTO awareness_cells_next (period, grid_path, age_band, occupation, respondents, passed, score_tenths)
  SELECT period, grid_path, age_band, occupation, SUM(respondents), SUM(passed), SUM(score_tenths) FROM awareness_cells GROUP BY period, grid_path, age_band, occupation;
DROP TABLE awareness_cells;
ALTER TABLE awareness_cells_next RENAME TO awareness_cells;

DROP TABLE IF EXISTS awareness_answers_next;
CREATE TABLE awareness_answers_next (
  period VARCHAR(16) NOT NULL,
  grid_path VARCHAR(255) NOT NULL,
  fraud_type VARCHAR(32) NOT NULL,
  age_band VARCHAR(32) NOT NULL,
  answered BIGINT NOT NULL,
  correct BIGINT NOT NULL,
  PRIMARY KEY (period, grid_path, fraud_type, age_band)
){{table}};
INSERT INTO awareness_answers_next (period, grid_path, fraud_type, age_band, answered, correct)
  SELECT period, grid_path, fraud_type, age_band, SUM(answered), SUM(correct) FROM awareness_answers GROUP BY period, grid_path, fraud_type, age_band;
DROP TABLE awareness_answers;
ALTER TABLE awareness_answers_next RENAME TO awareness_answers;

DROP TABLE IF EXISTS awareness_invalid_next;
CREATE TABLE awareness_invalid_next (
  period VARCHAR(16) NOT NULL,
  grid_path VARCHAR(255) NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (period, grid_path)
){{table}};
INSERT INTO awareness_invalid_next (period, grid_path, n)
  SELECT period, grid_path, SUM(n) FROM awareness_invalid GROUP BY period, grid_path;
DROP TABLE awareness_invalid;
ALTER TABLE awareness_invalid_next RENAME TO awareness_invalid;
`},
	// Supervision (督办, internal/supervision): rectification items issued
	// to an area or a member unit, their timeline, attachments and
	// numbered notices; member units and their liaisons (users.unit_id).
	// open_key is "period|area|metric" while an item made from the figures
	// is open and NULL otherwise, so generating twice opens no duplicate.
	{14, "supervision", `
CREATE TABLE units (
  id {{id}},
  name VARCHAR(100) NOT NULL,
  kind VARCHAR(32) NOT NULL DEFAULT '',
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
){{table}};
CREATE UNIQUE INDEX idx_units_name ON units (name);
ALTER TABLE users ADD COLUMN unit_id BIGINT NULL;
CREATE TABLE rectifications (
  id {{id}},
  area_code VARCHAR(32) NOT NULL,
  area_path VARCHAR(255) NOT NULL,
  unit_id BIGINT NULL,
  issuer_id BIGINT NOT NULL,
  issuer_name VARCHAR(64) NOT NULL,
  title VARCHAR(200) NOT NULL,
  detail {{longtext}} NOT NULL,
  status VARCHAR(16) NOT NULL,
  due_at {{ts}} NOT NULL,
  period VARCHAR(16) NOT NULL DEFAULT '',
  metric VARCHAR(16) NOT NULL DEFAULT '',
  open_key VARCHAR(100) NULL,
  ext_due_at {{ts}} NULL,
  ext_reason VARCHAR(1000) NULL,
  reminded_light VARCHAR(8) NOT NULL DEFAULT '',
  reminded_on VARCHAR(10) NOT NULL DEFAULT '',
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL,
  closed_at {{ts}} NULL
){{table}};
CREATE UNIQUE INDEX idx_rectifications_open ON rectifications (open_key);
CREATE INDEX idx_rectifications_area ON rectifications (area_path, status);
CREATE INDEX idx_rectifications_unit ON rectifications (unit_id, status);
CREATE INDEX idx_rectifications_due ON rectifications (status, due_at);
CREATE TABLE rectification_events (
  id {{id}},
  item_id BIGINT NOT NULL,
  at {{ts}} NOT NULL,
  actor_id BIGINT NULL,
  actor VARCHAR(64) NOT NULL,
  action VARCHAR(32) NOT NULL,
  text {{longtext}} NOT NULL
){{table}};
CREATE INDEX idx_rectification_events_item ON rectification_events (item_id, id);
CREATE TABLE rectification_attachments (
  id {{id}},
  item_id BIGINT NOT NULL,
  event_id BIGINT NULL,
  name VARCHAR(200) NOT NULL,
  content_type VARCHAR(64) NOT NULL,
  size BIGINT NOT NULL,
  stored VARCHAR(64) NOT NULL,
  uploader_id BIGINT NOT NULL,
  created_at {{ts}} NOT NULL
){{table}};
CREATE INDEX idx_rectification_attachments_item ON rectification_attachments (item_id);
CREATE TABLE notices (
  id {{id}},
  number VARCHAR(32) NOT NULL,
  area_code VARCHAR(32) NOT NULL,
  area_path VARCHAR(255) NOT NULL,
  period VARCHAR(16) NOT NULL,
  year INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  body_html {{longtext}} NOT NULL,
  items_json {{longtext}} NOT NULL,
  created_at {{ts}} NOT NULL,
  created_by_id BIGINT NOT NULL,
  created_by VARCHAR(64) NOT NULL
){{table}};
CREATE UNIQUE INDEX idx_notices_seq ON notices (area_code, year, seq);
CREATE INDEX idx_notices_area ON notices (area_path);
`},
	// A submission's Idempotency-Key is made on the phone and kept with a
	// submission queued offline; submit_hash (SHA-256 of the canonical
	// answers) lets a resend with the same key but other answers be refused
	// instead of answered with the first result.
	{15, "submission payload hash", `
ALTER TABLE attempts ADD COLUMN submit_hash VARCHAR(64) NULL;
`},
	// A notice may be addressed to a member unit (its liaisons read it); it
	// keeps the issuing root area's number series.
	{17, "notices to member units", `
ALTER TABLE notices ADD COLUMN unit_id BIGINT NULL;
CREATE INDEX idx_notices_unit ON notices (unit_id);
`},
	// The counters roll up to every level: a counted attempt adds to a row
	// of its grid and of each area above it (community, town, county,
	// city), so a view reads its own area's rows and its children's totals
	// instead of every cell of its subtree. Every counter row carries the
	// generation it belongs to: readers and folds use awareness_state.gen,
	// a rebuild writes gen+1 beside it and switches by updating that one row.
	// awareness_state also serializes the folders and holds a rebuild's
	// lease. The grid counters of step 13 are carried over as generation 0
	// and summed up the area tree level by level (grids are at depth 4);
	// the old tables are then dropped. On MySQL each statement commits: a
	// step cut short is run again from the start (the _next tables are
	// dropped first), and `wuzha awareness rebuild` recomputes everything.
	{18, "rolled-up counters with generations", `
DROP TABLE IF EXISTS awareness_state;
CREATE TABLE awareness_state (
  id INTEGER NOT NULL PRIMARY KEY,
  gen BIGINT NOT NULL,
  folds BIGINT NOT NULL,
  lease_owner VARCHAR(64) NOT NULL,
  lease_until {{ts}} NULL
){{table}};
INSERT INTO awareness_state (id, gen, folds, lease_owner) VALUES (1, 0, 0, '');

DROP TABLE IF EXISTS awareness_first_next;
CREATE TABLE awareness_first_next (
  gen BIGINT NOT NULL,
  period VARCHAR(16) NOT NULL,
  user_id BIGINT NOT NULL,
  attempt_id BIGINT NOT NULL,
  PRIMARY KEY (gen, period, user_id)
){{table}};
INSERT INTO awareness_first_next (gen, period, user_id, attempt_id) SELECT 0, period, user_id, attempt_id FROM awareness_first;

DROP TABLE IF EXISTS awareness_cells_next;
CREATE TABLE awareness_cells_next (
  gen BIGINT NOT NULL,
  period VARCHAR(16) NOT NULL,
  area_path VARCHAR(255) NOT NULL,
  age_band VARCHAR(32) NOT NULL,
  occupation VARCHAR(32) NOT NULL,
  respondents BIGINT NOT NULL,
  passed BIGINT NOT NULL,
  score_tenths BIGINT NOT NULL,
  PRIMARY KEY (gen, period, area_path, age_band, occupation)
){{table}};
INSERT INTO awareness_cells_next (gen, period, area_path, age_band, occupation, respondents, passed, score_tenths)
  SELECT 0, period, grid_path, age_band, occupation, respondents, passed, score_tenths FROM awareness_cells WHERE grid_path <> '';
INSERT INTO awareness_cells_next (gen, period, area_path, age_band, occupation, respondents, passed, score_tenths)
  SELECT 0, n.period, p.path, n.age_band, n.occupation, SUM(n.respondents), SUM(n.passed), SUM(n.score_tenths) FROM awareness_cells_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 4 GROUP BY n.period, p.path, n.age_band, n.occupation;
INSERT INTO awareness_cells_next (gen, period, area_path, age_band, occupation, respondents, passed, score_tenths)
  SELECT 0, n.period, p.path, n.age_band, n.occupation, SUM(n.respondents), SUM(n.passed), SUM(n.score_tenths) FROM awareness_cells_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 3 GROUP BY n.period, p.path, n.age_band, n.occupation;
INSERT INTO awareness_cells_next (gen, period, area_path, age_band, occupation, respondents, passed, score_tenths)
  SELECT 0, n.period, p.path, n.age_band, n.occupation, SUM(n.respondents), SUM(n.passed), SUM(n.score_tenths) FROM awareness_cells_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 2 GROUP BY n.period, p.path, n.age_band, n.occupation;
INSERT INTO awareness_cells_next (gen, period, area_path, age_band, occupation, respondents, passed, score_tenths)
  SELECT 0, n.period, p.path, n.age_band, n.occupation, SUM(n.respondents), SUM(n.passed), SUM(n.score_tenths) FROM awareness_cells_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 1 GROUP BY n.period, p.path, n.age_band, n.occupation;

DROP TABLE IF EXISTS awareness_answers_next;
CREATE TABLE awareness_answers_next (
  gen BIGINT NOT NULL,
  period VARCHAR(16) NOT NULL,
  area_path VARCHAR(255) NOT NULL,
  fraud_type VARCHAR(32) NOT NULL,
  age_band VARCHAR(32) NOT NULL,
  answered BIGINT NOT NULL,
  correct BIGINT NOT NULL,
  PRIMARY KEY (gen, period, area_path, fraud_type, age_band)
){{table}};
INSERT INTO awareness_answers_next (gen, period, area_path, fraud_type, age_band, answered, correct)
  SELECT 0, period, grid_path, fraud_type, age_band, answered, correct FROM awareness_answers WHERE grid_path <> '';
INSERT INTO awareness_answers_next (gen, period, area_path, fraud_type, age_band, answered, correct)
  SELECT 0, n.period, p.path, n.fraud_type, n.age_band, SUM(n.answered), SUM(n.correct) FROM awareness_answers_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 4 GROUP BY n.period, p.path, n.fraud_type, n.age_band;
INSERT INTO awareness_answers_next (gen, period, area_path, fraud_type, age_band, answered, correct)
  SELECT 0, n.period, p.path, n.fraud_type, n.age_band, SUM(n.answered), SUM(n.correct) FROM awareness_answers_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 3 GROUP BY n.period, p.path, n.fraud_type, n.age_band;
INSERT INTO awareness_answers_next (gen, period, area_path, fraud_type, age_band, answered, correct)
  SELECT 0, n.period, p.path, n.fraud_type, n.age_band, SUM(n.answered), SUM(n.correct) FROM awareness_answers_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 2 GROUP BY n.period, p.path, n.fraud_type, n.age_band;
INSERT INTO awareness_answers_next (gen, period, area_path, fraud_type, age_band, answered, correct)
  SELECT 0, n.period, p.path, n.fraud_type, n.age_band, SUM(n.answered), SUM(n.correct) FROM awareness_answers_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 1 GROUP BY n.period, p.path, n.fraud_type, n.age_band;

DROP TABLE IF EXISTS awareness_totals_next;
CREATE TABLE awareness_totals_next (
  gen BIGINT NOT NULL,
  period VARCHAR(16) NOT NULL,
  area_path VARCHAR(255) NOT NULL,
  respondents BIGINT NOT NULL,
  passed BIGINT NOT NULL,
  score_tenths BIGINT NOT NULL,
  invalid BIGINT NOT NULL,
  PRIMARY KEY (gen, period, area_path)
){{table}};
INSERT INTO awareness_totals_next (gen, period, area_path, respondents, passed, score_tenths, invalid)
  SELECT 0, period, grid_path, SUM(respondents), SUM(passed), SUM(score_tenths), SUM(invalid) FROM (
    SELECT period, grid_path, respondents, passed, score_tenths, 0 AS invalid FROM awareness_cells WHERE grid_path <> ''
    UNION ALL SELECT period, grid_path, 0, 0, 0, n FROM awareness_invalid WHERE grid_path <> '') x
  GROUP BY period, grid_path;
INSERT INTO awareness_totals_next (gen, period, area_path, respondents, passed, score_tenths, invalid)
  SELECT 0, n.period, p.path, SUM(n.respondents), SUM(n.passed), SUM(n.score_tenths), SUM(n.invalid) FROM awareness_totals_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 4 GROUP BY n.period, p.path;
INSERT INTO awareness_totals_next (gen, period, area_path, respondents, passed, score_tenths, invalid)
  SELECT 0, n.period, p.path, SUM(n.respondents), SUM(n.passed), SUM(n.score_tenths), SUM(n.invalid) FROM awareness_totals_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 3 GROUP BY n.period, p.path;
INSERT INTO awareness_totals_next (gen, period, area_path, respondents, passed, score_tenths, invalid)
  SELECT 0, n.period, p.path, SUM(n.respondents), SUM(n.passed), SUM(n.score_tenths), SUM(n.invalid) FROM awareness_totals_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 2 GROUP BY n.period, p.path;
INSERT INTO awareness_totals_next (gen, period, area_path, respondents, passed, score_tenths, invalid)
  SELECT 0, n.period, p.path, SUM(n.respondents), SUM(n.passed), SUM(n.score_tenths), SUM(n.invalid) FROM awareness_totals_next n JOIN areas g ON g.path = n.area_path JOIN areas p ON p.code = g.parent_code
  WHERE g.depth = 1 GROUP BY n.period, p.path;

DROP TABLE awareness_first;
ALTER TABLE awareness_first_next RENAME TO awareness_first;
DROP TABLE awareness_cells;
ALTER TABLE awareness_cells_next RENAME TO awareness_cells;
DROP TABLE awareness_answers;
ALTER TABLE awareness_answers_next RENAME TO awareness_answers;
DROP TABLE awareness_invalid;
ALTER TABLE awareness_totals_next RENAME TO awareness_totals;
`},
	// `wuzha seed --demo` marks the residents and staff accounts it makes
	// as demo data, so they can be told apart from real people and never
	// mistaken for them (and a test can check they stay in demo areas).
	{19, "demo accounts", `
ALTER TABLE users ADD COLUMN demo BOOLEAN NOT NULL DEFAULT FALSE;
`},
	// Running a city's staff: a staff user's name and phone (sealed in
	// phone_enc like a resident's; found by staff_phone_hash, never by
	// phone_hash, so a staff phone can never sign in by SMS as a resident),
	// the forced first change and the age of the password, the last
	// passwords (not to be used again), and each sign-in's last request
	// (the idle timeout).
	{20, "staff names, phones and password rules", `
ALTER TABLE users ADD COLUMN name VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN staff_phone_hash VARCHAR(64) NULL;
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN password_changed_at {{ts}} NULL;
CREATE INDEX idx_users_staff_phone ON users (staff_phone_hash);
CREATE INDEX idx_users_name ON users (name);
ALTER TABLE sign_ins ADD COLUMN last_seen_at {{ts}} NULL;
CREATE TABLE password_history (
  id {{id}},
  user_id BIGINT NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  created_at {{ts}} NOT NULL
){{table}};
CREATE INDEX idx_password_history_user ON password_history (user_id, id);
`},
	// The workbench (internal/workbench): when each user last looked at a
	// list (an editor's review results), so "new since" is counted; when a
	// warning was last approved or rejected, which questions already keep;
	// and the redemptions a staff member made, listed newest first.
	{21, "workbench", `
CREATE TABLE workbench_seen (
  user_id BIGINT NOT NULL,
  list VARCHAR(32) NOT NULL,
  seen_at {{ts}} NOT NULL,
  PRIMARY KEY (user_id, list)
){{table}};
ALTER TABLE warnings ADD COLUMN reviewed_at {{ts}} NULL;
CREATE INDEX idx_awards_redeemed_by ON awards (redeemed_by, redeemed_at);
CREATE INDEX idx_awards_grid ON awards (grid_path, redeemed_at);
`},
	// The counters packed into one row per generation × period × area
	// (awareness_rollups): the totals as columns, the breakdowns by age band
	// × occupation and by fraud type × age band as text in those rows. A
	// fold then writes about three rows per attempt where the cells and
	// answer rows of step 18 made it thirty. The packed text is not worth
	// writing in SQL for two dialects: the step marks every counting
	// attempt pending again and starts the markers afresh instead, so the
	// folder counts them all, in submission order, with the product's own
	// code (or `wuzha awareness rebuild` does, faster, on a large city).
	// The markers move into two tables that take turns by generation
	// (awareness_first_0 for even, _1 for odd), so a rebuild empties one
	// with a TRUNCATE instead of deleting a city's markers row by row.
	{22, "packed counter rollups", `
DROP TABLE IF EXISTS awareness_rollups;
CREATE TABLE awareness_rollups (
  gen BIGINT NOT NULL,
  period VARCHAR(16) NOT NULL,
  area_path VARCHAR(255) NOT NULL,
  respondents BIGINT NOT NULL,
  passed BIGINT NOT NULL,
  score_tenths BIGINT NOT NULL,
  invalid BIGINT NOT NULL,
  cells {{longtext}} NOT NULL,
  answers {{longtext}} NOT NULL,
  PRIMARY KEY (gen, period, area_path)
){{table}};
DROP TABLE IF EXISTS awareness_first_0;
CREATE TABLE awareness_first_0 (
  gen BIGINT NOT NULL,
  period VARCHAR(16) NOT NULL,
  user_id BIGINT NOT NULL,
  attempt_id BIGINT NOT NULL,
  PRIMARY KEY (gen, period, user_id)
){{table}};
DROP TABLE IF EXISTS awareness_first_1;
CREATE TABLE awareness_first_1 (
  gen BIGINT NOT NULL,
  period VARCHAR(16) NOT NULL,
  user_id BIGINT NOT NULL,
  attempt_id BIGINT NOT NULL,
  PRIMARY KEY (gen, period, user_id)
){{table}};
UPDATE attempts SET tally_pending = TRUE WHERE status = 'submitted' AND counting = TRUE AND tally_pending = FALSE;
UPDATE awareness_state SET lease_owner = '', lease_until = NULL WHERE id = 1;
DROP TABLE IF EXISTS awareness_first;
DROP TABLE IF EXISTS awareness_cells;
DROP TABLE IF EXISTS awareness_answers;
DROP TABLE IF EXISTS awareness_totals;
`},
}
