-- Inspections and supervisions (kiểm tra, giám sát) of members and organisations, their conclusions,
-- and the disciplines (kỷ luật) imposed. unit_path is the target's path when the record was made
-- (a member: their cell's path; a unit: its own), so subtree reads need no directory lookups.

CREATE TABLE inspections (
    inspection_id     text PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('inspection', 'supervision')),
    target_kind       text NOT NULL CHECK (target_kind IN ('member', 'unit')),
    target_id         text NOT NULL,
    topic_title       text NOT NULL,
    period            text NOT NULL,
    period_start      date NOT NULL,
    period_end        date NOT NULL,
    committee_unit_id text NOT NULL,
    unit_path         text[] NOT NULL,
    opened_on         date NOT NULL,
    opened_by         text NOT NULL,
    conclusion        text CHECK (conclusion IN ('compliant', 'shortcomings', 'violation')),
    summary           text,
    recommendations   jsonb,
    concluded_on      date,
    concluded_by      text,
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((conclusion IS NULL) = (concluded_on IS NULL))
);
CREATE INDEX inspections_unit_path ON inspections USING gin (unit_path);
CREATE INDEX inspections_target ON inspections (target_id, inspection_id);

CREATE TABLE disciplines (
    discipline_id   text PRIMARY KEY,
    target_kind     text NOT NULL CHECK (target_kind IN ('member', 'unit')),
    target_id       text NOT NULL,
    measure         text NOT NULL,
    decided_on      date NOT NULL,
    reason          text NOT NULL,
    inspection_id   text REFERENCES inspections,
    decided_by_unit text NOT NULL,
    note            text NOT NULL DEFAULT '',
    unit_path       text[] NOT NULL,
    decided_by      text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disciplines_unit_path ON disciplines USING gin (unit_path);
CREATE INDEX disciplines_target ON disciplines (target_id, discipline_id);
