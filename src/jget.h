/*
 * jget.h - the member lookups every part of the command makes on a parsed
 * record (json-c): a member, a string member, a number member. Missing
 * members and members of another type read as "none" (NULL, or the
 * default), so hostile records (the command reads its own records from
 * files) never crash an answer.
 * Memory: results point into the caller's object. Thread-safety: reentrant.
 */
#ifndef PT_JGET_H
#define PT_JGET_H

#include <json-c/json.h>

/* Member k of o (any type), or NULL (also when o is NULL or no object). */
static inline json_object *pt_jget(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* Member k when it is a string, or NULL. */
static inline const char *pt_jget_str(json_object *o, const char *k)
{
    json_object *v = pt_jget(o, k);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Member k when it is a number, or def. */
static inline double pt_jget_num(json_object *o, const char *k, double def)
{
    json_object *v = pt_jget(o, k);
    return v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
           ? json_object_get_double(v) : def;
}

#endif
