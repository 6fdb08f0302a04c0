/*
 * The Checklist for Essential Principles (guideline IV.2, Table 4): the
 * device characteristics block, then one row per requirement with the
 * Table 4 columns. Requirement wording is the catalog's checklist_text
 * (Table 4 as published); nothing here rewords a requirement.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "compliance/report_int.h"
#include "medsec-tools/compliance.h"
#include "medsec/err.h"

static const unsigned purposes[] = { MEDSEC_PURPOSE_HEALTH_RECORDS,
	MEDSEC_PURPOSE_CONTROL, MEDSEC_PURPOSE_MAINTENANCE };
#define NPURPOSES (sizeof(purposes) / sizeof(purposes[0]))

static const char *
box(int ticked)
{
	return ticked ? "\u2612" : "\u2610";
}

static void
level_line(const struct medsec_report *r, struct rbuf *b)
{
	enum medsec_level l = r->c->in_scope ? r->c->level : MEDSEC_LEVEL_NONE;

	rbuf_printf(b, "%s Major  %s Moderate  %s Minor",
	    box(l == MEDSEC_LEVEL_MAJOR), box(l == MEDSEC_LEVEL_MODERATE),
	    box(l == MEDSEC_LEVEL_MINOR));
	if (!r->c->in_scope)
		rbuf_puts(b, " (out of scope: no communication purpose)");
}

static void
tech_line(const struct medsec_profile *p, struct rbuf *b)
{
	size_t i;

	for (i = 0; i < p->n_technologies; i++)
		rbuf_printf(b, "%s%s", i ? ", " : "", p->technologies[i]);
	if (p->n_technologies == 0)
		rbuf_puts(b, "none stated");
}

static const char *
public_text(int v)
{
	return v == 1 ? "Yes" : v == 0 ? "No" : "Not stated";
}

static void
characteristics(const struct medsec_report *r, struct rw *w)
{
	struct rbuf b;
	size_t i;

	rbuf_init(&b);
	rw_heading(w, 1, "characteristics", "Description of Characteristics "
	    "of Medical Device of Cybersecurity");
	level_line(r, &b);
	rw_field(w, "1) Cybersecurity safety level", rbuf_str(&b));
	rbuf_clear(&b);
	tech_line(r->p, &b);
	rw_field(w, "2) Communication technology used", rbuf_str(&b));
	rbuf_clear(&b);
	for (i = 0; i < NPURPOSES; i++)
		rbuf_printf(&b, "%s%s %s", i ? "\n" : "",
		    box((r->p->purposes & purposes[i]) != 0),
		    medsec_purpose_label(purposes[i]));
	rw_field(w, "3) Purpose of communication", rbuf_str(&b));
	rw_field(w, "4) Whether public network is connected or not",
	    public_text(r->p->public_network));
	if (b.err != 0 && w->out->err == 0)
		w->out->err = b.err;
	rbuf_free(&b);
}

static void
rationale(const struct medsec_report *r, struct rw *w)
{
	size_t i;

	rw_heading(w, 1, "level", "Safety level: rationale");
	for (i = 0; i < r->c->n_rationale; i++)
		rw_item(w, r->c->rationale[i]);
	for (i = 0; i < r->c->n_warnings; i++)
		rw_notice(w, "warn", r->c->warnings[i]);
}

static void
summary(const struct medsec_report *r, struct rw *w)
{
	size_t counts[5], req;

	rep_counts(r, counts, &req);
	rw_heading(w, 1, "summary", "Conformity summary");
	rw_paraf(w, "%zu requirements: %zu met by passing tests, %zu "
	    "declared with a document, %zu excluded with a justification, "
	    "%zu gaps.", r->n, counts[MEDSEC_VERDICT_MET],
	    counts[MEDSEC_VERDICT_DECLARED], counts[MEDSEC_VERDICT_EXCLUDED],
	    counts[MEDSEC_VERDICT_GAP]);
	if (req > 0)
		rw_notice(w, "gap", "Required items with a gap are not met: "
		    "the device does not yet conform. See the Software "
		    "Verification and Validation Report for each gap.");
}

static void
join(struct rbuf *b, const struct medsec_strlist *l, const char *sep)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		rbuf_printf(b, "%s%s", i ? sep : "", l->v[i]);
}

/* "Verification method of conformity": the justification for an
 * excluded item (guideline IV.2), else the methods and the outcome. */
