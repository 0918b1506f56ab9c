/* Test population generator for the MPI matcher, with known truth. Included (#include) by
 * tests/unit/test_mpi_match.c and bench/bench_mpi_dedupe.c; not a separate library.
 *
 * People: frequency-weighted given/family names (US and Hispanic, accents included), birth
 * dates, addresses, phones, SSNs, emails. Households add hard negatives: twins (same birth date,
 * family, address, phone; different given name and SSN), fathers and sons Sr/Jr at one address,
 * spouses. Duplicates (the same person registered again) carry registration errors: typos,
 * nicknames, swapped given/family, missing SSN, SSN typos, moved address, married names
 * (changed or hyphenated), birth date errors (day/month swapped, one digit, year off).
 * Deterministic for a seed. */
#include "folio/base.h"
#include "folio/mpi.h"

struct gen_rec {
    char id[16];
    char given[24], middle[16], family[40], suffix[4];
    char dob[11], sex[2];
    char address[48], city[24], state[3], zip[6];
    char phone[16], ssn[12], email[64];
    uint32_t person;
    uint32_t twin_group; /* twins share it (0 none) */
    uint32_t jr_group;   /* Sr and Jr share it (0 none) */
    uint32_t house;      /* household (spouses, twins, Sr/Jr) */
};

struct gen_pop {
    struct gen_rec *r;
    size_t n;
};

