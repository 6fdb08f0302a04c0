/*
 * POST /v1/control: device settings changed by a clinician's command
 * (sampling interval, alarm thresholds). On top of TLS and the session,
 * each command carries a sequence number and an HMAC-SHA-256 under a
 * key of its session, so a command replayed, reordered or altered on
 * the way (or by a compromised worker, which never sees the key after
 * login) is refused.
 *
 * The control key of a session is HKDF-SHA-256 of a secret drawn when
 * the monitor starts, with the session's id: it is handed to the client
 * once, at login or re-authentication, and dies with the monitor (a
 * restart asks the client to log in again before controlling).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <jansson.h>

#include "medsec/access.h"
#include "medsec/crypto.h"
#include "medsec/err.h"
#include "medsec/identity.h"
#include "audit_gate.h"
#include "monitor.h"

#define CONTROL_KEY_LEN 32
#define CONTROL_SESSIONS_MAX 1024

struct control_seq {
	char session[MEDSEC_SESSION_ID_LEN];
	uint64_t last;
};

static uint8_t control_secret[32];
static int control_ready;
static struct control_seq seqs[CONTROL_SESSIONS_MAX];

/* What the commands set; the uplink (next) reads them from here. */
static struct {
	uint32_t sampling_seconds;
	struct {
		int64_t low, high;
		int set;
	} alarm[6];
} settings = { 60, { { 0, 0, 0 } } };

/* The vital signs an alarm threshold may be set for (docs/api.md). */
static const char *const signals[6] = { "heart_rate", "spo2", "resp_rate",
	"temperature", "systolic", "diastolic" };

int
monitor_control_init(void)
{
	if (medsec_random(control_secret, sizeof(control_secret)) != MEDSEC_OK)
		return -1;
	control_ready = 1;
	return 0;
}

static int
control_key(const char *session_id, uint8_t key[CONTROL_KEY_LEN])
{
	static const char label[] = "medsecd control key v1";

	if (!control_ready)
		return MEDSEC_ERR_STATE;
	return medsec_hkdf(MEDSEC_ALG_HKDF_SHA256, label, sizeof(label) - 1,
	    control_secret, sizeof(control_secret), session_id,
	    strlen(session_id), key, CONTROL_KEY_LEN);
}

/* Standard base64 with '=' padding, as docs/api.md gives keys and MACs. */
static int
base64_padded(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t n;
	int r;

	if ((r = medsec_base64_encode(MEDSEC_BASE64_NO_PADDING, in, len, out,
	    outlen)) != MEDSEC_OK)
		return r;
	for (n = strlen(out); n % 4 != 0; n++) {
		if (n + 1 >= outlen)
			return MEDSEC_ERR_TOO_LARGE;
		out[n] = '=';
		out[n + 1] = '\0';
	}
	return MEDSEC_OK;
}

int
monitor_control_key_text(const char *session_id, char *out, size_t outlen)
{
	uint8_t key[CONTROL_KEY_LEN];
	int r;

	if ((r = control_key(session_id, key)) == MEDSEC_OK)
		r = base64_padded(key, sizeof(key), out, outlen);
	medsec_wipe(key, sizeof(key));
	return r;
}

/* The slot of a session's sequence; NULL when the table is full. */
static struct control_seq *
seq_slot(const char *session)
{
	struct control_seq *free_slot = NULL;
	size_t i;

	for (i = 0; i < CONTROL_SESSIONS_MAX; i++) {
		if (strcmp(seqs[i].session, session) == 0)
			return &seqs[i];
		if (free_slot == NULL && seqs[i].session[0] == '\0')
			free_slot = &seqs[i];
	}
	if (free_slot != NULL)
		snprintf(free_slot->session, sizeof(free_slot->session), "%s",
		    session);
	return free_slot;
}

