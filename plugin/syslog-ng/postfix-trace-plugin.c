/*
 * postfix-trace-plugin.c - module entry of the syslog-ng postfix-trace()
 * parser: the module is libpostfix-trace.so, its init symbol
 * postfix_trace_module_init.
 */
#include "postfix-trace-sng.h"
#include "postfix-trace-parser.h"
#include "plugin.h"
#include "plugin-types.h"

static Plugin postfix_trace_plugins[] = {
    {
        .type = LL_CONTEXT_PARSER,
        .name = "postfix-trace",
        .parser = &postfix_trace_parser,
    },
};

gboolean postfix_trace_module_init(PluginContext *context, CfgArgs *args);

gboolean
postfix_trace_module_init(PluginContext *context, CfgArgs *args)
{
    (void) args;
    pt_sng_global_init();
    plugin_register(context, postfix_trace_plugins, G_N_ELEMENTS(postfix_trace_plugins));
    return TRUE;
}

const ModuleInfo module_info = {
    .canonical_name = "postfix-trace",
    .version = SYSLOG_NG_VERSION,
    .description = "postfix-trace(): correlates Postfix log lines into one JSON record per mail",
    .core_revision = SYSLOG_NG_SOURCE_REVISION,
    .plugins = postfix_trace_plugins,
    .plugins_len = G_N_ELEMENTS(postfix_trace_plugins),
};
