/* Showing operator-supplied text in an error message. */
#ifndef MEDSEC_CLI_TEXT_H
#define MEDSEC_CLI_TEXT_H

#include <stddef.h>

/* Enough for a 40-byte excerpt with every byte escaped, and "...". */
#define CLI_SHOWN_MAX (40 * 4 + 4)

/*
 * Writes s into out (at most CLI_SHOWN_MAX bytes) safe for a terminal:
 * printable ASCII except '\' as is, other bytes as \xNN, cut after 40
 * bytes of s with "..." so a long value cannot flood the message.
 */
void cli_shown(char out[CLI_SHOWN_MAX], const char *s);

#endif
