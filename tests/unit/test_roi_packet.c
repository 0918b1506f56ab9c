/* Tests of the ROI release packet (include/folio/roi.h, src/roi/packet.c) on the backend under
 * test: a patient, three documents (plain text long enough to span pages, a CDA with Latin-1 and
 * other characters, a PDF scan) and a request; the packet rendered, checked with poppler's
 * pdftotext (the stamps, the cover letter) and pdftoppm (page 1 as a grayscale image: its size,
 * dark pixels in the header and footer stamps), then recorded on the request. The poppler checks
 * skip with a message when pdftotext/pdftoppm are missing (scripts/deps.sh installs
 * poppler-utils). Synthetic data only. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "folio/crypto.h"
#include "folio/records.h"
#include "folio/roi.h"
#include "folio/store.h"
#include "testdb.h"

#define NOW "2024-03-01T10:00:00Z"

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_err err;
    int64_t pid, other, req, docs[3], other_doc;
    char dir[64];
};

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != FOLIO_OK)                                                                       \
            fail_msg("%s -> %s: %s [%s]", #call, folio_rc_name(rc_), f->err.msg, f->err.field);    \
    } while (0)

#define EXPECT(code, fld, call)                                                                    \
    do {                                                                                           \
        folio_err_clear(&f->err);                                                                  \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != (code))                                                                         \
            fail_msg("%s -> %s (want %s): %s", #call, folio_rc_name(rc_), folio_rc_name(code),     \
                     f->err.msg);                                                                  \
        assert_string_equal(f->err.field, fld);                                                    \
    } while (0)

static int64_t mk_patient(struct fx *f, const char *mrn_value, const char *family)
{
    struct folio_identifier mrn = {.kind = "MR", .assigner = "MAIN", .value = mrn_value};
    struct folio_patient_new p = {.name = {.family = family, .given = "Test"},
                                  .birth_date = "1960-05-05",
                                  .sex = "F",
                                  .ids = &mrn,
                                  .n_ids = 1};
    int64_t id = 0;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    return id;
}

static int64_t mk_doc(struct fx *f, int64_t pid, const char *type, const char *title,
                      const char *mime, const void *content, size_t len)
{
    struct folio_document_new d = {.patient_id = pid,
                                   .type_code = type,
                                   .title = title,
                                   .service_at = "2023-06-10T09:00:00Z",
                                   .content = content,
                                   .content_len = len,
                                   .mime_type = mime};
    int64_t id = 0;
    OK(folio_document_create(&f->chart, &d, &id, NULL, &f->err));
    return id;
}

static const char cda[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><!-- a comment that must not print -->\n"
    "  <title>Discharge Summary</title>\n"
    "  <component><structuredBody><component><section>\n"
    "    <title>Hospital Course</title>\n"
    "    <text><paragraph>Seen by Dr. M\xc3\xbcller &amp; team; fever &lt; 38 C.</paragraph>\n"
    "    <paragraph>Price \xe2\x82\xac 5, bad byte \xff here.</paragraph></text>\n"
    "  </section></component></structuredBody></component>\n"
    "</ClinicalDocument>\n";

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct folio_err err = {0};
    static char longtext[32768];
    size_t n = 0;
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->store = folio_test_store_open();
    f->chart = (struct folio_chart){f->store, NULL, "registrar"};
    *state = f;
    OK(folio_facility_ensure(&f->chart, "MAIN", "Main Hospital", NULL, &f->err));
    f->pid = mk_patient(f, "MRN300", "Packetson");
    f->other = mk_patient(f, "MRN301", "Otherly");
    for (int i = 1; i <= 120; i++) {
        int w = snprintf(longtext + n, sizeof longtext - n,
                         "Progress line %03d:\tthe patient is resting comfortably, vital signs "
                         "stable, plan unchanged; continue the current medications and reassess "
                         "in the morning.\r\n",
                         i);
        assert_true(w > 0 && (size_t)w < sizeof longtext - n);
        n += (size_t)w;
    }
    f->docs[0] = mk_doc(f, f->pid, "11506-3", "Progress notes", "text/plain", longtext, n);
    f->docs[1] = mk_doc(f, f->pid, "18842-5", NULL, "application/xml", cda, sizeof cda - 1);
    f->docs[2] = mk_doc(f, f->pid, "18842-5", "Scanned outside summary", "application/pdf",
                        "%PDF-1.4 not really", 19);
    f->other_doc = mk_doc(f, f->other, "11506-3", NULL, "text/plain", "other", 5);

    struct folio_roi_request r = {.patient_id = f->pid,
                                  .requester_type = FOLIO_ROI_PATIENT,
                                  .requester_name = "Test Packetson",
                                  .requester_address = "12 Elm Street, Springfield",
                                  .purpose = "at the request of the individual",
                                  .delivery = "mail",
                                  .received_on = "2024-02-20"};
    OK(folio_roi_request_create(f->store, &r, "roi.clerk", NOW, &f->err));
    f->req = r.id;
    folio_strlcpy(f->dir, "/tmp/folio-packet-XXXXXX", sizeof f->dir);
    assert_non_null(mkdtemp(f->dir));
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (getenv("FOLIO_TEST_KEEP")) /* to look at the PDFs */
        print_message("kept %s\n", f->dir);
    else if (system(cmd) != 0)
        print_message("could not remove %s\n", f->dir);
    folio_test_store_close(f->store);
    free(f);
    return 0;
}

