/* HL7 v2 parser and accessors. HL7 v2.5.1 ch. 2, 2.5 message construction rules; v2.7 2.5.5
 * for the truncation character. */
#include "folio/base.h"
#include "folio/hl7v2.h"

#include "hl7v2_int.h"

const struct folio_hl7_delims folio_hl7_default_delims = {'|', '^', '~', '\\', '&', '\0'};

#define DEF_MAX_MESSAGE  ((size_t)8 << 20)
#define DEF_MAX_SEGMENTS ((size_t)20000)
#define DEF_MAX_FIELDS   ((size_t)512)
#define DEF_MAX_FIELD    ((size_t)4 << 20)
#define DEF_MAX_REPS     ((size_t)1000)

struct limits {
    size_t message, segments, fields, field, reps;
};

static void set_loc(struct folio_hl7_loc *loc, const char *id, unsigned seq, size_t seg_index,
                    unsigned field)
{
    if (!loc)
        return;
    memset(loc, 0, sizeof(*loc));
    if (id)
        folio_strlcpy(loc->seg, id, sizeof(loc->seg));
    loc->seq = seq;
    loc->seg_index = seg_index;
    loc->field = field;
}

/* err->field from loc; returns code. */
static enum folio_rc loc_err(struct folio_err *err, const struct folio_hl7_loc *loc,
                             enum folio_rc code, const char *what)
{
    char where[48];
    (void)folio_hl7_loc_format(loc, where, sizeof(where));
    return folio_err_set(err, code, where, "HL7 %s: %s", where, what);
}

bool folio_hl7_loc_format(const struct folio_hl7_loc *loc, char *out, size_t cap)
{
    size_t n;
    if (!cap)
        return false;
    out[0] = '\0';
    if (!loc || !loc->seg[0]) {
        if (loc && loc->seg_index != FOLIO_HL7_NONE)
            return folio_snprintf(out, cap, "segment %zu", loc->seg_index + 1);
        return folio_snprintf(out, cap, "message");
    }
    if (!folio_snprintf(out, cap, "%s", loc->seg))
        return false;
    n = strlen(out);
    if (loc->seq > 1 && !folio_snprintf(out + n, cap - n, "(%u)", loc->seq))
        return false;
    n = strlen(out);
    if (!loc->field)
        return true;
    if (!folio_snprintf(out + n, cap - n, "-%u", loc->field))
        return false;
    n = strlen(out);
    if (loc->rep > 1 && !folio_snprintf(out + n, cap - n, "[%u]", loc->rep))
        return false;
    n = strlen(out);
    if (loc->comp && !folio_snprintf(out + n, cap - n, ".%u", loc->comp))
        return false;
    n = strlen(out);
    if (loc->comp && loc->sub && !folio_snprintf(out + n, cap - n, ".%u", loc->sub))
        return false;
    return true;
}

