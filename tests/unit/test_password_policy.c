/*
 * The password policy (MFDS 1.9): each rule refused with its own code
 * and a message naming it, its accepted twin, the fixed order of rules,
 * the bundled common-password list and the two shipped profiles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmain.h"
#include "medsec/password_policy.h"
#include "password/password_int.h"

#define USER "nurse01"

static const struct medsec_password_profile *
kr(void)
{
	const struct medsec_password_profile *p;

	p = medsec_password_profile_find("kr-pipc");
	assert_non_null(p);
	return p;
}

static const struct medsec_password_profile *
nist(void)
{
	const struct medsec_password_profile *p;

	p = medsec_password_profile_find("nist-800-63b");
	assert_non_null(p);
	return p;
}

/* memmem is a GNU extension; the project builds with _DEFAULT_SOURCE. */
static int
has_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i;

	for (i = 0; nlen <= hlen && i <= hlen - nlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

/*
 * Asserts that pw (len bytes) gets rule, that the message holds text and
 * holds neither the password nor the user id.
 */
static void
expect_len(const struct medsec_password_profile *p, const char *user,
    const char *pw, size_t len, int rule, const char *text)
{
	char msg[256];
	int r;

	memset(msg, 'X', sizeof(msg));
	r = medsec_password_check(p, user, pw, len, msg, sizeof(msg));
	if (r != rule)
		fail_msg("\"%.*s\": rule %s (%s), expected %s", (int)len, pw,
		    medsec_password_rule_name(r), msg,
		    medsec_password_rule_name(rule));
	assert_non_null(memchr(msg, '\0', sizeof(msg)));
	if (text != NULL && strstr(msg, text) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", msg, text);
	if (pw != NULL && len >= 4)
		assert_false(has_bytes(msg, strlen(msg), pw, len));
	if (user != NULL && user[0] != '\0')
		assert_null(strstr(msg, user));
}

static void
expect(const struct medsec_password_profile *p, const char *pw, int rule,
    const char *text)
{
	expect_len(p, USER, pw, strlen(pw), rule, text);
}

static void
accepted(const struct medsec_password_profile *p, const char *pw)
{
	expect(p, pw, MEDSEC_PWRULE_OK, "meets");
}

static void
test_req_1_9_short_two_class_refused(void **state)
{
	(void)state;
	/* 9 characters of two kinds: 10 are needed. */
	expect(kr(), "kx7mq2wp9", MEDSEC_PWRULE_LENGTH, "too short");
	expect(kr(), "kx7mq2wp9", MEDSEC_PWRULE_LENGTH,
	    "at least 10 characters with two kinds (upper, lower, digit, "
	    "symbol), or 8 with three");
	expect(kr(), "Kx7", MEDSEC_PWRULE_LENGTH, "too short");
	expect(kr(), "", MEDSEC_PWRULE_LENGTH, "too short");
	expect_len(kr(), USER, NULL, 0, MEDSEC_PWRULE_LENGTH, "too short");
}

static void
test_req_1_9_ten_chars_two_classes_accepted(void **state)
{
	(void)state;
	accepted(kr(), "kx7mq2wp9z");
	accepted(kr(), "KXQMZ#WPVT");
}

static void
test_req_1_9_eight_chars_three_classes_accepted(void **state)
{
	(void)state;
	accepted(kr(), "Kx7mq2wp");
	accepted(kr(), "kx7m!2wp");
}

static void
test_req_1_9_seven_chars_three_classes_refused(void **state)
{
	(void)state;
	expect(kr(), "Kx7mq2w", MEDSEC_PWRULE_LENGTH, "too short");
	expect(kr(), "Kx7m!2w", MEDSEC_PWRULE_LENGTH, "too short");
}

static void
test_req_1_9_one_class_refused(void **state)
{
	(void)state;
	expect(kr(), "kxqmzwpvtrb", MEDSEC_PWRULE_CLASSES,
	    "too few kinds of character");
	expect(kr(), "58203917465", MEDSEC_PWRULE_CLASSES, "kinds");
}

static void
test_req_1_9_min_classes_zero_means_two(void **state)
{
	struct medsec_password_profile p = *kr();

	(void)state;
	p.min_classes = 0;
	expect(&p, "kxqmzwpvtrb", MEDSEC_PWRULE_CLASSES, "kinds");
	accepted(&p, "kxqmzwpvt5");
}

static void
test_req_1_9_contains_user_refused(void **state)
{
	(void)state;
	expect(kr(), "nurse01#Kq", MEDSEC_PWRULE_CONTAINS_USER,
	    "contains the user name");
	/* Without case: neither "nurse01" nor "NURSE01" may be shown. */
	expect(kr(), "xNURSE01#q", MEDSEC_PWRULE_CONTAINS_USER,
	    "contains the user name");
	expect(kr(), "Kq#xnUrSe01", MEDSEC_PWRULE_CONTAINS_USER, "user name");
	expect(nist(), "mynurse01pass", MEDSEC_PWRULE_CONTAINS_USER,
	    "user name");
}

static void
test_req_1_9_user_absent_accepted(void **state)
{
	(void)state;
	accepted(kr(), "xNURSE02#q");
	expect_len(kr(), NULL, "xNURSE01#q", 10, MEDSEC_PWRULE_OK, "meets");
	expect_len(kr(), "", "xNURSE01#q", 10, MEDSEC_PWRULE_OK, "meets");
}

static void
test_req_1_9_repeat_run_refused(void **state)
{
	(void)state;
	expect(kr(), "Kx7aaaa2wp", MEDSEC_PWRULE_REPEAT,
	    "4 or more repeated characters");
	expect(kr(), "Kx7mq2w####", MEDSEC_PWRULE_REPEAT, "repeated");
	/* Identical code points, not only ASCII. */
	expect(kr(), "Kx7m\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80",
	    MEDSEC_PWRULE_REPEAT, "repeated");
}

static void
test_req_1_9_three_run_accepted(void **state)
{
	(void)state;
	accepted(kr(), "Kx7aaa2wpq");
	accepted(kr(), "Kxabc7wpq");
	accepted(kr(), "Kx321mwpq");
	accepted(kr(), "Kx7mq2w###");
	/* "aAaA" is four different code points, so no repeat. */
	accepted(kr(), "KxaAaA7wp");
}

static void
test_req_1_9_sequence_refused(void **state)
{
	(void)state;
	expect(kr(), "Kx1234wpq", MEDSEC_PWRULE_SEQUENCE,
	    "4 or more sequential letters or digits");
	expect(kr(), "Kxabcd7wp", MEDSEC_PWRULE_SEQUENCE, "sequential");
	expect(kr(), "Kxdcba7wp", MEDSEC_PWRULE_SEQUENCE, "sequential");
	expect(kr(), "Kx4321wpq", MEDSEC_PWRULE_SEQUENCE, "sequential");
	expect(kr(), "KxaBcD7wp", MEDSEC_PWRULE_SEQUENCE, "sequential");
	expect(kr(), "Kx7wpqWXYZ", MEDSEC_PWRULE_SEQUENCE, "sequential");
}

static void
test_req_1_9_sequence_within_one_kind_accepted(void **state)
{
	(void)state;
	/* 7, 8, 9 then a, b: digits and letters do not chain. */
	accepted(kr(), "Kx789abwp");
	/* No wrap-around from z to a or from 9 to 0. */
	accepted(kr(), "Kxyzab7wp");
	accepted(kr(), "Kx8901wpq");
}

static void
test_req_1_9_common_password_refused(void **state)
{
	(void)state;
	assert_true(medsec_password_is_common("password1", 9));
	assert_true(medsec_password_is_common("qwerty123", 9));
	/* Both pass every earlier rule of their profile. */
	expect(nist(), "password1", MEDSEC_PWRULE_COMMON,
	    "in the list of common passwords");
	expect(nist(), "qwerty123", MEDSEC_PWRULE_COMMON, "common passwords");
	expect(kr(), "Password1", MEDSEC_PWRULE_COMMON, "common passwords");
	expect(kr(), "Charlie123", MEDSEC_PWRULE_COMMON, "common passwords");
	/* A walk with digits and a symbol added is the walk. */
	expect(kr(), "QWERTY123!", MEDSEC_PWRULE_COMMON, "(\"qwerty\")");
}

/* A decorated form, the entry or word it hides, and what was added. */
struct decorated {
	const char *pw;
	const char *base;
	const char *added;
};

static const struct decorated decorated_forms[] = {
	{ "Password123!", "password", "with digits and symbols added" },
	{ "P@ssw0rd2024", "password", "look-alike" },
	{ "Medsec2026!", "medsec", "with digits and symbols added" },
	{ "admin@123", "admin", "with digits and symbols added" },
	{ "Welcome1!", "welcome", "with digits and symbols added" },
	{ "Qwerty123!", "qwerty", "with digits and symbols added" },
	{ "P@ssword1", "password", "look-alike" },
	{ "Passw0rd!", "password", "look-alike" },
	{ "p@$$w0rd99", "password", "look-alike" },
	{ "Dragon2024!", "dragon", "with digits and symbols added" },
	{ "Monkey123!", "monkey", "with digits and symbols added" },
	{ "Letmein!23", "letmein", "with digits and symbols added" },
	{ "Football#1", "football", "with digits and symbols added" },
	{ "Sunshine2023", "sunshine", "with digits added" },
	{ "Iloveyou!!", "iloveyou", "with symbols added" },
	{ "1qaz2wsx!", "1qaz2wsx", "with symbols added" },
	{ "Asdfgh123!", "asdfgh", "with digits and symbols added" },
	{ "Admin2024!", "admin", "with digits and symbols added" },
	{ "adm1n@2024", "admin", "look-alike" },
	{ "W3lc0me!", "welcome", "look-alike" },
	{ "Summer2024!", "summer", "with digits and symbols added" },
	{ "Baseball99!", "baseball", "with digits and symbols added" },
	{ "Shadow#2024", "shadow", "with digits and symbols added" },
	{ "Superman!1", "superman", "with digits and symbols added" },
	{ "Master123$", "master", "with digits and symbols added" },
	{ "Princess2024", "princess", "with digits added" },
	{ "Hospital2024!", "hospital", "with digits and symbols added" },
	{ "Telehealth1!", "telehealth", "with digits and symbols added" },
	{ "Qwertyuiop1!", "qwertyuiop", "with digits and symbols added" },
	{ "Zxcvbnm123!", "zxcvbnm", "with digits and symbols added" },
	{ "2024Password!", "password", "with digits and symbols added" },
	{ "#1Password", "password", "with digits and symbols added" },
	{ "!!Password!!", "password", "with symbols added" },
	{ "Medsec#1", "medsec", "with digits and symbols added" },
	{ "M3ds3c!2026", "medsec", "look-alike" },
	{ "$hadow2024", "shadow", "look-alike" },
	{ "Poiuytrewq9!", "poiuytrewq", "with digits and symbols added" },
	{ "2wsx3edc!!", "2wsx3edc", "with symbols added" },
};

static void
expect_decorated(const struct medsec_password_profile *p,
    const struct decorated *d)
{
	char text[64];

	snprintf(text, sizeof(text), "(\"%s\")", d->base);
	expect(p, d->pw, MEDSEC_PWRULE_COMMON, "common password");
	expect(p, d->pw, MEDSEC_PWRULE_COMMON, text);
	expect(p, d->pw, MEDSEC_PWRULE_COMMON, d->added);
}

static void
test_req_1_9_common_password_with_decorations_refused(void **state)
{
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < sizeof(decorated_forms) / sizeof(decorated_forms[0]);
	    i++) {
		expect_decorated(kr(), &decorated_forms[i]);
		expect_decorated(nist(), &decorated_forms[i]);
		n++;
	}
	assert_true(n >= 30);
	/* A list entry as it is: the plain sentence, nothing echoed. */
	expect(nist(), "PASSWORD1", MEDSEC_PWRULE_COMMON,
	    "in the list of common passwords");
	/* Not an entry itself, but "password" with digits. */
	expect(nist(), "password123", MEDSEC_PWRULE_COMMON,
	    "(\"password\") with digits added");
}

static void
test_req_1_9_good_passphrases_accepted(void **state)
{
	static const char *const good[] = {
		"correct horse battery staple",
		"Correct Horse Battery Staple 9",
		"q7$Lm2#vR9x!pT4w",
		"Zk4#pW9!tQ2mVr8&",
		"hV3!xq8Rk#2mPz7w",
		"blue-Coffee-Mountain-42",
		/* Common words inside a phrase: letters are never stripped. */
		"my password is long and secret 2024",
		"Password managers remember 40 chars",
		"Welcome to the night shift, Ward 7!",
		"dragon fruit and 3 kiwis",
		"Kx7mq2wp9z",
		"Tr0ub4dor&3q",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		accepted(kr(), good[i]);
		accepted(nist(), good[i]);
	}
}

static void
test_req_1_9_common_decorations_bounded(void **state)
{
	(void)state;
	/* Eight added characters still hide the entry; nine do not. */
	expect(nist(), "Dragon!2024#$%", MEDSEC_PWRULE_COMMON, "(\"dragon\")");
	accepted(nist(), "Dragon!2024#$%^");
	/* Entries under four characters are not looked for in decorations. */
	accepted(nist(), "abc!!2024##");
	/* Letters stay: a word with a letter added is another word. */
	accepted(nist(), "Passwordx2024!q");
}

static void
test_req_1_9_user_id_lookalike_refused(void **state)
{
	(void)state;
	expect(kr(), "Nur5e01!x", MEDSEC_PWRULE_CONTAINS_USER,
	    "contains the user name");
	expect(kr(), "nur$e01#Kq", MEDSEC_PWRULE_CONTAINS_USER, "user name");
	/* '|' and '_' are not a 'u'. */
	expect(nist(), "N|_|rse01", MEDSEC_PWRULE_OK, "meets");
	expect_len(kr(), "admin", "@dm1n2024!", 10,
	    MEDSEC_PWRULE_CONTAINS_USER, "user name");
	expect_len(kr(), "admin", "Adm!nistrator#7", 15,
	    MEDSEC_PWRULE_CONTAINS_USER, "user name");
	/* Another id's look-alike is no concern of this rule. */
	expect_len(kr(), "nurse02", "Nur5e01!xq", 10, MEDSEC_PWRULE_OK,
	    "meets");
}

static void
test_req_1_9_device_words_refused(void **state)
{
	static const char *const words[] = { "GW-4411", NULL, "telecare" };
	char msg[256];
	int r;

	(void)state;
	r = medsec_password_check_context(kr(), USER, words, 3,
	    "Telecare2026!", 13, msg, sizeof(msg));
	assert_int_equal(r, MEDSEC_PWRULE_COMMON);
	assert_non_null(strstr(msg, "(\"telecare\")"));
	assert_non_null(strstr(msg, "common password"));
	r = medsec_password_check_context(kr(), USER, words, 3,
	    "T3l3care#1", 10, msg, sizeof(msg));
	assert_int_equal(r, MEDSEC_PWRULE_COMMON);
	assert_non_null(strstr(msg, "look-alike"));
	r = medsec_password_check_context(nist(), USER, words, 3,
	    "gw-4411!!", 9, msg, sizeof(msg));
	assert_int_equal(r, MEDSEC_PWRULE_COMMON);
	assert_non_null(strstr(msg, "(\"gw-4411\")"));
	/* The word itself, undecorated: named by the rule, not echoed. */
	r = medsec_password_check_context(nist(), USER, words, 3,
	    "TELECARE", 8, msg, sizeof(msg));
	assert_int_equal(r, MEDSEC_PWRULE_COMMON);
	assert_null(strstr(msg, "TELECARE"));
	assert_null(strstr(msg, "telecare"));
	assert_non_null(strstr(msg, "common password"));
	/* Without the words the same candidate is only what it is. */
	assert_int_equal(medsec_password_check(kr(), USER, "Telecare2026!",
	    13, NULL, 0), MEDSEC_PWRULE_OK);
	assert_int_equal(medsec_password_check_context(kr(), USER, NULL, 0,
	    "Telecare2026!", 13, NULL, 0), MEDSEC_PWRULE_OK);
}

static void
test_req_1_9_common_lookup_case_insensitive(void **state)
{
	(void)state;
	assert_true(medsec_password_is_common("PassWord", 8));
	assert_true(medsec_password_is_common("PASSWORD", 8));
	/* Only the first len bytes count. */
	assert_true(medsec_password_is_common("password-and-more", 8));
	assert_false(medsec_password_is_common("password-and-more", 17));
	/* Neighbours of entries are not entries. */
	assert_false(medsec_password_is_common("passwordx", 9));
	assert_false(medsec_password_is_common("passwo", 6));
	assert_false(medsec_password_is_common("kx7mq2wp9z", 10));
	assert_false(medsec_password_is_common("", 0));
	assert_false(medsec_password_is_common(NULL, 5));
	/* The ends of the table. */
	assert_true(medsec_password_is_common("&amp", 4));
	assert_true(medsec_password_is_common("ZZZZZZZZ", 8));
	assert_false(medsec_password_is_common("zzzzzzzzz", 9));
	assert_false(medsec_password_is_common(" ", 1));
}

static void
test_req_1_9_common_list_has_10000(void **state)
{
	size_t i, n = medsec_password_common_count();

	(void)state;
	assert_true(n >= 10000);
	assert_int_equal(n, medsec_pw_count);
	/* Strictly ascending and lowercase, as the binary search needs. */
	for (i = 0; i < n; i++) {
		const char *e = (const char *)medsec_pw_blob +
		    medsec_pw_offsets[i];
		size_t len = medsec_pw_offsets[i + 1] - medsec_pw_offsets[i] -
		    1;
		size_t k;

		assert_int_equal(strlen(e), len);
		assert_true(len > 0 && len <= medsec_pw_maxlen);
		for (k = 0; k < len; k++)
			assert_false(e[k] >= 'A' && e[k] <= 'Z');
		if (i > 0)
			assert_true(strcmp((const char *)medsec_pw_blob +
			    medsec_pw_offsets[i - 1], e) < 0);
	}
}

/* Every line of the data file, in any case, is found in the library. */
static size_t
every_entry_found(const char *path)
{
	char line[256];
	size_t n = 0, len, k;
	FILE *f;

	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (len == 0)
			continue;
		if (!medsec_password_is_common(line, len))
			fail_msg("list entry %zu not found", n + 1);
		for (k = 0; k < len; k++)
			if (line[k] >= 'a' && line[k] <= 'z')
				line[k] = (char)(line[k] - 32);
		assert_true(medsec_password_is_common(line, len));
		n++;
	}
	fclose(f);
	return n;
}

