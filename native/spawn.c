/*
 * posix_spawn for the pipe spawner.
 *
 * Node's child_process (libuv) starts every child with fork(), whose cost
 * grows with the parent's mappings: in a server of ~70 MB it was most of the
 * CPU spent per spawn. glibc's posix_spawn starts the child with
 * clone(CLONE_VM | CLONE_VFORK), which copies nothing, and reports exec
 * failures as its return value. The child's exit is watched through a pidfd
 * polled on Node's own event loop, so no thread and no SIGCHLD handler of
 * ours are involved (libuv reaps only the pids it spawned itself).
 *
 * spawn(file, argv, env, cwd, pipeStdin, onExit[, connection])
 *   -> [pid, stdinFd, stdoutFd, stderrFd, connectionFd]  (stdinFd -1 without a pipe)
 *   onExit(exitCode, signalNumber) once, from the event loop.
 *   With `connection` true the child's fd 3 is one end of a Unix stream
 *   socketpair and connectionFd the other (close-on-exec); else it is -1.
 *   Such a child (a holder) is meant to outlive this process: watching for
 *   its exit does not keep the event loop alive.
 * Failures throw an Error with `code` (the errno name), `errno` and `syscall`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "addon.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

typedef struct exit_watch {
  uv_poll_t poll;
  int pidfd;
  pid_t pid;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  struct exit_watch* next;
  struct exit_watch* prev;
} exit_watch;

/* Per environment: the watches still open, closed when it is torn down. */
typedef struct {
  exit_watch* open_watches;
} addon_state;

static void unlink_watch(exit_watch* watch) {
  addon_state* state = NULL;
  napi_get_instance_data(watch->env, (void**)&state);
  if (watch->prev != NULL) watch->prev->next = watch->next;
  else if (state != NULL) state->open_watches = watch->next;
  if (watch->next != NULL) watch->next->prev = watch->prev;
  watch->next = watch->prev = NULL;
}

static void free_watch(uv_handle_t* handle) {
  exit_watch* watch = (exit_watch*)handle;
  close(watch->pidfd);
  free(watch);
}

static void release_watch(exit_watch* watch) {
  unlink_watch(watch);
  napi_async_destroy(watch->env, watch->context);
  napi_delete_reference(watch->env, watch->callback);
  uv_close((uv_handle_t*)&watch->poll, free_watch);
}

static void on_pidfd_readable(uv_poll_t* handle, int status, int events) {
  (void)events;
  exit_watch* watch = (exit_watch*)handle;
  int wstatus = 0;
  pid_t reaped;
  do {
    reaped = waitpid(watch->pid, &wstatus, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  /* Readable means exited; not reaped yet without a poll error: wait again. */
  if (reaped == 0 && status == 0) return;
  uv_poll_stop(handle);

  int code = -1;
  int signal = 0;
  if (reaped > 0) {
    if (WIFEXITED(wstatus)) code = WEXITSTATUS(wstatus);
    else if (WIFSIGNALED(wstatus)) signal = WTERMSIG(wstatus);
  }
  /* Otherwise (reaped elsewhere, or the poll failed) the status is lost: -1. */

  call_from_loop(watch->env, watch->context, watch->callback, code, signal);
  release_watch(watch);
}

static void cleanup_watches(void* arg) {
  addon_state* state = arg;
  while (state->open_watches != NULL) {
    exit_watch* watch = state->open_watches;
    uv_poll_stop(&watch->poll);
    release_watch(watch);
  }
}

static void free_state(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

static const char* errno_name(int error) {
  switch (error) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOTDIR: return "ENOTDIR";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case ENOMEM: return "ENOMEM";
    case EAGAIN: return "EAGAIN";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ETXTBSY: return "ETXTBSY";
    case EISDIR: return "EISDIR";
    case ENOSYS: return "ENOSYS";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, int error, const char* syscall, const char* path) {
  char message[PATH_MAX + 128];
  const char* name = errno_name(error);
  if (path != NULL) snprintf(message, sizeof message, "%s %s %s", syscall, path, name);
  else snprintf(message, sizeof message, "%s %s", syscall, name);
  napi_value text, code, number, call, exception;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, text, &exception);
  napi_create_int32(env, -error, &number);
  napi_set_named_property(env, exception, "errno", number);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &call);
  napi_set_named_property(env, exception, "syscall", call);
  if (path != NULL) {
    napi_value value;
    napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, exception, "path", value);
  }
  napi_throw(env, exception);
  return NULL;
}

