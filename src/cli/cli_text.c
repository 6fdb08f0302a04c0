#include <stdio.h>
#include <string.h>

#include "cli_text.h"

#define SHOWN_INPUT_MAX 40

void
cli_shown(char out[CLI_SHOWN_MAX], const char *s)
{
	size_t i, o = 0;

	for (i = 0; s[i] != '\0' && i < SHOWN_INPUT_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else {
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	if (s[i] != '\0') {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}
