/* The native addon of effect-exec-server (Linux only): see spawn.c, output.c, terminal.c, base64.c and descriptors.c. */
#include <errno.h>
#include <node_api.h>
#include <sys/prctl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "addon.h"

void call_from_loop(napi_env env, napi_async_context context, napi_ref callback, int32_t first, int32_t second) {
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value function, global, argv[2], result;
  napi_get_reference_value(env, callback, &function);
  napi_get_global(env, &global);
  napi_create_int32(env, first, &argv[0]);
  napi_create_int32(env, second, &argv[1]);
  if (napi_make_callback(env, context, global, function, 2, argv, &result) == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
  napi_close_handle_scope(env, scope);
}

void define_functions(napi_env env, napi_value exports, const addon_function* functions, size_t count, void* data) {
  for (size_t i = 0; i < count; i++) {
    napi_value function;
    napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].function, data, &function);
    napi_set_named_property(env, exports, functions[i].name, function);
  }
}

void* external_argument(napi_env env, napi_callback_info info, const char* expected) {
  size_t argc = 1;
  napi_value arg;
  void* data = NULL;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (argc < 1 || napi_get_value_external(env, arg, &data) != napi_ok) {
    napi_throw_type_error(env, NULL, expected);
    return NULL;
  }
  return data;
}

void watch_link_add(watch_link** head, watch_link* link) {
  link->head = head;
  link->prev = NULL;
  link->next = *head;
  if (*head != NULL) (*head)->prev = link;
  *head = link;
}

void watch_link_remove(watch_link* link) {
  if (link->head == NULL) return;
  if (link->prev != NULL) link->prev->next = link->next;
  else *link->head = link->next;
  if (link->next != NULL) link->next->prev = link->prev;
  link->next = link->prev = NULL;
  link->head = NULL;
}

/*
 * trimMemory() -> whether memory was given back to the system. glibc keeps
 * what was freed in its arenas: after a burst of large messages (each read
 * in 64 KiB chunks, a size it serves from its arenas, not from mmap) an idle
 * server would stay that large. malloc_trim(0) returns their free pages.
 * Elsewhere (musl) it does nothing.
 */
static napi_value trim_memory(napi_env env, napi_callback_info info) {
  napi_value result;
#if defined(__GLIBC__)
  napi_get_boolean(env, malloc_trim(0) != 0, &result);
#else
  napi_get_boolean(env, false, &result);
#endif
  return result;
}

/*
 * setDumpable(on) -> 0, or the errno of prctl(PR_SET_DUMPABLE). Off, other
 * processes of the server's uid (without CAP_SYS_PTRACE) can no longer read
 * its memory through /proc/PID/mem, nor attach to it, nor open its
 * /proc/PID/fd/N: what credential masking needs when a masked process runs
 * unsandboxed. Its own children are dumpable again once they exec.
 */
static napi_value set_dumpable(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  bool on = true;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_bool(env, argv[0], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "setDumpable(on: boolean)");
    return NULL;
  }
  napi_create_int32(env, prctl(PR_SET_DUMPABLE, on ? 1 : 0, 0, 0, 0) == 0 ? 0 : errno, &result);
  return result;
}

NAPI_MODULE_INIT() {
  if (spawn_register(env, exports) == NULL) return NULL;
  output_register(env, exports);
  terminal_register(env, exports);
  base64_register(env, exports);
  descriptors_register(env, exports);
  napi_value function;
  napi_create_function(env, "trimMemory", NAPI_AUTO_LENGTH, trim_memory, NULL, &function);
  napi_set_named_property(env, exports, "trimMemory", function);
  napi_create_function(env, "setDumpable", NAPI_AUTO_LENGTH, set_dumpable, NULL, &function);
  napi_set_named_property(env, exports, "setDumpable", function);
  return exports;
}