static bool delim_ok(unsigned char c)
{
    return c > 0x20 && c < 0x7f &&
           !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

static bool id_ok(const char *p, size_t n)
{
    size_t i;
    if (n != 3 || !(p[0] >= 'A' && p[0] <= 'Z'))
        return false;
    for (i = 1; i < 3; i++)
        if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
            return false;
    return true;
}

static enum folio_rc push_seg(struct folio_hl7_msg *m, struct hl7_seg **out)
{
    if (m->nsegs == m->cap_segs) {
        size_t ncap = m->cap_segs ? m->cap_segs * 2 : 16, bytes;
        void *p;
        if (!folio_size_mul(ncap, sizeof(*m->segs), &bytes))
            return FOLIO_ENOMEM;
        p = realloc(m->segs, bytes);
        if (!p)
            return FOLIO_ENOMEM;
        m->segs = p;
        m->cap_segs = ncap;
    }
    *out = &m->segs[m->nsegs++];
    memset(*out, 0, sizeof(**out));
    return FOLIO_OK;
}

static enum folio_rc push_field(struct folio_hl7_msg *m, size_t off, size_t len)
{
    if (m->nfields == m->cap_fields) {
        size_t ncap = m->cap_fields ? m->cap_fields * 2 : 64, bytes;
        void *p;
        if (!folio_size_mul(ncap, sizeof(*m->fields), &bytes))
            return FOLIO_ENOMEM;
        p = realloc(m->fields, bytes);
        if (!p)
            return FOLIO_ENOMEM;
        m->fields = p;
        m->cap_fields = ncap;
    }
    m->fields[m->nfields].off = off;
    m->fields[m->nfields].len = len;
    m->nfields++;
    return FOLIO_OK;
}

/* Reads MSH-1 and MSH-2 from the segment starting at p (length n, "MSH" checked). */
static enum folio_rc read_delims(struct folio_hl7_msg *m, const char *p, size_t n,
                                 struct folio_hl7_loc *loc, struct folio_err *err)
{
    struct folio_hl7_delims d = {0};
    size_t i, j, enc_len = 0;
    char enc[8];

    set_loc(loc, "MSH", 1, 0, 1);
    if (n < 4)
        return loc_err(err, loc, FOLIO_EPARSE, "MSH segment ends before the field separator");
    d.field = p[3];
    if (!delim_ok((unsigned char)d.field))
        return folio_err_set(
            err, FOLIO_EPARSE, "MSH-1",
            "HL7 MSH-1: field separator 0x%02x is not a printable non-alphanumeric "
            "character",
            (unsigned)(unsigned char)d.field);
    for (i = 4; i < n && p[i] != d.field; i++) {
        if (enc_len < sizeof(enc))
            enc[enc_len] = p[i];
        enc_len++;
    }
    set_loc(loc, "MSH", 1, 0, 2);
    if (enc_len < 4 || enc_len > 5)
        return folio_err_set(err, FOLIO_EPARSE, "MSH-2",
                             "HL7 MSH-2: %zu encoding characters; expected 4 (component, "
                             "repetition, escape, subcomponent) or 5 (and truncation)",
                             enc_len);
    for (i = 0; i < enc_len; i++) {
        if (!delim_ok((unsigned char)enc[i]) || enc[i] == d.field)
            return folio_err_set(err, FOLIO_EPARSE, "MSH-2",
                                 "HL7 MSH-2: encoding character %zu (0x%02x) is not a printable "
                                 "non-alphanumeric character distinct from the field separator",
                                 i + 1, (unsigned)(unsigned char)enc[i]);
        for (j = 0; j < i; j++)
            if (enc[j] == enc[i])
                return folio_err_set(err, FOLIO_EPARSE, "MSH-2",
                                     "HL7 MSH-2: encoding character '%c' appears twice", enc[i]);
    }
    d.comp = enc[0];
    d.rep = enc[1];
    d.esc = enc[2];
    d.sub = enc[3];
    d.trunc = enc_len == 5 ? enc[4] : '\0';
    m->d = d;
    return FOLIO_OK;
}

/* Splits segment s (index si) into fields and checks the caps. */
static enum folio_rc split_fields(struct folio_hl7_msg *m, struct hl7_seg *s, size_t si,
                                  const struct limits *lim, struct folio_hl7_loc *loc,
                                  struct folio_err *err)
{
    const char *base = m->bytes;
    size_t pos = s->off + 3, end = s->off + s->len;
    bool msh = strcmp(s->id, "MSH") == 0;
    unsigned fno = 0;

    s->first_field = m->nfields;
    if (pos >= end)
        return FOLIO_OK;
    if (msh) {
        size_t enc_start = pos + 1, e = enc_start;
        /* MSH-1: the separator itself; MSH-2: up to the next separator */
        if (push_field(m, pos, 1))
            goto nomem;
        while (e < end && base[e] != m->d.field)
            e++;
        if (push_field(m, enc_start, e - enc_start))
            goto nomem;
        fno = 2;
        pos = e;
    }
    while (pos < end) { /* base[pos] is a field separator */
        size_t start = pos + 1, e = start, reps = 1;
        while (e < end && base[e] != m->d.field) {
            if (base[e] == m->d.rep)
                reps++;
            e++;
        }
        fno++;
        if (fno > lim->fields) {
            set_loc(loc, s->id, s->seq, si, fno);
            return loc_err(err, loc, FOLIO_ETOOBIG, "too many fields in the segment (cap reached)");
        }
        if (e - start > lim->field) {
            char what[128];
            set_loc(loc, s->id, s->seq, si, fno);
            folio_snprintf(what, sizeof(what), "field of %zu bytes exceeds the cap of %zu bytes",
                           e - start, lim->field);
            return loc_err(err, loc, FOLIO_ETOOBIG, what);
        }
        if (reps > lim->reps) {
            char what[128];
            set_loc(loc, s->id, s->seq, si, fno);
            folio_snprintf(what, sizeof(what), "%zu repetitions exceed the cap of %zu", reps,
                           lim->reps);
            return loc_err(err, loc, FOLIO_ETOOBIG, what);
        }
        if (push_field(m, start, e - start))
            goto nomem;
        pos = e;
    }
    s->nfields = fno;
    return FOLIO_OK;
nomem:
    return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
}

static const char *msh_str(struct folio_hl7_msg *m, unsigned field, unsigned rep, unsigned comp)
{
    struct folio_hl7_ref r = {0, field, rep, comp, 0};
    struct folio_buf b;
    const char *s;
    folio_buf_init(&b, 0);
    if (folio_hl7_get_buf(m, &r, FOLIO_HL7_DECODE_TEXT, &b, NULL)) {
        folio_buf_release(&b);
        return NULL;
    }
    s = folio_arena_strndup(&m->arena, b.data, strlen(b.data));
    folio_buf_release(&b);
    return s;
}

static enum folio_rc fill_msh(struct folio_hl7_msg *m, struct folio_err *err)
{
    struct folio_hl7_msh *h = &m->msh;
    const char **slots[14];
    size_t i;
    h->sending_app = msh_str(m, 3, 1, 1);
    h->sending_facility = msh_str(m, 4, 1, 1);
    h->receiving_app = msh_str(m, 5, 1, 1);
    h->receiving_facility = msh_str(m, 6, 1, 1);
    h->datetime = msh_str(m, 7, 1, 1);
    h->msg_type = msh_str(m, 9, 1, 1);
    h->trigger = msh_str(m, 9, 1, 2);
    h->structure = msh_str(m, 9, 1, 3);
    h->control_id = msh_str(m, 10, 1, 0);
    h->processing_id = msh_str(m, 11, 1, 1);
    h->version = msh_str(m, 12, 1, 1);
    h->accept_ack = msh_str(m, 15, 1, 0);
    h->app_ack = msh_str(m, 16, 1, 0);
    h->charset = msh_str(m, 18, 1, 0);
    slots[0] = &h->sending_app;
    slots[1] = &h->sending_facility;
    slots[2] = &h->receiving_app;
    slots[3] = &h->receiving_facility;
    slots[4] = &h->datetime;
    slots[5] = &h->msg_type;
    slots[6] = &h->trigger;
    slots[7] = &h->structure;
    slots[8] = &h->control_id;
    slots[9] = &h->processing_id;
    slots[10] = &h->version;
    slots[11] = &h->accept_ack;
    slots[12] = &h->app_ack;
    slots[13] = &h->charset;
    for (i = 0; i < FOLIO_ARRAY_LEN(slots); i++)
        if (!*slots[i])
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return FOLIO_OK;
}

static bool blank_line(const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return false;
    return true;
}

/* Occurrence counts by segment id while parsing, so numbering each segment (PID(1), OBX(3)) is
 * not a scan of every earlier segment: quadratic in the segment count, and a message of 20,000
 * tiny segments within the limits then cost half a second of CPU. A message has few distinct ids;
 * past SEEN_SLOTS of them the caller falls back to the scan. */
#define SEEN_SLOTS 128
struct seg_seen {
    char id[SEEN_SLOTS][3];
    unsigned count[SEEN_SLOTS];
    size_t used;
};

/* The next sequence number for id (1 for its first occurrence), or 0 when the table is full. */
static unsigned seen_next(struct seg_seen *t, const char *id)
{
    size_t h = ((size_t)(unsigned char)id[0] * 31u + (unsigned char)id[1]) * 31u +
               (unsigned char)id[2];
    for (size_t n = 0; n < SEEN_SLOTS; n++) {
        size_t k = (h + n) % SEEN_SLOTS;
        if (t->count[k] == 0) {
            if (t->used * 4 >= SEEN_SLOTS * 3)
                return 0;
            memcpy(t->id[k], id, 3);
            t->count[k] = 1;
            t->used++;
            return 1;
        }
        if (memcmp(t->id[k], id, 3) == 0)
            return ++t->count[k];
    }
    return 0;
}

static enum folio_rc parse_impl(const char *data, size_t len, const struct folio_hl7_limits *limits,
                                bool only_msh, struct folio_hl7_msg **out,
                                struct folio_hl7_loc *loc_out, struct folio_err *err)
{
    struct folio_hl7_loc lbuf, *loc = &lbuf;
    struct folio_hl7_msg *m = NULL;
    struct limits lim;
    enum folio_rc rc = FOLIO_OK;
    size_t pos = 0, copy_len = len, start0 = 0;
    struct seg_seen *seen = NULL;

    *out = NULL;
    set_loc(loc, NULL, 0, FOLIO_HL7_NONE, 0);
    lim.message = limits && limits->max_message ? limits->max_message : DEF_MAX_MESSAGE;
    lim.segments = limits && limits->max_segments ? limits->max_segments : DEF_MAX_SEGMENTS;
    lim.fields = limits && limits->max_fields ? limits->max_fields : DEF_MAX_FIELDS;
    lim.field = limits && limits->max_field ? limits->max_field : DEF_MAX_FIELD;
    lim.reps = limits && limits->max_reps ? limits->max_reps : DEF_MAX_REPS;

    if (!data && len)
        return folio_err_set(err, FOLIO_EINVAL, "message", "HL7 message: NULL data");
    if (!only_msh && len > lim.message)
        return folio_err_set(err, FOLIO_ETOOBIG, "message",
                             "HL7 message: %zu bytes exceed the cap of %zu bytes", len,
                             lim.message);
    if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
        (unsigned char)data[2] == 0xBF)
        start0 = 3;
    if (only_msh) {
        size_t e = start0;
        while (e < len && data[e] != '\r' && data[e] != '\n')
            e++;
        copy_len = e;
    }
    m = calloc(1, sizeof(*m));
    if (!m)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    folio_arena_init(&m->arena, 0);
    seen = calloc(1, sizeof *seen);
    if (!seen) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    m->bytes = malloc(copy_len + 1);
    if (!m->bytes) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if (copy_len)
        memcpy(m->bytes, data, copy_len);
    m->bytes[copy_len] = '\0';
    m->len = copy_len;

    pos = start0;
    if (m->len - pos < 3 || memcmp(m->bytes + pos, "MSH", 3) != 0) {
        rc = folio_err_set(err, FOLIO_EPARSE, "message",
                           "HL7 message: does not start with an MSH segment");
        goto out;
    }
    while (pos < m->len) {
        size_t e = pos, i, n;
        struct hl7_seg *s = NULL;
        while (e < m->len && m->bytes[e] != '\r' && m->bytes[e] != '\n')
            e++;
        n = e - pos;
        if (n == 0 || blank_line(m->bytes + pos, n)) {
            pos = e + 1;
            continue;
        }
        if (m->nsegs >= lim.segments) {
            set_loc(loc, NULL, 0, m->nsegs, 0);
            rc = folio_err_set(err, FOLIO_ETOOBIG, "message", "HL7 message: more than %zu segments",
                               lim.segments);
            goto out;
        }
        for (i = 0; i < n; i++) {
            unsigned char c = (unsigned char)m->bytes[pos + i];
            if (c < 0x20 && c != '\t') {
                char what[96];
                size_t f = 0, k;
                char fs = m->nsegs ? m->d.field : (n > 3 ? m->bytes[pos + 3] : '\0');
                /* which field: count separators before it (after the id) */
                for (k = 3; k < i; k++)
                    if (m->bytes[pos + k] == fs)
                        f++;
                if (m->nsegs == 0 && f >= 1)
                    f++; /* MSH counts the separator as MSH-1 */
                set_loc(loc, NULL, 0, m->nsegs, 0);
                if (id_ok(m->bytes + pos, n >= 3 ? 3 : n)) {
                    memcpy(loc->seg, m->bytes + pos, 3);
                    loc->seg[3] = '\0';
                    loc->field = (unsigned)f;
                    loc->seq = 1;
                    for (k = 0; k < m->nsegs; k++)
                        if (memcmp(m->segs[k].id, loc->seg, 3) == 0)
                            loc->seq++;
                }
                folio_snprintf(
                    what, sizeof(what), "control byte 0x%02x at offset %zu%s", (unsigned)c, i,
                    c == 0 ? " (NUL)" : (c == 0x0b || c == 0x1c ? " (MLLP framing)" : ""));
                rc = loc_err(err, loc, FOLIO_EPARSE, what);
                goto out;
            }
        }
        if (!id_ok(m->bytes + pos, n >= 3 ? 3 : n)) {
            char shown[16] = "";
            size_t k;
            for (k = 0; k < 3 && k < n; k++) {
                unsigned char c = (unsigned char)m->bytes[pos + k];
                shown[k] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
            }
            shown[k] = '\0';
            char what[96];
            set_loc(loc, NULL, 0, m->nsegs, 0);
            folio_snprintf(what, sizeof(what),
                           "bad segment id \"%s\" (expected 3 characters [A-Z][A-Z0-9][A-Z0-9])",
                           shown);
            rc = loc_err(err, loc, FOLIO_EPARSE, what);
            goto out;
        }
        if (m->nsegs == 0) {
            rc = read_delims(m, m->bytes + pos, n, loc, err);
            if (rc)
                goto out;
        } else if (n > 3 && m->bytes[pos + 3] != m->d.field) {
            char what[96];
            set_loc(loc, NULL, 0, m->nsegs, 0);
            folio_snprintf(what, sizeof(what),
                           "the segment id is not followed by the field separator '%c'",
                           m->d.field);
            rc = loc_err(err, loc, FOLIO_EPARSE, what);
            goto out;
        }
        rc = push_seg(m, &s);
        if (rc) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        memcpy(s->id, m->bytes + pos, 3);
        s->id[3] = '\0';
        s->off = pos;
        s->len = n;
        s->seq = seen_next(seen, s->id);
        if (s->seq == 0) { /* more distinct ids than the table holds: count the old way */
            s->seq = 1;
            for (i = 0; i + 1 < m->nsegs; i++)
                if (memcmp(m->segs[i].id, s->id, 3) == 0)
                    s->seq++;
        }
        rc = split_fields(m, s, m->nsegs - 1, &lim, loc, err);
        if (rc)
            goto out;
        pos = e + 1;
        if (only_msh)
            break;
    }
    rc = fill_msh(m, err);
    if (rc)
        goto out;
    set_loc(loc, NULL, 0, FOLIO_HL7_NONE, 0);
    *out = m;
    m = NULL;
out:
    if (loc_out)
        *loc_out = lbuf;
    folio_hl7_free(m);
    free(seen);
    return rc;
}

