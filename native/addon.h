/* The addon's parts, each adding its functions to the module's exports. */
#ifndef EXEC_SERVER_ADDON_H
#define EXEC_SERVER_ADDON_H

#include <node_api.h>

/* posix_spawn with pidfd exit watching (spawn.c): spawn, supported. */
napi_value spawn_register(napi_env env, napi_value exports);
/* A child's stdout and stderr read on the event loop (output.c): watchOutput, pauseOutput, resumeOutput, closeOutput. */
void output_register(napi_env env, napi_value exports);
/* Base64 into a buffer (base64.c): encodeBase64Into. */
void base64_register(napi_env env, napi_value exports);

#endif
