/*
 * Password policy (MFDS 1.9): named, versioned profiles and the checker
 * that tells a user which rule a new password broke.
 *
 * The candidate is read in place, one UTF-8 code point at a time; the
 * only copies made are the lowercased readings in password_common.c,
 * which are wiped. Messages are built from the profile and, for the
 * common rule, from the list entry or device word found inside a
 * decorated candidate: public data, never the password itself nor the
 * user id, so they can go to a log or a screen.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "medsec/crypto.h"
#include "medsec/password_policy.h"
#include "password/password_int.h"

#define CLASS_UPPER 0x1u
#define CLASS_LOWER 0x2u
#define CLASS_DIGIT 0x4u
#define CLASS_OTHER 0x8u

/*
 * REQ: MFDS 1.9. The Korean numbers (10 with two kinds, 8 with three,
 * no run of four, no user id, no common password, last five not reused)
 * are those the PIPC safety-measures standard is read with, as KISA's
 * password guidance spells them out. NIST SP 800-63B asks for length and
 * a blocklist instead of composition, for manufacturers selling where
 * that is the expected rule.
 */
static const struct medsec_password_profile profiles[] = {
	{
		.name = "kr-pipc",
		.version = "1",
		.description = "Korea: PIPC standard on personal information "
		    "safety measures with KISA password guidance; 10 "
		    "characters of two kinds or 8 of three, no user id, "
		    "no run of 4, not common, last 5 not reused",
		.min_len_two_classes = 10,
		.min_len_three_classes = 8,
		.max_run = 3,
		.check_common = 1,
		.check_user = 1,
		.history = 5,
		.min_classes = 2,
	},
	{
		.name = "nist-800-63b",
		.version = "1",
		.description = "NIST SP 800-63B 5.1.1.2 (memorized secrets): "
		    "at least 8 characters, no composition rules, no user "
		    "id, not common, no forced history",
		.min_len_two_classes = 8,
		.min_len_three_classes = 8,
		.max_run = 0,
		.check_common = 1,
		.check_user = 1,
		.history = 0,
		.min_classes = 1,
	},
};

#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

static const char *const rule_names[] = {
	[MEDSEC_PWRULE_OK] = "ok",
	[MEDSEC_PWRULE_LENGTH] = "length",
	[MEDSEC_PWRULE_CLASSES] = "classes",
	[MEDSEC_PWRULE_CONTAINS_USER] = "contains_user",
	[MEDSEC_PWRULE_REPEAT] = "repeat",
	[MEDSEC_PWRULE_SEQUENCE] = "sequence",
	[MEDSEC_PWRULE_COMMON] = "common",
	[MEDSEC_PWRULE_REUSED] = "reused",
	[MEDSEC_PWRULE_TOO_LONG] = "too_long",
	[MEDSEC_PWRULE_ENCODING] = "encoding",
};

/* What one pass over the candidate found. */
struct scan {
	size_t chars;	  /* code points */
	unsigned classes; /* CLASS_* bits */
	int encoding_bad;
	int repeat;	  /* a run of identical code points over max_run */
	int sequence;	  /* a run of sequential letters/digits over max_run */
};

/* State carried from one code point to the next. */
struct runs {
	uint32_t prev;
	int prev_kind;	  /* 0: not a letter or digit; 1: digit; 2: letter */
	int prev_key;
	size_t same, up, down;
};

const struct medsec_password_profile *
medsec_password_profiles(size_t *np)
{
	if (np != NULL)
		*np = NPROFILES;
	return profiles;
}

const struct medsec_password_profile *
medsec_password_profile_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < NPROFILES; i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

const char *
medsec_password_rule_name(int rule)
{
	if (rule < 0 || (size_t)rule >= sizeof(rule_names) /
	    sizeof(rule_names[0]) || rule_names[rule] == NULL)
		return "unknown";
	return rule_names[rule];
}

