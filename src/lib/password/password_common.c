/*
 * Lookup in the bundled list of common passwords (MFDS 1.9).
 *
 * The table is built at compile time (cmake/passwords.cmake), sorted and
 * lowercased, so a lookup is a binary search with no lock and no
 * start-up cost. The candidate is lowercased into a stack buffer that is
 * wiped before return; nothing else holds a copy.
 *
 * The search branches on the candidate's bytes, so its timing says
 * roughly where in a public list the candidate falls. That is accepted:
 * it runs once per password change, on the device, and a constant-time
 * scan of every entry would cost far more for little protection. The
 * candidate is never compared with a stored secret here.
 */
#include <stddef.h>
#include <stdint.h>

#include "medsec/crypto.h"
#include "medsec/password_policy.h"
#include "password/password_int.h"

/* Bytewise order with a shorter prefix first, as the generator sorts. */
static int
entry_cmp(const unsigned char *a, size_t alen, size_t i)
{
	const unsigned char *e = medsec_pw_blob + medsec_pw_offsets[i];
	size_t elen = medsec_pw_offsets[i + 1] - medsec_pw_offsets[i] - 1;
	size_t k, n = alen < elen ? alen : elen;

	for (k = 0; k < n; k++)
		if (a[k] != e[k])
			return a[k] < e[k] ? -1 : 1;
	if (alen == elen)
		return 0;
	return alen < elen ? -1 : 1;
}

static int
lookup(const unsigned char *s, size_t len)
{
	size_t lo = 0, hi = medsec_pw_count;
	int c;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		c = entry_cmp(s, len, mid);
		if (c == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

int
medsec_password_is_common(const char *password, size_t len)
{
	unsigned char buf[MEDSEC_PASSWORD_MAX];
	size_t i;
	int found;

	/* No entry is longer, so a longer candidate needs no copy. */
	if (password == NULL || len == 0 || len > medsec_pw_maxlen ||
	    len > sizeof(buf))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)password[i];

		buf[i] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
	}
	found = lookup(buf, len);
	medsec_wipe(buf, len);
	return found;
}

size_t
medsec_password_common_count(void)
{
	return medsec_pw_count;
}
