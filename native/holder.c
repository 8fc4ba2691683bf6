/*
 * exec-server-holder: one process's keeper, which outlives the server.
 *
 *   exec-server-holder --socket PATH [--connection-fd FD] [--ring-bytes N]
 *       [--orphan-ttl-ms N] [--linger-ms N] [--kill-grace-ms N] [--stdin-backlog-bytes N]
 *       [--pty ROWS COLS] [--stdin] [--cwd DIR] [--file PROGRAM]
 *       [--cgroup FILE]... [--remove-on-exit FILE]... -- ARGV...
 *
 * The child's environment comes on stdin (NUL-terminated NAME=VALUE entries
 * up to EOF), never as the holder's own (an LD_PRELOAD meant for the child
 * must not load into the holder). The holder binds PATH, starts the child in
 * a session of its own (pipes, or a terminal of ROWS x COLS; the child joins
 * each cgroup.procs FILE by writing "0" before it runs anything), and writes
 * one line to stdout: "ready HOLDER_PID CHILD_PID\n", or
 * "failed STAGE ERRNO PATH\n" and exits 1 (STAGE: cwd, program, interpreter,
 * cgroup, terminal, socket, spawn, usage; ERRNO its name, as ENOENT). After
 * that line its stdio is /dev/null. It is not the starter's child (the
 * process started forks it and exits at once) and it leads a session of its
 * own, so the end of whoever started it neither ends it nor leaves a zombie.
 *
 * Started attached (--connection-fd FD: one end of a Unix stream socketpair
 * whose other end the starting server holds), it does not fork: it stays
 * the server's child (reparented when the server dies; the server reaps it
 * when it exits), in a session of its own all the same. FD is the first
 * server's connection, attached from 0 as if it had sent HELLO with
 * `shared`: WELCOME comes unasked as soon as the child runs, and PATH is
 * bound only after it (LISTENING says so). A start failure is that
 * connection's one frame, ERROR 5 with the start line's text; nothing is
 * written to stdout.
 *
 * The ring is a memfd (private memory where memfd_create fails). A server
 * that asks for it (HELLO `shared`) opens it through /proc/HOLDER_PID/fd/FD
 * (which takes what ptrace's read access takes: the holder's uid) and gets
 * OUTPUT_AT frames, where the bytes are, instead of OUTPUT with the bytes:
 * it copies them out of the ring itself, before it acknowledges them, so
 * the holder's rule that nothing unacknowledged is overwritten keeps them
 * there for it. The holder alone reads the child, attached or not: a server
 * killed at any moment has taken nothing from the child that is not in the
 * ring, and no reading passes between processes (a server that read the
 * child's descriptors itself would lose what one read() had taken when it
 * was killed before that read's bytes were in the ring, which nothing can
 * tell afterwards). A server that cannot open the ring sends RELAY from
 * what it had received, and gets OUTPUT frames from there after RELAYED.
 *
 * Output: every byte the child writes (stdout, stderr, or the terminal) has
 * a position, one counter for all streams from 0, so "every byte once, in
 * order" is a single number. The newest --ring-bytes are kept. While a
 * server is attached (and before the first attach) no byte it has not
 * acknowledged is overwritten: the holder stops reading the child instead
 * (the child blocks). With no server attached the ring keeps the newest
 * bytes, read at most 1 MiB per 100 ms; what was overwritten is reported as
 * LOST [from, to) to a reader that asks for it.
 *
 * One server is attached at a time over PATH (a Unix stream socket; peers of
 * another uid are refused). Frames, both ways: u32 length (little-endian, of
 * what follows, 1..MAX_FRAME), u8 type, payload (integers little-endian).
 *   server -> holder
 *     0x01 HELLO   "EXSH" u16 version(1) u16 flags(1: take over, 2: shared
 *                  ring) u64 from (the first frame; output is sent from `from`)
 *     0x02 WRITE   u32 id, bytes            -> RESULT id
 *     0x03 CLOSE_STDIN u32 id               -> RESULT id
 *     0x04 RESIZE  u16 rows u16 cols
 *     0x05 SIGNAL  u32 id u8 signal (0: is the group there)  -> RESULT id
 *     0x06 ACK     u64 position (every byte before it is the server's)
 *     0x07 END_OUTPUT  (stop waiting for descendants that hold the output)
 *     0x08 DETACH
 *     0x09 DONE    (end the group with SIGKILL if it is there; exit)
 *     0x0A RELAY   u64 from (the ring cannot be opened: bytes from `from`)
 *   holder -> server
 *     0x81 WELCOME "EXSH" u16 version u16 flags(1 pty, 2 stdin open, 4 shared)
 *                  u32 child pid u64 oldest u64 end u64 ring bytes
 *                  [u32 holder pid, u32 ring fd (-1: not shared)] (when
 *                  HELLO asked for the ring)
 *     0x82 OUTPUT  u64 position u8 stream(0 pty, 1 stdout, 2 stderr) bytes
 *     0x83 LOST    u64 from u64 to
 *     0x84 EXITED  i32 code (-1 when signalled) u8 signal u8 complete
 *                  u64 end (output before `end` was written before the exit)
 *     0x85 CLOSED  u64 end (no more output)
 *     0x86 RESULT  u32 id u8 status (0 accepted/delivered, 1 stdin closed,
 *                  2 backlog full, 3 group gone)
 *     0x87 STDIN_DRAINED (the backlog emptied after a write was refused)
 *     0x88 ERROR   u8 code (1 bad frame, 2 version, 3 busy, 4 displaced,
 *                  5 start failed) text (the holder closes that connection;
 *                  it goes on serving, but after 5 it exits)
 *     0x89 OUTPUT_AT u64 position u8 stream u32 length (in the shared ring)
 *     0x8A LISTENING i32 errno (0: PATH is bound; started attached only)
 *     0x8B RELAYED u64 from (after RELAY: what came before it is void)
 * EXITED comes after every byte written before the exit, CLOSED last. A
 * malformed frame or a peer gone mid-frame ends that connection only.
 *
 * The holder exits, removing PATH (and each --remove-on-exit FILE), when the child has exited, its output has
 * ended and the attached server acknowledged all of it (with --linger-ms:
 * when, that done, no server was attached for that long, so that a closed
 * process's exit and output outlive the server too); on DONE; and when no
 * server was attached for --orphan-ttl-ms (or on SIGTERM): then it ends the
 * child's process group first (SIGTERM, --kill-grace-ms, SIGKILL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "errno_name.h"

#define VERSION 1
#define MAX_FRAME (1024 * 1024 + 16)
/* The most read from the child at once, and the most bytes in one OUTPUT frame. */
#define OUTPUT_CHUNK (256 * 1024)
/* The most bytes one OUTPUT_AT frame points at: a pipe read's worth, the server's event size, so that it
   reads and hands on each piece as it comes rather than a megabyte at once. */