enum folio_rc folio_hl7_parse(const char *data, size_t len, const struct folio_hl7_limits *limits,
                              struct folio_hl7_msg **out, struct folio_hl7_loc *loc,
                              struct folio_err *err)
{
    return parse_impl(data, len, limits, false, out, loc, err);
}

enum folio_rc folio_hl7_parse_msh(const char *data, size_t len,
                                  const struct folio_hl7_limits *limits, struct folio_hl7_msg **out,
                                  struct folio_hl7_loc *loc, struct folio_err *err)
{
    return parse_impl(data, len, limits, true, out, loc, err);
}

void folio_hl7_free(struct folio_hl7_msg *m)
{
    if (!m)
        return;
    free(m->bytes);
    free(m->segs);
    free(m->fields);
    folio_arena_release(&m->arena);
    free(m);
}

struct folio_sv folio_hl7_bytes(const struct folio_hl7_msg *m)
{
    struct folio_sv v = {m->bytes, m->len};
    return v;
}

const struct folio_hl7_delims *folio_hl7_delims(const struct folio_hl7_msg *m)
{
    return &m->d;
}

const struct folio_hl7_msh *folio_hl7_msh(const struct folio_hl7_msg *m)
{
    return &m->msh;
}

/* ---- segments ---- */

size_t folio_hl7_segment_count(const struct folio_hl7_msg *m)
{
    return m->nsegs;
}

