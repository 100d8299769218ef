/*
 * runloop-launcher: starts one devbox and stays as its host-side parent.
 * Host only: it is never inside a devbox (the agent is). Built static from
 * this file by ../agent/binary.ts, like the agent. See README.md beside it.
 *
 *   runloop-launcher [OPTIONS] -- OCI-RUNTIME [ARGS...]
 *
 *   --disk IMAGE       the devbox's ext4 disk image: made with mkfs.ext4 when
 *                      missing (--disk-bytes, root dir owned by --disk-owner),
 *                      loop-mounted nosuid,nodev,noexec at --disk-mount (unless
 *                      mounted already), `upper` and `work` made in it; it is
 *                      unmounted when the devbox ends
 *   --join FILE        a cgroup.procs file the devbox joins (repeatable;
 *                      written before the OCI runtime runs, so the devbox is
 *                      born in its groups, which the server made and limited)
 *   --hide DIR         unmounted in the runtime's private mount namespace
 *                      (hybrid hosts: crun refuses to run while it sees the
 *                      v2 tree next to the v1 controllers)
 *   --bundle DIR       the OCI bundle: config.json, rootfs/ (mount point),
 *                      and the links upper, work, layers/N of the overlay
 *   --lower LIST       overlayfs lowerdir, relative to the bundle
 *   --pid-file FILE    where the OCI runtime writes the init's host pid
 *   --userns NAME=N    a user.* sysctl set inside the devbox's user namespace
 *                      by host root (repeatable)
 *   --net-join FILE    the network helper's cgroup.procs (the devbox's v2 group)
 *   --net ARG          one argument of the network helper's command line
 *                      (repeatable; "{pid}" becomes the init's pid). The helper
 *                      must take --ready-fd=3.
 *
 * Steps: a child joins the cgroups, enters a private mount namespace, hides
 * --hide, mounts the overlay root (relative names: no mountinfo line shows a
 * host path) and execs the OCI runtime (`crun run -d`), which hands our
 * stdin/stdout on to the devbox's init (the agent) and exits. Then, as the
 * child subreaper that inherits the init: the user namespace limits, the
 * network helper (started and waited for until ready), and one line on
 * fd 3: `ready <init pid>`. From then on it reaps; when the init ends, it
 * ends the helper and exits with the init's status (128 + signal), so the
 * server sees one child whose exit is the devbox's end.
 *
 * Why one C program instead of `unshare`, `sh`, `mount`, `nsenter` and a
 * spawn per helper: every one of those was a fork of the server (a large
 * Node process) or an exec; on a 2-core VM each cost ~5-30 ms of CPU, and a
 * devbox start used a dozen. Forks of this small static process are cheap.
 *
 * Failures: a message on stderr and exit 125; the server then cleans up
 * (it kills the devbox's cgroup, which ends the init and the helper).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <poll.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LIST 16
#define REPORT_FD 3
#define HELPER_READY_FD 3

struct options {
  const char *join[MAX_LIST];
  int joins;
  const char *hide[MAX_LIST];
  int hides;
  const char *bundle, *lower, *pid_file, *net_join;
  const char *disk, *disk_bytes, *disk_owner, *disk_mount;
  const char *userns[MAX_LIST];
  int usernses;
  const char *net[64];
  int nets;
  char **runtime;
};

static void fail(const char *fmt, ...) {
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  dprintf(2, "runloop-launcher: ");
  vdprintf(2, fmt, ap);
  va_end(ap);
  if (saved != 0) dprintf(2, ": %s", strerror(saved));
  dprintf(2, "\n");
  _exit(125);
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("open %s", path);
  ssize_t len = (ssize_t)strlen(text);
  if (write(fd, text, (size_t)len) != len) fail("write %s", path);
  close(fd);
}

static void add(const char **list, int *count, int max, const char *value, const char *what) {
  if (*count >= max) {
    errno = 0;
    fail("too many %s", what);
  }
  list[(*count)++] = value;
}

static void parse(int argc, char **argv, struct options *o) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (i + 1 >= argc) {
      errno = 0;
      fail("%s needs a value", a);
    }
    const char *v = argv[++i];
    if (strcmp(a, "--join") == 0) add(o->join, &o->joins, MAX_LIST, v, "--join");
    else if (strcmp(a, "--hide") == 0) add(o->hide, &o->hides, MAX_LIST, v, "--hide");
    else if (strcmp(a, "--disk") == 0) o->disk = v;
    else if (strcmp(a, "--disk-bytes") == 0) o->disk_bytes = v;
    else if (strcmp(a, "--disk-owner") == 0) o->disk_owner = v;
    else if (strcmp(a, "--disk-mount") == 0) o->disk_mount = v;
    else if (strcmp(a, "--bundle") == 0) o->bundle = v;
    else if (strcmp(a, "--lower") == 0) o->lower = v;
    else if (strcmp(a, "--pid-file") == 0) o->pid_file = v;
    else if (strcmp(a, "--userns") == 0) add(o->userns, &o->usernses, MAX_LIST, v, "--userns");
    else if (strcmp(a, "--net-join") == 0) o->net_join = v;
    else if (strcmp(a, "--net") == 0) add(o->net, &o->nets, 63, v, "--net");
    else {
      errno = 0;
      fail("unknown option %s", a);
    }
  }
  if (i >= argc || o->bundle == NULL || o->lower == NULL || o->pid_file == NULL) {
    errno = 0;
    fail("usage: runloop-launcher --bundle DIR --lower LIST --pid-file FILE [...] -- OCI-RUNTIME [ARGS...]");
  }
  o->runtime = argv + i;
  if (o->disk != NULL && (o->disk_bytes == NULL || o->disk_owner == NULL || o->disk_mount == NULL)) {
    errno = 0;
    fail("--disk needs --disk-bytes, --disk-owner and --disk-mount");
  }
}

/* Waits for one child, reaping (and ignoring) others that end meanwhile. */
static int wait_for(pid_t child) {
  int status;
  for (;;) {
    pid_t pid = waitpid(child, &status, 0);
    if (pid == child) return status;
    if (pid < 0 && errno != EINTR) fail("waitpid");
  }
}

