/* HL7 v2 message as a JSON tree for the interface analyst UI, with field names of common
 * segments (HL7 v2.5.1 chapters 2, 3, 4, 6, 7, 9; names as in v2.5.1, later versions retire some
 * fields but keep the positions). */
#include "folio/base.h"
#include "folio/hl7v2.h"

#include "hl7v2_int.h"

struct seg_names {
    const char *id;
    const char *const *names; /* names[0] is field 1 */
    size_t n;
};

static const char *const msh_names[] = {"Field Separator",
                                        "Encoding Characters",
                                        "Sending Application",
                                        "Sending Facility",
                                        "Receiving Application",
                                        "Receiving Facility",
                                        "Date/Time Of Message",
                                        "Security",
                                        "Message Type",
                                        "Message Control ID",
                                        "Processing ID",
                                        "Version ID",
                                        "Sequence Number",
                                        "Continuation Pointer",
                                        "Accept Acknowledgment Type",
                                        "Application Acknowledgment Type",
                                        "Country Code",
                                        "Character Set",
                                        "Principal Language Of Message",
                                        "Alternate Character Set Handling Scheme",
                                        "Message Profile Identifier",
                                        "Sending Responsible Organization",
                                        "Receiving Responsible Organization",
                                        "Sending Network Address",
                                        "Receiving Network Address"};
static const char *const evn_names[] = {
    "Event Type Code", "Recorded Date/Time", "Date/Time Planned Event", "Event Reason Code",
    "Operator ID",     "Event Occurred",     "Event Facility"};
static const char *const pid_names[] = {"Set ID - PID",
                                        "Patient ID",
                                        "Patient Identifier List",
                                        "Alternate Patient ID - PID",
                                        "Patient Name",
                                        "Mother's Maiden Name",
                                        "Date/Time of Birth",
                                        "Administrative Sex",
                                        "Patient Alias",
                                        "Race",
                                        "Patient Address",
                                        "County Code",
                                        "Phone Number - Home",
                                        "Phone Number - Business",
                                        "Primary Language",
                                        "Marital Status",
                                        "Religion",
                                        "Patient Account Number",
                                        "SSN Number - Patient",
                                        "Driver's License Number - Patient",
                                        "Mother's Identifier",
                                        "Ethnic Group",
                                        "Birth Place",
                                        "Multiple Birth Indicator",
                                        "Birth Order",
                                        "Citizenship",
                                        "Veterans Military Status",
                                        "Nationality",
                                        "Patient Death Date and Time",
                                        "Patient Death Indicator",
                                        "Identity Unknown Indicator",
                                        "Identity Reliability Code",
                                        "Last Update Date/Time",
                                        "Last Update Facility",
                                        "Species Code",
                                        "Breed Code",
                                        "Strain",
                                        "Production Class Code",
                                        "Tribal Citizenship"};
static const char *const pv1_names[] = {"Set ID - PV1",
                                        "Patient Class",
                                        "Assigned Patient Location",
                                        "Admission Type",
                                        "Preadmit Number",
                                        "Prior Patient Location",
                                        "Attending Doctor",
                                        "Referring Doctor",
                                        "Consulting Doctor",
                                        "Hospital Service",
                                        "Temporary Location",
                                        "Preadmit Test Indicator",
                                        "Re-admission Indicator",
                                        "Admit Source",
                                        "Ambulatory Status",
                                        "VIP Indicator",
                                        "Admitting Doctor",
                                        "Patient Type",
                                        "Visit Number",
                                        "Financial Class",
                                        "Charge Price Indicator",
                                        "Courtesy Code",
                                        "Credit Rating",
                                        "Contract Code",
                                        "Contract Effective Date",
                                        "Contract Amount",
                                        "Contract Period",
                                        "Interest Code",
                                        "Transfer to Bad Debt Code",
                                        "Transfer to Bad Debt Date",
                                        "Bad Debt Agency Code",
                                        "Bad Debt Transfer Amount",
                                        "Bad Debt Recovery Amount",
                                        "Delete Account Indicator",
                                        "Delete Account Date",
                                        "Discharge Disposition",
                                        "Discharged to Location",
                                        "Diet Type",
                                        "Servicing Facility",
                                        "Bed Status",
                                        "Account Status",
                                        "Pending Location",
                                        "Prior Temporary Location",
                                        "Admit Date/Time",
                                        "Discharge Date/Time",
                                        "Current Patient Balance",
                                        "Total Charges",
                                        "Total Adjustments",
                                        "Total Payments",
                                        "Alternate Visit ID",
                                        "Visit Indicator",
                                        "Other Healthcare Provider"};
