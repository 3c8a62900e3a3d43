/*
 * efsmodel: a FUSE passthrough that behaves like an EFS mount for the runtime-sync benchmark.
 *
 *   efsmodel <backing folder> <mount point> [-o read_us=N,write_us=N,mibps=N] [other FUSE options]
 *
 * Every request is served from the backing folder, after a delay that stands for the NFS round trip:
 *   read_us   requests that only look (getattr/lookup, readdir, readlink, open, statfs): default 1000 µs
 *   write_us  requests that change the tree (create, mkdir, symlink, rename, unlink, chmod, utimens,
 *             truncate) and the close of a file that was written (NFS commits on close): default 2700 µs
 *   mibps     one throughput cap shared by every read and write, in MiB/s: default 100
 * The defaults are AWS's figures for a Regional EFS file system in General Purpose mode (read ~1 ms,
 * write ~2.7 ms per operation) and the burst throughput every file system in Bursting mode gets
 * (100 MiB/s); runtime-sync/README.md names the pages. The kernel's FUSE attribute and entry caches
 * (1 s) stand for the NFS client's attribute cache. Requests are served by several threads, as an NFS
 * client keeps several requests in flight.
 *
 * Build: gcc -O2 -Wall -o efsmodel efsmodel.c $(pkg-config --cflags --libs fuse3)  (Debian: libfuse3-dev)
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

struct settings {
  unsigned read_us;
  unsigned write_us;
  unsigned mibps;
};
static struct settings cfg = {1000, 2700, 100};
static int backing = -1; /* fd of the backing folder; every path is resolved relative to it */

static const struct fuse_opt options[] = {
    {"read_us=%u", offsetof(struct settings, read_us), 0},
    {"write_us=%u", offsetof(struct settings, write_us), 0},
    {"mibps=%u", offsetof(struct settings, mibps), 0},
    FUSE_OPT_END,
};

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_until(long long deadline_ns) {
  struct timespec t = {deadline_ns / 1000000000LL, deadline_ns % 1000000000LL};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {
  }
}

static void delay_us(unsigned us) {
  if (us > 0) sleep_until(now_ns() + (long long)us * 1000LL);
}

/* The throughput cap: each transfer books its share of one timeline and returns when its slot ends. */
static pthread_mutex_t wire_lock = PTHREAD_MUTEX_INITIALIZER;
static long long wire_free_ns = 0;
static void transfer(size_t bytes) {
  if (cfg.mibps == 0 || bytes == 0) return;
  long long cost = (long long)((double)bytes * 1e9 / ((double)cfg.mibps * 1048576.0));
  pthread_mutex_lock(&wire_lock);
  long long start = now_ns();
  if (wire_free_ns > start) start = wire_free_ns;
  wire_free_ns = start + cost;
  long long end = wire_free_ns;
  pthread_mutex_unlock(&wire_lock);
  sleep_until(end);
}

static const char *rel(const char *path) { return path[1] == '\0' ? "." : path + 1; }
static int result(int rc) { return rc < 0 ? -errno : rc; }

static int m_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  delay_us(cfg.read_us);
  (void)fi; /* paths always: a folder has no file handle here (no opendir) */
  return result(fstatat(backing, rel(path), st, AT_SYMLINK_NOFOLLOW));
}

