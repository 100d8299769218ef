/*
 * runloop-agent: the one program of runloop-local that runs inside a devbox.
 * Built static (no libc of the devbox's image is needed), from this file
 * only, by ../static-binary.ts. Its host-side parent is the launcher
 * (../launcher/launcher.c).
 *
 *   runloop-agent init          PID 1 of a devbox. Reads requests on fd 0,
 *                               writes events on fd 1 (pipes the server holds),
 *                               spawns and reaps commands, forwards their I/O.
 *
 * Why an agent at all: a command entered through a host process (nsenter,
 * `runc exec`) is briefly a host binary inside the devbox, where devbox root
 * may reach it through /proc/<pid>/exe. Here every command is forked by a
 * process that already lives inside, from a copy of this file that the devbox
 * cannot write, and that is not dumpable (no ptrace, no /proc/1/mem or fd).
 *
 * The server is trusted, the devbox is not: nothing a devbox process does
 * reaches this program except through the kernel (signals it ignores as PID 1,
 * its children's pipes and exits).
 *
 * Wire format, both directions: frames of
 *   u32 body length (little endian) | u8 type | u32 id | body
 * Requests: SPAWN, STDIN (empty body = close), SIGNAL (u32 signo, to the group),
 * CREDIT (u32 bytes: the server took that much of the command's output).
 * Flow control is per command: the agent sends at most WINDOW bytes of a
 * command's output beyond what the server has credited back, so a slow
 * reader of one command (a file download to a slow client) holds back that
 * command only, and the server never buffers more than a window of it.
 * Events: READY, STARTED (u32 pid), FAILED (i32 errno, text), STDOUT, STDERR,
 * EOF (u8 stream), EXIT (i32 wait status), GONE (group empty after exit).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { REQ_SPAWN = 1, REQ_STDIN = 2, REQ_SIGNAL = 3, REQ_CREDIT = 4 };
enum { EV_READY = 1, EV_STARTED = 2, EV_FAILED = 3, EV_STDOUT = 4, EV_STDERR = 5, EV_EOF = 6, EV_EXIT = 7, EV_GONE = 8 };

#define HEADER 9
#define MAX_FRAME (16u << 20)    /* a spawn carries argv + env: bounded well above ARG_MAX */
#define OUT_HIGH (1u << 20)      /* stop reading command output while this much waits for the server */
#define WINDOW (1u << 20)        /* a command's output in flight before the server credits it back */
#define STDIN_HIGH (1u << 20)    /* stop reading requests while a command's stdin holds this much */
#define CHUNK (1 << 18)
#define MAX_COMMANDS 4096
#define GROUP_POLL_MS 20
/* After a read that drained a busy command's pipe (one read before it within BUSY_NS), leave that
 * pipe alone for COALESCE_NS: the command's small writes (stdio flushes 4 KiB at a time) then pile
 * up in the pipe and go out as one frame instead of one frame (and one wake-up of us and of the
 * server) each. Only while the read found the pipe less than half full, so the writer never
 * waits on us (the pipe holds 256 KiB where the kernel allows, milliseconds of a fast writer).
 * Output that comes now and then (a prompt, a progress line, `echo`'s only line and its EOF) is
 * never held back, and nothing is once the command has exited. */
#define COALESCE_NS 1000000LL
#define BUSY_NS 10000000LL

struct buf {
  char *data;
  size_t len, cap;
};

struct command {
  uint32_t id;
  pid_t pid;          /* also its process group and session */
  int out, err, in;   /* our ends; -1 once closed */
  struct buf pending; /* stdin not yet written */
  int stdin_close;    /* close `in` once pending drains */
  uint64_t credit;    /* output bytes we may still send */
  int64_t quiet_until[2]; /* per output (stdout, stderr): not read before this CLOCK_MONOTONIC ns */
  int64_t last_read[2];   /* per output: when it was last read (CLOCK_MONOTONIC ns) */
  size_t pipe_size[2];    /* per output: the pipe's capacity */
  int exited;
  int used;
};

