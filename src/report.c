/*
 * report.c - --report FILE.html: the --summary object (layout in summary.h)
 * drawn as one self-contained HTML page: an inline <style>, charts as
 * inline SVG drawn here, no script, no font, image or anything fetched.
 * Every number taken from the summary is also in a data-* attribute,
 * printed so that it reads back to the JSON value (tests/report checks the
 * page against the JSON); every string is escaped (log text is hostile).
 * Missing members count as 0 or empty.
 * Memory: nothing allocated; the caller owns the summary object.
 * Thread-safety: reentrant; no global mutable state.
 */
#include "report.h"
#include "jget.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

typedef struct json_object jo;

#define CW 1200                 /* chart width in SVG units */
#define NSERIES 6
static const char *const series[NSERIES] = { "sent", "deferred", "bounced", "expired", "rejected", "other" };
#define NSTAGES 5
static const char *const stages[NSTAGES] = { "before_qmgr", "in_qmgr", "conn_setup", "transmission", "total" };
static const char *const stage_words[NSTAGES] = { "before queue manager", "in queue manager", "connection setup", "transmission", "total" };
static const char *const pcts[4] = { "p50", "p90", "p99", "max" };

typedef struct col {
    const char *key, *head;
    char kind;                  /* 's' short string, 'r' long text, 'n' number, 'd' seconds */
} col;

static const col worst_cols[] = {
    { "delay", "delay", 'd' }, { "queue_id", "queue id", 's' }, { "host", "host", 's' }, { "to", "to", 's' },
    { "first_seen", "first seen", 's' }, { "time", "last try", 's' }, { "attempts", "tries", 'n' },
    { "dsn", "dsn", 's' }, { "reply", "reply", 'r' } };
static const col queued_cols[] = {
    { "queue_id", "queue id", 's' }, { "host", "host", 's' }, { "to", "to", 's' }, { "first_seen", "first seen", 's' },
    { "time", "last try", 's' }, { "attempts", "tries", 'n' }, { "dsn", "dsn", 's' }, { "reply", "reply", 'r' } };

static const char style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;"
    "margin:0;background:#f5f6f8;color:#1f2328;font-size:14px}main{max-width:1240px;margin:0 auto;padding:16px 20px}\n"
    "h1{font-size:22px;margin:8px 0 2px}h2{font-size:16px;margin:0 0 10px}\n"
    "section{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:14px 16px;margin:14px 0}\n"
    ".pair{display:grid;grid-template-columns:1fr 1fr;gap:14px}.pair section{margin:0}\n"
    ".kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{background:#fff;border:1px solid #e1e4e8;border-radius:8px;"
    "padding:10px 16px;min-width:130px}.kpi b{display:block;font-size:26px}\n"
    ".kpi small,.muted,footer{color:#6a737d}.ax{font-size:11px;fill:#6a737d}.vl{font-size:11px;fill:#1f2328}\n"
    ".chips{margin-top:10px}.chip{display:inline-block;margin:3px 12px 3px 0}"
    ".sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}\n"
    ".s-sent{fill:#2e9e5b;background:#2e9e5b}.s-deferred{fill:#e3a008;background:#e3a008}"
    ".s-bounced{fill:#d64541;background:#d64541}.s-expired{fill:#8b1a1a;background:#8b1a1a}\n"
    ".s-rejected{fill:#8e44ad;background:#8e44ad}.s-other{fill:#9aa0a6;background:#9aa0a6}"
    ".p-p50{fill:#9ecae1;background:#9ecae1}.p-p90{fill:#4292c6;background:#4292c6}.p-p99{fill:#08519c;background:#08519c}\n"
    ".grid{stroke:#eaecef}svg.chart{width:100%;height:auto;display:block}\n"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaecef;"
    "vertical-align:top}th{font-weight:600;color:#444;font-size:12px}\n"
    ".n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}td.k{overflow-wrap:anywhere}"
    "td.r{overflow-wrap:anywhere;font-size:12px;color:#444}"
    "td.s{white-space:nowrap;max-width:230px;overflow:hidden;text-overflow:ellipsis}\n"
    ".warn{background:#fff4d6}.hi{background:#fde2e1}"
    ".note{background:#fff4d6;border:1px solid #e3a008;border-radius:8px;padding:8px 12px}"
    "footer{font-size:12px;padding:8px 0 24px}\n";