const char *folio_hl7_segment_id(const struct folio_hl7_msg *m, size_t i)
{
    return i < m->nsegs ? m->segs[i].id : "";
}

unsigned folio_hl7_segment_seq(const struct folio_hl7_msg *m, size_t i)
{
    return i < m->nsegs ? m->segs[i].seq : 0;
}

struct folio_sv folio_hl7_segment_raw(const struct folio_hl7_msg *m, size_t i)
{
    struct folio_sv v = {NULL, 0};
    if (i < m->nsegs) {
        v.p = m->bytes + m->segs[i].off;
        v.len = m->segs[i].len;
    }
    return v;
}

size_t folio_hl7_find(const struct folio_hl7_msg *m, const char *id, size_t from)
{
    size_t i;
    if (!id || strlen(id) != 3)
        return FOLIO_HL7_NONE;
    for (i = from; i < m->nsegs; i++)
        if (memcmp(m->segs[i].id, id, 3) == 0)
            return i;
    return FOLIO_HL7_NONE;
}

unsigned folio_hl7_field_count(const struct folio_hl7_msg *m, size_t i)
{
    return i < m->nsegs ? m->segs[i].nfields : 0;
}

/* ---- pieces ---- */

struct folio_sv hl7_piece(struct folio_sv v, char sep, unsigned n)
{
    struct folio_sv r = {NULL, 0};
    size_t i, start = 0;
    unsigned k = 1;
    if (!v.p || n == 0)
        return r;
    for (i = 0; i <= v.len; i++) {
        if (i == v.len || v.p[i] == sep) {
            if (k == n) {
                r.p = v.p + start;
                r.len = i - start;
                return r;
            }
            k++;
            start = i + 1;
        }
    }
    return r;
}

