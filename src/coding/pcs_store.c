/* The ICD-10-PCS tables as loaded in the store, back into the in-memory builder (encoder.h). */
#include "folio/base.h"

#include "folio/codes.h"
#include "folio/encoder.h"

#define PCS_XML_MAX ((size_t)64 * 1024 * 1024)

/* ---------------------------------------------------------------- the PCS tables from the store
 *
 * The store keeps the tables as loaded (pcs_value: table, row, position, value, axis title,
 * label, definition; pcs_definition: the definitions file's terms). They are written back out as
 * the CMS XML the in-memory builder reads (folio_pcs_tables_parse), so the builder is the same
 * one the bench and tests use on the release files: the store has no lookup fast enough for a
 * click (folio_codes_pcs_next scans the codes: seconds for the first positions on FY2026).
 */

static enum folio_rc xml_put(struct folio_buf *b, const char *s)
{
    enum folio_rc rc = FOLIO_OK;
    for (; s && *s && !rc; s++) {
        switch (*s) {
        case '&':
            rc = folio_buf_append_str(b, "&amp;");
            break;
        case '<':
            rc = folio_buf_append_str(b, "&lt;");
            break;
        case '>':
            rc = folio_buf_append_str(b, "&gt;");
            break;
        case '"':
            rc = folio_buf_append_str(b, "&quot;");
            break;
        default:
            rc = folio_buf_append_ch(b, *s);
            break;
        }
    }
    return rc;
}

static enum folio_rc tables_xml(struct folio_store *s, int64_t version_id, struct folio_buf *x,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row = false, in_table = false, in_row = false, in_axis = false;
    char table[4] = "", last_pos = 0;
    int64_t last_row = -1;

    rc = folio_store_prepare(s,
                             "SELECT pcs_table, row_no, pos, value, axis_title, label, definition "
                             "FROM pcs_value WHERE version_id = ? ORDER BY pcs_table, row_no, pos, "
                             "id",
                             &st, err);
    if (rc)
        return rc;
    if ((rc = folio_stmt_bind_i64(st, 1, version_id))) {
        rc = folio_err_set(err, rc, NULL, "binding the PCS tables query failed");
        goto out;
    }
    rc = folio_buf_append_str(x, "<?xml version=\"1.0\"?>\n<ICD10PCS.tabular>\n");
    while (!rc && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *tab = folio_stmt_column_text(st, 0);
        int64_t row_no = folio_stmt_column_i64(st, 1);
        int64_t pos = folio_stmt_column_i64(st, 2);
        const char *value = folio_stmt_column_text(st, 3);
        const char *def = folio_stmt_column_text(st, 6);

        if (!tab || !value || strlen(value) != 1 || pos < 1 || pos > 7)
            continue; /* cannot happen with rows the loader wrote */
        if (!in_table || strcmp(tab, table) != 0) {
            if (in_axis)
                rc = rc ? rc : folio_buf_append_str(x, "</axis>");
            if (in_row)
                rc = rc ? rc : folio_buf_append_str(x, "</pcsRow>");
            if (in_table)
                rc = rc ? rc : folio_buf_append_str(x, "</pcsTable>\n");
            rc = rc ? rc : folio_buf_append_str(x, "<pcsTable>");
            (void)folio_strlcpy(table, tab, sizeof table);
            in_table = true;
            in_row = in_axis = false;
            last_row = -1;
            last_pos = 0;
        }
        if (row_no != last_row) {
            if (in_axis)
                rc = rc ? rc : folio_buf_append_str(x, "</axis>");
            if (in_row)
                rc = rc ? rc : folio_buf_append_str(x, "</pcsRow>");
            in_row = row_no > 0;
            in_axis = false;
            if (in_row)
                rc = rc ? rc : folio_buf_append_str(x, "\n<pcsRow>");
            last_row = row_no;
            last_pos = 0;
        }
        if ((char)pos != last_pos) {
            if (in_axis)
                rc = rc ? rc : folio_buf_append_str(x, "</axis>");
            rc = rc ? rc : folio_buf_appendf(x, "<axis pos=\"%d\"><title>", (int)pos);
            rc = rc ? rc : xml_put(x, folio_stmt_column_text(st, 4));
            rc = rc ? rc : folio_buf_append_str(x, "</title>");
            in_axis = true;
            last_pos = (char)pos;
        }
        rc = rc ? rc : folio_buf_appendf(x, "<label code=\"%c\">", value[0]);
        rc = rc ? rc : xml_put(x, folio_stmt_column_text(st, 5));
        rc = rc ? rc : folio_buf_append_str(x, "</label>");
        if (def && def[0]) {
            rc = rc ? rc : folio_buf_append_str(x, "<definition>");
            rc = rc ? rc : xml_put(x, def);
            rc = rc ? rc : folio_buf_append_str(x, "</definition>");
        }
        if (rc && rc != FOLIO_ESTORE)
            rc = folio_err_set(err, rc, NULL, "the ICD-10-PCS tables do not fit in memory");
    }
    if (rc)
        goto out;
    if (in_axis)
        rc = folio_buf_append_str(x, "</axis>");
    if (!rc && in_row)
        rc = folio_buf_append_str(x, "</pcsRow>");
    if (!rc && in_table)
        rc = folio_buf_append_str(x, "</pcsTable>\n");
    if (!rc)
        rc = folio_buf_append_str(x, "</ICD10PCS.tabular>\n");
    if (rc)
        rc = folio_err_set(err, rc, NULL, "the ICD-10-PCS tables do not fit in memory");
out:
    folio_stmt_free(st);
    return rc;
}

