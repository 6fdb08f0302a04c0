/*
 * The listener inventory: what a configuration exposes (MFDS 1.19). The
 * monitor binds exactly these and --print-services lists exactly these,
 * from the same table, so the list cannot drift from what is bound.
 */
#include <stdio.h>

#include "ctl_request.h"
#include "daemon.h"

void
medsecd_listener_spec(const struct medsec_config *cfg, int which,
    struct medsecd_listener_spec *spec)
{
	switch (which) {
	case MEDSECD_LISTEN_API:
		spec->name = "api";
		spec->endpoint = &cfg->listen_api;
		spec->allow = &cfg->listen_api_allow;
		break;
	case MEDSECD_LISTEN_PEER:
		spec->name = "peer";
		spec->endpoint = &cfg->listen_peer;
		spec->allow = &cfg->listen_peer_allow;
		break;
	default:
		spec->name = "debug_http";
		spec->endpoint = &cfg->listen_debug_http;
		spec->allow = &cfg->listen_debug_allow;
		break;
	}
}

static void
print_tls(const struct medsec_config *cfg, FILE *out)
{
	if (cfg->tls_min_version == 0x0303)
		fprintf(out, "  tls: 1.2 and 1.3; groups %s; 1.3 suites %s; "
		    "1.2 ciphers %s\n", cfg->tls_groups, cfg->tls_ciphersuites,
		    cfg->tls_ciphers12);
	else
		fprintf(out, "  tls: 1.3 only; groups %s; suites %s\n",
		    cfg->tls_groups, cfg->tls_ciphersuites);
}

void
medsecd_print_services(const struct medsec_config *cfg, void *outp)
{
	struct medsecd_listener_spec s;
	FILE *out = outp;
	int i, n = 0;

	for (i = 0; i < MEDSECD_LISTEN__COUNT; i++) {
		medsecd_listener_spec(cfg, i, &s);
		if (!s.endpoint->set)
			continue;
		n++;
		fprintf(out, "%s %s tcp %s\n", s.name, s.endpoint->text,
		    i == MEDSECD_LISTEN_DEBUG ? "http" : "https");
		if (i == MEDSECD_LISTEN_DEBUG)
			fprintf(out, "  tls: none (plain HTTP, for diagnosis "
			    "only)\n");
		else
			print_tls(cfg, out);
		fprintf(out, "  allow: %s\n", s.allow->text);
		if (i == MEDSECD_LISTEN_PEER)
			fprintf(out, "  authentication: client certificate "
			    "(mutual TLS), mapped to a machine account by "
			    "SHA-256 fingerprint\n");
		else
			fprintf(out, "  authentication: bearer token from a "
			    "password login (POST /v1/session)\n");
	}
	/* Local, not network: listed because it is a way in (MFDS 1.19). */
	if (cfg->daemon_control_socket) {
		fprintf(out, "control unix %s/%s\n", cfg->state_dir,
		    CTL_SOCKET_NAME);
		fprintf(out, "  access: mode 0600, the daemon's own user only "
		    "(SO_PEERCRED), an administrator's password per request\n");
		fprintf(out, "  operations: revoke-cert disable enable unlock "
		    "(medsec user)\n");
	}
	fprintf(out, "%d listener%s; nothing else is bound\n", n,
	    n == 1 ? "" : "s");
}