/* Member k as a number, 0 when missing. */
static double num(jo *o, const char *k)
{
    return json_object_get_double(pt_jget(o, k));
}

/* Member k as a string, "" when missing or null. */
static const char *str(jo *o, const char *k)
{
    const char *s = pt_jget(o, k) ? json_object_get_string(pt_jget(o, k)) : NULL;
    return s ? s : "";
}

/* Member k when it is an array, or NULL. */
static jo *arr(jo *o, const char *k)
{
    jo *v = pt_jget(o, k);
    return json_object_is_type(v, json_type_array) ? v : NULL;
}

/* Length of an array (NULL: 0). */
static size_t len(jo *a)
{
    return a ? json_object_array_length(a) : 0;
}

/* Element i of array a. */
static jo *at(jo *a, size_t i)
{
    return json_object_array_get_idx(a, i);
}

/* A finite, positive value for drawing (at most 1e15); anything else is 0. */
static double pos(double d)
{
    return d > 0 && d < 1e300 ? (d < 1e15 ? d : 1e15) : 0;
}

/* The largest member k of array a's elements, for drawing. */
static double list_max(jo *a, const char *k)
{
    double m = 0;
    for (size_t i = 0; i < len(a); i++)
        m = pos(num(at(a, i), k)) > m ? pos(num(at(a, i), k)) : m;
    return m;
}

/* s escaped for HTML text and attributes: & < > " ', and : = ( @ so that no
 * log text can spell a URL, src=, url( or @import in the page source, and
 * control characters as numeric references. */
static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (strchr("&<>\"':=(@", c) || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            fprintf(f, "&#%d;", c);
        else
            putc(c, f);
    }
}

/* v exactly: an integer as such, a double in the fewest digits that read back the same; missing: 0. */
static void put_num(FILE *f, jo *v)
{
    if (json_object_is_type(v, json_type_int)) {
        fprintf(f, "%lld", (long long)json_object_get_int64(v));
        return;
    }
    double d = json_object_get_double(v);
    char b[48];
    for (int p = 15; p <= 17; p++) {
        snprintf(b, sizeof b, "%.*g", p, d);
        if (strtod(b, NULL) == d)
            break;
    }
    fputs(b, f);
}

/* v as a number (is_str 0) or an escaped string. */
static void put_val(FILE *f, jo *v, int is_str)
{
    if (is_str)
        esc(f, v ? json_object_get_string(v) : "");
    else
        put_num(f, v);
}

/* ' data-K="v"' with K's '_' as '-', v a number or (is_str) an escaped string. */
static void attr(FILE *f, const char *k, jo *v, int is_str)
{
    fputs(" data-", f);
    for (; *k; k++)
        putc(*k == '_' ? '-' : *k, f);
    fputs("=\"", f);
    put_val(f, v, is_str);
    putc('"', f);
}

/* ' data-K="s"' for a literal string s. */
static void attr_str(FILE *f, const char *k, const char *s)
{
    fprintf(f, " data-%s=\"", k);
    esc(f, s);
    putc('"', f);
}

/* <b data-key="K[.SUB]" data-value="v">v</b>: a figure a test can find. */
static void keyed(FILE *f, const char *k, const char *sub, jo *v, int is_str)
{
    fprintf(f, "<b data-key=\"%s%s", k, sub ? "." : "");
    if (sub)
        esc(f, sub);
    fputs("\" data-value=\"", f);
    put_val(f, v, is_str);
    fputs("\">", f);
    put_val(f, v, is_str);
    fputs("</b>", f);
}

/* Seconds for people: "0.35 s", "42 s", "7m05s", "2h00m", "3d04h". */
static void dur(FILE *f, double s)
{
    long long t = (long long)(pos(s) + 0.5);
    if (pos(s) > 0 && pos(s) < 0.001)
        fputs("&lt;1 ms", f);
    else if (pos(s) < 59.5)
        fprintf(f, "%.2g s", pos(s));
    else if (t < 3600)
        fprintf(f, "%lldm%02llds", t / 60, t % 60);
    else if (t < 86400)
        fprintf(f, "%lldh%02lldm", t / 3600, t % 3600 / 60);
    else
        fprintf(f, "%lldd%02lldh", t / 86400, t % 86400 / 3600);
}

