/*
 * Operator-supplied and recorded text on the terminal: control bytes
 * (and the backslash, so the escape itself is unambiguous) are written as
 * \xHH, so no escape sequence in a name, reason or path reaches the screen.
 */
#ifndef MEDSEC_CLI_ESCAPE_H
#define MEDSEC_CLI_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

void cli_print_escaped(FILE *f, const char *s);
/* Escapes s into out (always terminated, cut at a whole escape). */
void cli_escape(const char *s, char *out, size_t outlen);
/* Prints "medsec: <prefix><escaped text>" to stderr. */
void cli_fail_escaped(const char *prefix, const char *text);

#endif
