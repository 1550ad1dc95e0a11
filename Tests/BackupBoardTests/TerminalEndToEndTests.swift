import Foundation
import Testing
import TestSupport

/// A tmux server of its own, with one pane running a plain shell, for driving the real binary.
final class TmuxPane {
    let socket = "backupboard-test-\(UUID().uuidString.prefix(8))"

    init(width: Int = 100, height: Int = 30) throws {
        try Self.spawnAndWait(["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "\(width)", "-y", "\(height)",
                               "env", "PS1=$ ", "HISTFILE=/dev/null", "bash", "--norc", "--noprofile"])
    }

    /// Runs a command that starts a daemon (the tmux server) and waits for it, without `Process`:
    /// Foundation learns that a child exited when every holder of a socket it passes down closes it, and
    /// a daemon forked from the child would hold it for ever. Descriptors past stderr are not passed on.
    static func spawnAndWait(_ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        let argv = arguments.map { strdup($0) } + [nil]
        // The pane's shell starts from this environment: keep the caller's NO_COLOR and tmux out of it.
        var environment = ProcessInfo.processInfo.environment
        for name in ["NO_COLOR", "TMUX", "TMUX_PANE", "ESCDELAY", "BACKUPBOARD_THEMES"] { environment[name] = nil }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // Test threads block most signals, and a child inherits that mask: a tmux server that cannot
        // see SIGCHLD never finishes kill-server. Start it with no signal blocked and default actions.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    deinit {
        try? Self.spawnAndWait(["tmux", "-L", socket, "kill-server"])
        // tmux leaves the socket file behind.
        let folder = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(folder)/tmux-\(getuid())/\(socket)")
    }

    /// Types `text` into the pane, then Enter.
    func type(_ text: String) async throws {
        try await tmux(["send-keys", "-l", text])
        try await tmux(["send-keys", "Enter"])
    }

    /// Presses keys by tmux's names (`Up`, `Escape`, `C-c`, or literal characters).
    func press(_ keys: String...) async throws {
        try await tmux(["send-keys"] + keys)
    }

    func resize(width: Int, height: Int) async throws {
        try await tmux(["resize-window", "-x", "\(width)", "-y", "\(height)"])
    }

    /// The pane's text now.
    func screen() async throws -> String {
        try await tmux(["capture-pane", "-p"])
    }

