/* Audit exports: FHIR R4 AuditEvent (in a Bundle) and RFC 5424 syslog carrying IHE ATNA
 * (DICOM PS3.15 A.5) audit messages. The mapping tables are written down in docs/audit.md. */
#include "folio/base.h"

#include <errno.h>
#include <jansson.h>

#include "audit/audit_int.h"
#include "folio/time.h"

#define DCM        "http://dicom.nema.org/resources/ontology/DCM"
#define ACTION_SYS "urn:folio:audit-action"
#define SYSLOG_PRI_OK   85 /* RFC 5424 6.2.1: facility 10 (security/authorization) * 8 + 5 notice */
#define SYSLOG_PRI_FAIL 84 /* ... + 4 warning: failures and refusals */

/* DICOM PS3.16 CID 400 audit event IDs and CID 401 event type codes for each action family. */
struct event_code {
    const char *prefix; /* action or prefix ending in '.' */
    const char *id_code, *id_display;
    const char *type_code, *type_display; /* NULL when none */
    char verb; /* FHIR audit-event-action / DICOM EventActionCode: C R U D E */
};

static const struct event_code codes[] = {
    {"auth.login", "110114", "User Authentication", "110122", "Login", 'E'},
    {"auth.login_failed", "110114", "User Authentication", "110122", "Login", 'E'},
    {"auth.logout", "110114", "User Authentication", "110123", "Logout", 'E'},
    {"auth.denied", "110114", "User Authentication", NULL, NULL, 'E'},
    {"access.denied", "110113", "Security Alert", "110132", "Use of Restricted Function", 'E'},
    {"patient.search", "110112", "Query", NULL, NULL, 'E'},
    {"patient.create", "110110", "Patient Record", NULL, NULL, 'C'},
    {"patient.update", "110110", "Patient Record", NULL, NULL, 'U'},
    {"encounter.create", "110110", "Patient Record", NULL, NULL, 'C'},
    {"encounter.update", "110110", "Patient Record", NULL, NULL, 'U'},
    {"document.create", "110110", "Patient Record", NULL, NULL, 'C'},
    {"document.amend", "110110", "Patient Record", NULL, NULL, 'U'},
    {"observation.create", "110110", "Patient Record", NULL, NULL, 'C'},
    {"document.download", "110106", "Export", NULL, NULL, 'R'},
    {"document.print", "110106", "Export", NULL, NULL, 'R'},
    {"record.export", "110106", "Export", NULL, NULL, 'R'},
    {"import.run", "110107", "Import", NULL, NULL, 'C'},
    {"audit.", "110101", "Audit Log Used", NULL, NULL, 'R'},
    {"user.admin", "110113", "Security Alert", "110137", "User Security Attributes Changed", 'U'},
    {"patient.", "110110", "Patient Record", NULL, NULL, 'R'},
    {"encounter.", "110110", "Patient Record", NULL, NULL, 'R'},
    {"document.", "110110", "Patient Record", NULL, NULL, 'R'},
    {"observation.", "110110", "Patient Record", NULL, NULL, 'R'},
};
static const struct event_code fallback = {"", "110100", "Application Activity", NULL, NULL, 'E'};

static const struct event_code *code_for(const char *action)
{
    size_t i, n;

    if (action == NULL)
        return &fallback;
    for (i = 0; i < FOLIO_ARRAY_LEN(codes); i++) {
        n = strlen(codes[i].prefix);
        if (codes[i].prefix[n - 1] == '.' ? strncmp(action, codes[i].prefix, n) == 0
                                          : strcmp(action, codes[i].prefix) == 0)
            return &codes[i];
    }
    return &fallback;
}

/* FHIR R4 AuditEvent.outcome / DICOM EventOutcomeIndicator. auth.login_failed is recorded with
 * outcome "failure". */
