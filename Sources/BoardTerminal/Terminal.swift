import CNCurses
import Dispatch
import Foundation

/// The real terminal, through ncursesw: the only type that talks to curses.
///
/// The board loop owns one, on one thread:
///
///     let terminal = try Terminal.start()
///     defer { terminal.stop() }
///     while terminal.receivedSignal == nil {
///         terminal.draw(render(state, size: terminal.size, glyphs: terminal.glyphs), theme: theme)
///         if let key = terminal.readKey(timeout: .milliseconds(500)) { /* handle it; break on quit */ }
///     }
///
/// `stop()` restores the terminal and may be called any number of times; it also runs on deinit.
/// SIGINT, SIGTERM and SIGHUP do not kill the process while curses runs: they end `readKey` early and
/// set `receivedSignal`, so the loop stops the terminal itself (and exits with 128 + the signal).
package final class Terminal {
    /// Unicode glyphs in a UTF-8 locale, ASCII ones otherwise.
    package let glyphs: GlyphSet
    /// How many colours the theme may use here.
    package let colorLevel: ColorLevel
    /// What the board should tell the user about the set-up, e.g. that an unknown TERM was replaced.
    package let notes: [String]

    private var screen: OpaquePointer?
    private let window: UnsafeMutablePointer<WINDOW>
    private let defaultColorsWork: Bool
    private let colors: Int
    private let signals: SignalWatch
    private var pairs: [ColorPairKey: Int16] = [:]
    private var cachedPalette: (theme: Theme, level: ColorLevel, palette: [StyleRole: ResolvedStyle])?
    /// The frame on screen and the screen's size then, so the next frame sends only what changed.
    private var shown: ScreenBuffer?
    private var shownSize = (width: 0, height: 0)

    /// The signal that asked the program to stop (SIGINT, SIGTERM or SIGHUP), once one has arrived.
    package var receivedSignal: Int32? { signals.received }

    /// The screen's size in cells.
    package var size: (width: Int, height: Int) {
        (Int(getmaxx(window)), Int(getmaxy(window)))
    }

    private init(screen: OpaquePointer, window: UnsafeMutablePointer<WINDOW>, glyphs: GlyphSet, colorLevel: ColorLevel, colors: Int,
                 defaultColorsWork: Bool, notes: [String], signals: SignalWatch) {
        self.screen = screen
        self.window = window
        self.glyphs = glyphs
        self.colorLevel = colorLevel
        self.colors = colors
        self.defaultColorsWork = defaultColorsWork
        self.notes = notes
        self.signals = signals
    }

    deinit { stop() }

    // MARK: Start and stop

    /// Takes over the terminal on standard input and output.
    ///
    /// An unknown `TERM` falls back to `xterm-256color`, then `xterm`, with a note in `notes`.
    /// `asciiOnly` forces ASCII glyphs even in a UTF-8 locale; `NO_COLOR` gives attributes only.
    package static func start(
        environment: [String: String] = ProcessInfo.processInfo.environment, asciiOnly: Bool = false
    ) throws(TerminalError) -> Terminal {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError("the board needs a terminal: standard input and output must not be redirected")
        }
        setlocale(LC_ALL, "")
        let codeset = String(cString: cn_codeset())
        let utf8 = ["UTF8", "UTF-8"].contains(codeset.uppercased())
        let glyphs: GlyphSet = utf8 && !asciiOnly ? .utf8 : .ascii

        // Before newterm, so that ncurses keeps out of these signals and they cannot kill us mid-frame.
        let signals = SignalWatch(signals: [SIGINT, SIGTERM, SIGHUP])

        let requested = environment["TERM"] ?? ""
        var notes: [String] = []
        var candidates = requested.isEmpty ? [] : [requested]
        candidates += ["xterm-256color", "xterm"].filter { $0 != requested }
        var opened: (screen: OpaquePointer, type: String)?
        for type in candidates {
            if let screen = type.withCString({ newterm($0, cn_stdout(), cn_stdin()) }) {
                opened = (screen, type)
                break
            }
        }
        guard let opened else {
            signals.cancel()
            throw TerminalError("cannot start the board: the terminal type '\(requested)' is unknown here, and so are xterm-256color and xterm (is ncurses-base installed?)")
        }
        if opened.type != requested {
            let why = requested.isEmpty ? "TERM is not set" : "the terminal type '\(requested)' is unknown here"
            notes.append("\(why); drawing as \(opened.type)")
        }
        set_term(opened.screen)

        cbreak()
        noecho()
        nonl()
        guard let window = cn_stdscr() else {
            endwin()
            delscreen(opened.screen)
            signals.cancel()
            throw TerminalError("cannot start the board: curses made no screen for '\(opened.type)'")
        }
        keypad(window, true)
        leaveok(window, true)
        intrflush(window, false)
        curs_set(0)
        // ncurses reads ESCDELAY itself; otherwise Esc would wait a whole second for a sequence.
        if environment["ESCDELAY"] == nil { set_escdelay(25) }

        var colors = 0
        var defaultColorsWork = false
        if has_colors() {
            start_color()
            defaultColorsWork = use_default_colors() == OK
            colors = Int(cn_colors())
        }
        let level = ColorLevel.detect(colors: colors, noColor: ColorLevel.noColorRequested(environment))
        if glyphs == .ascii && !asciiOnly {
            notes.append("the locale's character set is \(codeset), not UTF-8: drawing with ASCII")
        }
        return Terminal(screen: opened.screen, window: window, glyphs: glyphs, colorLevel: level, colors: colors,
                        defaultColorsWork: defaultColorsWork, notes: notes, signals: signals)
    }

    /// Gives the terminal back as it was: cursor, echo, line mode, the normal screen, signals.
    /// Safe to call again, and after a signal or an error.
    package func stop() {
        guard let screen else { return }
        self.screen = nil
        curs_set(1)
        endwin()
        delscreen(screen)
        signals.cancel()
    }

    // MARK: Drawing

    /// Shows `buffer`, sending curses only the cells that differ from the frame shown before; after a
    /// resize or a theme change, or the first time, it erases and copies every cell. One `doupdate()` when
    /// anything changed, none when nothing did; never `clear()` (docs/architecture.md §11).
    package func draw(_ buffer: ScreenBuffer, theme: Theme) {
        guard screen != nil else { return }
        let (palette, paletteChanged) = palette(for: theme)
        let size = size
        let rows = min(buffer.height, size.height)
        let columns = min(buffer.width, size.width)
        let previous = paletteChanged || shownSize.width != size.width || shownSize.height != size.height ? nil : shown
            .flatMap { $0.width == buffer.width && $0.height == buffer.height ? $0 : nil }
        var changed = previous == nil
        if changed { werase(window) }
        for y in 0..<rows {
            var x = 0
            while x < columns {
                if let previous, previous[x, y] == buffer[x, y] {
                    x += 1
                    continue
                }
                let style = buffer[x, y].style
                var end = x + 1
                while end < columns, buffer[end, y].style == style, previous.map({ $0[end, y] != buffer[end, y] }) ?? true {
                    end += 1
                }
                let (attributes, pair) = rendition(of: style, in: palette)
                if glyphs.unicode {
                    drawWide(buffer, y: y, from: x, to: end, attributes: attributes, pair: pair)
                } else {
                    drawASCII(buffer, y: y, from: x, to: end, attributes: attributes, pair: pair)
                }
                changed = true
                x = end
            }
        }
        shown = buffer
        shownSize = size
        guard changed else { return }
        wnoutrefresh(window)
        doupdate()
    }

    private func drawWide(_ buffer: ScreenBuffer, y: Int, from start: Int, to end: Int, attributes: attr_t, pair: Int16) {
        var text: [wchar_t] = []
        text.reserveCapacity((end - start) * 2)
        for x in start..<end {
            let scalars = buffer[x, y].scalars
            guard let first = scalars.first, first.value >= 0x20, !(0x7F..<0xA0).contains(first.value) else {
                text.append(wchar_t(UInt8(ascii: " ")))
                continue
            }
            // One cell per character: anything wide or zero-width on its own would shift the row.
            guard cn_wcwidth(wchar_t(first.value)) == 1 else {
                text.append(wchar_t(UInt8(ascii: "?")))
                continue
            }
            text.append(wchar_t(first.value))
            for mark in scalars.dropFirst() where cn_wcwidth(wchar_t(mark.value)) == 0 {
                text.append(wchar_t(mark.value))
            }
        }
        wattr_set(window, attributes, pair, nil)
        // The bottom-right cell reports ERR (the cursor cannot move past it) but is drawn all the same.
        _ = mvwaddnwstr(window, Int32(y), Int32(start), text, Int32(text.count))
    }

    private func drawASCII(_ buffer: ScreenBuffer, y: Int, from start: Int, to end: Int, attributes: attr_t, pair: Int16) {
        let rendition = chtype(attributes) | cn_color_pair(Int32(pair))
        for x in start..<end {
            let character = buffer[x, y].character
            let glyph = LineGlyph(character).map(Self.alternateCharacter) ?? chtype(LineGlyph.asciiStandIn(for: character))
            _ = mvwaddch(window, Int32(y), Int32(x), glyph | rendition)
        }
    }

    private static func alternateCharacter(_ glyph: LineGlyph) -> chtype {
        switch glyph {
        case .horizontal: cn_acs_hline()
        case .vertical: cn_acs_vline()
        case .topLeft: cn_acs_ulcorner()
        case .topRight: cn_acs_urcorner()
        case .bottomLeft: cn_acs_llcorner()
        case .bottomRight: cn_acs_lrcorner()
        case .teeRight: cn_acs_ltee()
        case .teeLeft: cn_acs_rtee()
        case .teeDown: cn_acs_ttee()
        case .teeUp: cn_acs_btee()
        case .cross: cn_acs_plus()
        case .block: cn_acs_block()
        case .shade: cn_acs_ckboard()
        case .bullet: cn_acs_bullet()
        case .diamond: cn_acs_diamond()
        }
    }

    /// The theme's palette at this terminal's colours, and whether it differs from the last frame's.
    private func palette(for theme: Theme) -> (palette: [StyleRole: ResolvedStyle], changed: Bool) {
        if let cached = cachedPalette, cached.level == colorLevel, cached.theme == theme { return (cached.palette, false) }
        let palette = theme.palette(at: colorLevel)
        cachedPalette = (theme, colorLevel, palette)
        return (palette, true)
    }

    private func rendition(of style: Style, in palette: [StyleRole: ResolvedStyle]) -> (attr_t, Int16) {
        let resolved = (palette[style.role] ?? .plain).adding(style)
        var bits = cn_attr_normal()
        for attribute in resolved.attributes {
            switch attribute {
            case .bold: bits |= cn_attr_bold()
            case .dim: bits |= cn_attr_dim()
            case .underline: bits |= cn_attr_underline()
            case .reverse: bits |= cn_attr_reverse()
            case .italic: bits |= cn_attr_italic()
            case .standout: bits |= cn_attr_standout()
            }
        }
        guard colorLevel != .monochrome else { return (bits, 0) }
        return (bits, pair(foreground: resolved.foreground, background: resolved.background))
    }

    // MARK: Colour pairs

    private struct ColorPairKey: Hashable {
        var foreground: Int16
        var background: Int16
    }

    /// The colour pair for these colours, set up the first time it is asked for.
    private func pair(foreground: ThemeColor, background: ThemeColor) -> Int16 {
        let key = ColorPairKey(foreground: number(foreground, isBackground: false),
                               background: number(background, isBackground: true))
        if key.foreground == -1 && key.background == -1 { return 0 }
        if let pair = pairs[key] { return pair }
        let next = Int16(pairs.count + 1)
        // Past the terminal's pairs, draw in the default pair rather than fail.
        guard Int(next) < Int(cn_color_pairs()), Int(next) < Int(Int16.max) else { return 0 }
        init_pair(next, key.foreground, key.background)
        pairs[key] = next
        return next
    }

    /// The curses colour number: -1 is the terminal's default where `use_default_colors` works.
    private func number(_ color: ThemeColor, isBackground: Bool) -> Int16 {
        switch color {
        case .terminalDefault:
            return defaultColorsWork ? -1 : (isBackground ? Int16(COLOR_BLACK) : Int16(COLOR_WHITE))
        case .index(let index):
            if index < colors { return Int16(index) }
            guard case .index(let near) = color.nearest(within: colors >= 16 ? 16 : 8) else { return -1 }
            return Int16(near)
        }
    }

    // MARK: Keys

    /// The next key within `timeout`, or nil when none came (or a stop signal arrived: see `receivedSignal`).
    /// Input the board has no use for (stray control characters) is skipped.
    package func readKey(timeout: Duration) -> Key? {
        guard screen != nil else { return nil }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while signals.received == nil {
            // Wait in slices so that a signal is noticed within half a second even when no key comes; a
            // resize ends the wait at once when this thread takes the SIGWINCH, else at the slice's end.
            // Each slice is a wake-up of an idle board, so they are few (docs/board.md, "At rest").
            let remaining = clock.now.duration(to: deadline)
            let slice = max(0, min(Self.sliceMilliseconds, Self.milliseconds(remaining)))
            wtimeout(window, Int32(slice))
            var value: wint_t = 0
            let status = wget_wch(window, &value)
            if status == cn_key_code_yes() {
                if let key = Key.decode(.keyCode(Int32(bitPattern: value))) {
                    guard case .resize = key else { return key }
                    let (width, height) = size
                    return .resize(width: width, height: height)
                }
            } else if status == OK {
                if let key = Key.decode(.character(UInt32(value))) { return key }
            }
            if clock.now >= deadline { return nil }
        }
        return nil
    }

    /// The longest a key read waits before looking for a stop signal.
    static let sliceMilliseconds = 500

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

/// The terminal could not be taken over; the message says why.
package struct TerminalError: Error, Sendable, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

/// Watches stop signals with dispatch sources: the handlers only record which signal came, on a
/// dispatch queue, never touching curses (which is not safe to call from a signal).
private final class SignalWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var signal: Int32?
    private var sources: [any DispatchSourceSignal] = []
    private let watched: [Int32]

    init(signals: [Int32]) {
        watched = signals
        for number in signals {
            // Ignored by the process so that the source, not the default action, handles it.
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.record(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// The first stop signal received.
    var received: Int32? { lock.withLock { signal } }

    private func record(_ number: Int32) {
        lock.withLock { if signal == nil { signal = number } }
    }

    /// Stops watching and gives the signals their default actions back.
    func cancel() {
        let current = lock.withLock { () -> [any DispatchSourceSignal] in
            defer { sources = [] }
            return sources
        }
        guard !current.isEmpty else { return }
        for source in current { source.cancel() }
        for number in watched { Foundation.signal(number, SIG_DFL) }
    }
}