static int
mac_ok(const struct ps_control_req *req, const char *session)
{
	uint8_t key[CONTROL_KEY_LEN], mac[32];
	char text[32 + sizeof(req->command) + sizeof(req->args)];
	size_t maclen = strlen(req->mac);
	int n, r = MEDSEC_ERR_AUTH;

	/* A MAC of 32 bytes is 43 characters and one '=' of padding. */
	if (maclen == 44 && req->mac[43] == '=')
		maclen = 43;
	if (medsec_base64_decode(MEDSEC_BASE64_NO_PADDING, req->mac, maclen,
	    mac, sizeof(mac)) != MEDSEC_OK)
		return MEDSEC_ERR_AUTH;
	n = snprintf(text, sizeof(text), "%llu\n%s\n%s",
	    (unsigned long long)req->seq, req->command, req->args);
	if (n < 0 || (size_t)n >= sizeof(text))
		return MEDSEC_ERR_AUTH;
	if (control_key(session, key) == MEDSEC_OK)
		r = medsec_hmac_verify(MEDSEC_ALG_HMAC_SHA256, key, sizeof(key),
		    text, (size_t)n, mac);
	medsec_wipe(key, sizeof(key));
	return r;
}

/* A verified command's effect, checked but not yet in force. */
struct change {
	uint32_t sampling_seconds; /* 0: not this command */
	int signal;		   /* index in signals[]; -1: none */
	int64_t low, high;
};

/* Checks a verified command's arguments; 0, or -1 with why. */
static int
parse(const char *command, json_t *args, struct change *c, char *why,
    size_t whylen)
{
	json_int_t seconds = 0, low = 0, high = 0;
	const char *vital = NULL;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->signal = -1;
	if (strcmp(command, "set_sampling_interval") == 0) {
		if (json_unpack(args, "{s:I !}", "seconds", &seconds) != 0 ||
		    seconds < 1 || seconds > 3600) {
			snprintf(why, whylen, "args: {\"seconds\": 1..3600}");
			return -1;
		}
		c->sampling_seconds = (uint32_t)seconds;
		return 0;
	}
	if (strcmp(command, "set_alarm_threshold") == 0) {
		if (json_unpack(args, "{s:s, s:I, s:I !}", "signal", &vital,
		    "low", &low, "high", &high) != 0 || low >= high) {
			snprintf(why, whylen, "args: {\"signal\": name, "
			    "\"low\": n, \"high\": m} with low < high");
			return -1;
		}
		for (i = 0; i < 6; i++)
			if (strcmp(signals[i], vital) == 0)
				break;
		if (i == 6) {
			snprintf(why, whylen, "args: unknown signal '%.40s'",
			    vital);
			return -1;
		}
		c->signal = (int)i;
		c->low = low;
		c->high = high;
		return 0;
	}
	snprintf(why, whylen, "unknown command '%.40s'", command);
	return -1;
}

static void
apply(const struct change *c)
{
	if (c->sampling_seconds != 0)
		settings.sampling_seconds = c->sampling_seconds;
	if (c->signal >= 0) {
		settings.alarm[c->signal].low = c->low;
		settings.alarm[c->signal].high = c->high;
		settings.alarm[c->signal].set = 1;
	}
}

static void
record(struct monitor *m, const struct medsec_subject *who,
    const struct ps_control_req *req, int outcome, const char *reason)
{
	struct medsec_audit_detail d;
	const char *details = NULL;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "command", req->command);
	medsec_audit_detail_u64(&d, "seq", req->seq);
	medsec_audit_detail_str_trunc(&d, "args", req->args, 512);
	if (medsec_audit_detail_end(&d, &details) != MEDSEC_OK)
		details = NULL;
	monitor_audit(m, outcome == MEDSEC_AUDIT_SUCCESS ?
	    MEDSEC_EV_CONFIG_CHANGED : MEDSEC_EV_PERMISSION_DENIED, who->user,
	    who->source, "control", outcome, reason, details);
}

/*
 * The record of an accepted command, durable before the command takes
 * effect (fail closed: a setting of the device never changes without its
 * record). The gate's commit, which otherwise runs at the end of this
 * turn of the loop, runs now; a control command is rare enough that its
 * own sync costs nothing worth batching. MEDSEC_OK once on stable
 * storage; otherwise the error, and the reply of this request is already
 * bound to be a 503 by the gate.
 */
