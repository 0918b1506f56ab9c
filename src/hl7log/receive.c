/* Receiving one HL7 v2 message: parse, duplicate check, chart change through the feed, message
 * log row, audit entry, ACK (include/folio/hl7log.h, docs/mllp.md). Runs inside the caller's
 * transaction; the caller commits before it sends anything. */
#include "folio/base.h"

#include <jansson.h>

#include "folio/audit.h"
#include "folio/feed.h"
#include "folio/hl7log.h"
#include "folio/hl7v2.h"
#include "folio/json.h"
#include "hl7log/hl7log_int.h"

#define ACK_MAX ((size_t)256 << 10)
#define ERR_MAX 20

/* "2026-11-21T22:22:05.123Z" and the same instant as HL7 DTM "20261121222205.123+0000". */
void hl7log_now(char iso[32], char dtm[32])
{
    struct timespec ts;
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || gmtime_r(&ts.tv_sec, &tm) == NULL) {
        (void)folio_strlcpy(iso, "1970-01-01T00:00:00.000Z", 32);
        (void)folio_strlcpy(dtm, "19700101000000+0000", 32);
        return;
    }
    (void)folio_snprintf(iso, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         (int)(ts.tv_nsec / 1000000));
    (void)folio_snprintf(dtm, 32, "%04d%02d%02d%02d%02d%02d.%03d+0000", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         (int)(ts.tv_nsec / 1000000));
}

/* HL7 v2.5.1 2.9.2/2.9.3: the condition of an MSH-15/16 value. Enhanced mode only; an empty
 * value there means NE (docs/mllp.md). */
static bool ack_wanted(const char *mode, bool success)
{
    if (folio_str_empty(mode) || strcmp(mode, "NE") == 0)
        return false;
    if (strcmp(mode, "ER") == 0)
        return !success;
    if (strcmp(mode, "SU") == 0)
        return success;
    return true; /* AL and anything unknown: answer */
}

/* What one message came to, before it is written. */
struct outcome {
    const char *status;   /* applied, error, rejected, duplicate */
    const char *ack_code; /* AA AE AR */
    struct folio_hl7_ack_error errs[ERR_MAX];
    char texts[ERR_MAX][256];
    size_t n_errs;
    const char *msa_text;
    struct folio_feed_result feed; /* when the feed ran */
    bool fed;
};

static void add_error(struct outcome *o, const char *seg, unsigned seq, unsigned field, int code,
                      const char *text)
{
    struct folio_hl7_ack_error *e;

    if (o->n_errs >= ERR_MAX)
        return;
    e = &o->errs[o->n_errs];
    memset(e, 0, sizeof(*e));
    (void)folio_strlcpy(e->loc.seg, seg ? seg : "", sizeof(e->loc.seg));
    e->loc.seq = seq;
    e->loc.seg_index = FOLIO_HL7_NONE;
    e->loc.field = field;
    e->code = code;
    e->severity = 'E';
    (void)folio_strlcpy(o->texts[o->n_errs], text ? text : "", sizeof(o->texts[0]));
    e->user_msg = o->texts[o->n_errs];
    o->n_errs++;
}

static void add_feed_errors(struct outcome *o)
{
    size_t i;

    for (i = 0; i < o->feed.n_errors && o->n_errs < ERR_MAX; i++) {
        const struct folio_feed_error *fe = &o->feed.errors[i];
        struct folio_hl7_ack_error *e = &o->errs[o->n_errs];

        memset(e, 0, sizeof(*e));
        e->loc = fe->loc;
        e->code = fe->code;
        e->severity = fe->severity ? fe->severity : 'E';
        (void)folio_strlcpy(o->texts[o->n_errs], fe->text, sizeof(o->texts[0]));
        e->user_msg = o->texts[o->n_errs];
        o->n_errs++;
    }
}