#define SHARED_CHUNK (64 * 1024)
/* A child's output pipes hold this much (F_SETPIPE_SZ; 64 KiB when refused): it runs ahead of the holder's wakeups longer. */
#define PIPE_BYTES (1024 * 1024)
/* Queued for the server beyond which no more output is packed and no more requests are read. */
#define OUT_HIGH (1024 * 1024)
#define MAX_PEERS 5
#define SOCKET_SEND_BYTES (2 * 1024 * 1024)
#define HELLO_DEADLINE_MS 5000
#define EXIT_FLUSH_MS 50
#define DETACHED_LAP_BYTES (1024 * 1024)
#define DETACHED_PAUSE_MS 100
#define MAX_RECORDS 4096

enum { C_HELLO = 1, C_WRITE, C_CLOSE_STDIN, C_RESIZE, C_SIGNAL, C_ACK, C_END_OUTPUT, C_DETACH, C_DONE, C_RELAY };
enum { E_WELCOME = 0x81, E_OUTPUT, E_LOST, E_EXITED, E_CLOSED, E_RESULT, E_STDIN_DRAINED, E_ERROR, E_OUTPUT_AT, E_LISTENING, E_RELAYED };
enum { RES_OK = 0, RES_STDIN_CLOSED = 1, RES_BACKLOG_FULL = 2, RES_GROUP_GONE = 3 };
enum { ERR_BAD_FRAME = 1, ERR_VERSION = 2, ERR_BUSY = 3, ERR_DISPLACED = 4, ERR_START_FAILED = 5 };
enum { HELLO_TAKEOVER = 1, HELLO_SHARED = 2 };
enum { WELCOME_PTY = 1, WELCOME_STDIN = 2, WELCOME_SHARED = 4 };

typedef struct {
  uint8_t* data;
  size_t length, capacity, head;
} bytes_t;

typedef struct {
  int fd;
  int attached;
  int64_t hello_deadline;
  bytes_t in;
  bytes_t out;
  int closing; /* flush `out`, then close */
  int shared;  /* reads the ring itself: sent OUTPUT_AT, not OUTPUT */
} peer_t;

typedef struct {
  uint64_t start;
  uint8_t stream;
} record_t;

/* ---- state ---- */
static const char* socket_path;
static ino_t socket_inode;
static int listen_fd = -1, signal_fd = -1;
static pid_t child = -1;
static int is_pty;
static int out_fds[2] = {-1, -1};  /* stdout, stderr (or the terminal's master in [0]) */
static int stdin_fd = -1;          /* a pipe, or the master (dup) */
static int stdin_close_pending, stdin_refused;
static bytes_t stdin_backlog;
static size_t stdin_backlog_max = 16 * 1024 * 1024;

static uint8_t* ring;
static int ring_fd = -1; /* the memfd holding `ring`, -1 when it is private memory */
static uint64_t ring_size = 8 * 1024 * 1024;
static int connection_fd = -1; /* --connection-fd: the starting server's end, attached from the start */
static uint64_t oldest, end_pos;
static record_t records[MAX_RECORDS];
static int record_head, record_count;

static peer_t peers[MAX_PEERS];
static int attached = -1;        /* index of the attached peer */
static int ever_held = 1;        /* before the first attach, bytes are held as if attached */
static uint64_t ack_pos, send_pos;
static int64_t orphan_ttl_ms = 300000, kill_grace_ms = 2000;
static int64_t orphan_deadline;
static const char** remove_paths; /* --remove-on-exit: the server's files about this process, gone with it */
static int remove_count;
static int64_t linger_ms = -1;    /* --linger-ms: the orphan TTL once done; -1: exit once done */
static int64_t lap_resume_at;     /* detached pacing: reading waits until then */
static uint64_t lap_bytes;

static int exited;                 /* reaped */
static int exit_code = -1, exit_signal;
static int exit_reported;          /* EXITED's position fixed */
static uint64_t exit_end;
static int exit_complete;
static int64_t flush_deadline = -1;
static int output_closed;
static int exited_sent, closed_sent; /* to the attached peer */
static int closed_delivered;        /* CLOSED written to the socket of the peer that was attached */
static int group_gone;
static int ending;                 /* ending the group: TERM sent */
static int64_t kill_at = -1;

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}


/* ---- byte queues ---- */
static int bytes_reserve(bytes_t* b, size_t more) {
  if (b->head > 0 && b->head == b->length) b->head = b->length = 0;
  if (b->length + more <= b->capacity) return 0;
  if (b->head > 0) {
    memmove(b->data, b->data + b->head, b->length - b->head);
    b->length -= b->head;
    b->head = 0;
    if (b->length + more <= b->capacity) return 0;
  }
  size_t capacity = b->capacity < 4096 ? 4096 : b->capacity;
  while (capacity < b->length + more) capacity *= 2;
  uint8_t* data = realloc(b->data, capacity);
  if (data == NULL) return -1;
  b->data = data;
  b->capacity = capacity;
  return 0;
}
static size_t bytes_pending(const bytes_t* b) { return b->length - b->head; }
static void bytes_consume(bytes_t* b, size_t n) {
  b->head += n;
  if (b->head == b->length) b->head = b->length = 0;
}
static void bytes_free(bytes_t* b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}
static void put16(uint8_t* p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t* p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }
static void put64(uint8_t* p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = v >> (8 * i); }
static uint16_t get16(const uint8_t* p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t* p) { uint32_t v = 0; for (int i = 3; i >= 0; i--) v = v << 8 | p[i]; return v; }
static uint64_t get64(const uint8_t* p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = v << 8 | p[i]; return v; }

/* A frame of `type` with `length` payload bytes reserved; returns where the payload goes. */
static uint8_t* frame_begin(peer_t* peer, uint8_t type, size_t length) {
  if (bytes_reserve(&peer->out, 5 + length) != 0) return NULL;
  uint8_t* p = peer->out.data + peer->out.length;
  put32(p, (uint32_t)(1 + length));
  p[4] = type;
  peer->out.length += 5 + length;
  return p + 5;
}