static const char *const pv2_names[] = {"Prior Pending Location",
                                        "Accommodation Code",
                                        "Admit Reason",
                                        "Transfer Reason",
                                        "Patient Valuables",
                                        "Patient Valuables Location",
                                        "Visit User Code",
                                        "Expected Admit Date/Time",
                                        "Expected Discharge Date/Time",
                                        "Estimated Length of Inpatient Stay",
                                        "Actual Length of Inpatient Stay",
                                        "Visit Description",
                                        "Referral Source Code",
                                        "Previous Service Date",
                                        "Employment Illness Related Indicator",
                                        "Purge Status Code",
                                        "Purge Status Date",
                                        "Special Program Code",
                                        "Retention Indicator",
                                        "Expected Number of Insurance Plans",
                                        "Visit Publicity Code",
                                        "Visit Protection Indicator",
                                        "Clinic Organization Name",
                                        "Patient Status Code",
                                        "Visit Priority Code",
                                        "Previous Treatment Date",
                                        "Expected Discharge Disposition",
                                        "Signature on File Date",
                                        "First Similar Illness Date",
                                        "Patient Charge Adjustment Code",
                                        "Recurring Service Code",
                                        "Billing Media Code",
                                        "Expected Surgery Date and Time",
                                        "Military Partnership Code",
                                        "Military Non-Availability Code",
                                        "Newborn Baby Indicator",
                                        "Baby Detained Indicator",
                                        "Mode of Arrival Code",
                                        "Recreational Drug Use Code",
                                        "Admission Level of Care Code",
                                        "Precaution Code",
                                        "Patient Condition Code",
                                        "Living Will Code",
                                        "Organ Donor Code",
                                        "Advance Directive Code",
                                        "Patient Status Effective Date",
                                        "Expected LOA Return Date/Time",
                                        "Expected Pre-admission Testing Date/Time",
                                        "Notify Clergy Code"};
static const char *const nk1_names[] = {"Set ID - NK1",
                                        "Name",
                                        "Relationship",
                                        "Address",
                                        "Phone Number",
                                        "Business Phone Number",
                                        "Contact Role",
                                        "Start Date",
                                        "End Date",
                                        "Next of Kin / Associated Parties Job Title",
                                        "Next of Kin / Associated Parties Job Code/Class",
                                        "Next of Kin / Associated Parties Employee Number",
                                        "Organization Name - NK1",
                                        "Marital Status",
                                        "Administrative Sex",
                                        "Date/Time of Birth",
                                        "Living Dependency",
                                        "Ambulatory Status",
                                        "Citizenship",
                                        "Primary Language",
                                        "Living Arrangement",
                                        "Publicity Code",
                                        "Protection Indicator",
                                        "Student Indicator",
                                        "Religion",
                                        "Mother's Maiden Name",
                                        "Nationality",
                                        "Ethnic Group",
                                        "Contact Reason",
                                        "Contact Person's Name",
                                        "Contact Person's Telephone Number",
                                        "Contact Person's Address",
                                        "Next of Kin/Associated Party's Identifiers",
                                        "Job Status",
                                        "Race",
                                        "Handicap",
                                        "Contact Person Social Security Number",
                                        "Next of Kin Birth Place",
                                        "VIP Indicator"};
