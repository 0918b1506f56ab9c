/* Blocking keys: only records sharing at least one key are compared, so the cost grows with the
 * block sizes, not with the square of the records. Each kind catches what the others miss:
 *   b  full birth date              (swapped names, married names, name typos)
 *   f  NYSIIS(family) + birth year   (day/month errors)
 *   g  NYSIIS(given canonical) + NYSIIS(family)   (any birth date error)
 *   z  NYSIIS(given canonical) + ZIP (changed family name and a date error)
 *   s  SSN (plain in batch; blind index in the database)
 *   p  phone (last 10 digits)
 *   e  email
 * The database adds v0..v7 (blind indexes of the SSN with two adjacent digits masked). */
#include "folio/base.h"
#include "mpi/mpi_int.h"

uint64_t mpix_hash(const char *s, size_t len)
{
    /* FNV-1a 64 with a final avalanche (splitmix64): block keys only, not security */
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h ? h : 1;
}

void mpix_ssn_masks(const char ssn[10], char out[8][10])
{
    for (int i = 0; i < 8; i++) {
        memcpy(out[i], ssn, 10);
        out[i][i] = '*';
        out[i][i + 1] = '*';
    }
}

size_t mpix_block_keys(const struct mpi_prep *p, bool ssn_plain, char keys[][MPI_KEY_LEN])
{
    size_t n = 0;
    if (p->year && p->month && p->day)
        folio_snprintf(keys[n++], MPI_KEY_LEN, "b:%04d%02d%02d", p->year, p->month, p->day);
    if (p->family_ph[0] && p->year)
        folio_snprintf(keys[n++], MPI_KEY_LEN, "f:%s|%04d", p->family_ph, p->year);
    if (p->family_ph[0] && p->given_ph[0])
        folio_snprintf(keys[n++], MPI_KEY_LEN, "g:%s|%s", p->given_ph, p->family_ph);
    if (p->given_ph[0] && p->zip[0])
        folio_snprintf(keys[n++], MPI_KEY_LEN, "z:%s|%s", p->given_ph, p->zip);
    if (ssn_plain && p->ssn[0])
        folio_snprintf(keys[n++], MPI_KEY_LEN, "s:%s", p->ssn);
    if (p->phone[0] && strlen(p->phone) >= 10)
        folio_snprintf(keys[n++], MPI_KEY_LEN, "p:%s", p->phone);
    if (p->email[0])
        folio_snprintf(keys[n++], MPI_KEY_LEN, "e:%.44s", p->email);
    return n;
}
