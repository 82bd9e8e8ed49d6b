-- Each service's local copy of the reference data from directory.units / directory.members.

CREATE TABLE directory_units (
    unit_id     text PRIMARY KEY,
    parent_id   text,
    level       text NOT NULL,
    name        text NOT NULL,
    cell_kind   text,
    commune     text,
    admin_codes jsonb NOT NULL DEFAULT '[]',
    dissolved   boolean NOT NULL DEFAULT false,
    merged_into text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directory_units_parent ON directory_units (parent_id);

CREATE TABLE directory_members (
    member_id   text PRIMARY KEY,
    full_name   text NOT NULL,
    cell_id     text NOT NULL,
    admitted_on date NOT NULL,
    status      text NOT NULL,
    is_leader   boolean NOT NULL DEFAULT false,
    is_head     boolean NOT NULL DEFAULT false,
    left_party  boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directory_members_cell ON directory_members (cell_id);
