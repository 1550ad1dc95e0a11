import BoardModel
import BoardProcess
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A local program run for each notification: an argument list, never a shell, so nothing in an event is ever
/// interpreted as shell syntax. The event is on its standard input (the webhook's JSON) and in
/// `BACKUPBOARD_EVENT_*` variables. Exit 0 is delivered; 75 (`EX_TEMPFAIL`) or a timeout is tried again
/// later; any other exit is given up at once, with the tail of its standard error kept as the error.
package struct CommandChannel: Sendable, Equatable {
    /// The program (an absolute path) and its arguments.
    var arguments: [String]
    var timeout: TimeInterval = 30

    /// `EX_TEMPFAIL` of sysexits.h: "try again later".
    static let temporaryFailure: Int32 = 75
    /// Bytes of standard error kept with a failure.
    static let errorTail = 1_000

    /// The variables the program gets beside the server's own: one per template placeholder but `$JSON`, then
    /// the event's id, action and alert id.
    static func environment(for event: NotificationEvent) -> [String: String] {
        var variables: [String: String] = [:]
        for placeholder in WebhookTemplate.Placeholder.allCases where placeholder != .json {
            variables["BACKUPBOARD_EVENT_\(placeholder.rawValue)"] = placeholder.value(event)
        }
        variables["BACKUPBOARD_EVENT_ID"] = event.id
        variables["BACKUPBOARD_EVENT_ACTION"] = event.action.rawValue
        variables["BACKUPBOARD_EVENT_ALERT_ID"] = event.alertID.map(String.init) ?? ""
        return variables
    }

    /// Runs the program for `event`; its outcome as a receipt (the first bytes of its standard output) or a
    /// `DeliveryError`.
    func run(_ event: NotificationEvent, channel: String) async throws -> DeliveryReceipt {
        let result = try await Self.execute(
            arguments, input: WebhookChannel.eventJSON(event), environment: Self.environment(for: event), timeout: timeout)
        let program = (arguments.first as NSString?)?.lastPathComponent ?? "command"
        let stderr = String(decoding: result.errorTail, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let said = stderr.isEmpty ? "" : ": \(stderr)"
        switch result.ending {
        case .exited(0):
            return DeliveryReceipt(status: 0, answer: result.output)
        case .exited(Self.temporaryFailure):
            throw DeliveryError.temporary("\(channel): \(program) exited 75 (try again later)\(said)")
        case .exited(let code):
            throw DeliveryError.final("\(channel): \(program) exited \(code)\(said)")
        case .signalled(let signal):
            throw DeliveryError.final("\(channel): \(program) was killed by signal \(signal)\(said)")
        case .timedOut:
            throw DeliveryError.temporary("\(channel): \(program) did not finish within \(Int(timeout)) s and was killed\(said)")
        }
    }

    /// How a run ended.
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
    }

    struct Result {
        var ending: Ending
        /// The first bytes of standard output.
        var output: [UInt8]
        /// The last bytes of standard error.
        var errorTail: [UInt8]
    }

    /// Runs `arguments` with `input` on its standard input, killing it after `timeout`.
    static func execute(
        _ arguments: [String], input: [UInt8], environment: [String: String], timeout: TimeInterval
    ) async throws -> Result {
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        let pid: pid_t
        do {
            pid = try ChildProcess.spawn(
                arguments[0], arguments: arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                standardInput: stdin.fileHandleForReading.fileDescriptor, standardOutput: stdout.fileHandleForWriting.fileDescriptor,
                standardError: stderr.fileHandleForWriting.fileDescriptor, ownProcessGroup: true)
        } catch {
            throw DeliveryError.final("cannot run \(arguments[0]): \(error)")
        }
        try? stdin.fileHandleForReading.close()
        try? stdout.fileHandleForWriting.close()
        try? stderr.fileHandleForWriting.close()
        let output = Mutex<[UInt8]>([])
        let errors = Mutex<[UInt8]>([])
        // Both pipes are read as they fill, so a talkative program never blocks on a full pipe.
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.withLock { if $0.count < 4_096 { $0.append(contentsOf: data.prefix(4_096 - $0.count)) } }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            errors.withLock {
                $0.append(contentsOf: data)
                if $0.count > errorTail { $0.removeFirst($0.count - errorTail) }
            }
        }
        // `exited` is set before the program is reaped, so the killer never signals a process id used again.
        let state = Mutex((exited: false, timedOut: false))
        let killer = DispatchWorkItem {
            state.withLock { state in
                guard !state.exited else { return }
                state.timedOut = true
                // Its children too: one left running would hold the pipes, and the program's place, open.
                for child in [pid] + Self.descendants(of: pid) { kill(child, SIGKILL) }
            }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        Thread {
            // A program that exits without reading its input must not kill the server with SIGPIPE.
            signal(SIGPIPE, SIG_IGN)
            let fd = stdin.fileHandleForWriting.fileDescriptor
            var offset = 0
            while offset < input.count {
                let written = input[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
            }
            try? stdin.fileHandleForWriting.close()
        }.start()
        let ending: Ending = await withCheckedContinuation { continuation in
            Thread {
                ChildProcess.waitUntilEnded(pid)
                let timedOut = state.withLock { state in
                    state.exited = true
                    return state.timedOut
                }
                let ending = ChildProcess.reap(pid)
                if timedOut {
                    continuation.resume(returning: .timedOut)
                } else {
                    switch ending {
                    case .exited(let code): continuation.resume(returning: .exited(code))
                    case .signalled(let signal): continuation.resume(returning: .signalled(signal))
                    }
                }
            }.start()
        }
        killer.cancel()
        stdout.fileHandleForReading.readabilityHandler = nil
        stderr.fileHandleForReading.readabilityHandler = nil
        // What is left in the pipes, read without waiting: a child the program left behind may hold them open.
        var out = output.withLock { $0 }
        out.append(contentsOf: Self.available(stdout.fileHandleForReading.fileDescriptor).prefix(max(0, 4_096 - out.count)))
        var err = errors.withLock { $0 } + Self.available(stderr.fileHandleForReading.fileDescriptor)
        if err.count > errorTail { err.removeFirst(err.count - errorTail) }
        return Result(ending: ending, output: out, errorTail: err)
    }

    /// The bytes a pipe holds now, without waiting for more.
    private static func available(_ fd: Int32) -> [UInt8] {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes.append(contentsOf: buffer[..<count])
        }
        return bytes
    }

    /// The processes below `pid`, from `/proc` (Linux; elsewhere none are found and only the program is killed).
    static func descendants(of pid: Int32) -> [Int32] {
        let tasks = "/proc/\(pid)/task"
        var children: [Int32] = []
        for task in (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? [] {
            let text = (try? String(contentsOfFile: "\(tasks)/\(task)/children", encoding: .utf8)) ?? ""
            children += text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        return children + children.flatMap(descendants(of:))
    }
}
