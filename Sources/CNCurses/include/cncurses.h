#ifndef CNCURSES_H
#define CNCURSES_H
// The wide-character API (cchar_t, setcchar, wget_wch) needs this before the header; SwiftPM drops
// pkg-config's -D_XOPEN_SOURCE=600.
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/ncurses.h>
#include <stddef.h>
#include <stdint.h>

/// Why cnc_start failed.
enum { CNC_OK = 0, CNC_NOT_A_TTY = 1, CNC_NO_TERMINAL = 2 };
/// What cnc_read returned.
enum { CNC_NONE = 0, CNC_CHAR = 1, CNC_KEY = 2 };
/// What cnc_mouse read.
enum { CNC_MOUSE_NONE = 0, CNC_MOUSE_PRESS = 1, CNC_MOUSE_WHEEL_UP = 2, CNC_MOUSE_WHEEL_DOWN = 3 };
/// Cell attributes understood by cnc_put.
enum { CNC_BOLD = 1, CNC_REVERSE = 2, CNC_UNDERLINE = 4 };

/// Starts curses on the controlling terminal with newterm (never exits the process): cbreak, noecho,
/// keypad, hidden cursor, 25 ms Esc delay, colours with the terminal's defaults, and a crash handler
/// that restores the terminal. Returns CNC_OK or why it could not.
int cnc_start(void);
/// Restores the terminal (idempotent).
void cnc_stop(void);
/// The terminal's rows and columns now.
int cnc_lines(void);
int cnc_cols(void);
/// Colours and colour pairs available (0 until started).
int cnc_colors(void);
int cnc_color_pairs(void);
/// Defines pair `pair` (may exceed 255) as fg/bg xterm indices; -1 is the terminal default.
int cnc_init_pair(int pair, int fg, int bg);
/// Draws one character at (y, x) with an extended colour pair and CNC_* attributes.
void cnc_put(int y, int x, uint32_t character, int pair, int attributes);
/// Clears the whole screen on the next refresh (after a resize).
void cnc_clear(void);
/// Shows what was drawn.
void cnc_refresh(void);
/// Waits up to `timeout_ms` for a key: CNC_CHAR with a character, CNC_KEY with a KEY_* code, or CNC_NONE.
int cnc_read(int timeout_ms, uint32_t *code);
/// Where a crash writes the unsaved network: recovery.json (and recovery.source, the file it came from) in
/// `directory`, which must exist. Returns 0, or -1 when a path is too long.
int cnc_recovery_paths(const char *directory);
/// Keeps a copy of the encoded network and its source path for the crash handler; `json` NULL: nothing to save.
void cnc_recovery_set(const char *json, size_t length, const char *source, size_t source_length);
/// KEY_* codes Swift cannot import as constants.
int cnc_key_resize(void);
int cnc_key_btab(void);
int cnc_key_mouse(void);
/// Asks the terminal for button-1 presses and the wheel.
void cnc_enable_mouse(void);
/// After KEY_MOUSE: the event's kind (CNC_MOUSE_*) and cell.
int cnc_mouse(int *x, int *y);
#endif
