-- Heads are split out of the rating distribution too ("trên trước, dưới sau").
ALTER TABLE rated_commitments ADD COLUMN is_head boolean NOT NULL DEFAULT false;
