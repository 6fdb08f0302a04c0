/*
 * medsecd: the parts shared by main, monitor and worker.
 */
#ifndef MEDSECD_DAEMON_H
#define MEDSECD_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "medsec/config.h"

/* Exit codes of medsecd (documented in medsecd(8)). */
#define MEDSECD_EXIT_OK 0	/* clean shutdown, or a valid configuration */
#define MEDSECD_EXIT_CONFIG 1	/* configuration refused */
#define MEDSECD_EXIT_USAGE 2	/* bad command line */
#define MEDSECD_EXIT_START 3	/* device, listener or worker failed to start */

/* The listeners a configuration may name, in a fixed order. */
enum medsecd_listener {
	MEDSECD_LISTEN_API = 0,
	MEDSECD_LISTEN_PEER,
	MEDSECD_LISTEN_DEBUG,
	MEDSECD_LISTEN__COUNT
};

struct medsecd_listener_spec {
	const char *name; /* "api", "peer", "debug_http" */
	const struct medsec_config_endpoint *endpoint;
	const struct medsec_config_cidrs *allow;
};

/* The listener's endpoint and allow-list in cfg (endpoint->set 0: off). */
void medsecd_listener_spec(const struct medsec_config *cfg, int which,
    struct medsecd_listener_spec *spec);

/* Writes the inventory of --print-services (MFDS 1.19) to out. */
void medsecd_print_services(const struct medsec_config *cfg, void *out);

struct medsecd_options {
	const char *config_path;
	int foreground;
};

/* Operator messages (log.c): stderr, or syslog after daemonising. */
void medsecd_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void medsecd_log_to_syslog(void);

/* Runs the monitor until SIGTERM/SIGINT; returns a MEDSECD_EXIT_* code. */
int monitor_run(const struct medsecd_options *opts,
    const struct medsec_config *cfg);

/* The worker process, after fork: never returns. */
struct medsec_channel;

struct worker_start {
	const struct medsec_config *cfg;
	int ps_fd;			     /* its end of the socketpair */
	int listen_fd[MEDSECD_LISTEN__COUNT]; /* -1: off */
	/* TLS contexts of the HTTPS listeners (NULL for debug_http) */
	struct medsec_channel *channel[MEDSECD_LISTEN__COUNT];
};
void worker_main(const struct worker_start *ws) __attribute__((noreturn));

#endif
