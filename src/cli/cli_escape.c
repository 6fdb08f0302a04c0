/* Terminal-safe printing of text the operator or a record supplied. */
#include <stdio.h>
#include <string.h>

#include "cli_escape.h"

static int
needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '\\';
}

void
cli_print_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (needs_escape(*p))
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

void
cli_escape(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	if (outlen == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (needs_escape(*p)) {
			if (n + 4 >= outlen)
				break;
			snprintf(out + n, outlen - n, "\\x%02x", *p);
			n += 4;
		} else {
			if (n + 1 >= outlen)
				break;
			out[n++] = (char)*p;
		}
	}
	out[n] = '\0';
}

void
cli_fail_escaped(const char *prefix, const char *text)
{
	fputs("medsec: ", stderr);
	fputs(prefix, stderr);
	cli_print_escaped(stderr, text);
	fputc('\n', stderr);
}
