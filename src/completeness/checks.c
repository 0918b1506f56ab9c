/* What some completeness rules look at beyond the chart's rows: whether a procedure implies a
 * pathology specimen (ICD-10-PCS root operation) and whether a text document names another
 * patient's MRN (docs/completeness.md, "Pathology" and "Another patient's MRN"). */
#include "folio/base.h"

#include "completeness/completeness_int.h"

#define SCAN_MAX_BYTES  (1024 * 1024) /* of a document's content that is read for MRNs */
#define SCAN_MAX_TOKENS 2000          /* distinct MRN-shaped tokens looked up per document */

/* ---- ICD-10-PCS ---- */

static bool pcs_system(const char *sys)
{
    char key[64];
    size_t n = 0;
    if (!sys)
        return false;
    if (strcmp(sys, "http://www.cms.gov/Medicare/Coding/ICD10") == 0)
        return true;
    /* "ICD10PCS", "ICD-10-PCS", "icd10pcs", "I10P" (HL7 table 0396) */
    for (const char *p = sys; *p && n + 1 < sizeof key; p++)
        if (*p != '-' && *p != '_' && *p != ' ' && *p != '.')
            key[n++] = (char)((*p >= 'a' && *p <= 'z') ? *p - 32 : *p);
    key[n] = '\0';
    return strcmp(key, "ICD10PCS") == 0 || strcmp(key, "I10P") == 0;
}

bool cmpl_pcs_implies_tissue(const char *code_system, const char *code)
{
    if (!pcs_system(code_system) || !code || strlen(code) != 7)
        return false;
    for (int i = 0; i < 7; i++) {
        char c = code[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) || c == 'I' || c == 'O')
            return false;
    }
    if (code[0] != '0') /* section 0, Medical and Surgical */
        return false;
    switch (code[2]) { /* the root operation (ICD-10-PCS definitions, section 0, axis 3) */
    case 'B':          /* Excision: cutting out or off, without replacement, a portion */
    case 'T':          /* Resection: ... all of a body part */
    case 'D':          /* Extraction: pulling or stripping out or off ... by the use of force */
    case '6':          /* Detachment: cutting off all or a portion of an extremity */
        return true;
    case '9': /* Drainage: only with the qualifier X, Diagnostic (a specimen for examination) */
        return code[6] == 'X';
    default:
        return false;
    }
}

/* ---- another patient's MRN ---- */

static bool lower_eq_prefix(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != *prefix)
            return false;
    }
    return true;
}

bool cmpl_text_mime(const char *mime)
{
    if (folio_str_empty(mime))
        return false;
    if (lower_eq_prefix(mime, "text/"))
        return true;
    /* XML documents (CDA: application/xml, application/hl7-v3+xml, application/cda+xml), but
     * not zipped Office files whose type merely contains "xml" (…openxmlformats…) */
    if (lower_eq_prefix(mime, "application/xml") || lower_eq_prefix(mime, "text/xml"))
        return true;
    for (const char *p = mime; *p && *p != ';'; p++)
        if (lower_eq_prefix(p, "+xml") && (p[4] == '\0' || p[4] == ';' || p[4] == ' '))
            return true;
    return false;
}

enum folio_rc cmpl_mrn_scan_init(struct cmpl_mrn_scan *m, struct folio_store *s, int64_t patient_id,
                                 struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc;
    memset(m, 0, sizeof *m);
    m->s = s;
    m->patient_id = patient_id;
    rc = cmpl_prepare(s, &st, err,
                      "SELECT MIN(LENGTH(match_key)), MAX(LENGTH(match_key)) FROM "
                      "patient_identifier WHERE kind = 'MR' AND active = 1 AND patient_id <> ?",
                      "i", patient_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row && !folio_stmt_column_is_null(st, 0)) {
        m->min_len = (size_t)folio_stmt_column_i64(st, 0);
        m->max_len = (size_t)folio_stmt_column_i64(st, 1);
    }
    folio_stmt_free(st);
    return rc;
}

struct token {
    const char *p;
    size_t len;
};

static int token_cmp(const void *a, const void *b)
{
    const struct token *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->p, y->p, x->len);
}

static bool word_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
           c == '_';
}

