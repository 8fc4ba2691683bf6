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
 * A child that must be in cgroups (`joinFiles`: cgroup.procs files, one
 * per hierarchy) is started by our own clone(CLONE_VM | CLONE_VFORK), the
 * way glibc's posix_spawn starts one, whose child writes "0" (the kernel's
 * "the writing task") into each file between its setup and execve: it is
 * in its groups before the command runs, with no launcher's exec between.
 * posix_spawn has no such step, and stays the way for a child without groups.
 *
 * spawn(file, argv, env, cwd, pipeStdin, onExit[, joinFiles[, connection]])
 *   -> [pid, stdinFd, stdoutFd, stderrFd, connectionFd]  (stdinFd -1 without a pipe)
 *   onExit(exitCode, signalNumber) once, from the event loop.
 *   With `connection` true (and no joinFiles) the child's fd 3 is one end of
 *   a Unix stream socketpair and connectionFd the other (close-on-exec);
 *   else it is -1. Such a child (a holder) is meant to outlive this
 *   process: watching for its exit does not keep the event loop alive.
 * Failures throw an Error with `code` (the errno name), `errno` and `syscall`;
 * a group that cannot be joined throws with syscall "cgroup join" and the
 * file as `path` (nothing ran).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "addon.h"
#include "errno_name.h"

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

/* The PATH a search of the child's uses: its environment's (as libuv does), not ours; else execvp's default. */
static const char* path_of(char** envp) {
  size_t prefix_length = strlen("PATH=");
  for (char** entry = envp; *entry != NULL; entry++) {
    if (strncmp(*entry, "PATH=", prefix_length) == 0) return *entry + prefix_length;
  }
  return "/usr/bin:/bin";
}

/*
 * execvp's search of `file` in `path`: each candidate in order (an empty
 * entry is the current directory) handed to `attempt`, which returns 0 once
 * it started it, else the errno it met. Goes on past what execvp goes on
 * past; then EACCES if any candidate met it, else ENOENT. Writes only its
 * own stack: the clone child runs it too.
 */
static int search_path(const char* path, const char* file, int (*attempt)(const char* candidate, void* context),
                       void* context) {
  size_t file_length = strlen(file);
  int saw_eacces = 0;
  const char* start = path;
  for (;;) {
    const char* end = strchr(start, ':');
    size_t dir_length = end == NULL ? strlen(start) : (size_t)(end - start);
    char candidate[PATH_MAX];
    if (dir_length + file_length + 2 <= sizeof candidate) {
      if (dir_length == 0) {
        memcpy(candidate, file, file_length + 1);
      } else {
        memcpy(candidate, start, dir_length);
        candidate[dir_length] = '/';
        memcpy(candidate + dir_length + 1, file, file_length + 1);
      }
      int result = attempt(candidate, context);
      if (result == 0) return 0;
      if (result == EACCES) saw_eacces = 1;
      else if (result != ENOENT && result != ENOTDIR && result != ESTALE && result != ENODEV && result != ETIMEDOUT) {
        return result;
      }
    }
    if (end == NULL) break;
    start = end + 1;
  }
  return saw_eacces ? EACCES : ENOENT;
}

typedef struct {
  pid_t* pid;
  const posix_spawn_file_actions_t* actions;
  const posix_spawnattr_t* attrs;
  char** argv_with_shell;
  char** envp;
} spawn_attempt;

static int attempt_spawn(const char* candidate, void* context) {
  spawn_attempt* spawn = context;
  /* Skip what is not there without starting a child for it. */
  if (access(candidate, F_OK) != 0) return ENOENT;
  return spawn_path(spawn->pid, candidate, spawn->actions, spawn->attrs, spawn->argv_with_shell, spawn->envp);
}

/* execvp's search, with the child's PATH. */
static int spawn_searching(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                           const posix_spawnattr_t* attrs, char** argv_with_shell, char** envp) {
  if (strchr(file, '/') != NULL) return spawn_path(pid, file, actions, attrs, argv_with_shell, envp);
  spawn_attempt spawn = {pid, actions, attrs, argv_with_shell, envp};
  return search_path(path_of(envp), file, attempt_spawn, &spawn);
}

