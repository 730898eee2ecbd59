/*
 * test_tracee.c - unit tests of the tracer's task table (recorder/
 * tracee.c): processes and threads numbered in the order they appear,
 * and a task reaped before its creator's clone event is processed does
 * not come back.  Real tasks of this test process stand in for tracees
 * (the table reads each task's Tgid from /proc).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

static struct tracer tr;

static void
tables_init(void)
{
	memset(&tr, 0, sizeof(tr));
	cr_assert_eq(tracer_tables_init(&tr), 0);
}

static void
tables_free(void)
{
	tracer_tables_free(&tr);
}

TestSuite(tracee, .init = tables_init, .fini = tables_free);

/* A child process that waits to be killed. */
static pid_t
sleeper(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void
reap(pid_t pid)
{
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pid_t thread_tid;
static bool done;

static void *
thread_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	thread_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&cond);
	while (!done)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

Test(tracee, processes_and_threads_in_order_of_appearance)
{
	struct task *root, *child, *thr;
	pthread_t th;
	pid_t pid;

	root = task_add(&tr, getpid());
	cr_assert_not_null(root);
	cr_assert_eq(root->process, 1);
	cr_assert_eq(root->thread, 1);

	cr_assert_eq(pthread_create(&th, NULL, thread_main, NULL), 0);
	pthread_mutex_lock(&lock);
	while (!thread_tid)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	thr = task_add_child(&tr, thread_tid);
	cr_assert_not_null(thr);
	cr_assert_eq(thr->process, 1);
	cr_assert_eq(thr->thread, 2);
	/* met again at its first stop: the same task, the same number */
	cr_assert_eq(task_add(&tr, thread_tid), thr);
	cr_assert_eq(thr->thread, 2);

	pid = sleeper();
	child = task_add_child(&tr, pid);
	cr_assert_not_null(child);
	cr_assert_eq(child->process, 2);
	cr_assert_eq(child->thread, 1);
	reap(pid);

	pthread_mutex_lock(&lock);
	done = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(th, NULL);
}

/*
 * The child stopped, ran and died before badio handled its creator's
 * fork event: that event must not add it again (a task that never goes,
 * killed by pid at the end) nor spend a process number on it.
 */
Test(tracee, a_child_reaped_before_its_fork_event_stays_gone)
{
	struct task *t;
	pid_t a, b;

	cr_assert_not_null(task_add(&tr, getpid()));
	a = sleeper();
	t = task_add(&tr, a);		/* its own first stop came first */
	cr_assert_eq(t->process, 2);
	reap(a);
	task_drop(&tr, t);
	task_reaped(&tr, a);
	cr_assert_null(task_add_child(&tr, a));
	cr_assert_null(task_find(&tr, a));

	b = sleeper();
	t = task_add_child(&tr, b);
	cr_assert_not_null(t);
	cr_assert_eq(t->process, 3);
	reap(b);
}
