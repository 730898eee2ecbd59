/*
 * cpu.c - which CPU a deterministic run is pinned to.
 *
 * A run is pinned to one CPU (the same CPU count in every run, and a
 * tracer next to its tracee is a cheap round trip: docs/performance.md).
 * Which one matters for programs that wait on the disk: on this kind of
 * VM every interrupt of the disk goes to one CPU, and a program pinned to
 * another pays a cross-CPU wake-up per completed I/O (an fsync loop
 * pinned away from it ran 1.49x slower than unpinned).  So the CPU is the
 * one that services the interrupts of the disk the run directory is on:
 * the device of the directory's file system, up the sysfs tree to the
 * PCI function with MSI interrupts, and of those the CPU that took most
 * of them (/proc/interrupts).  Where that cannot be told (no such device:
 * tmpfs, overlayfs, device mapper; interrupts spread evenly), it is the
 * first allowed CPU, as before.
 */
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "explorer/explorer.h"
#include "explorer/explorer_int.h"

#define MAX_IRQS	64
#define MAX_CPUS	256

/* The MSI interrupt numbers of the device under sysfs path dev, up to max. */
static int
device_irqs(char *dev, int *irqs, int max)
{
	char path[PATH_MAX + 16];
	struct dirent *de;
	int n = 0;
	DIR *d;

	for (char *slash; (slash = strrchr(dev, '/')) && slash > dev;
	    *slash = '\0') {
		snprintf(path, sizeof(path), "%s/msi_irqs", dev);
		if (!(d = opendir(path)))
			continue;
		while ((de = readdir(d)) && n < max)
			if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
				irqs[n++] = atoi(de->d_name);
		closedir(d);
		return n;
	}
	return 0;
}

static bool
has_irq(const int *irqs, int n, int irq)
{
	for (int i = 0; i < n; i++)
		if (irqs[i] == irq)
			return true;
	return false;
}

/* Add each CPU's count of the irqs to per_cpu; the number of CPU columns. */
static int
irq_counts(FILE *f, const int *irqs, int n, unsigned long long *per_cpu)
{
	char line[4096];
	int ncpus = 0;

	/* the header names the columns: "           CPU0       CPU1" */
	if (fgets(line, sizeof(line), f))
		for (const char *s = line; (s = strstr(s, "CPU")) &&
		    ncpus < MAX_CPUS; s += 3)
			ncpus++;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		long irq = strtol(p, &end, 10);

		if (end == p || *end != ':' || !has_irq(irqs, n, (int)irq))
			continue;
		p = end + 1;
		for (int c = 0; c < ncpus; c++) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			per_cpu[c] += v;
			p = end;
		}
	}
	return ncpus;
}

/*
 * Of the allowed CPUs, the one that took most of the interrupts irqs
 * according to f (the text of /proc/interrupts); -1 if none took any.
 */
int
bx_busiest_cpu(FILE *f, const int *irqs, int n, const cpu_set_t *allowed)
{
	static unsigned long long per_cpu[MAX_CPUS];
	int ncpus, best = -1;

	memset(per_cpu, 0, sizeof(per_cpu));
	ncpus = irq_counts(f, irqs, n, per_cpu);
	for (int c = 0; c < ncpus; c++)
		if (CPU_ISSET(c, allowed) && per_cpu[c] > 0 &&
		    (best < 0 || per_cpu[c] > per_cpu[best]))
			best = c;
	return best;
}

/* The allowed CPU that took most of the interrupts of dir's disk, or -1. */
static int
io_cpu(const char *dir, const cpu_set_t *allowed)
{
	char link[64], dev[PATH_MAX];
	int irqs[MAX_IRQS], n, best;
	struct stat st;
	FILE *f;

	if (stat(dir, &st) < 0 || major(st.st_dev) == 0)
		return -1;		/* no block device (tmpfs, overlayfs) */
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u",
	    major(st.st_dev), minor(st.st_dev));
	if (!realpath(link, dev) || (n = device_irqs(dev, irqs, MAX_IRQS)) == 0)
		return -1;
	if (!(f = fopen("/proc/interrupts", "re")))
		return -1;
	best = bx_busiest_cpu(f, irqs, n, allowed);
	fclose(f);
	return best;
}

/*
 * The CPU of the n-th run at a time (record: 0; explore's worker n):
 * the allowed CPUs in order, starting from the one that services the
 * disk of dir, wrapping around.
 */
int
bx_run_cpu(const char *dir, int n)
{
	cpu_set_t set;
	int first, k;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return bx_nth_cpu(n);
	first = io_cpu(dir, &set);
	if (first < 0)
		return bx_nth_cpu(n);
	k = 0;
	for (int i = 0; i < first; i++)
		k += CPU_ISSET(i, &set) != 0;
	return bx_nth_cpu(k + n);	/* first is the k-th allowed CPU */
}
