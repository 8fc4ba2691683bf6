/*
 * A child's stdout and stderr, read on Node's event loop without net.Socket.
 *
 * Wrapping each pipe in a net.Socket (a stream with its state objects, a
 * libuv pipe handle, close events a tick apart) cost more CPU per short
 * process than the spawn itself, and memory per live process. Here each pipe
 * is a uv_poll_t: when it is readable it is read into one buffer shared by
 * every child, and each read is handed to JavaScript during the call.
 *
 * watchOutput(stdoutFd, stderrFd, buffer, onOutput) -> watch
 *   onOutput(stream, bytesRead), stream 1 (stdout) or 2 (stderr): bytesRead > 0
 *   bytes are at the start of `buffer`, valid only during the call; 0 when the
 *   stream has ended (end of file or a read error) and its descriptor is closed.
 *   The watch owns both descriptors from then on.
 * pauseOutput(watch), resumeOutput(watch): stop and restart reading both.
 * closeOutput(watch): closes what is still open, at once; onOutput is not
 *   called again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "addon.h"

/* Reads per readiness event, at most, so one chatty child cannot hold the loop. */
#define READS_PER_EVENT 16

typedef struct output_watch output_watch;
typedef struct output_state output_state;

typedef struct {
  uv_poll_t poll; /* first: the poll callback's handle is the stream */
  int fd;         /* -1 once closed */
  int number;     /* 1 stdout, 2 stderr */
  int handle_open;
  output_watch* owner;
} output_stream;

struct output_watch {
  output_stream streams[2];
  napi_env env;
  napi_ref callback;   /* NULL once JavaScript is no longer called */
  napi_ref buffer_ref; /* keeps `buffer` alive while it is read into */
  napi_async_context context;
  uint8_t* buffer;
  size_t capacity;
  int paused;
  int external_alive; /* JavaScript still holds the watch */
  watch_link link; /* in its environment's open_watches */
};

/* Per environment: the watches with handles still open, closed at teardown. */
struct output_state {
  watch_link* open_watches;
};

static void free_if_done(output_watch* watch) {
  if (watch->external_alive || watch->streams[0].handle_open || watch->streams[1].handle_open) return;
  watch_link_remove(&watch->link);
  free(watch);
}

static void on_handle_closed(uv_handle_t* handle) {
  output_stream* stream = (output_stream*)handle;
  stream->handle_open = 0;
  free_if_done(stream->owner);
}

/* No more calls into JavaScript: its callback and buffer are let go. */
static void release_javascript(output_watch* watch) {
  if (watch->callback == NULL) return;
  napi_delete_reference(watch->env, watch->callback);
  napi_delete_reference(watch->env, watch->buffer_ref);
  napi_async_destroy(watch->env, watch->context);
  watch->callback = NULL;
  watch->buffer_ref = NULL;
}

/* Stops watching a stream and closes its descriptor (after the handle forgets it). */
static void close_stream(output_stream* stream) {
  if (stream->fd < 0) return;
  uv_close((uv_handle_t*)&stream->poll, on_handle_closed);
  close(stream->fd);
  stream->fd = -1;
}

static int all_closed(output_watch* watch) {
  return watch->streams[0].fd < 0 && watch->streams[1].fd < 0;
}

static void call_javascript(output_watch* watch, int number, ssize_t bytes) {
  if (watch->callback == NULL) return;
  call_from_loop(watch->env, watch->context, watch->callback, number, (int32_t)bytes);
}

static void end_stream(output_stream* stream) {
  output_watch* watch = stream->owner;
  close_stream(stream);
  call_javascript(watch, stream->number, 0);
  if (all_closed(watch)) release_javascript(watch);
}

