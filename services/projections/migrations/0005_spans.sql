-- Facts kept per member and per checked target, so a span of several periods counts people and
-- organisations once however many periods they acted in ("lượt" from the counters, "người" from here).
CREATE TABLE member_acts (
    act       text NOT NULL,          -- filed, self_reviewed, reported, rated
    member_id text NOT NULL,
    period    text NOT NULL,          -- the year of the commitment, the month of a self-review
    first_day date NOT NULL,
    last_day  date NOT NULL,
    unit_path text[] NOT NULL,
    is_leader boolean NOT NULL DEFAULT false,
    is_head   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (act, member_id, period)
);
CREATE INDEX member_acts_path ON member_acts USING gin (unit_path);

CREATE TABLE checked_targets (
    inspection_id     text PRIMARY KEY,
    kind              text NOT NULL,  -- inspection, supervision
    target_kind       text NOT NULL,  -- member, unit
    target_id         text NOT NULL,
    committee_unit_id text NOT NULL,
    opened_on         date NOT NULL,
    unit_path         text[] NOT NULL,
    conclusion        text,
    concluded_on      date
);
CREATE INDEX checked_targets_path ON checked_targets USING gin (unit_path);

CREATE TABLE imposed_disciplines (
    discipline_id  text PRIMARY KEY,
    target_kind    text NOT NULL,
    target_id      text NOT NULL,
    measure        text NOT NULL,
    decided_on     date NOT NULL,
    inspection_id  text,
    unit_path      text[] NOT NULL
);
CREATE INDEX imposed_disciplines_path ON imposed_disciplines USING gin (unit_path);

-- Attendance of each session, and when a member left (the directory as it stood at a span's end).
ALTER TABLE held_sessions ADD COLUMN present integer NOT NULL DEFAULT 0, ADD COLUMN absent integer NOT NULL DEFAULT 0;
ALTER TABLE directory_members ADD COLUMN left_on date;
ALTER TABLE recorded_honors ADD COLUMN revoked_reason text, ADD COLUMN revoked_cause text;
CREATE INDEX recorded_honors_path ON recorded_honors USING gin (unit_path);
CREATE INDEX held_sessions_path ON held_sessions USING gin (unit_path);
ALTER TABLE recorded_honors ADD COLUMN first_day date, ADD COLUMN last_day date;
