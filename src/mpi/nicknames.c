/* Nickname table: each line is a formal given name followed by its usual short forms and
 * diminutives (English and Spanish usage), folded (lower case, no accents). A short form may
 * belong to several names ("al": albert, alfred, alan, alexander): two given names match when
 * they share a group. Written for Folio from common usage. */
#include "folio/base.h"
#include "folio/mpi.h"

#include <pthread.h>

static const char *const groups[] = {
    "william bill billy will willy willie liam wil",
    "robert bob bobby rob robbie bert robin",
    "richard rick ricky dick rich richie",
    "james jim jimmy jamie jimbo",
    "john jack johnny jon jonny",
    "jonathan jon jonny nathan",
    "joseph joe joey jos",
    "thomas tom tommy thom",
    "charles charlie chuck chas chaz carl",
    "christopher chris kit topher",
    "daniel dan danny",
    "matthew matt matty",
    "anthony tony ant",
    "donald don donnie donny",
    "mark marc",
    "steven steve stevie stephen",
    "stephen steve stevie steven",
    "andrew andy drew",
    "kenneth ken kenny",
    "joshua josh",
    "kevin kev",
    "brian bryan",
    "george georgie",
    "edward ed eddie ted teddy ned",
    "edwin ed eddie",
    "edmund ed eddie ned",
    "ronald ron ronnie",
    "timothy tim timmy",
    "jason jay",
    "jeffrey jeff jeffery geoffrey",
    "ryan ry",
    "jacob jake jaco",
    "gary gare",
    "nicholas nick nicky nico",
    "eric rick erik",
    "benjamin ben benny benji",
    "samuel sam sammy",
    "gregory greg",
    "alexander alex al alec xander sandy lex",
    "alexandra alex alexa sandra sandy lexi",
    "frank frankie",
    "franklin frank frankie",
    "patrick pat paddy patty",
    "raymond ray",
    "jack jackie",
    "dennis denny",
    "jerry jer",
    "gerald gerry jerry",
    "tyler ty",
    "aaron ron ronnie",
    "henry hank harry hal",
    "harold harry hal",
    "douglas doug",
    "peter pete",
    "zachary zach zack",
    "walter walt wally",
    "nathaniel nate nathan nat",
    "nathan nate",
    "kyle ky",
    "carl carlo",
    "arthur art artie",
    "lawrence larry laurence",
    "albert al bert bertie",
    "alfred al fred freddie alf",
    "alan al",
    "allen al",
    "frederick fred freddie freddy fritz",
    "eugene gene",
    "louis lou louie",
    "lewis lou",
    "leonard leo len lenny",
    "russell russ rusty",
    "philip phil pip",
    "phillip phil",
    "randall randy",
    "roger rog",
    "vincent vince vinnie vinny",
    "bradley brad",
    "theodore ted teddy theo",
    "terrence terry",
    "terence terry",
    "mitchell mitch",
    "maxwell max",
    "maximilian max",
    "leroy roy",
    "victor vic",
    "martin marty",
    "stanley stan",
    "bernard bernie",
    "herbert herb bert",
    "clifford cliff",
    "jeremy jerry",
    "jeremiah jerry jeremy",
    "abraham abe",
    "isaac ike",
    "ezekiel zeke",
    "solomon sol",
    "augustus gus augie",
    "montgomery monty",
    "oliver ollie",
    "calvin cal",
    "dominic dom",
    "elijah eli",
    "gabriel gabe",
    "mary molly polly mae mamie mimi",
    "patricia pat patty trish tricia",
    "jennifer jen jenny jenn",
    "linda lynn",
    "elizabeth liz lizzie beth betty bess bessie eliza lisa libby betsy",
    "barbara barb barbie babs",
    "susan sue susie suzy",
    "jessica jess jessie",
    "sarah sara sally sadie",
    "karen kari",
    "nancy nan",
    "margaret peggy maggie meg marge margie greta madge daisy",
    "lisa liz",
    "betty bet",
    "dorothy dot dottie dolly",
    "sandra sandy sandi",
    "ashley ash",
    "kimberly kim kimmy",
    "donna donnie",
    "emily em emmy",
    "michelle shelly mickey",
    "carol carrie",
    "caroline carrie carol",
    "amanda mandy amy",
    "melissa mel missy lissa",
    "deborah deb debbie debra",
    "debra deb debbie",
    "stephanie steph stephie",
    "rebecca becky becca",
    "laura laurie",
    "sharon shari",
    "cynthia cindy",
    "kathleen kathy kate katie kath",
    "katherine kate kathy katie kat kitty kay",
    "catherine cathy kate katie cat",
    "kathryn kate kathy katie",
    "amy aimee",
    "shirley shirl",
    "angela angie",
    "helen nell nellie",
    "anna ann annie",
    "ann annie nan nancy",
    "anne annie",
    "brenda bren",
    "pamela pam",
    "nicole nicky nikki",
    "samantha sam sammy",
    "christine chris chrissy tina",
    "christina chris tina chrissy",
    "kristen kris kristy",
    "emma em",
    "janet jan",
    "virginia ginny ginger",
    "victoria vicky tori",
    "valerie val",
    "rachel rae",
    "carolyn carrie lyn",
    "frances fran frannie",
    "judith judy jude",
    "theresa terry tess tessa",
    "teresa terry tess",
    "madison maddie",
    "beverly bev",
    "denise dee",
    "marilyn marie",
    "danielle dani",
    "abigail abby gail",
    "jacqueline jackie jacky",
    "gloria glo",
    "jane janie jenny",
    "joan joanie",
    "judy jude",
    "alice allie",
    "julia julie jules",
    "julie jules",
    "gabrielle gabby gabi",
    "josephine jo josie",
    "johanna jo hannah",
    "joanne jo",
    "louise lou",
    "lucille lucy",
    "lucinda lucy cindy",
    "eleanor ellie nora nell",
    "florence flo",
    "gertrude gertie trudy",
    "harriet hattie",
    "henrietta etta hetty",
    "jean jeanie",
    "lorraine lori",
    "loretta lori",
    "mildred millie",
    "millicent millie",
    "mathilda tilly",
    "matilda tilly",
    "wilhelmina mina billie",
    "winifred winnie",
    "rosemary rose rosie",
    "rose rosie",
    "roberta bobbie robbie",
    "susanna sue susie",
    "suzanne sue suzy",
    "cassandra cassie",
    "constance connie",
    "cornelia nellie",
    "cecilia cece",
    "charlotte charlie lottie",
    "olivia liv livvy",
    "isabella bella izzy",
    "isabel bella izzy",
    "sophia sophie",
    "penelope penny",
    "veronica ronnie",
    "allison allie",
    "alexis lexi",
    "melanie mel",
    "tabitha tabby",
    "natalie nat",
    "evelyn eve evie",
    "jose pepe chepe joselito",
    "francisco paco pancho frank kiko",
    "guadalupe lupe lupita",
    "jesus chuy chucho",
    "ignacio nacho",
    "enrique quique kike",
    "alberto beto",
    "roberto beto tito",
    "eduardo lalo eddie",
    "alejandro alex ale",
    "alejandra ale alex",
    "guillermo memo willy",
    "manuel manny manolo",
    "rafael rafa",
    "ricardo ricky",
    "fernando nando",
    "antonio tono tony",
    "gonzalo chalo",
    "luis lucho",
    "gustavo tavo",
    "salvador chava",
    "rosario chayo",
    "dolores lola",
    "concepcion concha conchita",
    "consuelo chelo",
    "mercedes meche",
    "graciela chela",
    "maria mari",
    "josefina pepa chepa fina",
    "francisca paca pancha",
    "teresa tere",
    "refugio cuca cuco",
    "socorro coco",
    "rodrigo rigo",
    "jorge coque",
    "pedro perico",
    "carlos carlitos",
    "juan juanito",
    "miguel miguelito",
    "cristina cris tina",
    "margarita rita",
    "beatriz bea",
    "elena lena",
    "isidro chilo",
    "anastasia tasia stacy",
};