static uint64_t gen_state;
static uint64_t gen_rand(void)
{
    uint64_t z = (gen_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static unsigned gen_u(unsigned n)
{
    return n ? (unsigned)(gen_rand() % n) : 0;
}
static double gen_p(void)
{
    return (double)(gen_rand() >> 11) / 9007199254740992.0;
}

static const char *const gen_family[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner",
    "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales",
    "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey",
    "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks",
    "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez",
    "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jiménez", "Muñoz",
    "Peña", "O'Brien", "McDonald", "MacLeod", "Schmidt", "Schneider", "Müller", "Kowalski",
    "Nowak", "Wiśniewski", "Dubois", "Lefèvre", "Rossi", "Russo", "Ferrari", "Esposito",
    "Bianchi", "Romano", "Colombo", "Ricci", "Novak", "Horvat", "Kovač", "Yamamoto", "Tanaka",
    "Suzuki", "Watanabe", "Ito", "Chen", "Wang", "Li", "Zhang", "Liu", "Yang", "Huang", "Zhao",
    "Wu", "Zhou", "Xu", "Sun", "Ma", "Hu", "Gao", "Lin", "Park", "Choi", "Jung", "Kang", "Cho",
    "Yoon", "Jang", "Lim", "Han", "Oh", "Seo", "Shin", "Kwon", "Hwang", "Ahn", "Song", "Yoo",
    "Hong", "Jeon", "Ko", "Moon", "Yang", "Son", "Bae", "Baek", "Heo", "Nam", "Sim", "Noh",
    "Fitzgerald", "Vasquez", "Santiago", "Navarro", "Delgado", "Vega", "Aguilar", "Medina",
    "Soto", "Contreras", "Salazar", "Guerrero", "Estrada", "Figueroa", "Espinoza", "Sandoval",
    "Cabrera", "Valdez", "Fuentes", "Carrillo", "Orozco", "Ibarra", "Mejia", "Cortez", "Pacheco",
    "Quintero", "Zamora", "Bautista", "Velasquez", "Ochoa", "Rosales", "Montoya", "Villanueva",
    "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter",
    "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
    "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Schmid", "Schulze",
    "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs",
    "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel",
    "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz",
    "Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus",
    "Martín", "Sáez", "Núñez", "Ibáñez", "Gallagher", "Sullivan", "Byrne", "Ryan", "O'Connor",
    "O'Neill", "Doyle", "McCarthy", "Lynch", "Murray", "Quinn", "Moore-Jones", "Whitaker",
    "Holloway", "Pennington", "Ashford", "Blackwood", "Caldwell", "Dalton", "Easton", "Fairbanks",
    "Galloway", "Hargrove", "Ingram", "Jennings", "Kingsley", "Lancaster", "Merriweather",
};
static const char *const gen_male[] = {
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
    "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul",
    "Andrew", "Joshua", "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Edward",
    "Jason", "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen",
    "Larry", "Justin", "Scott", "Brandon", "Benjamin", "Samuel", "Gregory", "Alexander", "Frank",
    "Patrick", "Raymond", "Jack", "Dennis", "Jerry", "Tyler", "Aaron", "José", "Adam", "Nathan",
    "Henry", "Douglas", "Zachary", "Peter", "Kyle", "Walter", "Ethan", "Jeremy", "Harold",
    "Keith", "Christian", "Roger", "Noah", "Gerald", "Carl", "Terry", "Sean", "Austin", "Arthur",
    "Lawrence", "Jesse", "Dylan", "Bryan", "Joe", "Jordan", "Billy", "Bruce", "Albert", "Willie",
    "Gabriel", "Logan", "Alan", "Juan", "Wayne", "Roy", "Ralph", "Randy", "Eugene", "Vincent",
    "Russell", "Elijah", "Louis", "Bobby", "Philip", "Johnny", "Francisco", "Jesús", "Luis",
    "Carlos", "Miguel", "Jorge", "Alejandro", "Manuel", "Ricardo", "Fernando", "Eduardo",
    "Guillermo", "Rafael", "Enrique", "Ignacio", "Alberto", "Roberto", "Antonio", "Pedro",
    "Rodrigo", "Gustavo", "Salvador", "Gonzalo", "Hiroshi", "Kenji", "Wei", "Jun", "Min-jun",
    "Ji-ho", "Seo-jun", "Dmitri", "Ivan", "Sergei", "Piotr", "Tomasz", "Lukas", "Jonas",
    "Matthias", "Stefan", "Florian", "Sebastian", "Tobias", "Felix", "Maximilian", "Oliver",
    "Liam", "Lucas", "Mason", "Logan", "Owen", "Caleb", "Isaac", "Levi", "Hunter", "Connor",
    "Eli", "Landon", "Adrian", "Asher", "Cameron", "Leo", "Theodore", "Jaxon", "Ezra", "Hudson",
};
static const char *const gen_female[] = {
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
    "Karen", "Nancy", "Lisa", "Margaret", "Betty", "Sandra", "Ashley", "Dorothy", "Kimberly",
    "Emily", "Donna", "Michelle", "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Rebecca",
    "Laura", "Sharon", "Cynthia", "Kathleen", "Amy", "Shirley", "Angela", "Helen", "Anna",
    "Brenda", "Pamela", "Nicole", "Samantha", "Katherine", "Emma", "Ruth", "Christine",
    "Catherine", "Debra", "Rachel", "Carolyn", "Janet", "Virginia", "Maria", "Heather", "Diane",
    "Julie", "Joyce", "Victoria", "Kelly", "Christina", "Joan", "Evelyn", "Lauren", "Judith",
    "Olivia", "Frances", "Martha", "Cheryl", "Megan", "Andrea", "Hannah", "Jacqueline", "Ann",
    "Jean", "Alice", "Kathryn", "Gloria", "Teresa", "Doris", "Sara", "Janice", "Julia", "Marie",
    "Madison", "Grace", "Judy", "Theresa", "Beverly", "Denise", "Marilyn", "Amber", "Danielle",
    "Abigail", "Brittany", "Rose", "Diana", "Natalie", "Sophia", "Alexis", "Lori", "Kayla",
    "Jane", "Guadalupe", "María", "Josefina", "Dolores", "Rosario", "Consuelo", "Mercedes",
    "Graciela", "Margarita", "Beatriz", "Elena", "Alejandra", "Francisca", "Concepción",
    "Yuki", "Sakura", "Mei", "Xiu", "Ji-woo", "Seo-yeon", "Anastasia", "Olga", "Agnieszka",
    "Katarzyna", "Zofia", "Hannah", "Lena", "Leonie", "Mia", "Lea", "Charlotte", "Amelia",
    "Harper", "Isabella", "Ava", "Mila", "Aria", "Scarlett", "Penelope", "Layla", "Chloe",
    "Nora", "Lily", "Eleanor", "Hazel", "Zoey", "Riley", "Violet", "Aurora", "Savannah", "Audrey",
};
static const char *const gen_street[] = {
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Walnut",
    "Park", "Sunset", "Lincoln", "Jackson", "Church", "Willow", "Meadow", "River", "Spring",
    "Forest", "Highland", "Chestnut", "Franklin", "Jefferson", "Madison", "Ridge", "Valley",
    "Mill", "Center", "Adams", "Broad", "Cherry", "Dogwood", "Hickory", "Laurel", "Magnolia",
    "Orchard", "Prospect", "Sycamore", "Vine", "Birch", "Aspen", "Beacon", "Bridge", "Canal",
    "Colonial", "Cottage", "Deer", "Eagle", "Fairview", "Garden", "Grove", "Harbor", "Heritage",
};
static const char *const gen_stype[][2] = {
    {"Street", "St"}, {"Avenue", "Ave"}, {"Road", "Rd"}, {"Drive", "Dr"},
    {"Lane", "Ln"},   {"Court", "Ct"},   {"Boulevard", "Blvd"}, {"Place", "Pl"},
};
static const char *const gen_city[] = {
    "Springfield", "Riverside", "Franklin", "Greenville", "Bristol", "Clinton", "Fairview",
    "Salem", "Madison", "Georgetown", "Arlington", "Ashland", "Burlington", "Manchester",
    "Oxford", "Milton", "Newport", "Auburn", "Dayton", "Lexington",
};
static const char *const gen_states[] = {"CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "NC",
                                         "MI"};
static const char *const gen_domains[] = {"gmail.com", "yahoo.com", "outlook.com",
                                          "hotmail.com", "aol.com", "icloud.com"};

/* Zipf-like pick: rank r weighted 1/(r+3). */
static size_t gen_zipf(size_t n)
{
    static double cum_f[512], cum_m[512], cum_w[512];
    static size_t built_f, built_m, built_w;
    double *cum;
    size_t *built;
    if (n == FOLIO_ARRAY_LEN(gen_family)) {
        cum = cum_f;
        built = &built_f;
    } else if (n == FOLIO_ARRAY_LEN(gen_male)) {
        cum = cum_m;
        built = &built_m;
    } else {
        cum = cum_w;
        built = &built_w;
    }
    if (*built != n) {
        double s = 0;
        for (size_t i = 0; i < n; i++) {
            s += 1.0 / ((double)i + 3.0);
            cum[i] = s;
        }
        for (size_t i = 0; i < n; i++)
            cum[i] /= s;
        *built = n;
    }
    double x = gen_p();
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cum[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const char *gen_pick_family(void)
{
    return gen_family[gen_zipf(FOLIO_ARRAY_LEN(gen_family))];
}
static const char *gen_pick_given(char sex)
{
    return sex == 'F' ? gen_female[gen_zipf(FOLIO_ARRAY_LEN(gen_female))]
                      : gen_male[gen_zipf(FOLIO_ARRAY_LEN(gen_male))];
}

static void gen_dob(char out[11], int ymin, int ymax)
{
    int y = ymin + (int)gen_u((unsigned)(ymax - ymin + 1));
    int m = 1 + (int)gen_u(12);
    int dim = m == 2 ? ((y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28)
              : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
    int d = 1 + (int)gen_u((unsigned)dim);
    folio_snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

static void gen_ssn(char out[12])
{
    folio_snprintf(out, 12, "%03u-%02u-%04u", 1 + gen_u(665), 1 + gen_u(99), 1 + gen_u(9999));
}

struct gen_home {
    char address[48], city[24], state[3], zip[6], phone[16];
};

static void gen_new_home(struct gen_home *h, unsigned n_zip)
{
    unsigned z = gen_u(n_zip);
    const char *const *st = gen_stype[gen_u(FOLIO_ARRAY_LEN(gen_stype))];
    folio_snprintf(h->address, sizeof h->address, "%u %s %s", 1 + gen_u(9899),
                   gen_street[gen_u(FOLIO_ARRAY_LEN(gen_street))], st[0]);
    folio_strlcpy(h->city, gen_city[z % FOLIO_ARRAY_LEN(gen_city)], sizeof h->city);
    folio_strlcpy(h->state, gen_states[z % FOLIO_ARRAY_LEN(gen_states)], sizeof h->state);
    folio_snprintf(h->zip, sizeof h->zip, "%05u", 10000 + z * 7);
    folio_snprintf(h->phone, sizeof h->phone, "(%03u) %03u-%04u", 201 + gen_u(700),
                   200 + gen_u(799), gen_u(10000));
}

static void gen_ascii_lower(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 1 < cap; p++) {
        if (*p >= 'A' && *p <= 'Z')
            out[n++] = (char)(*p + 32);
        else if (*p >= 'a' && *p <= 'z')
            out[n++] = (char)*p;
    }
    out[n] = '\0';
}

static void gen_email(struct gen_rec *r)
{
    if (gen_p() < 0.35) {
        r->email[0] = '\0';
        return;
    }
    char g[24], f[40];
    gen_ascii_lower(r->given, g, sizeof g);
    gen_ascii_lower(r->family, f, sizeof f);
    folio_snprintf(r->email, sizeof r->email, "%s.%s%u@%s", g, f, gen_u(100),
                   gen_domains[gen_u(FOLIO_ARRAY_LEN(gen_domains))]);
}

/* One typo in an ASCII-ish string: substitute, delete, insert or transpose (skips UTF-8). */
static void gen_typo(char *s, size_t cap)
{
    size_t n = strlen(s);
    if (n < 3)
        return;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return;
    size_t i = 1 + gen_u((unsigned)(n - 2));
    switch (gen_u(4)) {
    case 0: s[i] = (char)('a' + gen_u(26)); break;
    case 1: memmove(s + i, s + i + 1, n - i); break;
    case 2:
        if (n + 2 < cap) {
            memmove(s + i + 1, s + i, n - i + 1);
            s[i] = (char)('a' + gen_u(26));
        }
        break;
    default: {
        char t = s[i];
        s[i] = s[i + 1];
        s[i + 1] = t;
        break;
    }
    }
}

static const char *const gen_nick[][2] = {
    {"William", "Bill"}, {"William", "Will"}, {"Robert", "Bob"}, {"Robert", "Rob"},
    {"Richard", "Rick"}, {"James", "Jim"}, {"John", "Jack"}, {"Joseph", "Joe"},
    {"Thomas", "Tom"}, {"Charles", "Chuck"}, {"Christopher", "Chris"}, {"Daniel", "Dan"},
    {"Matthew", "Matt"}, {"Anthony", "Tony"}, {"Michael", "Mike"}, {"Elizabeth", "Liz"},
    {"Elizabeth", "Beth"}, {"Margaret", "Peggy"}, {"Margaret", "Maggie"}, {"Katherine", "Kate"},
    {"Katherine", "Kathy"}, {"Patricia", "Pat"}, {"Jennifer", "Jen"}, {"Susan", "Sue"},
    {"Deborah", "Debbie"}, {"Rebecca", "Becky"}, {"José", "Pepe"}, {"Francisco", "Paco"},
    {"Francisco", "Pancho"}, {"Guadalupe", "Lupe"}, {"Jesús", "Chuy"}, {"Ignacio", "Nacho"},
    {"Alejandro", "Alex"}, {"Eduardo", "Lalo"}, {"Alberto", "Beto"}, {"Edward", "Ed"},
    {"Steven", "Steve"}, {"Andrew", "Andy"}, {"Kenneth", "Ken"}, {"Timothy", "Tim"},
    {"Samuel", "Sam"}, {"Benjamin", "Ben"}, {"Nicholas", "Nick"}, {"Alexander", "Alex"},
    {"Kimberly", "Kim"}, {"Pamela", "Pam"}, {"Victoria", "Vicky"}, {"Dorothy", "Dot"},
};

/* The first ones registered, then duplicates with errors. */
static void gen_dup(const struct gen_rec *o, struct gen_rec *d, unsigned n_zip)
{
    *d = *o;
    /* given */
    double x = gen_p();
    if (x < 0.15) {
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(gen_nick); i++)
            if (!strcmp(gen_nick[i][0], o->given) && gen_p() < 0.7) {
                folio_strlcpy(d->given, gen_nick[i][1], sizeof d->given);
                break;
            }
    } else if (x < 0.25) {
        gen_typo(d->given, sizeof d->given);
    }
    /* family */
    x = gen_p();
    if (x < 0.08) {
        gen_typo(d->family, sizeof d->family);
    } else if (x < 0.16 && o->sex[0] == 'F') {
        if (gen_p() < 0.5) /* married: new name */
            folio_strlcpy(d->family, gen_pick_family(), sizeof d->family);
        else { /* hyphenated */
            char f[40];
            folio_snprintf(f, sizeof f, "%s-%s", o->family, gen_pick_family());
            folio_strlcpy(d->family, f, sizeof d->family);
        }
    }
    if (gen_p() < 0.03) { /* swapped */
        char t[40];
        folio_strlcpy(t, d->given, sizeof t);
        folio_strlcpy(d->given, d->family, sizeof d->given);
        folio_strlcpy(d->family, t, sizeof d->family);
    }
    if (gen_p() < 0.5)
        d->middle[0] = '\0';
    else if (d->middle[0] && gen_p() < 0.5)
        d->middle[1] = '\0';
    /* birth date */
    x = gen_p();
    int y = 0, m = 0, dd = 0;
    y = (o->dob[0] - '0') * 1000 + (o->dob[1] - '0') * 100 + (o->dob[2] - '0') * 10 +
        (o->dob[3] - '0');
    m = (o->dob[5] - '0') * 10 + (o->dob[6] - '0');
    dd = (o->dob[8] - '0') * 10 + (o->dob[9] - '0');
    if (x < 0.03 && dd <= 12 && dd != m) {
        folio_snprintf(d->dob, sizeof d->dob, "%04d-%02d-%02d", y, dd, m);
    } else if (x < 0.06) {
        int nd = dd % 10 == 9 ? dd - 1 : dd + 1;
        if (nd < 1)
            nd = 2;
        if (nd > 28)
            nd = 27;
        folio_snprintf(d->dob, sizeof d->dob, "%04d-%02d-%02d", y, m, nd);
    } else if (x < 0.08) {
        folio_snprintf(d->dob, sizeof d->dob, "%04d-%02d-%02d", y + (gen_p() < 0.5 ? 1 : 10),
                       m, dd > 28 ? 28 : dd);
    }
    /* SSN */
    x = gen_p();
    if (x < 0.30)
        d->ssn[0] = '\0';
    else if (x < 0.33 && d->ssn[0]) {
        size_t pos[] = {0, 1, 2, 4, 5, 7, 8, 9, 10};
        size_t p = pos[gen_u(9)];
        d->ssn[p] = (char)('0' + ((unsigned)(d->ssn[p] - '0') + 1 + gen_u(8)) % 10);
    } else if (x < 0.35 && d->ssn[0]) {
        char t = d->ssn[7];
        d->ssn[7] = d->ssn[8];
        d->ssn[8] = t;
    }
    /* address */
    x = gen_p();
    if (x < 0.20) {
        struct gen_home h;
        gen_new_home(&h, n_zip);
        folio_strlcpy(d->address, h.address, sizeof d->address);
        folio_strlcpy(d->city, h.city, sizeof d->city);
        folio_strlcpy(d->state, h.state, sizeof d->state);
        folio_strlcpy(d->zip, h.zip, sizeof d->zip);
        if (gen_p() < 0.7)
            folio_strlcpy(d->phone, h.phone, sizeof d->phone);
    } else if (x < 0.40) {
        /* abbreviated street type */
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(gen_stype); i++) {
            char *p = strstr(d->address, gen_stype[i][0]);
            if (p) {
                folio_strlcpy(p, gen_stype[i][1], sizeof d->address - (size_t)(p - d->address));
                break;
            }
        }
    }
    if (gen_p() < 0.2)
        d->phone[0] = '\0';
    if (gen_p() < 0.4)
        d->email[0] = '\0';
    if (gen_p() < 0.05)
        d->sex[0] = '\0';
    if (gen_p() < 0.1)
        d->zip[0] = '\0';
}

static void gen_person(struct gen_rec *r, uint32_t person, char sex, const struct gen_home *h,
                       const char *family, int ymin, int ymax)
{
    memset(r, 0, sizeof *r);
    r->person = person;
    r->sex[0] = sex;
    folio_strlcpy(r->given, gen_pick_given(sex), sizeof r->given);
    if (gen_p() < 0.6)
        folio_strlcpy(r->middle, gen_pick_given(gen_p() < 0.5 ? 'F' : 'M'), sizeof r->middle);
    folio_strlcpy(r->family, family ? family : gen_pick_family(), sizeof r->family);
    gen_dob(r->dob, ymin, ymax);
    if (gen_p() < 0.85)
        gen_ssn(r->ssn);
    folio_strlcpy(r->address, h->address, sizeof r->address);
    folio_strlcpy(r->city, h->city, sizeof r->city);
    folio_strlcpy(r->state, h->state, sizeof r->state);
    folio_strlcpy(r->zip, h->zip, sizeof r->zip);
    if (gen_p() < 0.85)
        folio_strlcpy(r->phone, h->phone, sizeof r->phone);
    gen_email(r);
}

/* n records (about 12% of people registered more than once). Caller frees pop->r. */
static bool gen_population(size_t n, uint64_t seed, struct gen_pop *pop)
{
    gen_state = seed * 0x2545F4914F6CDD1Dull + 1;
    pop->r = calloc(n ? n : 1, sizeof *pop->r);
    pop->n = 0;
    if (!pop->r)
        return false;
    unsigned n_zip = (unsigned)(n / 800 + 20);
    uint32_t person = 0, group = 0, house = 0;
    /* originals: households */
    size_t n_orig = (size_t)((double)n / 1.14);
    while (pop->n < n_orig) {
        struct gen_home h;
        gen_new_home(&h, n_zip);
        house++;
        double x = gen_p();
        size_t room = n_orig - pop->n;
        if (x < 0.01 && room >= 2) { /* twins */
            const char *fam = gen_pick_family();
            group++;
            gen_person(&pop->r[pop->n], ++person, gen_p() < 0.5 ? 'F' : 'M', &h, fam, 1940, 2020);
            struct gen_rec *a = &pop->r[pop->n++];
            struct gen_rec *b = &pop->r[pop->n];
            gen_person(b, ++person, gen_p() < 0.5 ? 'F' : 'M', &h, fam, 1940, 2020);
            memcpy(b->dob, a->dob, sizeof b->dob);
            folio_strlcpy(b->phone, a->phone, sizeof b->phone);
            /* real twins do not get two forms of one name (Willie and Billy) */
            while (!strcmp(b->given, a->given) || folio_mpi_nickname_match(a->given, b->given))
                folio_strlcpy(b->given, gen_pick_given(b->sex[0]), sizeof b->given);
            a->twin_group = b->twin_group = group;
            a->house = b->house = house;
            pop->n++;
        } else if (x < 0.02 && room >= 2) { /* Sr and Jr */
            const char *fam = gen_pick_family();
            group++;
            struct gen_rec *a = &pop->r[pop->n];
            gen_person(a, ++person, 'M', &h, fam, 1935, 1975);
            folio_strlcpy(a->suffix, "Sr", sizeof a->suffix);
            pop->n++;
            struct gen_rec *b = &pop->r[pop->n];
            gen_person(b, ++person, 'M', &h, fam, 1935, 1975);
            folio_strlcpy(b->given, a->given, sizeof b->given);
            folio_strlcpy(b->middle, a->middle, sizeof b->middle);
            folio_strlcpy(b->phone, a->phone, sizeof b->phone);
            int ay = (a->dob[0] - '0') * 1000 + (a->dob[1] - '0') * 100 + (a->dob[2] - '0') * 10 +
                     (a->dob[3] - '0');
            char tail[7];
            memcpy(tail, a->dob + 4, 7);
            folio_snprintf(b->dob, sizeof b->dob, "%04d%s", ay + 20 + (int)gen_u(16),
                           gen_p() < 0.5 ? tail : "-07-04");
            gen_dob(b->dob, ay + 20, ay + 35);
            folio_strlcpy(b->suffix, "Jr", sizeof b->suffix);
            a->jr_group = b->jr_group = group;
            a->house = b->house = house;
            pop->n++;
        } else if (x < 0.25 && room >= 2) { /* spouses */
            const char *fam = gen_pick_family();
            struct gen_rec *a = &pop->r[pop->n];
            gen_person(a, ++person, 'M', &h, fam, 1940, 2000);
            pop->n++;
            struct gen_rec *b = &pop->r[pop->n];
            gen_person(b, ++person, 'F', &h, fam, 1940, 2000);
            folio_strlcpy(b->phone, a->phone, sizeof b->phone);
            a->house = b->house = house;
            pop->n++;
        } else {
            gen_person(&pop->r[pop->n], ++person, gen_p() < 0.5 ? 'F' : 'M', &h, NULL, 1930,
                       2023);
            pop->r[pop->n].house = house;
            pop->n++;
        }
    }
    /* duplicates of random originals */
    while (pop->n < n) {
        size_t o = gen_u((unsigned)n_orig);
        gen_dup(&pop->r[o], &pop->r[pop->n], n_zip);
        pop->n++;
    }
    /* shuffle, then number */
    for (size_t i = pop->n; i > 1; i--) {
        size_t j = gen_u((unsigned)i);
        struct gen_rec t = pop->r[i - 1];
        pop->r[i - 1] = pop->r[j];
        pop->r[j] = t;
    }
    for (size_t i = 0; i < pop->n; i++)
        folio_snprintf(pop->r[i].id, sizeof pop->r[i].id, "R%07zu", i + 1);
    return true;
}

/* ---- evaluation ---- */
struct gen_eval {
    size_t true_pairs, tp, fp, fn;
    size_t twins_merged, jrsr_merged;
    double precision, recall, f1;
};

static int gen_u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* pairs: n_pairs (a,b) index pairs into pop judged the same person, without repeats. */
__attribute__((unused)) static void gen_evaluate(const struct gen_pop *pop, const uint32_t (*pairs)[2], size_t n_pairs,
                         struct gen_eval *e)
{
    memset(e, 0, sizeof *e);
    uint32_t *ps = malloc((pop->n ? pop->n : 1) * sizeof *ps);
    if (!ps)
        return;
    for (size_t i = 0; i < pop->n; i++)
        ps[i] = pop->r[i].person;
    qsort(ps, pop->n, sizeof *ps, gen_u32_cmp);
    for (size_t i = 0; i < pop->n;) {
        size_t j = i;
        while (j < pop->n && ps[j] == ps[i])
            j++;
        e->true_pairs += (j - i) * (j - i - 1) / 2;
        i = j;
    }
    free(ps);
    for (size_t k = 0; k < n_pairs; k++) {
        const struct gen_rec *a = &pop->r[pairs[k][0]], *b = &pop->r[pairs[k][1]];
        if (a->person == b->person) {
            e->tp++;
        } else {
            e->fp++;
            if (a->twin_group && a->twin_group == b->twin_group)
                e->twins_merged++;
            if (a->jr_group && a->jr_group == b->jr_group)
                e->jrsr_merged++;
        }
    }
    e->fn = e->true_pairs - e->tp;
    e->precision = e->tp + e->fp ? (double)e->tp / (double)(e->tp + e->fp) : 1.0;
    e->recall = e->true_pairs ? (double)e->tp / (double)e->true_pairs : 1.0;
    e->f1 = e->precision + e->recall > 0
                ? 2 * e->precision * e->recall / (e->precision + e->recall)
                : 0;
}

static void gen_to_record(const struct gen_rec *g, struct folio_mpi_record *r)
{
    memset(r, 0, sizeof *r);
    r->record_id = g->id;
    r->given = g->given;
    r->middle = g->middle;
    r->family = g->family;
    r->suffix = g->suffix;
    r->birth_date = g->dob;
    r->sex = g->sex;
    r->address = g->address;
    r->city = g->city;
    r->state = g->state;
    r->zip = g->zip;
    r->phone = g->phone;
    r->ssn = g->ssn;
    r->email = g->email;
}