static void
method_cell(const struct rep_item *it, struct rbuf *b)
{
	static const char *const upper[] = { "NOT APPLICABLE", "MET",
		"DECLARED", "EXCLUDED", "GAP" };

	if (it->verdict == MEDSEC_VERDICT_EXCLUDED) {
		/* The reason already quotes any declaration. */
		rbuf_puts(b, it->why);
		return;
	}
	join(b, &it->d->req->verification, ";\n");
	rbuf_printf(b, "\nResult: %s. %s", upper[it->verdict], it->why);
}

static void
docs_cell(const struct rep_item *it, struct rbuf *b)
{
	rbuf_printf(b, "Software Verification and Validation Report, item "
	    "%s;\nCybersecurity Risk Management Document, control %s",
	    it->d->req->id, it->d->req->id);
	if (it->declaration != NULL)
		rbuf_printf(b, ";\nDevice profile [implementation] %s: %s",
		    it->d->req->id, it->declaration);
}

/* "Whether the device is subject to requirements": Table 3's column, the
 * manufacturer's decision with its basis, and the reason. */
static void
subject_cell(const struct rep_item *it, struct rbuf *b)
{
	const struct medsec_profile_applic *a = &it->d->decision;

	if (a->decision == MEDSEC_DECIDE_UNSET) {
		rbuf_printf(b, "%s\n%s", rep_applic_label(it->d->applicability),
		    it->d->reason);
		return;
	}
	rbuf_printf(b, "%s\nDecision: %s%s%s%s\n%s",
	    rep_applic_label(it->d->table3),
	    a->decision == MEDSEC_DECIDE_APPLIED ? "applied" : "not applied",
	    a->basis != MEDSEC_BASIS_NONE ? " (" : "",
	    a->basis != MEDSEC_BASIS_NONE ? medsec_basis_name(a->basis) : "",
	    a->basis != MEDSEC_BASIS_NONE ? ")" : "", it->d->reason);
}

static void
item_row(const struct rep_item *it, struct rw *w, struct rbuf *cells)
{
	const struct medsec_requirement *req = it->d->req;
	size_t off[5], i;
	const char *row[5];

	rbuf_clear(cells);
	off[0] = cells->len;
	rbuf_printf(cells, "%s %s\n%s", req->id, req->title,
	    req->checklist_text);
	rbuf_put(cells, "", 1);
	off[1] = cells->len;
	subject_cell(it, cells);
	rbuf_put(cells, "", 1);
	off[2] = cells->len;
	method_cell(it, cells);
	rbuf_put(cells, "", 1);
	off[3] = cells->len;
	join(cells, &req->standards, ";\n");
	rbuf_put(cells, "", 1);
	off[4] = cells->len;
	docs_cell(it, cells);
	if (cells->err != 0) {
		if (w->out->err == 0)
			w->out->err = cells->err;
		return;
	}
	for (i = 0; i < 5; i++)
		row[i] = cells->s + off[i];
	rw_row(w, row, medsec_verdict_name(it->verdict));
}

static const char *const columns[5] = {
	"Essential Principles of Cybersecurity of Medical Devices",
	"Whether the device is subject to requirements",
	"Verification method of conformity",
	"Applicable laws and standards",
	"Attachments or document number"
};

static void
items_table(const struct medsec_report *r, struct rw *w)
{
	struct rbuf cells;
	const char *stage = NULL;
	size_t i;

	rw_heading(w, 1, "items", "Essential principles");
	if (r->n == 0) {
		rw_para(w, "Cybersecurity requirements do not apply: the device "
		    "communicates for none of the purposes in guideline I.2.");
		return;
	}
	rbuf_init(&cells);
	rw_table(w, 5, columns);
	for (i = 0; i < r->n; i++) {
		const struct medsec_requirement *req = r->items[i].d->req;

		if (stage == NULL || strcmp(stage, req->stage) != 0) {
			stage = req->stage;
			rw_group(w, strcmp(stage, "identify-protect") == 0 ?
			    "1. 'Identify' and 'Protect'" :
			    "2. 'Detect', 'Respond' and 'Recover'");
		}
		item_row(&r->items[i], w, &cells);
	}
	rbuf_free(&cells);
}