unsigned hl7_piece_count(struct folio_sv v, char sep)
{
    size_t i;
    unsigned k = 1;
    if (!v.p || v.len == 0)
        return 0;
    for (i = 0; i < v.len; i++)
        if (v.p[i] == sep)
            k++;
    return k;
}

static struct folio_sv field_view(const struct folio_hl7_msg *m, size_t seg, unsigned field)
{
    struct folio_sv v = {NULL, 0};
    const struct hl7_seg *s;
    const struct hl7_field *f;
    if (seg >= m->nsegs)
        return v;
    s = &m->segs[seg];
    if (field == 0) {
        v.p = m->bytes + s->off;
        v.len = s->len;
        return v;
    }
    if (field > s->nfields)
        return v;
    f = &m->fields[s->first_field + field - 1];
    v.p = m->bytes + f->off;
    v.len = f->len;
    return v;
}

static bool msh_special(const struct folio_hl7_msg *m, size_t seg, unsigned field)
{
    return seg < m->nsegs && field >= 1 && field <= 2 && strcmp(m->segs[seg].id, "MSH") == 0;
}

struct folio_sv folio_hl7_raw(const struct folio_hl7_msg *m, const struct folio_hl7_ref *ref)
{
    struct folio_sv v = {NULL, 0}, none = {NULL, 0};
    unsigned rep = ref->rep, comp = ref->comp, sub = ref->sub;
    v = field_view(m, ref->seg, ref->field);
    if (!v.p || ref->field == 0)
        return v;
    if (sub && !comp)
        comp = 1;
    if (msh_special(m, ref->seg, ref->field))
        return (rep > 1 || comp > 1 || sub > 1) ? none : v;
    if (!rep && !comp)
        return v;
    v = hl7_piece(v, m->d.rep, rep ? rep : 1);
    if (!comp || !v.p)
        return v;
    v = hl7_piece(v, m->d.comp, comp);
    if (!sub || !v.p)
        return v;
    return hl7_piece(v, m->d.sub, sub);
}