static const char *const in1_names[] = {"Set ID - IN1",
                                        "Insurance Plan ID",
                                        "Insurance Company ID",
                                        "Insurance Company Name",
                                        "Insurance Company Address",
                                        "Insurance Co Contact Person",
                                        "Insurance Co Phone Number",
                                        "Group Number",
                                        "Group Name",
                                        "Insured's Group Emp ID",
                                        "Insured's Group Emp Name",
                                        "Plan Effective Date",
                                        "Plan Expiration Date",
                                        "Authorization Information",
                                        "Plan Type",
                                        "Name Of Insured",
                                        "Insured's Relationship To Patient",
                                        "Insured's Date Of Birth",
                                        "Insured's Address",
                                        "Assignment Of Benefits",
                                        "Coordination Of Benefits",
                                        "Coord Of Ben. Priority",
                                        "Notice Of Admission Flag",
                                        "Notice Of Admission Date",
                                        "Report Of Eligibility Flag",
                                        "Report Of Eligibility Date",
                                        "Release Information Code",
                                        "Pre-Admit Cert (PAC)",
                                        "Verification Date/Time",
                                        "Verification By",
                                        "Type Of Agreement Code",
                                        "Billing Status",
                                        "Lifetime Reserve Days",
                                        "Delay Before L.R. Day",
                                        "Company Plan Code",
                                        "Policy Number",
                                        "Policy Deductible",
                                        "Policy Limit - Amount",
                                        "Policy Limit - Days",
                                        "Room Rate - Semi-Private",
                                        "Room Rate - Private",
                                        "Insured's Employment Status",
                                        "Insured's Administrative Sex",
                                        "Insured's Employer's Address",
                                        "Verification Status",
                                        "Prior Insurance Plan ID",
                                        "Coverage Type",
                                        "Handicap",
                                        "Insured's ID Number",
                                        "Signature Code",
                                        "Signature Code Date",
                                        "Insured's Birth Place",
                                        "VIP Indicator"};
static const char *const dg1_names[] = {"Set ID - DG1",
                                        "Diagnosis Coding Method",
                                        "Diagnosis Code - DG1",
                                        "Diagnosis Description",
                                        "Diagnosis Date/Time",
                                        "Diagnosis Type",
                                        "Major Diagnostic Category",
                                        "Diagnostic Related Group",
                                        "DRG Approval Indicator",
                                        "DRG Grouper Review Code",
                                        "Outlier Type",
                                        "Outlier Days",
                                        "Outlier Cost",
                                        "Grouper Version And Type",
                                        "Diagnosis Priority",
                                        "Diagnosing Clinician",
                                        "Diagnosis Classification",
                                        "Confidential Indicator",
                                        "Attestation Date/Time",
                                        "Diagnosis Identifier",
                                        "Diagnosis Action Code"};
static const char *const pr1_names[] = {"Set ID - PR1",
                                        "Procedure Coding Method",
                                        "Procedure Code",
                                        "Procedure Description",
                                        "Procedure Date/Time",
                                        "Procedure Functional Type",
                                        "Procedure Minutes",
                                        "Anesthesiologist",
                                        "Anesthesia Code",
                                        "Anesthesia Minutes",
                                        "Surgeon",
                                        "Procedure Practitioner",
                                        "Consent Code",
                                        "Procedure Priority",
                                        "Associated Diagnosis Code",
                                        "Procedure Code Modifier",
                                        "Procedure DRG Type",
                                        "Tissue Type Code",
                                        "Procedure Identifier",
                                        "Procedure Action Code"};
