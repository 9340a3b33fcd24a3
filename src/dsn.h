/*
 * dsn.h - enhanced status codes (RFC 3463 and the IANA registry of RFC
 * 5248) in plain words for --explain. Static strings; reentrant.
 */
#ifndef PT_DSN_H
#define PT_DSN_H

#include <stddef.h>

/* "a temporary failure ..." for class 4, etc.; NULL for no class. */
const char *pt_dsn_class_words(int cls);

/* The meaning of "C.S.D" (a detail the registry lacks: its subject's
 * meaning); NULL when it is no code or an unknown subject. */
const char *pt_dsn_meaning(const char *code);

/* What the sender or admin can do about a failure's code, or NULL. */
const char *pt_dsn_next_step(const char *code);

/* How many detail codes the table knows. */
size_t pt_dsn_known(void);

#endif