/* ---- output ring ---- */
static void ring_copy_out(uint8_t* target, uint64_t position, size_t length) {
  size_t at = (size_t)(position % ring_size);
  size_t first = ring_size - at < length ? ring_size - at : length;
  memcpy(target, ring + at, first);
  if (first < length) memcpy(target + first, ring, length - first);
}

/* Drops records wholly before `oldest`. */
static void records_trim(void) {
  while (record_count > 1 && records[(record_head + 1) % MAX_RECORDS].start <= oldest) {
    record_head = (record_head + 1) % MAX_RECORDS;
    record_count--;
  }
}

static void records_add(uint8_t stream, uint64_t start) {
  if (record_count > 0 && records[(record_head + record_count - 1) % MAX_RECORDS].stream == stream) return;
  if (record_count == MAX_RECORDS) {
    /* Full of alternations: the oldest record's bytes go, as the ring's would. */
    record_head = (record_head + 1) % MAX_RECORDS;
    record_count--;
    if (records[record_head].start > oldest) oldest = records[record_head].start;
  }
  records[(record_head + record_count) % MAX_RECORDS] = (record_t){start, stream};
  record_count++;
}

/* The stream of the byte at `position` (>= oldest) and where its record ends. */
static uint8_t record_at(uint64_t position, uint64_t* record_end) {
  for (int i = record_count - 1; i >= 0; i--) {
    const record_t* r = &records[(record_head + i) % MAX_RECORDS];
    if (r->start <= position) {
      *record_end = i == record_count - 1 ? end_pos : records[(record_head + i + 1) % MAX_RECORDS].start;
      return r->stream;
    }
  }
  *record_end = end_pos;
  return 0;
}

static int held(void) { return attached >= 0 || ever_held; }

/* How many bytes may be read from the child now (0: do not read). */
static size_t readable_room(int64_t now) {
  if (held()) {
    uint64_t unacked = end_pos - (ack_pos < oldest ? oldest : ack_pos);
    return unacked >= ring_size ? 0 : (size_t)(ring_size - unacked);
  }
  return now < lap_resume_at ? 0 : OUTPUT_CHUNK;
}

static int output_open(void) { return out_fds[0] >= 0 || out_fds[1] >= 0; }

static void close_output_fd(int index) {
  if (out_fds[index] < 0) return;
  if (!(is_pty && out_fds[index] == stdin_fd)) close(out_fds[index]);
  out_fds[index] = -1;
}

/* Reads what `fd` has into the ring; returns 1 while it stays open. */
static int read_output(int index, int64_t now) {
  int fd = out_fds[index];
  uint8_t stream = is_pty ? 0 : (uint8_t)(index + 1);
  size_t room = readable_room(now);
  if (room == 0) return 1;
  size_t at = (size_t)(end_pos % ring_size);
  size_t length = ring_size - at;
  if (length > room) length = room;
  if (length > OUTPUT_CHUNK) length = OUTPUT_CHUNK;
  ssize_t got = read(fd, ring + at, length);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
  if (got <= 0) {
    /* EOF, or EIO: a terminal whose every slave is closed. */
    close_output_fd(index);
    return 0;
  }
  records_add(stream, end_pos);
  end_pos += (uint64_t)got;
  if (end_pos > ring_size && end_pos - ring_size > oldest) oldest = end_pos - ring_size;
  records_trim();
  if (!held() && (lap_bytes += (uint64_t)got) >= DETACHED_LAP_BYTES) {
    lap_bytes = 0;
    lap_resume_at = now + DETACHED_PAUSE_MS;
  }
  return 1;
}

/* ---- the child ---- */
static int group_exists(void) {
  if (group_gone) return 0;
  if (kill(-child, 0) != 0 && errno == ESRCH) {
    if (exited) group_gone = 1;
    return 0;
  }
  return 1;
}

static int signal_group(int signal) {
  if (child <= 0 || !group_exists()) return 0;
  return kill(-child, signal) == 0 || errno != ESRCH;
}

static void reap(void) {
  if (exited || child <= 0) return;
  int status;
  pid_t got;
  do got = waitpid(child, &status, WNOHANG); while (got < 0 && errno == EINTR);
  if (got != child) return;
  exited = 1;
  if (WIFEXITED(status)) exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) exit_signal = WTERMSIG(status);
  if (stdin_fd >= 0 && !is_pty) {
    close(stdin_fd);
    stdin_fd = -1;
  }
}

static void report_exit(void) {
  exit_reported = 1;
  exit_end = end_pos;
  exit_complete = !output_open();
  flush_deadline = -1;
}

/* ---- peers ---- */
static void peer_close(int index) {
  peer_t* peer = &peers[index];
  if (peer->fd < 0) return;
  close(peer->fd);
  bytes_free(&peer->in);
  bytes_free(&peer->out);
  peer->fd = -1;
  peer->closing = 0;
  if (peer->attached) {
    peer->attached = 0;
    attached = -1;
    orphan_deadline = now_ms() + orphan_ttl_ms;
    lap_bytes = 0;
  }
}

static void send_error(int index, uint8_t code, const char* text) {
  peer_t* peer = &peers[index];
  size_t length = strlen(text);
  uint8_t* p = frame_begin(peer, E_ERROR, 1 + length);
  if (p != NULL) {
    p[0] = code;
    memcpy(p + 1, text, length);
  }
  peer->closing = 1;
}

static void send_result(peer_t* peer, uint32_t id, uint8_t status) {
  uint8_t* p = frame_begin(peer, E_RESULT, 5);
  if (p == NULL) return;
  put32(p, id);
  p[4] = status;
}