/*
 * The third-party list is the counted table; the project's additions are
 * looked up beside it.
 */
static void
test_req_1_9_common_list_every_entry_found(void **state)
{
	(void)state;
	assert_int_equal(every_entry_found(MEDSEC_SOURCE_DIR
	    "/data/passwords/common-passwords.txt"),
	    medsec_password_common_count());
	assert_int_equal(every_entry_found(MEDSEC_SOURCE_DIR
	    "/data/passwords/additions.txt"), medsec_pw_more_count);
	assert_true(medsec_pw_more_count >= 20);
}

static void
test_req_1_9_64_char_passphrase_accepted(void **state)
{
	static const char phrase[] =
	    "Seven quiet herons cross the misty lake at dawn, 2 by 2 in June!";

	(void)state;
	assert_int_equal(strlen(phrase), 64);
	accepted(kr(), phrase);
	accepted(nist(), phrase);
}

static void
fill_pattern(char *buf, size_t len)
{
	static const char pat[] = "Kx7#mq2W";
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat[i % (sizeof(pat) - 1)];
}

static void
test_req_1_9_long_password_not_truncated(void **state)
{
	char a[200], b[200], big[MEDSEC_PASSWORD_MAX + 1];

	(void)state;
	/* Same 199 bytes ending "abc"; only the last byte differs. */
	fill_pattern(a, 196);
	memcpy(a + 196, "abcq", 4);
	memcpy(b, a, 199);
	b[199] = 'd';
	expect_len(kr(), USER, a, sizeof(a), MEDSEC_PWRULE_OK, "meets");
	expect_len(kr(), USER, b, sizeof(b), MEDSEC_PWRULE_SEQUENCE,
	    "sequential");
	/* The user id at the very end is found too. */
	memcpy(b + 200 - strlen(USER), USER, strlen(USER));
	expect_len(kr(), USER, b, sizeof(b), MEDSEC_PWRULE_CONTAINS_USER,
	    "user name");

	fill_pattern(big, sizeof(big));
	expect_len(kr(), USER, big, MEDSEC_PASSWORD_MAX, MEDSEC_PWRULE_OK,
	    "meets");
	expect_len(kr(), USER, big, MEDSEC_PASSWORD_MAX + 1,
	    MEDSEC_PWRULE_TOO_LONG, "too long: at most 1024 bytes");
	expect_len(nist(), USER, big, MEDSEC_PASSWORD_MAX + 1,
	    MEDSEC_PWRULE_TOO_LONG, "too long");
}

