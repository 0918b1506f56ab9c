/* Code tables of the chart (HL7 v2 tables, NUBC UB-04 codes, LOINC document types) and the NPI
 * check. */
#include "folio/base.h"

#include "folio/records.h"
#include "records/records_int.h"

/* HL7 v2.5.1 table 0001 Administrative Sex */
static const struct folio_code_title sex_table[] = {
    {"F", "Female"}, {"M", "Male"},       {"O", "Other"},
    {"U", "Unknown"}, {"A", "Ambiguous"}, {"N", "Not applicable"},
};

const char *folio_sex_normalize(const char *in)
{
    static const struct {
        const char *word;
        const char *code;
    } words[] = {{"female", "F"}, {"male", "M"}, {"other", "O"}, {"unknown", "U"},
                 {"ambiguous", "A"}, {"not applicable", "N"}};
    if (folio_str_empty(in))
        return NULL;
    struct folio_sv v = folio_sv_trim(folio_sv_from(in));
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(sex_table); i++)
        if (folio_sv_ieq_cstr(v, sex_table[i].code))
            return sex_table[i].code;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(words); i++)
        if (folio_sv_ieq_cstr(v, words[i].word))
            return words[i].code;
    return NULL;
}

const char *folio_sex_title(const char *code)
{
    return rec_table_title(sex_table, FOLIO_ARRAY_LEN(sex_table), code);
}

/* HL7 v2.5.1 table 0002 Marital Status */
static const struct folio_code_title marital_table[] = {
    {"A", "Separated"},
    {"B", "Unmarried"},
    {"C", "Common law"},
    {"D", "Divorced"},
    {"E", "Legally separated"},
    {"G", "Living together"},
    {"I", "Interlocutory"},
    {"M", "Married"},
    {"N", "Annulled"},
    {"O", "Other"},
    {"P", "Domestic partner"},
    {"R", "Registered domestic partner"},
    {"S", "Single"},
    {"T", "Unreported"},
    {"U", "Unknown"},
    {"W", "Widowed"},
};

const char *folio_marital_normalize(const char *in)
{
    if (folio_str_empty(in))
        return NULL;
    struct folio_sv v = folio_sv_trim(folio_sv_from(in));
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(marital_table); i++)
        if (folio_sv_ieq_cstr(v, marital_table[i].code) ||
            folio_sv_ieq_cstr(v, marital_table[i].title))
            return marital_table[i].code;
    return NULL;
}

const char *folio_marital_title(const char *code)
{
    return rec_table_title(marital_table, FOLIO_ARRAY_LEN(marital_table), code);
}

/* HL7 v2.5.1 table 0203 Identifier Type (the subset a chart carries) */
static const struct folio_code_title id_kind_table[] = {
    {"MR", "Medical record number"},
    {"SS", "Social Security number"},
    {"DL", "Driver's license number"},
    {"MB", "Member number"},
    {"PI", "Patient internal identifier"},
    {"PT", "Patient external identifier"},
    {"PPN", "Passport number"},
    {"AN", "Account number"},
    {"MA", "Patient Medicaid number"},
    {"MC", "Patient's Medicare number"},
    {"NI", "National unique individual identifier"},
    {"PN", "Person number"},
};

const char *folio_identifier_kind_title(const char *code)
{
    return rec_table_title(id_kind_table, FOLIO_ARRAY_LEN(id_kind_table), code);
}

