/* Name folding and the NYSIIS phonetic code (New York State Identification and Intelligence
 * System, R. L. Taft, 1970), written from the published rules. */
#include "folio/base.h"
#include "folio/mpi.h"

/* U+00C0..U+00DF and U+00E0..U+00FF share one table (same base letters); '2' = "ae", '3' = "ss",
 * '*' = no letter. */
static const char lat1[] = "aaaaaaeceeeeiiiidnooooo*ouuuuyts";
/* U+0100..U+017F */
static const char latA[] = "aaaaaa" "cccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh"
                           "iiiiiiiiii" "ii" "jj" "kkk" "llllllllll" "nnnnnnnnn" "oooooo" "oo"
                           "rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy" "zzzzzz" "s";
_Static_assert(sizeof lat1 == 33, "Latin-1 table: 32 letters");
_Static_assert(sizeof latA == 129, "Latin Extended-A table: 128 letters");

void folio_mpi_fold(const char *in, char *out, size_t cap, bool keep_hyphen)
{
    size_t n = 0;
    if (cap == 0)
        return;
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    bool space = false;
    for (size_t i = 0; s[i] && n + 1 < cap; i++) {
        unsigned ch = s[i];
        char c = 0;
        if (ch >= 'A' && ch <= 'Z')
            c = (char)(ch + 32);
        else if (ch >= 'a' && ch <= 'z')
            c = (char)ch;
        else if (ch >= 0xC3 && ch <= 0xC5 && (s[i + 1] & 0xC0) == 0x80) {
            unsigned cp = ((ch & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
            i++;
            if (cp >= 0xC0 && cp <= 0xFF)
                c = cp == 0xFF ? 'y' : lat1[(cp - 0xC0) & 0x1F];
            else if (cp >= 0x100 && cp <= 0x17F)
                c = latA[cp - 0x100];
            if (cp == 0xC6 || cp == 0xE6) { /* æ */
                if (n + 2 < cap) {
                    out[n++] = 'a';
                    c = 'e';
                } else
                    c = 0;
            } else if (cp == 0xDF) { /* ß */
                if (n + 2 < cap) {
                    out[n++] = 's';
                    c = 's';
                } else
                    c = 0;
            } else if (c == '*')
                c = 0;
        } else if (ch >= 0x80) {
            /* other multi-byte letters: skip the sequence */
            while ((s[i + 1] & 0xC0) == 0x80)
                i++;
        } else if (ch == ' ' || ch == '-' || ch == '\t' || ch == ',' || ch == '/') {
            if (n > 0)
                space = true;
            if (ch == '-' && keep_hyphen && n > 0) {
                out[n++] = '-';
                space = false;
            }
            continue;
        }
        if (!c)
            continue;
        if (space && n > 0 && out[n - 1] != '-' && n + 2 < cap)
            out[n++] = ' ';
        space = false;
        out[n++] = c;
    }
    while (n > 0 && (out[n - 1] == '-' || out[n - 1] == ' '))
        n--;
    out[n] = '\0';
}

static bool vowel(char c)
{
    return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
}

void folio_mpi_nysiis(const char *name, char *out, size_t cap)
{
    char w[40];
    size_t n = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    /* letters only, upper case; stop at the first blank/hyphen: the first word is coded */
    char f[64];
    folio_mpi_fold(name, f, sizeof f, false);
    for (size_t i = 0; f[i] && n + 1 < sizeof w; i++) {
        if (f[i] == ' ')
            break;
        w[n++] = (char)(f[i] - 32);
    }
    w[n] = '\0';
    if (n == 0)
        return;
    /* 1. first letters */
    if (n >= 3 && memcmp(w, "MAC", 3) == 0) {
        w[1] = 'C';
    } else if (n >= 2 && memcmp(w, "KN", 2) == 0) {
        w[0] = 'N';
    } else if (w[0] == 'K') {
        w[0] = 'C';
    } else if (n >= 2 && (memcmp(w, "PH", 2) == 0 || memcmp(w, "PF", 2) == 0)) {
        w[0] = 'F';
        w[1] = 'F';
    } else if (n >= 3 && memcmp(w, "SCH", 3) == 0) {
        w[1] = 'S';
        w[2] = 'S';
    }
    /* 2. last letters */
    if (n >= 2) {
        char *e = w + n - 2;
        if (memcmp(e, "EE", 2) == 0 || memcmp(e, "IE", 2) == 0) {
            e[0] = 'Y';
            n--;
        } else if (memcmp(e, "DT", 2) == 0 || memcmp(e, "RT", 2) == 0 || memcmp(e, "RD", 2) == 0 ||
                   memcmp(e, "NT", 2) == 0 || memcmp(e, "ND", 2) == 0) {
            e[0] = 'D';
            n--;
        }
        w[n] = '\0';
    }
    /* 3-4. first character kept, the rest translated */
    char key[40];
    size_t k = 0;
    key[k++] = w[0];
    for (size_t i = 1; i < n && k + 3 < sizeof key; i++) {
        char c = w[i], t[4] = {0};
        size_t adv = 0; /* extra letters consumed */
        if (c == 'E' && i + 1 < n && w[i + 1] == 'V') {
            t[0] = 'A';
            t[1] = 'F';
            adv = 1;
        } else if (vowel(c)) {
            t[0] = 'A';
        } else if (c == 'Q') {
            t[0] = 'G';
        } else if (c == 'Z') {
            t[0] = 'S';
        } else if (c == 'M') {
            t[0] = 'N';
        } else if (c == 'K') {
            if (i + 1 < n && w[i + 1] == 'N') {
                t[0] = 'N';
                adv = 1;
            } else
                t[0] = 'C';
        } else if (c == 'S' && i + 2 < n && w[i + 1] == 'C' && w[i + 2] == 'H') {
            t[0] = 'S';
            t[1] = 'S';
            t[2] = 'S';
            adv = 2;
        } else if (c == 'P' && i + 1 < n && w[i + 1] == 'H') {
            t[0] = 'F';
            t[1] = 'F';
            adv = 1;
        } else if (c == 'H' && (!vowel(w[i - 1]) || (i + 1 < n && !vowel(w[i + 1])) || i + 1 == n)) {
            t[0] = w[i - 1];
            if (vowel(t[0]))
                t[0] = 'A';
        } else if (c == 'W' && vowel(w[i - 1])) {
            t[0] = 'A';
        } else {
            t[0] = c;
        }
        i += adv;
        for (size_t j = 0; t[j]; j++)
            if (key[k - 1] != t[j])
                key[k++] = t[j];
    }
    /* 5. endings */
    if (k > 1 && key[k - 1] == 'S')
        k--;
    if (k > 2 && key[k - 2] == 'A' && key[k - 1] == 'Y') {
        key[k - 2] = 'Y';
        k--;
    }
    if (k > 1 && key[k - 1] == 'A')
        k--;
    if (k > 8)
        k = 8;
    key[k] = '\0';
    folio_strlcpy(out, key, cap);
}
