-- State the compliance lists need: which cells held which sessions, which units recorded honors,
-- which members filed for which year.
ALTER TABLE held_sessions ADD COLUMN cell_id text GENERATED ALWAYS AS (unit_path[array_length(unit_path, 1)]) STORED;
CREATE INDEX held_sessions_cell_month ON held_sessions (cell_id, month);

CREATE TABLE recorded_honors (
    honor_id          text PRIMARY KEY,
    subject_kind      text NOT NULL,
    subject_id        text NOT NULL,
    recording_unit_id text NOT NULL,
    level             text NOT NULL,
    period            text NOT NULL,
    unit_path         text[] NOT NULL,
    revoked           boolean NOT NULL DEFAULT false
);
CREATE INDEX recorded_honors_unit_period ON recorded_honors (recording_unit_id, period) WHERE NOT revoked;

CREATE TABLE filed_commitments (
    member_id text NOT NULL,
    year      integer NOT NULL,
    PRIMARY KEY (member_id, year)
);
