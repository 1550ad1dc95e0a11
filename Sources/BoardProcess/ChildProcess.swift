#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts another program — the backup command `run` wraps, a notification command of `serve` — so that it gets
/// our standard input, output and error (or the descriptors given for them) and nothing else, with every signal
/// at its default action and none blocked.
///
/// Nothing else: SwiftNIO opens and accepts sockets without close-on-exec, and Foundation's `Process` closes in
/// the child only the descriptors that were open when it looked, so a connection accepted while a program was
/// being started passed to it and stayed open for as long as that program lived (docs/architecture.md §11).
/// Here the child closes every descriptor from 3 up as it starts, whatever opened meanwhile.
package enum ChildProcess {
    /// The program could not be started; `code` is the errno (ENOENT for a program that is not there).
    package struct SpawnError: Error, CustomStringConvertible {
        package let code: Int32
        package var description: String { String(cString: strerror(code)) }
    }

    /// Starts `executable` (a path) with `arguments` (its name first) and `environment` (ours when nil); returns
    /// its process id, for `waitpid`. `ownProcessGroup` puts it in a process group of its own, out of reach of a
    /// Ctrl-C meant for us.
    package static func spawn(
        _ executable: String, arguments: [String], environment: [String: String]? = nil,
        standardInput: Int32? = nil, standardOutput: Int32? = nil, standardError: Int32? = nil,
        ownProcessGroup: Bool = false
    ) throws(SpawnError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (descriptor, target) in [(standardInput, STDIN_FILENO), (standardOutput, STDOUT_FILENO), (standardError, STDERR_FILENO)] {
            if let descriptor { posix_spawn_file_actions_adddup2(&actions, descriptor, target) }
        }
        guard let closeFrom = addCloseFrom else { throw SpawnError(code: ENOSYS) }
        let closing = closeFrom(&actions, 3)
        guard closing == 0 else { throw SpawnError(code: closing) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noneBlocked = sigset_t()
        sigemptyset(&noneBlocked)
        posix_spawnattr_setsigmask(&attributes, &noneBlocked)
        // Threads of Swift's runtime block signals and Foundation ignores SIGPIPE, and a child inherits both: a
        // backup that ignores SIGTERM or SIGPIPE misbehaves.
        var allDefault = sigset_t()
        sigemptyset(&allDefault)
        for number: Int32 in 1..<32 where number != SIGKILL && number != SIGSTOP { sigaddset(&allDefault, number) }
        posix_spawnattr_setsigdefault(&attributes, &allDefault)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }
        var pid: pid_t = 0
        let result = envp.map { posix_spawn(&pid, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw SpawnError(code: result) }
        return pid
    }

    /// How a program ended: its exit status, or the signal that killed it.
    package enum Ending: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Waits until `pid` has ended without reaping it: until `reap`, its process id is not given to another
    /// process, so whoever checks that it has not ended may still signal it safely.
    package static func waitUntilEnded(_ pid: pid_t) {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
    }

    /// Reaps `pid`, waiting for it to end; how it ended.
    package static func reap(_ pid: pid_t) -> Ending {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // The <sys/wait.h> macros are not imported: low 7 bits are the signal, the next byte the exit status.
        let signal = status & 0x7f
        return signal != 0 ? .signalled(signal) : .exited((status >> 8) & 0xff)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which its header declares only for
    /// `_GNU_SOURCE`, so Swift's Glibc module does not import it: found by name instead.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }
}