/* NUBC UB-04 FL 17 Patient Discharge Status */
static const struct folio_code_title disposition_table[] = {
    {"01", "Discharged to home or self care (routine discharge)"},
    {"02", "Discharged/transferred to a short-term general hospital for inpatient care"},
    {"03", "Discharged/transferred to a skilled nursing facility (SNF) with Medicare certification"},
    {"04", "Discharged/transferred to a facility that provides custodial or supportive care"},
    {"05", "Discharged/transferred to a designated cancer center or children's hospital"},
    {"06", "Discharged/transferred to home under care of an organized home health service"},
    {"07", "Left against medical advice or discontinued care"},
    {"09", "Admitted as an inpatient to this hospital"},
    {"20", "Expired"},
    {"21", "Discharged/transferred to court/law enforcement"},
    {"30", "Still patient"},
    {"40", "Expired at home (hospice claims only)"},
    {"41", "Expired in a medical facility (hospice claims only)"},
    {"42", "Expired, place unknown (hospice claims only)"},
    {"43", "Discharged/transferred to a federal health care facility"},
    {"50", "Hospice - home"},
    {"51", "Hospice - medical facility (certified) providing hospice level of care"},
    {"61", "Discharged/transferred to a hospital-based Medicare approved swing bed"},
    {"62", "Discharged/transferred to an inpatient rehabilitation facility (IRF)"},
    {"63", "Discharged/transferred to a Medicare certified long term care hospital (LTCH)"},
    {"64", "Discharged/transferred to a nursing facility certified under Medicaid but not Medicare"},
    {"65", "Discharged/transferred to a psychiatric hospital or psychiatric distinct part unit"},
    {"66", "Discharged/transferred to a critical access hospital (CAH)"},
    {"69", "Discharged/transferred to a designated disaster alternative care site"},
    {"70", "Discharged/transferred to another type of health care institution not defined elsewhere"},
    {"81", "Discharged to home or self care with a planned acute care hospital inpatient readmission"},
    {"82", "Discharged/transferred to a short term general hospital for inpatient care with a planned acute care hospital inpatient readmission"},
    {"83", "Discharged/transferred to a SNF with Medicare certification with a planned acute care hospital inpatient readmission"},
    {"84", "Discharged/transferred to a facility that provides custodial or supportive care with a planned acute care hospital inpatient readmission"},
    {"85", "Discharged/transferred to a designated cancer center or children's hospital with a planned acute care hospital inpatient readmission"},
    {"86", "Discharged/transferred to home under care of organized home health service with a planned acute care hospital inpatient readmission"},
    {"87", "Discharged/transferred to court/law enforcement with a planned acute care hospital inpatient readmission"},
    {"88", "Discharged/transferred to a federal health care facility with a planned acute care hospital inpatient readmission"},
    {"89", "Discharged/transferred to a hospital-based Medicare approved swing bed with a planned acute care hospital inpatient readmission"},
    {"90", "Discharged/transferred to an IRF with a planned acute care hospital inpatient readmission"},
    {"91", "Discharged/transferred to a Medicare certified LTCH with a planned acute care hospital inpatient readmission"},
    {"92", "Discharged/transferred to a nursing facility certified under Medicaid but not Medicare with a planned acute care hospital inpatient readmission"},
    {"93", "Discharged/transferred to a psychiatric distinct part unit of a hospital with a planned acute care hospital inpatient readmission"},
    {"94", "Discharged/transferred to a CAH with a planned acute care hospital inpatient readmission"},
    {"95", "Discharged/transferred to another type of health care institution not defined elsewhere with a planned acute care hospital inpatient readmission"},
};

const char *folio_ub04_disposition_title(const char *code)
{
    return rec_table_title(disposition_table, FOLIO_ARRAY_LEN(disposition_table), code);
}

const struct folio_code_title *folio_ub04_dispositions(size_t *n)
{
    if (n)
        *n = FOLIO_ARRAY_LEN(disposition_table);
    return disposition_table;
}

/* NUBC UB-04 FL 14 Priority (Type) of Admission or Visit */
static const struct folio_code_title admit_type_table[] = {
    {"1", "Emergency"}, {"2", "Urgent"}, {"3", "Elective"},
    {"4", "Newborn"},   {"5", "Trauma"}, {"9", "Information not available"},
};

const char *folio_ub04_admit_type_title(const char *code)
{
    return rec_table_title(admit_type_table, FOLIO_ARRAY_LEN(admit_type_table), code);
}

