/*
 * The Cybersecurity Risk Management Document, in the ISO 14971 order the
 * guideline's Figure 1 follows: analysis (hazards from the loss of
 * confidentiality, integrity and availability for each communication
 * purpose), evaluation, control, residual risk, production and
 * post-production information.
 *
 * The method is deliberately simple and stated in the document: severity
 * 1-3 from the safety level (Table 1), exploitability 1-3 from the
 * profile, risk index = severity x exploitability. A hazard's residual
 * risk is claimed only when every control for it is met, declared or
 * justifiably excluded; a gap leaves the initial risk standing.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

#define C_ (1u << 0)
#define I_ (1u << 1)
#define A_ (1u << 2)
#define ALLP MEDSEC_PURPOSE_ALL

/*
 * Which requirement of catalog mfds-2019-table3 controls which loss, for
 * which purpose. This is our risk analysis, not MFDS text; items of any
 * other catalog are taken to control every hazard.
 */
static const struct {
	const char *id;
	unsigned cia;
	unsigned purposes;
} control_map[] = {
	{ "1.1", C_ | I_, ALLP }, { "1.2", C_ | I_, ALLP },
	{ "1.3", C_ | I_, ALLP }, { "1.4", C_ | I_, ALLP },
	{ "1.5", C_ | I_ | A_, ALLP }, { "1.6", C_ | I_, ALLP },
	{ "1.7", C_ | I_, ALLP }, { "1.8", C_ | I_, ALLP },
	{ "1.9", C_ | I_, ALLP }, { "1.10", C_ | I_, ALLP },
	{ "1.11", C_, ALLP },
	{ "1.12", I_ | A_, MEDSEC_PURPOSE_MAINTENANCE },
	{ "1.13", I_, MEDSEC_PURPOSE_MAINTENANCE },
	{ "1.14", I_, MEDSEC_PURPOSE_MAINTENANCE },
	{ "1.15", C_ | I_, MEDSEC_PURPOSE_CONTROL },
	{ "1.16", C_ | I_, MEDSEC_PURPOSE_HEALTH_RECORDS },
	{ "1.17", C_ | I_, ALLP }, { "1.18", C_ | I_, ALLP },
	{ "1.19", C_ | I_ | A_, ALLP },
	{ "1.20", C_, MEDSEC_PURPOSE_HEALTH_RECORDS },
	{ "2.1", C_ | I_, ALLP }, { "2.2", I_ | A_, ALLP },
	{ "2.3", C_ | I_ | A_, ALLP }, { "2.4", A_, ALLP },
};

/* Hazards in our words; the harms follow guideline III.1 where it names
 * them ("wrong treatment, deprivation of treatment opportunities or
 * possibility of treatment delay"). */
static const struct {
	unsigned purpose;
	const char *code;
	const char *hazard[RISK_CIA];
	const char *harm[RISK_CIA];
} hazards[] = {
	{ MEDSEC_PURPOSE_HEALTH_RECORDS, "HR",
	    { "Personal health records disclosed to an unauthorized party "
	      "(in transit, stored on the device, or through an account)",
	      "Vital signs or health records forged, altered or replayed",
	      "Vital signs or health records not delivered when needed" },
	    { "Loss of the patient's privacy; misuse of health information",
	      "Wrong treatment or delayed treatment based on false data",
	      "Deprivation of treatment opportunity or treatment delay" } },
	{ MEDSEC_PURPOSE_CONTROL, "CT",
	    { "Control commands or therapy settings disclosed",
	      "Forged, altered or replayed control commands executed",
	      "Device cannot be controlled, or stops responding" },
	    { "Settings revealed to an attacker, aiding a further attack",
	      "Device malfunction: wrong therapy or wrong delivery",
	      "Therapy cannot be adjusted or stopped when needed" } },
	{ MEDSEC_PURPOSE_MAINTENANCE, "MT",
	    { "Firmware, keys or credentials exposed through maintenance",
	      "Unauthorized or tampered firmware or software installed",
	      "Update disrupted, leaving the device inoperable" },
	    { "Secrets that enable attacks on this and other devices",
	      "Device malfunction under an attacker's control",
	      "Monitoring or therapy interrupted" } },
};
#define NHAZARD_PURPOSES (sizeof(hazards) / sizeof(hazards[0]))

