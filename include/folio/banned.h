/* Functions banned from Folio: unbounded copies, hidden global state, unchecked parsing.
 * Included last by folio/base.h, after the system headers that declare these, so every
 * file that includes folio/base.h first gets a compile error for any use. [git banned.h] */
#ifndef FOLIO_BANNED_H
#define FOLIO_BANNED_H

#define FOLIO_BANNED(f) sorry_##f##_is_banned_in_folio

#undef strcpy
#define strcpy(...) FOLIO_BANNED(strcpy)
#undef strcat
#define strcat(...) FOLIO_BANNED(strcat)
#undef strncpy
#define strncpy(...) FOLIO_BANNED(strncpy)
#undef strncat
#define strncat(...) FOLIO_BANNED(strncat)
#undef sprintf
#define sprintf(...) FOLIO_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) FOLIO_BANNED(vsprintf)
#undef strtok
#define strtok(...) FOLIO_BANNED(strtok)
#undef gmtime
#define gmtime(...) FOLIO_BANNED(gmtime)
#undef localtime
#define localtime(...) FOLIO_BANNED(localtime)
#undef ctime
#define ctime(...) FOLIO_BANNED(ctime)
#undef asctime
#define asctime(...) FOLIO_BANNED(asctime)
#undef atoi
#define atoi(...) FOLIO_BANNED(atoi)
#undef atol
#define atol(...) FOLIO_BANNED(atol)
#undef gets
#define gets(...) FOLIO_BANNED(gets)

#endif
