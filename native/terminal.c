/*
 * A terminal's output, read on a thread of its own.
 *
 * A pseudo-terminal lets its writer get only ~12 KB ahead of its reader
 * (the line discipline's 4 KB and the pty's 8 KB of buffers), so every
 * millisecond the reader spends elsewhere is a millisecond the child
 * waits: read on the event loop, each notification the server sent (a few
 * hundred microseconds per 64 KB) stalled the terminal, and its throughput
 * was half what the kernel gives a reader that does nothing else. Here a
 * thread reads the master as soon as it is readable into a buffer of
 * 64 KB, and the event loop takes what has gathered there in one call.
 *
 * watchTerminal(masterFd, buffer, onOutput) -> watch
 *   Reads a close-on-exec duplicate of masterFd (the caller keeps masterFd
 *   for writing and resizing, and must not read it). onOutput(1, bytesRead)
 *   from the event loop: bytesRead > 0 bytes at the start of `buffer` (at
 *   most its length), valid only during the call; 0 once the terminal has
 *   hung up (EIO: every holder of its other side has closed it, and the
 *   kernel reports that only once all it holds has been read) or reading
 *   failed, after the last bytes.
 * pauseTerminal(watch), resumeTerminal(watch): while paused nothing is
 *   handed over, and the thread stops reading once its buffer holds a read.
 * closeTerminal(watch): stops the thread and closes the duplicate at once;
 *   onOutput is not called again.
 * Each thread is named "terminal-read".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "addon.h"

/* What the thread may gather before the event loop takes it. */
#define PENDING_BYTES (64 * 1024)
/* One read, at most (a terminal hands over 4 KB or a little more). */
#define READ_BYTES (16 * 1024)
/* The thread reads only when this much room is left: no trickle of tiny reads. */
#define MIN_ROOM_BYTES 4096
#define THREAD_STACK_BYTES (128 * 1024)
#define TERMINAL_THREAD_NAME "terminal-read"

typedef struct terminal_watch terminal_watch;
typedef struct terminal_state terminal_state;

struct terminal_watch {
  uv_async_t async; /* first: the async callback's handle is the watch */
  int fd;           /* the duplicate, read by the thread; -1 once closed */
  int wake_fd;      /* an eventfd that ends the thread's poll */
  pthread_t thread;
  int thread_joinable;

  pthread_mutex_t lock;
  pthread_cond_t room; /* signalled when the buffer has room again, or on resume or stop */
  /* Under `lock`: */
  uint8_t* pending; /* PENDING_BYTES, malloc'd: a quiet terminal's pages are never touched */
  size_t pending_len;
  int paused;
  int stopping; /* the thread is asked to return */
  int ended;    /* the thread saw the hang-up, the end or an error, and returned */

  /* Event loop only: */
  int async_open;
  int external_alive; /* JavaScript still holds the watch */
  napi_env env;
  napi_ref callback;   /* NULL once JavaScript is no longer called */
  napi_ref buffer_ref; /* keeps `buffer` alive */
  napi_async_context context;
  uint8_t* buffer;
  size_t capacity;
  watch_link link; /* in its environment's open_watches */
};

/* Per environment: the watches whose thread or handle is still there, stopped at teardown. */
struct terminal_state {
  watch_link* open_watches;
};

