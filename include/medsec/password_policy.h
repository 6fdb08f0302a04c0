/*
 * medsec password_policy: the rules a new password must pass (MFDS 1.9),
 * as named, versioned profiles so a manufacturer can select another
 * jurisdiction's. The default, "kr-pipc", is Korea's personal-information
 * safety standard as usually applied:
 *   - at least 10 characters from two classes (upper, lower, digit,
 *     symbol), or at least 8 from three;
 *   - the user id not contained (case-insensitive);
 *   - no run of 4 or more identical or sequential characters ("aaaa",
 *     "1234", "dcba");
 *   - not in the bundled list of common passwords (case-insensitive),
 *     nor an entry or a name of the device or product with the usual
 *     decorations ("P@ssw0rd2024", "Medsec2026!", "admin@123");
 *   - not one of the last N passwords (checked by the caller against
 *     stored hashes; see identity);
 *   - at most 1024 bytes, valid UTF-8 without control characters; never
 *     truncated.
 * Each refusal names the rule it broke.
 */
#ifndef MEDSEC_PASSWORD_POLICY_H
#define MEDSEC_PASSWORD_POLICY_H

#include "medsec/base.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEDSEC_PASSWORD_MAX 1024 /* bytes; longer is refused, not cut */

enum medsec_password_rule {
	MEDSEC_PWRULE_OK = 0,
	MEDSEC_PWRULE_LENGTH,	   /* too short for its number of classes */
	MEDSEC_PWRULE_CLASSES,	   /* too few character classes */
	MEDSEC_PWRULE_CONTAINS_USER, /* contains the user id */
	MEDSEC_PWRULE_REPEAT,	   /* 4+ identical characters in a row */
	MEDSEC_PWRULE_SEQUENCE,	   /* 4+ sequential characters */
	MEDSEC_PWRULE_COMMON,	   /* in the common-password list */
	MEDSEC_PWRULE_REUSED,	   /* one of the last N (set by identity) */
	MEDSEC_PWRULE_TOO_LONG,	   /* over MEDSEC_PASSWORD_MAX */
	MEDSEC_PWRULE_ENCODING,	   /* invalid UTF-8 or control characters */
};

struct medsec_password_profile {
	const char *name;	 /* "kr-pipc" */
	const char *version;	 /* "1" */
	const char *description; /* one line, with the source it follows */
	size_t min_len_two_classes;   /* 10 */
	size_t min_len_three_classes; /* 8 */
	size_t max_run;		      /* 3: runs longer than this refused */
	int check_common;	      /* use the bundled list */
	int check_user;		      /* refuse passwords containing the id */
	unsigned history;	      /* last N not reused (identity applies) */
	/*
	 * Fewest classes accepted at all (1..4). With 1 no composition is
	 * imposed: "nist-800-63b" sets both lengths to 8 and this to 1.
	 * 0, as in a profile written before this field, means 2.
	 */
	size_t min_classes;
};

/* A profile by name ("kr-pipc", "nist-800-63b"), or NULL. */
MEDSEC_API
const struct medsec_password_profile *medsec_password_profile_find(
    const char *name);
/* All profiles; *np gets the count. */
MEDSEC_API
const struct medsec_password_profile *medsec_password_profiles(size_t *np);

/*
 * Checks a candidate (len bytes, need not be NUL-terminated) for user.
 * Returns the first rule broken (MEDSEC_PWRULE_OK when none) and, when
 * msg is non-NULL, a sentence naming the rule and what to do. Never
 * copies the password anywhere it is not wiped.
 *
 * Rules are tried in this fixed order and the first broken one is
 * returned: ENCODING (invalid UTF-8, a C0 or C1 control character, DEL,
 * or password NULL with len > 0), TOO_LONG (len > MEDSEC_PASSWORD_MAX),
 * LENGTH/CLASSES, CONTAINS_USER, REPEAT, SEQUENCE, COMMON. REUSED is
 * never returned here. Lengths count code points, not bytes. Classes are
 * upper, lower, digit (ASCII) and symbol, which takes every other code
 * point, non-ASCII letters included. A candidate shorter than both
 * minimum lengths is LENGTH; otherwise one with fewer than min_classes
 * classes is CLASSES, then one short for its number of classes LENGTH.
 * REPEAT and SEQUENCE refuse runs longer than max_run (0 turns both off)
 * of identical code points, or of ASCII letters or digits each one more
 * (or each one less) than the last, letters compared without case.
 * user may be NULL or empty (the user rule is then skipped); it is
 * compared without ASCII case, and with look-alike characters read as
 * the letters they stand for ('@' a, '0' o, '1' and '!' i or l, '3' e,
 * '$' and '5' s, '7' t ...), so "Nur5e01!" holds "nurse01".
 * COMMON is the list entry itself, or, once up to 8 leading and
 * trailing digits, symbols or spaces are stripped and look-alikes read
 * as letters, a list entry of 4 or more bytes ("P@ssw0rd2024") or a
 * context word ("medsec", always). Letters are never stripped, so a
 * passphrase that merely contains a common word is not refused. A
 * decorated candidate's message names the entry or word it was built
 * on and what was added, e.g. 'password is a common password
 * ("password") with digits and symbols added; ...'.
 * profile NULL means "kr-pipc". The message never holds the password or
 * the user id; it is truncated to msglen.
 */
MEDSEC_API
int medsec_password_check(const struct medsec_password_profile *profile,
    const char *user, const char *password, size_t len, char *msg,
    size_t msglen);

/*
 * As medsec_password_check(), with the words this device is known by
 * (its id, model, vendor or site names: words[0..nwords), NULL entries
 * skipped, at most 64 bytes each, compared without ASCII case) refused
 * under the common rule like list entries, decorated or not. words may
 * be NULL when nwords is 0; "medsec" is always one.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_password_check_context(
    const struct medsec_password_profile *profile, const char *user,
    const char *const *words, size_t nwords, const char *password,
    size_t len, char *msg, size_t msglen);

/*
 * Writes into msg (at most msglen bytes, NUL-terminated) the sentence
 * medsec_password_check gives for rule under profile (NULL: "kr-pipc"),
 * e.g. for MEDSEC_PWRULE_REUSED, which the caller detects itself.
 */
MEDSEC_API
void medsec_password_rule_message(
    const struct medsec_password_profile *profile, int rule, char *msg,
    size_t msglen);

/* Short stable name of a rule ("length", "common", ...); "unknown" if none. */
MEDSEC_API
const char *medsec_password_rule_name(int rule);

/*
 * Whether the bundled list holds this password: 1 or 0. ASCII letters are
 * compared without case; other bytes as they are. The list is public
 * data compiled into the library (data/passwords/README.md).
 */
MEDSEC_API
int medsec_password_is_common(const char *password, size_t len);
/* Number of entries in the bundled list. */
MEDSEC_API
size_t medsec_password_common_count(void);

#ifdef __cplusplus
}
#endif
#endif