static int m_readlink(const char *path, char *buf, size_t size) {
  delay_us(cfg.read_us);
  ssize_t n = readlinkat(backing, rel(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

static int m_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                     enum fuse_readdir_flags flags) {
  (void)off, (void)fi, (void)flags;
  delay_us(cfg.read_us);
  int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -errno;
  DIR *dir = fdopendir(fd);
  if (!dir) {
    close(fd);
    return -errno;
  }
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    struct stat st = {.st_ino = e->d_ino, .st_mode = (mode_t)(DTTOIF(e->d_type))};
    if (fill(buf, e->d_name, &st, 0, 0)) break;
  }
  closedir(dir);
  return 0;
}

static int m_mkdir(const char *path, mode_t mode) {
  delay_us(cfg.write_us);
  return result(mkdirat(backing, rel(path), mode));
}
static int m_unlink(const char *path) {
  delay_us(cfg.write_us);
  return result(unlinkat(backing, rel(path), 0));
}
static int m_rmdir(const char *path) {
  delay_us(cfg.write_us);
  return result(unlinkat(backing, rel(path), AT_REMOVEDIR));
}
static int m_symlink(const char *target, const char *path) {
  delay_us(cfg.write_us);
  return result(symlinkat(target, backing, rel(path)));
}
static int m_link(const char *from, const char *to) {
  delay_us(cfg.write_us);
  return result(linkat(backing, rel(from), backing, rel(to), 0));
}
static int m_rename(const char *from, const char *to, unsigned int flags) {
  delay_us(cfg.write_us);
  return result(renameat2(backing, rel(from), backing, rel(to), flags));
}
static int m_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  delay_us(cfg.write_us);
  (void)fi;
  return result(fchmodat(backing, rel(path), mode, 0));
}
static int m_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  delay_us(cfg.write_us);
  (void)fi;
  return result(fchownat(backing, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW));
}
static int m_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  delay_us(cfg.write_us);
  (void)fi;
  int fd = openat(backing, rel(path), O_WRONLY);
  if (fd < 0) return -errno;
  int rc = result(ftruncate(fd, size));
  close(fd);
  return rc;
}
static int m_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  delay_us(cfg.write_us);
  (void)fi;
  return result(utimensat(backing, rel(path), tv, AT_SYMLINK_NOFOLLOW));
}

static int m_open(const char *path, struct fuse_file_info *fi) {
  delay_us(cfg.read_us);
  int fd = openat(backing, rel(path), fi->flags & ~O_NOFOLLOW);
  if (fd < 0) return -errno;
  fi->fh = (uint64_t)fd;
  return 0;
}
static int m_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  delay_us(cfg.write_us);
  int fd = openat(backing, rel(path), fi->flags, mode);
  if (fd < 0) return -errno;
  fi->fh = (uint64_t)fd;
  return 0;
}
static int m_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  ssize_t n = pread((int)fi->fh, buf, size, off);
  if (n < 0) return -errno;
  transfer((size_t)n);
  return (int)n;
}
static int m_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  transfer(size);
  ssize_t n = pwrite((int)fi->fh, buf, size, off);
  return n < 0 ? -errno : (int)n;
}
static int m_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  if ((fi->flags & O_ACCMODE) != O_RDONLY) delay_us(cfg.write_us);
  close((int)fi->fh);
  return 0;
}
static int m_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  delay_us(cfg.write_us);
  return result(datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh));
}
static int m_statfs(const char *path, struct statvfs *st) {
  (void)path;
  delay_us(cfg.read_us);
  return result(fstatvfs(backing, st));
}

static void *m_init(struct fuse_conn_info *conn, struct fuse_config *c) {
  (void)conn;
  c->use_ino = 1;
  return NULL;
}

static const struct fuse_operations ops = {
    .init = m_init,
    .getattr = m_getattr,
    .readlink = m_readlink,
    .readdir = m_readdir,
    .mkdir = m_mkdir,
    .unlink = m_unlink,
    .rmdir = m_rmdir,
    .symlink = m_symlink,
    .link = m_link,
    .rename = m_rename,
    .chmod = m_chmod,
    .chown = m_chown,
    .truncate = m_truncate,
    .utimens = m_utimens,
    .open = m_open,
    .create = m_create,
    .read = m_read,
    .write = m_write,
    .release = m_release,
    .fsync = m_fsync,
    .statfs = m_statfs,
};

int main(int argc, char *argv[]) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <backing folder> <mount point> [-o read_us=N,write_us=N,mibps=N]\n", argv[0]);
    return 2;
  }
  backing = open(argv[1], O_RDONLY | O_DIRECTORY);
  if (backing < 0) {
    fprintf(stderr, "efsmodel: cannot open the backing folder %s: %s\n", argv[1], strerror(errno));
    return 2;
  }
  argv[1] = argv[0]; /* FUSE sees: <program> <mount point> [options] */
  struct fuse_args args = FUSE_ARGS_INIT(argc - 1, argv + 1);
  if (fuse_opt_parse(&args, &cfg, options, NULL) == -1) return 2;
  umask(0);
  int rc = fuse_main(args.argc, args.argv, &ops, NULL);
  fuse_opt_free_args(&args);
  return rc;
}
