/*
 * The audit event vocabulary: every event medsec records, with its name,
 * its DICOM PS3.15 A.5 mapping (for IHE ATNA and FHIR export) and its
 * syslog severity. This table is the one place the vocabulary is defined.
 */
#include <string.h>
#include <strings.h>

#include "medsec/audit.h"

#define AUTH MEDSEC_AUDIT_CAT_AUTH
#define PHR MEDSEC_AUDIT_CAT_PHR
#define SEC MEDSEC_AUDIT_CAT_SECURITY
#define APP MEDSEC_AUDIT_CAT_APPLICATION

/* DICOM CID 403 security alert types and A.5.3 event types. */
#define LOGIN "110122", "Login"
#define LOGOUT "110123", "Logout"
#define NODE_AUTH "110126", "Node Authentication"
#define EMERGENCY "110127", "Emergency Override Started"
#define NET_CONFIG "110128", "Network Configuration"
#define SEC_CONFIG "110129", "Security Configuration"
#define SW_CONFIG "110131", "Software Configuration"
#define RESTRICTED "110132", "Use of Restricted Function"
#define AUDIT_STOP "110133", "Audit Recording Stopped"
#define AUDIT_START "110134", "Audit Recording Started"
#define OBJ_ATTRS "110135", "Object Security Attributes Changed"
#define ROLES "110136", "Security Roles Changed"
#define USER_ATTRS "110137", "User security Attributes Changed"
#define APP_START "110120", "Application Start"
#define APP_STOP "110121", "Application Stop"
#define NONE NULL, NULL