static void on_readable(uv_poll_t* handle, int status, int events) {
  (void)events;
  output_stream* stream = (output_stream*)handle;
  output_watch* watch = stream->owner;
  if (status < 0) {
    end_stream(stream);
    return;
  }
  for (int reads = 0; reads < READS_PER_EVENT; reads++) {
    ssize_t bytes;
    do {
      bytes = read(stream->fd, watch->buffer, watch->capacity);
    } while (bytes < 0 && errno == EINTR);
    if (bytes < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (bytes <= 0) {
      end_stream(stream);
      return;
    }
    call_javascript(watch, stream->number, bytes);
    /* The callback may have paused or closed the watch. */
    if (stream->fd < 0 || watch->paused) return;
    /* A short read drained the pipe, most likely: the next event says when there is more. */
    if ((size_t)bytes < watch->capacity) return;
  }
}

static void on_external_gone(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  output_watch* watch = data;
  watch->external_alive = 0;
  free_if_done(watch);
}

static napi_value watch_output(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  output_state* state = NULL;
  napi_get_cb_info(env, info, &argc, args, NULL, (void**)&state);
  int32_t fds[2] = {-1, -1};
  bool is_buffer = false;
  napi_valuetype callback_type = napi_undefined;
  if (argc >= 4) {
    napi_get_value_int32(env, args[0], &fds[0]);
    napi_get_value_int32(env, args[1], &fds[1]);
    napi_is_buffer(env, args[2], &is_buffer);
    napi_typeof(env, args[3], &callback_type);
  }
  if (fds[0] < 0 || fds[1] < 0 || !is_buffer || callback_type != napi_function) {
    napi_throw_type_error(env, NULL, "watchOutput(stdoutFd, stderrFd, buffer: Buffer, onOutput)");
    return NULL;
  }
  output_watch* watch = calloc(1, sizeof *watch);
  if (watch == NULL) {
    napi_throw_error(env, "ENOMEM", "watchOutput: out of memory");
    return NULL;
  }
  napi_get_buffer_info(env, args[2], (void**)&watch->buffer, &watch->capacity);
  uv_loop_t* loop;
  napi_get_uv_event_loop(env, &loop);
  for (int i = 0; i < 2; i++) {
    output_stream* stream = &watch->streams[i];
    stream->owner = watch;
    stream->number = i + 1;
    stream->fd = -1;
    /* uv_poll_init also makes the descriptor non-blocking. */
    int error = uv_poll_init(loop, &stream->poll, fds[i]);
    if (error != 0) {
      /* The descriptors are ours either way: closed, and the watch freed (by its close callback when a handle is open). */
      for (int j = i; j < 2; j++) close(fds[j]);
      if (i == 0) free(watch);
      else close_stream(&watch->streams[0]);
      napi_throw_error(env, uv_err_name(error), "watchOutput: cannot watch the descriptor");
      return NULL;
    }
    stream->fd = fds[i];
    stream->handle_open = 1;
  }
  watch->env = env;
  watch->external_alive = 1;
  napi_create_reference(env, args[3], 1, &watch->callback);
  napi_create_reference(env, args[2], 1, &watch->buffer_ref);
  napi_value resource_name;
  napi_create_string_utf8(env, "EXEC_SERVER_OUTPUT", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &watch->context);
  watch_link_add(&state->open_watches, &watch->link);
  for (int i = 0; i < 2; i++) uv_poll_start(&watch->streams[i].poll, UV_READABLE, on_readable);
  napi_value external;
  napi_create_external(env, watch, on_external_gone, NULL, &external);
  return external;
}

static napi_value pause_or_resume(napi_env env, napi_callback_info info, int pause) {
  output_watch* watch = external_argument(env, info, "expected an output watch");
  if (watch == NULL) return NULL;
  watch->paused = pause;
  for (int i = 0; i < 2; i++) {
    output_stream* stream = &watch->streams[i];
    if (stream->fd < 0) continue;
    if (pause) uv_poll_stop(&stream->poll);
    else uv_poll_start(&stream->poll, UV_READABLE, on_readable);
  }
  return NULL;
}

static napi_value pause_output(napi_env env, napi_callback_info info) {
  return pause_or_resume(env, info, 1);
}

static napi_value resume_output(napi_env env, napi_callback_info info) {
  return pause_or_resume(env, info, 0);
}

static napi_value close_output(napi_env env, napi_callback_info info) {
  output_watch* watch = external_argument(env, info, "expected an output watch");
  if (watch == NULL) return NULL;
  for (int i = 0; i < 2; i++) close_stream(&watch->streams[i]);
  release_javascript(watch);
  return NULL;
}

/* At the environment's teardown: close every open stream, without calling JavaScript. */
static void cleanup_watches(void* arg) {
  output_state* state = arg;
  while (state->open_watches != NULL) {
    output_watch* watch = WATCH_OF(state->open_watches, output_watch, link);
    watch_link_remove(&watch->link);
    release_javascript(watch);
    for (int i = 0; i < 2; i++) close_stream(&watch->streams[i]);
  }
  free(state);
}

void output_register(napi_env env, napi_value exports) {
  output_state* state = calloc(1, sizeof *state);
  if (state == NULL) return;
  napi_add_env_cleanup_hook(env, cleanup_watches, state);
  static const addon_function functions[] = {
    {"watchOutput", watch_output},
    {"pauseOutput", pause_output},
    {"resumeOutput", resume_output},
    {"closeOutput", close_output},
  };
  define_functions(env, exports, functions, sizeof functions / sizeof functions[0], state);
}
