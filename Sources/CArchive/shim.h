#include <archive.h>
#include <archive_entry.h>
// BerthArchive: <sys/xattr.h> is not in Glibc's Swift module map.
#include <sys/xattr.h>
static inline int berth_archive_fsetxattr(int fd, const char *name, const void *value, size_t size) {
  return fsetxattr(fd, name, value, size, 0);
}
static inline int berth_archive_setxattr(const char *path, const char *name, const void *value, size_t size) {
  return setxattr(path, name, value, size, 0);
}
