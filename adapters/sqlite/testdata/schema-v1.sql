CREATE TABLE IF NOT EXISTS events (
	position    INTEGER PRIMARY KEY,
	event_id    TEXT    NOT NULL UNIQUE,
	stream      TEXT    NOT NULL,
	revision    INTEGER NOT NULL,
	type        TEXT    NOT NULL,
	occurred_at TEXT    NOT NULL,
	recorded_at TEXT    NOT NULL,
	actor_role  TEXT    NOT NULL,
	actor_name  TEXT    NOT NULL,
	data        TEXT    NOT NULL,
	prev_hash   TEXT    NOT NULL,
	hash        TEXT    NOT NULL,
	UNIQUE (stream, revision)
) STRICT;
PRAGMA user_version = 1;
