/*
 * Strict INI reading on top of inih (internal). The configuration file,
 * the device profile and the roles file all use it.
 *
 * inih as packaged (libinih 55) reads into a fixed 200-byte line buffer,
 * silently truncates longer lines, treats indented lines as continuations
 * and does not tell the handler the line number. Our files allow lines of
 * up to line_max bytes and must name the line of every error, so inih is
 * fed through our own reader (ini_parse_stream): it checks each line,
 * keeps the value aside and hands inih a short normalised line
 * ("[section]", "key=" or an empty line). inih tracks the section and
 * calls back for each key; the value and the line number come from the
 * reader. Nothing of the text is ever truncated or reinterpreted.
 *
 * What the reader checks, for every caller alike: no NUL byte and no
 * line longer than line_max (both before inih sees anything), a UTF-8
 * byte order mark only at the start, ';' or '#' starting a comment at
 * the start of a line or after whitespace, "[name]" with nothing but a
 * comment after it, and "key = value" with a key of 1..MEDSEC_INI_KEY_MAX
 * characters from A-Z a-z 0-9 . _ -. What a section or key means, and
 * every message about that, is the caller's.
 */
#ifndef MEDSEC_INI_H
#define MEDSEC_INI_H

#include <stddef.h>

#include "medsec/err.h"

/* The largest INI text a reader accepts (MEDSEC_CONFIG_FILE_MAX too). */
#define MEDSEC_INI_FILE_MAX 65536

/* Key names are short; anything longer cannot be one of ours. */
#define MEDSEC_INI_KEY_MAX 40

/* Longest section name a caller may have inih track (inih keeps 50). */
#define MEDSEC_INI_SECTION_MAX 49

/* The syntax faults the reader itself refuses. */
enum medsec_ini_fault {
	MEDSEC_INI_NUL,		/* a NUL byte */
	MEDSEC_INI_LONG_LINE,	/* a line longer than line_max */
	MEDSEC_INI_NO_BRACKET,	/* "[" without "]" */
	MEDSEC_INI_AFTER_HEADER, /* text after "[name]" */
	MEDSEC_INI_NO_EQUALS,	/* neither a header nor "key = value" */
	MEDSEC_INI_NO_KEY,	/* "= value" */
	MEDSEC_INI_BAD_KEY,	/* a key name outside the alphabet or long */
	MEDSEC_INI_SYNTAX,	/* inih refused a line the reader passed */
	MEDSEC_INI_INTERNAL	/* inih and the reader disagree */
};

/*
 * Callbacks return MEDSEC_OK to go on; anything else stops the parse at
 * that line and is what medsec_ini_parse() returns. A callback that stops
 * fills err itself (medsec_ini_err); if it leaves no message the reader
 * records "internal parser error" on that line.
 */
struct medsec_ini_handler {
	/* Names the text in "NUL byte in <what>". */
	const char *what;

	/*
	 * Called as each "[...]" header is read, with the bytes between '['
	 * and the first ']' exactly as written (untrimmed, not NUL-ended).
	 * Called for every header, so a section without keys is seen too.
	 * On success *canon is the name inih tracks and later passes to
	 * key(): NUL-ended, 1..MEDSEC_INI_SECTION_MAX bytes of printable
	 * ASCII without ']', ';', '#' or blanks at either end.
	 */
	int (*section)(void *ctx, const char *name, size_t namelen, int line,
	    const char **canon);

	/*
	 * Called for each "key = value": section is the canonical name of
	 * the section it is in ("" before any header), key is NUL-ended,
	 * value is trimmed, without its comment, never NULL and not
	 * NUL-ended (it points into the text; "" when empty).
	 */
	int (*key)(void *ctx, const char *section, const char *key,
	    const char *value, size_t vallen, int line);