static const char *const obr_names[] = {"Set ID - OBR",
                                        "Placer Order Number",
                                        "Filler Order Number",
                                        "Universal Service Identifier",
                                        "Priority - OBR",
                                        "Requested Date/Time",
                                        "Observation Date/Time",
                                        "Observation End Date/Time",
                                        "Collection Volume",
                                        "Collector Identifier",
                                        "Specimen Action Code",
                                        "Danger Code",
                                        "Relevant Clinical Information",
                                        "Specimen Received Date/Time",
                                        "Specimen Source",
                                        "Ordering Provider",
                                        "Order Callback Phone Number",
                                        "Placer Field 1",
                                        "Placer Field 2",
                                        "Filler Field 1",
                                        "Filler Field 2",
                                        "Results Rpt/Status Chng - Date/Time",
                                        "Charge to Practice",
                                        "Diagnostic Serv Sect ID",
                                        "Result Status",
                                        "Parent Result",
                                        "Quantity/Timing",
                                        "Result Copies To",
                                        "Parent",
                                        "Transportation Mode",
                                        "Reason for Study",
                                        "Principal Result Interpreter",
                                        "Assistant Result Interpreter",
                                        "Technician",
                                        "Transcriptionist",
                                        "Scheduled Date/Time",
                                        "Number of Sample Containers",
                                        "Transport Logistics of Collected Sample",
                                        "Collector's Comment",
                                        "Transport Arrangement Responsibility",
                                        "Transport Arranged",
                                        "Escort Required",
                                        "Planned Patient Transport Comment",
                                        "Procedure Code",
                                        "Procedure Code Modifier",
                                        "Placer Supplemental Service Information",
                                        "Filler Supplemental Service Information",
                                        "Medically Necessary Duplicate Procedure Reason",
                                        "Result Handling",
                                        "Parent Universal Service Identifier"};
static const char *const obx_names[] = {"Set ID - OBX",
                                        "Value Type",
                                        "Observation Identifier",
                                        "Observation Sub-ID",
                                        "Observation Value",
                                        "Units",
                                        "References Range",
                                        "Abnormal Flags",
                                        "Probability",
                                        "Nature of Abnormal Test",
                                        "Observation Result Status",
                                        "Effective Date of Reference Range",
                                        "User Defined Access Checks",
                                        "Date/Time of the Observation",
                                        "Producer's ID",
                                        "Responsible Observer",
                                        "Observation Method",
                                        "Equipment Instance Identifier",
                                        "Date/Time of the Analysis",
                                        "Observation Site",
                                        "Observation Instance Identifier",
                                        "Mood Code",
                                        "Performing Organization Name",
                                        "Performing Organization Address",
                                        "Performing Organization Medical Director"};
static const char *const txa_names[] = {"Set ID - TXA",
                                        "Document Type",
                                        "Document Content Presentation",
                                        "Activity Date/Time",
                                        "Primary Activity Provider Code/Name",
                                        "Origination Date/Time",
                                        "Transcription Date/Time",
                                        "Edit Date/Time",
                                        "Originator Code/Name",
                                        "Assigned Document Authenticator",
                                        "Transcriptionist Code/Name",
                                        "Unique Document Number",
                                        "Parent Document Number",
                                        "Placer Order Number",
                                        "Filler Order Number",
                                        "Unique Document File Name",
                                        "Document Completion Status",
                                        "Document Confidentiality Status",
                                        "Document Availability Status",
                                        "Document Storage Status",
                                        "Document Change Reason",
                                        "Authentication Person, Time Stamp",
                                        "Distributed Copies (Code and Name of Recipients)",
                                        "Folder Assignment",
                                        "Document Title",
                                        "Agreed Due Date/Time"};
static const char *const mrg_names[] = {"Prior Patient Identifier List",
                                        "Prior Alternate Patient ID",
                                        "Prior Patient Account Number",
                                        "Prior Patient ID",
                                        "Prior Visit Number",
                                        "Prior Alternate Visit ID",
                                        "Prior Patient Name"};
