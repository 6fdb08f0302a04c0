/*
 * Lookup in the bundled list of common passwords (MFDS 1.9).
 *
 * The tables (the third-party list and the project's additions) are
 * built at compile time (cmake/passwords.cmake), sorted and lowercased,
 * so a lookup is a binary search with no lock and no start-up cost.
 * The candidate is lowercased into a stack buffer that is wiped before
 * return; nothing else holds a copy.
 *
 * The normalized check (password_common_find) walks the same tables:
 * the candidate is read one byte at a time, each byte as itself or as
 * the letters it can stand for, and a branch is followed only while
 * some entry starts with what was read so far. The sorted table makes
 * that a binary search per step, so no variant is ever spelled out
 * that no entry could complete, and a fixed step budget bounds the
 * worst case. All of it runs on the stack.
 *
 * The search branches on the candidate's bytes, so its timing says
 * roughly where in a public list the candidate falls. That is accepted:
 * it runs once per password change, on the device, and a constant-time
 * scan of every entry would cost far more for little protection. The
 * candidate is never compared with a stored secret here.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "medsec/crypto.h"
#include "medsec/password_policy.h"
#include "password/password_int.h"

#define CORE_BUF 64	 /* longest core searched in the table */
#define READINGS_MAX 3	 /* a byte as itself and as up to two letters */
#define WALK_BUDGET 4096 /* table steps per check, whatever the input */

/* The product's own name is guessed first, on every device. */
static const char *const builtin_words[] = { "medsec", "medsecd" };

/* One sorted table of cmake/passwords.cmake. */
struct pw_table {
	const unsigned char *blob;
	const uint32_t *offsets;
	const size_t *count;
	const size_t *maxlen;
};

static const struct pw_table tables[] = {
	{ medsec_pw_blob, medsec_pw_offsets, &medsec_pw_count,
	    &medsec_pw_maxlen },
	{ medsec_pw_more_blob, medsec_pw_more_offsets, &medsec_pw_more_count,
	    &medsec_pw_more_maxlen },
};

#define NTABLES (sizeof(tables) / sizeof(tables[0]))

static const unsigned char *
entry(const struct pw_table *t, size_t i)
{
	return t->blob + t->offsets[i];
}

static size_t
entry_len(const struct pw_table *t, size_t i)
{
	return t->offsets[i + 1] - t->offsets[i] - 1;
}

/* Bytewise order with a shorter prefix first, as the generator sorts. */
static int
entry_cmp(const struct pw_table *t, const unsigned char *a, size_t alen,
    size_t i)
{
	const unsigned char *e = entry(t, i);
	size_t elen = entry_len(t, i);
	size_t k, n = alen < elen ? alen : elen;

	for (k = 0; k < n; k++)
		if (a[k] != e[k])
			return a[k] < e[k] ? -1 : 1;
	if (alen == elen)
		return 0;
	return alen < elen ? -1 : 1;
}

