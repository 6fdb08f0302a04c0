/*
 * medsec decommission: what the device library does when a device leaves
 * service (MFDS 2025 rules: personal-data deletion at end of service).
 *
 * Crypto-shredding: every sealed key is encrypted under the master key,
 * and the device's data are encrypted under the data keys the keystore
 * seals. Destroying the keys (overwriting each key file with zeros,
 * syncing it and removing it) makes every record stored under them
 * unreadable at once, however many copies of the records remain; the
 * records themselves need not be found and erased one by one.
 *
 * The deletion certificate, its signature and the rest of the procedure
 * are the tools library's (include/medsec-tools/decommission.h).
 */
#ifndef MEDSEC_DECOMMISSION_H
#define MEDSEC_DECOMMISSION_H

#include "medsec/base.h"

#include <stddef.h>

#include "medsec/keystore.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Destroys every key of the keystore, every generation, the sealed
 * secrets and the public halves, and then the master key file, each
 * overwritten with zeros in place, synced and removed; the directory is
 * synced last. The master key held in memory is wiped, and from then on
 * the handle refuses to seal or unseal (MEDSEC_ERR_STATE): the caller
 * closes it.
 *
 * destroyed (may be NULL when max is 0) receives up to max entries
 * describing what was destroyed, listed before anything is touched;
 * *np (may be NULL) the number of keys. Every key is attempted even when
 * one fails, and the master key file is destroyed only when every key
 * was: a failure returns the first error (MEDSEC_ERR_IO, ...) and leaves
 * the master key, so the procedure can be run again.
 *
 * WARNING: irreversible by design. Nothing sealed in this keystore can
 * be recovered afterwards; make sure whatever must outlive the device
 * (the audit trail's verifier key, a signed certificate of the deletion)
 * exists elsewhere first.
 */
MEDSEC_API MEDSEC_MUST_CHECK
int medsec_keystore_shred(struct medsec_keystore *ks,
    struct medsec_key_info *destroyed, size_t max, size_t *np);

#ifdef __cplusplus
}
#endif
#endif
