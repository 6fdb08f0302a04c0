/*
 * Audit shipping (MFDS 2.1): the monitor hands durable audit records, in
 * sequence order, to the shipper, an unprivileged and sandboxed process
 * that sends them to the hospital's syslog collector as RFC 5424 messages
 * (and IHE ATNA messages) over mutual TLS with RFC 5425 octet counting
 * (docs/shipping.md).
 *
 * The socketpair carries one message per datagram (privsep.h framing):
 *
 *   monitor -> shipper  SHIP_RECORD  { session, seq } + the record's
 *                                    frames, ready to write
 *   shipper -> monitor  SHIP_CONNECTED { session, describe }: a new
 *                                    connection; records resume at the
 *                                    cursor minus the replay window
 *                       SHIP_ACKED   { session, seq }: every byte up to
 *                                    record seq acknowledged by the
 *                                    collector's TCP
 *                       SHIP_FAILED  { status, reason, seen_pin }: a
 *                                    connection refused or lost
 *
 * A record of an older session is dropped by the shipper: after a
 * reconnect the monitor resends from the cursor.
 */
#ifndef MEDSECD_SHIPPER_H
#define MEDSECD_SHIPPER_H

#include <stddef.h>
#include <stdint.h>

#include "medsec/audit.h"
#include "medsec/audit_export.h"
#include "medsec/config.h"

enum ship_type {
	SHIP_RECORD = 300,
	SHIP_CONNECTED,
	SHIP_ACKED,
	SHIP_FAILED,
};

struct ship_record_hdr {
	uint64_t session;
	uint64_t seq;
};

struct ship_connected {
	uint64_t session;
	char describe[128];
};

struct ship_acked {
	uint64_t session;
	uint64_t seq;
};

struct ship_failed {
	int32_t status;	/* medsec error: MEDSEC_ERR_AUTH for a refused peer */
	uint32_t pad;
	char reason[256];
	char seen_pin[96];
};

/* ATNA over syslog (IHE ITI-20): the MSGID of an ATNA message. */
#define SHIP_ATNA_MSGID "IHE+RFC-3881"

/*
 * The frames of one record for the formats asked (MEDSEC_SHIP_*): for
 * each, "MSG-LEN SP SYSLOG-MSG" (RFC 5425 4.3). The syslog message is
 * the export's RFC 5424 line (sequence number in [meta sequenceId] and
 * the event in MSGID); the ATNA message is the DICOM XML after an RFC
 * 5424 header with MSGID IHE+RFC-3881 and the same [meta sequenceId].
 * *outp is malloc'd. MEDSEC_OK, MEDSEC_ERR_INVALID, MEDSEC_ERR_NOMEM.
 */
int ship_render(const struct medsec_audit_export_source *src,
    const struct medsec_audit_record *rec, uint32_t formats, char **outp,
    size_t *lenp);

/* Appends "LEN SP msg" to buf (cap bytes, *used so far); -1 if no room. */
int ship_frame(char *buf, size_t cap, size_t *used, const char *msg,
    size_t len);

/*
 * The shipped cursor: the highest sequence number the collector's TCP
 * acknowledged, for the target it was shipped to, kept in a file written
 * atomically (temporary file, fsync, rename, fsync of the directory).
 * load: MEDSEC_OK with *ackedp (0 when the file is absent or names
 * another target: everything is shipped again), MEDSEC_ERR_FORMAT for a
 * damaged file (the caller starts from 0: duplicates, never a gap).
 */
int ship_cursor_load(const char *path, const char *target,
    uint64_t *ackedp);
int ship_cursor_save(const char *path, const char *target, uint64_t acked);

/* The last record known delivered before a new connection's resend:
 * the replay window before the cursor. */
uint64_t ship_resume_after(uint64_t acked, uint32_t replay_window);

/* The shipper process (shipper.c); never returns. */
struct shipper_start {
	const struct medsec_config *cfg;
	int ps_fd;
};
void shipper_main(const struct shipper_start *ss)
    __attribute__((noreturn));

#endif