/* Index of the first entry not below s[0..len): 0..count. */
static size_t
lower_bound(const struct pw_table *t, const unsigned char *s, size_t len)
{
	size_t lo = 0, hi = *t->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (entry_cmp(t, s, len, mid) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Entry i starts with s[0..len). */
static int
entry_has_prefix(const struct pw_table *t, size_t i, const unsigned char *s,
    size_t len)
{
	return i < *t->count && entry_len(t, i) >= len &&
	    memcmp(entry(t, i), s, len) == 0;
}

static int
lookup(const unsigned char *s, size_t len)
{
	size_t k, i;

	for (k = 0; k < NTABLES; k++) {
		i = lower_bound(&tables[k], s, len);
		if (i < *tables[k].count && entry_len(&tables[k], i) == len &&
		    entry_has_prefix(&tables[k], i, s, len))
			return 1;
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
	if (password == NULL || len == 0 || len > sizeof(buf) ||
	    (len > medsec_pw_maxlen && len > medsec_pw_more_maxlen))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)password[i];

		buf[i] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
	}
	found = lookup(buf, len);
	medsec_wipe(buf, len);
	return found;
}

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* ASCII other than a letter: what people add around a word. */
static int
is_decoration(unsigned char c)
{
	c = lower(c);
	return c < 0x80 && !(c >= 'a' && c <= 'z');
}

/*
 * What byte c may stand for: the letters it is commonly written for,
 * then itself (lowercased), so the entry a message names is spelled in
 * letters where it can be ("password", not "passw0rd"). Returns how many
 * readings out holds.
 */
static size_t
readings(unsigned char c, unsigned char out[READINGS_MAX])
{
	size_t n = 0;

	switch (c) {
	case '@':
	case '4':
		out[n++] = 'a';
		break;
	case '8':
		out[n++] = 'b';
		break;
	case '(':
		out[n++] = 'c';
		break;
	case '3':
		out[n++] = 'e';
		break;
	case '6':
	case '9':
		out[n++] = 'g';
		break;
	case '1':
	case '!':
	case '|':
		out[n++] = 'i';
		out[n++] = 'l';
		break;
	case '0':
		out[n++] = 'o';
		break;
	case '$':
	case '5':
		out[n++] = 's';
		break;
	case '7':
	case '+':
		out[n++] = 't';
		break;
	default:
		break;
	}
	out[n++] = lower(c);
	return n;
}

/* Byte c of a candidate can be read as the (lowercased) byte want. */
static int
reads_as(unsigned char c, unsigned char want)
{
	unsigned char r[READINGS_MAX];
	size_t n = readings(c, r), k;
	int match = 0;

	for (k = 0; k < n; k++)
		match |= r[k] == want;
	medsec_wipe(r, sizeof(r));
	return match;
}

int
password_contains_lookalike(const char *pw, size_t len, const char *user)
{
	const unsigned char *s = (const unsigned char *)pw;
	size_t ulen, i, k;

	if (pw == NULL || user == NULL || (ulen = strlen(user)) == 0 ||
	    ulen > len)
		return 0;
	for (i = 0; i + ulen <= len; i++) {
		for (k = 0; k < ulen; k++)
			if (!reads_as(s[i + k], lower((unsigned char)user[k])))
				break;
		if (k == ulen)
			return 1;
	}
	return 0;
}

/*
 * One candidate under examination. lead is the length of its leading
 * run of decorations, trail where its trailing run starts: a core may
 * start no later than lead and end no earlier than trail.
 */
struct walk {
	const unsigned char *pw;
	size_t len;
	size_t lead, trail;
	size_t budget;
	unsigned char core[CORE_BUF];
	unsigned char next[CORE_BUF + 1]; /* reading to try next, per depth */
	unsigned char r[READINGS_MAX];
};

static size_t
core_max(const struct pw_table *t)
{
	return *t->maxlen < CORE_BUF ? *t->maxlen : CORE_BUF;
}

static void
walk_init(struct walk *w, const char *pw, size_t len)
{
	memset(w, 0, sizeof(*w));
	w->pw = (const unsigned char *)pw;
	w->len = len;
	while (w->lead < len && is_decoration(w->pw[w->lead]))
		w->lead++;
	/* All decorations ("2024!!"): the runs cross, any split is allowed. */
	w->trail = len;
	while (w->trail > 0 && is_decoration(w->pw[w->trail - 1]))
		w->trail--;
	w->budget = WALK_BUDGET;
}

/* pw[start..end) may be the word and the rest its decorations. */
static int
decorations_ok(const struct walk *w, size_t start, size_t end)
{
	size_t added = start + (w->len - end);

	if (start > w->lead || end < w->trail || added > PW_DECOR_MAX)
		return 0;
	return added == 0 || end - start >= PW_CORE_MIN;
}

static void
note_found(const struct walk *w, size_t start, size_t end,
    enum pw_found_kind kind, const unsigned char *word, struct pw_found *f)
{
	size_t i, n = end - start;

	f->kind = kind;
	f->added = 0;
	for (i = 0; i < w->len; i++) {
		if (i >= start && i < end) {
			if (lower(w->pw[i]) != word[i - start])
				f->added |= PW_ADDED_LOOKALIKE;
		} else if (w->pw[i] >= '0' && w->pw[i] <= '9')
			f->added |= PW_ADDED_DIGITS;
		else
			f->added |= PW_ADDED_SYMBOLS;
	}
	if (n > PW_WORD_MAX)
		n = PW_WORD_MAX;
	memcpy(f->word, word, n);
	f->word[n] = '\0';
}

/*
 * Depth-first over the readings of pw[start..], following a branch only
 * while some entry begins with what was read. The first entry found
 * whose remaining bytes are acceptable decorations ends the walk.
 */
static int
walk_from(struct walk *w, const struct pw_table *t, size_t start,
    struct pw_found *f)
{
	size_t d = 0, nr, i, cap = w->len - start;

	if (cap > core_max(t))
		cap = core_max(t);
	w->next[0] = 0;
	for (;;) {
		nr = d < cap ? readings(w->pw[start + d], w->r) : 0;
		if (w->next[d] >= nr) {
			if (d == 0)
				return 0;
			d--;
			continue;
		}
		if (w->budget == 0)
			return 0;
		w->budget--;
		w->core[d] = w->r[w->next[d]++];
		i = lower_bound(t, w->core, d + 1);
		if (!entry_has_prefix(t, i, w->core, d + 1))
			continue;
		if (entry_len(t, i) == d + 1 &&
		    decorations_ok(w, start, start + d + 1)) {
			note_found(w, start, start + d + 1, PW_FOUND_LIST,
			    entry(t, i), f);
			return 1;
		}
		d++;
		w->next[d] = 0;
	}
}

/* A context word, lowercased, at some start the decorations allow. */
static int
match_word(const struct walk *w, const char *word, struct pw_found *f)
{
	unsigned char lw[PW_WORD_MAX];
	size_t wlen, start, k;
	int found = 0;

	if (word == NULL || (wlen = strlen(word)) == 0 || wlen > PW_WORD_MAX)
		return 0;
	for (k = 0; k < wlen; k++)
		lw[k] = lower((unsigned char)word[k]);
	for (start = 0; !found && start <= w->lead && start + wlen <= w->len;
	    start++) {
		if (!decorations_ok(w, start, start + wlen))
			continue;
		for (k = 0; k < wlen; k++)
			if (!reads_as(w->pw[start + k], lw[k]))
				break;
		if (k == wlen) {
			note_found(w, start, start + wlen, PW_FOUND_CONTEXT, lw,
			    f);
			found = 1;
		}
	}
	return found;
}

static int
match_words(const struct walk *w, const char *const *words, size_t nwords,
    struct pw_found *f)
{
	size_t i;

	for (i = 0; words != NULL && i < nwords; i++)
		if (match_word(w, words[i], f))
			return 1;
	return 0;
}

int
password_common_find(const char *pw, size_t len, const char *const *words,
    size_t nwords, struct pw_found *f)
{
	struct walk w;
	size_t start, k;
	int found = 0;

	memset(f, 0, sizeof(*f));
	if (pw == NULL || len == 0)
		return 0;
	walk_init(&w, pw, len);
	for (k = 0; !found && k < NTABLES; k++)
		for (start = 0; !found && start <= w.lead &&
		    start <= PW_DECOR_MAX; start++) {
			/* A core longer than any entry cannot be one. */
			if (w.trail > start &&
			    w.trail - start > core_max(&tables[k]))
				continue;
			found = walk_from(&w, &tables[k], start, f);
		}
	if (!found)
		found = match_words(&w, builtin_words, sizeof(builtin_words) /
		    sizeof(builtin_words[0]), f) ||
		    match_words(&w, words, nwords, f);
	medsec_wipe(&w, sizeof(w));
	return found;
}

size_t
medsec_password_common_count(void)
{
	return medsec_pw_count;
}
