-- Publicity of honors, from the notification service's acknowledged deliveries: one row a delivery, joined at
-- query time to the honor (recorded_honors) for its recording unit's path, so a delivery that arrives before
-- its honor counts as soon as the honor does.
CREATE TABLE publicity_deliveries (
    delivery_id  text PRIMARY KEY,
    kind         text NOT NULL,   -- published, retracted
    honor_id     text NOT NULL,
    channel_id   text NOT NULL,
    channel_kind text NOT NULL,   -- portal, fanpage
    level        text NOT NULL,
    period       text NOT NULL,   -- the honor's period
    first_day    date NOT NULL,
    last_day     date NOT NULL
);
CREATE INDEX publicity_deliveries_honor ON publicity_deliveries (honor_id);