static int is_mount_point(const char *dir) {
  struct stat self, parent;
  char up[4096];
  if (snprintf(up, sizeof up, "%s/..", dir) >= (int)sizeof up) return 0;
  return stat(dir, &self) == 0 && stat(up, &parent) == 0 && self.st_dev != parent.st_dev;
}

/* mke2fs makes the sparse file itself; lazy init keeps this at tens of milliseconds. Built aside, renamed when whole. */
static void make_disk(const struct options *o) {
  char temp[4096], size[32], extended[128];
  snprintf(temp, sizeof temp, "%s.tmp", o->disk);
  snprintf(size, sizeof size, "%lluk", strtoull(o->disk_bytes, NULL, 10) / 1024);
  snprintf(extended, sizeof extended, "lazy_itable_init=1,lazy_journal_init=1,root_owner=%s:%s", o->disk_owner,
           o->disk_owner);
  unlink(temp);
  pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    /* Our stdin/stdout are the agent's channel to the server: nothing else may read or write them. */
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(2, 1) < 0) fail("redirect mkfs.ext4");
    char *argv[] = {"mkfs.ext4", "-q", "-F", "-m", "0", "-E", extended, temp, size, NULL};
    execvp(argv[0], argv);
    fail("exec mkfs.ext4");
  }
  int status = wait_for(child);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    errno = 0;
    fail("cannot create the devbox disk image (mkfs.ext4 failed)");
  }
  if (rename(temp, o->disk) < 0) fail("rename %s", temp);
}