static struct command commands[MAX_COMMANDS];
/* One past the highest slot in use: loops stop here instead of scanning every slot. */
static int slots_end;
static struct buf to_server, from_server;
static int ctl_in = 0, ctl_out = 1;

static void die(const char *what) {
  dprintf(2, "runloop-agent: %s: %s\n", what, strerror(errno));
  _exit(111);
}

static void buf_reserve(struct buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + extra) cap *= 2;
  char *data = realloc(b->data, cap);
  if (!data) die("out of memory");
  b->data = data;
  b->cap = cap;
}

static void buf_append(struct buf *b, const void *data, size_t len) {
  buf_reserve(b, len);
  memcpy(b->data + b->len, data, len);
  b->len += len;
}

static void buf_consume(struct buf *b, size_t len) {
  memmove(b->data, b->data + len, b->len - len);
  b->len -= len;
}

static void put_u32(char *p, uint32_t v) {
  p[0] = (char)v, p[1] = (char)(v >> 8), p[2] = (char)(v >> 16), p[3] = (char)(v >> 24);
}

static uint32_t get_u32(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

static void emit(uint8_t type, uint32_t id, const void *body, size_t len) {
  char header[HEADER];
  put_u32(header, (uint32_t)len);
  header[4] = (char)type;
  put_u32(header + 5, id);
  buf_append(&to_server, header, HEADER);
  if (len) buf_append(&to_server, body, len);
}

static void emit_u32(uint8_t type, uint32_t id, uint32_t value) {
  char body[4];
  put_u32(body, value);
  emit(type, id, body, 4);
}

static void emit_failed(uint32_t id, int error, const char *what) {
  char body[512];
  put_u32(body, (uint32_t)error);
  int n = snprintf(body + 4, sizeof body - 4, "%s: %s", what, strerror(error));
  emit(EV_FAILED, id, body, 4 + (size_t)(n < 0 ? 0 : n));
}

/* Blocks until everything queued for the server is written (used only at exit). */
static void flush_all(void) {
  while (to_server.len) {
    ssize_t n = write(ctl_out, to_server.data, to_server.len);
    if (n < 0 && errno == EAGAIN) {
      struct pollfd p = {ctl_out, POLLOUT, 0};
      poll(&p, 1, 1000);
      continue;
    }
    if (n <= 0) return;
    buf_consume(&to_server, (size_t)n);
  }
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void set_nonblock(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) die("fcntl");
}

static struct command *find(uint32_t id) {
  for (int i = 0; i < slots_end; i++)
    if (commands[i].used && commands[i].id == id) return &commands[i];
  return NULL;
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void release_if_done(struct command *c) {
  if (!c->exited || c->out >= 0 || c->err >= 0) return;
  /* Members of the group may outlive the leader; GONE waits for the last. */
  if (kill(-c->pid, 0) == 0 || errno == EPERM) return;
  emit(EV_GONE, c->id, NULL, 0);
  close_fd(&c->in);
  free(c->pending.data);
  memset(c, 0, sizeof *c);
  while (slots_end > 0 && !commands[slots_end - 1].used) slots_end--;
}

/* In the child: become the command. Any failure goes back through `status` (CLOEXEC). */
static void exec_child(int status, int in, int out, int err, uint32_t uid, uint32_t gid, const char *cwd, char **argv,
                       char **envp) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
  const char *step = "setsid";
  if (setsid() < 0) goto fail;
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
    step = "dup2";
    goto fail;
  }
  /* Everything else (our control pipes, other commands' pipes) must not leak into the command. */
  for (int fd = 3; fd < 1024; fd++)
    if (fd != status) close(fd);
  gid_t groups[1] = {(gid_t)gid};
  step = "setgroups";
  if (setgroups(1, groups) < 0) goto fail;
  step = "setgid";
  if (setgid((gid_t)gid) < 0) goto fail;
  step = "setuid";
  if (setuid((uid_t)uid) < 0) goto fail;
  step = "chdir";
  if (chdir(cwd) < 0) goto fail;
  step = "exec";
  execve(argv[0], argv, envp);
fail:;
  int error = errno;
  char msg[64];
  put_u32(msg, (uint32_t)error);
  size_t n = strlen(step);
  memcpy(msg + 4, step, n);
  (void)!write(status, msg, 4 + n);
  _exit(127);
}

