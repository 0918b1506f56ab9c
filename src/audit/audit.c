/* The hash-chained audit trail: append, verify, checkpoint; the canonical form; filters.
 * Format and verification rules: docs/audit.md. */
#include "folio/base.h"

#include "audit/audit_int.h"
#include "folio/crypto.h"
#include "folio/time.h"

#define ZERO_HASH          "0000000000000000000000000000000000000000000000000000000000000000"
#define APPEND_RETRIES     5
#define PG_CHUNK           10000
#define ACTION_MAX         64
#define CANONICAL_MAX      (64 * 1024)

/* ---- text hygiene ---- */

/* Length of the valid UTF-8 sequence at p (n bytes available), or 0. [RFC 3629 section 4] */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return n >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return n >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
                       (p[3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

/* *out = in when it is valid UTF-8 of at most FOLIO_AUDIT_TEXT_MAX bytes; otherwise a cleaned
 * copy (invalid bytes -> '?', cut at a character boundary) that the caller frees via *owned. */
static enum folio_rc clean_text(const char *in, const char **out, char **owned,
                                struct folio_err *err)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t n, i, k, o = 0;
    bool clean = true;
    char *c;

    *out = in;
    *owned = NULL;
    if (in == NULL)
        return FOLIO_OK;
    n = strlen(in);
    for (i = 0; i < n; i += k) {
        k = utf8_len(p + i, n - i);
        if (k == 0) {
            clean = false;
            break;
        }
    }
    if (clean && n <= FOLIO_AUDIT_TEXT_MAX)
        return FOLIO_OK;
    c = malloc((n < FOLIO_AUDIT_TEXT_MAX ? n : FOLIO_AUDIT_TEXT_MAX) + 1);
    if (c == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (i = 0; i < n; i += k) {
        k = utf8_len(p + i, n - i);
        if (o + (k ? k : 1) > FOLIO_AUDIT_TEXT_MAX)
            break;
        if (k == 0) {
            c[o++] = '?';
            k = 1;
        } else {
            memcpy(c + o, p + i, k);
            o += k;
        }
    }
    c[o] = '\0';
    *out = c;
    *owned = c;
    return FOLIO_OK;
}

static bool valid_action(const char *a)
{
    size_t i, n = a ? strlen(a) : 0, dots = 0;

    if (n == 0 || n > ACTION_MAX || a[0] == '.' || a[n - 1] == '.')
        return false;
    for (i = 0; i < n; i++) {
        if (a[i] == '.')
            dots++;
        else if (!((a[i] >= 'a' && a[i] <= 'z') || a[i] == '_'))
            return false;
    }
    return dots == 1;
}

static const char *const outcomes[] = {"success", "failure", "denied", "error"};

/* Now in UTC with milliseconds: fixed width, so text order is time order. */
static void now_ms(char out[32])
{
    struct timespec ts;
    struct tm tm;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || gmtime_r(&ts.tv_sec, &tm) == NULL) {
        folio_strlcpy(out, "1970-01-01T00:00:00.000Z", 32);
        return;
    }
    (void)folio_snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         (int)(ts.tv_nsec / 1000000));
}

/* ---- canonical form: each field "<len>:<bytes>;" or "-;" for NULL, in a fixed order ---- */