/* A free loop device backed by the image, detached by the kernel once unmounted; another launcher may race us for it. */
static int attach_loop(const char *image, char *device, size_t size) {
  int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  int backing = open(image, O_RDWR | O_CLOEXEC);
  if (control < 0 || backing < 0) fail("open /dev/loop-control or %s", image);
  for (int attempt = 0; attempt < 64; attempt++) {
    int n = ioctl(control, LOOP_CTL_GET_FREE);
    if (n < 0) fail("LOOP_CTL_GET_FREE");
    snprintf(device, size, "/dev/loop%d", n);
    int loop = open(device, O_RDWR | O_CLOEXEC);
    if (loop < 0) fail("open %s", device);
    struct loop_config config = {.fd = (uint32_t)backing, .info = {.lo_flags = LO_FLAGS_AUTOCLEAR}};
    strncpy((char *)config.info.lo_file_name, image, LO_NAME_SIZE - 1);
    if (ioctl(loop, LOOP_CONFIGURE, &config) == 0) {
      close(control);
      close(backing);
      return loop;
    }
    int error = errno;
    close(loop);
    if (error != EBUSY) {
      errno = error;
      fail("LOOP_CONFIGURE %s", device);
    }
  }
  errno = 0;
  fail("no free loop device");
  return -1;
}

static void make_owned_dir(const char *dir, const char *name, uid_t owner) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (mkdir(path, 0755) == 0) {
    /* The upper dir's own owner is the owner of the devbox's `/`. */
    if (chown(path, owner, owner) < 0) fail("chown %s", path);
  } else if (errno != EEXIST) {
    fail("mkdir %s", path);
  }
}

/* The devbox's writable disk, on the host side: everything its overlay writes lands in it. */
static void mount_disk(const struct options *o) {
  if (o->disk == NULL) return;
  if (access(o->disk, F_OK) != 0) make_disk(o);
  if (mkdir(o->disk_mount, 0700) < 0 && errno != EEXIST) fail("mkdir %s", o->disk_mount);
  if (!is_mount_point(o->disk_mount)) {
    char device[64];
    int loop = attach_loop(o->disk, device, sizeof device);
    if (mount(device, o->disk_mount, "ext4", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
      int error = errno;
      ioctl(loop, LOOP_CLR_FD, 0);
      errno = error;
      fail("cannot mount the devbox disk image");
    }
    close(loop);
  }
  uid_t owner = (uid_t)strtoul(o->disk_owner, NULL, 10);
  make_owned_dir(o->disk_mount, "upper", owner);
  make_owned_dir(o->disk_mount, "work", owner);
}

/* A reader still in it (a snapshot copy) keeps it busy: then it is detached, and the kernel finishes later. */
static void unmount_disk(const struct options *o) {
  if (o->disk == NULL || !is_mount_point(o->disk_mount)) return;
  if (umount2(o->disk_mount, 0) < 0) umount2(o->disk_mount, MNT_DETACH);
  rmdir(o->disk_mount);
}

/* The child that becomes the OCI runtime: cgroups, private mounts, the overlay root, exec. */
static void run_runtime(const struct options *o) {
  for (int i = 0; i < o->joins; i++) write_file(o->join[i], "0");
  if (unshare(CLONE_NEWNS) < 0) fail("unshare(CLONE_NEWNS)");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail("make mounts private");
  for (int i = 0; i < o->hides; i++)
    if (umount2(o->hide[i], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) fail("hide %s", o->hide[i]);
  if (chdir(o->bundle) < 0) fail("chdir %s", o->bundle);
  char data[4096];
  if (snprintf(data, sizeof data, "lowerdir=%s,upperdir=upper,workdir=work", o->lower) >= (int)sizeof data) {
    errno = 0;
    fail("lowerdir too long");
  }
  if (mount("overlay", "rootfs", "overlay", 0, data) < 0) fail("mount the overlay root");
  execv(o->runtime[0], o->runtime);
  fail("exec %s", o->runtime[0]);
}

static pid_t read_pid(const char *path) {
  char text[32] = {0};
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open %s", path);
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  long pid = n > 0 ? strtol(text, NULL, 10) : 0;
  if (pid <= 1) {
    errno = 0;
    fail("no init pid in %s", path);
  }
  return (pid_t)pid;
}

/*
 * The kernel charges some counters (inotify instances, user namespaces) to
 * the creator of a user namespace: host root. Limits set from inside that
 * namespace by host root cap them per devbox; devbox root cannot raise them.
 */
static void limit_user_namespace(const struct options *o, pid_t init) {
  if (o->usernses == 0) return;
  pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)init);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWUSER) < 0) fail("enter the devbox user namespace");
    for (int i = 0; i < o->usernses; i++) {
      const char *eq = strchr(o->userns[i], '=');
      if (eq == NULL || eq == o->userns[i] || strchr(o->userns[i], '/') != NULL) {
        errno = 0;
        fail("bad --userns %s", o->userns[i]);
      }
      char file[128];
      snprintf(file, sizeof file, "/proc/sys/user/%.*s", (int)(eq - o->userns[i]), o->userns[i]);
      write_file(file, eq + 1);
    }
    _exit(0);
  }
  int status = wait_for(child);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    errno = 0;
    fail("user namespace limits not set");
  }
}