/* Packs what the attached peer has not been sent, in order, while its queue is short. */
static void pack_events(void) {
  if (attached < 0) return;
  peer_t* peer = &peers[attached];
  if (peer->closing) return;
  if (send_pos < oldest) {
    uint8_t* p = frame_begin(peer, E_LOST, 16);
    if (p == NULL) return;
    put64(p, send_pos);
    put64(p + 8, oldest);
    send_pos = oldest;
  }
  while (bytes_pending(&peer->out) < OUT_HIGH && send_pos < end_pos) {
    uint64_t record_end;
    uint8_t stream = record_at(send_pos, &record_end);
    uint64_t length = record_end - send_pos;
    if (peer->shared) {
      /* The bytes stay in the ring, which the peer reads itself: only where they are. */
      if (length > SHARED_CHUNK) length = SHARED_CHUNK;
      uint8_t* p = frame_begin(peer, E_OUTPUT_AT, 13);
      if (p == NULL) return;
      put64(p, send_pos);
      p[8] = stream;
      put32(p + 9, (uint32_t)length);
      send_pos += length;
      continue;
    }
    if (length > OUTPUT_CHUNK) length = OUTPUT_CHUNK;
    uint8_t* p = frame_begin(peer, E_OUTPUT, 9 + length);
    if (p == NULL) return;
    put64(p, send_pos);
    p[8] = stream;
    ring_copy_out(p + 9, send_pos, (size_t)length);
    send_pos += length;
  }
  if (exit_reported && !exited_sent && send_pos >= exit_end) {
    uint8_t* p = frame_begin(peer, E_EXITED, 14);
    if (p == NULL) return;
    put32(p, (uint32_t)(exit_signal != 0 ? -1 : exit_code));
    p[4] = (uint8_t)exit_signal;
    p[5] = (uint8_t)exit_complete;
    put64(p + 6, exit_end);
    exited_sent = 1;
  }
  if (exited_sent && output_closed && !closed_sent && send_pos >= end_pos) {
    uint8_t* p = frame_begin(peer, E_CLOSED, 8);
    if (p == NULL) return;
    put64(p, end_pos);
    closed_sent = 1;
  }
}

static void attach_peer(int index, uint16_t flags, uint64_t from) {
  if (attached >= 0 && attached != index) {
    if (!(flags & HELLO_TAKEOVER)) {
      send_error(index, ERR_BUSY, "another server is attached");
      return;
    }
    send_error(attached, ERR_DISPLACED, "another server took over");
    peers[attached].attached = 0;
  }
  peer_t* peer = &peers[index];
  peer->attached = 1;
  attached = index;
  ever_held = 0;
  peer->hello_deadline = -1;
  /* A position beyond the end is the end: nothing not written yet can be acknowledged. */
  ack_pos = send_pos = from > end_pos ? end_pos : from;
  exited_sent = closed_sent = closed_delivered = 0;
  int wants_shared = (flags & HELLO_SHARED) != 0;
  peer->shared = wants_shared && ring_fd >= 0;
  /* A peer that asked for the ring is told where it is (its holder's pid and fd), or that it is not shared. */
  uint8_t* p = frame_begin(peer, E_WELCOME, 4 + 2 + 2 + 4 + 8 + 8 + 8 + (wants_shared ? 8 : 0));
  if (p == NULL) return;
  memcpy(p, "EXSH", 4);
  put16(p + 4, VERSION);
  put16(p + 6, (uint16_t)((is_pty ? WELCOME_PTY : 0) | (stdin_fd >= 0 && !stdin_close_pending ? WELCOME_STDIN : 0) |
                          (peer->shared ? WELCOME_SHARED : 0)));
  put32(p + 8, (uint32_t)child);
  put64(p + 12, oldest);
  put64(p + 20, end_pos);
  put64(p + 28, ring_size);
  if (wants_shared) {
    put32(p + 36, (uint32_t)getpid());
    put32(p + 40, (uint32_t)(peer->shared ? ring_fd : -1));
  }
}

static void stdin_close_now(void) {
  stdin_close_pending = 0;
  if (stdin_fd < 0) return;
  if (is_pty) {
    /* A terminal's end of input is ^D (in canonical mode); the master stays ours. */
    uint8_t eof = 4;
    if (write(stdin_fd, &eof, 1) < 0) { /* the child is gone: nothing to end */ }
    return;
  }
  close(stdin_fd);
  stdin_fd = -1;
}

static void flush_stdin(void) {
  while (stdin_fd >= 0 && bytes_pending(&stdin_backlog) > 0) {
    ssize_t n = write(stdin_fd, stdin_backlog.data + stdin_backlog.head, bytes_pending(&stdin_backlog));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) {
      /* EPIPE, EIO: the child will read no more. */
      bytes_consume(&stdin_backlog, bytes_pending(&stdin_backlog));
      if (!is_pty) {
        close(stdin_fd);
        stdin_fd = -1;
      }
      break;
    }
    bytes_consume(&stdin_backlog, (size_t)n);
  }
  if (bytes_pending(&stdin_backlog) == 0) {
    if (stdin_close_pending) stdin_close_now();
    if (stdin_refused && attached >= 0) {
      stdin_refused = 0;
      frame_begin(&peers[attached], E_STDIN_DRAINED, 0);
    }
  }
}

static int stdin_open(void) { return stdin_fd >= 0 && !stdin_close_pending && !(is_pty && exited); }

static void begin_ending(void);
static void finish(int status);

/* One frame from a peer; returns 0 when the peer must be closed. */
static int handle_frame(int index, uint8_t type, const uint8_t* p, size_t length) {
  peer_t* peer = &peers[index];
  if (!peer->attached) {
    if (type != C_HELLO || length != 16 || memcmp(p, "EXSH", 4) != 0) {
      send_error(index, ERR_BAD_FRAME, "the first frame must be HELLO");
      return 1;
    }
    if (get16(p + 4) != VERSION) {
      send_error(index, ERR_VERSION, "unsupported version");
      return 1;
    }
    attach_peer(index, get16(p + 6), get64(p + 8));
    return 1;
  }
  switch (type) {
    case C_WRITE: {
      if (length < 4) break;
      uint32_t id = get32(p);
      size_t n = length - 4;
      if (!stdin_open()) send_result(peer, id, RES_STDIN_CLOSED);
      else if (bytes_pending(&stdin_backlog) > 0 && bytes_pending(&stdin_backlog) + n > stdin_backlog_max) {
        stdin_refused = 1;
        send_result(peer, id, RES_BACKLOG_FULL);
      } else {
        if (bytes_reserve(&stdin_backlog, n) != 0) {
          send_result(peer, id, RES_BACKLOG_FULL);
          return 1;
        }
        memcpy(stdin_backlog.data + stdin_backlog.length, p + 4, n);
        stdin_backlog.length += n;
        send_result(peer, id, RES_OK);
        flush_stdin();
      }
      return 1;
    }
    case C_CLOSE_STDIN: {
      if (length != 4) break;
      if (!stdin_open()) {
        send_result(peer, get32(p), RES_STDIN_CLOSED);
        return 1;
      }
      stdin_close_pending = 1;
      send_result(peer, get32(p), RES_OK);
      flush_stdin();
      return 1;
    }
    case C_RESIZE: {
      if (length != 4) break;
      if (is_pty && out_fds[0] >= 0) {
        struct winsize size = {.ws_row = get16(p), .ws_col = get16(p + 2)};
        ioctl(out_fds[0], TIOCSWINSZ, &size);
      }
      return 1;
    }
    case C_SIGNAL: {
      if (length != 5) break;
      int signal = p[4];
      int delivered = signal == 0 ? group_exists() : (signal < NSIG && signal_group(signal));
      send_result(peer, get32(p), delivered ? RES_OK : RES_GROUP_GONE);
      return 1;
    }
    case C_ACK: {
      if (length != 8) break;
      uint64_t position = get64(p);
      if (position > end_pos) position = end_pos;
      if (position > ack_pos) ack_pos = position;
      return 1;
    }
    case C_END_OUTPUT:
      if (length != 0) break;
      if (exited) {
        close_output_fd(0);
        close_output_fd(1);
      }
      return 1;
    case C_DETACH:
      if (length != 0) break;
      return 0;
    case C_DONE:
      if (length != 0) break;
      if (!exited) signal_group(SIGKILL);
      finish(0);
      return 0;
    case C_RELAY: {
      /*
       * The peer cannot open the ring: from `from` on (what it had taken) it
       * gets bytes, after RELAYED; what was sent before RELAYED it ignores.
       */
      if (length != 8 || !peer->shared) break;
      uint64_t from = get64(p);
      if (from > end_pos) from = end_pos;
      peer->shared = 0;
      send_pos = from;
      if (from > ack_pos) ack_pos = from;
      exited_sent = closed_sent = closed_delivered = 0;
      uint8_t* q = frame_begin(peer, E_RELAYED, 8);
      if (q != NULL) put64(q, from);
      return 1;
    }
    default:
      break;
  }
  send_error(index, ERR_BAD_FRAME, "malformed frame");
  return 1;
}

