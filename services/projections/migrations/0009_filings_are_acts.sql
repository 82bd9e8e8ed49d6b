-- A filing is kept once, as the member's 'filed' act of the year (member_acts, since 0005): the compliance list
-- of members without a commitment reads it there. Filings noted before member_acts existed are carried over
-- with an empty unit path, so they still count as filed and, as before, in no span of any unit
-- (`neuguong projections rebuild` gives them their path from the topics).
INSERT INTO member_acts (act, member_id, period, first_day, last_day, unit_path)
SELECT 'filed', member_id, year::text, make_date(year, 1, 1), make_date(year, 12, 31), '{}'
FROM filed_commitments
ON CONFLICT (act, member_id, period) DO NOTHING;
DROP TABLE filed_commitments;