/* Starts the network helper in the devbox's group and waits until it says it is ready. */
static pid_t start_network(const struct options *o, pid_t init) {
  if (o->nets == 0) return 0;
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) fail("pipe");
  char pid_text[16];
  snprintf(pid_text, sizeof pid_text, "%d", (int)init);
  char *argv[64];
  for (int i = 0; i < o->nets; i++) argv[i] = strcmp(o->net[i], "{pid}") == 0 ? pid_text : (char *)o->net[i];
  argv[o->nets] = NULL;
  pid_t helper = fork();
  if (helper < 0) fail("fork");
  if (helper == 0) {
    if (o->net_join != NULL) write_file(o->net_join, "0");
    if (dup2(ready[1], HELPER_READY_FD) < 0) fail("dup2");
    setsid();
    execvp(argv[0], argv);
    fail("exec %s", argv[0]);
  }
  close(ready[1]);
  char byte;
  ssize_t n;
  do n = read(ready[0], &byte, 1);
  while (n < 0 && errno == EINTR);
  close(ready[0]);
  if (n != 1) {
    kill(helper, SIGKILL);
    int status = wait_for(helper);
    errno = 0;
    fail("the network helper ended before it was ready (%s %d)", WIFSIGNALED(status) ? "signal" : "exit",
         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  }
  return helper;
}

static const char *report_tag = ""; /* serve mode: names the devbox in the shared report stream */

/* One devbox start; its stdin/stdout are the agent's channel, fd 3 the report. */
static int launch_main(int argc, char **argv) {
  struct options o = {0};
  parse(argc, argv, &o);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) fail("PR_SET_CHILD_SUBREAPER");
  /* The report goes to the server only: nothing we start inherits it. */
  if (fcntl(REPORT_FD, F_SETFD, FD_CLOEXEC) < 0) fail("fd %d (the report pipe)", REPORT_FD);
  mount_disk(&o);
  pid_t runner = fork();
  if (runner < 0) fail("fork");
  if (runner == 0) run_runtime(&o);
  /* The devbox's init holds the server's pipes now (the runtime passed them on): ours would hide its end. */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0) fail("/dev/null");
  int status = wait_for(runner);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    errno = 0;
    fail("%s failed (%s %d)", o.runtime[0], WIFSIGNALED(status) ? "signal" : "exit",
         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  }
  pid_t init = read_pid(o.pid_file);
  limit_user_namespace(&o, init);
  pid_t helper = start_network(&o, init);
  dprintf(REPORT_FD, "ready %s%d\n", report_tag, (int)init);
  close(REPORT_FD);
  /* Reap until nothing is left; the init's status is the devbox's. */
  int init_status = -1;
  pid_t pid;
  while ((pid = wait(&status)) > 0 || (pid < 0 && errno == EINTR)) {
    if (pid == helper) helper = 0; /* never signal a pid that may be reused */
    if (pid != init) continue;
    init_status = status;
    /* The helper serves the devbox's network only: it goes with the init. */
    if (helper > 0) kill(helper, SIGKILL);
  }
  unmount_disk(&o);
  if (init_status == -1) return 1;
  if (WIFSIGNALED(init_status)) return 128 + WTERMSIG(init_status);
  return WIFEXITED(init_status) ? WEXITSTATUS(init_status) : 1;
}

