/* Observations (results, with corrections that supersede) and source-reported conditions and
 * procedures. */
#include "folio/base.h"

#include "folio/records.h"
#include "records/records_int.h"

/* HL7 v2.5.1 table 0125 (the value types results carry) */
static const char *const value_types[] = {"NM", "ST", "TX", "FT", "CE", "CWE", "SN", "DT", "TS",
                                          NULL};
/* HL7 v2.5.1 table 0078 Abnormal flags */
static const char *const abnormal_flags[] = {
    "L", "H", "LL", "HH", "<", ">", "N", "A", "AA", "U", "D", "B", "W", "S", "R", "I",
    "MS", "VS", "NEG", "POS", "IND", "DET", "ND", "AC", "RR", "QCF", "TOX", "NR", "LU", "HU", NULL};
/* HL7 v2.5.1 table 0085 Observation result status */
static const char *const result_status[] = {"C", "D", "F", "I", "N", "O", "P", "R", "S", "U", "W",
                                            "X", NULL};

struct obs_norm {
    const char *value_type, *flag, *status;
    bool has_num;
    double num;
    char observed[48];
    char flags[128];
};

const char *folio_obs_abnormal_flag(const char *code)
{
    return rec_pick(code, abnormal_flags);
}

const char *folio_obs_result_status(const char *code)
{
    return rec_pick(code, result_status);
}

/* One table 0078 flag, or several joined with '~' (OBX-8 repeats): canonical text into out. */
static bool norm_flags(const char *in, char *out, size_t cap)
{
    struct folio_sv rest = folio_sv_from(in), one;
    size_t n = 0;
    out[0] = '\0';
    while (folio_sv_next_field(&rest, '~', &one)) {
        char piece[8];
        const char *canon;
        if (one.len == 0 || one.len >= sizeof piece)
            return false;
        memcpy(piece, one.p, one.len);
        piece[one.len] = '\0';
        if (!(canon = rec_pick(piece, abnormal_flags)))
            return false;
        size_t cl = strlen(canon);
        if (n + cl + 2 > cap)
            return false;
        if (n)
            out[n++] = '~';
        memcpy(out + n, canon, cl + 1);
        n += cl;
    }
    return n > 0;
}

static enum folio_rc norm_obs(const struct folio_observation *in, const char *def_status,
                              struct obs_norm *o, struct folio_err *err)
{
    enum folio_rc rc;
    memset(o, 0, sizeof *o);
    if (!folio_str_empty(in->value_text)) {
        struct folio_sv v = folio_sv_trim(folio_sv_from(in->value_text));
        o->has_num = folio_sv_to_double(v, &o->num) == FOLIO_OK;
    }
    if (folio_str_empty(in->value_type)) {
        o->value_type = o->has_num ? "NM" : "ST";
    } else if (!(o->value_type = rec_pick(in->value_type, value_types))) {
        return folio_err_set(err, FOLIO_EINVAL, "value_type",
                             "unknown value type '%s' (NM, ST, TX, FT, CE, CWE, SN, DT, TS)",
                             in->value_type);
    }
    if (strcmp(o->value_type, "NM") == 0 && !folio_str_empty(in->value_text) && !o->has_num)
        return folio_err_set(err, FOLIO_EINVAL, "value_text", "NM value '%s' is not a number",
                             in->value_text);
    if (strcmp(o->value_type, "NM") != 0)
        o->has_num = false;
    if (!folio_str_empty(in->abnormal_flag)) {
        if (!norm_flags(in->abnormal_flag, o->flags, sizeof o->flags))
            return folio_err_set(err, FOLIO_EINVAL, "abnormal_flag",
                                 "'%s' is not an HL7 table 0078 abnormal flag (or a '~' list of them)",
                                 in->abnormal_flag);
        o->flag = o->flags;
    }
    o->status = def_status;
    if (!folio_str_empty(in->status) && !(o->status = rec_pick(in->status, result_status)))
        return folio_err_set(err, FOLIO_EINVAL, "status",
                             "'%s' is not an HL7 table 0085 result status", in->status);
    if ((rc = rec_norm_time(in->observed_at, o->observed, "observed_at", err)))
        return rc;
    const struct {
        const char *v, *k;
    } parts[] = {{in->code_system, "code_system"}, {in->code, "code"},
                 {in->title, "title"},             {in->value_text, "value_text"},
                 {in->units, "units"},             {in->ref_range, "ref_range"}};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(parts); i++)
        if ((rc = rec_check_text(parts[i].v, i == 3 ? 65536 : 512, parts[i].k, err)))
            return rc;
    if ((rc = rec_check_ext(in->ext_system, in->ext_id, err)))
        return rc;
    return FOLIO_OK;
}