/* The errors as the JSON text stored in the log (NULL when none). */
static char *errors_json(const struct outcome *o)
{
    json_t *arr = json_array();
    char *text = NULL;
    size_t i;

    if (!arr)
        return NULL;
    for (i = 0; i < o->n_errs; i++) {
        const struct folio_hl7_ack_error *e = &o->errs[i];
        char loc[64] = "", code[16], sev[2] = {e->severity ? e->severity : 'E', 0};
        json_t *obj;

        if (e->loc.seg[0])
            (void)folio_hl7_loc_format(&e->loc, loc, sizeof(loc));
        (void)folio_snprintf(code, sizeof(code), "%d", e->code);
        obj = json_object();
        if (!obj)
            continue;
        (void)json_object_set_new(obj, "code", json_string(code));
        (void)json_object_set_new(obj, "severity", json_string(sev));
        (void)json_object_set_new(obj, "location", json_string(loc));
        /* Text may hold bytes that are not UTF-8 (from the message): json_string refuses them. */
        {
            json_t *t = json_string(e->user_msg ? e->user_msg : "");
            if (!t)
                t = json_string("(text not UTF-8)");
            (void)json_object_set_new(obj, "text", t);
        }
        (void)json_array_append_new(arr, obj);
    }
    text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text;
}

/* A minimal MSH for answering a message whose own MSH could not be read. */
static enum folio_rc minimal_ack(const struct outcome *o, const char *control_id, const char *dtm,
                                 struct folio_buf *out, struct folio_err *err)
{
    struct folio_hl7_builder *b = NULL;
    enum folio_rc rc;
    size_t i;

    rc = folio_hl7_builder_new(NULL, ACK_MAX, &b, err);
    if (rc)
        return rc;
    rc = folio_hl7_build_segment(b, "MSH", err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 3, 1, 1, 1, "FOLIO", err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 7, 1, 1, 1, dtm, err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 9, 1, 1, 1, "ACK", err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 9, 1, 3, 1, "ACK", err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 10, 1, 1, 1, control_id, err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 11, 1, 1, 1, "P", err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 12, 1, 1, 1, "2.5.1", err);
    if (!rc)
        rc = folio_hl7_build_segment(b, "MSA", err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 1, 1, 1, 1, o->ack_code, err);
    for (i = 0; !rc && i < o->n_errs; i++) {
        char code[16];
        (void)folio_snprintf(code, sizeof(code), "%d", o->errs[i].code);
        rc = folio_hl7_build_segment(b, "ERR", err);
        if (!rc)
            rc = folio_hl7_build_set_str(b, 3, 1, 1, 1, code, err);
        if (!rc)
            rc = folio_hl7_build_set_str(b, 3, 1, 2, 1, folio_hl7_error_text(o->errs[i].code), err);
        if (!rc)
            rc = folio_hl7_build_set_str(b, 3, 1, 3, 1, "HL70357", err);
        if (!rc)
            rc = folio_hl7_build_set_str(b, 4, 1, 1, 1, "E", err);
        if (!rc)
            rc = folio_hl7_build_set_str(b, 8, 1, 1, 1, o->errs[i].user_msg, err);
    }
    if (!rc)
        rc = folio_hl7_build_finish(b, out, err);
    folio_hl7_builder_free(b);
    return rc;
}

/* Builds an ACK with code into out: from the received header when there is one. */
static enum folio_rc build_ack(const struct folio_hl7_msg *hdr, const struct outcome *o,
                               const char *code, const char *control_id, const char *dtm,
                               struct folio_buf *out, struct folio_err *err)
{
    struct folio_hl7_ack_opts ao;
    struct outcome tmp;
    enum folio_rc rc;

    if (!hdr) {
        tmp = *o;
        tmp.ack_code = code;
        /* the user_msg pointers point into o->texts, still valid */
        return minimal_ack(&tmp, control_id, dtm, out, err);
    }
    memset(&ao, 0, sizeof(ao));
    ao.code = code;
    ao.control_id = control_id;
    ao.datetime = dtm;
    ao.text = o->msa_text;
    ao.errors = o->n_errs ? o->errs : NULL;
    ao.n_errors = o->n_errs;
    rc = folio_hl7_ack(hdr, &ao, out, err);
    if (rc == FOLIO_ETOOBIG || rc == FOLIO_EINVAL) {
        /* e.g. an absurd MSH field copied into the answer: fall back to a minimal one */
        folio_buf_reset(out);
        memset(err, 0, sizeof(*err));
        tmp = *o;
        tmp.ack_code = code;
        return minimal_ack(&tmp, control_id, dtm, out, err);
    }
    return rc;
}

static const char *cstr(const char *s)
{
    return s ? s : "";
}

