-- Of a committee: territorial or a bloc's (agencies, enterprises, armed forces), so reports name them as the
-- directory does after the 2025 reorganisation.
ALTER TABLE directory_units ADD COLUMN kind text;