void
rep_write_checklist(const struct medsec_report *r, struct rw *w)
{
	rw_begin(w, medsec_report_doc_title(MEDSEC_REPORT_CHECKLIST),
	    "MFDS Guideline on Review and Approval for Cybersecurity of "
	    "Medical Devices, Table 4");
	rep_write_ident(r, w);
	characteristics(r, w);
	rationale(r, w);
	summary(r, w);
	items_table(r, w);
	rw_end(w);
}

/* ---- JSON ---- */

static json_t *
strlist_json(const struct medsec_strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < l->n; i++)
		rep_json_push(&a, json_string(l->v[i]));
	return a;
}

static json_t *
lines_json(const char (*lines)[MEDSEC_CLASSIFY_LINE_MAX], size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		rep_json_push(&a, json_string(lines[i]));
	return a;
}

static json_t *
characteristics_json(const struct medsec_report *r)
{
	json_t *tech = json_array(), *purp = json_array();
	size_t i;

	for (i = 0; tech != NULL && i < r->p->n_technologies; i++)
		rep_json_push(&tech, json_string(r->p->technologies[i]));
	for (i = 0; purp != NULL && i < NPURPOSES; i++)
		if (r->p->purposes & purposes[i])
			rep_json_push(&purp,
			    json_string(medsec_purpose_name(purposes[i])));
	return json_pack("{s:s?, s:o, s:o, s:o}", "level", r->c->in_scope ?
	    medsec_level_name(r->c->level) : NULL, "technologies", tech,
	    "purposes", purp, "public_network", r->p->public_network < 0 ?
	    json_null() : json_boolean(r->p->public_network));
}

static json_t *
item_json(const struct rep_item *it)
{
	const struct medsec_requirement *req = it->d->req;
	const struct medsec_profile_applic *a = &it->d->decision;

	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, "
	    "s:s, s:s, s:o, s:s?}",
	    "id", req->id, "no", req->no, "stage", req->stage,
	    "title", req->title, "requirement", req->checklist_text,
	    "applicability", medsec_applicability_name(it->d->applicability),
	    "table3", medsec_applicability_name(it->d->table3),
	    "reason", it->d->reason,
	    "decision", a->decision == MEDSEC_DECIDE_UNSET ? json_null() :
	    json_pack("{s:s, s:s?, s:s?, s:s}", "decision",
	    a->decision == MEDSEC_DECIDE_APPLIED ? "applied" : "not-applied",
	    "basis", medsec_basis_name(a->basis), "reference",
	    a->reference[0] != '\0' ? a->reference : NULL, "reason",
	    a->reason),
	    "verification_methods", strlist_json(&req->verification),
	    "verdict", medsec_verdict_name(it->verdict),
	    "verdict_reason", it->why,
	    "standards", strlist_json(&req->standards),
	    "declaration", it->declaration);
}

json_t *
rep_json_checklist(const struct medsec_report *r)
{
	size_t counts[5], req, i;
	json_t *items = json_array();

	rep_counts(r, counts, &req);
	for (i = 0; items != NULL && i < r->n; i++)
		rep_json_push(&items, item_json(&r->items[i]));
	return json_pack("{s:b, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I}, "
	    "s:o}",
	    "in_scope", r->c->in_scope,
	    "characteristics", characteristics_json(r),
	    "rationale", lines_json(r->c->rationale, r->c->n_rationale),
	    "warnings", lines_json(r->c->warnings, r->c->n_warnings),
	    "summary", "met", (json_int_t)counts[MEDSEC_VERDICT_MET],
	    "declared", (json_int_t)counts[MEDSEC_VERDICT_DECLARED],
	    "excluded", (json_int_t)counts[MEDSEC_VERDICT_EXCLUDED],
	    "gaps", (json_int_t)counts[MEDSEC_VERDICT_GAP],
	    "required_gaps", (json_int_t)req,
	    "items", items);
}