/* A JavaScript string as a malloc'd C string; NULL for null/undefined. */
static char* string_arg(napi_env env, napi_value value) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (type != napi_string) return NULL;
  size_t length;
  napi_get_value_string_utf8(env, value, NULL, 0, &length);
  char* text = malloc(length + 1);
  if (text == NULL) return NULL;
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

/* A JavaScript array of strings as a NULL-terminated, malloc'd vector. */
static char** string_array_arg(napi_env env, napi_value value, uint32_t extra_front) {
  uint32_t length = 0;
  napi_get_array_length(env, value, &length);
  char** vector = calloc(length + extra_front + 1, sizeof(char*));
  if (vector == NULL) return NULL;
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    napi_get_element(env, value, i, &item);
    vector[i + extra_front] = string_arg(env, item);
    if (vector[i + extra_front] == NULL) vector[i + extra_front] = strdup("");
  }
  return vector;
}

/* Frees a vector from string_array_arg; `extra_front` slots may be NULL. */
static void free_vector(char** vector, uint32_t extra_front) {
  if (vector == NULL) return;
  for (uint32_t i = 0; i < extra_front; i++) free(vector[i]);
  for (char** item = vector + extra_front; *item != NULL; item++) free(*item);
  free(vector);
}

/*
 * posix_spawn of one path; as execvp, a file without a #! line (ENOEXEC) runs
 * with the shell: argv_with_shell has a free slot in front of argv for it.
 */
static int spawn_path(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                      const posix_spawnattr_t* attrs, char** argv_with_shell, char** envp) {
  char** argv = argv_with_shell + 1;
  int result = posix_spawn(pid, path, actions, attrs, argv, envp);
  if (result != ENOEXEC) return result;
  char* original_arg0 = argv[0];
  argv_with_shell[0] = (char*)"/bin/sh";
  argv[0] = (char*)path;
  result = posix_spawn(pid, "/bin/sh", actions, attrs, argv_with_shell, envp);
  argv_with_shell[0] = NULL;
  argv[0] = original_arg0;
  return result;
}

/* execvp's search, with the child's PATH (as libuv does), not ours. */
static int spawn_searching(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                           const posix_spawnattr_t* attrs, char** argv_with_shell, char** envp) {
  if (strchr(file, '/') != NULL) return spawn_path(pid, file, actions, attrs, argv_with_shell, envp);
  const char* path = "/usr/bin:/bin";
  size_t prefix_length = strlen("PATH=");
  for (char** entry = envp; *entry != NULL; entry++) {
    if (strncmp(*entry, "PATH=", prefix_length) == 0) {
      path = *entry + prefix_length;
      break;
    }
  }
  size_t file_length = strlen(file);
  int result = ENOENT;
  int saw_eacces = 0;
  const char* start = path;
  for (;;) {
    const char* end = strchr(start, ':');
    size_t dir_length = end == NULL ? strlen(start) : (size_t)(end - start);
    char candidate[PATH_MAX];
    if (dir_length + file_length + 2 <= sizeof candidate) {
      /* An empty entry is the current directory. */
      if (dir_length == 0) {
        memcpy(candidate, file, file_length + 1);
      } else {
        memcpy(candidate, start, dir_length);
        candidate[dir_length] = '/';
        memcpy(candidate + dir_length + 1, file, file_length + 1);
      }
      /* Skip what is not there without starting a child for it. */
      if (access(candidate, F_OK) == 0) {
        result = spawn_path(pid, candidate, actions, attrs, argv_with_shell, envp);
        if (result == 0) return 0;
        if (result == EACCES) saw_eacces = 1;
        else if (result != ENOENT && result != ENOTDIR && result != ESTALE && result != ENODEV &&
                 result != ETIMEDOUT) return result;
      }
    }
    if (end == NULL) break;
    start = end + 1;
  }
  return saw_eacces ? EACCES : ENOENT;
}

