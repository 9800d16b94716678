-- Cases (issue 7): one row per case with its sealed state and the columns listings filter on
-- (identifiers, statuses and dates only: summaries and comments live in the sealed state and
-- entries), its append-only timeline, and its sealed attachments.
-- An alert raised twice opens one case: a dedupe key is unique per tenant, kind and subject
-- among cases not closed.

CREATE TABLE cases (
    id            UUID        PRIMARY KEY,
    tenant_id     UUID        NOT NULL REFERENCES tenants (id),
    kind          TEXT        NOT NULL,
    status        TEXT        NOT NULL CHECK (status IN ('open', 'investigating', 'awaiting_customer',
                                                         'escalated', 'closed')),
    subject_type  TEXT        NOT NULL,
    subject_ref   TEXT        NOT NULL,
    assignee      TEXT,
    priority      TEXT        NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    due           DATE,
    dedupe_key    TEXT,
    state_ct      BYTEA       NOT NULL,
    version       BIGINT      NOT NULL,
    opened_at     TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_by_tenant ON cases (tenant_id, id);
CREATE INDEX cases_open_by_due ON cases (due) WHERE status <> 'closed';
CREATE INDEX cases_by_subject ON cases (tenant_id, subject_ref);
CREATE UNIQUE INDEX cases_open_dedupe ON cases (tenant_id, kind, subject_type, subject_ref, dedupe_key)
    WHERE status <> 'closed' AND dedupe_key IS NOT NULL;

CREATE TABLE case_events (
    case_id   UUID        NOT NULL REFERENCES cases (id),
    seq       BIGINT      NOT NULL CHECK (seq > 0),
    at        TIMESTAMPTZ NOT NULL,
    type      TEXT        NOT NULL,
    entry_ct  BYTEA       NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- The timeline is history: it is appended to, never rewritten.
CREATE FUNCTION case_events_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only';
END;
$$;
CREATE TRIGGER case_events_refuse_update
    BEFORE UPDATE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_refuse_update();

CREATE TABLE case_attachments (
    id            UUID        PRIMARY KEY,
    case_id       UUID        NOT NULL REFERENCES cases (id),
    tenant_id     UUID        NOT NULL REFERENCES tenants (id),
    file_name_ct  BYTEA       NOT NULL,
    media_type    TEXT        NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size          BIGINT      NOT NULL CHECK (size > 0),
    sha256        TEXT        NOT NULL CHECK (length(sha256) = 64),
    content_ct    BYTEA       NOT NULL,
    uploaded_at   TIMESTAMPTZ NOT NULL,
    uploaded_by   TEXT        NOT NULL
);
CREATE INDEX case_attachments_by_case ON case_attachments (case_id, id);
