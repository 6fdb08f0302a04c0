/*
 * A running medsecd's local control socket (docs/api.md, "The local
 * control socket"): while the daemon holds the device, the user commands
 * whose effect it must see at once are sent to it there.
 */
#ifndef MEDSEC_CLI_CTL_H
#define MEDSEC_CLI_CTL_H

#include "cli_people.h"

struct cli_ctl_reply {
	int status;		/* a medsec error; MEDSEC_OK: done */
	char code[48];		/* stable, snake_case */
	char message[512];	/* for the administrator */
};

/*
 * Connects to <state>/medsecd.sock: 1 with *fdp when a medsecd answers
 * there, 0 when none does (no socket, nobody listening, or not ours to
 * reach): then the device is opened directly.
 */
int cli_ctl_connect(const char *state, int *fdp);

/*
 * Sends one request (op on target, as the administrator as with the
 * password pw; reason and subject may be NULL) and reads the reply.
 * MEDSEC_OK when a reply came, whatever it says; otherwise an error,
 * already reported. Closes fd.
 */
int cli_ctl_request(int fd, const char *op, const char *as,
    const struct cli_secret *pw, const char *target, const char *reason,
    const char *subject, struct cli_ctl_reply *rep);

#endif
