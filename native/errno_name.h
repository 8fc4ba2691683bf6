/*
 * The name of an errno value ("ENOENT"), as Node names them in its errors:
 * the addon's errors and the holder's start line say it. "EUNKNOWN" for one
 * not listed.
 */
#ifndef EXEC_SERVER_ERRNO_NAME_H
#define EXEC_SERVER_ERRNO_NAME_H
#include <errno.h>

static inline const char* errno_name(int error) {
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
    case ENOSPC: return "ENOSPC";
    case EBUSY: return "EBUSY";
    case ESRCH: return "ESRCH";
    case ENODEV: return "ENODEV";
    case EROFS: return "EROFS";
    case EIO: return "EIO";
    case EADDRINUSE: return "EADDRINUSE";
    default: return "EUNKNOWN";
  }
}

#endif
