/*
 * order.c - put input files in time order by their first dated line (a
 * syslog header the core reads, or a record's first_seen), looking at no
 * more than the first PEEK_LINES lines of each. Stable: files of equal
 * time keep the order given.
 * Memory: a reader and a header reader per file while it is peeked.
 * Thread-safety: reentrant.
 */
#include "order.h"
#include "reader.h"
#include "postfix-trace/line.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PEEK_LINES 1000

/* The time of a record line's first_seen (or time), or INT64_MIN. */
static int64_t record_time(const char *s, size_t n)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = tok && n < INT32_MAX ? json_tokener_parse_ex(tok, s, (int)n) : NULL, *v;
    int64_t t = INT64_MIN;
    pt_time tm;
    if (o && (json_object_object_get_ex(o, "first_seen", &v) || json_object_object_get_ex(o, "time", &v))
        && json_object_is_type(v, json_type_string)
        && !pt_time_parse_rfc3339(json_object_get_string(v), (size_t)json_object_get_string_len(v), &tm))
        t = tm.sec * 1000000 + tm.usec;
    json_object_put(o);
    json_tokener_free(tok);
    return t;
}

/* Microseconds of the first dated line of a file, or INT64_MIN. */
static int64_t first_time(const char *path, int year)
{
    pt_reader *r = pt_reader_open(path);
    pt_header_reader *hr = pt_header_reader_new(year);
    int64_t t = INT64_MIN;
    const char *s;
    size_t n;
    pt_line line;
    for (int i = 0; r && hr && i < PEEK_LINES && t == INT64_MIN; i++) {
        pt_read_result rr = pt_reader_next(r, &s, &n);
        if (rr == PT_READ_EOF || rr == PT_READ_ERROR)
            break;
        if (rr != PT_READ_LINE)
            continue;
        if (n && s[0] == '{')
            t = record_time(s, n);
        else if (pt_header_read(hr, s, n, &line) == PT_HEADER_OK)
            t = line.time.sec * 1000000 + line.time.usec;
    }
    pt_reader_close(r);
    pt_header_reader_free(hr);
    return t;
}

typedef struct dated {
    char *name;
    int64_t t;
    int pos;
} dated;

/* Older first; the given order among equals. */
static int by_time(const void *a, const void *b)
{
    const dated *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->pos - y->pos;
}

/* Put files in order of their first line's time. */
void pt_order_files(char **files, int n, int year, FILE *err)
{
    if (n < 2)
        return;
    dated *d = malloc((size_t)n * sizeof *d);
    if (!d)
        return;
    int unknown = 0, moved = 0;
    for (int i = 0; i < n; i++) {
        d[i] = (dated){ files[i], strcmp(files[i], "-") ? first_time(files[i], year) : INT64_MIN, i };
        unknown += d[i].t == INT64_MIN;
    }
    if (!unknown) {
        qsort(d, (size_t)n, sizeof *d, by_time);
        for (int i = 0; i < n; i++) {
            moved |= d[i].pos != i;
            files[i] = d[i].name;
        }
    }
    if (moved) {
        fputs("postfix-trace: note: reading the files in time order:", err);
        for (int i = 0; i < n; i++)
            fprintf(err, " %s", files[i]);
        fputc('\n', err);
    } else if (unknown) {
        fprintf(err, "postfix-trace: note: %d of the %d files start with no dated line; they are "
                "read in the order given, which may not be time order\n", unknown, n);
    }
    free(d);
}
