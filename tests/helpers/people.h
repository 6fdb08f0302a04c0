/*
 * Test fixture for identities and sessions: a scratch device with a
 * keystore, an audit trail, a database, the default roles, a session
 * table and an identity handle, all on a settable clock.
 */
#ifndef MEDSEC_PEOPLE_H
#define MEDSEC_PEOPLE_H

#include <stddef.h>

#include "fixture.h"
#include "medsec/access.h"
#include "medsec/db.h"
#include "medsec/identity.h"
#include "medsec/session.h"

struct people {
	struct fixture f;
	struct fixture_clock clock;
	char dbpath[320];
	struct medsec_db *db;
	struct medsec_audit *audit;
	struct medsec_roles roles;
	struct medsec_session_options sopts;
	struct medsec_sessions *sessions;
	struct medsec_identity_options iopts;
	struct medsec_identity *id;
	struct medsec_subject admin; /* "admin", an administrator */
};

#define PEOPLE_ADMIN_PASSWORD "Ward-Rounds!42"
#define PEOPLE_PASSWORD "Correct-Horse-7"

/* Sets everything up and creates "admin" with the setup code. */
void people_setup(struct people *p);
/* Closes and reopens db, sessions and identity (a process restart). */
void people_restart(struct people *p);
void people_teardown(struct people *p);
/* Adds an account (initial password PEOPLE_PASSWORD, no must-change). */
void people_add(struct people *p, const char *name, const char *roles);
/* Clears the must-change mark of an account made by user_add. */
void people_skip_first_change(struct people *p, const char *name);
/* Advances both clocks. */
void people_advance(struct people *p, int64_t seconds);
/* Counts audit records of an event (and, if reason, with that reason). */
size_t people_count_events(struct people *p, int event, const char *reason);

#endif