static napi_value spawn(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, env, cwd, pipeStdin, onExit[, connection])");
    return NULL;
  }
  bool pipe_stdin = false;
  napi_get_value_bool(env, args[4], &pipe_stdin);
  bool with_connection = false;
  if (argc >= 7) napi_get_value_bool(env, args[6], &with_connection);
  int connection[2] = {-1, -1};

  char* file = string_arg(env, args[0]);
  /* A free slot in front for /bin/sh (see spawn_path). */
  char** argv_with_shell = string_array_arg(env, args[1], 1);
  char** envp = string_array_arg(env, args[2], 0);
  char* cwd = string_arg(env, args[3]);
  napi_value result = NULL;
  int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
  int pidfd = -1;
  int error = 0;
  const char* failed_call = "spawn";
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attrs;
  int actions_ready = 0, attrs_ready = 0;

  if (file == NULL || argv_with_shell == NULL || envp == NULL) {
    error = ENOMEM;
    goto done;
  }
  char** argv = argv_with_shell + 1;
  if (argv[0] == NULL) {
    error = EINVAL;
    goto done;
  }

  for (int stream = pipe_stdin ? 0 : 1; stream < 3; stream++) {
    if (pipe2(pipes[stream], O_CLOEXEC) != 0) {
      error = errno;
      failed_call = "pipe2";
      goto done;
    }
  }

  if (with_connection && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, connection) != 0) {
    error = errno;
    failed_call = "socketpair";
    goto done;
  }

  if ((error = posix_spawn_file_actions_init(&actions)) != 0) goto done;
  actions_ready = 1;
  if (pipe_stdin) {
    /* The child reads pipes[0][0]; dup2 clears its close-on-exec flag. */
    error = posix_spawn_file_actions_adddup2(&actions, pipes[0][0], 0);
  } else {
    error = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (error == 0) error = posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 1);
  if (error == 0) error = posix_spawn_file_actions_adddup2(&actions, pipes[2][1], 2);
  if (error == 0 && with_connection) error = posix_spawn_file_actions_adddup2(&actions, connection[1], 3);
  if (error == 0 && cwd != NULL) error = posix_spawn_file_actions_addchdir_np(&actions, cwd);
  if (error != 0) goto done;

  if ((error = posix_spawnattr_init(&attrs)) != 0) goto done;
  attrs_ready = 1;
  /* Node ignores SIGPIPE and may block signals: the child starts with defaults. */
  sigset_t all, none;
  sigfillset(&all);
  /*
   * glibc's sigfillset leaves out its two internal signals (32 and 33), which
   * its posix_spawn then leaves ignored in the child; Node's children have
   * them at their defaults. Signal n is bit n - 1 of the set's words.
   */
  unsigned long* words = (unsigned long*)&all;
  const unsigned bits = 8 * sizeof(unsigned long);
  for (int sig = 32; sig <= 33; sig++) words[(sig - 1) / bits] |= 1UL << ((sig - 1) % bits);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attrs, &all);
  posix_spawnattr_setsigmask(&attrs, &none);
  /* A session (and process group) of its own: signals go to the whole group. */
  error = posix_spawnattr_setflags(&attrs, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF |
                                               POSIX_SPAWN_SETSIGMASK);
  if (error != 0) goto done;

  pid_t pid = 0;
  error = spawn_searching(&pid, file, &actions, &attrs, argv_with_shell, envp);
  if (error != 0) goto done;

  pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    /* Cannot happen for our own unreaped child on Linux >= 5.3; do not leave it running. */
    error = errno;
    failed_call = "pidfd_open";
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    goto done;
  }

  uv_loop_t* loop;
  napi_get_uv_event_loop(env, &loop);
  exit_watch* watch = calloc(1, sizeof *watch);
  if (watch == NULL || uv_poll_init(loop, &watch->poll, pidfd) != 0) {
    free(watch);
    error = ENOMEM;
    failed_call = "uv_poll_init";
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    goto done;
  }
  watch->pidfd = pidfd;
  pidfd = -1;
  watch->pid = pid;
  watch->env = env;
  napi_create_reference(env, args[5], 1, &watch->callback);
  napi_value resource_name;
  napi_create_string_utf8(env, "EXEC_SERVER_CHILD", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &watch->context);
  addon_state* state = NULL;
  napi_get_instance_data(env, (void**)&state);
  watch->next = state->open_watches;
  if (state->open_watches != NULL) state->open_watches->prev = watch;
  state->open_watches = watch;
  uv_poll_start(&watch->poll, UV_READABLE, on_pidfd_readable);
  if (with_connection) uv_unref((uv_handle_t*)&watch->poll);

  /* The parent keeps its ends only; the child's are closed here. */
  int parent_fds[3] = {-1, -1, -1};
  if (pipe_stdin) {
    close(pipes[0][0]);
    parent_fds[0] = pipes[0][1];
  }
  close(pipes[1][1]);
  close(pipes[2][1]);
  parent_fds[1] = pipes[1][0];
  parent_fds[2] = pipes[2][0];
  for (int i = 0; i < 3; i++) pipes[i][0] = pipes[i][1] = -1;

  napi_create_array_with_length(env, 5, &result);
  napi_value number;
  napi_create_int32(env, pid, &number);
  napi_set_element(env, result, 0, number);
  for (int i = 0; i < 3; i++) {
    napi_create_int32(env, parent_fds[i], &number);
    napi_set_element(env, result, (uint32_t)i + 1, number);
  }
  napi_create_int32(env, connection[0], &number);
  napi_set_element(env, result, 4, number);
  connection[0] = -1;

