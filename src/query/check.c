/* The leading-query guard (folio_query_check in include/folio/query.h). Rules from AHIMA/ACDIS,
 * "Guidelines for Achieving a Compliant Query Practice (2022 Update)"; see docs/queries.md. It
 * catches what a program can see; a person still reviews each query. */
#include "folio/base.h"

#include "query/query_int.h"

/* Words that speak of payment or quality impact. The brief: a query should not indicate the
 * impact on reimbursement, payment or quality measures. Whole words, ASCII case-insensitive;
 * a '*' suffix matches any continuation ("reimburs*" -> reimbursement, reimbursed). */
static const char *const money_words[] = {
    "drg",
    "ms-drg",
    "apr-drg",
    "reimburs*",
    "payment*",
    "pay",
    "pays",
    "paid",
    "financial*",
    "revenue*",
    "money",
    "dollar*",
    "cc/mcc",
    "mcc",
    "hcc",
    "cmi",
    "case mix",
    "case-mix",
    "risk adjustment",
    "quality score*",
    "denial*",
    "payer*",
    "insurance*",
};

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '/';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Does text contain pattern as a whole word (prefix when the pattern ends with '*')? */
static bool has_word(const char *text, const char *pat)
{
    size_t pl = strlen(pat);
    bool prefix = pl && pat[pl - 1] == '*';
    if (prefix)
        pl--;
    for (size_t i = 0; text[i]; i++) {
        if (i > 0 && word_char(text[i - 1]))
            continue;
        size_t j = 0;
        while (j < pl && text[i + j] && lower(text[i + j]) == pat[j])
            j++;
        if (j < pl)
            continue;
        if (prefix || !word_char(text[i + pl]))
            return true;
    }
    return false;
}

/* The first payment word in text, or NULL. A '$' counts. */
static const char *money_word(const char *text)
{
    if (!text)
        return NULL;
    if (strchr(text, '$'))
        return "$";
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(money_words); i++)
        if (has_word(text, money_words[i]))
            return money_words[i];
    return NULL;
}

#define SRC "AHIMA/ACDIS Guidelines for Achieving a Compliant Query Practice (2022)"