struct nick {
    char name[16];
    unsigned short group;
};
static struct nick *nicks;
static size_t n_nicks;
static size_t n_pairs;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int nick_cmp(const void *a, const void *b)
{
    const struct nick *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->group > y->group) - (x->group < y->group);
}

static void build(void)
{
    size_t total = 0;
    for (size_t g = 0; g < FOLIO_ARRAY_LEN(groups); g++)
        for (const char *p = groups[g]; *p; p++)
            total += *p == ' ';
    total += FOLIO_ARRAY_LEN(groups);
    nicks = calloc(total, sizeof *nicks);
    if (!nicks)
        return; /* the table then stays empty: names still match exactly */
    for (size_t g = 0; g < FOLIO_ARRAY_LEN(groups); g++) {
        struct folio_sv s = folio_sv_from(groups[g]), w;
        while (folio_sv_next_field(&s, ' ', &w)) {
            if (w.len == 0 || w.len >= sizeof nicks[0].name)
                continue;
            memcpy(nicks[n_nicks].name, w.p, w.len);
            nicks[n_nicks].group = (unsigned short)g;
            n_nicks++;
        }
    }
    n_pairs = n_nicks - FOLIO_ARRAY_LEN(groups);
    if (n_nicks > 1) /* qsort(NULL, 0) is undefined */
        qsort(nicks, n_nicks, sizeof *nicks, nick_cmp);
}

/* First entry for name (folded) or NULL; entries for one name are adjacent. */
static const struct nick *find(const char *name, size_t *count)
{
    pthread_once(&once, build);
    size_t lo = 0, hi = n_nicks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(nicks[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = 0;
    while (lo + k < n_nicks && strcmp(nicks[lo + k].name, name) == 0)
        k++;
    *count = k;
    return k ? &nicks[lo] : NULL;
}

static void first_word(const char *in, char *out, size_t cap)
{
    char f[64];
    folio_mpi_fold(in, f, sizeof f, false);
    size_t n = strcspn(f, " ");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, f, n);
    out[n] = '\0';
}

void folio_mpi_nickname_canonical(const char *given, char *out, size_t cap)
{
    char w[32];
    size_t k = 0;
    first_word(given, w, sizeof w);
    const struct nick *e = find(w, &k);
    if (e) {
        /* the formal name is the first word of its group */
        const char *g = groups[e->group];
        size_t n = strcspn(g, " ");
        if (n >= cap)
            n = cap - 1;
        memcpy(out, g, n);
        out[n] = '\0';
        return;
    }
    folio_strlcpy(out, w, cap);
}

bool folio_mpi_nickname_match(const char *a, const char *b)
{
    char x[32], y[32];
    size_t nx = 0, ny = 0;
    first_word(a, x, sizeof x);
    first_word(b, y, sizeof y);
    if (!x[0] || !y[0])
        return false;
    const struct nick *ex = find(x, &nx), *ey = find(y, &ny);
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++)
            if (ex[i].group == ey[j].group)
                return true;
    return false;
}

size_t folio_mpi_nickname_count(void)
{
    pthread_once(&once, build);
    return n_pairs;
}
