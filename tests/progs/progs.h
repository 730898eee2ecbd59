/*
 * progs.h - helpers shared by the test target programs.
 *
 * Each target makes a fixed, deterministic sequence of raw syscalls,
 * checks every result itself and exits 0 only if all of them matched
 * (docs/STYLE 4.10, item 43).  On a mismatch it writes one line to
 * stderr and exits 1, so a failure adds sites only when the test fails
 * anyway.
 */
#ifndef BADIO_TESTS_PROGS_H
#define BADIO_TESTS_PROGS_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, buf, n) < 0)
		_exit(1);
	_exit(1);
}

/* Fail unless a call returned exactly what was expected. */
#define EXPECT(call, want) do {						\
	long long got_ = (long long)(call);				\
	if (got_ != (long long)(want))					\
		fail("%s:%d: %s = %lld (errno %d), want %lld",		\
		     __FILE__, __LINE__, #call, got_, errno,		\
		     (long long)(want));				\
} while (0)

/* Fail if a call returned a negative value. */
#define CHECK(call) ({							\
	long long r_ = (long long)(call);				\
	if (r_ < 0)							\
		fail("%s:%d: %s: %s", __FILE__, __LINE__, #call,	\
		     strerror(errno));					\
	r_;								\
})

/*
 * Write n bytes at p to fd, a short write continued (and EINTR retried);
 * 0, or -1 on an error or a write of nothing.
 */
static inline int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Write text to name (created or truncated) with a write loop; 0 or -1. */
static inline int
write_text(const char *name, const char *text)
{
	int fd;

	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (write_all(fd, text, strlen(text)) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

#endif /* BADIO_TESTS_PROGS_H */
