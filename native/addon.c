/* The native addon of effect-exec-server (Linux only): see spawn.c, output.c and base64.c. */
#include <node_api.h>

#include "addon.h"

NAPI_MODULE_INIT() {
  if (spawn_register(env, exports) == NULL) return NULL;
  output_register(env, exports);
  base64_register(env, exports);
  return exports;
}