/* Splits `count` NUL-terminated strings from [p, end) into a NULL-terminated vector. */
static char **split_strings(char **p, const char *end, uint32_t count) {
  if (count > (1u << 20)) return NULL;
  char **vec = calloc((size_t)count + 1, sizeof(char *));
  if (!vec) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    char *nul = memchr(*p, 0, (size_t)(end - *p));
    if (!nul) {
      free(vec);
      return NULL;
    }
    vec[i] = *p;
    *p = nul + 1;
  }
  return vec;
}

/* SPAWN body: u32 uid | u32 gid | u32 argc | u32 envc | cwd\0 | argv\0… | env\0… */
static void spawn_command(uint32_t id, char *body, uint32_t len) {
  if (len < 16 || body[len - 1] != 0) return emit_failed(id, EINVAL, "malformed spawn");
  uint32_t uid = get_u32(body), gid = get_u32(body + 4), argc = get_u32(body + 8), envc = get_u32(body + 12);
  char *p = body + 16, *end = body + len;
  char *cwd = p;
  p += strlen(cwd) + 1;
  if (p > end || argc == 0) return emit_failed(id, EINVAL, "malformed spawn");
  char **argv = split_strings(&p, end, argc);
  char **envp = argv ? split_strings(&p, end, envc) : NULL;
  struct command *slot = NULL;
  for (int i = 0; i < MAX_COMMANDS && !slot; i++)
    if (!commands[i].used) slot = &commands[i];
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, status[2] = {-1, -1};
  if (!argv || !envp) {
    emit_failed(id, EINVAL, "malformed spawn");
  } else if (!slot || find(id)) {
    emit_failed(id, EAGAIN, "too many commands");
  } else if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
             pipe2(status, O_CLOEXEC) < 0) {
    emit_failed(id, errno, "pipe");
  } else {
    pid_t pid = fork();
    if (pid == 0) exec_child(status[1], in[0], out[1], err[1], uid, gid, cwd, argv, envp);
    if (pid < 0) {
      emit_failed(id, errno, "fork");
    } else {
      close_fd(&status[1]);
      char msg[64];
      ssize_t n;
      do n = read(status[0], msg, sizeof msg);
      while (n < 0 && errno == EINTR);
      if (n >= 4) {
        msg[n < (ssize_t)sizeof msg ? n : (ssize_t)sizeof msg - 1] = 0;
        emit_failed(id, (int)get_u32(msg), msg + 4);
        waitpid(pid, NULL, 0);
      } else {
        *slot = (struct command){.id = id, .pid = pid, .in = in[1], .out = out[0], .err = err[0], .used = 1, .credit = WINDOW};
        if (slot - commands >= slots_end) slots_end = (int)(slot - commands) + 1;
        in[1] = out[0] = err[0] = -1;
        /* Larger pipes: fewer wake-ups per megabyte of output (best effort: remember what we got). */
        int *outputs[2] = {&slot->out, &slot->err};
        for (int s = 0; s < 2; s++) {
          int size = fcntl(*outputs[s], F_SETPIPE_SZ, 1 << 18);
          if (size < 0) size = fcntl(*outputs[s], F_GETPIPE_SZ);
          slot->pipe_size[s] = size > 0 ? (size_t)size : 4096;
        }
        set_nonblock(slot->in);
        set_nonblock(slot->out);
        set_nonblock(slot->err);
        emit_u32(EV_STARTED, id, (uint32_t)pid);
      }
    }
  }
  int *fds[] = {&in[0], &in[1], &out[0], &out[1], &err[0], &err[1], &status[0], &status[1]};
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++) close_fd(fds[i]);
  free(argv);
  free(envp);
}

static void write_stdin(struct command *c) {
  while (c->in >= 0 && c->pending.len) {
    ssize_t n = write(c->in, c->pending.data, c->pending.len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) { /* EPIPE: the command stopped reading; drop what it will never read */
      c->pending.len = 0;
      close_fd(&c->in);
      return;
    }
    buf_consume(&c->pending, (size_t)n);
  }
  if (c->stdin_close && !c->pending.len) close_fd(&c->in);
}

