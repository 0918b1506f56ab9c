/* EM estimation of the Fellegi-Sunter m and u probabilities (conditional independence between
 * fields; a missing value is left out of its field's sums). */
#include "folio/base.h"
#include "folio/mpi.h"

#include <math.h>

enum folio_rc folio_mpi_em_estimate(struct folio_mpi_model *m, const unsigned char *levels,
                                    size_t n_pairs, double *p_match, struct folio_err *err)
{
    if (n_pairs == 0)
        return folio_err_set(err, FOLIO_EINVAL, "pairs", "EM needs at least one candidate pair");
    for (size_t i = 0; i < n_pairs * FOLIO_MPI_NFIELDS; i++)
        if (levels[i] >= FOLIO_MPI_NLEVELS)
            return folio_err_set(err, FOLIO_EINVAL, "levels", "level %u out of range",
                                 (unsigned)levels[i]);
    struct folio_mpi_model start = *m;
    double M[FOLIO_MPI_NFIELDS][FOLIO_MPI_NLEVELS], U[FOLIO_MPI_NFIELDS][FOLIO_MPI_NLEVELS];
    memcpy(M, m->m, sizeof M);
    memcpy(U, m->u, sizeof U);
    double p = 0.05;
    for (int it = 0; it < 40; it++) {
        double sm[FOLIO_MPI_NFIELDS][FOLIO_MPI_NLEVELS] = {{0}};
        double su[FOLIO_MPI_NFIELDS][FOLIO_MPI_NLEVELS] = {{0}};
        double sg = 0;
        for (size_t i = 0; i < n_pairs; i++) {
            const unsigned char *lv = levels + i * FOLIO_MPI_NFIELDS;
            double lm = log(p), lu = log(1 - p);
            for (int f = 0; f < FOLIO_MPI_NFIELDS; f++) {
                if (lv[f] == FOLIO_MPI_MISSING)
                    continue;
                lm += log(fmax(M[f][lv[f]], 1e-9));
                lu += log(fmax(U[f][lv[f]], 1e-9));
            }
            double d = lu - lm;
            double g = d > 700 ? 0 : 1.0 / (1.0 + exp(d));
            sg += g;
            for (int f = 0; f < FOLIO_MPI_NFIELDS; f++) {
                if (lv[f] == FOLIO_MPI_MISSING)
                    continue;
                sm[f][lv[f]] += g;
                su[f][lv[f]] += 1 - g;
            }
        }
        p = sg / (double)n_pairs;
        if (p < 1e-4)
            p = 1e-4;
        if (p > 0.5)
            p = 0.5;
        for (int f = 0; f < FOLIO_MPI_NFIELDS; f++) {
            double tm = 0, tu = 0;
            for (int l = 1; l < FOLIO_MPI_NLEVELS; l++) {
                tm += sm[f][l];
                tu += su[f][l];
            }
            if (tm < 1 || tu < 1)
                continue; /* field (almost) never present: keep its values */
            for (int l = 1; l < FOLIO_MPI_NLEVELS; l++) {
                if (start.m[f][l] <= 0 && start.u[f][l] <= 0)
                    continue; /* level not used by this field */
                M[f][l] = fmax(sm[f][l] / tm, 1e-6);
                U[f][l] = fmax(su[f][l] / tu, 1e-6);
            }
        }
    }
    memcpy(m->m, M, sizeof M);
    memcpy(m->u, U, sizeof U);
    folio_mpi_model_weights(m);
    /* Sanity: agreement must never count against a match, nor disagreement for it, and stronger
     * agreement must weigh at least as much as weaker. A field failing this keeps its defaults. */
    for (int f = 0; f < FOLIO_MPI_NFIELDS; f++) {
        bool ok = m->w[f][FOLIO_MPI_EXACT] > 0 && m->w[f][FOLIO_MPI_DISAGREE] < 0;
        double prev = m->w[f][FOLIO_MPI_DISAGREE];
        for (int l = FOLIO_MPI_PARTIAL; l <= FOLIO_MPI_EXACT && ok; l++) {
            if (start.m[f][l] <= 0 && start.u[f][l] <= 0)
                continue;
            if (m->w[f][l] < prev)
                ok = false;
            prev = m->w[f][l];
        }
        if (!ok) {
            memcpy(m->m[f], start.m[f], sizeof m->m[f]);
            memcpy(m->u[f], start.u[f], sizeof m->u[f]);
        }
    }
    folio_mpi_model_weights(m);
    if (p_match)
        *p_match = p;
    return FOLIO_OK;
}
