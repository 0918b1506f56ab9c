/* HL7 v2 message builder and acknowledgements. HL7 v2.5.1 2.9 (acknowledgement modes), 2.15.5
 * (ERR), 2.15.8 (MSA); table 0357 (message error condition codes). */
#include "folio/base.h"
#include "folio/hl7v2.h"

#include "hl7v2_int.h"

#define MAX_POS     9999u
#define MAX_ENTRIES ((size_t)200000)

struct entry {
    unsigned field, rep, comp, sub;
    char *val; /* encoded; heap */
    size_t len;
};

struct folio_hl7_builder {
    struct folio_hl7_delims d;
    size_t max_bytes;
    struct folio_buf done; /* finished segments, CR-terminated */
    char id[4];            /* current segment, "" when none */
    struct entry *ents;
    size_t nents, cap_ents;
    size_t cur_bytes; /* sum of the current entries' lengths */
};

enum folio_rc folio_hl7_builder_new(const struct folio_hl7_delims *d, size_t max_bytes,
                                    struct folio_hl7_builder **out, struct folio_err *err)
{
    struct folio_hl7_builder *b;
    *out = NULL;
    b = calloc(1, sizeof(*b));
    if (!b)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    b->d = d ? *d : folio_hl7_default_delims;
    b->max_bytes = max_bytes ? max_bytes : (size_t)8 << 20;
    folio_buf_init(&b->done, b->max_bytes);
    *out = b;
    return FOLIO_OK;
}

static void clear_entries(struct folio_hl7_builder *b)
{
    size_t i;
    for (i = 0; i < b->nents; i++)
        free(b->ents[i].val);
    b->nents = 0;
    b->cur_bytes = 0;
}

void folio_hl7_builder_free(struct folio_hl7_builder *b)
{
    if (!b)
        return;
    clear_entries(b);
    free(b->ents);
    folio_buf_release(&b->done);
    free(b);
}

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    if (x->rep != y->rep)
        return x->rep < y->rep ? -1 : 1;
    if (x->comp != y->comp)
        return x->comp < y->comp ? -1 : 1;
    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    return 0;
}

/* Encodes the current segment (CR-terminated) onto out. */
static enum folio_rc encode_current(struct folio_hl7_builder *b, struct folio_buf *out)
{
    enum folio_rc rc;
    unsigned f, r = 1, c = 1, s = 1;
    size_t i;
    bool msh = strcmp(b->id, "MSH") == 0;
    if (!b->id[0])
        return FOLIO_OK;
    if (b->nents > 1) /* qsort(NULL, 0, ...) is undefined (found by fuzz_hl7v2) */
        qsort(b->ents, b->nents, sizeof(*b->ents), cmp_entry);
    rc = folio_buf_append_str(out, b->id);
    if (rc)
        return rc;
    f = 0;
    if (msh) {
        char enc[7] = {b->d.field, b->d.comp, b->d.rep, b->d.esc, b->d.sub, b->d.trunc, 0};
        rc = folio_buf_append_str(out, enc);
        if (rc)
            return rc;
        f = 2;
    }
    for (i = 0; i < b->nents; i++) {
        const struct entry *e = &b->ents[i];
        while (f < e->field) {
            rc = folio_buf_append_ch(out, b->d.field);
            if (rc)
                return rc;
            f++;
            r = c = s = 1;
        }
        while (r < e->rep) {
            rc = folio_buf_append_ch(out, b->d.rep);
            if (rc)
                return rc;
            r++;
            c = s = 1;
        }
        while (c < e->comp) {
            rc = folio_buf_append_ch(out, b->d.comp);
            if (rc)
                return rc;
            c++;
            s = 1;
        }
        while (s < e->sub) {
            rc = folio_buf_append_ch(out, b->d.sub);
            if (rc)
                return rc;
            s++;
        }
        rc = folio_buf_append(out, e->val, e->len);
        if (rc)
            return rc;
    }
    return folio_buf_append_ch(out, '\r');
}