static void handle_request(uint8_t type, uint32_t id, char *body, uint32_t len) {
  struct command *c = type == REQ_SPAWN ? NULL : find(id);
  switch (type) {
  case REQ_SPAWN:
    spawn_command(id, body, len);
    break;
  case REQ_STDIN:
    if (!c || c->in < 0) break;
    if (len == 0) c->stdin_close = 1;
    else buf_append(&c->pending, body, len);
    write_stdin(c);
    break;
  case REQ_SIGNAL:
    if (c && len == 4) kill(-c->pid, (int)get_u32(body));
    break;
  case REQ_CREDIT:
    if (c && len == 4) c->credit += get_u32(body);
    break;
  }
}

static int stdin_backlog(void) {
  for (int i = 0; i < slots_end; i++)
    if (commands[i].used && commands[i].pending.len >= STDIN_HIGH) return 1;
  return 0;
}

/* Reads requests; returns 0 once the server is gone. */
static int read_requests(void) {
  buf_reserve(&from_server, CHUNK);
  ssize_t n = read(ctl_in, from_server.data + from_server.len, from_server.cap - from_server.len);
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (n == 0) return 0;
  from_server.len += (size_t)n;
  while (from_server.len >= HEADER) {
    uint32_t len = get_u32(from_server.data);
    if (len > MAX_FRAME) return 0; /* a desynchronised stream cannot be trusted further */
    if (from_server.len < HEADER + len) {
      buf_reserve(&from_server, HEADER + len - from_server.len);
      break;
    }
    /* NUL-terminate in place for string parsing: one spare byte past the frame. */
    buf_reserve(&from_server, 1);
    char saved = from_server.data[HEADER + len];
    from_server.data[HEADER + len] = 0;
    handle_request((uint8_t)from_server.data[4], get_u32(from_server.data + 5), from_server.data + HEADER, len);
    from_server.data[HEADER + len] = saved;
    buf_consume(&from_server, HEADER + len);
  }
  return 1;
}

static void read_output(struct command *c, int *fd, uint8_t type, uint8_t stream) {
  /* Read straight into the outgoing buffer behind a header filled in afterwards: no copy. */
  if (c->credit == 0) return; /* the other stream of this command used it up in this round */
  size_t want = c->credit < CHUNK ? (size_t)c->credit : CHUNK;
  buf_reserve(&to_server, HEADER + want);
  char *header = to_server.data + to_server.len;
  ssize_t n = read(*fd, header + HEADER, want);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n > 0) {
    /* Drained a busy pipe: let more gather before the next read (see COALESCE_NS). A full read
     * leaves more behind; an exited command writes no more (reap() ends its quiet). */
    int64_t now = now_ns();
    if ((size_t)n < want && (size_t)n < c->pipe_size[stream - 1] / 2 && !c->exited &&
        now - c->last_read[stream - 1] < BUSY_NS)
      c->quiet_until[stream - 1] = now + COALESCE_NS;
    c->last_read[stream - 1] = now;
    c->credit -= (uint64_t)n;
    put_u32(header, (uint32_t)n);
    header[4] = (char)type;
    put_u32(header + 5, c->id);
    to_server.len += HEADER + (size_t)n;
    return;
  }
  close_fd(fd);
  emit(EV_EOF, c->id, &stream, 1);
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int i = 0; i < slots_end; i++) {
      if (commands[i].used && commands[i].pid == pid) {
        commands[i].exited = 1;
        /* What is left in its pipes (and their EOF) goes out now, not after a quiet period. */
        commands[i].quiet_until[0] = commands[i].quiet_until[1] = 0;
        emit_u32(EV_EXIT, commands[i].id, (uint32_t)status);
      }
    }
  }
}

