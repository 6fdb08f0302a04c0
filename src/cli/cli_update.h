/* medsec update subcommands, split across files. */
#ifndef MEDSEC_CLI_UPDATE_H
#define MEDSEC_CLI_UPDATE_H

#include "medsec/signkey.h"

int cli_update_pack(int argc, char **argv);
int cli_update_sign(int argc, char **argv);
int cli_update_inspect(int argc, char **argv);
int cli_update_verify(int argc, char **argv);

#include <stddef.h>

struct cli_command;
/* The device-side subcommands (cmd_update_dev.c). */
const struct cli_command *cli_update_device_cmds(size_t *np);

/* Loads a secret key, reading its passphrase as medsec keygen does. */
int cli_load_signkey(const char *path, int from_stdin, const char *passfile,
    struct medsec_signkey **kp);

#endif
