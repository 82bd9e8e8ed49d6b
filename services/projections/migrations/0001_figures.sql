-- Counters per unit (over its whole subtree), period and figure name.
CREATE TABLE unit_figures (
    unit_id text NOT NULL,
    period  text NOT NULL,
    figure  text NOT NULL,
    value   bigint NOT NULL,
    PRIMARY KEY (unit_id, period, figure)
);
