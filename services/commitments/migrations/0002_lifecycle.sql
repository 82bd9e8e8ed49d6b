-- The commitment lifecycle (versions, monthly reviews, report, rating), cell sessions and the
-- disciplines learned from inspections.events.

ALTER TABLE commitments
    ADD COLUMN is_leader  boolean NOT NULL DEFAULT false,
    ADD COLUMN is_head    boolean NOT NULL DEFAULT false,
    ADD COLUMN unit_path  text[] NOT NULL DEFAULT '{}',
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX commitments_unit_path ON commitments USING gin (unit_path);

-- Every version of a commitment's content; amendments add rows, nothing is overwritten (rule 1).
CREATE TABLE commitment_versions (
    commitment_id text NOT NULL REFERENCES commitments,
    version       integer NOT NULL,
    content       jsonb NOT NULL,
    reason        text,
    changed_by    text NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (commitment_id, version)
);
INSERT INTO commitment_versions (commitment_id, version, content, changed_by, changed_at)
SELECT commitment_id, version, content, filed_by, filed_at FROM commitments;

CREATE TABLE self_reflections (
    commitment_id text NOT NULL REFERENCES commitments,
    month         text NOT NULL,
    content       jsonb NOT NULL,
    recorded_by   text NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (commitment_id, month)
);

CREATE TABLE commitment_reports (
    commitment_id            text PRIMARY KEY REFERENCES commitments,
    content                  jsonb NOT NULL,
    on_time_percent          integer NOT NULL,
    all_limitations_remedied boolean NOT NULL,
    self_rating              text NOT NULL,
    reported_by              text NOT NULL,
    reported_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE commitment_ratings (
    commitment_id        text PRIMARY KEY REFERENCES commitments,
    rating               text NOT NULL,
    rated_by             text NOT NULL,
    rated_by_unit        text NOT NULL,
    reason               text NOT NULL DEFAULT '',
    forced_by_discipline text,
    rated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    session_id  text PRIMARY KEY,
    cell_id     text NOT NULL,
    month       text NOT NULL,
    kind        text NOT NULL,
    held_on     date NOT NULL,
    revision    integer NOT NULL DEFAULT 1,
    content     jsonb NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Rule 4: one regular session per cell and month; thematic sessions are not limited.
CREATE UNIQUE INDEX sessions_one_regular_per_month ON sessions (cell_id, month) WHERE kind = 'regular';
CREATE INDEX sessions_cell_month ON sessions (cell_id, month);

CREATE TABLE disciplines (
    discipline_id text PRIMARY KEY,
    member_id     text NOT NULL,
    measure       text NOT NULL,
    decided_on    date NOT NULL
);
CREATE INDEX disciplines_member ON disciplines (member_id, decided_on);
