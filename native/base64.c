/*
 * Base64 straight into a buffer, for process output on the wire.
 *
 * Node's Buffer#toString("base64") makes a JS string that the caller then
 * copies into the outgoing message: for 64 KiB of output an 87 KB string in
 * V8's young generation (a 1 MiB semi-space fills every dozen messages) and
 * one more copy. Encoding into the message's own buffer avoids both.
 *
 * encodeBase64Into(source, target, offset) -> characters written
 *   source, target: Uint8Arrays (Buffers); the encoding (standard alphabet,
 *   padded, as Node's "base64") goes to target[offset...]. Throws a
 *   RangeError when it does not fit.
 */
#include <stddef.h>
#include <stdint.h>

#include <node_api.h>

#include "addon.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/* Two characters per 12 bits of input: half the lookups of one per 6. */
static uint16_t pairs[4096];

static void build_pairs(void) {
  for (int i = 0; i < 4096; i++) {
    unsigned char two[2] = { (unsigned char)alphabet[i >> 6], (unsigned char)alphabet[i & 63] };
    uint16_t pair;
    __builtin_memcpy(&pair, two, 2);
    pairs[i] = pair;
  }
}

static size_t encode(const uint8_t* in, size_t length, uint8_t* out) {
  size_t i = 0;
  uint8_t* o = out;
  for (; i + 3 <= length; i += 3, o += 4) {
    uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
    uint16_t high = pairs[v >> 12], low = pairs[v & 4095];
    __builtin_memcpy(o, &high, 2);
    __builtin_memcpy(o + 2, &low, 2);
  }
  size_t left = length - i;
  if (left == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    o[0] = alphabet[v >> 18];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = '=';
    o[3] = '=';
    o += 4;
  } else if (left == 2) {
    uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
    o[0] = alphabet[v >> 18];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = '=';
    o += 4;
  }
  return (size_t)(o - out);
}

static int bytes_of(napi_env env, napi_value value, uint8_t** data, size_t* length) {
  bool is_typedarray = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, value, &is_typedarray) != napi_ok || !is_typedarray) return 0;
  if (napi_get_typedarray_info(env, value, &type, length, (void**)data, NULL, NULL) != napi_ok) return 0;
  return type == napi_uint8_array;
}

static napi_value encode_base64_into(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  uint8_t *source, *target;
  size_t source_length, target_length;
  int64_t offset = -1;
  if (argc < 3 || !bytes_of(env, args[0], &source, &source_length) || !bytes_of(env, args[1], &target, &target_length) ||
      napi_get_value_int64(env, args[2], &offset) != napi_ok) {
    napi_throw_type_error(env, NULL, "encodeBase64Into(source: Uint8Array, target: Uint8Array, offset: number)");
    return NULL;
  }
  size_t needed = (source_length + 2) / 3 * 4;
  if (offset < 0 || (uint64_t)offset > target_length || target_length - (size_t)offset < needed) {
    napi_throw_range_error(env, NULL, "encodeBase64Into: the target is too small");
    return NULL;
  }
  size_t written = encode(source, source_length, target + offset);
  napi_value result;
  napi_create_uint32(env, (uint32_t)written, &result);
  return result;
}

void base64_register(napi_env env, napi_value exports) {
  build_pairs();
  napi_value function;
  napi_create_function(env, "encodeBase64Into", NAPI_AUTO_LENGTH, encode_base64_into, NULL, &function);
  napi_set_named_property(env, exports, "encodeBase64Into", function);
}