static void read_peer(int index) {
  peer_t* peer = &peers[index];
  for (;;) {
    if (bytes_pending(&peer->out) >= OUT_HIGH || peer->closing) return;
    if (bytes_reserve(&peer->in, 64 * 1024) != 0) {
      peer_close(index);
      return;
    }
    ssize_t n = recv(peer->fd, peer->in.data + peer->in.length, peer->in.capacity - peer->in.length, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      peer_close(index);
      return;
    }
    peer->in.length += (size_t)n;
    while (peer->fd >= 0 && !peer->closing) {
      size_t pending = bytes_pending(&peer->in);
      if (pending < 4) break;
      const uint8_t* frame = peer->in.data + peer->in.head;
      uint32_t length = get32(frame);
      if (length == 0 || length > MAX_FRAME) {
        send_error(index, ERR_BAD_FRAME, "bad frame length");
        break;
      }
      if (pending < 4 + (size_t)length) break;
      int keep = handle_frame(index, frame[4], frame + 5, length - 1);
      if (peer->fd < 0) return;
      bytes_consume(&peer->in, 4 + (size_t)length);
      if (!keep) {
        peer_close(index);
        return;
      }
    }
  }
}

static void write_peer(int index) {
  peer_t* peer = &peers[index];
  while (bytes_pending(&peer->out) > 0) {
    ssize_t n = send(peer->fd, peer->out.data + peer->out.head, bytes_pending(&peer->out), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) {
      peer_close(index);
      return;
    }
    bytes_consume(&peer->out, (size_t)n);
  }
  if (peer->attached && closed_sent) closed_delivered = 1;
  if (peer->closing) peer_close(index);
}

static void accept_peers(void) {
  for (;;) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    struct ucred cred;
    socklen_t size = sizeof cred;
    int slot = -1;
    for (int i = 0; i < MAX_PEERS; i++) if (peers[i].fd < 0) { slot = i; break; }
    if (slot < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0 || cred.uid != getuid()) {
      close(fd);
      continue;
    }
    /* A deeper socket buffer (up to the system's wmem_max): fewer wakeups of both ends per MB. */
    int send_buffer = SOCKET_SEND_BYTES;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
    peers[slot].fd = fd;
    peers[slot].attached = 0;
    peers[slot].closing = 0;
    peers[slot].shared = 0;
    peers[slot].hello_deadline = now_ms() + HELLO_DEADLINE_MS;
  }
}