static size_t u64_dec(uint64_t v, char *buf) /* buf >= 21; returns length, not terminated */
{
    char tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

static enum folio_rc put_bytes(struct folio_buf *b, const char *s, size_t n)
{
    char num[24];
    size_t k = u64_dec((uint64_t)n, num);

    num[k++] = ':';
    if (folio_buf_append(b, num, k) || folio_buf_append(b, s, n) || folio_buf_append_ch(b, ';'))
        return FOLIO_ETOOBIG;
    return FOLIO_OK;
}

static enum folio_rc put_text(struct folio_buf *b, const char *s)
{
    if (s == NULL)
        return folio_buf_append(b, "-;", 2);
    return put_bytes(b, s, strlen(s));
}

static enum folio_rc put_int(struct folio_buf *b, int64_t v, bool null)
{
    char num[24];
    size_t k = 0;

    if (null)
        return folio_buf_append(b, "-;", 2);
    if (v < 0) {
        num[k++] = '-';
        k += u64_dec((uint64_t)0 - (uint64_t)v, num + 1);
    } else {
        k = u64_dec((uint64_t)v, num);
    }
    return put_bytes(b, num, k);
}

enum folio_rc audit_canonical(struct folio_buf *b, const struct folio_audit_entry *e)
{
    folio_buf_reset(b);
    if (put_int(b, e->seq, false) || put_text(b, e->at) || put_text(b, e->action) ||
        put_text(b, e->outcome) || put_text(b, e->username) || put_text(b, e->roles) ||
        put_int(b, e->patient_id, e->patient_id == 0) || put_text(b, e->entity_type) ||
        put_int(b, e->entity_id, e->entity_id == 0) || put_text(b, e->detail) ||
        put_text(b, e->client))
        return FOLIO_ETOOBIG;
    return FOLIO_OK;
}

void audit_row(struct folio_stmt *st, struct folio_audit_entry *e, const char **prev_hash)
{
    e->seq = folio_stmt_column_i64(st, 0);
    e->at = folio_stmt_column_text(st, 1);
    e->action = folio_stmt_column_text(st, 2);
    e->outcome = folio_stmt_column_text(st, 3);
    e->username = folio_stmt_column_text(st, 4);
    e->roles = folio_stmt_column_text(st, 5);
    e->patient_id = folio_stmt_column_is_null(st, 6) ? 0 : folio_stmt_column_i64(st, 6);
    e->entity_type = folio_stmt_column_text(st, 7);
    e->entity_id = folio_stmt_column_is_null(st, 8) ? 0 : folio_stmt_column_i64(st, 8);
    e->detail = folio_stmt_column_text(st, 9);
    e->client = folio_stmt_column_text(st, 10);
    if (prev_hash)
        *prev_hash = folio_stmt_column_text(st, 11);
    e->hash = folio_stmt_column_text(st, 12);
}

/* A stored patient_id/entity_id of 0 would be indistinguishable from "none" in the C API;
 * the canonical form keeps them apart: verification reads NULL as "-" and 0 as "1:0". */
static void row_ids_exact(struct folio_stmt *st, bool *pid_null, bool *eid_null)
{
    *pid_null = folio_stmt_column_is_null(st, 6);
    *eid_null = folio_stmt_column_is_null(st, 8);
}

static enum folio_rc canonical_exact(struct folio_buf *b, const struct folio_audit_entry *e,
                                     bool pid_null, bool eid_null)
{
    folio_buf_reset(b);
    if (put_int(b, e->seq, false) || put_text(b, e->at) || put_text(b, e->action) ||
        put_text(b, e->outcome) || put_text(b, e->username) || put_text(b, e->roles) ||
        put_int(b, e->patient_id, pid_null) || put_text(b, e->entity_type) ||
        put_int(b, e->entity_id, eid_null) || put_text(b, e->detail) || put_text(b, e->client))
        return FOLIO_ETOOBIG;
    return FOLIO_OK;
}

/* hash = SHA-256(canonical || prev_hash); b holds canonical on entry. */
static enum folio_rc chain_hash(struct folio_buf *b, const char *prev, char out[65])
{
    if (folio_buf_append(b, prev, strlen(prev)))
        return FOLIO_ETOOBIG;
    folio_sha256_hex(b->data, b->len, out);
    return FOLIO_OK;
}

/* ---- append ---- */

static enum folio_rc bind_id(struct folio_stmt *st, int idx, int64_t v)
{
    return v == 0 ? folio_stmt_bind_null(st, idx) : folio_stmt_bind_i64(st, idx, v);
}

static enum folio_rc append_once(struct folio_store *s, const struct folio_audit_entry *in,
                                 int64_t *seq_out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_audit_entry e = *in;
    struct folio_buf b;
    char prev[FOLIO_SHA256_HEX_LEN + 1], hash[FOLIO_SHA256_HEX_LEN + 1], at[32];
    const char *h;
    bool in_tx = false, row = false;
    enum folio_rc rc;
    int i = 1;

    folio_buf_init(&b, CANONICAL_MAX);
    rc = folio_store_begin(s, err);
    if (rc)
        goto out;
    in_tx = true;
    /* Takes the head: PostgreSQL locks the row until the transaction ends; SQLite already holds
     * the write lock (BEGIN IMMEDIATE). RETURNING gives the new seq and the previous hash. */
    rc = folio_store_prepare(s, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
                             &st, err);
    if (!rc)
        rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (!row) {
        rc = folio_err_set(err, FOLIO_ESCHEMA, NULL,
                           "the audit trail has no head row (table audit_head): migrate the database");
        goto out;
    }
    e.seq = folio_stmt_column_i64(st, 0);
    h = folio_stmt_column_text(st, 1);
    if (h == NULL || strlen(h) != FOLIO_SHA256_HEX_LEN) {
        rc = folio_err_set(err, FOLIO_ESTATE, NULL,
                           "the audit head holds a malformed hash: run 'folio audit verify'");
        goto out;
    }
    folio_strlcpy(prev, h, sizeof(prev));
    folio_stmt_free(st);
    st = NULL;

    now_ms(at); /* under the head lock: times follow sequence numbers */
    e.at = at;
    rc = audit_canonical(&b, &e);
    if (!rc)
        rc = chain_hash(&b, prev, hash);
    if (rc) {
        rc = folio_err_set(err, FOLIO_ETOOBIG, NULL, "audit entry too large");
        goto out;
    }

    rc = folio_store_prepare(s,
                             "INSERT INTO audit_log (" AUDIT_COLS ") "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             &st, err);
    if (rc)
        goto out;
    if (folio_stmt_bind_i64(st, i++, e.seq) || folio_stmt_bind_text(st, i++, e.at, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, e.action, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, e.outcome, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, e.username, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, e.roles, (size_t)-1) || bind_id(st, i++, e.patient_id) ||
        folio_stmt_bind_text(st, i++, e.entity_type, (size_t)-1) ||
        bind_id(st, i++, e.entity_id) || folio_stmt_bind_text(st, i++, e.detail, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, e.client, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, prev, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, hash, (size_t)-1)) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot bind the audit entry");
        goto out;
    }
    rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_ECONFLICT) {
        rc = folio_err_set(err, FOLIO_ESTATE, NULL,
                           "audit entry %lld already exists beyond the head: the audit trail was "
                           "altered (run 'folio audit verify')",
                           (long long)e.seq);
    }
    if (rc)
        goto out;
    folio_stmt_free(st);
    st = NULL;

    rc = folio_store_prepare(s, "UPDATE audit_head SET hash = ? WHERE id = 1", &st, err);
    if (rc)
        goto out;
    if (folio_stmt_bind_text(st, 1, hash, (size_t)-1)) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot bind the audit hash");
        goto out;
    }
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    folio_stmt_free(st);
    st = NULL;
    rc = folio_store_commit(s, err);
    if (rc)
        goto out;
    in_tx = false;
    if (seq_out)
        *seq_out = e.seq;