/* The code point at s[*ip], advancing *ip; -1 for invalid UTF-8. */
static int32_t
utf8_next(const unsigned char *s, size_t len, size_t *ip)
{
	uint32_t cp;
	size_t n = medsec_utf8_decode(s + *ip, len - *ip, &cp);

	if (n == 0)
		return -1;
	*ip += n;
	return (int32_t)cp;
}

static int
is_control(int32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

static unsigned
class_of(int32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return CLASS_UPPER;
	if (cp >= 'a' && cp <= 'z')
		return CLASS_LOWER;
	if (cp >= '0' && cp <= '9')
		return CLASS_DIGIT;
	/* Non-ASCII letters have no case we could rely on: "other". */
	return CLASS_OTHER;
}

/*
 * Tracks runs of identical code points and of ASCII letters or digits
 * going up or down by one ("abcd", "DcBa", "4321"; not "9a" or "za").
 */
static void
track_runs(struct runs *r, int32_t cp, size_t max_run, struct scan *sc)
{
	int kind = 0, key = 0;

	if (cp >= '0' && cp <= '9') {
		kind = 1;
		key = cp - '0';
	} else if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
		kind = 2;
		key = (cp | 0x20) - 'a';
	}
	if (sc->chars > 0 && (uint32_t)cp == r->prev)
		r->same++;
	else
		r->same = 1;
	if (kind != 0 && kind == r->prev_kind && key == r->prev_key + 1)
		r->up++;
	else
		r->up = 1;
	if (kind != 0 && kind == r->prev_kind && key == r->prev_key - 1)
		r->down++;
	else
		r->down = 1;
	r->prev = (uint32_t)cp;
	r->prev_kind = kind;
	r->prev_key = key;
	if (max_run == 0)
		return;
	if (r->same > max_run)
		sc->repeat = 1;
	if (r->up > max_run || r->down > max_run)
		sc->sequence = 1;
}

static void
scan_password(const unsigned char *s, size_t len, size_t max_run,
    struct scan *sc)
{
	struct runs r;
	size_t i = 0;
	int32_t cp;

	memset(sc, 0, sizeof(*sc));
	memset(&r, 0, sizeof(r));
	while (i < len) {
		cp = utf8_next(s, len, &i);
		if (cp < 0 || is_control(cp)) {
			sc->encoding_bad = 1;
			break;
		}
		sc->classes |= class_of(cp);
		track_runs(&r, cp, max_run, sc);
		sc->chars++;
	}
	/* The last code point seen is a piece of the password. */
	medsec_wipe(&r, sizeof(r));
}

static size_t
count_classes(unsigned bits)
{
	size_t n = 0;

	for (; bits != 0; bits >>= 1)
		n += bits & 1u;
	return n;
}

static size_t
min_classes_of(const struct medsec_password_profile *p)
{
	return p->min_classes == 0 ? 2 : p->min_classes;
}

static int
length_rule(const struct medsec_password_profile *p, const struct scan *sc)
{
	size_t nclass = count_classes(sc->classes);
	size_t need, shortest = p->min_len_two_classes;

	if (p->min_len_three_classes < shortest)
		shortest = p->min_len_three_classes;
	/* Too short for any mix: "too short" is the useful answer. */
	if (sc->chars < shortest)
		return MEDSEC_PWRULE_LENGTH;
	if (nclass < min_classes_of(p))
		return MEDSEC_PWRULE_CLASSES;
	need = nclass >= 3 ? p->min_len_three_classes : p->min_len_two_classes;
	if (sc->chars < need)
		return MEDSEC_PWRULE_LENGTH;
	return MEDSEC_PWRULE_OK;
}

static const char *
number_word(size_t n)
{
	static const char *const words[] = { "no", "one", "two", "three",
		"four" };

	return n < sizeof(words) / sizeof(words[0]) ? words[n] : "all";
}