enum folio_rc folio_query_check(const struct folio_query_draft *q, struct folio_err *err)
{
    const char *w;
    char field[40];
    if (folio_str_empty(q->question) || folio_sv_trim(folio_sv_from(q->question)).len == 0)
        return folio_err_set(err, FOLIO_EINVAL, "question",
                             "question: a query must ask a question");
    if (strlen(q->question) > FOLIO_QUERY_TEXT_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "question", "question: longer than %d bytes",
                             FOLIO_QUERY_TEXT_MAX);
    if ((w = money_word(q->question)))
        return folio_err_set(err, FOLIO_EINVAL, "question",
                             "leading query: the question mentions '%s'; a query must not "
                             "indicate financial, reimbursement or quality impact (" SRC ")",
                             w);
    for (size_t i = 0; i < q->n_options; i++) {
        if ((w = money_word(q->options[i].label))) {
            folio_snprintf(field, sizeof field, "options[%zu].label", i);
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "leading query: option %zu mentions '%s'; a query must not "
                                 "indicate financial, reimbursement or quality impact (" SRC ")",
                                 i + 1, w);
        }
    }
    if (!folio_query_kind_name(q->kind))
        return folio_err_set(err, FOLIO_EINVAL, "kind", "kind: not a query kind (%d)",
                             (int)q->kind);
    if (!folio_query_purpose_name(q->purpose))
        return folio_err_set(err, FOLIO_EINVAL, "purpose", "purpose: not a query purpose (%d)",
                             (int)q->purpose);
    if (q->kind == FOLIO_QK_YES_NO && !folio_query_yes_no_allowed(q->purpose))
        return folio_err_set(err, FOLIO_EINVAL, "kind",
                             "leading query: a yes/no query is not allowed for purpose '%s'; "
                             "yes/no is only for POA status, conflicting documentation, a "
                             "diagnosis already documented, or cause and effect; use an "
                             "open-ended or multiple-choice query (" SRC ")",
                             folio_query_purpose_name(q->purpose));
    size_t n_clin = 0, n_other = 0, n_undet = 0, n_yes = 0, n_no = 0;
    for (size_t i = 0; i < q->n_options; i++) {
        if (folio_str_empty(q->options[i].label)) {
            folio_snprintf(field, sizeof field, "options[%zu].label", i);
            return folio_err_set(err, FOLIO_EINVAL, field, "option %zu has no label", i + 1);
        }
        switch (q->options[i].role) {
        case FOLIO_QO_CLINICAL:
            n_clin++;
            break;
        case FOLIO_QO_OTHER:
            n_other++;
            break;
        case FOLIO_QO_UNDETERMINED:
            n_undet++;
            break;
        case FOLIO_QO_YES:
            n_yes++;
            break;
        case FOLIO_QO_NO:
            n_no++;
            break;
        default:
            folio_snprintf(field, sizeof field, "options[%zu].role", i);
            return folio_err_set(err, FOLIO_EINVAL, field, "option %zu has no valid role", i + 1);
        }
    }
    if (q->kind == FOLIO_QK_OPEN_ENDED && q->n_options)
        return folio_err_set(err, FOLIO_EINVAL, "options",
                             "an open-ended query offers no options (%zu given)", q->n_options);
    if (q->kind == FOLIO_QK_MULTIPLE_CHOICE) {
        if (n_other == 0)
            return folio_err_set(err, FOLIO_EINVAL, "options",
                                 "leading query: a multiple-choice query must offer \"other\" "
                                 "(with room to specify) (" SRC ")");
        if (n_undet == 0)
            return folio_err_set(err, FOLIO_EINVAL, "options",
                                 "leading query: a multiple-choice query must offer \"clinically "
                                 "undetermined\" (" SRC ")");
        if (n_clin < 2)
            return folio_err_set(err, FOLIO_EINVAL, "options",
                                 "leading query: a multiple-choice query needs at least 2 "
                                 "clinically supported options (%zu given); one option with "
                                 "other/undetermined steers to that answer",
                                 n_clin);
        if (n_yes || n_no)
            return folio_err_set(err, FOLIO_EINVAL, "options",
                                 "a multiple-choice query has no yes/no options");
    }
    if (q->kind == FOLIO_QK_YES_NO &&
        (n_yes != 1 || n_no != 1 || n_undet != 1 || n_clin || n_other))
        return folio_err_set(err, FOLIO_EINVAL, "options",
                             "a yes/no query offers exactly yes, no and clinically undetermined");
    if (q->n_options > FOLIO_QUERY_MAX_OPTIONS)
        return folio_err_set(err, FOLIO_EINVAL, "options", "at most %d options (%zu given)",
                             FOLIO_QUERY_MAX_OPTIONS, q->n_options);
    if (q->n_indicators == 0)
        return folio_err_set(err, FOLIO_EINVAL, "indicators",
                             "leading query: a query must present the clinical indicators from "
                             "the record that support it (none given) (" SRC ")");
    for (size_t i = 0; i < q->n_indicators; i++) {
        const struct folio_query_indicator *in = &q->indicators[i];
        if (folio_str_empty(in->excerpt)) {
            folio_snprintf(field, sizeof field, "indicators[%zu].excerpt", i);
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "clinical indicator %zu quotes nothing from the record", i + 1);
        }
        if (!in->document_id && !in->observation_id && folio_str_empty(in->source)) {
            folio_snprintf(field, sizeof field, "indicators[%zu].source", i);
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "clinical indicator %zu does not say where in the record it is "
                                 "(document, observation or source)",
                                 i + 1);
        }
    }
    return FOLIO_OK;
}
