/*
 * Runs a cmocka group, or only the test named in argv[1]. CTest calls each
 * test by name so that the JUnit report lists every test function. A name
 * that matches nothing is an error, never a silent pass.
 */
#ifndef MEDSEC_TESTMAIN_H
#define MEDSEC_TESTMAIN_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

int medsec_test_run(const char *group, const struct CMUnitTest *tests,
    size_t count, int argc, char **argv);

#define MEDSEC_TEST_MAIN(tests)                                              \
	int main(int argc, char **argv)                                      \
	{                                                                    \
		return medsec_test_run(__FILE__, tests,                      \
		    sizeof(tests) / sizeof((tests)[0]), argc, argv);         \
	}

#endif