/* The colour class of a status (statuses other than the series: grey). */
static const char *status_class(const char *st)
{
    static const char *const cls[NSERIES] = { "s-sent", "s-deferred", "s-bounced", "s-expired", "s-rejected", "s-other" };
    for (int k = 0; k < NSERIES; k++)
        if (!strcmp(st, series[k]))
            return cls[k];
    return "s-other";
}

/* One headline figure: member k of o, tagged data-key="key". */
static void kpi(FILE *f, jo *o, const char *k, const char *key, const char *label)
{
    fputs("<div class=\"kpi\">", f);
    keyed(f, key, NULL, pt_jget(o, k), 0);
    fprintf(f, "<small>%s</small></div>\n", label);
}

/* The status -> count chips of object member k, coloured by status. */
static void chips(FILE *f, jo *s, const char *k, const char *label)
{
    jo *o = pt_jget(s, k);
    fprintf(f, "<div class=\"chips\"><b>%s:</b> ", label);
    if (!json_object_is_type(o, json_type_object) || !json_object_object_length(o))
        fputs("<span class=\"muted\">none</span>", f);
    else {
        json_object_object_foreach(o, key, val) {
            fprintf(f, "<span class=\"chip\"><i class=\"sw %s\"></i>", status_class(key));
            esc(f, key);
            putc(' ', f);
            keyed(f, k, key, val, 0);
            fputs("</span>", f);
        }
    }
    fputs("</div>\n", f);
}

/* The title, span, notes, headline figures and status counts. */
static void headline(FILE *f, jo *s)
{
    fputs("<h1>postfix-trace report</h1>\n<p class=\"muted\">from ", f);
    keyed(f, "first_seen", NULL, pt_jget(s, "first_seen"), 1);
    fputs(" to ", f);
    keyed(f, "last_seen", NULL, pt_jget(s, "last_seen"), 1);
    fputs("</p>\n", f);
    if (json_object_get_boolean(pt_jget(s, "truncated")))
        fputs("<p class=\"note\" data-key=\"truncated\" data-value=\"true\">Some tables reached their bound;"
              " the rest is counted under \"(other)\".</p>\n", f);
    if (!num(s, "messages") && !num(s, "recipients") && !num(s, "rejects") && !num(s, "auth_failures") && !len(arr(s, "per_hour")))
        fputs("<p class=\"note\">There are no records in this summary.</p>\n", f);
    fputs("<div class=\"kpis\">\n", f);
    kpi(f, s, "messages", "messages", "messages");
    kpi(f, s, "recipients", "recipients", "recipients");
    kpi(f, s, "rejects", "rejects", "rejected at SMTP time");
    kpi(f, s, "auth_failures", "auth_failures", "SASL failures");
    kpi(f, pt_jget(s, "still_queued"), "messages", "still_queued.messages", "mails still queued");
    kpi(f, pt_jget(s, "still_queued"), "recipients", "still_queued.recipients", "recipients still queued");
    fputs("</div>\n", f);
    chips(f, s, "by_status", "Recipients by final status");
    chips(f, s, "by_message_status", "Messages by status");
}

/* A section's start; when it has nothing to show, "None." and its end, and 0. */
static int section(FILE *f, const char *title, int have)
{
    fprintf(f, "<section><h2>%s</h2>\n", title);
    if (!have)
        fputs("<p class=\"muted\">None.</p></section>\n", f);
    return have;
}

/* The smallest 1, 2 or 5 times a power of ten that is at least x (x >= 1). */
static double nice(double x)
{
    double p = 1;
    while (p * 10 < x)
        p *= 10;
    return x <= p ? p : x <= 2 * p ? 2 * p : x <= 5 * p ? 5 * p : 10 * p;
}