/* What the clone child is given, and what it reports back (its memory is ours: CLONE_VM). */
typedef struct {
  const char* file;
  char** argv_with_shell;
  char** envp;
  const char* cwd;
  int stdin_fd; /* -1: /dev/null */
  int stdout_fd;
  int stderr_fd;
  const int* join_fds;
  int join_count;
  /* Set by the child when it fails: the errno, the step, and (a join) which file. */
  int error;
  const char* failed_call;
  int failed_join;
} clone_child_args;

/* The kernel's signal set, all of it: glibc's own calls leave out its two internal signals. */
static int set_kernel_mask(const uint64_t* mask, uint64_t* old) {
  return (int)syscall(SYS_rt_sigprocmask, SIG_SETMASK, mask, old, sizeof(uint64_t));
}

/* `fd` as `target` without close-on-exec (dup2 onto itself would keep the flag). */
static int move_to(int fd, int target) {
  if (fd == target) return fcntl(fd, F_SETFD, 0);
  return dup2(fd, target) < 0 ? -1 : 0;
}

/* execve of one path, then as execvp does a file without a #! line (ENOEXEC) with the shell. */
static void exec_path(clone_child_args* args, const char* path) {
  char** argv = args->argv_with_shell + 1;
  execve(path, argv, args->envp);
  if (errno != ENOEXEC) return;
  /* The parent puts argv[0] back (our memory is its). */
  args->argv_with_shell[0] = (char*)"/bin/sh";
  argv[0] = (char*)path;
  execve("/bin/sh", args->argv_with_shell, args->envp);
}

static int attempt_exec(const char* candidate, void* context) {
  exec_path(context, candidate);
  return errno;
}

/* execvp's search with the child's PATH, as spawn_searching; returns only on failure, errno set. */
static void exec_searching(clone_child_args* args) {
  if (strchr(args->file, '/') != NULL) {
    exec_path(args, args->file);
    return;
  }
  errno = search_path(path_of(args->envp), args->file, attempt_exec, args);
}

/*
 * The clone child: as posix_spawn's with SETSID, SETSIGDEF (every signal)
 * and an empty SETSIGMASK, then the joins, then execve. It runs on its own
 * stack in our memory with every signal blocked (our handlers must never
 * run in it), and calls only what writes nothing but its own stack and
 * `args` (errno is the parent thread's, which is suspended until the exec).
 */
static int clone_child(void* arg) {
  clone_child_args* args = arg;
  /* Node ignores SIGPIPE and has handlers: the child starts with defaults. */
  struct sigaction default_action;
  memset(&default_action, 0, sizeof default_action);
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < _NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    /* glibc's two internal signals (32, 33) are refused here: an exec resets their handlers anyway. */
    sigaction(sig, &default_action, NULL);
  }
  args->failed_call = "spawn";
  if (setsid() < 0) goto failed;
  if (args->stdin_fd >= 0) {
    if (move_to(args->stdin_fd, 0) != 0) goto failed;
  } else {
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0) goto failed;
    if (null_fd != 0) {
      if (dup2(null_fd, 0) < 0) goto failed;
      close(null_fd);
    }
  }
  if (move_to(args->stdout_fd, 1) != 0 || move_to(args->stderr_fd, 2) != 0) goto failed;
  if (args->cwd != NULL && chdir(args->cwd) != 0) goto failed;
  for (int i = 0; i < args->join_count; i++) {
    /* "0": the writing task, on cgroup v1 and v2 alike. */
    if (write(args->join_fds[i], "0", 1) != 1) {
      args->failed_call = "cgroup join";
      args->failed_join = i;
      goto failed;
    }
  }
  uint64_t none = 0;
  set_kernel_mask(&none, NULL);
  exec_searching(args);
failed:
  args->error = errno != 0 ? errno : EIO;
  _exit(127);
}

/* The clone child's stack: execvp's path buffer and glibc's calls, with room to spare. */
#define CLONE_STACK_BYTES (256 * 1024)

/*
 * Starts `args`'s child with clone(CLONE_VM | CLONE_VFORK): returns when it
 * has exec'd (0, *pid set) or failed (its errno, the child reaped).
 */
