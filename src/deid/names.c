/* Compact lists of common US given and family names for the free-text de-identifier. Written
 * for Folio from general knowledge (not copied from a data set); lower case, one per entry. */
#include "folio/base.h"
#include "folio/deid.h"

static const char *const given_names[] = {
    "aaron",    "abigail",   "adam",      "adrian",    "aiden",      "alan",      "albert",
    "alex",     "alexander", "alexandra", "alexis",    "alice",      "alicia",    "alison",
    "allison",  "alma",      "amanda",    "amber",     "amelia",     "amy",       "ana",
    "andre",    "andrea",    "andrew",    "angela",    "anita",      "ann",       "anna",
    "anne",     "annie",     "anthony",   "antonio",   "april",      "arthur",    "ashley",
    "audrey",   "austin",    "ava",       "barbara",   "beatrice",   "becky",     "ben",
    "benjamin", "bernard",   "beth",      "betty",     "beverly",    "bill",      "billy",
    "bob",      "bobby",     "bonnie",    "brad",      "bradley",    "brandon",   "brenda",
    "brian",    "brittany",  "brooke",    "bruce",     "bryan",      "caleb",     "cameron",
    "carl",     "carla",     "carlos",    "carmen",    "carol",      "caroline",  "carolyn",
    "carrie",   "catherine", "cathy",     "charles",   "charlie",    "charlotte", "chelsea",
    "cheryl",   "chloe",     "chris",     "christian", "christina",  "christine", "christopher",
    "cindy",    "claire",    "clara",     "claude",    "clifford",   "cody",      "colleen",
    "connie",   "connor",    "courtney",  "craig",     "crystal",    "cynthia",   "dale",
    "dan",      "daniel",    "danielle",  "danny",     "darlene",    "darren",    "dave",
    "david",    "dawn",      "dean",      "deborah",   "debra",      "denise",    "dennis",
    "derek",    "diana",     "diane",     "dolores",   "don",        "donald",    "donna",
    "doris",    "dorothy",   "douglas",   "dylan",     "earl",       "eddie",     "edith",
    "edward",   "eileen",    "elaine",    "elena",     "eli",        "elijah",    "elizabeth",
    "ella",     "ellen",     "emily",     "emma",      "eric",       "erica",     "erin",
    "ernest",   "esther",    "ethan",     "eugene",    "eva",        "evan",      "evelyn",
    "felicia",  "fernando",  "frances",   "francis",   "frank",      "fred",      "frederick",
    "gabriel",  "gabriela",  "gail",      "gary",      "gene",       "george",    "gerald",
    "gina",     "gladys",    "glen",      "glenn",     "gloria",     "grace",     "greg",
    "gregory",  "hailey",    "hannah",    "harold",    "harry",      "heather",   "hector",
    "helen",    "henry",     "holly",     "howard",    "ian",        "irene",     "isaac",
    "isabella", "jack",      "jackie",    "jacob",     "jacqueline", "jaime",     "james",
    "jamie",    "jane",      "janet",     "janice",    "jared",      "jasmine",   "jason",
    "javier",   "jay",       "jean",      "jeff",      "jeffrey",    "jennifer",  "jenny",
    "jeremy",   "jerry",     "jesse",     "jessica",   "jesus",      "jill",      "jim",
    "jimmy",    "jo",        "joan",      "joann",     "joanne",     "joe",       "joel",
    "john",     "johnny",    "jon",       "jonathan",  "jordan",     "jorge",     "jose",
    "joseph",   "josephine", "joshua",    "joy",       "joyce",      "juan",      "juanita",
    "judith",   "judy",      "julia",     "julian",    "julie",      "justin",    "karen",
    "kate",     "katherine", "kathleen",  "kathryn",   "kathy",      "katie",     "kayla",
    "keith",    "kelly",     "ken",       "kenneth",   "kevin",      "kim",       "kimberly",
    "kristen",  "kyle",      "larry",     "laura",     "lauren",     "lawrence",  "leah",
    "lee",      "leo",       "leon",      "leonard",   "leslie",     "liam",      "lillian",
    "linda",    "lisa",      "logan",     "lois",      "lori",       "lorraine",  "louis",
    "louise",   "lucas",     "lucy",      "luis",      "luke",       "lydia",     "lynn",
    "madison",  "maria",     "marie",     "marilyn",   "mario",      "marion",    "mark",
    "marsha",   "martha",    "martin",    "marvin",    "mary",       "mason",     "matthew",
    "maureen",  "megan",     "melanie",   "melissa",   "mia",        "michael",   "michele",
    "michelle", "miguel",    "mike",      "mildred",   "miranda",    "molly",     "monica",
    "morgan",   "nancy",     "naomi",     "natalie",   "nathan",     "nathaniel", "neil",
    "nicholas", "nicole",    "noah",      "norma",     "norman",     "olivia",    "oscar",
    "pamela",   "patricia",  "patrick",   "paul",      "paula",      "pedro",     "peggy",
    "peter",    "philip",    "phillip",   "phyllis",   "priscilla",  "rachel",    "ralph",
    "ramon",    "randy",     "raymond",   "rebecca",   "regina",     "renee",     "rhonda",
    "ricardo",  "richard",   "rick",      "rita",      "robert",     "roberta",   "roberto",
    "robin",    "rodney",    "roger",     "ronald",    "rosa",       "rose",      "ross",
    "roy",      "ruby",      "russell",   "ruth",      "ryan",       "sabrina",   "sally",
    "samantha", "samuel",    "sandra",    "sara",      "sarah",      "scott",     "sean",
    "sergio",   "seth",      "shannon",   "sharon",    "shawn",      "sheila",    "shelby",
    "shirley",  "sofia",     "sophia",    "stacy",     "stanley",    "stephanie", "stephen",
    "steve",    "steven",    "sue",       "susan",     "suzanne",    "sydney",    "sylvia",
    "tammy",    "tanya",     "tara",      "teresa",    "terry",      "theodore",  "theresa",
    "thomas",   "tiffany",   "tim",       "timothy",   "tina",       "todd",      "tom",
    "tony",     "tracy",     "travis",    "trevor",    "troy",       "tyler",     "valerie",
    "vanessa",  "vernon",    "veronica",  "vicki",     "victor",     "victoria",  "vincent",
    "virginia", "vivian",    "walter",    "wanda",     "warren",     "wayne",     "wendy",
    "william",  "willie",    "wyatt",     "yolanda",   "yvonne",     "zachary",   "zoe",
};