static const char *const orc_names[] = {"Order Control",
                                        "Placer Order Number",
                                        "Filler Order Number",
                                        "Placer Group Number",
                                        "Order Status",
                                        "Response Flag",
                                        "Quantity/Timing",
                                        "Parent Order",
                                        "Date/Time of Transaction",
                                        "Entered By",
                                        "Verified By",
                                        "Ordering Provider",
                                        "Enterer's Location",
                                        "Call Back Phone Number",
                                        "Order Effective Date/Time",
                                        "Order Control Code Reason",
                                        "Entering Organization",
                                        "Entering Device",
                                        "Action By",
                                        "Advanced Beneficiary Notice Code",
                                        "Ordering Facility Name",
                                        "Ordering Facility Address",
                                        "Ordering Facility Phone Number",
                                        "Ordering Provider Address",
                                        "Order Status Modifier",
                                        "Advanced Beneficiary Notice Override Reason",
                                        "Filler's Expected Availability Date/Time",
                                        "Confidentiality Code",
                                        "Order Type",
                                        "Enterer Authorization Mode",
                                        "Parent Universal Service Identifier"};
static const char *const nte_names[] = {"Set ID - NTE", "Source of Comment", "Comment",
                                        "Comment Type"};
static const char *const err_names[] = {"Error Code and Location", "Error Location",
                                        "HL7 Error Code",          "Severity",
                                        "Application Error Code",  "Application Error Parameter",
                                        "Diagnostic Information",  "User Message",
                                        "Inform Person Indicator", "Override Type",
                                        "Override Reason Code",    "Help Desk Contact Point"};
static const char *const msa_names[] = {
    "Acknowledgment Code",      "Message Control ID",          "Text Message",
    "Expected Sequence Number", "Delayed Acknowledgment Type", "Error Condition",
    "Message Waiting Number",   "Message Waiting Priority"};

#define SEG(id, arr)                                                                               \
    {                                                                                              \
        id, arr, FOLIO_ARRAY_LEN(arr)                                                              \
    }
static const struct seg_names seg_table[] = {
    SEG("MSH", msh_names), SEG("EVN", evn_names), SEG("PID", pid_names), SEG("PV1", pv1_names),
    SEG("PV2", pv2_names), SEG("NK1", nk1_names), SEG("IN1", in1_names), SEG("DG1", dg1_names),
    SEG("PR1", pr1_names), SEG("OBR", obr_names), SEG("OBX", obx_names), SEG("TXA", txa_names),
    SEG("MRG", mrg_names), SEG("ORC", orc_names), SEG("NTE", nte_names), SEG("ERR", err_names),
    SEG("MSA", msa_names),
};

const char *folio_hl7_field_name(const char *seg, unsigned field)
{
    size_t i;
    if (!seg || field == 0)
        return NULL;
    for (i = 0; i < FOLIO_ARRAY_LEN(seg_table); i++)
        if (strcmp(seg_table[i].id, seg) == 0)
            return field <= seg_table[i].n ? seg_table[i].names[field - 1] : NULL;
    return NULL;
}

/* ---- JSON ---- */

static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k, need;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (n - i <= need)
            return false;
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += need + 1;
    }
    return true;
}

