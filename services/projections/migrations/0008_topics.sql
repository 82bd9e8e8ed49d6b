-- The catalogue of thematic topics (chuyên đề) committees issued, and the topic a thematic session took up:
-- counted at query time (distinct cells per topic), so a session ahead of its topic counts once the topic arrives.
CREATE TABLE issued_topics (
    topic_id        text PRIMARY KEY,
    year            integer NOT NULL,
    title           text NOT NULL,
    issuing_unit_id text NOT NULL,
    unit_path       text[] NOT NULL
);
CREATE INDEX issued_topics_year ON issued_topics (year);
ALTER TABLE held_sessions ADD COLUMN topic_id text;
CREATE INDEX held_sessions_topic ON held_sessions (topic_id) WHERE topic_id IS NOT NULL;