static void* read_terminal(void* arg) {
  terminal_watch* watch = arg;
  uint8_t chunk[READ_BYTES];
  /* Named for whoever lists the server's threads (ps -L, /proc/PID/task/N/comm). */
  pthread_setname_np(pthread_self(), TERMINAL_THREAD_NAME);
  for (;;) {
    pthread_mutex_lock(&watch->lock);
    while (!watch->stopping && (watch->paused || PENDING_BYTES - watch->pending_len < MIN_ROOM_BYTES)) {
      pthread_cond_wait(&watch->room, &watch->lock);
    }
    size_t room = PENDING_BYTES - watch->pending_len;
    int stopping = watch->stopping;
    pthread_mutex_unlock(&watch->lock);
    if (stopping) return NULL;
    struct pollfd fds[2] = {{.fd = watch->fd, .events = POLLIN}, {.fd = watch->wake_fd, .events = POLLIN}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) {
      uint64_t count;
      (void)!read(watch->wake_fd, &count, sizeof count);
      continue;
    }
    ssize_t bytes = read(watch->fd, chunk, room < READ_BYTES ? room : READ_BYTES);
    if (bytes < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (bytes <= 0) break;
    pthread_mutex_lock(&watch->lock);
    memcpy(watch->pending + watch->pending_len, chunk, (size_t)bytes);
    watch->pending_len += (size_t)bytes;
    pthread_mutex_unlock(&watch->lock);
    uv_async_send(&watch->async);
  }
  pthread_mutex_lock(&watch->lock);
  watch->ended = 1;
  pthread_mutex_unlock(&watch->lock);
  uv_async_send(&watch->async);
  return NULL;
}

static void free_if_done(terminal_watch* watch) {
  if (watch->external_alive || watch->async_open) return;
  watch_link_remove(&watch->link);
  pthread_mutex_destroy(&watch->lock);
  pthread_cond_destroy(&watch->room);
  free(watch->pending);
  free(watch);
}

static void on_async_closed(uv_handle_t* handle) {
  terminal_watch* watch = (terminal_watch*)handle;
  watch->async_open = 0;
  free_if_done(watch);
}

/* Stops the thread (at once: it waits on the condition or in poll, never elsewhere for long) and closes what it read. */
static void stop_thread(terminal_watch* watch) {
  if (watch->thread_joinable) {
    pthread_mutex_lock(&watch->lock);
    watch->stopping = 1;
    pthread_cond_signal(&watch->room);
    pthread_mutex_unlock(&watch->lock);
    uint64_t one = 1;
    (void)!write(watch->wake_fd, &one, sizeof one);
    pthread_join(watch->thread, NULL);
    watch->thread_joinable = 0;
  }
  if (watch->fd >= 0) close(watch->fd);
  if (watch->wake_fd >= 0) close(watch->wake_fd);
  watch->fd = watch->wake_fd = -1;
}

/*
 * No more calls into JavaScript, no thread, no handle: freed once JavaScript
 * lets go too. The 64 KiB buffer goes at once: JavaScript may hold the
 * watch until a full collection, which an idle server may not run for hours.
 */
static void finish(terminal_watch* watch) {
  stop_thread(watch);
  free(watch->pending);
  watch->pending = NULL;
  watch->pending_len = 0;
  if (watch->callback != NULL) {
    napi_delete_reference(watch->env, watch->callback);
    napi_delete_reference(watch->env, watch->buffer_ref);
    napi_async_destroy(watch->env, watch->context);
    watch->callback = NULL;
    watch->buffer_ref = NULL;
  }
  if (watch->async_open == 1) {
    watch->async_open = 2; /* closing */
    uv_close((uv_handle_t*)&watch->async, on_async_closed);
  }
}

static void call_javascript(terminal_watch* watch, size_t bytes) {
  if (watch->callback == NULL) return;
  call_from_loop(watch->env, watch->context, watch->callback, 1, (int32_t)bytes);
}

/*
 * Hands over what the thread gathered, unless paused; reports the end after
 * the last bytes. One hand-over per turn of the event loop: a terminal that
 * writes without pause must not keep the loop from everything else, so
 * what is left (or the end) comes at the next turn.
 */
static void on_async(uv_async_t* handle) {
  terminal_watch* watch = (terminal_watch*)handle;
  if (watch->callback == NULL) return;
  pthread_mutex_lock(&watch->lock);
  if (watch->paused) {
    pthread_mutex_unlock(&watch->lock);
    return;
  }
  size_t bytes = watch->pending_len < watch->capacity ? watch->pending_len : watch->capacity;
  if (bytes > 0) {
    memcpy(watch->buffer, watch->pending, bytes);
    memmove(watch->pending, watch->pending + bytes, watch->pending_len - bytes);
    watch->pending_len -= bytes;
    pthread_cond_signal(&watch->room);
  }
  int ended = watch->ended && watch->pending_len == 0;
  pthread_mutex_unlock(&watch->lock);
  if (bytes > 0) {
    call_javascript(watch, bytes);
    /* The callback may have paused or closed the watch; a wake-up that finds nothing is harmless. */
    if (watch->callback != NULL) uv_async_send(&watch->async);
    return;
  }
  if (ended) {
    call_javascript(watch, 0);
    finish(watch);
  }
}

static void on_external_gone(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  terminal_watch* watch = data;
  watch->external_alive = 0;
  free_if_done(watch);
}

static napi_value throw_errno(napi_env env, int error, const char* message) {
  napi_throw_error(env, uv_err_name(uv_translate_sys_error(error)), message);
  return NULL;
}

static napi_value watch_terminal(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  terminal_state* state = NULL;
  napi_get_cb_info(env, info, &argc, args, NULL, (void**)&state);
  int32_t master = -1;
  bool is_buffer = false;
  napi_valuetype callback_type = napi_undefined;
  if (argc >= 3) {
    napi_get_value_int32(env, args[0], &master);
    napi_is_buffer(env, args[1], &is_buffer);
    napi_typeof(env, args[2], &callback_type);
  }
  if (master < 0 || !is_buffer || callback_type != napi_function) {
    napi_throw_type_error(env, NULL, "watchTerminal(masterFd, buffer: Buffer, onOutput)");
    return NULL;
  }
  terminal_watch* watch = calloc(1, sizeof *watch);
  if (watch != NULL) watch->pending = malloc(PENDING_BYTES);
  if (watch == NULL || watch->pending == NULL) {
    free(watch);
    return throw_errno(env, ENOMEM, "watchTerminal: out of memory");
  }
  napi_get_buffer_info(env, args[1], (void**)&watch->buffer, &watch->capacity);
  if (watch->capacity == 0) {
    free(watch->pending);
    free(watch);
    napi_throw_type_error(env, NULL, "watchTerminal: the buffer is empty");
    return NULL;
  }
  watch->fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
  watch->wake_fd = watch->fd < 0 ? -1 : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (watch->fd < 0 || watch->wake_fd < 0) {
    int error = errno;
    if (watch->fd >= 0) close(watch->fd);
    free(watch->pending);
    free(watch);
    return throw_errno(env, error, "watchTerminal: cannot open descriptors");
  }
  pthread_mutex_init(&watch->lock, NULL);
  pthread_cond_init(&watch->room, NULL);
  uv_loop_t* loop;
  napi_get_uv_event_loop(env, &loop);
  uv_async_init(loop, &watch->async, on_async);
  watch->async_open = 1;
  watch->env = env;
  watch->external_alive = 1;
  /* The thread takes no signal: each is left to the threads that handle them. */
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, THREAD_STACK_BYTES);
  int error = pthread_create(&watch->thread, &attributes, read_terminal, watch);
  pthread_attr_destroy(&attributes);
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  if (error != 0) {
    watch->external_alive = 0;
    finish(watch);
    return throw_errno(env, error, "watchTerminal: cannot start a reading thread");
  }
  watch->thread_joinable = 1;
  napi_create_reference(env, args[2], 1, &watch->callback);
  napi_create_reference(env, args[1], 1, &watch->buffer_ref);
  napi_value resource_name;
  napi_create_string_utf8(env, "EXEC_SERVER_TERMINAL", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &watch->context);
  watch_link_add(&state->open_watches, &watch->link);
  napi_value external;
  napi_create_external(env, watch, on_external_gone, NULL, &external);
  return external;
}