static const char *outcome_code(const char *outcome)
{
    if (outcome == NULL || strcmp(outcome, "success") == 0)
        return "0";
    if (strcmp(outcome, "failure") == 0 || strcmp(outcome, "denied") == 0)
        return "4";
    return "8"; /* "error": the request failed on the server's side */
}

/* FHIR resource type of an entity, or NULL when it has none. */
static const char *fhir_type(const char *entity_type)
{
    static const char *const map[][2] = {
        {"patient", "Patient"},       {"encounter", "Encounter"},
        {"document", "DocumentReference"}, {"observation", "Observation"},
        {"user", "Practitioner"},
    };
    size_t i;

    for (i = 0; entity_type && i < FOLIO_ARRAY_LEN(map); i++)
        if (strcmp(entity_type, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* Network access point type (DICOM / FHIR AuditEvent.agent.network.type): 2 = IP address,
 * 1 = machine name. */
static const char *net_type(const char *client)
{
    const char *p;
    bool colon = false;

    for (p = client; *p; p++) {
        if (*p == ':')
            colon = true;
        else if (!((*p >= '0' && *p <= '9') || *p == '.' || (colon && ((*p >= 'a' && *p <= 'f') ||
                                                                       (*p >= 'A' && *p <= 'F')))))
            return "1";
    }
    return "2";
}

/* "cli" (the folio command on this host) is not a network access point. */
static bool has_network(const char *client)
{
    return !folio_str_empty(client) && strcmp(client, "cli") != 0;
}

/* ---- FHIR ---- */

static int set(json_t *o, const char *k, json_t *v)
{
    return v == NULL ? -1 : json_object_set_new(o, k, v);
}

static json_t *coding(const char *system, const char *code, const char *display)
{
    json_t *c = json_object();

    if (c && (set(c, "system", json_string(system)) || set(c, "code", json_string(code)) ||
              (display && set(c, "display", json_string(display))))) {
        json_decref(c);
        return NULL;
    }
    return c;
}

static json_t *ref_obj(const char *type, int64_t id)
{
    char ref[96];
    json_t *o = json_object();

    (void)folio_snprintf(ref, sizeof(ref), "%s/%lld", type, (long long)id);
    if (o && set(o, "reference", json_string(ref))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *fhir_event(const struct folio_audit_entry *e)
{
    const struct event_code *c = code_for(e->action);
    json_t *ev = json_object(), *subtype = json_array(), *agents = json_array(),
           *agent = json_object(), *source = json_object(), *entities = json_array();
    char verb[2] = {c->verb, '\0'}, id[32];
    int bad = !ev || !subtype || !agents || !agent || !source || !entities;
    json_t *detail_target = NULL;

    (void)folio_snprintf(id, sizeof(id), "%lld", (long long)e->seq);
    if (!bad) {
        bad |= set(ev, "resourceType", json_string("AuditEvent"));
        bad |= set(ev, "id", json_string(id));
        bad |= set(ev, "type", coding(DCM, c->id_code, c->id_display));
        if (c->type_code)
            bad |= json_array_append_new(subtype, coding(DCM, c->type_code, c->type_display));
        bad |= json_array_append_new(subtype, coding(ACTION_SYS, e->action, NULL));
        bad |= set(ev, "subtype", json_incref(subtype));
        bad |= set(ev, "action", json_string(verb));
        bad |= set(ev, "recorded", json_string(e->at ? e->at : ""));
        bad |= set(ev, "outcome", json_string(outcome_code(e->outcome)));
        if (e->outcome && strcmp(e->outcome, "success") != 0)
            bad |= set(ev, "outcomeDesc", json_string(e->outcome));
    }
    /* agent: the user (requestor), with roles as text and the network address */
    if (!bad) {
        json_t *who = json_object(), *roles = NULL;
        bad |= !who || set(who, "display", json_string(e->username ? e->username : "(anonymous)"));
        bad |= set(agent, "who", who);
        if (!folio_str_empty(e->roles)) {
            json_t *cc = json_object();
            roles = json_array();
            bad |= !cc || !roles || set(cc, "text", json_string(e->roles)) ||
                   json_array_append_new(roles, cc) || set(agent, "role", roles);
        }
        bad |= set(agent, "requestor", json_true());
        if (has_network(e->client)) {
            json_t *net = json_object();
            bad |= !net || set(net, "address", json_string(e->client)) ||
                   set(net, "type", json_string(net_type(e->client))) || set(agent, "network", net);
        }
        bad |= json_array_append(agents, agent);
        bad |= set(ev, "agent", json_incref(agents));
    }
    /* source: this system */
    if (!bad) {
        json_t *obs = json_object(), *types = json_array();
        bad |= !obs || !types || set(obs, "display", json_string("Folio")) ||
               set(source, "observer", obs) ||
               json_array_append_new(
                   types, coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4",
                                 "Application Server")) ||
               set(source, "type", types);
        bad |= set(ev, "source", json_incref(source));
    }
    /* entities: the patient, and the object acted on when it is another one */
    if (!bad && e->patient_id > 0) {
        json_t *en = json_object();
        bad |= !en || set(en, "what", ref_obj("Patient", e->patient_id)) ||
               set(en, "type", coding("http://terminology.hl7.org/CodeSystem/audit-entity-type",
                                      "1", "Person")) ||
               set(en, "role", coding("http://terminology.hl7.org/CodeSystem/object-role", "1",
                                      "Patient")) ||
               json_array_append_new(entities, en);
        detail_target = en;
    }
    if (!bad && e->entity_type && e->entity_id > 0 &&
        !(e->patient_id == e->entity_id && strcmp(e->entity_type, "patient") == 0)) {
        json_t *en = json_object();
        const char *ft = fhir_type(e->entity_type);
        char ident[96];

        bad |= !en;
        if (!bad && ft) {
            bad |= set(en, "what", ref_obj(ft, e->entity_id));
        } else if (!bad) {
            json_t *what = json_object(), *idf = json_object();
            (void)folio_snprintf(ident, sizeof(ident), "%s/%lld", e->entity_type,
                                 (long long)e->entity_id);
            bad |= !what || !idf || set(idf, "value", json_string(ident)) ||
                   set(what, "identifier", idf) || set(en, "what", what);
        }
        bad |= set(en, "type", coding("http://terminology.hl7.org/CodeSystem/audit-entity-type",
                                      "2", "System Object")) ||
               json_array_append_new(entities, en);
        detail_target = en;
    }
    if (!bad && e->detail) {
        json_t *d = json_object(), *arr = json_array();
        if (detail_target == NULL) {
            detail_target = json_object();
            bad |= !detail_target || json_array_append_new(entities, detail_target);
        }
        bad |= !d || !arr || set(d, "type", json_string("detail")) ||
               set(d, "valueString", json_string(e->detail)) || json_array_append_new(arr, d) ||
               set(detail_target, "detail", arr);
    }
    if (!bad && json_array_size(entities) > 0)
        bad |= set(ev, "entity", json_incref(entities));
    json_decref(subtype);
    json_decref(agents);
    json_decref(agent);
    json_decref(source);
    json_decref(entities);
    if (bad) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

struct fhir_ctx {
    FILE *out;
    size_t n;
};

static enum folio_rc write_fail(struct folio_err *err)
{
    return folio_err_set(err, FOLIO_EIO, NULL, "cannot write the audit export: %s", strerror(errno));
}

static enum folio_rc fhir_one(void *vctx, const struct folio_audit_entry *e, struct folio_err *err)
{
    struct fhir_ctx *ctx = vctx;
    json_t *entry = json_object(), *res = fhir_event(e);
    char url[48];
    enum folio_rc rc = FOLIO_OK;

    (void)folio_snprintf(url, sizeof(url), "urn:folio:audit:%lld", (long long)e->seq);
    if (!entry || !res || set(entry, "fullUrl", json_string(url)) ||
        set(entry, "resource", json_incref(res))) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot build AuditEvent %lld (out of memory "
                                                    "or text that is not UTF-8)",
                           (long long)e->seq);
        goto out;
    }
    if ((ctx->n++ && fputs(",\n", ctx->out) == EOF) ||
        json_dumpf(entry, ctx->out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
        rc = write_fail(err);
        goto out;
    }
out:
    json_decref(entry);
    json_decref(res);
    return rc;
}

enum folio_rc folio_audit_export_fhir(struct folio_store *s, const struct folio_audit_query *q,
                                      FILE *out, struct folio_err *err)
{
    struct fhir_ctx ctx = {out, 0};
    char now[32];
    enum folio_rc rc;

    folio_time_now_utc(now);
    if (fprintf(out, "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"timestamp\":\"%s\","
                     "\"entry\":[\n",
                now) < 0)
        return write_fail(err);
    rc = audit_each(s, q, fhir_one, &ctx, err);
    if (rc)
        return rc;
    if (fputs("\n]}\n", out) == EOF || fflush(out) != 0)
        return write_fail(err);
    return FOLIO_OK;
}

/* ---- syslog / ATNA ---- */

/* XML 1.0 attribute text: markup escaped; control characters XML cannot carry become U+FFFD;
 * tab, CR and LF become character references so the message stays on one line. */
static enum folio_rc xml_attr(struct folio_buf *b, const char *s)
{
    enum folio_rc rc = FOLIO_OK;

    for (; s && *s && !rc; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': rc = folio_buf_append_str(b, "&amp;"); break;
        case '<': rc = folio_buf_append_str(b, "&lt;"); break;
        case '>': rc = folio_buf_append_str(b, "&gt;"); break;
        case '"': rc = folio_buf_append_str(b, "&quot;"); break;
        case '\'': rc = folio_buf_append_str(b, "&apos;"); break;
        case '\t': rc = folio_buf_append_str(b, "&#x9;"); break;
        case '\n': rc = folio_buf_append_str(b, "&#xA;"); break;
        case '\r': rc = folio_buf_append_str(b, "&#xD;"); break;
        default:
            if (c < 0x20 || c == 0x7F)
                rc = folio_buf_append_str(b, "\xEF\xBF\xBD");
            else
                rc = folio_buf_append_ch(b, (char)c);
        }
    }
    return rc;
}

static enum folio_rc base64(struct folio_buf *b, const char *s)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i;
    enum folio_rc rc = FOLIO_OK;

    for (i = 0; i + 2 < n && !rc; i += 3) {
        char q[4] = {tbl[p[i] >> 2], tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
                     tbl[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], tbl[p[i + 2] & 63]};
        rc = folio_buf_append(b, q, 4);
    }
    if (!rc && n - i == 1) {
        char q[4] = {tbl[p[i] >> 2], tbl[(p[i] & 3) << 4], '=', '='};
        rc = folio_buf_append(b, q, 4);
    } else if (!rc && n - i == 2) {
        char q[4] = {tbl[p[i] >> 2], tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
                     tbl[(p[i + 1] & 15) << 2], '='};
        rc = folio_buf_append(b, q, 4);
    }
    return rc;
}

/* One ParticipantObjectIdentification. query: the detail goes in ParticipantObjectQuery
 * (searches), else in a ParticipantObjectDetail; both are base64 (xs:base64Binary). */
static enum folio_rc atna_object(struct folio_buf *b, const char *id, const char *type_code,
                                 const char *role, const char *idtype_code,
                                 const char *idtype_system, const char *idtype_text,
                                 const char *detail, bool query)
{
    enum folio_rc rc;

    rc = folio_buf_append_str(b, "<ParticipantObjectIdentification ParticipantObjectID=\"");
    if (!rc)
        rc = xml_attr(b, id);
    if (!rc)
        rc = folio_buf_appendf(b,
                               "\" ParticipantObjectTypeCode=\"%s\" "
                               "ParticipantObjectTypeCodeRole=\"%s\">"
                               "<ParticipantObjectIDTypeCode csd-code=\"%s\" "
                               "codeSystemName=\"%s\" originalText=\"%s\"/>",
                               type_code, role, idtype_code, idtype_system, idtype_text);
    if (!rc && detail) {
        rc = folio_buf_append_str(b, query ? "<ParticipantObjectQuery>"
                                           : "<ParticipantObjectDetail type=\"detail\" value=\"");
        if (!rc)
            rc = base64(b, detail);
        if (!rc)
            rc = folio_buf_append_str(b, query ? "</ParticipantObjectQuery>" : "\"/>");
    }
    if (!rc)
        rc = folio_buf_append_str(b, "</ParticipantObjectIdentification>");
    return rc;
}

/* The DICOM PS3.15 A.5.1 AuditMessage of one entry, on one line. */
static enum folio_rc atna_message(struct folio_buf *b, const struct folio_audit_entry *e)
{
    const struct event_code *c = code_for(e->action);
    char num[32];
    bool other;
    enum folio_rc rc;

    rc = folio_buf_appendf(b,
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?><AuditMessage>"
                           "<EventIdentification EventActionCode=\"%c\" EventDateTime=\"",
                           c->verb);
    if (!rc)
        rc = xml_attr(b, e->at);
    if (!rc)
        rc = folio_buf_appendf(b,
                               "\" EventOutcomeIndicator=\"%s\">"
                               "<EventID csd-code=\"%s\" codeSystemName=\"DCM\" "
                               "originalText=\"%s\"/>",
                               outcome_code(e->outcome), c->id_code, c->id_display);
    if (!rc && c->type_code)
        rc = folio_buf_appendf(b,
                               "<EventTypeCode csd-code=\"%s\" codeSystemName=\"DCM\" "
                               "originalText=\"%s\"/>",
                               c->type_code, c->type_display);
    if (!rc) {
        rc = folio_buf_append_str(b, "<EventTypeCode csd-code=\"");
        if (!rc)
            rc = xml_attr(b, e->action);
        if (!rc)
            rc = folio_buf_append_str(b, "\" codeSystemName=\"" ACTION_SYS "\" originalText=\"");
        if (!rc)
            rc = xml_attr(b, e->action);
        if (!rc)
            rc = folio_buf_append_str(b, "\"/></EventIdentification>");
    }
    /* the user */
    if (!rc)
        rc = folio_buf_append_str(b, "<ActiveParticipant UserID=\"");
    if (!rc)
        rc = xml_attr(b, e->username ? e->username : "(anonymous)");
    if (!rc)
        rc = folio_buf_append_str(b, "\" UserIsRequestor=\"true\"");
    if (!rc && has_network(e->client)) {
        rc = folio_buf_append_str(b, " NetworkAccessPointID=\"");
        if (!rc)
            rc = xml_attr(b, e->client);
        if (!rc)
            rc = folio_buf_appendf(b, "\" NetworkAccessPointTypeCode=\"%s\"", net_type(e->client));
    }
    if (!rc && !folio_str_empty(e->roles)) {
        rc = folio_buf_append_str(b, "><RoleIDCode csd-code=\"");
        if (!rc)
            rc = xml_attr(b, e->roles);
        if (!rc)
            rc = folio_buf_append_str(b, "\" codeSystemName=\"urn:folio:roles\" originalText=\"");
        if (!rc)
            rc = xml_attr(b, e->roles);
        if (!rc)
            rc = folio_buf_append_str(b, "\"/></ActiveParticipant>");
    } else if (!rc) {
        rc = folio_buf_append_str(b, "/>");
    }
    /* the source: this application */
    if (!rc)
        rc = folio_buf_append_str(b, "<AuditSourceIdentification AuditSourceID=\"Folio\">"
                                     "<AuditSourceTypeCode csd-code=\"4\" "
                                     "codeSystemName=\"DCM\" originalText=\"Application Server\"/>"
                                     "</AuditSourceIdentification>");
    /* the patient (type 1 person, role 1 patient, ID type 2 patient number); the object acted
     * on (type 2 system object, role 3 report, ID type 12 URI); or, for a search with neither,
     * the query (role 24). The detail goes with the most specific of them. */
    other = e->entity_type && e->entity_id > 0 && strcmp(e->entity_type, "patient") != 0;
    if (!rc && e->patient_id > 0) {
        (void)folio_snprintf(num, sizeof(num), "%lld", (long long)e->patient_id);
        rc = atna_object(b, num, "1", "1", "2", "RFC-3881", "Patient Number",
                         other ? NULL : e->detail, false);
    }
    if (!rc && other) {
        char id[96];
        (void)folio_snprintf(id, sizeof(id), "%s/%lld", e->entity_type, (long long)e->entity_id);
        rc = atna_object(b, id, "2", "3", "12", "RFC-3881", "URI", e->detail, false);
    }
    if (!rc && !other && e->patient_id <= 0 && e->detail) {
        size_t n = strlen(e->action);
        bool search = n > 7 && strcmp(e->action + n - 7, ".search") == 0;
        rc = atna_object(b, e->action, "2", search ? "24" : "4", c->id_code, "DCM",
                         c->id_display, e->detail, search);
    }
    if (!rc)
        rc = folio_buf_append_str(b, "</AuditMessage>");
    return rc;
}

struct syslog_ctx {
    FILE *out;
    char host[256];
    struct folio_buf line;
};

static enum folio_rc syslog_one(void *vctx, const struct folio_audit_entry *e,
                                struct folio_err *err)
{
    struct syslog_ctx *ctx = vctx;
    bool fail = e->outcome && strcmp(e->outcome, "success") != 0;
    enum folio_rc rc;

    folio_buf_reset(&ctx->line);
    /* RFC 5424 6: <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG */
    rc = folio_buf_appendf(&ctx->line, "<%d>1 %s %s folio - AUDIT - ",
                           fail ? SYSLOG_PRI_FAIL : SYSLOG_PRI_OK, e->at ? e->at : "-", ctx->host);
    if (!rc)
        rc = atna_message(&ctx->line, e);
    if (!rc)
        rc = folio_buf_append_ch(&ctx->line, '\n');
    if (rc)
        return folio_err_set(err, rc, NULL, "audit entry %lld: syslog line too large",
                             (long long)e->seq);
    if (fwrite(ctx->line.data, 1, ctx->line.len, ctx->out) != ctx->line.len)
        return write_fail(err);
    return FOLIO_OK;
}

enum folio_rc folio_audit_export_syslog(struct folio_store *s, const struct folio_audit_query *q,
                                        const char *hostname, FILE *out, struct folio_err *err)
{
    struct syslog_ctx ctx;
    size_t i, n = 0;
    enum folio_rc rc;

    ctx.out = out;
    folio_buf_init(&ctx.line, 256 * 1024);
    /* RFC 5424 6.2.4: HOSTNAME is 1-255 printable US-ASCII characters, or NILVALUE "-". */
    for (i = 0; hostname && hostname[i] && n < sizeof(ctx.host) - 1; i++) {
        unsigned char c = (unsigned char)hostname[i];
        if (c > 32 && c < 127)
            ctx.host[n++] = (char)c;
    }
    if (n == 0)
        ctx.host[n++] = '-';
    ctx.host[n] = '\0';
    rc = audit_each(s, q, syslog_one, &ctx, err);
    if (!rc && fflush(out) != 0)
        rc = write_fail(err);
    folio_buf_release(&ctx.line);
    return rc;
}