static bool id_ok(const char *id)
{
    size_t i;
    if (!id || strlen(id) != 3 || !(id[0] >= 'A' && id[0] <= 'Z'))
        return false;
    for (i = 1; i < 3; i++)
        if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9')))
            return false;
    return true;
}

enum folio_rc folio_hl7_build_segment(struct folio_hl7_builder *b, const char *id,
                                      struct folio_err *err)
{
    enum folio_rc rc;
    if (!id_ok(id))
        return folio_err_set(
            err, FOLIO_EINVAL, "segment",
            "HL7 builder: bad segment id (expected 3 characters [A-Z][A-Z0-9]{2})");
    rc = encode_current(b, &b->done);
    if (rc)
        return folio_err_set(err, rc, "message", "HL7 builder: %s",
                             rc == FOLIO_ETOOBIG ? "message exceeds its size cap"
                                                 : "out of memory");
    clear_entries(b);
    memcpy(b->id, id, 4);
    return FOLIO_OK;
}

/* Stores val (heap, ownership taken) at the position. */
static enum folio_rc put(struct folio_hl7_builder *b, unsigned field, unsigned rep, unsigned comp,
                         unsigned sub, char *val, size_t len, struct folio_err *err)
{
    struct entry key, *e = NULL;
    size_t i, total;
    if (!b->id[0]) {
        free(val);
        return folio_err_set(err, FOLIO_EINVAL, "segment",
                             "HL7 builder: set before any segment was started");
    }
    key.field = field;
    key.rep = rep ? rep : 1;
    key.comp = comp ? comp : 1;
    key.sub = sub ? sub : 1;
    if (field == 0 || field > MAX_POS || key.rep > MAX_POS || key.comp > MAX_POS ||
        key.sub > MAX_POS || (strcmp(b->id, "MSH") == 0 && field <= 2)) {
        free(val);
        return folio_err_set(err, FOLIO_EINVAL, b->id,
                             "HL7 builder: %s-%u: position not settable (fields 1-%u; MSH from 3)",
                             b->id, field, MAX_POS);
    }
    for (i = 0; i < b->nents; i++)
        if (!cmp_entry(&b->ents[i], &key)) {
            e = &b->ents[i];
            break;
        }
    total = b->cur_bytes - (e ? e->len : 0);
    if (!folio_size_add(total, len, &total) || total > b->max_bytes ||
        (!e && b->nents >= MAX_ENTRIES)) {
        free(val);
        return folio_err_set(err, FOLIO_ETOOBIG, b->id, "HL7 builder: %s-%u: segment too large",
                             b->id, field);
    }
    if (!e) {
        if (b->nents == b->cap_ents) {
            size_t ncap = b->cap_ents ? b->cap_ents * 2 : 16, bytes;
            void *p;
            if (!folio_size_mul(ncap, sizeof(*b->ents), &bytes) || !(p = realloc(b->ents, bytes))) {
                free(val);
                return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            }
            b->ents = p;
            b->cap_ents = ncap;
        }
        e = &b->ents[b->nents++];
        *e = key;
        e->val = NULL;
        e->len = 0;
    }
    free(e->val);
    e->val = val;
    e->len = len;
    b->cur_bytes = total;
    return FOLIO_OK;
}

enum folio_rc folio_hl7_build_set(struct folio_hl7_builder *b, unsigned field, unsigned rep,
                                  unsigned comp, unsigned sub, const char *value, size_t len,
                                  struct folio_err *err)
{
    struct folio_buf enc;
    enum folio_rc rc;
    char *v;
    size_t n;
    folio_buf_init(&enc, b->max_bytes);
    rc = folio_hl7_escape(&b->d, value ? value : "", value ? len : 0, &enc);
    if (rc) {
        folio_buf_release(&enc);
        return folio_err_set(err, rc, b->id, "HL7 builder: %s-%u: %s", b->id, field,
                             rc == FOLIO_ETOOBIG ? "value too large" : "out of memory");
    }
    v = folio_buf_detach(&enc, &n);
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return put(b, field, rep, comp, sub, v, n, err);
}