enum folio_hl7_presence folio_hl7_presence(const struct folio_hl7_msg *m,
                                           const struct folio_hl7_ref *ref)
{
    struct folio_sv v = folio_hl7_raw(m, ref);
    if (!v.p)
        return FOLIO_HL7_ABSENT;
    if (v.len == 0)
        return FOLIO_HL7_EMPTY;
    if (v.len == 2 && v.p[0] == '"' && v.p[1] == '"')
        return FOLIO_HL7_NULL;
    return FOLIO_HL7_VALUED;
}

unsigned folio_hl7_rep_count(const struct folio_hl7_msg *m, size_t seg, unsigned field)
{
    struct folio_sv v = field_view(m, seg, field);
    if (field == 0)
        return 0;
    if (msh_special(m, seg, field))
        return v.p && v.len ? 1 : 0;
    return hl7_piece_count(v, m->d.rep);
}

unsigned folio_hl7_comp_count(const struct folio_hl7_msg *m, size_t seg, unsigned field,
                              unsigned rep)
{
    struct folio_hl7_ref r = {seg, field, rep ? rep : 1, 0, 0};
    if (field == 0)
        return 0;
    if (msh_special(m, seg, field))
        return folio_hl7_rep_count(m, seg, field) && r.rep == 1 ? 1 : 0;
    return hl7_piece_count(folio_hl7_raw(m, &r), m->d.comp);
}

