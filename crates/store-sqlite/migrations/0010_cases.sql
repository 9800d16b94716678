-- Cases (issue 7): one row per case with its sealed state and the columns listings filter on
-- (identifiers, statuses and dates only: summaries and comments live in the sealed state and
-- entries), its append-only timeline, and its sealed attachments.
-- An alert raised twice opens one case: a dedupe key is unique per tenant, kind and subject
-- among cases not closed.

CREATE TABLE cases (
    id            TEXT    PRIMARY KEY,
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    kind          TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('open', 'investigating', 'awaiting_customer',
                                                     'escalated', 'closed')),
    subject_type  TEXT    NOT NULL,
    subject_ref   TEXT    NOT NULL,
    assignee      TEXT,
    priority      TEXT    NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    -- ISO 8601 day (YYYY-MM-DD): sorts and compares as text.
    due           TEXT,
    dedupe_key    TEXT,
    state_ct      BLOB    NOT NULL,
    version       INTEGER NOT NULL,
    opened_at     INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX cases_by_tenant ON cases (tenant_id, id);
CREATE INDEX cases_open_by_due ON cases (due) WHERE status <> 'closed';
CREATE INDEX cases_by_subject ON cases (tenant_id, subject_ref);
CREATE UNIQUE INDEX cases_open_dedupe ON cases (tenant_id, kind, subject_type, subject_ref, dedupe_key)
    WHERE status <> 'closed' AND dedupe_key IS NOT NULL;

CREATE TABLE case_events (
    case_id   TEXT    NOT NULL REFERENCES cases (id),
    seq       INTEGER NOT NULL CHECK (seq > 0),
    at        INTEGER NOT NULL,
    type      TEXT    NOT NULL,
    entry_ct  BLOB    NOT NULL,
    PRIMARY KEY (case_id, seq)
) STRICT;

-- The timeline is history: it is appended to, never rewritten.
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;

CREATE TABLE case_attachments (
    id            TEXT    PRIMARY KEY,
    case_id       TEXT    NOT NULL REFERENCES cases (id),
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    file_name_ct  BLOB    NOT NULL,
    media_type    TEXT    NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size          INTEGER NOT NULL CHECK (size > 0),
    sha256        TEXT    NOT NULL CHECK (length(sha256) = 64),
    content_ct    BLOB    NOT NULL,
    uploaded_at   INTEGER NOT NULL,
    uploaded_by   TEXT    NOT NULL
) STRICT;
CREATE INDEX case_attachments_by_case ON case_attachments (case_id, id);