/* "at least 10 characters with two kinds (...), or 8 with three" */
static void
length_phrase(const struct medsec_password_profile *p, char *buf,
    size_t buflen)
{
	size_t mc = min_classes_of(p);
	static const char kinds[] = "kinds (upper, lower, digit, symbol)";

	if (mc >= 3)
		snprintf(buf, buflen, "at least %zu characters with %s %s",
		    p->min_len_three_classes, number_word(mc), kinds);
	else if (p->min_len_two_classes == p->min_len_three_classes &&
	    mc <= 1)
		snprintf(buf, buflen, "at least %zu characters",
		    p->min_len_two_classes);
	else if (p->min_len_two_classes == p->min_len_three_classes)
		snprintf(buf, buflen, "at least %zu characters with %s %s",
		    p->min_len_two_classes, number_word(mc), kinds);
	else if (mc <= 1)
		snprintf(buf, buflen, "at least %zu characters, or %zu with "
		    "three %s", p->min_len_two_classes,
		    p->min_len_three_classes, kinds);
	else
		snprintf(buf, buflen, "at least %zu characters with %s %s, "
		    "or %zu with three", p->min_len_two_classes,
		    number_word(mc), kinds, p->min_len_three_classes);
}

void
medsec_password_rule_message(const struct medsec_password_profile *p,
    int rule, char *msg, size_t msglen)
{
	char phrase[160];

	if (msg == NULL || msglen == 0)
		return;
	if (p == NULL)
		p = &profiles[0];
	switch (rule) {
	case MEDSEC_PWRULE_OK:
		snprintf(msg, msglen, "password meets the %s password policy",
		    p->name);
		break;
	case MEDSEC_PWRULE_LENGTH:
		length_phrase(p, phrase, sizeof(phrase));
		snprintf(msg, msglen, "password too short: %s", phrase);
		break;
	case MEDSEC_PWRULE_CLASSES:
		length_phrase(p, phrase, sizeof(phrase));
		snprintf(msg, msglen, "password has too few kinds of "
		    "character: use %s", phrase);
		break;
	case MEDSEC_PWRULE_CONTAINS_USER:
		snprintf(msg, msglen, "password contains the user name; "
		    "choose one without it");
		break;
	case MEDSEC_PWRULE_REPEAT:
		snprintf(msg, msglen, "password contains %zu or more repeated "
		    "characters; use at most %zu of one in a row",
		    p->max_run + 1, p->max_run);
		break;
	case MEDSEC_PWRULE_SEQUENCE:
		snprintf(msg, msglen, "password contains %zu or more "
		    "sequential letters or digits (such as abcd or 4321); "
		    "use at most %zu in a row", p->max_run + 1, p->max_run);
		break;
	case MEDSEC_PWRULE_COMMON:
		snprintf(msg, msglen, "password is in the list of common "
		    "passwords; choose one that is harder to guess");
		break;
	case MEDSEC_PWRULE_REUSED:
		snprintf(msg, msglen, "password was used recently; choose one "
		    "not among the last %u", p->history);
		break;
	case MEDSEC_PWRULE_TOO_LONG:
		snprintf(msg, msglen, "password too long: at most %d bytes",
		    MEDSEC_PASSWORD_MAX);
		break;
	case MEDSEC_PWRULE_ENCODING:
		snprintf(msg, msglen, "password must be valid UTF-8 without "
		    "control characters");
		break;
	default:
		snprintf(msg, msglen, "password refused by an unknown rule");
		break;
	}
}

/* "with digits and symbols added", from what the check stripped. */
static void
added_phrase(unsigned added, char *buf, size_t buflen)
{
	const char *what = NULL;

	if ((added & PW_ADDED_DIGITS) && (added & PW_ADDED_SYMBOLS))
		what = "digits and symbols";
	else if (added & PW_ADDED_DIGITS)
		what = "digits";
	else if (added & PW_ADDED_SYMBOLS)
		what = "symbols";
	snprintf(buf, buflen, "%s%s%s%s",
	    (added & PW_ADDED_LOOKALIKE) ? " with letters written as "
	    "look-alike digits or symbols" : "",
	    (added & PW_ADDED_LOOKALIKE) && what != NULL ? " and" : "",
	    what != NULL ? " with " : "", what != NULL ? what : "");
	if (what != NULL)
		snprintf(buf + strlen(buf), buflen - strlen(buf), " added");
}

