/*
 * Descriptors this process inherited, kept from the processes it starts.
 *
 * What started Node may have left descriptors open without close-on-exec
 * (`100<secret` in a shell, a supervisor's pipe): Node marks only 0 to 16
 * close-on-exec as it starts, so from 17 on they would reach every child,
 * a sandboxed one included, whatever spawns it (posix_spawn, libuv,
 * node-pty's fork). Everything Node, libuv and this addon open is
 * close-on-exec already, and a child's stdio is put in place with dup2,
 * which clears the flag: marking every descriptor from 3 on changes nothing
 * but the inherited ones (and Node's IPC channel, which no child needs).
 *
 * closeInheritedOnExec() -> whether every descriptor from 3 on is now close-on-exec
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <node_api.h>

#include "addon.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Before Linux 5.11 (no CLOSE_RANGE_CLOEXEC): each descriptor listed in /proc/self/fd. */
static bool mark_listed(void) {
  DIR* directory = opendir("/proc/self/fd");
  if (directory == NULL) return false;
  int own = dirfd(directory);
  bool done = true;
  struct dirent* entry;
  while ((entry = readdir(directory)) != NULL) {
    char* end;
    long fd = strtol(entry->d_name, &end, 10);
    if (*end != '\0' || end == entry->d_name || fd < 3 || fd == own) continue;
    int flags = fcntl((int)fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) == 0 && fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC) != 0) done = false;
  }
  closedir(directory);
  return done;
}

static napi_value close_inherited_on_exec(napi_env env, napi_callback_info info) {
  (void)info;
  bool done = syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0 || mark_listed();
  napi_value result;
  napi_get_boolean(env, done, &result);
  return result;
}

void descriptors_register(napi_env env, napi_value exports) {
  napi_value function;
  napi_create_function(env, "closeInheritedOnExec", NAPI_AUTO_LENGTH, close_inherited_on_exec, NULL, &function);
  napi_set_named_property(env, exports, "closeInheritedOnExec", function);
}
