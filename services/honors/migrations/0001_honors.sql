-- The honor roll (sổ ghi danh), nominations up the levels, and the eligibility view kept from
-- inspections.events and commitments.events (rule 6). unit_path is the subject's path when the entry was
-- made (a member: their cell's path; a unit: its own), frozen like the events' unit_path.

CREATE TABLE honors (
    honor_id               text PRIMARY KEY,
    subject_kind           text NOT NULL CHECK (subject_kind IN ('member', 'unit')),
    subject_id             text NOT NULL,
    subject_name           text NOT NULL,
    recording_unit_id      text NOT NULL,
    level                  text NOT NULL CHECK (level IN ('cell', 'grassroots', 'district', 'province')),
    period                 text NOT NULL,
    period_start           date NOT NULL,
    period_end             date NOT NULL,
    deed                   text NOT NULL,
    evidence               jsonb NOT NULL DEFAULT '[]',
    proposed_by            text NOT NULL,
    approved_by            text NOT NULL,
    consent_to_publish     boolean NOT NULL,
    nomination_id          text,
    unit_path              text[] NOT NULL,
    recorded_by            text NOT NULL,
    recorded_on            date NOT NULL,
    recorded_at            timestamptz NOT NULL DEFAULT now(),
    revoked_at             timestamptz,
    revoked_by             text,
    revocation_reason      text,
    revoking_inspection_id text,
    revoking_discipline_id text
);
-- Rule 7: one entry on the roll per subject, level and period. A revoked entry leaves the roll, so the
-- subject may be honored again for that period once eligible (e.g. after a revocation made in error).
CREATE UNIQUE INDEX honors_natural_key ON honors (subject_kind, subject_id, level, period) WHERE revoked_at IS NULL;
CREATE INDEX honors_unit_path ON honors USING gin (unit_path);
CREATE INDEX honors_subject ON honors (subject_id, honor_id);

CREATE TABLE nominations (
    nomination_id      text PRIMARY KEY,
    subject_kind       text NOT NULL,
    subject_id         text NOT NULL,
    subject_name       text NOT NULL,
    proposing_unit_id  text NOT NULL,
    recording_unit_id  text NOT NULL,
    level              text NOT NULL,
    period             text NOT NULL,
    deed               text NOT NULL,
    evidence           jsonb NOT NULL DEFAULT '[]',
    proposed_by        text NOT NULL,
    consent_to_publish boolean NOT NULL,
    unit_path          text[] NOT NULL,
    nominated_by       text NOT NULL,
    nominated_at       timestamptz NOT NULL DEFAULT now(),
    status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by         text,
    decided_at         timestamptz,
    decision           text,
    honor_id           text REFERENCES honors
);
-- One pending nomination per subject, level and period.
CREATE UNIQUE INDEX nominations_pending ON nominations (subject_kind, subject_id, level, period)
    WHERE status = 'pending';
CREATE INDEX nominations_recording ON nominations (recording_unit_id, status, nomination_id);
CREATE INDEX nominations_proposing ON nominations (proposing_unit_id, status, nomination_id);

-- The eligibility view: what inspections.events and commitments.events say about subjects.
CREATE TABLE known_inspections (
    inspection_id text PRIMARY KEY,
    target_kind   text NOT NULL,
    target_id     text NOT NULL,
    kind          text NOT NULL,
    period        text NOT NULL,
    opened_on     date NOT NULL,
    conclusion    text,
    concluded_on  date
);
CREATE INDEX known_inspections_target ON known_inspections (target_id);

CREATE TABLE known_disciplines (
    discipline_id text PRIMARY KEY,
    target_kind   text NOT NULL,
    target_id     text NOT NULL,
    measure       text NOT NULL,
    decided_on    date NOT NULL
);
CREATE INDEX known_disciplines_target ON known_disciplines (target_id);

-- A member's current rating per year: a later CommitmentRated replaces the earlier one.
CREATE TABLE known_ratings (
    member_id     text NOT NULL,
    year          integer NOT NULL,
    commitment_id text NOT NULL,
    rating        text NOT NULL,
    PRIMARY KEY (member_id, year)
);
