/*
 * The password checker on untrusted bytes. The first byte gives the
 * length of the user id that follows (cut to what is there); the rest is
 * the password. Under every profile the answer is one of the rules the
 * checker returns, the message is a NUL-terminated string, the answer
 * does not change when asked twice, and COMMON agrees with the list or
 * says which entry the decorated candidate was built on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec/password_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct medsec_password_profile *p, const char *user,
    const char *pw, size_t len)
{
	char msg[256];
	int r;

	r = medsec_password_check(p, user, pw, len, msg, sizeof(msg));
	if (r < MEDSEC_PWRULE_OK || r > MEDSEC_PWRULE_ENCODING ||
	    r == MEDSEC_PWRULE_REUSED || memchr(msg, '\0', sizeof(msg)) ==
	    NULL || strcmp(medsec_password_rule_name(r), "unknown") == 0)
		abort();
	if (r != medsec_password_check(p, user, pw, len, NULL, 0))
		abort();
	/* A decorated form's message names what it was built on. */
	if (r == MEDSEC_PWRULE_COMMON && !medsec_password_is_common(pw, len) &&
	    strstr(msg, "common password") == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct medsec_password_profile *all;
	size_t ulen, plen, n, i;
	char *user, *pw;

	if (size == 0)
		return 0;
	ulen = data[0] < size - 1 ? data[0] : size - 1;
	plen = size - 1 - ulen;
	user = malloc(ulen + 1);
	/* An exact-size copy lets ASan see any read past the password. */
	pw = malloc(plen > 0 ? plen : 1);
	if (user == NULL || pw == NULL)
		abort();
	memcpy(user, data + 1, ulen);
	user[ulen] = '\0';
	memcpy(pw, data + 1 + ulen, plen);
	all = medsec_password_profiles(&n);
	for (i = 0; i < n; i++)
		check(&all[i], user, pw, plen);
	check(NULL, NULL, pw, plen);
	free(user);
	free(pw);
	return 0;
}
