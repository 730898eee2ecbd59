/* explore_naive.c - the bundled naive writer, built for tests/live/test_explore.c. */
#include "../../examples/naive.c"