/* A JSON string of bytes p..len: UTF-8 as is, otherwise read as ISO 8859-1. */
static json_t *jstr(const char *p, size_t len)
{
    json_t *j;
    char *tmp;
    size_t i, o = 0, cap;
    if (utf8_valid((const unsigned char *)p, len))
        return json_stringn(p, len);
    if (!folio_size_mul(len, 2, &cap) || !folio_size_add(cap, 1, &cap))
        return NULL;
    tmp = malloc(cap);
    if (!tmp)
        return NULL;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            tmp[o++] = (char)c;
        } else {
            tmp[o++] = (char)(0xC0 | (c >> 6));
            tmp[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    j = json_stringn(tmp, o);
    free(tmp);
    return j;
}

/* Sets obj[key] to the decoded value of raw; false on out of memory. */
static bool set_decoded(json_t *obj, const char *key, const struct folio_hl7_delims *d,
                        struct folio_sv raw, bool msh_special, struct folio_buf *tmp)
{
    json_t *s;
    folio_buf_reset(tmp);
    if (msh_special) {
        if (folio_buf_append(tmp, raw.p, raw.len))
            return false;
    } else if (folio_hl7_unescape(d, raw.p, raw.len, FOLIO_HL7_DECODE_TEXT, tmp)) {
        return false;
    }
    s = jstr(tmp->data, tmp->len);
    return s && json_object_set_new(obj, key, s) == 0;
}

static bool set_str(json_t *obj, const char *key, const char *v)
{
    json_t *s = json_string(v);
    return s && json_object_set_new(obj, key, s) == 0;
}

static bool set_int(json_t *obj, const char *key, json_int_t v)
{
    json_t *s = json_integer(v);
    return s && json_object_set_new(obj, key, s) == 0;
}

static bool append_new(json_t *arr, json_t *v)
{
    return v && json_array_append_new(arr, v) == 0;
}

/* Node budget of one tree: a hostile message (a 4 MiB field of '&') must not turn into
 * millions of JSON objects. Past the budget, components and subcomponents are left out and the
 * root says "truncated": true. */
#define TREE_MAX_NODES ((size_t)200000)

struct tree_ctx {
    size_t nodes;
    bool truncated;
};

static bool budget(struct tree_ctx *t)
{
    if (t->nodes >= TREE_MAX_NODES) {
        t->truncated = true;
        return false;
    }
    t->nodes++;
    return true;
}

static bool has_char(struct folio_sv v, char c)
{
    return v.p && v.len && memchr(v.p, c, v.len) != NULL;
}

static json_t *field_json(const struct folio_hl7_msg *m, size_t si, unsigned f,
                          struct folio_buf *tmp, struct tree_ctx *t)
{
    const struct folio_hl7_delims *d = &m->d;
    const char *id = m->segs[si].id;
    struct folio_hl7_ref ref = {si, f, 0, 0, 0};
    struct folio_sv raw = folio_hl7_raw(m, &ref), rest, rv;
    bool special = strcmp(id, "MSH") == 0 && f <= 2;
    const char *name = folio_hl7_field_name(id, f);
    char pos[48];
    json_t *o = json_object(), *reps = NULL;
    unsigned nrep, r;

    if (!o)
        return NULL;
    folio_snprintf(pos, sizeof(pos), "%s-%u", id, f);
    if (!set_str(o, "pos", pos) || (name && !set_str(o, "name", name)))
        goto fail;
    {
        json_t *rs = jstr(raw.p, raw.len);
        if (!rs || json_object_set_new(o, "raw", rs))
            goto fail;
    }
    if (!set_decoded(o, "value", d, raw, special, tmp))
        goto fail;
    if (raw.len == 2 && raw.p[0] == '"' && raw.p[1] == '"' &&
        json_object_set_new(o, "null", json_true()))
        goto fail;
    if (special)
        return o;
    nrep = hl7_piece_count(raw, d->rep);
    if (nrep <= 1 && !has_char(raw, d->comp) && !has_char(raw, d->sub))
        return o;
    reps = json_array();
    if (!reps || json_object_set_new(o, "reps", reps))
        goto fail;
    rest = raw;
    for (r = 1; r <= nrep && folio_sv_next_field(&rest, d->rep, &rv); r++) {
        unsigned ncomp = hl7_piece_count(rv, d->comp), c;
        struct folio_sv crest = rv, cv;
        json_t *ro, *comps;
        if (!budget(t))
            break;
        ro = json_object();
        if (!append_new(reps, ro) || !set_int(ro, "rep", r) ||
            !set_decoded(ro, "value", d, rv, false, tmp))
            goto fail;
        if (ncomp <= 1 && !has_char(rv, d->sub))
            continue;
        comps = json_array();
        if (!comps || json_object_set_new(ro, "components", comps))
            goto fail;
        for (c = 1; c <= ncomp && folio_sv_next_field(&crest, d->comp, &cv); c++) {
            unsigned nsub = hl7_piece_count(cv, d->sub), s;
            struct folio_sv srest = cv, sv;
            json_t *co, *subs;
            if (!budget(t))
                break;
            co = json_object();
            if (!append_new(comps, co))
                goto fail;
            if (r > 1)
                folio_snprintf(pos, sizeof(pos), "%s-%u[%u].%u", id, f, r, c);
            else
                folio_snprintf(pos, sizeof(pos), "%s-%u.%u", id, f, c);
            if (!set_str(co, "pos", pos) || !set_decoded(co, "value", d, cv, false, tmp))
                goto fail;
            if (nsub <= 1)
                continue;
            subs = json_array();
            if (!subs || json_object_set_new(co, "subs", subs))
                goto fail;
            for (s = 1; s <= nsub && folio_sv_next_field(&srest, d->sub, &sv); s++) {
                json_t *so;
                if (!budget(t))
                    break;
                so = json_object();
                if (!append_new(subs, so))
                    goto fail;
                if (r > 1)
                    folio_snprintf(pos, sizeof(pos), "%s-%u[%u].%u.%u", id, f, r, c, s);
                else
                    folio_snprintf(pos, sizeof(pos), "%s-%u.%u.%u", id, f, c, s);
                if (!set_str(so, "pos", pos) || !set_decoded(so, "value", d, sv, false, tmp))
                    goto fail;
            }
        }
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

enum folio_rc folio_hl7_tree(const struct folio_hl7_msg *m, json_t **out, struct folio_err *err)
{
    json_t *root = NULL, *segs;
    struct folio_buf tmp;
    struct tree_ctx ctx = {0, false};
    enum folio_rc rc = FOLIO_OK;
    char delims[8] = {m->d.field, m->d.comp, m->d.rep, m->d.esc, m->d.sub, m->d.trunc, 0};
    char type[64];
    size_t si;

    *out = NULL;
    folio_buf_init(&tmp, 0);
    root = json_object();
    segs = json_array();
    if (!root || !segs || json_object_set_new(root, "segments", segs))
        goto nomem;
    folio_snprintf(type, sizeof(type), "%.20s%s%.20s", m->msh.msg_type,
                   m->msh.trigger[0] ? "^" : "", m->msh.trigger);
    if (!set_str(root, "delimiters", delims))
        goto nomem;
    {
        json_t *v = jstr(m->msh.version, strlen(m->msh.version));
        json_t *t = jstr(type, strlen(type));
        if (!v || json_object_set_new(root, "version", v)) {
            json_decref(t);
            goto nomem;
        }
        if (!t || json_object_set_new(root, "type", t))
            goto nomem;
    }
    for (si = 0; si < m->nsegs; si++) {
        const struct hl7_seg *s = &m->segs[si];
        json_t *so = json_object(), *fields;
        unsigned f;
        if (!append_new(segs, so) || !set_int(so, "index", (json_int_t)si) ||
            !set_str(so, "id", s->id) || !set_int(so, "seq", s->seq))
            goto nomem;
        fields = json_array();
        if (!fields || json_object_set_new(so, "fields", fields))
            goto nomem;
        for (f = 1; f <= s->nfields; f++) {
            const struct hl7_field *fl = &m->fields[s->first_field + f - 1];
            if (fl->len == 0)
                continue;
            if (!budget(&ctx))
                break;
            if (!append_new(fields, field_json(m, si, f, &tmp, &ctx)))
                goto nomem;
        }
    }
    if (ctx.truncated && json_object_set_new(root, "truncated", json_true()))
        goto nomem;
    *out = root;
    root = NULL;
    goto out;
nomem:
    rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    json_decref(root);
    folio_buf_release(&tmp);
    return rc;
}