/*
 * The common rule's sentence for a decorated candidate names what it
 * was built on. An undecorated one would only repeat the candidate, so
 * it gets the profile's sentence.
 */
static void
common_message(const struct medsec_password_profile *p,
    const struct pw_found *f, char *msg, size_t msglen)
{
	char added[128];

	if (msg == NULL || msglen == 0)
		return;
	if (f->added == 0 && f->kind == PW_FOUND_CONTEXT) {
		snprintf(msg, msglen, "password is a name this device or "
		    "product is known by, as easy to guess as a common "
		    "password; choose one that is harder to guess");
		return;
	}
	if (f->added == 0) {
		medsec_password_rule_message(p, MEDSEC_PWRULE_COMMON, msg,
		    msglen);
		return;
	}
	added_phrase(f->added, added, sizeof(added));
	if (f->kind == PW_FOUND_CONTEXT)
		snprintf(msg, msglen, "password is a name this device or "
		    "product is known by (\"%s\")%s, as easy to guess as a "
		    "common password; choose one that is harder to guess",
		    f->word, added);
	else
		snprintf(msg, msglen, "password is a common password "
		    "(\"%s\")%s; choose one that is harder to guess", f->word,
		    added);
}

static int
first_rule(const struct medsec_password_profile *p, const char *user,
    const char *const *words, size_t nwords, const char *password,
    size_t len, struct pw_found *found)
{
	struct scan sc;
	int rule;

	if (password == NULL && len > 0)
		return MEDSEC_PWRULE_ENCODING;
	if (password == NULL)
		password = "";
	scan_password((const unsigned char *)password, len, p->max_run, &sc);
	if (sc.encoding_bad)
		return MEDSEC_PWRULE_ENCODING;
	if (len > MEDSEC_PASSWORD_MAX)
		return MEDSEC_PWRULE_TOO_LONG;
	rule = length_rule(p, &sc);
	if (rule != MEDSEC_PWRULE_OK)
		return rule;
	/* Look-alikes too: "Nur5e01!" holds "nurse01". */
	if (p->check_user && password_contains_lookalike(password, len, user))
		return MEDSEC_PWRULE_CONTAINS_USER;
	if (sc.repeat)
		return MEDSEC_PWRULE_REPEAT;
	if (sc.sequence)
		return MEDSEC_PWRULE_SEQUENCE;
	if (p->check_common && medsec_password_is_common(password, len))
		return MEDSEC_PWRULE_COMMON;
	if (p->check_common && password_common_find(password, len, words,
	    nwords, found))
		return MEDSEC_PWRULE_COMMON;
	return MEDSEC_PWRULE_OK;
}

int
medsec_password_check_context(const struct medsec_password_profile *profile,
    const char *user, const char *const *words, size_t nwords,
    const char *password, size_t len, char *msg, size_t msglen)
{
	struct pw_found found;
	int rule;

	if (profile == NULL)
		profile = &profiles[0];
	memset(&found, 0, sizeof(found));
	/* REQ: MFDS 1.9 */
	rule = first_rule(profile, user, words, nwords, password, len,
	    &found);
	if (rule == MEDSEC_PWRULE_COMMON && found.kind != PW_FOUND_NONE)
		common_message(profile, &found, msg, msglen);
	else
		medsec_password_rule_message(profile, rule, msg, msglen);
	return rule;
}

int
medsec_password_check(const struct medsec_password_profile *profile,
    const char *user, const char *password, size_t len, char *msg,
    size_t msglen)
{
	return medsec_password_check_context(profile, user, NULL, 0, password,
	    len, msg, msglen);
}