    /// The screen once it shows every one of `texts`, polling; fails the test after `timeout`. The default is
    /// long because it is a limit, not a measure: at the suite's start every suite starts at once on two cores,
    /// and the demo board's first frame (2.6 s alone, building its database) once took over 30 s in CI.
    @discardableResult
    func waitFor(_ texts: String..., timeout: Duration = .seconds(90),
                 sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var last = ""
        while clock.now < deadline {
            last = try await screen()
            if texts.allSatisfy(last.contains) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the screen never showed \(texts); it shows:\n\(last)", sourceLocation: sourceLocation)
        return last
    }

    /// The process id of the shell in the pane.
    func shellPID() async throws -> Int32 {
        Int32(try await tmux(["display-message", "-p", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Runs a tmux client and returns what it printed.
    @discardableResult
    private func tmux(_ arguments: [String]) async throws -> String {
        let socket = self.socket
        return try await offThePool { try Self.tmuxBlocking(["-L", socket] + arguments) }
    }

    private static func tmuxBlocking(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux"] + arguments
        let out = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// `Terminal` for real: `backupboard-bench screen-test` under tmux.
@Suite(.serialized) struct TerminalEndToEndTests {
    static var binary: String { CommandLine.product("backupboard-bench").path }

    /// The command line that runs the screen test with `environment`, then reports its exit status.
    static func command(_ environment: String) -> String {
        "\(environment) \(binary) screen-test; echo exited=$?"
    }

    @Test func drawsReadsKeysNoticesResizeAndRestoresTheTerminalOnQuit() async throws {
        let pane = try TmuxPane(width: 100, height: 30)
        try await pane.type(Self.command("LANG=C.UTF-8 LC_ALL= TERM=tmux-256color"))
        let first = try await pane.waitFor("BackupBoard screen test", "size 100x30", "glyphs unicode, 256 colours, theme dark",
                                     "│ ✔ ok  ⚠ late  ✖ failed", "q quits")
        #expect(first.contains("┌────"))
        #expect(!first.contains("note:"))

        try await pane.press("x")
        try await pane.waitFor("last key: 'x' (1 read)")
        try await pane.press("Up")
        try await pane.waitFor("last key: up (2 read)")
        try await pane.press("Escape")
        try await pane.waitFor("last key: escape (3 read)")
        try await pane.press("NPage")
        try await pane.waitFor("last key: pageDown (4 read)")

        try await pane.resize(width: 60, height: 15)
        let small = try await pane.waitFor("size 60x15", "last key: resize (5 read)", "q quits")
        #expect(small.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { $0.count <= 60 })

        try await pane.press("q")
        let after = try await pane.waitFor("exited=0")
        #expect(after.contains("screen test done: 5 keys read"))
        // The normal screen is back, with nothing of the board left on it.
        #expect(!after.contains("BackupBoard screen test"))
        #expect(!after.contains("q quits"))
        // Echo and line mode are back: what is typed shows, and Enter runs it.
        try await pane.type("echo restored-$((40 + 2))")
        try await pane.waitFor("$ echo restored-$((40 + 2))", "restored-42")
    }

    @Test func interruptAndTerminateRestoreTheTerminal() async throws {
        let pane = try TmuxPane()
        try await pane.type(Self.command("LANG=C.UTF-8 TERM=tmux-256color"))
        try await pane.waitFor("BackupBoard screen test")
        try await pane.press("C-c")
        let interrupted = try await pane.waitFor("exited=130")
        #expect(interrupted.contains("screen test stopped by signal 2"))
        #expect(!interrupted.contains("BackupBoard screen test"))

        try await pane.type("clear")
        try await pane.type(Self.command("LANG=C.UTF-8 TERM=tmux-256color"))
        try await pane.waitFor("BackupBoard screen test")
        let shell = try await pane.shellPID()
        let child = try #require(Self.children(of: shell).first, "the screen test runs under the pane's shell")
        kill(child, SIGTERM)
        let terminated = try await pane.waitFor("exited=143")
        #expect(terminated.contains("screen test stopped by signal 15"))
        #expect(!terminated.contains("BackupBoard screen test"))
        try await pane.type("echo still-$((1 + 1))")
        try await pane.waitFor("still-2")
    }

    @Test func unknownTermFallsBackWithANote() async throws {
        let pane = try TmuxPane()
        try await pane.type(Self.command("LANG=C.UTF-8 TERM=nonexistent-term"))
        try await pane.waitFor("BackupBoard screen test",
                         "note: the terminal type 'nonexistent-term' is unknown here; drawing as xterm-256color")
        try await pane.press("q")
        let after = try await pane.waitFor("exited=0")
        #expect(after.contains("screen test done: 0 keys read"))
    }

    @Test func cLocaleDrawsASCIIAndNoColorDrawsWithoutColour() async throws {
        let pane = try TmuxPane()
        try await pane.type(Self.command("LC_ALL=C LANG=C TERM=screen NO_COLOR=1"))
        let screen = try await pane.waitFor("glyphs ascii, monochrome, theme dark", "+ ok  ! late  X failed",
                                      "note: the locale's character set is ANSI_X3.4-1968, not UTF-8: drawing with ASCII")
        #expect(!screen.contains("✔"))
        try await pane.press("q")
        try await pane.waitFor("exited=0")

        try await pane.type("clear")
        try await pane.type(Self.command("LANG=C.UTF-8 TERM=screen"))
        try await pane.waitFor("glyphs unicode, 8 colours, theme dark")
        try await pane.press("q")
        try await pane.waitFor("exited=0")
    }

    @Test func brokenThemeShowsItsLineAndTheDefaultIsUsed() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("mine.toml")
        try "[roles]\nok = { fg = \"greeen\" }\n".write(to: file, atomically: true, encoding: .utf8)

        let pane = try TmuxPane(width: 160, height: 30)
        try await pane.type("LANG=C.UTF-8 TERM=tmux-256color BACKUPBOARD_THEMES=\(folder.path) \(Self.binary) screen-test --theme mine; echo exited=$?")
        try await pane.waitFor("theme dark", "note: \(file.path):2: unknown colour 'greeen' for ok.fg (did you mean 'green'?)",
                         "note: using the dark theme instead")
        try await pane.press("q")
        try await pane.waitFor("exited=0")
    }

    /// Processes whose parent is `pid`, from /proc.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { candidate in
            guard let status = try? String(contentsOfFile: "/proc/\(candidate)/status", encoding: .utf8) else { return false }
            return status.split(separator: "\n").contains { $0 == "PPid:\t\(pid)" }
        }
    }
}