static const char *const property_names[RISK_CIA] = { "confidentiality",
	"integrity", "availability" };

const char *
risk_property_name(int property)
{
	return property >= 0 && property < RISK_CIA ?
	    property_names[property] : "?";
}

/* The acceptance criteria stated in the document's method section. */
const char *
risk_acceptability(int index)
{
	if (index <= 0)
		return "not demonstrated";
	if (index <= 2)
		return "acceptable";
	if (index <= 4)
		return "acceptable only with verified controls (as low as "
		       "reasonably practicable)";
	return "unacceptable";
}

int
risk_severity(const struct medsec_report *r)
{
	switch (r->c->level) {
	case MEDSEC_LEVEL_MAJOR: return 3;
	case MEDSEC_LEVEL_MODERATE: return 2;
	default: return 1;
	}
}

static int
alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* w as a whole word of s, ignoring case ("BLE" yes, "cable" no). */
static int
has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = s; *p != '\0'; p++)
		if ((p == s || !alnum(p[-1])) && strncasecmp(p, w, n) == 0 &&
		    !alnum(p[n]))
			return 1;
	return 0;
}

static int
wireless(const struct medsec_profile *p)
{
	static const char *const words[] = { "bluetooth", "ble", "wi-fi",
		"wifi", "wireless", "lte", "5g", "4g", "3g", "nfc", "zigbee",
		"cellular", "radio", "wlan", "mics", "rf" };
	size_t i, k;

	for (i = 0; i < p->n_technologies; i++)
		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
			if (has_word(p->technologies[i], words[k]))
				return 1;
	return 0;
}

int
risk_exploitability(const struct medsec_report *r, char *why, size_t whylen)
{
	if (r->p->public_network == 1) {
		snprintf(why, whylen, "3 (high): the device connects to a "
		    "public network (public_network = yes)");
		return 3;
	}
	if (wireless(r->p)) {
		snprintf(why, whylen, "2 (medium): wireless technology, "
		    "reachable by anyone in radio range");
		return 2;
	}
	snprintf(why, whylen, "1 (low): no public network and no wireless "
	    "technology stated");
	return 1;
}

static unsigned
control_cia(const struct medsec_report *r, const char *id, unsigned purpose)
{
	size_t i;

	if (strcmp(medsec_catalog_name(r->cat), MEDSEC_CATALOG_DEFAULT) != 0)
		return C_ | I_ | A_;
	for (i = 0; i < sizeof(control_map) / sizeof(control_map[0]); i++)
		if (strcmp(control_map[i].id, id) == 0)
			return (control_map[i].purposes & purpose) ?
			    control_map[i].cia : 0;
	return C_ | I_ | A_;
}

size_t
risk_hazard_count(const struct medsec_report *r)
{
	size_t i, n = 0;

	if (!r->c->in_scope)
		return 0;
	for (i = 0; i < NHAZARD_PURPOSES; i++)
		if (r->p->purposes & hazards[i].purpose)
			n += RISK_CIA;
	return n;
}

void
risk_hazard(const struct medsec_report *r, size_t k, struct risk_hazard *h)
{
	static const char cia[] = "CIA";
	char why[160];
	size_t i, seen = 0;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < NHAZARD_PURPOSES; i++) {
		if (!(r->p->purposes & hazards[i].purpose))
			continue;
		if (k < seen + RISK_CIA)
			break;
		seen += RISK_CIA;
	}
	if (i == NHAZARD_PURPOSES)
		return;
	h->purpose = hazards[i].purpose;
	h->property = (int)(k - seen);
	snprintf(h->id, sizeof(h->id), "H-%s-%c", hazards[i].code,
	    cia[h->property]);
	h->hazard = hazards[i].hazard[h->property];
	h->harm = hazards[i].harm[h->property];
	h->severity = risk_severity(r);
	h->exploitability = risk_exploitability(r, why, sizeof(why));
	h->initial = h->severity * h->exploitability;
	for (i = 0; i < r->n; i++) {
		const struct rep_item *it = &r->items[i];

		if (!(control_cia(r, it->d->req->id, h->purpose) &
		    (1u << h->property)))
			continue;
		h->controls[h->ncontrols++] = it;
		h->ngaps += it->verdict == MEDSEC_VERDICT_GAP;
	}
	/* Verified controls bring exploitability down to 1; one gap and
	 * nothing is claimed. */
	h->residual = h->ngaps == 0 ? h->severity : 0;
}

