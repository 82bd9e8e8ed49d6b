-- Yearly exemplary commitments (cam kết nêu gương): one per member and year (rule 1).
CREATE TABLE commitments (
    commitment_id text PRIMARY KEY,
    member_id     text NOT NULL,
    cell_id       text NOT NULL,
    year          integer NOT NULL,
    version       integer NOT NULL DEFAULT 1,
    content       jsonb NOT NULL,
    filed_by      text NOT NULL,
    filed_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (member_id, year)
);
CREATE INDEX commitments_cell_year ON commitments (cell_id, year);