enum folio_rc folio_hl7_build_set_str(struct folio_hl7_builder *b, unsigned field, unsigned rep,
                                      unsigned comp, unsigned sub, const char *value,
                                      struct folio_err *err)
{
    return folio_hl7_build_set(b, field, rep, comp, sub, value, value ? strlen(value) : 0, err);
}

enum folio_rc folio_hl7_build_set_raw(struct folio_hl7_builder *b, unsigned field, unsigned rep,
                                      unsigned comp, unsigned sub, const char *raw, size_t len,
                                      struct folio_err *err)
{
    char *v;
    size_t i;
    if (!raw)
        len = 0;
    for (i = 0; i < len; i++)
        if (raw[i] == '\r' || raw[i] == '\n' || raw[i] == '\0')
            return folio_err_set(err, FOLIO_EINVAL, b->id,
                                 "HL7 builder: %s-%u: raw value holds CR, LF or NUL", b->id, field);
    v = malloc(len + 1);
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (len)
        memcpy(v, raw, len);
    v[len] = '\0';
    return put(b, field, rep, comp, sub, v, len, err);
}

enum folio_rc folio_hl7_build_set_null(struct folio_hl7_builder *b, unsigned field, unsigned rep,
                                       unsigned comp, unsigned sub, struct folio_err *err)
{
    return folio_hl7_build_set_raw(b, field, rep, comp, sub, "\"\"", 2, err);
}

enum folio_rc folio_hl7_build_finish(struct folio_hl7_builder *b, struct folio_buf *out,
                                     struct folio_err *err)
{
    struct folio_buf tmp;
    enum folio_rc rc;
    if (!b->id[0])
        return folio_err_set(err, FOLIO_EINVAL, "message", "HL7 builder: no segment added");
    folio_buf_init(&tmp, b->max_bytes);
    rc = folio_buf_append(&tmp, b->done.data, b->done.len);
    if (!rc)
        rc = encode_current(b, &tmp);
    if (!rc)
        rc = folio_buf_append(out, tmp.data, tmp.len);
    folio_buf_release(&tmp);
    if (rc)
        return folio_err_set(err, rc, "message", "HL7 builder: %s",
                             rc == FOLIO_ETOOBIG ? "message exceeds its size cap"
                                                 : "out of memory");
    return FOLIO_OK;
}

/* ---- acknowledgements ---- */

const char *folio_hl7_error_text(int code)
{
    switch (code) {
    case 0:
        return "Message accepted";
    case 100:
        return "Segment sequence error";
    case 101:
        return "Required field missing";
    case 102:
        return "Data type error";
    case 103:
        return "Table value not found";
    case 104:
        return "Value too long";
    case 200:
        return "Unsupported message type";
    case 201:
        return "Unsupported event code";
    case 202:
        return "Unsupported processing id";
    case 203:
        return "Unsupported version id";
    case 204:
        return "Unknown key identifier";
    case 205:
        return "Duplicate key identifier";
    case 206:
        return "Application record locked";
    case 207:
        return "Application internal error";
    default:
        return "Unknown error";
    }
}

/* True for versions before 2.5 ("2.3", "2.3.1", "2.4"), which use ERR-1 (ELD). */
static bool pre_25(const char *v)
{
    return v && v[0] == '2' && v[1] == '.' && v[2] >= '0' && v[2] <= '4' &&
           !(v[3] >= '0' && v[3] <= '9');
}

/* v2.3 and older have no MSH-9.3 (message structure, added in v2.3.1). */
static bool no_structure(const char *v)
{
    return v && v[0] == '2' && v[1] == '.' && v[2] >= '0' && v[2] <= '3' && v[3] == '\0';
}