static int
record_durable(struct monitor *m, const struct medsec_subject *who,
    const struct ps_control_req *req)
{
	struct medsec_audit_event_in ev;
	struct medsec_audit_detail d;
	const char *details = NULL;
	int r;

	medsec_audit_detail_init(&d);
	medsec_audit_detail_str(&d, "command", req->command);
	medsec_audit_detail_u64(&d, "seq", req->seq);
	medsec_audit_detail_str_trunc(&d, "args", req->args, 512);
	if ((r = medsec_audit_detail_end(&d, &details)) != MEDSEC_OK)
		return r;
	memset(&ev, 0, sizeof(ev));
	ev.event = MEDSEC_EV_CONFIG_CHANGED;
	ev.actor = who->user;
	ev.source = who->source;
	ev.object = "control";
	ev.outcome = MEDSEC_AUDIT_SUCCESS;
	ev.details = details;
	if (m->audit_gate == NULL)
		return medsec_audit_append(medsec_device_audit(m->dev), &ev,
		    NULL);
	if ((r = audit_gate_record(m->audit_gate, &ev)) != MEDSEC_OK)
		return r;
	return audit_gate_commit(m->audit_gate);
}

static void
reply_applied(struct monitor *m, uint32_t id, const struct ps_control_req *req)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"seq\":%llu,\"command\":\"%s\","
	    "\"status\":\"applied\",\"sampling_seconds\":%u}",
	    (unsigned long long)req->seq, req->command,
	    (unsigned)settings.sampling_seconds);
	monitor_reply(m, id, MEDSEC_OK, 200, NULL, NULL, body, strlen(body));
}

void
monitor_h_control(struct monitor *m, uint32_t id, const uint8_t *payload)
{
	struct ps_control_req req;
	struct medsec_session_info info;
	struct medsec_subject who;
	struct control_seq *slot;
	struct change change;
	json_t *args = NULL;
	char why[160];
	int r;

	memcpy(&req, payload, sizeof(req));
	memset(&info, 0, sizeof(info));
	if ((r = medsec_identity_session_subject(medsec_device_identity(
	    m->dev), req.token, &info, &who)) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 1);
		goto out;
	}
	who.source = req.from.source;
	if ((r = medsec_access_check(medsec_device_roles(m->dev),
	    medsec_device_audit(m->dev), &who, MEDSEC_PERM_DEVICE_CONTROL,
	    "control")) != MEDSEC_OK) {
		monitor_reply_error(m, id, r, 0);
		goto out;
	}
	if (mac_ok(&req, info.id) != MEDSEC_OK) {
		record(m, &who, &req, MEDSEC_AUDIT_FAILURE, "bad command MAC");
		monitor_reply(m, id, MEDSEC_ERR_AUTH, 403, "invalid_mac",
		    "the command's MAC does not verify under this session's "
		    "control key", NULL, 0);
		goto out;
	}
	if ((slot = seq_slot(info.id)) == NULL) {
		monitor_reply(m, id, MEDSEC_ERR_BUSY, 503, "busy",
		    "too many sessions sending commands", NULL, 0);
		goto out;
	}
	if (req.seq <= slot->last) {
		record(m, &who, &req, MEDSEC_AUDIT_FAILURE,
		    "replayed or out-of-order command");
		snprintf(why, sizeof(why), "sequence %llu is not above the "
		    "last accepted %llu", (unsigned long long)req.seq,
		    (unsigned long long)slot->last);
		monitor_reply(m, id, MEDSEC_ERR_STATE, 409, "replayed_command",
		    why, NULL, 0);
		goto out;
	}
	if ((args = json_loads(req.args, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL || parse(req.command, args, &change, why, sizeof(why)) !=
	    0) {
		if (args == NULL)
			snprintf(why, sizeof(why), "args: not JSON");
		record(m, &who, &req, MEDSEC_AUDIT_FAILURE, why);
		monitor_reply(m, id, MEDSEC_ERR_INVALID, 400, "invalid_request",
		    why, NULL, 0);
		goto out;
	}
	/*
	 * Accepted: a later copy of this command is a replay, even if it
	 * is refused below for want of its record (a sequence number is
	 * spent once; the client signs the next one).
	 */
	slot->last = req.seq;
	if ((r = record_durable(m, &who, &req)) != MEDSEC_OK) {
		medsecd_log(LOG_ERR, "control command %s (seq %llu) not "
		    "applied: its record is not durable: %s", req.command,
		    (unsigned long long)req.seq, medsec_strerror(r));
		monitor_reply(m, id, MEDSEC_ERR_AUDIT_UNAVAILABLE, 503,
		    "audit_unavailable", "refused: the audit record of this "
		    "command could not be made durable; nothing was changed",
		    NULL, 0);
		goto out;
	}
	apply(&change);
	reply_applied(m, id, &req);
out:
	json_decref(args);
	medsec_wipe(&req, sizeof(req));
}