/* One hour's stacked bar at centre cx, bottom to top in series order, its total on top. */
static void hour_bar(FILE *f, jo *row, double cx, double w, double per_mail, double y)
{
    const char *hour = str(row, "hour");
    double total = 0;
    for (int k = 0; k < NSERIES; k++) {
        double h = pos(num(row, series[k])) * per_mail;
        total += pos(num(row, series[k]));
        y -= h;
        fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.2f\" width=\"%.1f\" height=\"%.2f\"", status_class(series[k]), cx - w / 2, y, w, h);
        attr_str(f, "series", series[k]);
        attr_str(f, "hour", hour);
        attr(f, "value", pt_jget(row, series[k]), 0);
        fputs("><title>", f);
        esc(f, hour);
        fprintf(f, " %s: ", series[k]);
        put_num(f, pt_jget(row, series[k]));
        fputs("</title></rect>\n", f);
    }
    if (w >= 14 && total > 0)
        fprintf(f, "<text class=\"vl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.15g</text>\n", cx, y - 4, total);
}

/* The label under bar x: "HH:MM", and the date under it when it changed since *day. */
static void hour_label(FILE *f, const char *hour, double x, double y, char day[11])
{
    char hm[8] = "";
    int iso = strlen(hour) >= 16 && hour[10] == 'T';
    if (iso)
        snprintf(hm, sizeof hm, "%.2s:%.2s", hour + 11, hour + 14);
    fprintf(f, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, y);
    esc(f, iso ? hm : hour);
    fputs("</text>\n", f);
    if (iso && strncmp(day, hour + 5, 5)) {
        snprintf(day, 11, "%.5s", hour + 5);
        fprintf(f, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, y + 14);
        esc(f, day);
        fputs("</text>\n", f);
    }
}

/* A legend: a swatch and name per class prefix + name. */
static void legend(FILE *f, const char *prefix, const char *const *names, int n)
{
    fputs("<div class=\"chips\">", f);
    for (int k = 0; k < n; k++)
        fprintf(f, "<span class=\"chip\"><i class=\"sw %s%s\"></i>%s</span>", prefix, names[k], names[k]);
    fputs("</div>\n", f);
}

/* Hours since 1970 of an "YYYY-MM-DDTHH..." hour (days from civil), or -1. */
static long long hour_no(const char *h)
{
    int y, m, d, hh;
    if (sscanf(h, "%4d-%2d-%2dT%2d", &y, &m, &d, &hh) != 4 || m < 1 || m > 12 || d < 1 || d > 31 || hh < 0 || hh > 23)
        return -1;
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    return (era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468) * 24 + hh;
}

/* The hours the rows span, for a time axis; 0 (a slot per row) when their hours
 * do not all parse, do not increase or span more than 93 days. */
static long long hour_span(jo *a, size_t n)
{
    long long prev = -1;
    for (size_t i = 0; i < n; i++) {
        long long h = hour_no(str(at(a, i), "hour"));
        if (h < 0 || h <= prev)
            return 0;
        prev = h;
    }
    prev -= hour_no(str(at(a, 0), "hour")) - 1;
    return prev <= 24 * 93 ? prev : 0;
}

/* Mails per hour by final status: stacked bars over a count grid, on a time axis. */
static void per_hour(FILE *f, jo *s)
{
    jo *a = arr(s, "per_hour");
    size_t n = len(a);
    if (!section(f, "Mails per hour by final status", n > 0))
        return;
    legend(f, "s-", series, NSERIES);
    long long span = hour_span(a, n), base = span ? hour_no(str(at(a, 0), "hour")) : 0, next = 0;
    double max = 0, L = 50, T = 22, W = CW - L - 24, H = 250, bw = W / (double)(span ? span : (long long)n);
    for (size_t i = 0; i < n; i++) {
        double t = 0;
        for (int k = 0; k < NSERIES; k++)
            t += pos(num(at(a, i), series[k]));
        max = pos(t) > max ? pos(t) : max;
    }
    double step = nice(max / 4 < 1 ? 1 : max / 4), top = step;
    while (top < max)
        top += step;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"mails per hour\">\n", CW, (int)(T + H + 34));
    for (int g = 0; g * step <= top + step / 2; g++) {
        double py = T + H - g * step / top * H;
        fprintf(f, "<line class=\"grid\" x1=\"%g\" x2=\"%g\" y1=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"ax\" x=\"%g\" y=\"%.1f\" text-anchor=\"end\">%.15g</text>\n", L, L + W, py, py, L - 6, py + 4, g * step);
    }
    char day[11] = "";
    for (size_t i = 0; i < n; i++) {
        long long slot = span ? hour_no(str(at(a, i), "hour")) - base : (long long)i;
        double cx = L + ((double)slot + 0.5) * bw;
        hour_bar(f, at(a, i), cx, bw * 0.8 < 56 ? bw * 0.8 : 56, H / top, T + H);
        if (slot >= next) {     /* labels at least 64 units apart */
            hour_label(f, str(at(a, i), "hour"), cx, T + H + 15, day);
            next = slot + (long long)(64 / bw) + 1;
        }
    }
    fputs("</svg></section>\n", f);
}

