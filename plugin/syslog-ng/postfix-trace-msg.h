/*
 * postfix-trace-msg.h - syslog-ng messages to and from postfix-trace: a
 * message's parsed fields as a pt_line, a record as a new message.
 */
#ifndef PT_SNG_POSTFIX_TRACE_MSG_H
#define PT_SNG_POSTFIX_TRACE_MSG_H

#include "logmsg/logmsg.h"
#include "postfix-trace/line.h"

/* Look up the name-value handles (module init). */
void pt_sng_msg_global_init(void);

/* The line of message m whose text is input: HOST, PROGRAM, PID, the text,
 * the stamp; with include_raw the raw line (RAWMSG without <PRI>, else
 * rebuilt in *rawbuf). The slices point into m and *rawbuf: feed, then
 * g_free(*rawbuf). */
void pt_sng_msg_to_line(LogMessage *m, const gchar *input, gsize input_len, gboolean include_raw,
                        pt_line *l, gchar **rawbuf);

/* A new message for record json (len bytes): MESSAGE = the record,
 * PROGRAM postfix-trace, HOST and .postfix.* from the record's fields. */
LogMessage *pt_sng_record_msg(const gchar *json, gsize len);

#endif
