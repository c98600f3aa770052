#!/usr/bin/env bash
# The build prelude the one-process C harness scripts share (blocked-ab.sh, pointwise-ab.sh, conv-ab.sh, ckab.sh):
# sourced from the repository root after `set -euo pipefail`, it makes a temporary directory `$work` (removed on
# exit) and defines
#   build_harness NAME               bench/NAME.c with the working tree's Sources/CKernels, the package's C flags
#                                    (and $CFLAGS), into $work/NAME;
#   build_kernels_library DIR OUT    the C kernels in DIR (a Sources/CKernels tree) as a shared library OUT.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kernel_cflags=(-O3 -fno-math-errno)

build_harness() {
    # shellcheck disable=SC2086
    clang ${CFLAGS:-} "${kernel_cflags[@]}" -ISources/CKernels/include -ISources/CKernels Sources/CKernels/*.c "bench/$1.c" \
        -o "$work/$1" -lpthread -lm
}

build_kernels_library() {
    clang "${kernel_cflags[@]}" -fPIC -shared -I"$1/include" "$1"/*.c -o "$2" -lpthread -lm
}
