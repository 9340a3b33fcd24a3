/*
 * check_main.h - the shared main() body of the Check unit tests: run one
 * suite, print Check's summary, exit non-zero when any test failed.
 */
#ifndef PT_CHECK_MAIN_H
#define PT_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Run suite s; EXIT_SUCCESS when every test passed. */
static inline int pt_check_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