/* Looks for the first receipt of (sender, control id) that answers repeats. */
static enum folio_rc find_original(struct folio_store *s, const struct folio_hl7_msh *h,
                                   struct folio_arena *a, int64_t *id, int64_t *answer_id,
                                   struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row = false;

    *id = 0;
    *answer_id = 0;
    (void)a;
    rc = folio_store_prepare(s,
                             "SELECT id, resolved_by FROM hl7_messages WHERE sender_app = ? AND "
                             "sender_fac = ? AND control_id = ? AND dedup = 1",
                             &st, err);
    if (rc)
        goto out;
    if (folio_stmt_bind_text(st, 1, h->sending_app, (size_t)-1) ||
        folio_stmt_bind_text(st, 2, h->sending_facility, (size_t)-1) ||
        folio_stmt_bind_text(st, 3, h->control_id, (size_t)-1)) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = folio_stmt_step(st, &row, err);
    if (rc || !row)
        goto out;
    *id = folio_stmt_column_i64(st, 0);
    *answer_id = folio_stmt_column_is_null(st, 1) ? *id : folio_stmt_column_i64(st, 1);
out:
    folio_stmt_free(st);
    return rc;
}

/* The stored ACK of row id. */
static enum folio_rc load_ack(struct folio_store *s, int64_t id, struct folio_arena *a,
                              struct folio_hl7_receipt *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row = false;

    rc = folio_store_prepare(s, "SELECT ack, ack_code FROM hl7_messages WHERE id = ?", &st, err);
    if (rc)
        goto out;
    if (folio_stmt_bind_i64(st, 1, id)) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (!row) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "id", "no logged message %lld", (long long)id);
        goto out;
    }
    {
        size_t n = 0;
        const void *p = folio_stmt_column_blob(st, 0, &n);
        const char *code = folio_stmt_column_text(st, 1);

        out->ack = folio_arena_strndup(a, p ? p : "", p ? n : 0);
        out->ack_len = p ? n : 0;
        (void)folio_strlcpy(out->ack_code, cstr(code), sizeof(out->ack_code));
        if (!out->ack)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
out:
    folio_stmt_free(st);
    return rc;
}

/* MSA-1 of an ACK ("" when not found). */
static void msa_code(const char *ack, size_t len, char out[3])
{
    struct folio_sv s = {ack, len}, line;

    out[0] = '\0';
    while (folio_sv_next_field(&s, '\r', &line)) {
        if (line.len >= 6 && memcmp(line.p, "MSA", 3) == 0) {
            out[0] = line.p[4];
            out[1] = line.p[5];
            out[2] = '\0';
            return;
        }
    }
}

struct row {
    const char *kind;
    const char *received_at;
    const struct folio_hl7_inbound *in;
    const struct folio_hl7_msh *h; /* may be NULL */
    char msg_type[24];
    const char *status;
    const char *ack_code;
    const char *errors;
    int64_t n_errors;
    int64_t patient_id, encounter_id;
    const char *action;
    int64_t replay_of, duplicate_of;
    bool dedup;
    const char *applied_at;
};

