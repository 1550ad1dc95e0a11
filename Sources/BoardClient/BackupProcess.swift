import BoardProcess
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a backup command for `run`: its output goes to our terminal unchanged while a capped tail is
/// kept, SIGINT and SIGTERM sent to us are passed on to it, and its end is measured.
package struct BackupProcess: Sendable {
    /// The command and its arguments, as given after `--`.
    let arguments: [String]

    package init(arguments: [String]) {
        self.arguments = arguments
    }
    /// How much of the combined output `output` keeps.
    var tailBytes = 8 * 1_024
    var tailLines = 64
    /// How much of standard output, and of standard error, is kept to find a tool's summary in.
    var summaryBytes = 64 * 1_024

    /// How the command ended.
    package struct Outcome: Sendable, Equatable {
        /// What a shell would report: the exit status, or 128 + the signal that killed it.
        package var exitCode: Int32
        /// The signal that killed it, if one did.
        package var signal: Int32?
        /// Wall-clock time from start to exit, on a monotonic clock.
        package var duration: TimeInterval
        /// The end of stdout and stderr together, as the terminal showed it.
        package var outputTail: String
        /// The end of stdout alone: where restic, borg `--json` and rsync print their summaries.
        package var standardOutputTail: String
        /// The end of stderr alone: where borg `--stats` and rclone print theirs.
        package var standardErrorTail: String = ""
    }

    /// The command could not be started.
    package struct LaunchError: Error, CustomStringConvertible {
        /// 127 for a command that is not there, 126 for one that cannot be run, as a shell says.
        package let exitCode: Int32
        package let description: String
    }

    /// Runs the command to its end.
    package func run() throws(LaunchError) -> Outcome {
        guard let command = arguments.first else { throw LaunchError(exitCode: 127, description: "no command given") }
        let executable = try Self.resolve(command)

        let combined = OutputTail(maxBytes: tailBytes)
        let standardOutput = OutputTail(maxBytes: summaryBytes)
        let standardError = OutputTail(maxBytes: summaryBytes)
        let out = try Self.makePipe()
        let err = try Self.makePipe()
        let clock = ContinuousClock()
        let start = clock.now
        let pid = try Self.spawn(executable, arguments: arguments, stdout: out.write, stderr: err.write)
        close(out.write)
        close(err.write)
        SignalForwarding.start(to: pid, signals: [SIGINT, SIGTERM])

        let readers = DispatchGroup()
        Self.pump(out.read, to: STDOUT_FILENO, into: [combined, standardOutput], group: readers)
        Self.pump(err.read, to: STDERR_FILENO, into: [combined, standardError], group: readers)
        let ending = ChildProcess.reap(pid)
        let duration = clock.now - start
        SignalForwarding.stop()
        // A child the command left in the background may hold the pipes open; do not wait for it long.
        _ = readers.wait(timeout: .now() + 2)

        let (exitCode, signal): (Int32, Int32?) = switch ending {
        case .exited(let code): (code, nil)
        case .signalled(let signal): (128 + signal, signal)
        }
        return Outcome(
            exitCode: exitCode,
            signal: signal,
            duration: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18,
            outputTail: combined.text(maxLines: tailLines),
            standardOutputTail: standardOutput.text(),
            standardErrorTail: standardError.text()
        )
    }

    /// Starts `executable` with our environment and standard input, its output into the given pipes, and
    /// nothing else of ours (`ChildProcess`).
    private static func spawn(_ executable: String, arguments: [String], stdout: Int32, stderr: Int32) throws(LaunchError) -> pid_t {
        do {
            return try ChildProcess.spawn(executable, arguments: arguments, standardOutput: stdout, standardError: stderr)
        } catch {
            throw LaunchError(exitCode: error.code == ENOENT ? 127 : 126, description: "cannot run \(executable): \(error)")
        }
    }

    /// A pipe whose ends the command does not inherit (it gets copies on 1 and 2 only).
    private static func makePipe() throws(LaunchError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0 else {
            throw LaunchError(exitCode: 126, description: "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        return (fds[0], fds[1])
    }

    /// The path of `command`: as given when it holds a `/`, else the first match on `$PATH`.
    static func resolve(_ command: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) throws(LaunchError) -> String {
        if command.contains("/") {
            guard FileManager.default.fileExists(atPath: command) else {
                throw LaunchError(exitCode: 127, description: "\(command): no such file")
            }
            guard FileManager.default.isExecutableFile(atPath: command) else {
                throw LaunchError(exitCode: 126, description: "\(command): not executable")
            }
            return command
        }
        let directories = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false)
        for directory in directories {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + command
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        throw LaunchError(exitCode: 127, description: "\(command): command not found")
    }

    /// Copies everything from `source` to `target` as it comes, keeping a copy in each tail.
    private static func pump(_ source: Int32, to target: Int32, into tails: [OutputTail], group: DispatchGroup) {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            var buffer = [UInt8](repeating: 0, count: 16 * 1_024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                let chunk = buffer[..<count]
                writeAll(chunk, to: target)
                for tail in tails { tail.append(chunk) }
            }
        }
    }

    /// Writes all of `bytes`; a closed terminal (EPIPE) is not the backup's problem, so it is ignored.
    private static func writeAll(_ bytes: ArraySlice<UInt8>, to fd: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                offset += n
            }
        }
    }
}

/// The child that SIGINT and SIGTERM are passed on to; 0 when none. Read in a signal handler, which
/// cannot capture context.
nonisolated(unsafe) private var forwardingTarget: pid_t = 0
/// The last SIGINT or SIGTERM that reached us, 0 when none: `run` was asked to stop, so it tries no more.
nonisolated(unsafe) private var receivedStop: Int32 = 0

/// Passes SIGINT and SIGTERM sent to us on to the backup command, so that `kill`, systemd or a
/// scheduler stopping `run` stops the backup too, and `run` still reports how it ended.
package enum SignalForwarding {
    static func start(to pid: pid_t, signals: [Int32]) {
        forwardingTarget = pid
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { signal, info, _ in
                receivedStop = signal
                let target = forwardingTarget
                guard target > 0 else { return }
                // Ctrl-C on a terminal reaches the whole foreground group, the command included:
                // only what was sent to us alone is passed on, so the command never gets it twice.
                if let info, info.pointee.si_code == SI_KERNEL { return }
                kill(target, signal)
            }
            action.sa_flags = SA_SIGINFO | SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }

    /// Stops passing signals on; until `run` exits they are only recorded, so it can still report.
    static func stop() {
        forwardingTarget = 0
    }

    /// The SIGINT or SIGTERM that asked `run` to stop since `start`, if one did.
    package static var stopRequested: Int32? { receivedStop == 0 ? nil : receivedStop }

    /// Waits `seconds` before another attempt; false, at once, when a stop signal arrives meanwhile.
    /// Sleeps in slices of 50 ms, looking at `receivedStop` between them: the signal may be handled on any
    /// thread, not necessarily the one sleeping, so it cannot be relied on to cut the sleep short.
    package static func pause(for seconds: TimeInterval) -> Bool {
        let end = ContinuousClock.now + .milliseconds(Int64((seconds * 1_000).rounded(.up)))
        while receivedStop == 0 {
            let left = end - ContinuousClock.now
            guard left > .zero else { return true }
            let slice = min(left, .milliseconds(50))
            var request = timespec(tv_sec: 0, tv_nsec: Int(slice.components.attoseconds / 1_000_000_000))
            _ = nanosleep(&request, nil)
        }
        return false
    }
}
