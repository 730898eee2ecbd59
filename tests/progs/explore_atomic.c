/* explore_atomic.c - the bundled atomic writer, built for tests/live/test_explore.c. */
#include "../../examples/atomic.c"
