import Foundation
import Testing
import TestSupport
import BoardModel
import BoardWire

/// `jobs add --on-calendar`, and the units of docs/schedulers.md and examples/backupboard.service checked by
/// `systemd-analyze verify`.
@Suite(.serialized) struct SchedulerRecipeTests {
    let cli: CommandLine
    init() throws { cli = try CommandLine() }

    /// The package's root folder.
    static var root: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    @Test func jobsAddTakesCalendarEventsAndSeveralSchedules() async throws {
        let db = cli.path("jobs.sqlite")
        let one = try await cli.run(["jobs", "add", "weekdays", "--on-calendar", "Mon..Fri *-*-* 02:30:00", "--tz", "Europe/Berlin", "--db", db])
        #expect(one.code == 0, "\(one.err)")
        #expect(one.out.contains("Added weekdays (calendar Mon..Fri *-*-* 02:30:00 Europe/Berlin, grace 1h)."))

        let several = try await cli.run([
            "jobs", "add", "mixed", "--on-calendar", "Mon..Fri 02:30", "--on-calendar", "Sat 06:00", "--cron", "0 12 * * 0",
            "--db", db,
        ])
        #expect(several.code == 0, "\(several.err)")
        #expect(several.out.contains("Added mixed (cron 0 12 * * 0 UTC; calendar Mon..Fri 02:30 UTC; calendar Sat 06:00 UTC, grace 1h)."))

        let list = try await cli.run(["jobs", "list", "--db", db])
        #expect(list.out.contains("calendar Mon..Fri *-*-* 02:30:00 Europe/Berlin"), "\(list.out)")

        let bad = try await cli.run(["jobs", "add", "x", "--on-calendar", "Mon..Fro 02:30", "--db", db])
        #expect(bad.code != 0)
        #expect(bad.err.contains("--on-calendar 'Mon..Fro 02:30': weekday 'Fro' is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun"), "\(bad.err)")

        let both = try await cli.run(["jobs", "add", "y", "--every", "1d", "--on-calendar", "daily", "--db", db])
        #expect(both.code != 0)
        #expect(both.err.contains("Give one schedule"), "\(both.err)")
    }

    /// examples/backupboard.service and each unit in docs/schedulers.md pass `systemd-analyze verify`, with the
    /// programs they name pointed at this build (`backupboard`) or `/bin/true` (the backup script).
    @Test func exampleUnitsPassSystemdAnalyzeVerify() async throws {
        let tool = try #require(
            ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: FileManager.default.isExecutableFile(atPath:)),
            "systemd-analyze is missing: install Debian's systemd package (sudo apt-get install -y systemd) to verify the example units")
        let binary = CommandLine.binary.path
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build backupboard first: \(binary)")

        var units: [(name: String, text: String)] = []
        units.append(("backupboard.service", try String(contentsOf: Self.root.appendingPathComponent("examples/backupboard.service"), encoding: .utf8)))
        let recipes = try String(contentsOf: Self.root.appendingPathComponent("docs/schedulers.md"), encoding: .utf8)
        for block in recipes.components(separatedBy: "```ini\n").dropFirst() {
            let text = block.components(separatedBy: "```")[0]
            let first = text.split(separator: "\n").first.map(String.init) ?? ""
            guard first.hasPrefix("# /etc/systemd/system/") else {
                Issue.record("a unit block in docs/schedulers.md does not start with its path: \(first)")
                continue
            }
            units.append((String(first.dropFirst("# /etc/systemd/system/".count)), text))
        }
        #expect(units.count >= 4)

        for (name, text) in units {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            // A timer needs the service it starts beside it.
            for (otherName, otherText) in units where otherName == name || (name.hasSuffix(".timer") && otherName == name.replacingOccurrences(of: ".timer", with: ".service")) {
                let local = otherText
                    .replacingOccurrences(of: "/usr/local/bin/backupboard", with: binary)
                    .replacingOccurrences(of: "/usr/local/bin/backup-db", with: "/bin/true")
                try local.write(to: folder.appendingPathComponent(otherName), atomically: true, encoding: .utf8)
            }
            let unit = folder.appendingPathComponent(name).path
            let (status, said) = try await offThePool { () throws -> (Int32, String) in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: tool)
                process.arguments = ["verify", "--man=no", unit]
                var environment = ProcessInfo.processInfo.environment
                environment["SYSTEMD_LOG_LEVEL"] = "warning"
                process.environment = environment
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                try process.run()
                let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                return (process.terminationStatus, said)
            }
            #expect(status == 0, "systemd-analyze verify \(name) failed: \(said)")
            // Warnings about the unit itself (unknown keys, bad values) are failures too.
            let own = said.split(separator: "\n").filter { $0.contains(name) }
            #expect(own.isEmpty, "systemd-analyze verify \(name): \(own.joined(separator: "\n"))")
        }
    }
}

/// The API's schedule document carries calendar events and several entries, and reads them back.
@Suite struct ScheduleDocumentTests {
    @Test func calendarAndSeveralRoundTripThroughJSON() throws {
        let schedules: [Schedule] = [
            .interval(21_600),
            try Schedule.parse("30 2 * * *", timeZone: "Europe/Berlin"),
            try Schedule.parse("Mon..Fri 02:30", timeZone: "Europe/Berlin"),
            try Schedule.parse("daily America/New_York", timeZone: nil),
            try Schedule.parse(entries: ["Mon..Fri 02:30", "0 6 * * 6", "Sun 07:00 UTC"], timeZone: "Europe/Berlin"),
        ]
        for schedule in schedules {
            let data = try JSONEncoder().encode(ScheduleDocument(schedule))
            #expect(try JSONDecoder().decode(ScheduleDocument.self, from: data).schedule() == schedule)
        }
        let json = String(decoding: try JSONEncoder().encode(ScheduleDocument(schedules[4])), as: UTF8.self)
        #expect(json.contains(#""entries":["Mon..Fri 02:30","0 6 * * 6","Sun 07:00 UTC"]"#), "\(json)")
        #expect(json.contains(#""calendar":null"#) && json.contains(#""time_zone":"Europe\/Berlin""#), "\(json)")
    }
}
