/* Reading FHIR R4 JSON resources (see folio/fhir.h). */
#include "folio/base.h"
#include "folio/fhir.h"

/* One step of a path: member name [index]. Returns the value or NULL. */
static const json_t *step(const json_t *cur, struct folio_sv name, long index)
{
    char key[128];
    const json_t *v;

    if (!json_is_object(cur) || name.len == 0 || name.len >= sizeof key)
        return NULL;
    memcpy(key, name.p, name.len);
    key[name.len] = '\0';
    v = json_object_get(cur, key);
    if (v && index >= 0) {
        if (!json_is_array(v) || (size_t)index >= json_array_size(v))
            return NULL;
        v = json_array_get(v, (size_t)index);
    }
    return v;
}

const json_t *folio_fhir_at(const json_t *res, const char *path)
{
    struct folio_sv rest = folio_sv_from(path), part;
    const json_t *cur = res;

    while (cur && folio_sv_next_field(&rest, '.', &part)) {
        long index = -1;
        const char *br = memchr(part.p, '[', part.len);
        if (br) {
            struct folio_sv num = {br + 1, part.len - (size_t)(br - part.p) - 1};
            int64_t n;
            if (num.len < 2 || num.p[num.len - 1] != ']')
                return NULL;
            num.len--;
            if (folio_sv_to_i64(num, &n) != FOLIO_OK || n < 0 || n > 1000000)
                return NULL;
            index = (long)n;
            part.len = (size_t)(br - part.p);
        }
        cur = step(cur, part, index);
    }
    return cur;
}

static enum folio_rc fhir_fail(const char *where, const char *path, struct folio_err *err,
                               const char *what)
{
    return folio_err_set(err, FOLIO_EINVAL, path, "%s: field %s: %s", where ? where : "resource",
                         path, what);
}

enum folio_rc folio_fhir_str(const json_t *res, const char *path, bool required, const char **out,
                             const char *where, struct folio_err *err)
{
    const json_t *v = folio_fhir_at(res, path);

    *out = NULL;
    if (!v || json_is_null(v))
        return required ? fhir_fail(where, path, err, "missing") : FOLIO_OK;
    if (!json_is_string(v))
        return fhir_fail(where, path, err, "expected a string");
    *out = json_string_value(v);
    return FOLIO_OK;
}

enum folio_rc folio_fhir_number(const json_t *res, const char *path, bool required, char *text,
                                size_t cap, double *num, const char *where,
                                struct folio_err *err)
{
    const json_t *v = folio_fhir_at(res, path);
    int prec;

    text[0] = '\0';
    *num = 0;
    if (!v || json_is_null(v))
        return required ? fhir_fail(where, path, err, "missing") : FOLIO_OK;
    if (json_is_integer(v)) {
        *num = (double)json_integer_value(v);
        (void)folio_snprintf(text, cap, "%lld", (long long)json_integer_value(v));
        return FOLIO_OK;
    }
    if (!json_is_real(v))
        return fhir_fail(where, path, err, "expected a number");
    *num = json_real_value(v);
    /* shortest text that reads back as the same double */
    for (prec = 15; prec <= 17; prec++) {
        char *end;
        (void)folio_snprintf(text, cap, "%.*g", prec, *num);
        if (strtod(text, &end) == *num)
            break;
    }
    return FOLIO_OK;
}

enum folio_rc folio_fhir_coding(const json_t *res, const char *path, bool required,
                                struct folio_fhir_coding *out, const char *where,
                                struct folio_err *err)
{
    const json_t *cc = folio_fhir_at(res, path), *coding, *text;
    char sub[160];

    memset(out, 0, sizeof *out);
    if (!cc || json_is_null(cc))
        return required ? fhir_fail(where, path, err, "missing") : FOLIO_OK;
    if (!json_is_object(cc))
        return fhir_fail(where, path, err, "expected a CodeableConcept object");
    coding = json_object_get(cc, "coding");
    text = json_object_get(cc, "text");
    if (json_is_array(coding) && json_array_size(coding) > 0) {
        const json_t *c0 = json_array_get(coding, 0);
        const json_t *sys = json_object_get(c0, "system"), *code = json_object_get(c0, "code"),
                     *disp = json_object_get(c0, "display");
        if (!json_is_string(code) || json_string_length(code) == 0) {
            (void)folio_snprintf(sub, sizeof sub, "%s.coding[0].code", path);
            return fhir_fail(where, sub, err, "missing");
        }
        out->code = json_string_value(code);
        out->system = json_is_string(sys) ? json_string_value(sys) : NULL;
        out->display = json_is_string(disp) ? json_string_value(disp) : NULL;
    } else if (required) {
        (void)folio_snprintf(sub, sizeof sub, "%s.coding", path);
        return fhir_fail(where, sub, err, "missing");
    }
    if (!out->display && json_is_string(text))
        out->display = json_string_value(text);
    return FOLIO_OK;
}