/* ---- the document ---- */

static void
scope(const struct medsec_report *r, struct rw *w)
{
	char why[160];

	rw_heading(w, 1, "scope", "1. Scope and intended communication");
	if (!r->c->in_scope) {
		rw_para(w, "The device communicates for none of the purposes "
		    "of guideline I.2 (health records, control, maintenance): "
		    "the cybersecurity requirements do not apply and no "
		    "cybersecurity hazard is analysed.");
		return;
	}
	rw_paraf(w, "Safety level %s (MFDS guideline Tables 1 and 2; see the "
	    "Checklist for the rationale). Cybersecurity risks are analysed "
	    "for each communication purpose the device profile declares.",
	    medsec_level_name(r->c->level));
	risk_exploitability(r, why, sizeof(why));
	rw_field(w, "Severity", r->c->level == MEDSEC_LEVEL_MAJOR ?
	    "3 (major): serious injury or death (Table 1)" :
	    r->c->level == MEDSEC_LEVEL_MODERATE ? "2 (moderate): temporary "
	    "and minor injury, medical intervention may be necessary "
	    "(Table 1)" : "1 (minor): temporary discomfort without medical "
	    "intervention (Table 1)");
	rw_field(w, "Exploitability", why);
}

static void
method(struct rw *w)
{
	rw_heading(w, 1, "method", "2. Risk analysis method and acceptance "
	    "criteria");
	rw_para(w, "Hazards are identified from the loss of confidentiality, "
	    "integrity and availability (guideline III) for each "
	    "communication purpose. Severity comes from the safety level; "
	    "exploitability from the device profile (public network, "
	    "communication technologies). Risk index = severity x "
	    "exploitability (1-9).");
	rw_item(w, "1-2: acceptable");
	rw_item(w, "3-4: acceptable only with verified controls (as low as "
	    "reasonably practicable)");
	rw_item(w, "6-9: unacceptable");
	rw_para(w, "Residual risk: when every control of a hazard is met by "
	    "passing tests, declared with a document, or excluded with a "
	    "justification, exploitability is taken as 1 and the residual "
	    "index equals the severity. When any control is a gap, no "
	    "reduction is claimed. This criterion is the generator's "
	    "default; the manufacturer's risk management plan may replace "
	    "it.");
}

static void
controls_text(const struct risk_hazard *h, struct rbuf *b)
{
	size_t i;

	for (i = 0; i < h->ncontrols; i++) {
		const struct rep_item *it = h->controls[i];

		rbuf_printf(b, "%s%s %s [%s]", i ? "\n" : "",
		    it->d->req->id, it->d->req->title,
		    medsec_verdict_name(it->verdict));
	}
}

static void
hazard_row(const struct medsec_report *r, size_t k, struct rw *w,
    struct rbuf *b)
{
	struct risk_hazard h;
	size_t off[7], i;
	const char *row[7];

	risk_hazard(r, k, &h);
	rbuf_clear(b);
	off[0] = 0;
	rbuf_printf(b, "%s\n%s, loss of %s", h.id,
	    medsec_purpose_name(h.purpose), risk_property_name(h.property));
	rbuf_put(b, "", 1);
	off[1] = b->len;
	rbuf_printf(b, "%s\nHarm: %s", h.hazard, h.harm);
	rbuf_put(b, "", 1);
	off[2] = b->len;
	rbuf_printf(b, "S%d x E%d = %d", h.severity, h.exploitability,
	    h.initial);
	rbuf_put(b, "", 1);
	off[3] = b->len;
	rbuf_puts(b, risk_acceptability(h.initial));
	rbuf_put(b, "", 1);
	off[4] = b->len;
	controls_text(&h, b);
	rbuf_put(b, "", 1);
	off[5] = b->len;
	if (h.residual > 0)
		rbuf_printf(b, "S%d x E1 = %d", h.severity, h.residual);
	else
		rbuf_printf(b, "not reduced: %zu control%s with a gap", h.ngaps,
		    h.ngaps == 1 ? "" : "s");
	rbuf_put(b, "", 1);
	off[6] = b->len;
	rbuf_puts(b, risk_acceptability(h.residual));
	if (b->err != 0)
		return;
	for (i = 0; i < 7; i++)
		row[i] = b->s + off[i];
	rw_row(w, row, h.residual > 0 ? "met" : "gap");
}