/* ---- the end ---- */
static void finish(int status) {
  /* First the socket's name: whoever sees the connection end finds it gone. */
  struct stat st;
  if (socket_path != NULL && stat(socket_path, &st) == 0 && st.st_ino == socket_inode) unlink(socket_path);
  for (int i = 0; i < remove_count; i++) unlink(remove_paths[i]);
  for (int i = 0; i < MAX_PEERS; i++) {
    if (peers[i].fd < 0) continue;
    /* What is queued goes out, briefly blocking: the last events of a process. */
    int flags = fcntl(peers[i].fd, F_GETFL);
    fcntl(peers[i].fd, F_SETFL, flags & ~O_NONBLOCK);
    struct timeval timeout = {1, 0};
    setsockopt(peers[i].fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    while (bytes_pending(&peers[i].out) > 0) {
      ssize_t n = send(peers[i].fd, peers[i].out.data + peers[i].out.head, bytes_pending(&peers[i].out), MSG_NOSIGNAL);
      if (n <= 0) break;
      bytes_consume(&peers[i].out, (size_t)n);
    }
    close(peers[i].fd);
  }
  _exit(status);
}

static void begin_ending(void) {
  if (ending) return;
  ending = 1;
  if (signal_group(SIGTERM)) kill_at = now_ms() + kill_grace_ms;
}

/* ---- start ---- */
static void report_failure(const char* stage, int error, const char* path) {
  if (connection_fd >= 0) {
    /* Started attached: the failure is the connection's one frame, an ERROR. */
    char text[PATH_MAX + 64];
    int length = snprintf(text, sizeof text, "failed %s %s %s", stage, errno_name(error), path == NULL ? "" : path);
    if (length < 0) length = 0;
    if ((size_t)length >= sizeof text) length = (int)sizeof text - 1;
    uint8_t head[6];
    put32(head, (uint32_t)(2 + length));
    head[4] = E_ERROR;
    head[5] = ERR_START_FAILED;
    int flags = fcntl(connection_fd, F_GETFL);
    if (flags >= 0) fcntl(connection_fd, F_SETFL, flags & ~O_NONBLOCK);
    struct iovec parts[2] = {{head, sizeof head}, {text, (size_t)length}};
    struct msghdr message = {.msg_iov = parts, .msg_iovlen = 2};
    if (sendmsg(connection_fd, &message, MSG_NOSIGNAL) < 0) { /* the server is gone: nobody to tell */ }
    _exit(1);
  }
  dprintf(1, "failed %s %s %s\n", stage, errno_name(error), path == NULL ? "" : path);
  if (socket_inode != 0) unlink(socket_path);
  _exit(1);
}

/* What the child tells its parent through the exec pipe when it cannot run. */
typedef struct {
  int error;
  char stage[16];
  char path[PATH_MAX];
} spawn_failure;

static void child_fail(int pipe_fd, const char* stage, int error, const char* path) {
  spawn_failure failure = {.error = error};
  snprintf(failure.stage, sizeof failure.stage, "%s", stage);
  snprintf(failure.path, sizeof failure.path, "%s", path == NULL ? "" : path);
  if (write(pipe_fd, &failure, sizeof failure) < 0) { /* the parent reports a lost child */ }
  _exit(error == ENOENT ? 127 : 126);
}

static void exec_path(const char* path, char** argv, char** envp) {
  execve(path, argv, envp);
  if (errno != ENOEXEC) return;
  /* A file without #!: run by the shell, as execvp does. */
  int argc = 0;
  while (argv[argc] != NULL) argc++;
  char** with_shell = calloc((size_t)argc + 2, sizeof(char*));
  if (with_shell == NULL) return;
  with_shell[0] = (char*)"/bin/sh";
  with_shell[1] = (char*)path;
  for (int i = 1; i <= argc; i++) with_shell[i + 1] = argv[i];
  execve("/bin/sh", with_shell, envp);
  errno = ENOEXEC;
}

/* execvp's search with the child's PATH; returns only on failure, telling which. */
static void exec_searching(int pipe_fd, const char* file, char** argv, char** envp) {
  if (strchr(file, '/') != NULL) {
    exec_path(file, argv, envp);
    int error = errno;
    /* ENOENT for a file that is there: its #! interpreter is missing. */
    if (error == ENOENT && access(file, F_OK) == 0) child_fail(pipe_fd, "interpreter", error, file);
    child_fail(pipe_fd, "program", error, file);
  }
  const char* path = "/usr/bin:/bin";
  for (char** entry = envp; *entry != NULL; entry++) {
    if (strncmp(*entry, "PATH=", 5) == 0) {
      path = *entry + 5;
      break;
    }
  }
  int denied = 0;
  char denied_path[PATH_MAX] = "";
  size_t file_length = strlen(file);
  for (const char* start = path;;) {
    const char* stop = strchr(start, ':');
    size_t dir_length = stop == NULL ? strlen(start) : (size_t)(stop - start);
    char candidate[PATH_MAX];
    if (dir_length + file_length + 2 <= sizeof candidate) {
      if (dir_length == 0) memcpy(candidate, file, file_length + 1);
      else {
        memcpy(candidate, start, dir_length);
        candidate[dir_length] = '/';
        memcpy(candidate + dir_length + 1, file, file_length + 1);
      }
      exec_path(candidate, argv, envp);
      int error = errno;
      if (error == EACCES) {
        if (!denied) snprintf(denied_path, sizeof denied_path, "%s", candidate);
        denied = 1;
      } else if (error == ENOENT && access(candidate, F_OK) == 0) {
        child_fail(pipe_fd, "interpreter", error, candidate);
      } else if (error != ENOENT && error != ENOTDIR && error != ESTALE && error != ENODEV && error != ETIMEDOUT) {
        child_fail(pipe_fd, "program", error, candidate);
      }
    }
    if (stop == NULL) break;
    start = stop + 1;
  }
  if (denied) child_fail(pipe_fd, "program", EACCES, denied_path);
  child_fail(pipe_fd, "program", ENOENT, file);
}

typedef struct {
  const char* file;
  char** argv;
  char** envp;
  const char* cwd;
  const char** cgroups;
  int cgroup_count;
  int pipe_stdin;
  unsigned rows, cols;
} spawn_spec;

static void close_from(int first, int keep) {
  if (keep >= first) {
    if (keep > first && syscall(SYS_close_range, first, keep - 1, 0) != 0)
      for (int fd = first; fd < keep; fd++) close(fd);
    first = keep + 1;
  }
  if (syscall(SYS_close_range, first, ~0U, 0) != 0) {
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = first; fd < max; fd++) close(fd);
  }
}

