/*
 * The device's threat model, read from the Markdown file the profile
 * names ([risk] threat_model). Format: docs/compliance/profile.md,
 * "Threat model"; docs/threat-model.md is medsecd's own.
 */
#ifndef MEDSEC_THREAT_INT_H
#define MEDSEC_THREAT_INT_H

#include <stddef.h>

#include "medsec-tools/compliance.h"
#include "medsec/config.h"

#define TM_ID_MAX 16
#define TM_TEXT_MAX 512
#define TM_ENTRIES_MAX 64
#define TM_THREATS_MAX 160
#define TM_TESTS_MAX 12
#define TM_TEST_MAX 128
#define TM_FILE_MAX (512 * 1024)

/* Exposure of a flow: exploitability 1 (local, physical), 2 (adjacent:
 * radio range, the same local network), 3 (internet). */
enum tm_exposure { TM_EXP_UNSET = 0, TM_EXP_LOCAL = 1, TM_EXP_ADJACENT = 2,
	TM_EXP_INTERNET = 3 };

struct tm_entry {		/* asset, entry point, trust boundary */
	char id[TM_ID_MAX];
	char text[TM_TEXT_MAX];
	int line;
};

struct tm_flow {
	char id[TM_ID_MAX];
	char text[TM_TEXT_MAX];
	int exposure;		/* enum tm_exposure */
	enum medsec_harm harm;	/* clinical consequence of a breach */
	int planned;
	int line;
};

struct tm_threat {
	char id[TM_ID_MAX];
	char stride[TM_ID_MAX];
	char threat[TM_TEXT_MAX];
	char control[TM_TEXT_MAX * 2];
	size_t nflows;
	char flows[4][TM_ID_MAX]; /* from the section heading */
	int exposure;		  /* the threat's own, else 0 */
	enum medsec_harm harm;	  /* the threat's own, else UNSET */
	int planned;		  /* status "planned": no control yet */
	size_t ntests;
	char tests[TM_TESTS_MAX][TM_TEST_MAX]; /* "name" or "prefix*" */
	int line;
};

struct medsec_threat_model {
	char path[MEDSEC_CONFIG_PATH_MAX];
	size_t nassets, nentries, nboundaries, nflows, nthreats;
	struct tm_entry assets[TM_ENTRIES_MAX];
	struct tm_entry entries[TM_ENTRIES_MAX];
	struct tm_entry boundaries[TM_ENTRIES_MAX];
	struct tm_flow flows[TM_ENTRIES_MAX];
	struct tm_threat threats[TM_THREATS_MAX];
};

/*
 * Reads the threat model at path (relative paths from the directory of
 * profile_source) into *tmp. Refusals name file:line and the cell.
 */
int threat_model_load(const char *profile_source, const char *path,
    struct medsec_threat_model **tmp, struct medsec_config_error *err);
/* As threat_model_load() on text in memory; name is for errors. */
int threat_model_parse(const char *name, const char *text, size_t len,
    struct medsec_threat_model **tmp, struct medsec_config_error *err);
void threat_model_free(struct medsec_threat_model *tm);

const struct tm_flow *tm_flow_find(const struct medsec_threat_model *tm,
    const char *id);
/* "local", "adjacent", "internet". */
const char *tm_exposure_name(int exposure);

#endif
