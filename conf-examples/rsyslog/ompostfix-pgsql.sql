-- Table for conf-examples/rsyslog/ompostfix-pgsql.conf (ompgsql into jsonb).
CREATE TABLE IF NOT EXISTS postfix_records (
    row_id  bigserial PRIMARY KEY,
    id      text UNIQUE,                 -- the record's "id" (host/queue_id/first_seen_us);
                                         -- NULL for reject records, which have none
    record  jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS postfix_records_gin ON postfix_records USING gin (record jsonb_path_ops);

-- "What happened to mail to X?"  (psql -v rcpt='user@example.com' -f ...)
-- Every message with a recipient X (as delivered or as originally addressed),
-- one row per recipient attempt outcome, and every SMTP-time rejection naming X.
-- \set rcpt 'user@example.com'
SELECT r.record->>'first_seen'        AS time,
       r.record->>'host'              AS host,
       r.record->>'queue_id'          AS queue_id,
       r.record->>'from'              AS sender,
       rcpt->>'to'                    AS recipient,
       rcpt->>'status'                AS status,
       rcpt->>'dsn'                   AS dsn,
       rcpt->>'relay'                 AS relay,
       rcpt->>'reply'                 AS reply
  FROM postfix_records r
 CROSS JOIN LATERAL jsonb_array_elements(r.record->'recipients') AS rcpt
 WHERE r.record @> '{"kind":"message"}'
   AND (rcpt->>'to' = :'rcpt' OR rcpt->>'orig_to' = :'rcpt')
UNION ALL
SELECT r.record->>'time', r.record->>'host', r.record->>'queue_id', r.record->>'from',
       r.record->>'to', r.record->>'action', r.record->>'dsn',
       r.record#>>'{client,ip}', r.record->>'reason'
  FROM postfix_records r
 WHERE r.record @> jsonb_build_object('kind', 'reject', 'to', :'rcpt')
 ORDER BY 1;