static const char *const family_names[] = {
    "adams",      "aguilar",   "alexander", "allen",    "alvarez",   "anderson",   "andrews",
    "armstrong",  "arnold",    "austin",    "bailey",   "baker",     "banks",      "barnes",
    "bell",       "bennett",   "berry",     "bishop",   "black",     "boyd",       "bradley",
    "brooks",     "brown",     "bryant",    "burke",    "burns",     "butler",     "campbell",
    "carlson",    "carpenter", "carr",      "carroll",  "carter",    "castillo",   "castro",
    "chapman",    "chavez",    "chen",      "clark",    "cole",      "coleman",    "collins",
    "cook",       "cooper",    "cox",       "crawford", "cruz",      "cunningham", "daniels",
    "davidson",   "davis",     "day",       "dean",     "delgado",   "diaz",       "dixon",
    "duncan",     "dunn",      "edwards",   "elliott",  "ellis",     "evans",      "ferguson",
    "fernandez",  "fisher",    "fleming",   "flores",   "ford",      "foster",     "fowler",
    "fox",        "franklin",  "freeman",   "garcia",   "gardner",   "gibson",     "gilbert",
    "gomez",      "gonzales",  "gonzalez",  "gordon",   "graham",    "grant",      "gray",
    "green",      "griffin",   "gutierrez", "hall",     "hamilton",  "hansen",     "harper",
    "harris",     "harrison",  "hart",      "harvey",   "hawkins",   "hayes",      "henderson",
    "henry",      "hernandez", "herrera",   "hicks",    "hill",      "hoffman",    "holmes",
    "howard",     "hudson",    "hughes",    "hunt",     "hunter",    "jackson",    "james",
    "jenkins",    "jensen",    "johnson",   "johnston", "jones",     "jordan",     "kelley",
    "kelly",      "kennedy",   "kim",       "king",     "knight",    "lane",       "larson",
    "lawrence",   "lee",       "lewis",     "li",       "long",      "lopez",      "marshall",
    "martin",     "martinez",  "mason",     "matthews", "mcdonald",  "medina",     "mendoza",
    "meyer",      "miller",    "mills",     "mitchell", "moore",     "morales",    "moreno",
    "morgan",     "morris",    "murphy",    "murray",   "myers",     "nelson",     "nguyen",
    "nichols",    "olson",     "ortiz",     "owens",    "palmer",    "parker",     "patel",
    "patterson",  "payne",     "perez",     "perkins",  "perry",     "peters",     "peterson",
    "phillips",   "pierce",    "porter",    "powell",   "price",     "ramirez",    "ramos",
    "reed",       "reyes",     "reynolds",  "rice",     "richards",  "richardson", "riley",
    "rivera",     "roberts",   "robertson", "robinson", "rodriguez", "rogers",     "romero",
    "rose",       "ross",      "ruiz",      "russell",  "ryan",      "sanchez",    "sanders",
    "schmidt",    "schneider", "scott",     "shaw",     "simmons",   "simpson",    "smith",
    "snyder",     "spencer",   "stephens",  "stevens",  "stewart",   "stone",      "sullivan",
    "taylor",     "thomas",    "thompson",  "torres",   "tran",      "tucker",     "turner",
    "vargas",     "wagner",    "walker",    "wallace",  "walsh",     "ward",       "warren",
    "washington", "watson",    "weaver",    "webb",     "wells",     "west",       "wheeler",
    "white",      "williams",  "willis",    "wilson",   "wong",      "wood",       "woods",
    "wright",     "young",
};

static bool in_list(const char *const *list, size_t n, const char *p, size_t len)
{
    size_t i, k;

    if (len == 0 || len > 20)
        return false;
    for (i = 0; i < n; i++) {
        const char *w = list[i];
        for (k = 0; k < len && w[k]; k++) {
            char c = p[k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != w[k])
                break;
        }
        if (k == len && w[k] == '\0')
            return true;
    }
    return false;
}

bool folio_deid_is_given_name(const char *p, size_t len)
{
    return in_list(given_names, FOLIO_ARRAY_LEN(given_names), p, len);
}

bool folio_deid_is_family_name(const char *p, size_t len)
{
    return in_list(family_names, FOLIO_ARRAY_LEN(family_names), p, len);
}