static struct folio_roi_packet_in packet_in(struct fx *f)
{
    return (struct folio_roi_packet_in){.request_id = f->req,
                                        .document_ids = f->docs,
                                        .n_documents = 3,
                                        .facility_name = "Main Hospital",
                                        .facility_address = "1 Hospital Way\nSpringfield",
                                        .letter_date = "2024-03-01",
                                        .redisclosure_notice = true};
}

static bool have_tool(const char *name)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

static char *slurp(const char *path, size_t *len)
{
    struct folio_buf b;
    struct folio_err err = {0};
    folio_buf_init(&b, 64 << 20);
    if (folio_buf_read_file(&b, path, &err) != FOLIO_OK)
        fail_msg("%s", err.msg);
    return folio_buf_detach(&b, len);
}

static void write_pdf(const struct folio_roi_packet *p, const char *path)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p->pdf, 1, p->len, fp), p->len);
    assert_int_equal(fclose(fp), 0);
}

static void test_render_and_text(void **state)
{
    struct fx *f = *state;
    struct folio_roi_packet_in in = packet_in(f);
    struct folio_roi_packet p = {0}, again = {0};
    char sha[FOLIO_SHA256_HEX_LEN + 1], path[128], txt[128], cmd[400], want[64];
    size_t len = 0;

    OK(folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    assert_true(p.len > 100);
    assert_memory_equal(p.pdf, "%PDF-", 5);
    folio_sha256_hex(p.pdf, p.len, sha);
    assert_string_equal(sha, p.sha256);
    assert_int_equal(p.rendered_docs, 2);
    assert_int_equal(p.separate_docs, 1);
    /* cover + 120 long progress lines (wrapped, more than one page) + CDA + the scan's page */
    assert_true(p.pages >= 5);
    /* the same inputs give the same bytes (no dates or random ids in the file) */
    OK(folio_roi_packet_render(f->store, &in, NOW, &again, &f->err));
    assert_string_equal(again.sha256, p.sha256);
    folio_roi_packet_release(&again);

    if (!have_tool("pdftotext")) {
        folio_roi_packet_release(&p);
        print_message(
            "SKIP: pdftotext (poppler-utils) is not installed: the text is not checked\n");
        skip();
    }
    snprintf(path, sizeof path, "%s/packet.pdf", f->dir);
    snprintf(txt, sizeof txt, "%s/packet.txt", f->dir);
    write_pdf(&p, path);
    snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' '%s'", path, txt);
    assert_int_equal(system(cmd), 0);
    char *t = slurp(txt, &len);
    const char *need[] = {"Main Hospital",
                          "Test Packetson",
                          "Request ROI-",
                          "Re: release of health information, request ROI-",
                          "Date of birth: 1960-05-05",
                          "Purpose: at the request of the individual",
                          "Documents enclosed (3):",
                          "Progress notes (LOINC 11506-3)",
                          "enclosed separately",
                          "Notice about redisclosure",
                          "Progress line 001:",
                          "Progress line 120:",
                          "Hospital Course",
                          "Seen by Dr. M\xc3\xbcller & team; fever < 38 C.",
                          "Price ? 5, bad byte ? here.",
                          "cannot be printed in this packet",
                          "Page 1 of ",
                          "2024-03-01"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!strstr(t, need[i]))
            fail_msg("pdftotext output lacks '%s'", need[i]);
    assert_null(strstr(t, "a comment that must not print"));
    assert_null(strstr(t, "42 CFR 2.32"));
    snprintf(want, sizeof want, "Request ROI-%06lld", (long long)f->req);
    assert_non_null(strstr(t, want));
    for (int pg = 1; pg <= p.pages; pg++) {
        snprintf(want, sizeof want, "Page %d of %d", pg, p.pages);
        if (!strstr(t, want))
            fail_msg("pdftotext output lacks the stamp '%s'", want);
    }
    /* the patient's name is stamped on every page: pdftotext separates pages by form feeds */
    size_t pages_seen = 0;
    for (char *pg = t; pg; pages_seen++) {
        char *ff = strchr(pg, '\f');
        if (ff)
            *ff = '\0';
        if (*pg && !strstr(pg, "Test Packetson"))
            fail_msg("page %zu lacks the patient's name", pages_seen + 1);
        pg = ff ? ff + 1 : NULL;
    }
    assert_true(pages_seen >= (size_t)p.pages);
    free(t);
    folio_roi_packet_release(&p);
}

/* Counts pixels darker than mid-gray in rows [r0, r1) and columns [c0, c1). */
static size_t dark(const unsigned char *px, size_t w, size_t r0, size_t r1, size_t c0, size_t c1)
{
    size_t n = 0;
    for (size_t r = r0; r < r1; r++)
        for (size_t c = c0; c < c1; c++)
            n += px[r * w + c] < 128;
    return n;
}

static void test_page_image_shows_stamps(void **state)
{
    struct fx *f = *state;
    struct folio_roi_packet_in in = packet_in(f);
    struct folio_roi_packet p = {0};
    char path[128], prefix[128], pgm[140], cmd[400];
    size_t len = 0, w = 0, h = 0, maxv = 0, i = 2;

    if (!have_tool("pdftoppm")) {
        print_message("SKIP: pdftoppm (poppler-utils) is not installed: no page image check\n");
        skip();
    }
    OK(folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    snprintf(path, sizeof path, "%s/img.pdf", f->dir);
    snprintf(prefix, sizeof prefix, "%s/page1", f->dir);
    write_pdf(&p, path);
    folio_roi_packet_release(&p);
    /* the check renders to PNG; the gray PGM of the same page is what this test reads */
    snprintf(cmd, sizeof cmd, "pdftoppm -png -r 50 -f 1 -l 1 -singlefile '%s' '%s'", path, prefix);
    assert_int_equal(system(cmd), 0);
    snprintf(pgm, sizeof pgm, "%s.png", prefix);
    unsigned char *png = (unsigned char *)slurp(pgm, &len);
    assert_true(len > 24);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    /* IHDR: width and height, big-endian, at bytes 16 and 20 */
    assert_int_equal(((size_t)png[16] << 24) | ((size_t)png[17] << 16) | ((size_t)png[18] << 8) |
                         png[19],
                     425); /* 8.5 in x 50 dpi */
    assert_int_equal(((size_t)png[20] << 24) | ((size_t)png[21] << 16) | ((size_t)png[22] << 8) |
                         png[23],
                     550); /* 11 in x 50 dpi */
    free(png);

    snprintf(cmd, sizeof cmd, "pdftoppm -gray -r 50 -f 1 -l 1 -singlefile '%s' '%s'", path, prefix);
    assert_int_equal(system(cmd), 0);
    snprintf(pgm, sizeof pgm, "%s.pgm", prefix);
    unsigned char *img = (unsigned char *)slurp(pgm, &len);
    /* P5 header: "P5" w h maxval, whitespace separated, then one byte per pixel */
    assert_true(len > 2 && img[0] == 'P' && img[1] == '5');
    size_t *fields[3] = {&w, &h, &maxv};
    for (int k = 0; k < 3; k++) {
        while (i < len && (img[i] == ' ' || img[i] == '\n' || img[i] == '\r' || img[i] == '\t'))
            i++;
        while (i < len && img[i] >= '0' && img[i] <= '9')
            *fields[k] = *fields[k] * 10 + (size_t)(img[i++] - '0');
    }
    i++; /* the single whitespace after maxval */
    assert_int_equal(w, 425);
    assert_int_equal(h, 550);
    assert_int_equal(maxv, 255);
    assert_int_equal(len - i, w * h);
    const unsigned char *px = img + i;
    /* header: baseline 42 pt from the top (29 px), rule at 50 pt (35 px); footer: rule 52 pt
     * and baseline 38 pt from the bottom (514 px, 524 px). Patient name left, request number
     * and page number right. */
    assert_true(dark(px, w, 20, 38, 30, 200) > 20);    /* the patient's name */
    assert_true(dark(px, w, 20, 33, 250, 395) > 20);   /* "Request ROI-..." */
    assert_true(dark(px, w, 510, 535, 300, 395) > 20); /* "Page 1 of N" (and the rule) */
    assert_int_equal(dark(px, w, 0, 15, 0, w), 0);     /* the top margin stays blank */
    free(img);
}

static void test_part2_notice_and_refusals(void **state)
{
    struct fx *f = *state;
    struct folio_roi_packet_in in = packet_in(f);
    struct folio_roi_packet p = {0};
    int64_t mixed[2] = {f->docs[0], f->other_doc}, twice[2] = {f->docs[0], f->docs[0]};

    in.part2 = true;
    OK(folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    if (have_tool("pdftotext")) {
        char path[128], txt[128], cmd[400];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/p2.pdf", f->dir);
        snprintf(txt, sizeof txt, "%s/p2.txt", f->dir);
        write_pdf(&p, path);
        snprintf(cmd, sizeof cmd, "pdftotext '%s' '%s'", path, txt);
        assert_int_equal(system(cmd), 0);
        char *t = slurp(txt, &len);
        assert_non_null(strstr(t, "(42 CFR 2.32)"));
        assert_non_null(strstr(t, "42 CFR part 2 prohibits unauthorized"));
        assert_null(strstr(t, "Notice about redisclosure"));
        free(t);
    }
    folio_roi_packet_release(&p);

    in = packet_in(f);
    in.document_ids = mixed;
    in.n_documents = 2;
    EXPECT(FOLIO_EINVAL, "document_ids[1]",
           folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    in.document_ids = twice;
    EXPECT(FOLIO_EINVAL, "document_ids[1]",
           folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    in.n_documents = 0;
    EXPECT(FOLIO_EINVAL, "document_ids", folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    in = packet_in(f);
    in.facility_name = NULL;
    EXPECT(FOLIO_EINVAL, "facility_name", folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    in = packet_in(f);
    in.request_id = f->req + 1000;
    EXPECT(FOLIO_ENOTFOUND, "request_id", folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    assert_null(p.pdf);
}

static void test_record_on_request(void **state)
{
    struct fx *f = *state;
    struct folio_roi_packet_in in = packet_in(f);
    struct folio_roi_packet p = {0};
    struct folio_arena ar;
    struct folio_roi_event *ev = NULL;
    struct folio_stmt *st = NULL;
    size_t n = 0;
    bool row = false;
    int64_t id = 0;

    OK(folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    /* only once the records are pulled */
    EXPECT(FOLIO_ESTATE, "status",
           folio_roi_packet_record(f->store, &in, &p, "roi.clerk", NOW, &id, &f->err));
    OK(folio_roi_request_move(f->store, f->req, FOLIO_ROI_VALIDATED, NULL, "roi.clerk", NOW,
                              &f->err));
    OK(folio_roi_request_move(f->store, f->req, FOLIO_ROI_PULLED, NULL, "roi.clerk", NOW, &f->err));
    EXPECT(FOLIO_EINVAL, "user",
           folio_roi_packet_record(f->store, &in, &p, NULL, NOW, &id, &f->err));
    in.document_ids = &f->other_doc;
    in.n_documents = 1;
    EXPECT(FOLIO_EINVAL, "document_ids",
           folio_roi_packet_record(f->store, &in, &p, "roi.clerk", NOW, &id, &f->err));
    in = packet_in(f);
    p.sha256[0] = p.sha256[0] == '0' ? '1' : '0';
    EXPECT(FOLIO_EINVAL, "sha256",
           folio_roi_packet_record(f->store, &in, &p, "roi.clerk", NOW, &id, &f->err));
    folio_sha256_hex(p.pdf, p.len, p.sha256);
    OK(folio_roi_packet_record(f->store, &in, &p, "roi.clerk", NOW, &id, &f->err));
    assert_true(id > 0);

    OK(folio_store_prepare_fmt(f->store, &st, &f->err,
                               "SELECT request_id, sha256, pages, byte_size, documents, "
                               "created_by FROM roi_packet WHERE id = ?",
                               "i", id));
    OK(folio_stmt_step(st, &row, &f->err));
    assert_true(row);
    assert_int_equal(folio_stmt_column_i64(st, 0), f->req);
    assert_string_equal(folio_stmt_column_text(st, 1), p.sha256);
    assert_int_equal(folio_stmt_column_i64(st, 2), p.pages);
    assert_int_equal(folio_stmt_column_i64(st, 3), (int64_t)p.len);
    char docs[80];
    snprintf(docs, sizeof docs, ",%lld,%lld,%lld,", (long long)f->docs[0], (long long)f->docs[1],
             (long long)f->docs[2]);
    assert_string_equal(folio_stmt_column_text(st, 4), docs);
    assert_string_equal(folio_stmt_column_text(st, 5), "roi.clerk");
    folio_stmt_free(st);

    folio_arena_init(&ar, 0);
    OK(folio_roi_request_events(f->store, f->req, &ar, &ev, &n, &f->err));
    assert_true(n >= 1);
    assert_string_equal(ev[n - 1].action, "packet");
    assert_string_equal(ev[n - 1].to_status, "pulled");
    assert_non_null(strstr(ev[n - 1].detail, p.sha256));
    folio_arena_release(&ar);
    folio_roi_packet_release(&p);
}

/* A Part 2 record the authorization does not name is withheld from an attorney's packet. */
static void test_record_refuses_withheld(void **state)
{
    struct fx *f = *state;
    struct folio_roi_auth a = {.patient_id = f->pid,
                               .description = "all records",
                               .discloser = "Main Hospital HIM",
                               .recipient = "Lawyer & Partners LLP",
                               .purpose = "litigation",
                               .expires_on = "2024-12-31",
                               .signed_by = "Test Packetson",
                               .signed_on = "2024-01-15",
                               .stmt_revoke = true,
                               .stmt_conditioning = true,
                               .stmt_redisclosure = true};
    OK(folio_roi_auth_create(f->store, &a, "roi", NOW, &f->err));
    struct folio_roi_request r = {.patient_id = f->pid,
                                  .requester_type = FOLIO_ROI_ATTORNEY_AUTHORIZATION,
                                  .requester_name = "Lawyer & Partners LLP",
                                  .purpose = "litigation",
                                  .delivery = "mail",
                                  .authorization_id = a.id};
    OK(folio_roi_request_create(f->store, &r, "roi", NOW, &f->err));
    OK(folio_document_tag_add(&f->chart, f->docs[0], "sud_part2", NULL, &f->err));
    OK(folio_roi_request_move(f->store, r.id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    OK(folio_roi_request_move(f->store, r.id, FOLIO_ROI_PULLED, NULL, "roi", NOW, &f->err));
    struct folio_roi_packet_in in = packet_in(f);
    struct folio_roi_packet p = {0};
    in.request_id = r.id;
    OK(folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    EXPECT(FOLIO_EINVAL, "document_ids[0]",
           folio_roi_packet_record(f->store, &in, &p, "roi", NOW, NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "withheld"));
    assert_non_null(strstr(f->err.msg, "42 CFR 2.31"));
    folio_roi_packet_release(&p);
    /* without it the packet is recorded */
    in.document_ids = &f->docs[1];
    in.n_documents = 2;
    OK(folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    OK(folio_roi_packet_record(f->store, &in, &p, "roi", NOW, NULL, &f->err));
    folio_roi_packet_release(&p);
}

/* The accounting of disclosures as a letter: the listed disclosures, not the excluded ones. */
static void test_accounting_pdf(void **state)
{
    struct fx *f = *state;
    struct folio_roi_packet p = {0};
    char path[128], txt[128], cmd[400];
    size_t len = 0;
    struct folio_roi_disclosure d[] = {
        {.patient_id = f->pid, .disclosed_on = "2023-05-02", .recipient = "State Health Department",
         .description = "positive culture result", .purpose = "disease reporting",
         .basis = "public_health"},
        {.patient_id = f->pid, .disclosed_on = "2023-06-01", .recipient = "Acme Insurance",
         .description = "claim attachments", .purpose = "payment", .basis = "tpo"},
        {.patient_id = f->pid, .disclosed_on = "2023-07-04", .recipient = "County Sheriff",
         .recipient_address = "5 Court Square", .description = "emergency department record",
         .purpose = "court-ordered warrant", .basis = "law_enforcement"},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(d); i++)
        OK(folio_roi_disclosure_record(f->store, &d[i], "roi", NOW, &f->err));
    EXPECT(FOLIO_EINVAL, "facility_name",
           folio_roi_accounting_pdf(f->store, f->pid, "2024-03-01", NULL, NULL, NOW, &p, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "patient_id",
           folio_roi_accounting_pdf(f->store, f->pid + 1000, "2024-03-01", "Main Hospital", NULL,
                                    NOW, &p, &f->err));
    OK(folio_roi_accounting_pdf(f->store, f->pid, "2024-03-01", "Main Hospital",
                                "1 Hospital Way", NOW, &p, &f->err));
    assert_memory_equal(p.pdf, "%PDF-", 5);
    assert_int_equal(p.pages, 1);
    if (!have_tool("pdftotext")) {
        folio_roi_packet_release(&p);
        print_message("SKIP: pdftotext (poppler-utils) is not installed\n");
        skip();
    }
    snprintf(path, sizeof path, "%s/accounting.pdf", f->dir);
    snprintf(txt, sizeof txt, "%s/accounting.txt", f->dir);
    write_pdf(&p, path);
    snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' '%s'", path, txt);
    assert_int_equal(system(cmd), 0);
    char *t = slurp(txt, &len);
    const char *need[] = {"Accounting of disclosures", "Test Packetson", "2018-03-01 to 2024-03-01",
                          "Disclosures (2):", "State Health Department", "County Sheriff",
                          "5 Court Square", "court-ordered warrant", "45 CFR 164.512(f)",
                          "Page 1 of 1"};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(need); i++)
        if (!strstr(t, need[i]))
            fail_msg("the accounting lacks '%s':\n%s", need[i], t);
    assert_null(strstr(t, "Acme Insurance")); /* payment: excluded, 164.528(a)(1)(i) */
    free(t);
    folio_roi_packet_release(&p);
    /* a patient without disclosures gets a letter saying so */
    OK(folio_roi_accounting_pdf(f->store, f->other, "2024-03-01", "Main Hospital", NULL, NOW, &p,
                                &f->err));
    write_pdf(&p, path);
    assert_int_equal(system(cmd), 0);
    t = slurp(txt, &len);
    assert_non_null(strstr(t, "No disclosures that the law requires us to list"));
    free(t);
    folio_roi_packet_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_render_and_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_image_shows_stamps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_part2_notice_and_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_on_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_refuses_withheld, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounting_pdf, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