static int spawn_cloned(pid_t* pid, clone_child_args* args) {
  void* stack = mmap(NULL, CLONE_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) return errno;
  char** argv = args->argv_with_shell + 1;
  char* original_arg0 = argv[0];
  uint64_t all = ~(uint64_t)0, old = 0;
  set_kernel_mask(&all, &old);
  args->error = 0;
  args->failed_join = -1;
  /* The stack grows down on every architecture Linux runs Node on. */
  pid_t child = clone(clone_child, (char*)stack + CLONE_STACK_BYTES, CLONE_VM | CLONE_VFORK | SIGCHLD, args);
  int clone_error = child < 0 ? errno : 0;
  set_kernel_mask(&old, NULL);
  args->argv_with_shell[0] = NULL;
  argv[0] = original_arg0;
  munmap(stack, CLONE_STACK_BYTES);
  if (child < 0) {
    args->failed_call = "clone";
    return clone_error;
  }
  if (args->error != 0) {
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    return args->error;
  }
  *pid = child;
  return 0;
}

/* Opens each cgroup.procs file to write; on failure the index of the file and its errno. */
static int open_join_files(char** files, int count, int* fds, int* failed) {
  for (int i = 0; i < count; i++) {
    fds[i] = open(files[i], O_WRONLY | O_CLOEXEC);
    if (fds[i] < 0) {
      *failed = i;
      return errno;
    }
  }
  return 0;
}

static napi_value spawn(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, env, cwd, pipeStdin, onExit[, joinFiles[, connection]])");
    return NULL;
  }
  bool has_join_files = false;
  if (argc >= 7) napi_is_array(env, args[6], &has_join_files);
  bool pipe_stdin = false;
  napi_get_value_bool(env, args[4], &pipe_stdin);
  bool with_connection = false;
  if (argc >= 8) napi_get_value_bool(env, args[7], &with_connection);
  int connection[2] = {-1, -1};

  char* file = string_arg(env, args[0]);
  /* A free slot in front for /bin/sh (see spawn_path). */
  char** argv_with_shell = string_array_arg(env, args[1], 1);
  char** envp = string_array_arg(env, args[2], 0);
  char* cwd = string_arg(env, args[3]);
  char** join_files = has_join_files ? string_array_arg(env, args[6], 0) : NULL;
  int join_count = 0;
  if (join_files != NULL) while (join_files[join_count] != NULL) join_count++;
  int* join_fds = NULL;
  const char* failed_join_file = NULL;
  napi_value result = NULL;
  int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
  int pidfd = -1;
  int error = 0;
  const char* failed_call = "spawn";
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attrs;
  int actions_ready = 0, attrs_ready = 0;

  if (file == NULL || argv_with_shell == NULL || envp == NULL || (has_join_files && join_files == NULL)) {
    error = ENOMEM;
    goto done;
  }
  char** argv = argv_with_shell + 1;
  /* A connection is for a holder, which joins no groups itself (its child does). */
  if (argv[0] == NULL || (with_connection && join_count > 0)) {
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

  pid_t pid = 0;
  if (join_count > 0) {
    join_fds = malloc(sizeof(int) * (size_t)join_count);
    if (join_fds == NULL) {
      error = ENOMEM;
      goto done;
    }
    for (int i = 0; i < join_count; i++) join_fds[i] = -1;
    int failed = -1;
    if ((error = open_join_files(join_files, join_count, join_fds, &failed)) != 0) {
      failed_call = "cgroup join";
      failed_join_file = join_files[failed];
      goto done;
    }
    clone_child_args child_args = {
      .file = file,
      .argv_with_shell = argv_with_shell,
      .envp = envp,
      .cwd = cwd,
      .stdin_fd = pipe_stdin ? pipes[0][0] : -1,
      .stdout_fd = pipes[1][1],
      .stderr_fd = pipes[2][1],
      .join_fds = join_fds,
      .join_count = join_count,
    };
    error = spawn_cloned(&pid, &child_args);
    if (error != 0) {
      failed_call = child_args.failed_call;
      if (child_args.failed_join >= 0) failed_join_file = join_files[child_args.failed_join];
      goto done;
    }
    goto spawned;
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

  error = spawn_searching(&pid, file, &actions, &attrs, argv_with_shell, envp);
  if (error != 0) goto done;

spawned:

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
  if (join_fds != NULL) {
    for (int i = 0; i < join_count; i++) {
      if (join_fds[i] >= 0) close(join_fds[i]);
    }
  }
  for (int i = 0; i < 2; i++) if (connection[i] >= 0) close(connection[i]);
  const char* shown = failed_join_file != NULL ? failed_join_file : file;
  if (error != 0) throw_errno(env, error, failed_call, shown);
  free(file);
  free(cwd);
  free(join_fds);
  free_vector(join_files, 0);
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