/*
 * Serve mode: `runloop-launcher serve SOCKET`. The server starts this once
 * and asks it for every devbox start, so no start forks the server itself
 * (a fork of a large Node process costs tens of milliseconds of CPU and
 * stops its event loop). Requests on stdin: u32 length (little endian) |
 * NUL-terminated strings: tag, log file, then a launch's arguments. Each
 * start is a fork of this small process that connects to SOCKET (a unix
 * socket the server listens on, root only), sends "<tag>\n" and uses the
 * connection as the agent's channel (stdin and stdout); its stderr goes to
 * the log file. Events on stdout, one line each (atomic: under PIPE_BUF):
 * `started <tag> <pid>`, `ready <tag> <init pid>` (from the launch),
 * `exit <tag> <wait status>`. EOF on stdin (the server is gone) ends it;
 * running devboxes then end as their agents see the server go.
 */
#define MAX_LAUNCHES 8192
#define MAX_REQUEST (1u << 20)

static struct {
  pid_t pid;
  char tag[64];
} launches[MAX_LAUNCHES];

static int connect_to(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (fd < 0 || strlen(path) >= sizeof address.sun_path) fail("socket %s", path);
  strcpy(address.sun_path, path);
  if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) fail("connect %s", path);
  return fd;
}

static void start_launch(const char *socket_path, char *body, uint32_t len) {
  char *args[256];
  int count = 0;
  if (len == 0 || body[len - 1] != '\0') return; /* every string ends in NUL: never read past the request */
  for (char *p = body; p < body + len && count < 255; p += strlen(p) + 1) args[count++] = p;
  args[count] = NULL; /* the OCI runtime's argv ends the list: execv needs its NULL */
  if (count < 3 || strlen(args[0]) >= sizeof launches[0].tag) return; /* the server only sends well-formed requests */
  int slot = -1;
  for (int i = 0; i < MAX_LAUNCHES && slot < 0; i++)
    if (launches[i].pid == 0) slot = i;
  if (slot < 0) {
    dprintf(1, "exit %s %d\n", args[0], 125 << 8);
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    dprintf(1, "exit %s %d\n", args[0], 125 << 8);
    return;
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    int log = open(args[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log < 0 || dup2(log, 2) < 0) _exit(125);
    /* The report goes to the server through our shared stdout; the launch writes one line there. */
    if (dup2(1, REPORT_FD) < 0) fail("dup2");
    int channel = connect_to(socket_path);
    dprintf(channel, "%s\n", args[0]);
    if (dup2(channel, 0) < 0 || dup2(channel, 1) < 0) fail("dup2");
    close(channel);
    static char tag[80];
    snprintf(tag, sizeof tag, "%s ", args[0]);
    report_tag = tag;
    args[1] = "runloop-launcher";
    _exit(launch_main(count - 1, args + 1));
  }
  launches[slot].pid = pid;
  strcpy(launches[slot].tag, args[0]);
  dprintf(1, "started %s %d\n", args[0], (int)pid);
}

static void reap_launches(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int i = 0; i < MAX_LAUNCHES; i++) {
      if (launches[i].pid != pid) continue;
      dprintf(1, "exit %s %d\n", launches[i].tag, status);
      launches[i].pid = 0;
      break;
    }
  }
}

static int serve_main(const char *socket_path) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) fail("signalfd");
  signal(SIGPIPE, SIG_IGN);
  static char buffer[MAX_REQUEST + 4];
  size_t have = 0;
  for (;;) {
    struct pollfd fds[2] = {{0, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fail("poll");
    }
    if (fds[1].revents) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) > 0) {
      }
      reap_launches();
    }
    if (!fds[0].revents) continue;
    ssize_t n = read(0, buffer + have, sizeof buffer - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    have += (size_t)n;
    for (;;) {
      if (have < 4) break;
      uint32_t len = (uint32_t)(unsigned char)buffer[0] | (uint32_t)(unsigned char)buffer[1] << 8 |
                     (uint32_t)(unsigned char)buffer[2] << 16 | (uint32_t)(unsigned char)buffer[3] << 24;
      if (len > MAX_REQUEST) {
        errno = 0;
        fail("request too large");
      }
      if (have < 4 + (size_t)len) break;
      start_launch(socket_path, buffer + 4, len);
      memmove(buffer, buffer + 4 + len, have - 4 - len);
      have -= 4 + len;
    }
  }
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve_main(argv[2]);
  return launch_main(argc, argv);
}