static enum folio_rc insert_row(struct folio_store *s, const struct row *r, int64_t *id,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    const struct folio_hl7_msh *h = r->h;
    enum folio_rc rc;
    bool row = false;
    int i = 1;

    rc = folio_store_prepare(
        s,
        "INSERT INTO hl7_messages (kind, received_at, connection_id, peer, sender_app, "
        "sender_fac, receiver_app, receiver_fac, control_id, msg_type, version, status, "
        "ack_code, errors, n_errors, patient_id, encounter_id, action, replay_of, duplicate_of, "
        "applied_at, dedup, raw_len, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &st, err);
    if (rc)
        goto out;
    if (folio_stmt_bind_text(st, i++, r->kind, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, r->received_at, (size_t)-1) ||
        folio_stmt_bind_i64(st, i++, r->in->connection_id) ||
        folio_stmt_bind_text(st, i++, r->in->peer, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, h ? h->sending_app : "", (size_t)-1) ||
        folio_stmt_bind_text(st, i++, h ? h->sending_facility : "", (size_t)-1) ||
        folio_stmt_bind_text(st, i++, h ? h->receiving_app : "", (size_t)-1) ||
        folio_stmt_bind_text(st, i++, h ? h->receiving_facility : "", (size_t)-1) ||
        folio_stmt_bind_text(st, i++, h ? h->control_id : "", (size_t)-1) ||
        folio_stmt_bind_text(st, i++, r->msg_type, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, h ? h->version : "", (size_t)-1) ||
        folio_stmt_bind_text(st, i++, r->status, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, r->ack_code, (size_t)-1) ||
        folio_stmt_bind_text(st, i++, r->errors, (size_t)-1) ||
        folio_stmt_bind_i64(st, i++, r->n_errors) ||
        (r->patient_id ? folio_stmt_bind_i64(st, i++, r->patient_id)
                       : folio_stmt_bind_null(st, i++)) ||
        (r->encounter_id ? folio_stmt_bind_i64(st, i++, r->encounter_id)
                         : folio_stmt_bind_null(st, i++)) ||
        folio_stmt_bind_text(st, i++, r->action, (size_t)-1) ||
        (r->replay_of ? folio_stmt_bind_i64(st, i++, r->replay_of)
                      : folio_stmt_bind_null(st, i++)) ||
        (r->duplicate_of ? folio_stmt_bind_i64(st, i++, r->duplicate_of)
                         : folio_stmt_bind_null(st, i++)) ||
        folio_stmt_bind_text(st, i++, r->applied_at, (size_t)-1) ||
        folio_stmt_bind_i64(st, i++, r->dedup ? 1 : 0) ||
        folio_stmt_bind_i64(st, i++, (int64_t)r->in->len) ||
        folio_stmt_bind_blob(st, i++, r->in->len ? r->in->raw : "", r->in->len)) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (!row) {
        rc = folio_err_set(err, FOLIO_ESTORE, NULL, "insert returned no id");
        goto out;
    }
    *id = folio_stmt_column_i64(st, 0);
out:
    folio_stmt_free(st);
    return rc;
}

static enum folio_rc store_ack(struct folio_store *s, int64_t id, const char *ack, size_t len,
                               struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row = false;

    rc = folio_store_prepare(s, "UPDATE hl7_messages SET ack = ? WHERE id = ?", &st, err);
    if (rc)
        goto out;
    if (folio_stmt_bind_blob(st, 1, ack, len) || folio_stmt_bind_i64(st, 2, id)) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = folio_stmt_step(st, &row, err);
out:
    folio_stmt_free(st);
    return rc;
}

static enum folio_rc audit(const struct folio_chart *c, const struct folio_hl7_inbound *in,
                           const char *action, const struct row *r, int64_t id,
                           struct folio_err *err)
{
    struct folio_audit_event ev;
    char user[128], detail[160];

    memset(&ev, 0, sizeof(ev));
    ev.action = action;
    ev.outcome = strcmp(r->status, "applied") == 0 || strcmp(r->status, "duplicate") == 0
                     ? "success"
                     : "failure";
    if (c->actor)
        ev.username = c->actor;
    else {
        (void)folio_snprintf(user, sizeof(user), "hl7:%s", r->h ? r->h->sending_app : "");
        ev.username = user;
    }
    ev.patient_id = r->patient_id;
    ev.entity_type = "hl7_message";
    ev.entity_id = id;
    (void)folio_snprintf(detail, sizeof(detail), "%s %s %s", r->msg_type[0] ? r->msg_type : "-",
                         r->ack_code, r->status);
    ev.detail = detail;
    ev.client = in->peer;
    return folio_audit_append(c->store, &ev, NULL, err);
}

enum folio_rc hl7log_process(const struct folio_chart *c, const struct folio_hl7_inbound *in,
                             const char *kind, int64_t replay_of, struct folio_arena *a,
                             struct folio_hl7_receipt *out, struct folio_err *err)
{
    struct folio_hl7_msg *m = NULL, *hdr = NULL;
    const struct folio_hl7_msh *h = NULL;
    struct folio_hl7_loc loc;
    struct folio_err perr;
    struct outcome *o = NULL;
    struct folio_buf ackb;
    struct row r;
    char iso[32], dtm[32], ctl[32];
    char *errs_text = NULL;
    bool in_tx = false, success;
    enum folio_rc rc;
    int64_t id = 0;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    memset(&perr, 0, sizeof(perr));
    memset(&loc, 0, sizeof(loc));
    folio_buf_init(&ackb, ACK_MAX);
    hl7log_now(iso, dtm);
    o = calloc(1, sizeof(*o));
    if (!o) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = folio_store_begin(c->store, err);
    if (rc)
        goto out;
    in_tx = true;

    /* 1. parse: the whole message, else at least its MSH for the answer */
    if (in->frame_error) {
        if (folio_hl7_parse_msh(in->raw, in->len, NULL, &m, NULL, &perr) == FOLIO_OK)
            hdr = m;
        o->status = "rejected";
        o->ack_code = "AR";
        add_error(o, "", 0, 0, FOLIO_HL7_E_SEGMENT_SEQUENCE, in->frame_error);
    } else if (folio_hl7_parse(in->raw, in->len, NULL, &m, &loc, &perr) == FOLIO_OK) {
        hdr = m;
    } else {
        struct folio_err merr;
        char where[64] = "";

        memset(&merr, 0, sizeof(merr));
        if (folio_hl7_parse_msh(in->raw, in->len, NULL, &hdr, NULL, &merr) == FOLIO_OK) {
            /* The header is readable: a content error in the body. */
            o->status = "error";
            o->ack_code = "AE";
            (void)folio_hl7_loc_format(&loc, where, sizeof(where));
            add_error(o, loc.seg, loc.seq, loc.field,
                      perr.code == FOLIO_ETOOBIG ? FOLIO_HL7_E_VALUE_TOO_LONG
                                                 : FOLIO_HL7_E_SEGMENT_SEQUENCE,
                      perr.msg);
            (void)where;
        } else {
            o->status = "rejected";
            o->ack_code = "AR";
            add_error(o, "MSH", 1, 0, FOLIO_HL7_E_REQUIRED_MISSING, perr.msg);
        }
    }
    if (hdr) {
        h = folio_hl7_msh(hdr);
        if (h->msg_type[0])
            (void)folio_snprintf(r.msg_type, sizeof(r.msg_type), "%s%s%s", h->msg_type,
                                 h->trigger[0] ? "^" : "", h->trigger);
    }
    r.h = h;
    r.in = in;
    r.kind = kind;
    r.received_at = iso;
    r.replay_of = replay_of;

    /* 2. a repeat of a logged message: the original answer, nothing applied */
    if (m && !in->frame_error && strcmp(kind, "received") == 0 && h->control_id[0]) {
        int64_t orig = 0, answer = 0;

        rc = find_original(c->store, h, a, &orig, &answer, err);
        if (rc)
            goto out;
        if (orig) {
            rc = load_ack(c->store, answer, a, out, err);
            if (rc)
                goto out;
            msa_code(out->ack, out->ack_len, out->sent_code);
            r.status = "duplicate";
            r.ack_code = out->ack_code;
            r.duplicate_of = orig;
            r.action = "none";
            rc = insert_row(c->store, &r, &id, err);
            if (!rc)
                rc = store_ack(c->store, id, out->ack, out->ack_len, err);
            if (!rc)
                rc = audit(c, in, "interface.receive", &r, id, err);
            if (rc)
                goto out;
            out->log_id = id;
            out->status = "duplicate";
            out->duplicate = true;
            goto commit;
        }
    }

    /* 3. the chart change */
    if (m && !o->status) {
        rc = folio_feed_apply(c, m, NULL, &o->feed, err);
        if (rc)
            goto out; /* a system failure: nothing is stored, the caller NAKs */
        o->fed = true;
        add_feed_errors(o);
        switch (o->feed.ack) {
        case FOLIO_FEED_AA:
            o->status = "applied";
            o->ack_code = "AA";
            r.applied_at = iso;
            break;
        case FOLIO_FEED_AE:
            o->status = "error";
            o->ack_code = "AE";
            break;
        default:
            o->status = "rejected";
            o->ack_code = "AR";
            break;
        }
        r.patient_id = o->feed.patient_id;
        r.encounter_id = o->feed.encounter_id;
        r.action = o->feed.action;
    }
    r.status = o->status;
    r.ack_code = o->ack_code;
    r.n_errors = (int64_t)o->n_errs;
    if (o->n_errs) {
        errs_text = errors_json(o);
        r.errors = errs_text;
    }
    /* A content answer (parsed, not a transport failure) answers later repeats too. */
    r.dedup = m && !in->frame_error && strcmp(kind, "received") == 0 && h->control_id[0];
    rc = insert_row(c->store, &r, &id, err);
    if (rc)
        goto out;

    /* 4. the ACK: control id F<log id> (unique per database). HL7 v2.5.1 2.9: original mode
     * answers with the application ACK; enhanced mode (MSH-15 or MSH-16 valued) with the
     * application ACK when MSH-16 asks for one for this outcome, else with the accept ACK: CA
     * (committed), or CR (refused at the messaging level: unreadable or unsupported). Exactly
     * one ACK per message, so a sender waiting for an answer never hangs (docs/mllp.md). */
    (void)folio_snprintf(ctl, sizeof(ctl), "F%lld", (long long)id);
    success = strcmp(o->ack_code, "AA") == 0;
    if (h && (h->accept_ack[0] || h->app_ack[0]) && !ack_wanted(h->app_ack, success)) {
        bool accepted = strcmp(o->ack_code, "AR") != 0;
        struct outcome *acc = malloc(sizeof(*acc));

        if (!acc) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        *acc = *o;
        if (accepted)
            acc->n_errs = 0;
        for (size_t i = 0; i < acc->n_errs; i++)
            acc->errs[i].user_msg = acc->texts[i];
        rc = build_ack(hdr, acc, accepted ? "CA" : "CR", ctl, dtm, &ackb, err);
        free(acc);
    } else {
        rc = build_ack(hdr, o, o->ack_code, ctl, dtm, &ackb, err);
    }
    if (rc)
        goto out;
    out->ack_len = ackb.len;
    out->ack = folio_arena_strndup(a, ackb.data, ackb.len);
    if (!out->ack) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    msa_code(out->ack, out->ack_len, out->sent_code);
    rc = store_ack(c->store, id, out->ack, out->ack_len, err);
    if (rc)
        goto out;
    rc = audit(c, in, strcmp(kind, "replay") == 0 ? "interface.replay" : "interface.receive", &r,
               id, err);
    if (rc)
        goto out;
    out->log_id = id;
    out->status = o->status;
    (void)folio_strlcpy(out->ack_code, o->ack_code, sizeof(out->ack_code));

commit:
    rc = folio_store_commit(c->store, err);
    if (rc)
        goto out;
    in_tx = false;
out:
    if (in_tx)
        folio_store_rollback(c->store);
    if (hdr != m)
        folio_hl7_free(hdr);
    folio_hl7_free(m);
    free(errs_text);
    free(o);
    folio_buf_release(&ackb);
    return rc;
}

enum folio_rc folio_hl7log_receive(const struct folio_chart *c, const struct folio_hl7_inbound *in,
                                   struct folio_arena *a, struct folio_hl7_receipt *out,
                                   struct folio_err *err)
{
    return hl7log_process(c, in, "received", 0, a, out, err);
}

enum folio_rc folio_hl7log_nak(const char *raw, size_t len, const char *reason,
                               struct folio_arena *a, const char **ack, size_t *ack_len,
                               struct folio_err *err)
{
    struct folio_hl7_msg *hdr = NULL;
    struct folio_err perr;
    struct outcome *o;
    struct folio_buf b;
    char iso[32], dtm[32], ctl[40];
    enum folio_rc rc;

    *ack = NULL;
    *ack_len = 0;
    o = calloc(1, sizeof(*o));
    if (!o)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    memset(&perr, 0, sizeof(perr));
    folio_buf_init(&b, ACK_MAX);
    hl7log_now(iso, dtm);
    (void)folio_snprintf(ctl, sizeof(ctl), "FNAK%s", dtm);
    if (folio_hl7_parse_msh(raw, len, NULL, &hdr, NULL, &perr) != FOLIO_OK)
        hdr = NULL;
    o->ack_code = "AR";
    add_error(o, "", 0, 0, FOLIO_HL7_E_INTERNAL,
              reason ? reason : "the message could not be stored: send it again later");
    rc = build_ack(hdr, o, "AR", ctl, dtm, &b, err);
    if (rc == FOLIO_OK) {
        *ack_len = b.len;
        *ack = folio_arena_strndup(a, b.data, b.len);
        if (!*ack)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    folio_hl7_free(hdr);
    folio_buf_release(&b);
    free(o);
    return rc;
}
