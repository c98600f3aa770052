// Declarations only (include/cfuzzdriver.h): libFuzzer, linked by -sanitize=fuzzer, defines LLVMFuzzerRunDriver.
#include "cfuzzdriver.h"