static const struct medsec_audit_event_info events[] = {
	{ MEDSEC_EV_LOGIN_SUCCESS, "LOGIN_SUCCESS", "user logged in", AUTH,
	    LOGIN, 'E', 6 },
	{ MEDSEC_EV_LOGIN_FAILURE, "LOGIN_FAILURE", "user login failed", AUTH,
	    LOGIN, 'E', 4 },
	{ MEDSEC_EV_LOGOUT, "LOGOUT", "user logged out", AUTH, LOGOUT, 'E', 6 },
	{ MEDSEC_EV_SESSION_EXPIRED, "SESSION_EXPIRED", "session expired",
	    AUTH, LOGOUT, 'E', 6 },
	{ MEDSEC_EV_SESSION_ENDED, "SESSION_ENDED",
	    "session ended by a newer login or an administrator", AUTH, LOGOUT,
	    'E', 5 },
	{ MEDSEC_EV_ACCOUNT_LOCKED, "ACCOUNT_LOCKED",
	    "account locked after repeated login failures", SEC, USER_ATTRS,
	    'E', 4 },
	{ MEDSEC_EV_ACCOUNT_UNLOCKED, "ACCOUNT_UNLOCKED", "account unlocked",
	    SEC, USER_ATTRS, 'E', 5 },
	{ MEDSEC_EV_PASSWORD_CHANGED, "PASSWORD_CHANGED", "password changed",
	    SEC, USER_ATTRS, 'E', 5 },
	{ MEDSEC_EV_EMERGENCY_ACCESS, "EMERGENCY_ACCESS",
	    "emergency (break-glass) access used", SEC, EMERGENCY, 'E', 2 },
	{ MEDSEC_EV_REAUTH_FAILURE, "REAUTH_FAILURE",
	    "re-authentication for a sensitive action failed", AUTH, LOGIN,
	    'E', 4 },
	{ MEDSEC_EV_SESSION_THERAPY, "SESSION_THERAPY",
	    "session therapy supervision changed (idle timeout exception)",
	    SEC, RESTRICTED, 'E', 5 },
	{ MEDSEC_EV_SETUP_CODE_ISSUED, "SETUP_CODE_ISSUED",
	    "one-time first-administrator setup code issued", SEC, SEC_CONFIG,
	    'E', 5 },
	{ MEDSEC_EV_EMERGENCY_SEALED, "EMERGENCY_SEALED",
	    "emergency (break-glass) credential sealed", SEC, SEC_CONFIG, 'E',
	    5 },
	{ MEDSEC_EV_PHR_CREATE, "PHR_CREATE", "health record created", PHR,
	    NONE, 'C', 6 },
	{ MEDSEC_EV_PHR_READ, "PHR_READ", "health record read", PHR, NONE,
	    'R', 6 },
	{ MEDSEC_EV_PHR_UPDATE, "PHR_UPDATE", "health record updated", PHR,
	    NONE, 'U', 6 },
	{ MEDSEC_EV_PHR_DELETE, "PHR_DELETE", "health record deleted", PHR,
	    NONE, 'D', 5 },
	{ MEDSEC_EV_FWD_QUEUE_DROPPED, "FWD_QUEUE_DROPPED",
	    "readings dropped undelivered: the forwarding queue was full",
	    PHR, NONE, 'D', 3 },
	{ MEDSEC_EV_FWD_QUEUE_EXPIRED, "FWD_QUEUE_EXPIRED",
	    "readings dropped undelivered: older than the queue's maximum age",
	    PHR, NONE, 'D', 3 },
	{ MEDSEC_EV_FWD_DELIVERY_LATE, "FWD_DELIVERY_LATE",
	    "readings delivered later than the delivery bound", PHR, NONE,
	    'E', 4 },
	{ MEDSEC_EV_PERMISSION_DENIED, "PERMISSION_DENIED",
	    "permission refused", SEC, RESTRICTED, 'E', 4 },
	{ MEDSEC_EV_USER_CREATED, "USER_CREATED", "user account created", SEC,
	    USER_ATTRS, 'E', 5 },
	{ MEDSEC_EV_USER_MODIFIED, "USER_MODIFIED", "user account changed",
	    SEC, USER_ATTRS, 'E', 5 },
	{ MEDSEC_EV_USER_DISABLED, "USER_DISABLED", "user account disabled",
	    SEC, USER_ATTRS, 'E', 5 },
	{ MEDSEC_EV_ROLE_CHANGED, "ROLE_CHANGED", "roles or permissions changed",
	    SEC, ROLES, 'E', 5 },
	{ MEDSEC_EV_CONFIG_CHANGED, "CONFIG_CHANGED", "configuration changed",
	    SEC, SEC_CONFIG, 'E', 5 },
	{ MEDSEC_EV_DEVICE_PROVISIONED, "DEVICE_PROVISIONED",
	    "device provisioned", SEC, SEC_CONFIG, 'E', 5 },
	{ MEDSEC_EV_KEY_GENERATED, "KEY_GENERATED", "key generated", SEC,
	    OBJ_ATTRS, 'E', 5 },
	{ MEDSEC_EV_KEY_ROTATED, "KEY_ROTATED", "key rotated", SEC, OBJ_ATTRS,
	    'E', 5 },
	{ MEDSEC_EV_KEY_DESTROYED, "KEY_DESTROYED", "key destroyed", SEC,
	    OBJ_ATTRS, 'E', 5 },
	{ MEDSEC_EV_USER_DELETED, "USER_DELETED", "user account deleted", SEC,
	    USER_ATTRS, 'D', 5 },
	{ MEDSEC_EV_CERT_REVOKED, "CERT_REVOKED",
	    "peer certificate revoked", SEC, NODE_AUTH, 'E', 4 },
	{ MEDSEC_EV_UPDATE_RECEIVED, "UPDATE_RECEIVED",
	    "software update received", SEC, SW_CONFIG, 'E', 5 },
	{ MEDSEC_EV_UPDATE_VERIFIED, "UPDATE_VERIFIED",
	    "software update signature and integrity verified", SEC, SW_CONFIG,
	    'E', 5 },
	{ MEDSEC_EV_UPDATE_REJECTED, "UPDATE_REJECTED",
	    "software update rejected", SEC, SW_CONFIG, 'E', 3 },
	{ MEDSEC_EV_UPDATE_APPROVED, "UPDATE_APPROVED",
	    "software update approved by an administrator", SEC, SW_CONFIG,
	    'E', 5 },
	{ MEDSEC_EV_UPDATE_INSTALLED, "UPDATE_INSTALLED",
	    "software update installed (trial)", SEC, SW_CONFIG, 'E', 5 },
	{ MEDSEC_EV_UPDATE_COMMITTED, "UPDATE_COMMITTED",
	    "software update committed", SEC, SW_CONFIG, 'E', 5 },
	{ MEDSEC_EV_UPDATE_ROLLED_BACK, "UPDATE_ROLLED_BACK",
	    "software update rolled back", SEC, SW_CONFIG, 'E', 3 },
	{ MEDSEC_EV_INTEGRITY_OK, "INTEGRITY_OK",
	    "integrity check of executables and settings passed", SEC,
	    SW_CONFIG, 'E', 6 },
	{ MEDSEC_EV_INTEGRITY_FAILURE, "INTEGRITY_FAILURE",
	    "integrity check of executables or settings failed", SEC,
	    SW_CONFIG, 'E', 2 },
	{ MEDSEC_EV_PEER_REFUSED, "PEER_REFUSED",
	    "network peer refused", SEC, NODE_AUTH, 'E', 4 },
	{ MEDSEC_EV_TLS_FAILURE, "TLS_FAILURE", "TLS handshake failed", SEC,
	    NODE_AUTH, 'E', 4 },
	{ MEDSEC_EV_THROTTLED, "THROTTLED", "requests throttled", SEC,
	    NET_CONFIG, 'E', 4 },
	{ MEDSEC_EV_INCIDENT, "INCIDENT", "security incident reported", SEC,
	    RESTRICTED, 'E', 2 },
	{ MEDSEC_EV_TIME_ANOMALY, "TIME_ANOMALY",
	    "wall clock moved backwards", SEC, SEC_CONFIG, 'E', 4 },
	{ MEDSEC_EV_AUDIT_STARTED, "AUDIT_STARTED", "audit recording started",
	    SEC, AUDIT_START, 'E', 5 },
	{ MEDSEC_EV_AUDIT_STOPPED, "AUDIT_STOPPED", "audit recording stopped",
	    SEC, AUDIT_STOP, 'E', 5 },
	{ MEDSEC_EV_AUDIT_CHECKPOINT, "AUDIT_CHECKPOINT",
	    "signed audit checkpoint", SEC, AUDIT_START, 'E', 6 },
	{ MEDSEC_EV_LOG_RECOVERED, "LOG_RECOVERED",
	    "torn audit record cut away after a crash", SEC, AUDIT_START, 'E',
	    4 },
	{ MEDSEC_EV_AUDIT_EXPORTED, "AUDIT_EXPORTED", "audit trail exported",
	    SEC, RESTRICTED, 'E', 6 },
	{ MEDSEC_EV_AUDIT_VERIFIED, "AUDIT_VERIFIED", "audit trail verified",
	    SEC, RESTRICTED, 'E', 6 },
	{ MEDSEC_EV_AUDIT_DEGRADED, "AUDIT_DEGRADED",
	    "audit storage failed; events were held in memory", SEC,
	    AUDIT_STOP, 'E', 2 },
	{ MEDSEC_EV_APP_START, "APP_START", "application started", APP,
	    APP_START, 'E', 6 },
	{ MEDSEC_EV_APP_STOP, "APP_STOP", "application stopped", APP, APP_STOP,
	    'E', 6 },
};

const struct medsec_audit_event_info *
medsec_audit_event_info(int event)
{
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (events[i].event == event)
			return &events[i];
	return NULL;
}

const struct medsec_audit_event_info *
medsec_audit_event_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strcasecmp(events[i].name, name) == 0)
			return &events[i];
	return NULL;
}

const struct medsec_audit_event_info *
medsec_audit_events(size_t *np)
{
	*np = sizeof(events) / sizeof(events[0]);
	return events;
}
