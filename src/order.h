/*
 * order.h - read rotated logs in time order: "mail.log mail.log.1
 * mail.log.2.gz" (newest first, as a shell glob or an admin lists them)
 * are put oldest first by the time of each file's first line, and a note
 * on the error stream says so; files whose first time cannot be read keep
 * their place and the note says the order could not be checked.
 * Memory: reorders the caller's array of pointers in place.
 * Thread-safety: reentrant.
 */
#ifndef PT_ORDER_H
#define PT_ORDER_H

#include <stdio.h>

/* Put files (n names) in order of their first line's time; year is the
 * --year option (0: inferred). Notes go to err. */
void pt_order_files(char **files, int n, int year, FILE *err);

#endif