static enum folio_rc insert_obs(const struct folio_chart *c, const struct folio_observation *in,
                                int64_t patient_id, int64_t encounter_id, const char *system,
                                const char *code, const struct obs_norm *o, int64_t supersedes,
                                const char *reason, const char *ext_system, const char *ext_id,
                                int64_t *id_out, struct folio_err *err)
{
    char now[32];
    rec_now(now);
    enum folio_rc rc = rec_exec(
        c, id_out, NULL, err,
        "INSERT INTO observation (patient_id, encounter_id, code_system, code, title, value_type, "
        "value_text, value_num, units, ref_range, abnormal_flag, status, observed_at, "
        "supersedes_id, reason, ext_system, ext_id, recorded_by, recorded_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
        "iITTtTTDttTTtIttt" "TT", patient_id, encounter_id, system, code, in->title,
        o->value_type, in->value_text, (int)o->has_num, o->num, in->units, in->ref_range, o->flag,
        o->status, o->observed, supersedes, reason, ext_system, ext_id, rec_actor(c), now);
    if (rc == FOLIO_ECONFLICT)
        rc = folio_err_set(err, FOLIO_ECONFLICT, supersedes ? "observation_id" : "ext_id",
                           supersedes ? "observation %lld was already corrected"
                                      : "an observation with that external id already exists",
                           (long long)supersedes);
    return rc;
}

enum folio_rc folio_observation_create(const struct folio_chart *c,
                                       const struct folio_observation *in, int64_t *id_out,
                                       struct folio_err *err)
{
    struct obs_norm o;
    if (!in)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no observation given");
    if (in->patient_id <= 0)
        return folio_err_set(err, FOLIO_EINVAL, "patient_id", "patient_id is required");
    if (folio_str_empty(in->code))
        return folio_err_set(err, FOLIO_EINVAL, "code", "an observation needs a code");
    enum folio_rc rc = norm_obs(in, "F", &o, err);
    if (rc)
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rc = rec_check_patient_encounter(c, in->patient_id, in->encounter_id, err);
    if (rc == FOLIO_OK)
        rc = insert_obs(c, in, in->patient_id, in->encounter_id,
                        folio_str_empty(in->code_system) ? "LN" : in->code_system, in->code, &o, 0,
                        NULL, in->ext_system, in->ext_id, id_out, err);
    return rec_finish(c, rc, err);
}

enum folio_rc folio_observation_correct(const struct folio_chart *c, int64_t old_id,
                                        const struct folio_observation *corrected,
                                        const char *reason, int64_t *id_out,
                                        struct folio_err *err)
{
    struct obs_norm o;
    struct folio_stmt *st = NULL;
    bool row = false;
    char system[520] = "", code[520] = "";
    int64_t pid = 0, eid = 0;
    if (!corrected)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no corrected observation given");
    if (folio_str_empty(reason))
        return folio_err_set(err, FOLIO_EINVAL, "reason", "a correction needs a reason");
    enum folio_rc rc = rec_check_text(reason, REC_TEXT_MAX, "reason", err);
    if (rc == FOLIO_OK)
        rc = norm_obs(corrected, "C", &o, err);
    if (rc)
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rc = rec_prepare(c, &st, err,
                     "SELECT patient_id, encounter_id, code_system, code, (SELECT COUNT(*) FROM "
                     "observation o2 WHERE o2.supersedes_id = o.id) FROM observation o WHERE "
                     "o.id = ?",
                     "i", old_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "observation_id", "no observation with id %lld",
                           (long long)old_id);
    if (rc == FOLIO_OK) {
        pid = rec_col_i64(st, 0);
        eid = rec_col_i64(st, 1);
        folio_strlcpy(system, folio_stmt_column_text(st, 2), sizeof system);
        folio_strlcpy(code, folio_stmt_column_text(st, 3), sizeof code);
        if (folio_stmt_column_i64(st, 4) > 0)
            rc = folio_err_set(err, FOLIO_ESTATE, "observation_id",
                               "observation %lld was already superseded; correct the current one",
                               (long long)old_id);
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK)
        rc = insert_obs(c, corrected, pid, eid, system, code, &o, old_id, reason, NULL, NULL,
                        id_out, err);
    return rec_finish(c, rc, err);
}

