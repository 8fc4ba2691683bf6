/* The addon's parts, each adding its functions to the module's exports. */
#ifndef EXEC_SERVER_ADDON_H
#define EXEC_SERVER_ADDON_H

#include <stddef.h>
#include <stdint.h>

#include <node_api.h>

/*
 * Calls `callback(first, second)` from an event-loop callback, in `context`
 * (microtasks and ticks run after it, as for any I/O callback); what it
 * throws is reported as an uncaught exception.
 */
void call_from_loop(napi_env env, napi_async_context context, napi_ref callback, int32_t first, int32_t second);

/* A function of the addon's exports. */
typedef struct {
  const char* name;
  napi_callback function;
} addon_function;

/* Adds each of `functions` to `exports`, with `data` as its callback data. */
void define_functions(napi_env env, napi_value exports, const addon_function* functions, size_t count, void* data);

/* The external behind the call's first argument; NULL, with a TypeError thrown, when it is not one. */
void* external_argument(napi_env env, napi_callback_info info, const char* expected);

/* A watch's place in its environment's list of the watches still open (each part closes them at teardown). */
typedef struct watch_link {
  struct watch_link* next;
  struct watch_link* prev;
  struct watch_link** head; /* NULL while in no list */
} watch_link;

/* Puts `link` at the front of the list at `head`. */
void watch_link_add(watch_link** head, watch_link* link);
/* Takes `link` out of its list, if it is in one. */
void watch_link_remove(watch_link* link);
/* The struct of type `type` whose member `member` is `link`. */
#define WATCH_OF(link, type, member) ((type*)((char*)(link) - offsetof(type, member)))

/* posix_spawn with pidfd exit watching (spawn.c): spawn, supported. */
napi_value spawn_register(napi_env env, napi_value exports);
/* A child's stdout and stderr read on the event loop (output.c): watchOutput, pauseOutput, resumeOutput, closeOutput. */
void output_register(napi_env env, napi_value exports);
/* A terminal's output read on a thread of its own (terminal.c): watchTerminal, pauseTerminal, resumeTerminal, closeTerminal. */
void terminal_register(napi_env env, napi_value exports);
/* Base64 into a buffer (base64.c): encodeBase64Into, base64Avx2. */
void base64_register(napi_env env, napi_value exports);
/* Inherited descriptors kept from children (descriptors.c): closeInheritedOnExec. */
void descriptors_register(napi_env env, napi_value exports);

#endif
