/*
 * One-time codes (first-administrator setup, emergency access): 25
 * characters from a 32-letter alphabet without look-alikes (no I, O, 0,
 * 1), 125 random bits, written in groups of five. Stored as SHA-256 of
 * the normalised code: the code itself is never kept.
 */
#include <ctype.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/err.h"
#include "identity/identity_int.h"

#define CODE_CHARS 25

static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

int
identity_code_new(char code[MEDSEC_SETUP_CODE_LEN], uint8_t hash[32])
{
	uint8_t rnd[CODE_CHARS];
	size_t i, o = 0;
	int r;

	if ((r = medsec_random(rnd, sizeof(rnd))) != MEDSEC_OK)
		return r;
	for (i = 0; i < CODE_CHARS; i++) {
		if (i > 0 && i % 5 == 0)
			code[o++] = '-';
		/* 256 is a multiple of 32: taking 5 bits keeps it uniform. */
		code[o++] = alphabet[rnd[i] & 31];
	}
	code[o] = '\0';
	medsec_wipe(rnd, sizeof(rnd));
	return identity_code_hash(code, hash);
}

/*
 * Normalises what a person typed (case, dashes and spaces ignored) and
 * hashes it. Anything but 25 alphabet letters is MEDSEC_ERR_AUTH, after
 * the same work, so a malformed code looks like a wrong one.
 */
int
identity_code_hash(const char *code, uint8_t hash[32])
{
	char norm[CODE_CHARS];
	size_t n = 0;
	int bad = code == NULL, r;

	for (; code != NULL && *code != '\0'; code++) {
		int c = toupper((unsigned char)*code);

		if (c == '-' || c == ' ')
			continue;
		if (n == CODE_CHARS || strchr(alphabet, c) == NULL || c == 0) {
			bad = 1;
			break;
		}
		norm[n++] = (char)c;
	}
	if (n != CODE_CHARS)
		bad = 1;
	r = medsec_hash(MEDSEC_ALG_SHA256, norm, n, hash);
	medsec_wipe(norm, sizeof(norm));
	if (r != MEDSEC_OK)
		return r;
	return bad ? MEDSEC_ERR_AUTH : MEDSEC_OK;
}