/* NUBC UB-04 FL 15 Point of Origin for Admission or Visit (codes in use) */
static const struct folio_code_title admit_source_table[] = {
    {"1", "Non-health care facility point of origin"},
    {"2", "Clinic or physician's office"},
    {"4", "Transfer from a hospital (different facility)"},
    {"5", "Transfer from a skilled nursing facility (SNF), ICF or ALF"},
    {"6", "Transfer from another health care facility"},
    {"8", "Court/law enforcement"},
    {"9", "Information not available"},
    {"D", "Transfer from one distinct unit of the hospital to another, separate claim"},
    {"E", "Transfer from ambulatory surgery center"},
    {"F", "Transfer from a hospice facility"},
    {"G", "Transfer from a designated disaster alternate care site"},
};

const char *folio_ub04_admit_source_title(const char *code)
{
    return rec_table_title(admit_source_table, FOLIO_ARRAY_LEN(admit_source_table), code);
}

/* LOINC document ontology codes used for chart documents */
static const struct folio_code_title loinc_doc_table[] = {
    {"34117-2", "History and physical note"},
    {"18842-5", "Discharge summary"},
    {"11504-8", "Surgical operation note"},
    {"28570-0", "Procedure note"},
    {"11506-3", "Progress note"},
    {"11488-4", "Consult note"},
    {"34111-5", "Emergency department note"},
    {"34133-9", "Summary of episode note"},
    {"57133-1", "Referral note"},
    {"11526-1", "Pathology study"},
    {"18748-4", "Diagnostic imaging study"},
    {"11502-2", "Laboratory report"},
    {"59284-0", "Consent"},
    {"51852-2", "Letter"},
    {"11503-0", "Medical records"},
    {"46209-3", "Provider orders"},
};

const struct folio_code_title *folio_loinc_doc_types(size_t *n)
{
    if (n)
        *n = FOLIO_ARRAY_LEN(loinc_doc_table);
    return loinc_doc_table;
}

const char *folio_loinc_doc_title(const char *code)
{
    return rec_table_title(loinc_doc_table, FOLIO_ARRAY_LEN(loinc_doc_table), code);
}

const char *folio_encounter_class_from_source(const char *source_class)
{
    static const struct {
        const char *src;
        const char *cls;
    } map[] = {
        {"inpatient", "inpatient"},     {"outpatient", "outpatient"},
        {"emergency", "emergency"},     {"observation", "observation"},
        {"newborn", "newborn"},         {"ambulatory", "outpatient"},
        {"wellness", "outpatient"},     {"urgentcare", "outpatient"},
        {"virtual", "outpatient"},      {"home", "outpatient"},
        {"AMB", "outpatient"},          {"VR", "outpatient"},
        {"HH", "outpatient"},           {"O", "outpatient"},
        {"hospice", "inpatient"},       {"snf", "inpatient"},
        {"IMP", "inpatient"},           {"ACUTE", "inpatient"},
        {"NONAC", "inpatient"},         {"I", "inpatient"},
        {"EMER", "emergency"},          {"E", "emergency"},
        {"OBSENC", "observation"},
        /* HL7 v2 table 0004 has no newborn class: there "N" is "Not applicable" and "B" is
         * "Obstetrics"; both stay unmapped (the sender must give the class). */
    };
    if (folio_str_empty(source_class))
        return NULL;
    struct folio_sv v = folio_sv_trim(folio_sv_from(source_class));
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(map); i++)
        if (folio_sv_ieq_cstr(v, map[i].src))
            return map[i].cls;
    return NULL;
}

/* CMS NPI check digit: Luhn over the prefix 80840 followed by the first nine digits. */
bool folio_npi_valid(const char *s)
{
    if (!s || strlen(s) != 10)
        return false;
    for (size_t i = 0; i < 10; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    /* Luhn from the right, check digit excluded: double the rightmost payload digit. The
     * constant 24 is the contribution of the prefix 80840. */
    int sum = 24;
    for (int i = 8, dbl = 1; i >= 0; i--, dbl = !dbl) {
        int d = s[i] - '0';
        if (dbl) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    int check = (10 - (sum % 10)) % 10;
    return check == s[9] - '0';
}