out:
    folio_stmt_free(st);
    if (in_tx)
        folio_store_rollback(s);
    folio_buf_release(&b);
    return rc;
}

enum folio_rc folio_audit_append(struct folio_store *s, const struct folio_audit_event *ev,
                                 int64_t *seq_out, struct folio_err *err)
{
    struct folio_audit_entry e;
    char *owned[5] = {NULL};
    bool own_tx = folio_store_tx_depth(s) == 0;
    enum folio_rc rc = FOLIO_OK;
    size_t i;
    int attempt;

    memset(&e, 0, sizeof(e));
    if (ev == NULL || !valid_action(ev->action)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "action",
                           "audit action '%s' is not of the form object.verb (a-z, _)",
                           ev && ev->action ? ev->action : "");
        goto out;
    }
    e.action = ev->action;
    e.outcome = ev->outcome ? ev->outcome : "success";
    for (i = 0; i < FOLIO_ARRAY_LEN(outcomes); i++)
        if (strcmp(e.outcome, outcomes[i]) == 0)
            break;
    if (i == FOLIO_ARRAY_LEN(outcomes)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "outcome",
                           "unknown audit outcome '%s' (success, failure, denied, error)", e.outcome);
        goto out;
    }
    if (ev->patient_id < 0 || ev->entity_id < 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, ev->patient_id < 0 ? "patient_id" : "entity_id",
                           "negative id in an audit entry");
        goto out;
    }
    e.patient_id = ev->patient_id;
    e.entity_id = ev->entity_id;
    if ((rc = clean_text(ev->username, &e.username, &owned[0], err)) ||
        (rc = clean_text(ev->roles, &e.roles, &owned[1], err)) ||
        (rc = clean_text(ev->entity_type, &e.entity_type, &owned[2], err)) ||
        (rc = clean_text(ev->detail, &e.detail, &owned[3], err)) ||
        (rc = clean_text(ev->client, &e.client, &owned[4], err)))
        goto out;
    for (attempt = 0;; attempt++) {
        rc = append_once(s, &e, seq_out, err);
        if (rc != FOLIO_EBUSY || !own_tx || attempt + 1 >= APPEND_RETRIES)
            break;
        /* Our own transaction lost a lock race (busy timeout, deadlock): try again. */
        struct timespec ts = {0, 20L * 1000 * 1000 * (attempt + 1)};
        nanosleep(&ts, NULL);
    }
