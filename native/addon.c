/* The native addon of effect-exec-server (Linux only): see spawn.c, output.c and base64.c. */
#include <node_api.h>

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

NAPI_MODULE_INIT() {
  if (spawn_register(env, exports) == NULL) return NULL;
  output_register(env, exports);
  base64_register(env, exports);
  return exports;
}
