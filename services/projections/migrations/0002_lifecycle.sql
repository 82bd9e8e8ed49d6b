-- What the projections must remember to move figures when a rating or a session record changes.
CREATE TABLE rated_commitments (
    commitment_id text PRIMARY KEY,
    rating        text NOT NULL,
    period        text NOT NULL,
    unit_path     text[] NOT NULL,
    is_leader     boolean NOT NULL
);

CREATE TABLE held_sessions (
    session_id text PRIMARY KEY,
    kind       text NOT NULL,
    month      text NOT NULL,
    unit_path  text[] NOT NULL
);