out:
    for (i = 0; i < FOLIO_ARRAY_LEN(owned); i++)
        free(owned[i]);
    return rc;
}

/* ---- checkpoint ---- */

static enum folio_rc read_head(struct folio_store *s, int64_t *seq, char hash[65],
                               struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    const char *h;
    bool row = false;
    enum folio_rc rc;

    rc = folio_store_prepare(s, "SELECT seq, hash FROM audit_head WHERE id = 1", &st, err);
    if (!rc)
        rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (!row) {
        rc = folio_err_set(err, FOLIO_ESCHEMA, NULL,
                           "the audit trail has no head row (table audit_head): migrate the database");
        goto out;
    }
    *seq = folio_stmt_column_i64(st, 0);
    h = folio_stmt_column_text(st, 1);
    folio_strlcpy(hash, h ? h : "", FOLIO_SHA256_HEX_LEN + 1);
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_audit_checkpoint(struct folio_store *s, int64_t *seq, char hash[65],
                                     struct folio_err *err)
{
    return read_head(s, seq, hash, err);
}

/* ---- verify ---- */

static void bad(struct folio_audit_verify_result *res, int64_t seq, const char *fmt, ...)
    FOLIO_PRINTF(3, 4);
static void bad(struct folio_audit_verify_result *res, int64_t seq, const char *fmt, ...)
{
    va_list ap;

    res->ok = false;
    res->first_bad_seq = seq;
    va_start(ap, fmt);
    (void)vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
    va_end(ap);
}

static bool is_hex64(const char *h)
{
    size_t i;

    if (h == NULL || strlen(h) != FOLIO_SHA256_HEX_LEN)
        return false;
    for (i = 0; i < FOLIO_SHA256_HEX_LEN; i++) {
        char c = h[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

int64_t audit_chunk(struct folio_store *s)
{
    return folio_store_kind(s) == FOLIO_STORE_PG ? PG_CHUNK : INT64_MAX;
}

/* A read snapshot that does not block appenders: a deferred BEGIN on SQLite (WAL readers never
 * block the writer), REPEATABLE READ on PostgreSQL so every chunk sees the same rows. Only when
 * the caller has no transaction open; inside one, the caller's transaction is the snapshot. */
static enum folio_rc snapshot_begin(struct folio_store *s, bool *own, struct folio_err *err)
{
    enum folio_rc rc;

    *own = false;
    if (folio_store_tx_depth(s) > 0)
        return FOLIO_OK;
    rc = folio_store_exec(s,
                          folio_store_kind(s) == FOLIO_STORE_PG
                              ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                              : "BEGIN DEFERRED",
                          err);
    if (rc == FOLIO_OK)
        *own = true;
    return rc;
}

static void snapshot_end(struct folio_store *s, bool own)
{
    struct folio_err ignored;
    enum folio_rc rc;

    if (!own)
        return;
    rc = folio_store_exec(s, "ROLLBACK", &ignored); /* read only: nothing to keep */
    (void)rc;
}

enum folio_rc folio_audit_verify(struct folio_store *s, int64_t checkpoint_seq,
                                 const char *checkpoint_hash, struct folio_audit_verify_result *res,
                                 struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_buf b;
    char head_hash[FOLIO_SHA256_HEX_LEN + 1], prev[FOLIO_SHA256_HEX_LEN + 1];
    char cp_hash[FOLIO_SHA256_HEX_LEN + 1] = "", h[FOLIO_SHA256_HEX_LEN + 1];
    int64_t head_seq = 0, expected = 1, last = 0, chunk = audit_chunk(s);
    bool own = false, row = false, found = false;
    enum folio_rc rc = FOLIO_OK;
    size_t i;

    memset(res, 0, sizeof(*res));
    folio_buf_init(&b, CANONICAL_MAX);
    if (checkpoint_seq < 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "checkpoint", "checkpoint sequence %lld is negative",
                           (long long)checkpoint_seq);
        goto out;
    }
    if (checkpoint_seq > 0) {
        if (!is_hex64(checkpoint_hash)) {
            rc = folio_err_set(err, FOLIO_EINVAL, "checkpoint",
                               "checkpoint hash '%s' is not 64 hexadecimal digits",
                               checkpoint_hash ? checkpoint_hash : "");
            goto out;
        }
        for (i = 0; i < FOLIO_SHA256_HEX_LEN; i++) {
            char c = checkpoint_hash[i];
            cp_hash[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
        }
        cp_hash[FOLIO_SHA256_HEX_LEN] = '\0';
    }
    rc = snapshot_begin(s, &own, err);
    if (rc)
        goto out;
    rc = read_head(s, &head_seq, head_hash, err);
    if (rc)
        goto out;
    res->head_seq = head_seq;
    folio_strlcpy(res->head_hash, head_hash, sizeof(res->head_hash));
    rc = folio_store_prepare(s,
                             "SELECT " AUDIT_COLS " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
                             &st, err);
    if (rc)
        goto out;
    folio_strlcpy(prev, ZERO_HASH, sizeof(prev));
    res->ok = true;
    for (;;) {
        int64_t n_rows = 0;

        if (folio_stmt_bind_i64(st, 1, last) || folio_stmt_bind_i64(st, 2, chunk)) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot bind");
            goto out;
        }
        for (;;) {
            struct folio_audit_entry e;
            const char *prev_col = NULL;
            bool pid_null, eid_null;

            rc = folio_stmt_step(st, &row, err);
            if (rc)
                goto out;
            if (!row)
                break;
            n_rows++;
            audit_row(st, &e, &prev_col);
            row_ids_exact(st, &pid_null, &eid_null);
            if (e.seq != expected) {
                if (e.seq > expected && e.seq - 1 == expected)
                    bad(res, expected, "sequence gap: entry %lld missing (deleted?)",
                        (long long)expected);
                else if (e.seq > expected)
                    bad(res, expected, "sequence gap: entries %lld-%lld missing (deleted?)",
                        (long long)expected, (long long)(e.seq - 1));
                else
                    bad(res, e.seq, "out of order: entry %lld follows entry %lld",
                        (long long)e.seq, (long long)last);
                goto out; /* rc stays FOLIO_OK: the walk ran, res says what failed */
            }
            if (prev_col == NULL || strcmp(prev_col, prev) != 0) {
                bad(res, e.seq,
                    "chain broken: prev_hash differs from the hash of entry %lld (entries "
                    "deleted, inserted or reordered)",
                    (long long)(e.seq - 1));
                goto out;
            }
            if (canonical_exact(&b, &e, pid_null, eid_null) || chain_hash(&b, prev, h)) {
                bad(res, e.seq, "hash mismatch: entry too large to be genuine");
                goto out;
            }
            if (e.hash == NULL || strcmp(h, e.hash) != 0) {
                bad(res, e.seq, "hash mismatch: entry changed");
                goto out;
            }
            if (e.seq > head_seq) {
                bad(res, e.seq,
                    "entry %lld lies beyond the head (entry %lld): inserted outside the audit "
                    "appender",
                    (long long)e.seq, (long long)head_seq);
                goto out;
            }
            if (e.seq == checkpoint_seq) {
                found = true;
                if (strcmp(e.hash, cp_hash) != 0) {
                    bad(res, e.seq,
                        "checkpoint mismatch: entry %lld has hash %.12s..., the checkpoint says "
                        "%.12s... (the chain was rewritten)",
                        (long long)e.seq, e.hash, cp_hash);
                    goto out;
                }
            }
            folio_strlcpy(prev, e.hash, sizeof(prev));
            last = e.seq;
            expected = e.seq + 1;
            res->checked++;
        }
        if (n_rows < chunk)
            break;
        rc = folio_stmt_reset(st, err);
        if (rc)
            goto out;
    }
    if (last < head_seq) {
        if (last + 1 == head_seq)
            bad(res, head_seq, "head is at entry %lld but the log ends at entry %lld: entry %lld "
                               "missing (deleted from the end)",
                (long long)head_seq, (long long)last, (long long)head_seq);
        else
            bad(res, last + 1,
                "head is at entry %lld but the log ends at entry %lld: entries %lld-%lld missing "
                "(deleted from the end)",
                (long long)head_seq, (long long)last, (long long)(last + 1), (long long)head_seq);
        goto out;
    }
    if (strcmp(prev, head_hash) != 0) {
        bad(res, last ? last : 1, "head does not match the last entry: head hash %.12s..., entry "
                                  "%lld hash %.12s...",
            head_hash, (long long)last, prev);
        goto out;
    }
    if (checkpoint_seq > 0 && !found) {
        bad(res, last + 1,
            "checkpoint entry %lld is missing: the log ends at entry %lld (truncated, head "
            "rewound)",
            (long long)checkpoint_seq, (long long)last);
        goto out;
    }
out:
    folio_stmt_free(st);
    snapshot_end(s, own);
    folio_buf_release(&b);
    return rc;
}

/* ---- filters shared by search, exports and who-accessed ---- */

enum folio_rc audit_bound(const char *in, bool upper, char out[48], const char *field,
                          struct folio_err *err)
{
    char norm[40];
    size_t n;
    enum folio_rc rc;

    out[0] = '\0';
    if (folio_str_empty(in))
        return FOLIO_OK;
    rc = folio_time_normalize(in, norm, sizeof(norm), field, err);
    if (rc)
        return rc;
    n = strlen(norm);
    if (n > 0 && norm[n - 1] == 'Z')
        norm[--n] = '\0';
    /* '~' sorts after every character `at` holds, so "2024-03-05~" includes all of that day. */
    (void)folio_snprintf(out, 48, "%s%s", norm, upper ? "~" : "");
    return FOLIO_OK;
}

static void where_add(struct audit_where *w, const char *frag)
{
    size_t n = strlen(w->sql);
    (void)folio_strlcpy(w->sql + n, frag, sizeof(w->sql) - n);
}

enum folio_rc audit_where_build(const struct folio_audit_query *q, struct audit_where *w,
                                struct folio_err *err)
{
    enum folio_rc rc;

    memset(w, 0, sizeof(*w));
    if (q == NULL)
        return FOLIO_OK;
    if (q->patient_id < 0)
        return folio_err_set(err, FOLIO_EINVAL, "patient_id", "patient id %lld is negative",
                             (long long)q->patient_id);
    if (q->patient_id > 0) {
        w->patient_id = q->patient_id;
        where_add(w, " AND patient_id = ?");
    }
    if (!folio_str_empty(q->username)) {
        w->username = q->username;
        where_add(w, " AND username = ?");
    }
    if (!folio_str_empty(q->action)) {
        size_t n = strlen(q->action), i, o = 0;
        if (n > ACTION_MAX)
            return folio_err_set(err, FOLIO_EINVAL, "action", "action filter is too long");
        if (q->action[n - 1] == '.') {
            for (i = 0; i < n; i++) {
                char c = q->action[i];
                if (c == '%' || c == '_' || c == '\\')
                    w->like[o++] = '\\';
                w->like[o++] = c;
            }
            w->like[o++] = '%';
            w->like[o] = '\0';
            where_add(w, " AND action LIKE ? ESCAPE '\\'");
        } else {
            w->action = q->action;
            where_add(w, " AND action = ?");
        }
    }
    rc = audit_bound(q->from, false, w->from, "from", err);
    if (rc)
        return rc;
    rc = audit_bound(q->to, true, w->to, "to", err);
    if (rc)
        return rc;
    if (w->from[0])
        where_add(w, " AND at >= ?");
    if (w->to[0])
        where_add(w, " AND at <= ?");
    return FOLIO_OK;
}

enum folio_rc audit_where_bind(const struct audit_where *w, struct folio_stmt *st, int *idx)
{
    enum folio_rc rc = FOLIO_OK;

    if (!rc && w->patient_id > 0)
        rc = folio_stmt_bind_i64(st, (*idx)++, w->patient_id);
    if (!rc && w->username)
        rc = folio_stmt_bind_text(st, (*idx)++, w->username, (size_t)-1);
    if (!rc && w->like[0])
        rc = folio_stmt_bind_text(st, (*idx)++, w->like, (size_t)-1);
    else if (!rc && w->action)
        rc = folio_stmt_bind_text(st, (*idx)++, w->action, (size_t)-1);
    if (!rc && w->from[0])
        rc = folio_stmt_bind_text(st, (*idx)++, w->from, (size_t)-1);
    if (!rc && w->to[0])
        rc = folio_stmt_bind_text(st, (*idx)++, w->to, (size_t)-1);
    return rc;
}

enum folio_rc audit_each(struct folio_store *s, const struct folio_audit_query *q,
                         audit_visit_fn fn, void *ctx, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct audit_where w;
    char sql[768];
    int64_t last = 0, chunk = audit_chunk(s);
    bool own = false, row = false;
    enum folio_rc rc;

    rc = audit_where_build(q, &w, err);
    if (rc)
        goto out;
    if (!folio_snprintf(sql, sizeof(sql),
                        "SELECT " AUDIT_COLS " FROM audit_log WHERE seq > ?%s ORDER BY seq LIMIT ?",
                        w.sql))
        FOLIO_BUG("audit query buffer too small");
    rc = snapshot_begin(s, &own, err);
    if (rc)
        goto out;
    rc = folio_store_prepare(s, sql, &st, err);
    if (rc)
        goto out;
    for (;;) {
        int64_t n_rows = 0;
        int idx = 1;

        rc = folio_stmt_bind_i64(st, idx++, last);
        if (!rc)
            rc = audit_where_bind(&w, st, &idx);
        if (!rc)
            rc = folio_stmt_bind_i64(st, idx, chunk);
        if (rc) {
            rc = folio_err_set(err, rc, NULL, "cannot bind the audit query");
            goto out;
        }
        for (;;) {
            struct folio_audit_entry e;

            rc = folio_stmt_step(st, &row, err);
            if (rc)
                goto out;
            if (!row)
                break;
            n_rows++;
            audit_row(st, &e, NULL);
            last = e.seq;
            rc = fn(ctx, &e, err);
            if (rc)
                goto out;
        }
        if (n_rows < chunk)
            break;
        rc = folio_stmt_reset(st, err);
        if (rc)
            goto out;
    }
out:
    folio_stmt_free(st);
    snapshot_end(s, own);
    return rc;
}
