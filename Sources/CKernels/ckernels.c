#include "ckernels.h"
int ckernels_version(void) { return 1; }