static const char *const risk_cols[7] = { "Hazard", "Hazardous situation "
	"and harm", "Initial risk", "Initial evaluation", "Risk controls "
	"(requirement [verdict])", "Residual risk", "Residual evaluation" };

static size_t
hazards_table(const struct medsec_report *r, struct rw *w)
{
	struct rbuf b;
	size_t k, n = risk_hazard_count(r), open = 0;
	struct risk_hazard h;

	rw_heading(w, 1, "analysis", "3. Risk analysis, evaluation and "
	    "control");
	if (n == 0) {
		rw_para(w, "No hazard: no communication purpose.");
		return 0;
	}
	rbuf_init(&b);
	rw_table(w, 7, risk_cols);
	for (k = 0; k < n; k++) {
		hazard_row(r, k, w, &b);
		risk_hazard(r, k, &h);
		open += h.residual == 0;
	}
	if (b.err != 0 && w->out->err == 0)
		w->out->err = b.err;
	rbuf_free(&b);
	return open;
}

static void
mechanisms(const struct medsec_report *r, struct rw *w)
{
	size_t i;

	if (r->n == 0)
		return;
	rw_heading(w, 1, "controls", "4. Risk control measures");
	rw_para(w, "Each control is a Table 3 requirement, implemented as the "
	    "catalog states and verified as the Software Verification and "
	    "Validation Report shows.");
	for (i = 0; i < r->n; i++) {
		const struct rep_item *it = &r->items[i];
		char line[4096];

		snprintf(line, sizeof(line), "%s %s: %s. Verdict: %s. %s",
		    it->d->req->id, it->d->req->title, it->d->req->mechanism,
		    medsec_verdict_name(it->verdict), it->why);
		rw_item(w, line);
	}
}

static void
overall(struct rw *w, size_t open, size_t n)
{
	rw_heading(w, 1, "overall", "5. Evaluation of overall residual risk");
	if (n == 0)
		rw_para(w, "Nothing to evaluate.");
	else if (open == 0)
		rw_para(w, "Every hazard's controls are verified: the overall "
		    "residual risk is acceptable under the criteria of "
		    "section 2.");
	else
		rw_notice(w, "gap", "Overall residual risk cannot be "
		    "concluded acceptable: hazards remain whose controls have "
		    "gaps (rows marked 'not reduced'). Close the gaps, or "
		    "justify each in the checklist, and regenerate this "
		    "document.");
}

static void
file_line(const struct medsec_evidence *ev, enum ev_kind kind,
    const char *what, const char *pending, struct rw *w)
{
	size_t i, found = 0;
	char line[256];

	for (i = 0; ev != NULL && i < ev->nfiles; i++) {
		if (ev->files[i].kind != kind)
			continue;
		snprintf(line, sizeof(line), "%s (%zu bytes) in the evidence",
		    ev->files[i].name, ev->files[i].size);
		rw_field(w, what, line);
		found++;
	}
	if (found == 0)
		rw_field(w, what, pending);
}

/* What field information rests on, with the verdicts that back it. */
static void
field_info(const struct medsec_report *r, struct rw *w)
{
	char buf[512];

	if (strcmp(medsec_catalog_name(r->cat), MEDSEC_CATALOG_DEFAULT) != 0) {
		rw_field(w, "Field information", "Not assessed for this "
		    "catalog.");
		return;
	}
	snprintf(buf, sizeof(buf), "Security events on the device are "
	    "recorded in the tamper-evident audit trail (requirement 2.1: "
	    "%s); users receive the incident contact and countermeasures of "
	    "requirement 2.3 (%s). Findings feed back into this analysis "
	    "throughout the product life cycle (guideline III).",
	    medsec_verdict_name(medsec_report_verdict(r, "2.1")),
	    medsec_verdict_name(medsec_report_verdict(r, "2.3")));
	rw_field(w, "Field information", buf);
}

