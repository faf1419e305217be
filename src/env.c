#include "env.h"

#include <stdlib.h>

const char *env_process(const char *name)
{
	return getenv(name);
}
