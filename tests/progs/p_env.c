/*
 * p_env aslr-off|aslr-on: exit 0 iff address space randomization is
 * disabled (personality ADDR_NO_RANDOMIZE) or enabled, as asked.
 * badio record disables it unless --no-determinism.
 */
#include <sys/personality.h>

#include "progs.h"

int
main(int argc, char **argv)
{
	int pers;

	if (argc != 2)
		fail("usage: p_env aslr-off|aslr-on");
	pers = CHECK(personality(0xffffffff));
	if (!strcmp(argv[1], "aslr-off"))
		return (pers & ADDR_NO_RANDOMIZE) ? 0 : 1;
	if (!strcmp(argv[1], "aslr-on"))
		return (pers & ADDR_NO_RANDOMIZE) ? 1 : 0;
	fail("p_env: bad mode '%s'", argv[1]);
}