enum folio_rc folio_fhir_ref(const json_t *res, const char *path, bool required, const char **out,
                             const char *where, struct folio_err *err)
{
    char sub[160];
    (void)folio_snprintf(sub, sizeof sub, "%s.reference", path);
    return folio_fhir_str(res, sub, required, out, where, err);
}

static bool type_has_code(const json_t *ident, const char *code)
{
    const json_t *coding = json_object_get(json_object_get(ident, "type"), "coding");
    size_t i;
    for (i = 0; json_is_array(coding) && i < json_array_size(coding); i++) {
        const json_t *c = json_object_get(json_array_get(coding, i), "code");
        if (json_is_string(c) && strcmp(json_string_value(c), code) == 0)
            return true;
    }
    return false;
}

const char *folio_fhir_identifier(const json_t *res, const char *type_code, const char *system,
                                  const char **system_out)
{
    const json_t *ids = json_object_get(res, "identifier");
    size_t i;

    if (system_out)
        *system_out = NULL;
    for (i = 0; json_is_array(ids) && i < json_array_size(ids); i++) {
        const json_t *id = json_array_get(ids, i);
        const json_t *sys = json_object_get(id, "system"), *val = json_object_get(id, "value");
        if (!json_is_string(val))
            continue;
        if (type_code && !type_has_code(id, type_code))
            continue;
        if (system && (!json_is_string(sys) || strcmp(json_string_value(sys), system) != 0))
            continue;
        if (system_out)
            *system_out = json_is_string(sys) ? json_string_value(sys) : NULL;
        return json_string_value(val);
    }
    return NULL;
}

static const json_t *find_ext(const json_t *list, const char *url)
{
    size_t i;
    for (i = 0; json_is_array(list) && i < json_array_size(list); i++) {
        const json_t *e = json_array_get(list, i);
        const json_t *u = json_object_get(e, "url");
        if (json_is_string(u) && strcmp(json_string_value(u), url) == 0)
            return e;
    }
    return NULL;
}

const char *folio_fhir_extension_str(const json_t *res, const char *url, const char *sub_url)
{
    const json_t *e = find_ext(json_object_get(res, "extension"), url), *v;
    if (e && sub_url)
        e = find_ext(json_object_get(e, "extension"), sub_url);
    v = e ? json_object_get(e, "valueString") : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

enum folio_rc folio_fhir_bundle_check(const json_t *bundle, const char *where,
                                      struct folio_err *err)
{
    const char *w = where ? where : "bundle";
    if (!json_is_object(bundle) || strcmp(folio_fhir_type(bundle), "Bundle") != 0)
        return folio_err_set(err, FOLIO_EPARSE, "resourceType",
                             "%s: not a FHIR Bundle (resourceType is not \"Bundle\")", w);
    if (!json_is_array(json_object_get(bundle, "entry")))
        return folio_err_set(err, FOLIO_EPARSE, "entry", "%s: Bundle has no entry array", w);
    return FOLIO_OK;
}

size_t folio_fhir_bundle_count(const json_t *bundle)
{
    return json_array_size(json_object_get(bundle, "entry"));
}

const json_t *folio_fhir_bundle_resource(const json_t *bundle, size_t i, const char **full_url)
{
    const json_t *e = json_array_get(json_object_get(bundle, "entry"), i);
    const json_t *r = json_object_get(e, "resource"), *u = json_object_get(e, "fullUrl");
    if (full_url)
        *full_url = json_is_string(u) ? json_string_value(u) : NULL;
    return json_is_object(r) ? r : NULL;
}

const char *folio_fhir_type(const json_t *res)
{
    const json_t *t = json_object_get(res, "resourceType");
    return json_is_string(t) ? json_string_value(t) : "";
}

void folio_fhir_where(char *out, size_t cap, size_t i, const json_t *res)
{
    const json_t *id = json_object_get(res, "id");
    const char *t = folio_fhir_type(res);
    (void)folio_snprintf(out, cap, "Bundle entry[%zu] %s/%.64s", i, t[0] ? t : "?",
                         json_is_string(id) ? json_string_value(id) : "?");
}
