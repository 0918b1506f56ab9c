/* Procedure clusters: which attribute a complete cluster confers.
 *
 * A cluster is a combination of procedures that acts as one procedure when all of them are on
 * the claim (CMS: "Procedure Cluster", Definitions Manual appendix E): a pacemaker generator and
 * its lead together are a permanent pacemaker implant, a kidney and a pancreas transplant a
 * simultaneous transplant. The procedure table lists each code's clusters (cluster_ids) but not
 * what a cluster means: that is decided here from what its members are, by the rules below, so
 * that every cluster of a family is named the same way (v43.1: 4,045 clusters in 88 families of
 * member attributes).
 * The rules are written from the meaning of the attributes and of the ICD-10-PCS codes (a lead
 * with a generator, a removal with a replacement): a rule names a whole family, never a claim;
 * docs/drg.md lists them with the families they name. A cluster no rule names confers nothing
 * (its members still count one by one). */
#include "folio/base.h"
#include "folio/drg.h"

#include "drg/drg_int.h"

/* Clusters longer than this list alternatives rather than codes that must all be present
 * (v43.1: two clusters of 27 and 43 multi-level spinal fusion codes; the longest all-of cluster,
 * a radical mastectomy with both sides' lymph nodes, has 8). */
#define CLUSTER_ALL_OF_MAX 8

struct cluster_rule {
    const char *confers;
    /* a pair: one member matches a, the other b; alternatives (b NULL): every member matches a.
     * A member matches a list of blank-separated words when it has every attribute named and,
     * if the list has "=PREFIX" words, its code begins with one of the prefixes. */
    const char *a, *b;
};

static const struct cluster_rule rules[] = {
    /* simultaneous kidney and pancreas transplant (pre-MDC 008, 019) */
    {"kidpan", "kidneyxp", "pancxp"},
    /* pacemaker generator + pacemaker lead: permanent pacemaker implant (242-244) */
    {"pacemake", "pacerepl", "reppulgen"},
    /* defibrillator generator + defibrillator or pacing lead (275-277) */
    {"defib", "aicd", "aicdlead"},
    {"defib", "aicd", "pacerepl"},
    /* heart assist device pairs: insertion, revision or removal with its counterpart (001-002) */
    {"hasspair", "aortheart", "heartsys"},
    {"hasspair", "aortheart", "hasspair"},
    {"hasspair", "hasspair", "vascular"},
    {"hasspair", "heartsys", "vascular"},
    /* both ventricles replaced with a synthetic substitute: total artificial heart (001-002) */
    {"hasspair", "mvr", "mvr"},
    /* branched or hybrid stent grafts of the aortic arch with the descending aorta (209) */
    {"caacluster1", "caalistA", "othconcomOR valve"},
    {"caacluster2", "chestopn othconcomOR valve", "othconcomOR valve"},
    /* neurostimulator lead + generator: intracranial (023-024), responsive neurostimulator in
     * the skull for epilepsy (023), spinal (029, 518), peripheral or cranial nerve (040-042),
     * carotid sinus (276) */
    {"mdevimp", "cran", "perinerv vascular"},
    {"epidevimp", "cran", "perinerv"},
    {"spinstim", "spinal", "perinerv vascular"},
    {"peristim", "perinerv oth18", "perinerv vascular"},
    {"crtsinstim", "vascular", "perinerv vascular"},
    /* removal of a device from a lower joint (0SP: prosthesis, spacer, liner, resurfacing device)
     * with a replacement or supplement of a joint (0SR, 0SU; XRR in the new-technology section):
     * a revision (466-468) */
    {"revision", "=0SP", "=0SR =0SU =XRR"},
    /* fusion codes of two different spinal regions: 9 or more vertebrae (456-458) */
    {"fuse9plus", "fusion", NULL},
};

struct part {
    struct drg_bits need; /* every one of these attributes */
    uint64_t prefix[4];   /* code prefixes (packed like keys), one of them when nprefix > 0 */
    uint64_t mask[4];
    size_t nprefix;
};

/* The words of list as a part; false when an attribute is missing from this version or the
 * list is malformed (the rule cannot apply). */
static bool rule_part(struct folio_drg_version *v, const char *list, struct part *out)
{
    memset(out, 0, sizeof *out);
    while (*list) {
        size_t n = strcspn(list, " ");
        if (list[0] == '=') {
            uint64_t k = drg_code_key(list + 1, n - 1);
            if (k == 0 || out->nprefix == FOLIO_ARRAY_LEN(out->prefix))
                return false;
            out->prefix[out->nprefix] = k;
            out->mask[out->nprefix] = ~(uint64_t)0 << (8 * (8 - (n - 1)));
            out->nprefix++;
        } else {
            unsigned id = drg_names_find(&v->pr_names, list, n);
            if (id == DRG_NO_ATTR)
                return false;
            drg_bits_set(&out->need, id);
        }
        list += n;
        while (*list == ' ')
            list++;
    }
    return true;
}

static bool matches(const struct folio_drg_version *v, uint32_t pr, const struct part *p)
{
    const struct drg_bits *have = &v->pr_sets[v->pr[pr].set];
    bool prefix = p->nprefix == 0;

    for (int i = 0; i < DRG_BITS_WORDS; i++)
        if ((have->w[i] & p->need.w[i]) != p->need.w[i])
            return false;
    for (size_t i = 0; i < p->nprefix && !prefix; i++)
        prefix = (v->pr[pr].key & p->mask[i]) == p->prefix[i];
    return prefix;
}

void drg_clusters_name(struct folio_drg_version *v)
{
    for (size_t c = 0; c < v->nclusters; c++) {
        struct drg_cluster *cl = &v->clusters[c];
        const uint32_t *m = &v->cluster_members[cl->off];

        cl->attr = DRG_NO_ATTR;
        cl->alternatives = cl->n > CLUSTER_ALL_OF_MAX;
        for (size_t r = 0; r < FOLIO_ARRAY_LEN(rules) && cl->attr == DRG_NO_ATTR; r++) {
            struct part a, b;
            bool match = false;
            if (!rule_part(v, rules[r].a, &a))
                continue;
            if (rules[r].b == NULL) {
                match = cl->alternatives;
                for (size_t i = 0; i < cl->n && match; i++)
                    match = matches(v, m[i], &a);
            } else if (cl->n == 2 && rule_part(v, rules[r].b, &b)) {
                match = (matches(v, m[0], &a) && matches(v, m[1], &b)) ||
                        (matches(v, m[1], &a) && matches(v, m[0], &b));
            }
            if (match)
                cl->attr =
                    drg_names_intern(&v->pr_names, rules[r].confers, strlen(rules[r].confers));
        }
    }
}
