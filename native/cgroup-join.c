/*
 * exec-server-cgroup-join N FILE... PROGRAM ARGV0 ARGS...
 *
 * Writes its own pid into each of the N cgroup.procs FILEs, then execs
 * PROGRAM in place with ARGV0 ARGS as its argv (same pid, same process
 * group): nothing the program runs is ever outside its cgroups. Exit 126
 * when a group cannot be joined (nothing runs) or the arguments are wrong,
 * 127 when PROGRAM is missing (looked up on PATH when it has no slash).
 * src/limits/launcher.ts builds the argv.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what, const char *path, int error, int status) {
  fprintf(stderr, "%s %s: %s\n", what, path, strerror(error));
  return status;
}

int main(int argc, char **argv) {
  if (argc < 2) return fail("usage:", "N FILE... PROGRAM ARGV0 ARGS...", EINVAL, 126);
  char *end = NULL;
  errno = 0;
  long n = strtol(argv[1], &end, 10);
  // The files, then the program and its argv[0] at least.
  if (errno != 0 || end == argv[1] || *end != '\0' || n < 0 || n > argc - 4) {
    return fail("bad group count", argv[1], EINVAL, 126);
  }
  char pid[24];
  int length = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  for (long i = 0; i < n; i++) {
    const char *file = argv[2 + i];
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail("cannot join the cgroup", file, errno, 126);
    ssize_t written = write(fd, pid, (size_t)length);
    int error = errno;
    if (written != length) {
      close(fd);
      return fail("cannot join the cgroup", file, written < 0 ? error : EIO, 126);
    }
    if (close(fd) != 0) return fail("cannot join the cgroup", file, errno, 126);
  }
  const char *program = argv[2 + n];
  // Looked up on the PATH of the environment it was given, as a spawn would.
  execvp(program, &argv[3 + n]);
  return fail("cannot run", program, errno, errno == ENOENT ? 127 : 126);
}
