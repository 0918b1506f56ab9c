/* JSON through jansson, with errors that name the document and the field. */
#include "folio/base.h"
#include "folio/json.h"

#define FOLIO_JSON_MAX ((size_t)64 * 1024 * 1024)

enum folio_rc folio_json_parse(const char *text, size_t len, json_t **out, const char *what,
                               struct folio_err *err)
{
    json_error_t jerr;
    const char *name = what ? what : "JSON";

    *out = NULL;
    if (len > FOLIO_JSON_MAX)
        return folio_err_set(err, FOLIO_ETOOBIG, what, "%s: %zu bytes exceeds the limit of %zu",
                             name, len, FOLIO_JSON_MAX);
    if (text == NULL)
        return folio_err_set(err, FOLIO_EPARSE, what, "%s: no text", name);
    /* jansson limits nesting depth itself (JSON_PARSER_MAX_DEPTH, 2048). */
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL)
        return folio_err_set(err, FOLIO_EPARSE, what, "%s: line %d column %d: %s", name, jerr.line,
                             jerr.column, jerr.text);
    *out = v;
    return FOLIO_OK;
}

static enum folio_rc get_member(const json_t *obj, const char *key, const char **out,
                                const char *where, bool required, struct folio_err *err)
{
    const char *w = where ? where : "object";

    *out = NULL;
    if (!json_is_object(obj))
        return folio_err_set(err, FOLIO_EINVAL, key, "%s: expected a JSON object", w);
    /* jansson's getters take non-const; we only read. */
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        if (required)
            return folio_err_set(err, FOLIO_EINVAL, key, "%s: missing field \"%s\"", w, key);
        return FOLIO_OK;
    }
    if (!json_is_string(v))
        return folio_err_set(err, FOLIO_EINVAL, key, "%s: field \"%s\" must be a string", w, key);
    *out = json_string_value(v);
    return FOLIO_OK;
}

enum folio_rc folio_json_get_str(const json_t *obj, const char *key, const char **out,
                                 const char *where, struct folio_err *err)
{
    return get_member(obj, key, out, where, false, err);
}

enum folio_rc folio_json_req_str(const json_t *obj, const char *key, const char **out,
                                 const char *where, struct folio_err *err)
{
    return get_member(obj, key, out, where, true, err);
}

struct dump_ctx {
    struct folio_buf *b;
    enum folio_rc rc;
};

static int dump_cb(const char *p, size_t len, void *data)
{
    struct dump_ctx *ctx = data;
    ctx->rc = folio_buf_append(ctx->b, p, len);
    return ctx->rc ? -1 : 0;
}

enum folio_rc folio_json_dump(const json_t *v, struct folio_buf *b)
{
    struct dump_ctx ctx = {b, FOLIO_OK};
    size_t orig = b->len;

    if (v == NULL)
        return FOLIO_EINVAL;
    if (json_dump_callback(v, dump_cb, &ctx, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) !=
        0) {
        if (ctx.rc == FOLIO_OK)
            ctx.rc = FOLIO_EINVAL; /* e.g. a cycle or an invalid real */
        if (b->cap > 0) {
            b->len = orig;
            b->data[orig] = '\0';
        }
    }
    return ctx.rc;
}

json_t *folio_json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}