static void
test_req_1_9_control_char_refused(void **state)
{
	static const char *const bad[] = {
		"Kx7mq2wp\n", "\tKx7mq2wp", "Kx7mq2wp\r", "Kx7\x1bmq2wp",
		"Kx7mq\x7f" "2wp", "Kx7mq\xc2\x85" "2wp", "Kx7mq\xc2\x9f" "2wp",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(kr(), bad[i], MEDSEC_PWRULE_ENCODING,
		    "without control characters");
	/* An embedded NUL is a control character, not an end. */
	expect_len(kr(), USER, "Kx7mq\0" "2wp", 9, MEDSEC_PWRULE_ENCODING,
	    "control");
	/* U+00A0 (no-break space) is printable: just a symbol. */
	accepted(kr(), "Kx7mq\xc2\xa0" "2wp");
}

static void
test_req_1_9_invalid_utf8_refused(void **state)
{
	static const char *const bad[] = {
		"Kx7mq2wp\xff",		    /* never valid */
		"Kx7mq2wp\x80",		    /* stray continuation */
		"Kx7mq2wp\xc0\xaf",	    /* overlong '/' */
		"Kx7mq2wp\xe0\x80\xaf",	    /* overlong, three bytes */
		"Kx7mq2wp\xed\xa0\x80",	    /* surrogate U+D800 */
		"Kx7mq2wp\xf4\x90\x80\x80", /* over U+10FFFF */
		"Kx7mq2wp\xe3\x81",	    /* cut short */
		"Kx7mq2wp\xe3\x81Z",	    /* continuation missing */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(kr(), bad[i], MEDSEC_PWRULE_ENCODING, "valid UTF-8");
	/* Encoding is judged before length. */
	expect_len(kr(), USER, "\xff", 1, MEDSEC_PWRULE_ENCODING, "UTF-8");
	/* Password NULL with a length is refused, not read. */
	expect_len(kr(), USER, NULL, 5, MEDSEC_PWRULE_ENCODING, "UTF-8");
	/* Four-byte forms are fine. */
	accepted(kr(), "Kx7mq2wp\xf0\x9f\x94\x92");
}

static void
test_req_1_9_hangul_counted_as_symbol(void **state)
{
	(void)state;
	/* Ten Hangul syllables are one class, "other": too few for kr. */
	expect(kr(),
	    "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4\xeb\xb9\x84\xeb\xb0\x80"
	    "\xeb\xb2\x88\xed\x98\xb8\xec\x9e\x85\xeb\x8b\x88\xeb\x8b\xa4",
	    MEDSEC_PWRULE_CLASSES, "kinds");
	/* With a digit: two classes, 11 characters. */
	accepted(kr(),
	    "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4\xeb\xb9\x84\xeb\xb0\x80"
	    "\xeb\xb2\x88\xed\x98\xb8\xec\x9e\x85\xeb\x8b\x88\xeb\x8b\xa4"
	    "1");
	accepted(nist(),
	    "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4\xeb\xb9\x84\xeb\xb0\x80"
	    "\xeb\xb2\x88\xed\x98\xb8\xec\x9e\x85\xeb\x8b\x88\xeb\x8b\xa4");
}

static void
test_req_1_9_length_counts_characters_not_bytes(void **state)
{
	(void)state;
	/* 7 Hangul syllables and a digit: 8 characters in 22 bytes. */
	accepted(nist(), "\xea\xb0\x80\xeb\x82\x98\xeb\x8b\xa4\xeb\x9d\xbc"
	    "\xeb\xa7\x88\xeb\xb0\x94\xec\x82\xac" "1");
	/* 6 syllables and a digit: 7 characters in 19 bytes. */
	expect(nist(), "\xea\xb0\x80\xeb\x82\x98\xeb\x8b\xa4\xeb\x9d\xbc"
	    "\xeb\xa7\x88\xeb\xb0\x94" "1", MEDSEC_PWRULE_LENGTH,
	    "at least 8 characters");
}

static void
test_req_1_9_nist_no_composition_accepted(void **state)
{
	(void)state;
	accepted(nist(), "kxqmzwpv");
	accepted(nist(), "correct horse battery staple");
	expect(nist(), "kxqmzwp", MEDSEC_PWRULE_LENGTH,
	    "too short: at least 8 characters");
	/* Runs are not limited by this profile. */
	accepted(nist(), "kx1234aaaaqm");
}

static void
test_req_1_9_rule_order_first_broken(void **state)
{
	(void)state;
	/* Short, and holds the user id and a sequence: LENGTH first. */
	expect(kr(), "nurse0123", MEDSEC_PWRULE_LENGTH, "too short");
	/* Long enough; user id before the sequence 0123. */
	expect(kr(), "nurse01234x", MEDSEC_PWRULE_CONTAINS_USER, "user name");
	/* Repeat before sequence, wherever each sits. */
	expect(kr(), "Kx1234mqaaaa", MEDSEC_PWRULE_REPEAT, "repeated");
	/* Encoding before everything, even with a length over the cap. */
	{
		char big[MEDSEC_PASSWORD_MAX + 10];

		fill_pattern(big, sizeof(big));
		big[sizeof(big) - 1] = '\n';
		expect_len(kr(), USER, big, sizeof(big),
		    MEDSEC_PWRULE_ENCODING, "control");
	}
}

static void
test_req_1_9_null_profile_is_kr_pipc(void **state)
{
	char msg[256];

	(void)state;
	assert_int_equal(medsec_password_check(NULL, USER, "kx7mq2wp9", 9,
	    msg, sizeof(msg)), MEDSEC_PWRULE_LENGTH);
	assert_int_equal(medsec_password_check(NULL, USER, "kx7mq2wp9z", 10,
	    NULL, 0), MEDSEC_PWRULE_OK);
}

static void
test_req_1_9_message_truncated_safely(void **state)
{
	char msg[8];

	(void)state;
	memset(msg, 'X', sizeof(msg));
	assert_int_equal(medsec_password_check(kr(), USER, "Kx7", 3, msg,
	    sizeof(msg)), MEDSEC_PWRULE_LENGTH);
	assert_int_equal(strlen(msg), sizeof(msg) - 1);
	msg[0] = 'X';
	assert_int_equal(medsec_password_check(kr(), USER, "Kx7", 3, msg, 0),
	    MEDSEC_PWRULE_LENGTH);
	assert_int_equal(msg[0], 'X');
}

static void
test_req_1_9_reused_message_names_history(void **state)
{
	char msg[256];

	(void)state;
	medsec_password_rule_message(kr(), MEDSEC_PWRULE_REUSED, msg,
	    sizeof(msg));
	assert_non_null(strstr(msg, "used recently"));
	assert_non_null(strstr(msg, "last 5"));
	medsec_password_rule_message(kr(), 99, msg, sizeof(msg));
	assert_non_null(strstr(msg, "unknown rule"));
}

static void
test_req_1_9_profile_lookup(void **state)
{
	const struct medsec_password_profile *all, *p;
	size_t n, i;

	(void)state;
	p = kr();
	assert_string_equal(p->name, "kr-pipc");
	assert_string_equal(p->version, "1");
	assert_non_null(strstr(p->description, "PIPC"));
	assert_non_null(strstr(p->description, "KISA"));
	assert_int_equal(p->min_len_two_classes, 10);
	assert_int_equal(p->min_len_three_classes, 8);
	assert_int_equal(p->max_run, 3);
	assert_true(p->check_common && p->check_user);
	assert_int_equal(p->history, 5);
	assert_int_equal(p->min_classes, 2);

	p = nist();
	assert_string_equal(p->version, "1");
	assert_non_null(strstr(p->description, "800-63B"));
	assert_int_equal(p->min_len_two_classes, 8);
	assert_int_equal(p->min_len_three_classes, 8);
	assert_int_equal(p->min_classes, 1);
	assert_int_equal(p->max_run, 0);
	assert_true(p->check_common && p->check_user);
	assert_int_equal(p->history, 0);

	all = medsec_password_profiles(&n);
	assert_int_equal(n, 2);
	assert_ptr_equal(all, medsec_password_profiles(NULL));
	for (i = 0; i < n; i++)
		assert_ptr_equal(medsec_password_profile_find(all[i].name),
		    &all[i]);
}

static void
test_req_1_9_unknown_profile_refused(void **state)
{
	(void)state;
	assert_null(medsec_password_profile_find("kr-PIPC"));
	assert_null(medsec_password_profile_find("kr-pipc "));
	assert_null(medsec_password_profile_find(""));
	assert_null(medsec_password_profile_find("nist"));
	assert_null(medsec_password_profile_find(NULL));
}

static void
test_req_1_9_rule_names(void **state)
{
	static const char *const want[] = { "ok", "length", "classes",
		"contains_user", "repeat", "sequence", "common", "reused",
		"too_long", "encoding" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(medsec_password_rule_name((int)i),
		    want[i]);
	assert_int_equal(MEDSEC_PWRULE_ENCODING, 9);
	assert_string_equal(medsec_password_rule_name(10), "unknown");
	assert_string_equal(medsec_password_rule_name(-1), "unknown");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_req_1_9_short_two_class_refused),
	cmocka_unit_test(test_req_1_9_ten_chars_two_classes_accepted),
	cmocka_unit_test(test_req_1_9_eight_chars_three_classes_accepted),
	cmocka_unit_test(test_req_1_9_seven_chars_three_classes_refused),
	cmocka_unit_test(test_req_1_9_one_class_refused),
	cmocka_unit_test(test_req_1_9_min_classes_zero_means_two),
	cmocka_unit_test(test_req_1_9_contains_user_refused),
	cmocka_unit_test(test_req_1_9_user_absent_accepted),
	cmocka_unit_test(test_req_1_9_repeat_run_refused),
	cmocka_unit_test(test_req_1_9_three_run_accepted),
	cmocka_unit_test(test_req_1_9_sequence_refused),
	cmocka_unit_test(test_req_1_9_sequence_within_one_kind_accepted),
	cmocka_unit_test(test_req_1_9_common_password_refused),
	cmocka_unit_test(test_req_1_9_common_password_with_decorations_refused),
	cmocka_unit_test(test_req_1_9_good_passphrases_accepted),
	cmocka_unit_test(test_req_1_9_common_decorations_bounded),
	cmocka_unit_test(test_req_1_9_user_id_lookalike_refused),
	cmocka_unit_test(test_req_1_9_device_words_refused),
	cmocka_unit_test(test_req_1_9_common_lookup_case_insensitive),
	cmocka_unit_test(test_req_1_9_common_list_has_10000),
	cmocka_unit_test(test_req_1_9_common_list_every_entry_found),
	cmocka_unit_test(test_req_1_9_64_char_passphrase_accepted),
	cmocka_unit_test(test_req_1_9_long_password_not_truncated),
	cmocka_unit_test(test_req_1_9_control_char_refused),
	cmocka_unit_test(test_req_1_9_invalid_utf8_refused),
	cmocka_unit_test(test_req_1_9_hangul_counted_as_symbol),
	cmocka_unit_test(test_req_1_9_length_counts_characters_not_bytes),
	cmocka_unit_test(test_req_1_9_nist_no_composition_accepted),
	cmocka_unit_test(test_req_1_9_rule_order_first_broken),
	cmocka_unit_test(test_req_1_9_null_profile_is_kr_pipc),
	cmocka_unit_test(test_req_1_9_message_truncated_safely),
	cmocka_unit_test(test_req_1_9_reused_message_names_history),
	cmocka_unit_test(test_req_1_9_profile_lookup),
	cmocka_unit_test(test_req_1_9_unknown_profile_refused),
	cmocka_unit_test(test_req_1_9_rule_names),
};

MEDSEC_TEST_MAIN(tests)