unsigned folio_hl7_sub_count(const struct folio_hl7_msg *m, size_t seg, unsigned field,
                             unsigned rep, unsigned comp)
{
    struct folio_hl7_ref r = {seg, field, rep ? rep : 1, comp ? comp : 1, 0};
    if (field == 0)
        return 0;
    if (msh_special(m, seg, field))
        return folio_hl7_comp_count(m, seg, field, rep) && r.comp == 1 ? 1 : 0;
    return hl7_piece_count(folio_hl7_raw(m, &r), m->d.sub);
}

/* ---- decoded values ---- */

enum folio_rc folio_hl7_get_buf(const struct folio_hl7_msg *m, const struct folio_hl7_ref *ref,
                                enum folio_hl7_decode mode, struct folio_buf *out,
                                struct folio_err *err)
{
    struct folio_hl7_ref r = *ref;
    struct folio_sv v;
    enum folio_rc rc;
    if (r.field && !r.rep)
        r.rep = 1;
    v = folio_hl7_raw(m, &r);
    if (!v.p || !v.len)
        return FOLIO_OK;
    if (msh_special(m, r.seg, r.field))
        rc = folio_buf_append(out, v.p, v.len);
    else
        rc = folio_hl7_unescape(&m->d, v.p, v.len, mode, out);
    if (rc) {
        struct folio_hl7_loc loc;
        folio_hl7_loc_of(m, &r, &loc);
        return loc_err(err, &loc, rc,
                       rc == FOLIO_ETOOBIG ? "decoded value exceeds the buffer's cap"
                                           : "out of memory");
    }
    return FOLIO_OK;
}