static enum folio_rc defs_xml(struct folio_store *s, int64_t version_id, struct folio_buf *x,
                              struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row = false, in_section = false, in_axis = false;
    char section[2] = "";
    int64_t last_pos = 0;

    rc = folio_store_prepare(s,
                             "SELECT section, pos, title, definition, includes FROM pcs_definition "
                             "WHERE version_id = ? ORDER BY section, pos, seq",
                             &st, err);
    if (rc)
        return rc;
    if ((rc = folio_stmt_bind_i64(st, 1, version_id))) {
        rc = folio_err_set(err, rc, NULL, "binding the PCS definitions query failed");
        goto out;
    }
    rc = folio_buf_append_str(x, "<?xml version=\"1.0\"?>\n<ICD10PCS.definitions>\n");
    while (!rc && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *sec = folio_stmt_column_text(st, 0);
        int64_t pos = folio_stmt_column_i64(st, 1);
        const char *def = folio_stmt_column_text(st, 3), *inc = folio_stmt_column_text(st, 4);

        if (!sec || strlen(sec) != 1 || pos < 1 || pos > 7)
            continue;
        if (!in_section || sec[0] != section[0]) {
            if (in_axis)
                rc = rc ? rc : folio_buf_append_str(x, "</axis>");
            if (in_section)
                rc = rc ? rc : folio_buf_append_str(x, "</section>\n");
            rc = rc ? rc : folio_buf_appendf(x, "<section code=\"%c\">", sec[0]);
            section[0] = sec[0];
            in_section = true;
            in_axis = false;
            last_pos = 0;
        }
        if (pos != last_pos) {
            if (in_axis)
                rc = rc ? rc : folio_buf_append_str(x, "</axis>");
            rc = rc ? rc : folio_buf_appendf(x, "<axis pos=\"%d\">", (int)pos);
            in_axis = true;
            last_pos = pos;
        }
        rc = rc ? rc : folio_buf_append_str(x, "<terms><title>");
        rc = rc ? rc : xml_put(x, folio_stmt_column_text(st, 2));
        rc = rc ? rc : folio_buf_append_str(x, "</title>");
        if (def && def[0]) {
            rc = rc ? rc : folio_buf_append_str(x, "<definition>");
            rc = rc ? rc : xml_put(x, def);
            rc = rc ? rc : folio_buf_append_str(x, "</definition>");
        }
        if (inc && inc[0]) {
            rc = rc ? rc : folio_buf_append_str(x, "<includes>");
            rc = rc ? rc : xml_put(x, inc);
            rc = rc ? rc : folio_buf_append_str(x, "</includes>");
        }
        rc = rc ? rc : folio_buf_append_str(x, "</terms>");
        if (rc && rc != FOLIO_ESTORE)
            rc = folio_err_set(err, rc, NULL, "the ICD-10-PCS definitions do not fit in memory");
    }
    if (rc)
        goto out;
    if (in_axis)
        rc = folio_buf_append_str(x, "</axis>");
    if (!rc && in_section)
        rc = folio_buf_append_str(x, "</section>\n");
    if (!rc)
        rc = folio_buf_append_str(x, "</ICD10PCS.definitions>\n");
    if (rc)
        rc = folio_err_set(err, rc, NULL, "the ICD-10-PCS definitions do not fit in memory");
out:
    folio_stmt_free(st);
    return rc;
}

/* v newer than best: later period start, then higher id. */
static bool newer(const struct folio_codeset_version *v, const struct folio_codeset_version *best)
{
    int c;
    if (!best)
        return true;
    c = strcmp(v->effective_from, best->effective_from);
    return c > 0 || (c == 0 && v->id > best->id);
}

enum folio_rc folio_pcs_tables_from_store(struct folio_store *s, struct folio_pcs_tables **out,
                                         struct folio_codeset_version *version,
                                         struct folio_err *err)
{
    struct folio_arena a;
    struct folio_codeset_version *v = NULL;
    const struct folio_codeset_version *tab = NULL, *defs = NULL;
    struct folio_buf tx, dx;
    size_t n = 0, i;
    enum folio_rc rc;

    *out = NULL;
    memset(version, 0, sizeof *version);
    folio_arena_init(&a, 0);
    folio_buf_init(&tx, PCS_XML_MAX);
    folio_buf_init(&dx, PCS_XML_MAX);
    if ((rc = folio_codes_versions(s, &a, &v, &n, err)))
        goto out;
    for (i = 0; i < n; i++) {
        if (strcmp(v[i].kind, "icd10pcs-tables") == 0 && newer(&v[i], tab))
            tab = &v[i];
    }
    if (!tab)
        goto out;
    /* definitions: the newest of the same fiscal year, else the newest */
    for (i = 0; i < n; i++) {
        if (strcmp(v[i].kind, "icd10pcs-definitions") != 0)
            continue;
        if (!defs ||
            (v[i].fiscal_year == tab->fiscal_year) > (defs->fiscal_year == tab->fiscal_year) ||
            ((v[i].fiscal_year == tab->fiscal_year) == (defs->fiscal_year == tab->fiscal_year) &&
             newer(&v[i], defs)))
            defs = &v[i];
    }
    if ((rc = tables_xml(s, tab->id, &tx, err)))
        goto out;
    if (defs && (rc = defs_xml(s, defs->id, &dx, err)))
        goto out;
    rc = folio_pcs_tables_parse(tx.data, tx.len, defs ? dx.data : NULL, dx.len, out, err);
    if (rc) {
        folio_err_prefix(err, "ICD-10-PCS tables of version %lld", (long long)tab->id);
        goto out;
    }
    *version = *tab;
out:
    folio_buf_release(&tx);
    folio_buf_release(&dx);
    folio_arena_release(&a);
    return rc;
}