done:
  if (actions_ready) posix_spawn_file_actions_destroy(&actions);
  if (attrs_ready) posix_spawnattr_destroy(&attrs);
  for (int i = 0; i < 3; i++) {
    if (pipes[i][0] >= 0) close(pipes[i][0]);
    if (pipes[i][1] >= 0) close(pipes[i][1]);
  }
  if (pidfd >= 0) close(pidfd);
  for (int i = 0; i < 2; i++) if (connection[i] >= 0) close(connection[i]);
  const char* shown = file;
  if (error != 0) throw_errno(env, error, failed_call, shown);
  free(file);
  free(cwd);
  free_vector(argv_with_shell, 1);
  free_vector(envp, 0);
  return result;
}

/* True when this kernel can watch a child through a pidfd. */
static napi_value supported(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  napi_value result;
  napi_get_boolean(env, fd >= 0, &result);
  if (fd >= 0) close(fd);
  return result;
}

napi_value spawn_register(napi_env env, napi_value exports) {
  addon_state* state = calloc(1, sizeof *state);
  if (state == NULL) return NULL;
  napi_set_instance_data(env, state, free_state, NULL);
  napi_add_env_cleanup_hook(env, cleanup_watches, state);
  napi_value function;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, spawn, NULL, &function);
  napi_set_named_property(env, exports, "spawn", function);
  napi_create_function(env, "supported", NAPI_AUTO_LENGTH, supported, NULL, &function);
  napi_set_named_property(env, exports, "supported", function);
  return exports;
}