static enum folio_rc copy_raw(struct folio_hl7_builder *b, const struct folio_hl7_msg *m,
                              unsigned from, unsigned to, struct folio_err *err)
{
    struct folio_hl7_ref r = {0, from, 0, 0, 0};
    struct folio_sv v = folio_hl7_raw(m, &r);
    if (!v.p || !v.len)
        return FOLIO_OK;
    return folio_hl7_build_set_raw(b, to, 1, 1, 1, v.p, v.len, err);
}

static enum folio_rc set_num(struct folio_hl7_builder *b, unsigned field, unsigned comp,
                             unsigned sub, unsigned long v, struct folio_err *err)
{
    char s[24];
    if (!v)
        return FOLIO_OK;
    folio_snprintf(s, sizeof(s), "%lu", v);
    return folio_hl7_build_set_str(b, field, 1, comp, sub, s, err);
}

static enum folio_rc add_err(struct folio_hl7_builder *b, const struct folio_hl7_ack_error *e,
                             bool old, struct folio_err *err)
{
    enum folio_rc rc;
    char code[16];
    char sev[2] = {e->severity ? e->severity : 'E', 0};
    if (sev[0] != 'E' && sev[0] != 'W' && sev[0] != 'I')
        return folio_err_set(err, FOLIO_EINVAL, "severity",
                             "HL7 ACK: error severity must be E, W or I");
    folio_snprintf(code, sizeof(code), "%d", e->code);
    rc = folio_hl7_build_segment(b, "ERR", err);
    if (rc)
        return rc;
    if (old) {
        /* ERR-1 ELD: segment ^ sequence ^ field position ^ code & text & HL70357 */
        if (e->loc.seg[0]) {
            rc = folio_hl7_build_set_str(b, 1, 1, 1, 1, e->loc.seg, err);
            if (!rc)
                rc = set_num(b, 1, 2, 1, e->loc.seq, err);
            if (!rc)
                rc = set_num(b, 1, 3, 1, e->loc.field, err);
            if (rc)
                return rc;
        }
        rc = folio_hl7_build_set_str(b, 1, 1, 4, 1, code, err);
        if (!rc)
            rc = folio_hl7_build_set_str(b, 1, 1, 4, 2, folio_hl7_error_text(e->code), err);
        if (!rc)
            rc = folio_hl7_build_set_str(b, 1, 1, 4, 3, "HL70357", err);
        return rc;
    }
    if (e->loc.seg[0]) {
        rc = folio_hl7_build_set_str(b, 2, 1, 1, 1, e->loc.seg, err);
        if (!rc)
            rc = set_num(b, 2, 2, 1, e->loc.seq, err);
        if (!rc)
            rc = set_num(b, 2, 3, 1, e->loc.field, err);
        if (!rc)
            rc = set_num(b, 2, 4, 1, e->loc.field ? e->loc.rep : 0, err);
        if (!rc)
            rc = set_num(b, 2, 5, 1, e->loc.field ? e->loc.comp : 0, err);
        if (!rc)
            rc = set_num(b, 2, 6, 1, e->loc.comp ? e->loc.sub : 0, err);
        if (rc)
            return rc;
    }
    rc = folio_hl7_build_set_str(b, 3, 1, 1, 1, code, err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 3, 1, 2, 1, folio_hl7_error_text(e->code), err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 3, 1, 3, 1, "HL70357", err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 4, 1, 1, 1, sev, err);
    if (!rc && !folio_str_empty(e->diagnostic))
        rc = folio_hl7_build_set_str(b, 7, 1, 1, 1, e->diagnostic, err);
    if (!rc && !folio_str_empty(e->user_msg))
        rc = folio_hl7_build_set_str(b, 8, 1, 1, 1, e->user_msg, err);
    return rc;
}

