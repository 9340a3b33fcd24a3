/*
 * report.h - --report FILE.html: the --summary object (see summary.h) as
 * one self-contained HTML page (inline style, inline SVG charts, no script,
 * nothing fetched). Every number of the summary is also in a data-*
 * attribute of the page, exact, for tests. Reentrant; no global mutable state.
 */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <stdio.h>

struct json_object;

/* Write the summary (pt_summary_json's object) as one self-contained HTML page. 0, or -1 on a write error (errno set). */
int pt_report_write(struct json_object *summary, FILE *out);

#endif
