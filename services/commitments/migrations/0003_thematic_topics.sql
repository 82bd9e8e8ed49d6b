-- The catalogue of thematic topics (chuyên đề) committees publish for a year; a thematic session may name one.
CREATE TABLE thematic_topics (
    topic_id        text PRIMARY KEY,
    year            integer NOT NULL,
    title           text NOT NULL,
    issuing_unit_id text NOT NULL,
    unit_path       text[] NOT NULL,
    issued_by       text NOT NULL,
    issued_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX thematic_topics_year ON thematic_topics (year);
