/*
 * Channel options from a device configuration ([tls] and [crypto]).
 *
 * The configuration fills [tls] with the `approved` defaults whether or
 * not the file names them, so a value equal to such a default, on a
 * `kcmvp` device, is taken as "not set" and the kcmvp default applies:
 * a kcmvp device that leaves [tls] alone starts, and one that names
 * X25519 or ChaCha20 is refused saying so.
 */
#include <string.h>

#include "medsec/config.h"
#include "channel/channel_int.h"

static const char *
setting(const char *value, const char *approved_default, int kcmvp)
{
	if (value[0] == '\0' || (kcmvp && strcmp(value, approved_default) ==
	    0))
		return NULL;
	return value;
}

void
medsec_channel_options_from_config(const struct medsec_config *cfg,
    struct medsec_channel_options *o)
{
	int kcmvp;

	if (cfg == NULL || o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	kcmvp = strcmp(cfg->crypto_profile, "kcmvp") == 0;
	o->min_version = (int)cfg->tls_min_version;
	o->crypto_profile = cfg->crypto_profile[0] != '\0' ?
	    cfg->crypto_profile : NULL;
	o->groups = setting(cfg->tls_groups, MEDSEC_CHANNEL_GROUPS, kcmvp);
	o->ciphersuites = setting(cfg->tls_ciphersuites, MEDSEC_CHANNEL_SUITES,
	    kcmvp);
	o->ciphers12 = setting(cfg->tls_ciphers12, MEDSEC_CHANNEL_CIPHERS12,
	    kcmvp);
	o->peer_ca_file = cfg->tls_peer_ca_file[0] != '\0' ?
	    cfg->tls_peer_ca_file : NULL;
	o->crl_file = cfg->tls_crl_file[0] != '\0' ? cfg->tls_crl_file : NULL;
	o->handshake_timeout = cfg->tls_handshake_timeout;
}