static void spawn_child(const spawn_spec* spec) {
  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, exec_pipe[2];
  int master = -1;
  char slave_path[PATH_MAX] = "";
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) report_failure("spawn", errno, "pipe2");
  if (spec->rows > 0) {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 ||
        ptsname_r(master, slave_path, sizeof slave_path) != 0)
      report_failure("terminal", errno, "/dev/ptmx");
    struct winsize size = {.ws_row = (unsigned short)spec->rows, .ws_col = (unsigned short)spec->cols};
    ioctl(master, TIOCSWINSZ, &size);
  } else {
    if ((spec->pipe_stdin && pipe2(in_pipe, O_CLOEXEC) != 0) || pipe2(out_pipe, O_CLOEXEC) != 0 ||
        pipe2(err_pipe, O_CLOEXEC) != 0)
      report_failure("spawn", errno, "pipe2");
  }
  pid_t pid = fork();
  if (pid < 0) report_failure("spawn", errno, "fork");
  if (pid == 0) {
    int fail_fd = exec_pipe[1];
    setsid();
    if (master >= 0) {
      int slave = open(slave_path, O_RDWR);
      if (slave < 0) child_fail(fail_fd, "terminal", errno, slave_path);
      ioctl(slave, TIOCSCTTY, 0);
      if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) child_fail(fail_fd, "terminal", errno, slave_path);
    } else {
      int null_fd = spec->pipe_stdin ? in_pipe[0] : open("/dev/null", O_RDONLY);
      if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_pipe[1], 1) < 0 || dup2(err_pipe[1], 2) < 0)
        child_fail(fail_fd, "spawn", errno, "dup2");
    }
    close_from(3, fail_fd);
    for (int i = 0; i < spec->cgroup_count; i++) {
      int fd = open(spec->cgroups[i], O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write(fd, "0", 1) != 1) child_fail(fail_fd, "cgroup", errno, spec->cgroups[i]);
      close(fd);
    }
    if (spec->cwd != NULL && chdir(spec->cwd) != 0) child_fail(fail_fd, "cwd", errno, spec->cwd);
    /* Default dispositions and an empty mask: the holder's ignore SIGPIPE and block SIGCHLD. */
    struct sigaction defaults = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < NSIG; sig++) if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &defaults, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    exec_searching(fail_fd, spec->file, spec->argv, spec->envp);
  }
  close(exec_pipe[1]);
  /* Nothing before EOF: the exec succeeded (the pipe closed on exec). */
  spawn_failure failure;
  size_t got = 0;
  for (;;) {
    ssize_t n = read(exec_pipe[0], (char*)&failure + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
    if (got == sizeof failure) break;
  }
  close(exec_pipe[0]);
  if (got == sizeof failure) {
    waitpid(pid, NULL, 0);
    report_failure(failure.stage, failure.error, failure.path);
  }
  child = pid;
  if (master >= 0) {
    is_pty = 1;
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    out_fds[0] = master;
    stdin_fd = master;
  } else {
    if (spec->pipe_stdin) {
      close(in_pipe[0]);
      stdin_fd = in_pipe[1];
      fcntl(stdin_fd, F_SETFL, fcntl(stdin_fd, F_GETFL) | O_NONBLOCK);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    out_fds[0] = out_pipe[0];
    out_fds[1] = err_pipe[0];
    for (int i = 0; i < 2; i++) {
      fcntl(out_fds[i], F_SETFL, fcntl(out_fds[i], F_GETFL) | O_NONBLOCK);
      fcntl(out_fds[i], F_SETPIPE_SZ, PIPE_BYTES);
    }
  }
}

/* Binds and listens on `address` (umask 077); 0, or the errno (reported as a start failure when not yet started). */
static int listen_on(const struct sockaddr_un* address) {
  listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  mode_t mask = umask(077);
  int bound = listen_fd >= 0 ? bind(listen_fd, (const struct sockaddr*)address, sizeof *address) : -1;
  umask(mask);
  if (bound != 0 || listen(listen_fd, 8) != 0) {
    int error = errno;
    if (child < 0) report_failure("socket", error, socket_path);
    if (listen_fd >= 0) close(listen_fd);
    listen_fd = -1;
    return error;
  }
  struct stat st;
  if (stat(socket_path, &st) == 0) socket_inode = st.st_ino;
  return 0;
}

static char** read_environment(void) {
  bytes_t all = {0};
  for (;;) {
    if (bytes_reserve(&all, 65536) != 0) report_failure("usage", ENOMEM, "environment");
    ssize_t n = read(0, all.data + all.length, all.capacity - all.length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    all.length += (size_t)n;
  }
  size_t count = 0;
  for (size_t i = 0; i < all.length; i++) if (all.data[i] == 0) count++;
  char** envp = calloc(count + 1, sizeof(char*));
  if (envp == NULL) report_failure("usage", ENOMEM, "environment");
  size_t start = 0, k = 0;
  for (size_t i = 0; i < all.length; i++) {
    if (all.data[i] != 0) continue;
    envp[k++] = (char*)all.data + start;
    start = i + 1;
  }
  return envp;
}

static long long number_arg(const char* text, long long min) {
  char* stop = NULL;
  errno = 0;
  long long value = strtoll(text == NULL ? "" : text, &stop, 10);
  if (text == NULL || errno != 0 || stop == text || *stop != '\0' || value < min) report_failure("usage", EINVAL, text);
  return value;
}

int main(int argc, char** argv) {
  spawn_spec spec = {0};
  spec.cgroups = calloc((size_t)argc, sizeof(char*));
  remove_paths = calloc((size_t)argc, sizeof(char*));
  int i = 1;
  for (; i < argc; i++) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--") == 0) { i++; break; }
    if (strcmp(a, "--stdin") == 0) { spec.pipe_stdin = 1; continue; }
    if (v == NULL) report_failure("usage", EINVAL, a);
    if (strcmp(a, "--socket") == 0) socket_path = v;
    else if (strcmp(a, "--connection-fd") == 0) connection_fd = (int)number_arg(v, 0);
    else if (strcmp(a, "--ring-bytes") == 0) ring_size = (uint64_t)number_arg(v, 1);
    else if (strcmp(a, "--orphan-ttl-ms") == 0) orphan_ttl_ms = number_arg(v, 0);
    else if (strcmp(a, "--kill-grace-ms") == 0) kill_grace_ms = number_arg(v, 0);
    else if (strcmp(a, "--linger-ms") == 0) linger_ms = number_arg(v, 0);
    else if (strcmp(a, "--stdin-backlog-bytes") == 0) stdin_backlog_max = (size_t)number_arg(v, 1);
    else if (strcmp(a, "--cwd") == 0) spec.cwd = v;
    else if (strcmp(a, "--file") == 0) spec.file = v;
    else if (strcmp(a, "--cgroup") == 0) spec.cgroups[spec.cgroup_count++] = v;
    else if (strcmp(a, "--remove-on-exit") == 0) remove_paths[remove_count++] = v;
    else if (strcmp(a, "--pty") == 0) {
      spec.rows = (unsigned)number_arg(v, 1);
      spec.cols = (unsigned)number_arg(i + 2 < argc ? argv[i + 2] : NULL, 1);
      i++;
    } else report_failure("usage", EINVAL, a);
    i++;
  }
  if (socket_path == NULL || i >= argc) report_failure("usage", EINVAL, "--socket PATH ... -- ARGV...");
  spec.argv = argv + i;
  if (spec.file == NULL) spec.file = spec.argv[0];
  if (spec.file[0] == '\0') report_failure("program", ENOENT, "");
  if (connection_fd >= 0 && fcntl(connection_fd, F_SETFD, FD_CLOEXEC) != 0) {
    connection_fd = -1;
    report_failure("usage", EBADF, "--connection-fd");
  }
  spec.envp = read_environment();
  if (connection_fd < 0) {
    /*
     * Started to be attached later: not the starter's child (the process it
     * started exits at once, so nothing of the starter waits on the holder),
     * and the holder, reparented, reports on the same stdout.
     */
    pid_t daemon = fork();
    if (daemon < 0) report_failure("spawn", errno, "fork");
    if (daemon > 0) _exit(0);
  }

  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGCHLD);
  sigaddset(&watched, SIGTERM);
  sigprocmask(SIG_BLOCK, &watched, NULL);
  signal_fd = signalfd(-1, &watched, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd < 0) report_failure("spawn", errno, "signalfd");
  /* A session of its own: the end of the server's session or group does not reach it. */
  setsid();

  /* The ring in a memfd: an attached server that asks maps it and reads the bytes there itself. */
  ring_fd = memfd_create("exec-server-holder-ring", MFD_CLOEXEC);
  if (ring_fd >= 0 && ftruncate(ring_fd, (off_t)ring_size) == 0) {
    ring = mmap(NULL, ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd, 0);
    if (ring == MAP_FAILED) ring = NULL;
  }
  if (ring == NULL) {
    if (ring_fd >= 0) close(ring_fd);
    ring_fd = -1;
    ring = malloc(ring_size);
  }
  if (ring == NULL) report_failure("usage", ENOMEM, "--ring-bytes");
  for (int p = 0; p < MAX_PEERS; p++) peers[p].fd = -1;

  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof address.sun_path) report_failure("socket", ENAMETOOLONG, socket_path);
  strcpy(address.sun_path, socket_path);
  /* Bound before the start only for a holder started to be attached later: its start line says it can be. */
  if (connection_fd < 0) listen_on(&address);

  spawn_child(&spec);
  if (connection_fd >= 0) {
    /* The starting server's connection, attached at once from 0: the first byte needs no connect or HELLO. */
    fcntl(connection_fd, F_SETFL, fcntl(connection_fd, F_GETFL) | O_NONBLOCK);
    int send_buffer = SOCKET_SEND_BYTES;
    setsockopt(connection_fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
    peers[0].fd = connection_fd;
    peers[0].hello_deadline = -1;
    attach_peer(0, HELLO_SHARED, 0);
    write_peer(0);
    /* Off the first byte's path: the name later servers attach by. */
    int error = listen_on(&address);
    if (peers[0].fd >= 0) {
      uint8_t* p = frame_begin(&peers[0], E_LISTENING, 4);
      if (p != NULL) put32(p, (uint32_t)error);
      write_peer(0);
    }
  } else {
    dprintf(1, "ready %d %d\n", (int)getpid(), (int)child);
  }
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    if (null_fd > 2) close(null_fd);
  }
  orphan_deadline = now_ms() + orphan_ttl_ms;

  struct pollfd fds[5 + MAX_PEERS];
  for (;;) {
    int64_t now = now_ms();
    if (exited && !exit_reported && (!output_open() || (flush_deadline >= 0 && now >= flush_deadline))) report_exit();
    if (exit_reported && !output_open()) output_closed = 1;
    pack_events();
    /* Everything delivered and acknowledged, even by a server that left right after its last ACK. */
    if (attached >= 0 && closed_sent && bytes_pending(&peers[attached].out) == 0) closed_delivered = 1;
    if (output_closed && closed_delivered && ack_pos >= end_pos) {
      if (linger_ms < 0) finish(0);
      /* Done and delivered: kept for the next server only while none is attached for linger_ms. */
      if (orphan_ttl_ms != linger_ms) {
        orphan_ttl_ms = linger_ms;
        orphan_deadline = now + linger_ms;
      }
    }
    if (attached < 0 && now >= orphan_deadline) begin_ending();
    if (ending && kill_at >= 0 && now >= kill_at) {
      signal_group(SIGKILL);
      kill_at = -1;
    }
    if (ending && exited && !group_exists()) finish(0);

    int n = 0;
    int64_t deadline = -1;
#define SOONER(t) do { if ((t) >= 0 && (deadline < 0 || (t) < deadline)) deadline = (t); } while (0)
    fds[n++] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = signal_fd, .events = POLLIN};
    size_t room = readable_room(now);
    if (room == 0 && !held()) SOONER(lap_resume_at);
    for (int k = 0; k < 2; k++) {
      int reading = out_fds[k] >= 0 && room > 0;
      int writing = k == 0 && is_pty && stdin_fd >= 0 && bytes_pending(&stdin_backlog) > 0;
      fds[n++] = (struct pollfd){.fd = reading || writing ? out_fds[k] : -1,
                                 .events = (short)((reading ? POLLIN : 0) | (writing ? POLLOUT : 0))};
    }
    int pipe_writing = !is_pty && stdin_fd >= 0 && bytes_pending(&stdin_backlog) > 0;
    fds[n++] = (struct pollfd){.fd = pipe_writing ? stdin_fd : -1, .events = POLLOUT};
    for (int p = 0; p < MAX_PEERS; p++) {
      peer_t* peer = &peers[p];
      short events = 0;
      if (peer->fd >= 0) {
        if (bytes_pending(&peer->out) < OUT_HIGH && !peer->closing) events |= POLLIN;
        if (bytes_pending(&peer->out) > 0) events |= POLLOUT;
        if (!peer->attached) SOONER(peer->hello_deadline);
      }
      fds[n++] = (struct pollfd){.fd = peer->fd >= 0 ? peer->fd : -1, .events = events};
    }
    if (attached < 0 && !ending) SOONER(orphan_deadline);
    if (exited && !exit_reported) {
      if (flush_deadline < 0 && room > 0) flush_deadline = now + EXIT_FLUSH_MS;
      if (room == 0) flush_deadline = -1;
      SOONER(flush_deadline);
    }
    if (ending) SOONER(kill_at >= 0 ? kill_at : now + 50);
    int timeout = deadline < 0 ? -1 : deadline <= now ? 0 : (int)(deadline - now);
    if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR) finish(1);
    now = now_ms();

    if (fds[1].revents) {
      struct signalfd_siginfo info;
      while (read(signal_fd, &info, sizeof info) == (ssize_t)sizeof info) {
        if (info.ssi_signo == SIGTERM) begin_ending();
      }
      reap();
    }
    for (int k = 0; k < 2; k++) {
      short revents = fds[2 + k].revents;
      if (revents & POLLOUT) flush_stdin();
      if (out_fds[k] >= 0 && (revents & (POLLIN | POLLHUP | POLLERR))) {
        /* A few reads per turn, so one busy stream does not starve the socket. */
        for (int r = 0; r < 4 && out_fds[k] >= 0 && read_output(k, now) && readable_room(now) > 0; r++) {
          struct pollfd again = {.fd = out_fds[k], .events = POLLIN};
          if (poll(&again, 1, 0) <= 0) break;
        }
      }
    }
    if (fds[4].revents) flush_stdin();
    for (int p = 0; p < MAX_PEERS; p++) {
      short revents = fds[5 + p].revents;
      if (peers[p].fd < 0) continue;
      if (revents & POLLOUT) write_peer(p);
      if (peers[p].fd >= 0 && (revents & (POLLIN | POLLHUP | POLLERR))) read_peer(p);
      if (peers[p].fd >= 0 && !peers[p].attached && peers[p].hello_deadline >= 0 && now >= peers[p].hello_deadline)
        peer_close(p);
    }
    if (fds[0].revents) accept_peers();
    pack_events();
    for (int p = 0; p < MAX_PEERS; p++) if (peers[p].fd >= 0 && bytes_pending(&peers[p].out) > 0) write_peer(p);
  }
}
