#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmain.h"

void *volatile medsec_test_null;

static int skipped;

void
medsec_test_skip(const char *file, int line)
{
	skipped = 1;
	_skip(file, line);
}

/* A skip reaches CTest as a skip, unless something also failed. */
static int
exit_status(int failed)
{
	if (failed != 0)
		return 1; /* never 77 by accident of the failure count */
	return skipped ? MEDSEC_TEST_SKIPPED : 0;
}

int
medsec_test_run(const char *group, const struct CMUnitTest *tests,
    size_t count, int argc, char **argv)
{
	struct CMUnitTest *selected;
	size_t n = 0;
	int r;

	if (argc < 2)
		return exit_status(
		    _cmocka_run_group_tests(group, tests, count, NULL, NULL));
	selected = calloc(count, sizeof(*selected));
	if (selected == NULL)
		return 1;
	for (size_t i = 0; i < count; i++)
		if (strcmp(tests[i].name, argv[1]) == 0)
			selected[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", group, argv[1]);
		free(selected);
		return 2;
	}
	r = _cmocka_run_group_tests(argv[1], selected, n, NULL, NULL);
	free(selected);
	return exit_status(r);
}
