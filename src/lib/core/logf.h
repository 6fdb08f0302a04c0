/*
 * The library's side of the log sink (include/medsec/log.h). Any module
 * may call medsec_log(); it never blocks on I/O of its own and costs an
 * atomic load when nobody listens. Never pass a secret.
 */
#ifndef MEDSEC_CORE_LOGF_H
#define MEDSEC_CORE_LOGF_H

#include "medsec/base.h"
#include "medsec/log.h"

/*
 * Formats the message, escapes and bounds it, and hands it to the sink if
 * one is installed for this severity. module is a short literal such as
 * "audit".
 */
void medsec_log(int severity, const char *module, const char *fmt, ...)
    MEDSEC_PRINTF(3, 4);

#endif