/* Where v seconds sits on the delay axis: decades above 1 ms, linear inside a decade. */
static double decades(double v)
{
    double d = 0, p = 0.001;
    if (!(v > p))
        return 0;
    while (v >= p * 10 && d < 30) {
        p *= 10;
        d++;
    }
    return d + (v / p - 1) / 9;
}

/* The delay axis: a grid line and label at each tick below top decades. */
static void delay_axis(FILE *f, double top, double L, double T, double H)
{
    static const double tv[] = { 0.01, 0.1, 1, 10, 60, 600, 3600, 21600, 86400, 432000 };
    static const char *const tl[] = { "10 ms", "0.1 s", "1 s", "10 s", "1 min", "10 min", "1 h", "6 h", "1 d", "5 d" };
    for (size_t i = 0; i < sizeof tv / sizeof tv[0] && decades(tv[i]) <= top; i++) {
        double py = T + H - decades(tv[i]) / top * H;
        fprintf(f, "<line class=\"grid\" x1=\"%g\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"ax\" x=\"%g\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", L, CW - 10, py, py, L - 6, py + 4, tl[i]);
    }
}

/* Delay percentiles per stage: p50/p90/p99 bars on a log-ish axis, values labelled. */
static void delay_chart(FILE *f, jo *d)
{
    double top = 3, L = 60, T = 16, H = 240, gw = (CW - L - 10) / (double)NSTAGES;
    for (int g = 0; g < NSTAGES; g++)
        for (int p = 0; p < 3; p++)
            while (top < decades(pos(num(pt_jget(d, stages[g]), pcts[p]))))
                top++;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"delay percentiles\">\n", CW, (int)(T + H + 26));
    delay_axis(f, top, L, T, H);
    for (int g = 0; g < NSTAGES; g++) {
        jo *st = pt_jget(d, stages[g]);
        for (int p = 0; p < 3; p++) {
            double v = pos(num(st, pcts[p])), h = decades(v) / top * H, x = L + g * gw + (gw - 3 * 52) / 2 + p * 52;
            fprintf(f, "<rect class=\"p-%s\" x=\"%.1f\" y=\"%.2f\" width=\"46\" height=\"%.2f\"", pcts[p], x, T + H - h, h);
            attr_str(f, "stage", stages[g]);
            attr_str(f, "pct", pcts[p]);
            attr(f, "value", pt_jget(st, pcts[p]), 0);
            fprintf(f, "><title>%s %s: ", stage_words[g], pcts[p]);
            put_num(f, pt_jget(st, pcts[p]));
            fprintf(f, " s</title></rect>\n<text class=\"vl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x + 23, T + H - h - 4);
            dur(f, v);
            fputs("</text>\n", f);
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", L + (g + 0.5) * gw, T + H + 18, stage_words[g]);
    }
    fputs("</svg>\n", f);
}

/* The delays section: the chart, then count, percentiles and max per stage. */
static void delays(FILE *f, jo *s)
{
    jo *d = pt_jget(s, "delays");
    if (!section(f, "Delay per stage (seconds, log-ish scale)", json_object_is_type(d, json_type_object)))
        return;
    legend(f, "p-", pcts, 3);
    delay_chart(f, d);
    fputs("<table><tr><th>stage</th><th class=\"n\">recipients</th><th class=\"n\">p50</th><th class=\"n\">p90</th>"
          "<th class=\"n\">p99</th><th class=\"n\">max</th></tr>\n", f);
    for (int g = 0; g < NSTAGES; g++) {
        jo *st = pt_jget(d, stages[g]);
        fputs("<tr", f);
        attr_str(f, "stage", stages[g]);
        attr(f, "count", pt_jget(st, "count"), 0);
        attr(f, "max", pt_jget(st, "max"), 0);
        fprintf(f, "><td>%s</td><td class=\"n\">", stage_words[g]);
        put_num(f, pt_jget(st, "count"));
        for (int c = 0; c < 4; c++) {
            fputs("</td><td class=\"n\">", f);
            dur(f, num(st, pcts[c]));
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

/* A rate as a percentage, shaded above 0 and above 20 %. */
static void rate_cell(FILE *f, double r)
{
    fprintf(f, "<td class=\"n%s\">%.1f %%</td>", r >= 0.2 ? " hi" : r > 0 ? " warn" : "", pos(r) * 100);
}

/* A row's recipients as a bar of sent, deferred, bounced, expired and the rest, scaled to max. */
static void dest_bar(FILE *f, jo *r, double max)
{
    double x = 0, rest = pos(num(r, "recipients"));
    fputs("<td><svg width=\"260\" height=\"12\">", f);
    for (int k = 0; k < 5; k++) {
        double v = k < 4 ? pos(num(r, series[k])) : rest, w = max > 0 ? pos(v / max * 260) : 0;
        rest -= k < 4 ? v : 0;
        fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"1\" height=\"10\" width=\"%.1f\"/>", status_class(series[k < 4 ? k : 5]), x, w);
        x += w;
    }
    fputs("</svg></td>", f);
}

/* The by_domain or by_relay table: a bar of each key's recipients, counts and rates. */
static void dest_table(FILE *f, jo *s, const char *list, const char *key, const char *title)
{
    static const char *const nums[] = { "recipients", "sent", "deferred", "bounced", "expired", "deferred_once", "bounce_rate", "defer_rate" };
    jo *a = arr(s, list);
    double max = list_max(a, "recipients");
    if (!section(f, title, len(a) > 0))
        return;
    fprintf(f, "<table><tr><th>%s</th><th>recipients by status</th><th class=\"n\">recipients</th><th class=\"n\">sent</th>"
            "<th class=\"n\">deferred</th><th class=\"n\">bounced</th><th class=\"n\">expired</th><th class=\"n\">deferred once</th>"
            "<th class=\"n\">bounce rate</th><th class=\"n\">defer rate</th></tr>\n", key);
    for (size_t i = 0; i < len(a); i++) {
        jo *r = at(a, i);
        fprintf(f, "<tr data-list=\"%s\"", list);
        attr(f, key, pt_jget(r, key), 1);
        for (int k = 0; k < 8; k++)
            attr(f, nums[k], pt_jget(r, nums[k]), 0);
        fputs("><td class=\"k\">", f);
        esc(f, str(r, key));
        fputs("</td>", f);
        dest_bar(f, r, max);
        for (int k = 0; k < 6; k++) {
            fputs("<td class=\"n\">", f);
            put_num(f, pt_jget(r, nums[k]));
            fputs("</td>", f);
        }
        rate_cell(f, num(r, "bounce_rate"));
        rate_cell(f, num(r, "defer_rate"));
        fputs("</tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

/* The bar colour of a by_dsn row: its class's, or cls for other lists. */
static const char *bar_class(const char *key, const char *k, const char *cls)
{
    if (strcmp(key, "dsn"))
        return cls;
    return *k == '2' ? "s-sent" : *k == '4' ? "s-deferred" : *k == '5' ? "s-bounced" : "s-other";
}

/* A ranked list (reject_reasons, sasl_failures, by_dsn): key, meaning when given, bar, count. */
static void bar_list(FILE *f, jo *s, const char *list, const char *key, const char *count_attr, const char *meaning,
                     const char *cls, const char *title)
{
    jo *a = arr(s, list);
    double max = list_max(a, "count");
    if (!section(f, title, len(a) > 0))
        return;
    fputs("<table>\n", f);
    for (size_t i = 0; i < len(a); i++) {
        jo *r = at(a, i);
        fprintf(f, "<tr data-list=\"%s\"", list);
        attr(f, key, pt_jget(r, key), 1);
        attr(f, count_attr, pt_jget(r, "count"), 0);
        if (meaning)
            attr(f, meaning, pt_jget(r, meaning), 1);
        fputs("><td class=\"k\">", f);
        esc(f, str(r, key));
        if (meaning) {
            fputs("</td><td class=\"r\">", f);
            esc(f, str(r, meaning));
        }
        fprintf(f, "</td><td><svg width=\"220\" height=\"12\"><rect class=\"%s\" x=\"0\" y=\"1\" height=\"10\" width=\"%.1f\"/></svg>"
                "</td><td class=\"n\">", bar_class(key, str(r, key), cls), max > 0 ? pos(num(r, "count")) / max * 220 : 0);
        put_num(f, pt_jget(r, "count"));
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

/* A table of the rows of array a with columns cols; rows tagged data-list=list. */
static void rows_table(FILE *f, const char *title, jo *a, const char *list, const col *cols, size_t ncols)
{
    if (!section(f, title, len(a) > 0))
        return;
    fputs("<table><tr>", f);
    for (size_t c = 0; c < ncols; c++)
        fprintf(f, "<th%s>%s</th>", cols[c].kind == 'n' || cols[c].kind == 'd' ? " class=\"n\"" : "", cols[c].head);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < len(a); i++) {
        jo *r = at(a, i);
        fprintf(f, "<tr data-list=\"%s\"", list);
        for (size_t c = 0; c < ncols; c++)
            attr(f, cols[c].key, pt_jget(r, cols[c].key), cols[c].kind == 's' || cols[c].kind == 'r');
        putc('>', f);
        for (size_t c = 0; c < ncols; c++) {
            char kind = cols[c].kind;
            fprintf(f, "<td class=\"%s\">", kind == 'n' || kind == 'd' ? "n" : kind == 'r' ? "r" : "s");
            if (kind == 'd')
                dur(f, num(r, cols[c].key));
            else
                put_val(f, pt_jget(r, cols[c].key), kind != 'n');
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

/* The body: every section in reading order. */
static void body(FILE *f, jo *s)
{
    headline(f, s);
    per_hour(f, s);
    delays(f, s);
    dest_table(f, s, "by_domain", "domain", "Top recipient domains");
    dest_table(f, s, "by_relay", "relay", "Top relays");
    fputs("<div class=\"pair\">\n", f);
    bar_list(f, s, "reject_reasons", "reason", "reason_count", NULL, "s-rejected", "Top reject reasons");
    bar_list(f, s, "sasl_failures", "client", "count", NULL, "s-bounced", "SASL authentication failures by client");
    fputs("</div>\n", f);
    bar_list(f, s, "by_dsn", "dsn", "count", "meaning", NULL, "By status code (recipients and rejects)");
    rows_table(f, "Worst deferred mails", arr(s, "worst_deferred"), "worst_deferred", worst_cols,
               sizeof worst_cols / sizeof worst_cols[0]);
    rows_table(f, "Still queued when the input ended (oldest first)", arr(pt_jget(s, "still_queued"), "oldest"),
               "still_queued.oldest", queued_cols, sizeof queued_cols / sizeof queued_cols[0]);
}

/* Write the summary (pt_summary_json's object) as one self-contained HTML page. 0, or -1 on a write error (errno set). */
int pt_report_write(struct json_object *summary, FILE *out)
{
    errno = 0;
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>postfix-trace report</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", style);
    body(out, summary);
    fputs("<footer>Generated by postfix-trace --report from its --summary of the mail log records (summary_version ", out);
    keyed(out, "summary_version", NULL, pt_jget(summary, "summary_version"), 0);
    fputs("). Times as in the records. One self-contained page: nothing is fetched.</footer>\n"
          "</main>\n</body>\n</html>\n", out);
    if (fflush(out) == EOF || ferror(out)) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}