/* MRN-shaped tokens of text: runs of letters, digits, '-' and '_' (trimmed of '-' and '_' at
 * either end) of a length some other patient's MRN has, with at least one digit; sorted, each
 * once, at most cap. */
static size_t tokens_of(const char *text, size_t len, size_t min_len, size_t max_len,
                        struct token *out, size_t cap)
{
    size_t n = 0, i = 0;
    while (i < len && n < cap) {
        while (i < len && !word_char((unsigned char)text[i]))
            i++;
        size_t start = i;
        while (i < len && word_char((unsigned char)text[i]))
            i++;
        size_t end = i;
        while (start < end && (text[start] == '-' || text[start] == '_'))
            start++;
        while (end > start && (text[end - 1] == '-' || text[end - 1] == '_'))
            end--;
        size_t tl = end - start;
        if (tl < min_len || tl > max_len || tl == 0)
            continue;
        bool digit = false;
        for (size_t k = start; k < end && !digit; k++)
            digit = text[k] >= '0' && text[k] <= '9';
        if (digit)
            out[n++] = (struct token){text + start, tl};
    }
    if (n == 0)
        return 0;
    qsort(out, n, sizeof *out, token_cmp);
    size_t u = 1;
    for (size_t k = 1; k < n; k++)
        if (token_cmp(&out[k], &out[u - 1]) != 0)
            out[u++] = out[k];
    return u;
}

enum folio_rc cmpl_mrn_scan_doc(struct cmpl_mrn_scan *m, const char *content_sha256,
                                struct folio_arena *a, bool *found, struct folio_err *err)
{
    struct folio_stmt *st = NULL, *look = NULL;
    struct token *tok;
    bool row = false;
    size_t len = 0, n;
    const char *bytes;
    char *text = NULL;
    enum folio_rc rc;
    *found = false;
    if (m->max_len == 0 || folio_str_empty(content_sha256))
        return FOLIO_OK; /* no other patient has an MRN */
    rc = cmpl_prepare(m->s, &st, err, "SELECT bytes FROM content WHERE sha256 = ?", "t",
                      content_sha256);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row) {
        bytes = folio_stmt_column_blob(st, 0, &len);
        if (len > SCAN_MAX_BYTES)
            len = SCAN_MAX_BYTES;
        text = len ? folio_arena_alloc(a, len) : NULL;
        if (len && !text)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        else if (len)
            memcpy(text, bytes, len);
    }
    folio_stmt_free(st);
    if (rc || !text)
        return rc;
    tok = folio_arena_calloc(a, SCAN_MAX_TOKENS, sizeof *tok);
    if (!tok)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    n = tokens_of(text, len, m->min_len, m->max_len, tok, SCAN_MAX_TOKENS);
    if (n == 0)
        return FOLIO_OK;
    /* One statement, reset and bound again for each token: an active MRN of a patient other
     * than this one (and not merged into it) that is not also an MRN of this patient. */
    rc = folio_store_prepare(m->s,
                             "SELECT COUNT(*) FROM patient_identifier i JOIN patient p ON p.id = "
                             "i.patient_id WHERE i.kind = 'MR' AND i.active = 1 AND "
                             "i.match_key = ? AND i.patient_id <> ? AND (p.merged_into IS NULL "
                             "OR p.merged_into <> ?) AND NOT EXISTS (SELECT 1 FROM "
                             "patient_identifier j WHERE j.patient_id = ? AND j.kind = 'MR' AND "
                             "j.match_key = i.match_key)",
                             &look, err);
    for (int k = 2; rc == FOLIO_OK && k <= 4; k++)
        if (folio_stmt_bind_i64(look, k, m->patient_id))
            rc = folio_err_set(err, FOLIO_ESTORE, NULL, "binding parameters failed");
    for (size_t k = 0; rc == FOLIO_OK && k < n && !*found; k++) {
        if (k > 0)
            rc = folio_stmt_reset(look, err);
        if (rc == FOLIO_OK && folio_stmt_bind_text(look, 1, tok[k].p, tok[k].len))
            rc = folio_err_set(err, FOLIO_ESTORE, NULL, "binding parameters failed");
        if (rc == FOLIO_OK)
            rc = folio_stmt_step(look, &row, err);
        if (rc == FOLIO_OK && row && folio_stmt_column_i64(look, 0) > 0)
            *found = true;
    }
    folio_stmt_free(look);
    return rc;
}