static void
production(const struct medsec_report *r, struct rw *w)
{
	rw_heading(w, 1, "production", "6. Production and post-production "
	    "information");
	file_line(r->ev, EV_SBOM, "Software bill of materials",
	    "Pending: the evidence holds no SBOM (sbom.*); SBOM generation "
	    "is not yet part of the evidence that scripts/report.sh "
	    "collects.", w);
	file_line(r->ev, EV_VULN, "Vulnerability monitoring",
	    "Pending: the evidence holds no vulnerability assessment "
	    "(vulnerabilities.*); known-vulnerability monitoring of the "
	    "components is not yet part of the collected evidence.", w);
	field_info(r, w);
}

void
rep_write_risk(const struct medsec_report *r, struct rw *w)
{
	size_t open;

	rw_begin(w, medsec_report_doc_title(MEDSEC_REPORT_RISK),
	    "Risk management of cybersecurity (MFDS guideline III, Figure 1; "
	    "ISO 14971)");
	rep_write_ident(r, w);
	scope(r, w);
	method(w);
	open = hazards_table(r, w);
	mechanisms(r, w);
	overall(w, open, risk_hazard_count(r));
	production(r, w);
	rw_end(w);
}

/* ---- JSON ---- */

static json_t *
hazard_json(const struct medsec_report *r, size_t k)
{
	struct risk_hazard h;
	json_t *ctl = json_array();
	size_t i;

	risk_hazard(r, k, &h);
	for (i = 0; ctl != NULL && i < h.ncontrols; i++)
		rep_json_push(&ctl, json_pack("{s:s, s:s, s:s, s:s}",
		    "id", h.controls[i]->d->req->id,
		    "title", h.controls[i]->d->req->title,
		    "mechanism", h.controls[i]->d->req->mechanism,
		    "verdict", medsec_verdict_name(h.controls[i]->verdict)));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, "
	    "s:o, s:o, s:s}",
	    "id", h.id, "purpose", medsec_purpose_name(h.purpose),
	    "property", risk_property_name(h.property),
	    "hazard", h.hazard, "harm", h.harm,
	    "severity", h.severity, "exploitability", h.exploitability,
	    "initial_risk", h.initial,
	    "initial_evaluation", risk_acceptability(h.initial),
	    "controls", ctl,
	    "residual_risk", h.residual > 0 ? json_integer(h.residual) :
	    json_null(),
	    "residual_evaluation", risk_acceptability(h.residual));
}

static json_t *
files_json(const struct medsec_evidence *ev, enum ev_kind kind)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && ev != NULL && i < ev->nfiles; i++)
		if (ev->files[i].kind == kind)
			rep_json_push(&a, json_pack("{s:s, s:I}",
			    "file", ev->files[i].name,
			    "bytes", (json_int_t)ev->files[i].size));
	return a;
}

json_t *
rep_json_risk(const struct medsec_report *r)
{
	json_t *hz = json_array();
	size_t k, n = risk_hazard_count(r), open = 0;
	char why[160];
	struct risk_hazard h;

	for (k = 0; hz != NULL && k < n; k++) {
		rep_json_push(&hz, hazard_json(r, k));
		risk_hazard(r, k, &h);
		open += h.residual == 0;
	}
	risk_exploitability(r, why, sizeof(why));
	return json_pack("{s:b, s:{s:i, s:s, s:s}, s:o, s:s, "
	    "s:{s:o, s:o}}",
	    "in_scope", r->c->in_scope,
	    "method", "severity", risk_severity(r), "exploitability", why,
	    "index", "severity x exploitability; 1-2 acceptable, 3-4 "
	    "acceptable only with verified controls, 6-9 unacceptable",
	    "hazards", hz,
	    "overall_residual_risk", n == 0 ? "not applicable" : open == 0 ?
	    "acceptable" : "not demonstrated",
	    "production", "sbom", files_json(r->ev, EV_SBOM),
	    "vulnerability_monitoring", files_json(r->ev, EV_VULN));
}