#define OBS_COLS                                                                                   \
    "o.id, o.patient_id, o.encounter_id, o.code_system, o.code, o.title, o.value_type, "          \
    "o.value_text, o.value_num, o.units, o.ref_range, o.abnormal_flag, o.status, o.observed_at, " \
    "o.ext_system, o.ext_id, o.supersedes_id, (SELECT o2.id FROM observation o2 WHERE "          \
    "o2.supersedes_id = o.id), o.reason, o.recorded_by, o.recorded_at"

static void read_obs(struct folio_stmt *st, struct folio_arena *a, struct folio_observation *o,
                     bool *oom)
{
    o->id = rec_col_i64(st, 0);
    o->patient_id = rec_col_i64(st, 1);
    o->encounter_id = rec_col_i64(st, 2);
    o->code_system = rec_col_str(a, st, 3, oom);
    o->code = rec_col_str(a, st, 4, oom);
    o->title = rec_col_str(a, st, 5, oom);
    o->value_type = rec_col_str(a, st, 6, oom);
    o->value_text = rec_col_str(a, st, 7, oom);
    o->has_numeric = !folio_stmt_column_is_null(st, 8);
    o->value_num = o->has_numeric ? folio_stmt_column_double(st, 8) : 0.0;
    o->units = rec_col_str(a, st, 9, oom);
    o->ref_range = rec_col_str(a, st, 10, oom);
    o->abnormal_flag = rec_col_str(a, st, 11, oom);
    o->status = rec_col_str(a, st, 12, oom);
    o->observed_at = rec_col_str(a, st, 13, oom);
    o->ext_system = rec_col_str(a, st, 14, oom);
    o->ext_id = rec_col_str(a, st, 15, oom);
    o->supersedes_id = rec_col_i64(st, 16);
    o->superseded_by = rec_col_i64(st, 17);
    o->reason = rec_col_str(a, st, 18, oom);
    o->recorded_by = rec_col_str(a, st, 19, oom);
    o->recorded_at = rec_col_str(a, st, 20, oom);
}

enum folio_rc folio_observation_get(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                    struct folio_observation *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    memset(out, 0, sizeof *out);
    enum folio_rc rc = rec_prepare(c, &st, err,
                                   "SELECT " OBS_COLS " FROM observation o WHERE o.id = ?", "i", id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "observation_id", "no observation with id %lld",
                           (long long)id);
    if (rc == FOLIO_OK)
        read_obs(st, a, out, &oom);
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return rc;
}

enum folio_rc folio_observation_list(const struct folio_chart *c, int64_t patient_id,
                                     int64_t encounter_id, bool current_only, int64_t limit,
                                     int64_t offset, struct folio_arena *a,
                                     struct folio_observation_page *out, struct folio_err *err)
{
    static const char *const where[4] = {
        " WHERE o.patient_id = ?",
        " WHERE o.patient_id = ? AND NOT EXISTS (SELECT 1 FROM observation o3 WHERE "
        "o3.supersedes_id = o.id)",
        " WHERE o.patient_id = ? AND o.encounter_id = ?",
        " WHERE o.patient_id = ? AND o.encounter_id = ? AND NOT EXISTS (SELECT 1 FROM "
        "observation o3 WHERE o3.supersedes_id = o.id)",
    };
    struct folio_stmt *st = NULL;
    bool row = false, oom = false, found = false;
    char sql[2048];
    int w = (current_only ? 1 : 0) + (encounter_id ? 2 : 0);
    enum folio_rc rc;
    memset(out, 0, sizeof *out);
    rec_page(&limit, &offset, 100, 1000);
    folio_snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM observation o%s", where[w]);
    if (encounter_id)
        rc = rec_query_i64(c, &out->total, &found, err, sql, "ii", patient_id, encounter_id);
    else
        rc = rec_query_i64(c, &out->total, &found, err, sql, "i", patient_id);
    if (rc)
        goto out;
    out->items = folio_arena_calloc(a, (size_t)limit, sizeof *out->items);
    if (!out->items) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    folio_snprintf(sql, sizeof sql,
                   "SELECT " OBS_COLS " FROM observation o%s ORDER BY COALESCE(o.observed_at, "
                   "o.recorded_at) DESC, o.id DESC LIMIT ? OFFSET ?",
                   where[w]);
    if (encounter_id)
        rc = rec_prepare(c, &st, err, sql, "iiii", patient_id, encounter_id, limit, offset);
    else
        rc = rec_prepare(c, &st, err, sql, "iii", patient_id, limit, offset);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row &&
           out->n < (size_t)limit)
        read_obs(st, a, &out->items[out->n++], &oom);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    folio_stmt_free(st);
    return rc;
}

