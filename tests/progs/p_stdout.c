/*
 * p_stdout: write "hello\n" twice to fd 1 and "oops\n" once to fd 2,
 * with write(2) directly (no stdio buffering).
 */
#include "progs.h"

int
main(void)
{
	EXPECT(write(1, "hello\n", 6), 6);
	EXPECT(write(1, "hello\n", 6), 6);
	EXPECT(write(2, "oops\n", 5), 5);
	return 0;
}
