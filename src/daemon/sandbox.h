/*
 * The worker's confinement: the service user, then a seccomp allow-list.
 *
 * The worker parses every byte that arrives from the network (TLS, HTTP,
 * JSON). If a bug there is exploited, the attacker holds the worker and
 * nothing more: no root, no file it can open, no program it can run, no
 * process it can start, no socket it can make or connect. Keys, the
 * database and the audit trail stay with the monitor, which the worker can
 * only ask through the privsep socketpair.
 *
 * Order of calls in the worker (daemon-contract.md, "Processes"): inherit
 * the listening sockets, the socketpair and the TLS contexts; build the
 * event base; sandbox_drop_privileges(); sandbox_enter_worker(); only then
 * enable the listeners.
 */
#ifndef MEDSEC_DAEMON_SANDBOX_H
#define MEDSEC_DAEMON_SANDBOX_H

#include <stddef.h>

#include <medsec/base.h>

/*
 * Switches the calling process to the service user `user`: its
 * supplementary groups only (setgroups), then its group and its uid as
 * real, effective and saved ids (setresgid, setresuid). Then checks that
 * the switch holds: the three uids and the three gids match the user's,
 * the group list is the user's, and neither setuid(0) nor setgid(0)
 * succeeds.
 *
 * When the process already runs as that user (real, effective and saved
 * ids), nothing changes; returns MEDSEC_OK with a note in err.
 *
 * err (errlen bytes, NUL-terminated on return) names the user and the
 * failing call. Returns MEDSEC_OK; MEDSEC_ERR_INVALID for an empty or
 * overlong name; MEDSEC_ERR_NOT_FOUND if no such user;
 * MEDSEC_ERR_DENIED if the user is root (uid 0) or the caller lacks the
 * privilege to switch; MEDSEC_ERR_STATE if a switch call failed or root
 * could be regained afterwards. On any error the caller MUST NOT go on to
 * serve the network: the process may be half switched.
 */
MEDSEC_MUST_CHECK MEDSEC_NONNULL(1, 2)
int sandbox_drop_privileges(const char *user, char *err, size_t errlen);

/*
 * Confines the calling process for good: PR_SET_NO_NEW_PRIVS, not
 * dumpable, RLIMIT_NPROC 0 and RLIMIT_CORE 0 (RLIMIT_NOFILE and
 * RLIMIT_FSIZE kept: see sandbox.c), then loads the seccomp allow-list of
 * the worker. Call it after sandbox_drop_privileges() and after every
 * file, socket and library the worker needs is open and initialised.
 *
 * After it, opening a file fails with EACCES; execve, fork, ptrace, a new
 * network socket, bind, listen, connect and every system call not allowed
 * kill the process (SIGSYS). The filter is written for x86_64 and
 * aarch64; on another architecture nothing is loaded and the call fails.
 *
 * err as above. Returns MEDSEC_OK; MEDSEC_ERR_STATE if a limit, a prctl
 * or the filter could not be set (the caller MUST then exit rather than
 * serve unconfined); MEDSEC_ERR_NOMEM.
 */
MEDSEC_MUST_CHECK MEDSEC_NONNULL(1)
int sandbox_enter_worker(char *err, size_t errlen);

/*
 * The uplink's confinement (uplink.h): the worker's allow-list, plus a
 * TCP socket of IPv4 or IPv6 and connect, to reach the collector.
 * Everything else as sandbox_enter_worker.
 */
MEDSEC_MUST_CHECK MEDSEC_NONNULL(1)
int sandbox_enter_uplink(char *err, size_t errlen);

/*
 * As sandbox_enter_worker(), for the audit shipper: the same allow-list,
 * and socket(AF_INET or AF_INET6) and connect besides, so that it can
 * reach its collector (and nothing it could not reach anyway with its
 * client certificate).
 */
MEDSEC_MUST_CHECK MEDSEC_NONNULL(1)
int sandbox_enter_shipper(char *err, size_t errlen);

#endif /* MEDSEC_DAEMON_SANDBOX_H */