/* ---- conditions and procedures share one shape ---- */
struct coded_event {
    int64_t patient_id, encounter_id;
    const char *code_system, *code, *display, *start, *end, *ext_system, *ext_id;
    /* conditions only (is_dx): the clinician's diagnosis type and rank (HL7 DG1-6, DG1-15) */
    bool is_dx, has_rank;
    const char *dx_type;
    int64_t rank;
};

#define DX_TYPE_MAX 20 /* bytes of a diagnosis type code (HL7 table 0052 codes are one letter) */
#define DX_RANK_MAX 99 /* DG1-15 is two digits (HL7 v2.5 6.5.2.15) */

/* The diagnosis type and rank of a condition (struct folio_condition). */
static enum folio_rc check_dx(const struct coded_event *in, struct folio_err *err)
{
    if (in->dx_type) {
        enum folio_rc rc = rec_check_text(in->dx_type, DX_TYPE_MAX, "dx_type", err);
        if (rc)
            return rc;
        for (const char *p = in->dx_type; *p; p++)
            if ((unsigned char)*p <= ' ')
                return folio_err_set(err, FOLIO_EINVAL, "dx_type",
                                     "dx_type must be a code without spaces");
    }
    if (in->has_rank && (in->rank < 0 || in->rank > DX_RANK_MAX))
        return folio_err_set(err, FOLIO_EINVAL, "dx_priority",
                             "dx_priority %lld is not from 0 to %d (HL7 table 0359)",
                             (long long)in->rank, DX_RANK_MAX);
    return FOLIO_OK;
}

static enum folio_rc coded_create(const struct folio_chart *c, const struct coded_event *in,
                                  const char *start_field, const char *end_field, const char *sql,
                                  int64_t *id_out, struct folio_err *err)
{
    char now[32], start[48], end[48];
    enum folio_rc rc;
    if (in->patient_id <= 0)
        return folio_err_set(err, FOLIO_EINVAL, "patient_id", "patient_id is required");
    if (folio_str_empty(in->code_system))
        return folio_err_set(err, FOLIO_EINVAL, "code_system", "code_system is required");
    if (folio_str_empty(in->code))
        return folio_err_set(err, FOLIO_EINVAL, "code", "code is required");
    if ((rc = rec_check_text(in->code_system, 256, "code_system", err)) ||
        (rc = rec_check_text(in->code, 64, "code", err)) ||
        (rc = rec_check_text(in->display, 1024, "display", err)) ||
        (rc = rec_norm_time(in->start, start, start_field, err)) ||
        (rc = rec_norm_time(in->end, end, end_field, err)))
        return rc;
    if (start[0] && end[0] && strcmp(end, start) < 0)
        return folio_err_set(err, FOLIO_EINVAL, end_field, "%s %s precedes %s %s", end_field, end,
                             start_field, start);
    if ((rc = rec_check_ext(in->ext_system, in->ext_id, err)))
        return rc;
    if (in->is_dx && (rc = check_dx(in, err)))
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = rec_check_patient_encounter(c, in->patient_id, in->encounter_id, err);
    if (rc == FOLIO_OK && in->is_dx)
        rc = rec_exec(c, id_out, NULL, err, sql, in->has_rank ? "iITTtttttTTti" : "iITTtttttTTtn",
                      in->patient_id, in->encounter_id, in->code_system, in->code, in->display,
                      start, end, in->ext_system, in->ext_id, rec_actor(c), now, in->dx_type,
                      in->rank);
    else if (rc == FOLIO_OK)
        rc = rec_exec(c, id_out, NULL, err, sql, "iITTtttttTT", in->patient_id, in->encounter_id,
                      in->code_system, in->code, in->display, start, end, in->ext_system,
                      in->ext_id, rec_actor(c), now);
    if (rc == FOLIO_ECONFLICT)
        rc = folio_err_set(err, FOLIO_ECONFLICT, "ext_id",
                           "a record with external id '%s' already exists",
                           in->ext_id ? in->ext_id : "");
    return rec_finish(c, rc, err);
}