static napi_value pause_or_resume(napi_env env, napi_callback_info info, int pause) {
  terminal_watch* watch = external_argument(env, info, "expected a terminal watch");
  if (watch == NULL || watch->callback == NULL) return NULL;
  pthread_mutex_lock(&watch->lock);
  watch->paused = pause;
  if (!pause) pthread_cond_signal(&watch->room);
  pthread_mutex_unlock(&watch->lock);
  /* What was held while paused is handed over from the loop, not within this call. */
  if (!pause) uv_async_send(&watch->async);
  return NULL;
}

static napi_value pause_terminal(napi_env env, napi_callback_info info) {
  return pause_or_resume(env, info, 1);
}

static napi_value resume_terminal(napi_env env, napi_callback_info info) {
  return pause_or_resume(env, info, 0);
}

static napi_value close_terminal(napi_env env, napi_callback_info info) {
  terminal_watch* watch = external_argument(env, info, "expected a terminal watch");
  if (watch == NULL) return NULL;
  finish(watch);
  return NULL;
}

/* At the environment's teardown: every thread stopped, without calling JavaScript. */
static void cleanup_watches(void* arg) {
  terminal_state* state = arg;
  while (state->open_watches != NULL) {
    terminal_watch* watch = WATCH_OF(state->open_watches, terminal_watch, link);
    watch_link_remove(&watch->link);
    finish(watch);
  }
  free(state);
}

void terminal_register(napi_env env, napi_value exports) {
  terminal_state* state = calloc(1, sizeof *state);
  if (state == NULL) return;
  napi_add_env_cleanup_hook(env, cleanup_watches, state);
  static const addon_function functions[] = {
    {"watchTerminal", watch_terminal},
    {"pauseTerminal", pause_terminal},
    {"resumeTerminal", resume_terminal},
    {"closeTerminal", close_terminal},
  };
  define_functions(env, exports, functions, sizeof functions / sizeof functions[0], state);
}