enum folio_rc folio_hl7_get_str(const struct folio_hl7_msg *m, const struct folio_hl7_ref *ref,
                                struct folio_arena *arena, const char **out, struct folio_err *err)
{
    struct folio_buf b;
    enum folio_rc rc;
    char *s;
    *out = NULL;
    folio_buf_init(&b, 0);
    rc = folio_hl7_get_buf(m, ref, FOLIO_HL7_DECODE_TEXT, &b, err);
    if (rc)
        goto out;
    if (memchr(b.data, '\0', b.len)) {
        struct folio_hl7_loc loc;
        folio_hl7_loc_of(m, ref, &loc);
        rc = loc_err(err, &loc, FOLIO_EPARSE, "decoded value contains a NUL byte (\\X00\\)");
        goto out;
    }
    s = folio_arena_strndup(arena, b.data, b.len);
    if (!s) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    *out = s;
out:
    folio_buf_release(&b);
    return rc;
}

/* ---- paths ---- */

static bool read_num(const char **pp, unsigned *out)
{
    const char *p = *pp;
    unsigned v = 0;
    int n = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (unsigned)(*p - '0');
        p++;
        if (++n > 5)
            return false;
    }
    if (n == 0 || v == 0)
        return false;
    *out = v;
    *pp = p;
    return true;
}

enum folio_rc folio_hl7_path(const struct folio_hl7_msg *m, const char *path,
                             struct folio_hl7_ref *ref, struct folio_err *err)
{
    const char *p = path;
    char id[4];
    unsigned occ = 1, k = 0;
    size_t i;

    memset(ref, 0, sizeof(*ref));
    ref->seg = FOLIO_HL7_NONE;
    if (!path || !id_ok(path, strnlen(path, 3)))
        goto bad;
    memcpy(id, path, 3);
    id[3] = '\0';
    p += 3;
    if (*p == '(') {
        p++;
        if (!read_num(&p, &occ) || *p != ')')
            goto bad;
        p++;
    }
    if (*p != '-')
        goto bad;
    p++;
    if (!read_num(&p, &ref->field))
        goto bad;
    if (*p == '[') {
        p++;
        if (!read_num(&p, &ref->rep) || *p != ']')
            goto bad;
        p++;
    }
    if (*p == '.') {
        p++;
        if (!read_num(&p, &ref->comp))
            goto bad;
        if (*p == '.') {
            p++;
            if (!read_num(&p, &ref->sub))
                goto bad;
        }
    }
    if (*p)
        goto bad;
    for (i = 0; i < m->nsegs; i++)
        if (memcmp(m->segs[i].id, id, 3) == 0 && ++k == occ) {
            ref->seg = i;
            return FOLIO_OK;
        }
    return folio_err_set(err, FOLIO_ENOTFOUND, "path", "HL7 path %.40s: no such segment", path);
bad:
    return folio_err_set(err, FOLIO_EINVAL, "path",
                         "HL7 path \"%.40s\": expected SEG[(n)]-F[[r]][.C[.S]], numbers 1-99999",
                         path ? path : "");
}

enum folio_rc folio_hl7_path_str(const struct folio_hl7_msg *m, const char *path,
                                 struct folio_arena *arena, const char **out, struct folio_err *err)
{
    struct folio_hl7_ref ref;
    enum folio_rc rc = folio_hl7_path(m, path, &ref, err);
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(err);
        *out = "";
        return FOLIO_OK;
    }
    if (rc) {
        *out = NULL;
        return rc;
    }
    return folio_hl7_get_str(m, &ref, arena, out, err);
}

void folio_hl7_loc_of(const struct folio_hl7_msg *m, const struct folio_hl7_ref *ref,
                      struct folio_hl7_loc *loc)
{
    memset(loc, 0, sizeof(*loc));
    loc->seg_index = FOLIO_HL7_NONE;
    if (ref->seg >= m->nsegs)
        return;
    folio_strlcpy(loc->seg, m->segs[ref->seg].id, sizeof(loc->seg));
    loc->seq = m->segs[ref->seg].seq;
    loc->seg_index = ref->seg;
    loc->field = ref->field;
    if (!ref->field)
        return;
    loc->rep = ref->rep;
    loc->comp = ref->comp;
    loc->sub = ref->comp ? ref->sub : 0;
}
