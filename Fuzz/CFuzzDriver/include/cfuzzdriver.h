#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for a program with its own main (SwiftPM gives every executable one): runs the fuzzing loop
// over `callback` with the command line's libFuzzer flags, and returns the exit status.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