enum folio_rc folio_condition_create(const struct folio_chart *c, const struct folio_condition *in,
                                     int64_t *id_out, struct folio_err *err)
{
    if (!in)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no condition given");
    struct coded_event e = {.patient_id = in->patient_id,
                            .encounter_id = in->encounter_id,
                            .code_system = in->code_system,
                            .code = in->code,
                            .display = in->display,
                            .start = in->onset,
                            .end = in->abatement,
                            .ext_system = in->ext_system,
                            .ext_id = in->ext_id,
                            .is_dx = true,
                            .has_rank = in->has_dx_priority,
                            .dx_type = in->dx_type,
                            .rank = in->dx_priority};
    return coded_create(c, &e, "onset", "abatement",
                        "INSERT INTO condition (patient_id, encounter_id, code_system, code, "
                        "display, onset, abatement, ext_system, ext_id, recorded_by, recorded_at, "
                        "dx_type, dx_priority) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                        id_out, err);
}

enum folio_rc folio_procedure_create(const struct folio_chart *c,
                                     const struct folio_procedure_event *in, int64_t *id_out,
                                     struct folio_err *err)
{
    if (!in)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no procedure given");
    struct coded_event e = {.patient_id = in->patient_id,
                            .encounter_id = in->encounter_id,
                            .code_system = in->code_system,
                            .code = in->code,
                            .display = in->display,
                            .start = in->performed_start,
                            .end = in->performed_end,
                            .ext_system = in->ext_system,
                            .ext_id = in->ext_id};
    return coded_create(c, &e, "performed_start", "performed_end",
                        "INSERT INTO procedure_event (patient_id, encounter_id, code_system, "
                        "code, display, performed_start, performed_end, ext_system, ext_id, "
                        "recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                        id_out, err);
}

/* Reads rows of (id, patient_id, encounter_id, code_system, code, display, start, end,
 * ext_system, ext_id, recorded_by, recorded_at[, dx_type, dx_priority when dx]) into an arena
 * array of coded events. */
static enum folio_rc coded_list(const struct folio_chart *c, const char *sql_all,
                                const char *sql_enc, int64_t patient_id, int64_t encounter_id,
                                int64_t limit, struct folio_arena *a, struct coded_event **out,
                                int64_t **ids, const char ***rec, size_t *n_out, bool dx,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    size_t n = 0;
    enum folio_rc rc;
    if (limit <= 0 || limit > 1000)
        limit = 1000;
    *out = folio_arena_calloc(a, (size_t)limit, sizeof **out);
    *ids = folio_arena_calloc(a, (size_t)limit, sizeof **ids);
    *rec = folio_arena_calloc(a, (size_t)limit * 2, sizeof **rec);
    if (!*out || !*ids || !*rec)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (encounter_id)
        rc = rec_prepare(c, &st, err, sql_enc, "iii", patient_id, encounter_id, limit);
    else
        rc = rec_prepare(c, &st, err, sql_all, "ii", patient_id, limit);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row &&
           n < (size_t)limit) {
        struct coded_event *e = &(*out)[n];
        (*ids)[n] = rec_col_i64(st, 0);
        e->patient_id = rec_col_i64(st, 1);
        e->encounter_id = rec_col_i64(st, 2);
        e->code_system = rec_col_str(a, st, 3, &oom);
        e->code = rec_col_str(a, st, 4, &oom);
        e->display = rec_col_str(a, st, 5, &oom);
        e->start = rec_col_str(a, st, 6, &oom);
        e->end = rec_col_str(a, st, 7, &oom);
        e->ext_system = rec_col_str(a, st, 8, &oom);
        e->ext_id = rec_col_str(a, st, 9, &oom);
        (*rec)[2 * n] = rec_col_str(a, st, 10, &oom);
        (*rec)[2 * n + 1] = rec_col_str(a, st, 11, &oom);
        if (dx) {
            e->is_dx = true;
            e->dx_type = rec_col_str(a, st, 12, &oom);
            e->has_rank = !folio_stmt_column_is_null(st, 13);
            e->rank = rec_col_i64(st, 13);
        }
        n++;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    *n_out = n;
    return rc;
}

enum folio_rc folio_condition_list(const struct folio_chart *c, int64_t patient_id,
                                   int64_t encounter_id, int64_t limit, struct folio_arena *a,
                                   struct folio_condition **out, size_t *n_out,
                                   struct folio_err *err)
{
#define COND_SEL                                                                                   \
    "SELECT id, patient_id, encounter_id, code_system, code, display, onset, abatement, "         \
    "ext_system, ext_id, recorded_by, recorded_at, dx_type, dx_priority FROM condition WHERE "    \
    "patient_id = ?"
    struct coded_event *ev = NULL;
    int64_t *ids = NULL;
    const char **rec = NULL;
    size_t n = 0;
    *out = NULL;
    *n_out = 0;
    enum folio_rc rc = coded_list(
        c, COND_SEL " ORDER BY COALESCE(onset, recorded_at), id LIMIT ?",
        COND_SEL " AND encounter_id = ? ORDER BY COALESCE(onset, recorded_at), id LIMIT ?",
        patient_id, encounter_id, limit, a, &ev, &ids, &rec, &n, true, err);
    if (rc)
        return rc;
    struct folio_condition *arr = folio_arena_calloc(a, n ? n : 1, sizeof *arr);
    if (!arr)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++)
        arr[i] = (struct folio_condition){ids[i],          ev[i].patient_id, ev[i].encounter_id,
                                          ev[i].code_system, ev[i].code,    ev[i].display,
                                          ev[i].start,     ev[i].end,       ev[i].ext_system,
                                          ev[i].ext_id,    rec[2 * i],      rec[2 * i + 1],
                                          ev[i].dx_type,   ev[i].rank,      ev[i].has_rank};
    *out = arr;
    *n_out = n;
    return FOLIO_OK;
#undef COND_SEL
}

enum folio_rc folio_procedure_list(const struct folio_chart *c, int64_t patient_id,
                                   int64_t encounter_id, int64_t limit, struct folio_arena *a,
                                   struct folio_procedure_event **out, size_t *n_out,
                                   struct folio_err *err)
{
#define PROC_SEL                                                                                   \
    "SELECT id, patient_id, encounter_id, code_system, code, display, performed_start, "          \
    "performed_end, ext_system, ext_id, recorded_by, recorded_at FROM procedure_event WHERE "     \
    "patient_id = ?"
    struct coded_event *ev = NULL;
    int64_t *ids = NULL;
    const char **rec = NULL;
    size_t n = 0;
    *out = NULL;
    *n_out = 0;
    enum folio_rc rc = coded_list(
        c, PROC_SEL " ORDER BY COALESCE(performed_start, recorded_at), id LIMIT ?",
        PROC_SEL " AND encounter_id = ? ORDER BY COALESCE(performed_start, recorded_at), id "
                 "LIMIT ?",
        patient_id, encounter_id, limit, a, &ev, &ids, &rec, &n, false, err);
    if (rc)
        return rc;
    struct folio_procedure_event *arr = folio_arena_calloc(a, n ? n : 1, sizeof *arr);
    if (!arr)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++)
        arr[i] = (struct folio_procedure_event){
            ids[i],      ev[i].patient_id, ev[i].encounter_id, ev[i].code_system,
            ev[i].code,  ev[i].display,    ev[i].start,        ev[i].end,
            ev[i].ext_system, ev[i].ext_id, rec[2 * i],        rec[2 * i + 1]};
    *out = arr;
    *n_out = n;
    return FOLIO_OK;
#undef PROC_SEL
}
