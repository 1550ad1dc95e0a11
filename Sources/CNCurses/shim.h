// The parts of ncursesw that Swift can use, plus small functions for what it cannot import:
// macros built from expressions (A_*, ACS_*, KEY_F) and C globals that Swift 6 rejects as not
// concurrency-safe (stdscr, LINES, COLS, COLORS, COLOR_PAIRS).
#ifndef BACKUPBOARD_CNCURSES_SHIM_H
#define BACKUPBOARD_CNCURSES_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <ncurses.h>
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <wchar.h>

// Attributes.
static inline attr_t cn_attr_normal(void) { return A_NORMAL; }
static inline attr_t cn_attr_bold(void) { return A_BOLD; }
static inline attr_t cn_attr_dim(void) { return A_DIM; }
static inline attr_t cn_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t cn_attr_reverse(void) { return A_REVERSE; }
static inline attr_t cn_attr_standout(void) { return A_STANDOUT; }
static inline attr_t cn_attr_italic(void) { return A_ITALIC; }
static inline chtype cn_color_pair(int pair) { return COLOR_PAIR(pair); }

// Line-drawing characters from the terminal's alternate set (ASCII stand-ins where it has none).
static inline chtype cn_acs_hline(void) { return ACS_HLINE; }
static inline chtype cn_acs_vline(void) { return ACS_VLINE; }
static inline chtype cn_acs_ulcorner(void) { return ACS_ULCORNER; }
static inline chtype cn_acs_urcorner(void) { return ACS_URCORNER; }
static inline chtype cn_acs_llcorner(void) { return ACS_LLCORNER; }
static inline chtype cn_acs_lrcorner(void) { return ACS_LRCORNER; }
static inline chtype cn_acs_ltee(void) { return ACS_LTEE; }
static inline chtype cn_acs_rtee(void) { return ACS_RTEE; }
static inline chtype cn_acs_ttee(void) { return ACS_TTEE; }
static inline chtype cn_acs_btee(void) { return ACS_BTEE; }
static inline chtype cn_acs_plus(void) { return ACS_PLUS; }
static inline chtype cn_acs_ckboard(void) { return ACS_CKBOARD; }
static inline chtype cn_acs_block(void) { return ACS_BLOCK; }
static inline chtype cn_acs_bullet(void) { return ACS_BULLET; }
static inline chtype cn_acs_diamond(void) { return ACS_DIAMOND; }

// Globals, read on the curses thread only.
static inline FILE *cn_stdin(void) { return stdin; }
static inline FILE *cn_stdout(void) { return stdout; }
static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline int cn_colors(void) { return COLORS; }
static inline int cn_color_pairs(void) { return COLOR_PAIRS; }

// Key codes and wget_wch's results.
static inline int cn_key_code_yes(void) { return KEY_CODE_YES; }
static inline int cn_key_up(void) { return KEY_UP; }
static inline int cn_key_down(void) { return KEY_DOWN; }
static inline int cn_key_left(void) { return KEY_LEFT; }
static inline int cn_key_right(void) { return KEY_RIGHT; }
static inline int cn_key_home(void) { return KEY_HOME; }
static inline int cn_key_end(void) { return KEY_END; }
static inline int cn_key_ppage(void) { return KEY_PPAGE; }
static inline int cn_key_npage(void) { return KEY_NPAGE; }
static inline int cn_key_enter(void) { return KEY_ENTER; }
static inline int cn_key_backspace(void) { return KEY_BACKSPACE; }
static inline int cn_key_btab(void) { return KEY_BTAB; }
static inline int cn_key_resize(void) { return KEY_RESIZE; }
static inline int cn_key_f(int n) { return KEY_F(n); }

// Cells a character takes in the current locale (-1 for non-printing).
static inline int cn_wcwidth(wchar_t c) { return wcwidth(c); }

// The locale's character set name, e.g. "UTF-8" or "ANSI_X3.4-1968".
static inline const char *cn_codeset(void) { return nl_langinfo(CODESET); }

#endif
