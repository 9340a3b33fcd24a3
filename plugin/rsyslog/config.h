/*
 * config.h - hand-made stand-in for the config.h of rsyslog 8.2302.0's own
 * ./configure, as Debian 12 (amd64) built it. Only ompostfix.c includes it
 * (rsyslog's headers expect "config.h" first). The macros below are the ones
 * that change struct layouts or declarations in the headers we use; the
 * values match Debian's rsyslogd (see docs and scripts/check-rsyslog-module).
 * Do not define PACKAGE / VERSION here; do not add ENABLE_LIBLOGGING_STDLOG
 * (Debian builds without it, and it changes rsconf_t).
 */
#ifndef OMPOSTFIX_RSYSLOG_CONFIG_H
#define OMPOSTFIX_RSYSLOG_CONFIG_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#ifndef NDEBUG
#define NDEBUG 1                /* release layout of obj_t and cstr_t */
#endif
#define HAVE_ATOMIC_BUILTINS 1
#define HAVE_ATOMIC_BUILTINS64 1
#define FEATURE_REGEXP 1        /* templateEntry has the regex members */
#define HAVE_LSEEK64 1
#define HAVE_OFF64_T 1
#define HAVE_STRNDUP 1
#define OS_LINUX 1
#define HAVE_PTHREAD_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_STDINT_H 1
#define HAVE_UNISTD_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRING_H 1
#define STDC_HEADERS 1
/* ENABLE_LIBLOGGING_STDLOG: deliberately undefined */

#endif