enum folio_rc folio_hl7_ack(const struct folio_hl7_msg *received,
                            const struct folio_hl7_ack_opts *opts, struct folio_buf *out,
                            struct folio_err *err)
{
    static const char *const codes[] = {"AA", "AE", "AR", "CA", "CE", "CR"};
    struct folio_hl7_builder *b = NULL;
    const struct folio_hl7_msh *h = folio_hl7_msh(received);
    struct folio_hl7_ref r10 = {0, 10, 0, 0, 0};
    struct folio_sv ctl;
    enum folio_rc rc;
    bool ok = false;
    size_t i;

    for (i = 0; opts->code && i < FOLIO_ARRAY_LEN(codes); i++)
        if (strcmp(opts->code, codes[i]) == 0)
            ok = true;
    if (!ok)
        return folio_err_set(err, FOLIO_EINVAL, "MSA-1",
                             "HL7 ACK: acknowledgment code must be AA, AE, AR, CA, CE or CR");
    if (folio_str_empty(opts->control_id))
        return folio_err_set(err, FOLIO_EINVAL, "MSH-10", "HL7 ACK: control id is required");
    if (folio_str_empty(opts->datetime))
        return folio_err_set(err, FOLIO_EINVAL, "MSH-7", "HL7 ACK: date/time is required");
    if (opts->n_errors && !opts->errors)
        return folio_err_set(err, FOLIO_EINVAL, "ERR", "HL7 ACK: n_errors without errors");

    rc = folio_hl7_builder_new(folio_hl7_delims(received), 0, &b, err);
    if (rc)
        goto out;
    rc = folio_hl7_build_segment(b, "MSH", err);
    if (!rc)
        rc = copy_raw(b, received, 5, 3, err);
    if (!rc)
        rc = copy_raw(b, received, 6, 4, err);
    if (!rc)
        rc = copy_raw(b, received, 3, 5, err);
    if (!rc)
        rc = copy_raw(b, received, 4, 6, err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 7, 1, 1, 1, opts->datetime, err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 9, 1, 1, 1, "ACK", err);
    if (!rc && h->trigger[0])
        rc = folio_hl7_build_set_str(b, 9, 1, 2, 1, h->trigger, err);
    if (!rc && !no_structure(h->version))
        rc = folio_hl7_build_set_str(b, 9, 1, 3, 1, "ACK", err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 10, 1, 1, 1, opts->control_id, err);
    if (!rc)
        rc = copy_raw(b, received, 11, 11, err);
    if (!rc)
        rc = copy_raw(b, received, 12, 12, err);
    if (!rc && !folio_str_empty(opts->accept_ack))
        rc = folio_hl7_build_set_str(b, 15, 1, 1, 1, opts->accept_ack, err);
    if (!rc && !folio_str_empty(opts->app_ack))
        rc = folio_hl7_build_set_str(b, 16, 1, 1, 1, opts->app_ack, err);
    if (!rc)
        rc = copy_raw(b, received, 18, 18, err);
    if (rc)
        goto out;

    rc = folio_hl7_build_segment(b, "MSA", err);
    if (!rc)
        rc = folio_hl7_build_set_str(b, 1, 1, 1, 1, opts->code, err);
    ctl = folio_hl7_raw(received, &r10);
    if (!rc && ctl.p && ctl.len)
        rc = folio_hl7_build_set_raw(b, 2, 1, 1, 1, ctl.p, ctl.len, err);
    if (!rc && !folio_str_empty(opts->text))
        rc = folio_hl7_build_set_str(b, 3, 1, 1, 1, opts->text, err);
    for (i = 0; !rc && i < opts->n_errors; i++)
        rc = add_err(b, &opts->errors[i], pre_25(h->version), err);
    if (!rc)
        rc = folio_hl7_build_finish(b, out, err);
out:
    folio_hl7_builder_free(b);
    return rc;
}