	/*
	 * Optional: rewords a syntax fault the reader refused. err already
	 * holds the standard message, which quotes what was written;
	 * [text, text + len) is the key name for MEDSEC_INI_NO_KEY and
	 * MEDSEC_INI_BAD_KEY, the trimmed line for MEDSEC_INI_NO_EQUALS and
	 * MEDSEC_INI_NO_BRACKET, the text after ']' for
	 * MEDSEC_INI_AFTER_HEADER, else empty.
	 */
	void (*fault)(void *ctx, enum medsec_ini_fault fault, const char *text,
	    size_t len, struct medsec_config_error *err);
};

/*
 * Parses [text, text + len) through inih, calling h's callbacks with ctx
 * and stopping at the first error. err's line, key and message are reset
 * on entry and its file is kept (medsec_ini_err_clear sets it); on failure
 * they name the line and what was wrong. Returns MEDSEC_OK, what a
 * callback returned, or MEDSEC_ERR_CONFIG for a syntax fault.
 */
int medsec_ini_parse(const char *text, size_t len, size_t line_max,
    const struct medsec_ini_handler *h, void *ctx,
    struct medsec_config_error *err);

/* A parser of INI text into out, such as medsec_config_parse(). */
typedef int (*medsec_ini_parse_fn)(const char *name, const char *text,
    size_t len, void *out, struct medsec_config_error *err);

/*
 * Reads the file at path (at most MEDSEC_INI_FILE_MAX bytes) and hands
 * it to parse with path as its name. The keystore's rules apply, checked
 * on the opened file: not a symbolic link, not writable by group or
 * others, owned by the service user (the effective uid) or root; else
 * MEDSEC_ERR_PERMISSION. err (may be NULL) names the file and says why it
 * could not be read: no such file, a symbolic link, not a regular file,
 * its owner or mode (both named), unreadable, too large (then
 * MEDSEC_ERR_CONFIG), or the I/O error, which is returned. Returns
 * MEDSEC_ERR_INVALID for a NULL path or out, else what parse returned.
 */
int medsec_ini_load(const char *path, medsec_ini_parse_fn parse, void *out,
    struct medsec_config_error *err);

/*
 * The checks every INI parse entry point starts with: *errp (or scratch,
 * when *errp is NULL) is cleared and named; args_ok false, or NULL text
 * with a length, is MEDSEC_ERR_INVALID ("invalid arguments"); more than
 * MEDSEC_INI_FILE_MAX bytes is MEDSEC_ERR_CONFIG. On return *errp is
 * the error to fill. Text that is not UTF-8 is MEDSEC_ERR_CONFIG, named
 * as such with its line and byte ("not UTF-8 (CP949/EUC-KR?) at line N
 * byte M"), before any other check can misread it.
 */
int medsec_ini_begin(const char *name, const char *text, size_t len,
    int args_ok, struct medsec_config_error **errp,
    struct medsec_config_error *scratch);

/* Resets err and records the name of the file it is about (may be NULL). */
void medsec_ini_err_clear(struct medsec_config_error *err, const char *file);

/*
 * Records an error on line (0: none): err->key reads "section.key",
 * "section" or "key" (either may be NULL or ""), the message is formatted.
 */
void medsec_ini_err(struct medsec_config_error *err, int line,
    const char *section, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * A printable excerpt of untrusted text for a message: control bytes and
 * non-ASCII become '?', so an error line can never inject into a log; if
 * [s, s + n) does not fit it is cut and ends in "..." (a buffer of fewer
 * than 4 bytes gets "").
 */
void medsec_ini_excerpt(char *out, size_t outlen, const char *s, size_t n);

/* Copies at most srclen bytes of src, always NUL-terminating dst. */
void medsec_ini_copy(char *dst, size_t dstlen, const char *src,
    size_t srclen);

/* The blanks the reader trims: space, tab, CR, FF, VT. */
int medsec_ini_is_space(char c);

/* Trims blanks from both ends of [*sp, *sp + *np) by moving the bounds. */
void medsec_ini_trim(const char **sp, size_t *np);

#endif
