/*
 * Runs a cmocka group, or only the test named in argv[1]. CTest calls each
 * test by name so that the JUnit report lists every test function. A name
 * that matches nothing is an error, never a silent pass.
 *
 * cmocka's skip() counts as a pass in the exit status, and a skipped
 * test_req_* reported as passed would be false evidence. skip() is
 * therefore redefined here to remember the skip, and the run exits with
 * MEDSEC_TEST_SKIPPED (CTest's SKIP_RETURN_CODE) when nothing failed but
 * something was skipped. Include this header after <cmocka.h>.
 */
#ifndef MEDSEC_TESTMAIN_H
#define MEDSEC_TESTMAIN_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define MEDSEC_TEST_SKIPPED 77

/* Records that the running test skipped, then lets cmocka skip it. */
void medsec_test_skip(const char *file, int line);

#undef skip
#define skip() medsec_test_skip(__FILE__, __LINE__)

int medsec_test_run(const char *group, const struct CMUnitTest *tests,
    size_t count, int argc, char **argv);

#define MEDSEC_TEST_MAIN(tests)                                              \
	int main(int argc, char **argv)                                      \
	{                                                                    \
		return medsec_test_run(__FILE__, tests,                      \
		    sizeof(tests) / sizeof((tests)[0]), argc, argv);         \
	}

/*
 * A NULL the compiler cannot see through, for tests that prove the library
 * refuses NULL at run time where its headers declare MEDSEC_NONNULL (the
 * caller's compiler would otherwise refuse the call itself).
 */
extern void *volatile medsec_test_null;

/*
 * On a function that passes medsec_test_null on purpose: UBSan's
 * nonnull-attribute check would stop the call before the library's own
 * refusal, which is what such a test proves.
 */
#define MEDSEC_TEST_PASSES_NULL __attribute__((no_sanitize("nonnull-attribute")))

#endif