static int init_main(void) {
  if (getpid() != 1) {
    dprintf(2, "runloop-agent: init must run as PID 1 of a devbox\n");
    return 2;
  }
  /* Not dumpable: devbox processes of the same uid cannot ptrace us or open /proc/1/{mem,fd,exe}. */
  prctl(PR_SET_DUMPABLE, 0);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) die("signalfd");
  signal(SIGPIPE, SIG_IGN);
  fcntl(ctl_in, F_SETFD, FD_CLOEXEC);
  fcntl(ctl_out, F_SETFD, FD_CLOEXEC);
  set_nonblock(ctl_in);
  set_nonblock(ctl_out);
  fcntl(ctl_out, F_SETPIPE_SZ, 1 << 20);
  const char *shell = access("/bin/bash", X_OK) == 0 ? "bash" : "sh";
  emit(EV_READY, 0, shell, strlen(shell));

  struct pollfd fds[3 + 3 * MAX_COMMANDS];
  struct command *owner[3 + 3 * MAX_COMMANDS];
  for (;;) {
    int nfds = 0, pending_groups = 0;
    fds[nfds++] = (struct pollfd){sfd, POLLIN, 0};
    fds[nfds++] = (struct pollfd){ctl_out, to_server.len ? POLLOUT : 0, 0};
    int ctl_slot = -1;
    if (!stdin_backlog()) {
      ctl_slot = nfds;
      fds[nfds++] = (struct pollfd){ctl_in, POLLIN, 0};
    }
    int room = to_server.len < OUT_HIGH;
    int64_t now = now_ns(), wake = -1; /* the earliest quiet_until still ahead, -1 if none */
    for (int i = 0; i < slots_end; i++) {
      struct command *c = &commands[i];
      if (!c->used) continue;
      if (c->exited && c->out < 0 && c->err < 0) pending_groups = 1;
      int readable = room && c->credit > 0;
      int *outputs[2] = {&c->out, &c->err};
      for (int s = 0; s < 2; s++) {
        if (!readable || *outputs[s] < 0) continue;
        if (c->quiet_until[s] > now) {
          if (wake < 0 || c->quiet_until[s] < wake) wake = c->quiet_until[s];
          continue;
        }
        owner[nfds] = c, fds[nfds++] = (struct pollfd){*outputs[s], POLLIN, 0};
      }
      if (c->in >= 0 && c->pending.len) owner[nfds] = c, fds[nfds++] = (struct pollfd){c->in, POLLOUT, 0};
    }
    int64_t timeout = pending_groups ? GROUP_POLL_MS * 1000000LL : -1;
    if (wake >= 0 && (timeout < 0 || wake - now < timeout)) timeout = wake - now;
    struct timespec ts = {(time_t)(timeout / 1000000000LL), (long)(timeout % 1000000000LL)};
    if (ppoll(fds, (nfds_t)nfds, timeout < 0 ? NULL : &ts, NULL) < 0 && errno != EINTR) die("ppoll");
    if (fds[0].revents) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) > 0) {
      }
      reap();
    }
    for (int i = ctl_slot < 0 ? 2 : 3; i < nfds; i++) {
      struct command *c = owner[i];
      if (!fds[i].revents) continue;
      if (fds[i].fd == c->out) read_output(c, &c->out, EV_STDOUT, 1);
      else if (fds[i].fd == c->err) read_output(c, &c->err, EV_STDERR, 2);
      else if (fds[i].fd == c->in) {
        if (fds[i].revents & (POLLERR | POLLHUP)) c->pending.len = 0, close_fd(&c->in);
        else write_stdin(c);
      }
    }
    if (ctl_slot >= 0 && fds[ctl_slot].revents && !read_requests()) break;
    for (int i = 0; i < slots_end; i++)
      if (commands[i].used) release_if_done(&commands[i]);
    while (to_server.len) {
      ssize_t n = write(ctl_out, to_server.data, to_server.len);
      if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        goto server_gone;
      }
      buf_consume(&to_server, (size_t)n);
    }
  }
server_gone:
  /* The server is gone or hung up on us: a devbox nobody can reach ends here (PID 1 exiting ends them all). */
  flush_all();
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "init") == 0) return init_main();
  dprintf(2, "usage: runloop-agent init\n");
  return 2;
}
