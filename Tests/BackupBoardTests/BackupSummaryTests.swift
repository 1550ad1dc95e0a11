@testable import BackupBoard
@testable import BoardClient
@testable import BoardLive
@testable import BoardSQLite
@testable import BoardServe
@testable import BoardTerminal
@testable import BoardWire
import Foundation
import Testing

/// Realistic ends of backup tools' output, and what `run` reads from them.
struct BackupSummaryTests {
    struct Sample: CustomTestStringConvertible, Sendable {
        let name: String
        let output: String
        var errorOutput = ""
        let expected: BackupSummary?
        var testDescription: String { name }

        init(name: String, output: String, errorOutput: String = "", expected: BackupSummary?) {
            self.name = name
            self.output = output
            self.errorOutput = errorOutput
            self.expected = expected
        }
    }

    static let samples: [Sample] = [
        Sample(
            name: "restic 0.16 backup --json: status lines, then the summary",
            output: """
                {"message_type":"status","percent_done":0,"total_files":1,"total_bytes":0}
                {"message_type":"status","seconds_elapsed":2,"percent_done":0.4213,"total_files":3416,"files_done":1402,"total_bytes":1234567890,"bytes_done":520118210,"current_files":["/srv/data/photos/2024/IMG_2231.jpg"]}
                {"message_type":"verbose_status","action":"modified","item":"/srv/data/db.sql","duration":0.31,"data_size":52428800,"metadata_size":0,"total_files":1}
                {"message_type":"summary","files_new":12,"files_changed":3,"files_unmodified":3401,"dirs_new":1,"dirs_changed":4,"dirs_unmodified":536,"data_blobs":37,"tree_blobs":6,"data_added":53891234,"total_files_processed":3416,"total_bytes_processed":1234567890,"total_duration":12.458213,"snapshot_id":"5f1c0a9be2d34c7f9e0f6c1d2b3a4e5f60718293a4b5c6d7e8f9012345678901"}

                """,
            expected: BackupSummary(
                tool: .restic, files: 3_416, size: 1_234_567_890, dataAdded: 53_891_234, duration: 12.458213,
                rate: 1_234_567_890 / 12.458213,
                snapshot: "5f1c0a9be2d34c7f9e0f6c1d2b3a4e5f60718293a4b5c6d7e8f9012345678901"
            )
        ),
        Sample(
            name: "restic 0.17 summary with backup_start/backup_end and data_added_packed",
            output: #"""
                using parent snapshot 1a2b3c4d
                {"message_type":"summary","files_new":0,"files_changed":0,"files_unmodified":88,"dirs_new":0,"dirs_changed":0,"dirs_unmodified":9,"data_blobs":0,"tree_blobs":0,"data_added":0,"data_added_packed":0,"total_files_processed":88,"total_bytes_processed":1048576,"total_duration":0.5,"backup_start":"2026-11-27T02:00:00.12+01:00","backup_end":"2026-11-27T02:00:00.62+01:00","snapshot_id":"abcdef0123456789"}
                """#,
            expected: BackupSummary(
                tool: .restic, files: 88, size: 1_048_576, dataAdded: 0, duration: 0.5, rate: 2_097_152,
                snapshot: "abcdef0123456789"
            )
        ),
        Sample(
            name: "restic interrupted: status lines only",
            output: """
                {"message_type":"status","percent_done":0.12,"total_files":3416,"files_done":402}
                {"message_type":"error","error":{"message":"open /srv/data/locked: permission denied"},"during":"archival","item":"/srv/data/locked"}
                """,
            expected: nil
        ),
        Sample(
            name: "borg 1.2 create --json after log lines",
            output: """
                Creating archive at "/mnt/backup/borg::web01-2026-11-27T02:00:00"
                {
                    "archive": {
                        "command_line": [
                            "/usr/bin/borg",
                            "create",
                            "--json",
                            "/mnt/backup/borg::{hostname}-{now}",
                            "/etc",
                            "/srv"
                        ],
                        "comment": "",
                        "duration": 83.214571,
                        "end": "2026-11-27T02:01:23.000000",
                        "id": "8f3a1c6e0b5d4e2f9a7c3b1d0e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f",
                        "limits": {
                            "max_archive_size": 0.0002
                        },
                        "name": "web01-2026-11-27T02:00:00",
                        "start": "2026-11-27T02:00:00.000000",
                        "stats": {
                            "compressed_size": 9876543210,
                            "deduplicated_size": 123456789,
                            "nfiles": 48213,
                            "original_size": 21474836480
                        }
                    },
                    "cache": {
                        "path": "/root/.cache/borg/2b3c4d5e",
                        "stats": {
                            "total_chunks": 412345,
                            "total_csize": 512345678901,
                            "total_size": 1098765432109,
                            "total_unique_chunks": 98765,
                            "unique_csize": 98765432109,
                            "unique_size": 198765432109
                        }
                    },
                    "encryption": {
                        "mode": "repokey-blake2"
                    },
                    "repository": {
                        "id": "2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a",
                        "last_modified": "2026-11-27T02:01:23.000000",
                        "location": "/mnt/backup/borg"
                    }
                }

                """,
            expected: BackupSummary(
                tool: .borg, files: 48_213, size: 21_474_836_480, dataAdded: 123_456_789, compressedSize: 9_876_543_210,
                duration: 83.214571,
                snapshot: "web01-2026-11-27T02:00:00"
            )
        ),
        Sample(
            name: "borg error: no JSON object",
            output: """
                Failed to create/acquire the lock /mnt/backup/borg/lock.exclusive (timeout).
                """,
            expected: nil
        ),
        Sample(
            name: "rsync 3.2 -a --stats",
            output: """
                sending incremental file list
                photos/2024/IMG_2231.jpg
                db/dump.sql.gz

                Number of files: 1,234 (reg: 1,000, dir: 234)
                Number of created files: 12 (reg: 12)
                Number of deleted files: 0
                Number of regular files transferred: 15
                Total file size: 9,876,543,210 bytes
                Total transferred file size: 123,456,789 bytes
                Literal data: 123,456,789 bytes
                Matched data: 0 bytes
                File list size: 45,678
                File list generation time: 0.012 seconds
                File list transfer time: 0.000 seconds
                Total bytes sent: 123,512,345
                Total bytes received: 456

                sent 123,512,345 bytes  received 456 bytes  8,234,186.73 bytes/sec
                total size is 9,876,543,210  speedup is 79.96
                """,
            expected: BackupSummary(
                tool: .rsync, files: 1_234, size: 9_876_543_210, dataAdded: 123_456_789, bytesSent: 123_512_345,
                rate: 8_234_186.73
            )
        ),
        Sample(
            name: "rsync 3.2 -avh --stats (human-readable numbers)",
            output: """
                Number of files: 4,232 (reg: 3,969, dir: 263)
                Number of created files: 0
                Number of deleted files: 0
                Number of regular files transferred: 2
                Total file size: 1.29G bytes
                Total transferred file size: 2.10M bytes
                Literal data: 2.10M bytes
                Matched data: 0 bytes
                File list size: 131.07K
                File list generation time: 0.003 seconds
                File list transfer time: 0.000 seconds
                Total bytes sent: 2.24M
                Total bytes received: 1.92K

                sent 2.24M bytes  received 1.92K bytes  1.49M bytes/sec
                total size is 1.29G  speedup is 575.23
                """,
            expected: BackupSummary(
                tool: .rsync, files: 4_232, size: 1_290_000_000, dataAdded: 2_100_000, bytesSent: 2_240_000,
                rate: 1_490_000
            )
        ),
        Sample(
            name: "rsync 3.0 --stats (no commas, no breakdown)",
            output: """
                Number of files: 812
                Number of files transferred: 3
                Total file size: 52428800 bytes
                Total transferred file size: 1048576 bytes
                Literal data: 1048576 bytes
                Matched data: 0 bytes
                File list size: 9021
                File list generation time: 0.001 seconds
                File list transfer time: 0.000 seconds
                Total bytes sent: 1059340
                Total bytes received: 70

                sent 1059340 bytes  received 70 bytes  2118820.00 bytes/sec
                total size is 52428800  speedup is 49.49
                """,
            expected: BackupSummary(
                tool: .rsync, files: 812, size: 52_428_800, dataAdded: 1_048_576, bytesSent: 1_059_340, rate: 2_118_820
            )
        ),
        Sample(
            name: "restic 0.14 backup, plain text (as Debian 12's restic prints it)",
            output: """
                no parent snapshot found, will read all files

                Files:           3 new,     0 changed,     0 unmodified
                Dirs:            2 new,     0 changed,     0 unmodified
                Added to the repository: 21.250 KiB (20.781 KiB stored)

                processed 3 files, 19.539 KiB in 0:00
                snapshot 4bdfc735 saved

                """,
            expected: BackupSummary(
                tool: .restic, files: 3, size: 20_008, dataAdded: 21_760, duration: 0, snapshot: "4bdfc735")
        ),
        Sample(
            name: "restic 0.17 backup, plain text, an hour long",
            output: """
                using parent snapshot 1a2b3c4d

                Files:          12 new,     3 changed,  3401 unmodified
                Dirs:            1 new,     4 changed,   536 unmodified
                Added to the repository: 51.394 MiB (48.118 MiB stored)

                processed 3416 files, 1.150 GiB in 1:02:03
                snapshot 5f1c0a9b saved
                """,
            expected: BackupSummary(
                tool: .restic, files: 3_416, size: 1_234_803_098, dataAdded: 53_890_515, duration: 3_723,
                rate: 1_234_803_098 / 3_723.0, snapshot: "5f1c0a9b")
        ),
        Sample(
            name: "restic 0.9 backup, plain text (Added to the repo)",
            output: """
                scan [/srv/data]
                scanned 536 directories, 3416 files in 0:01
                [0:12] 100.00%  98.049 MiB/s  1.150 GiB / 1.150 GiB  3952 / 3952 items  0 errors  ETA 0:00

                duration: 0:12
                Files:          12 new,     3 changed,  3401 unmodified
                Dirs:            1 new,     4 changed,   536 unmodified
                Added to the repo: 51.394 MiB

                processed 3416 files, 1.150 GiB in 0:12
                snapshot 5f1c0a9b saved
                """,
            expected: BackupSummary(
                tool: .restic, files: 3_416, size: 1_234_803_098, dataAdded: 53_890_515, duration: 12,
                rate: 1_234_803_098 / 12.0, snapshot: "5f1c0a9b")
        ),
        Sample(
            name: "restic wrong password (stderr)",
            output: "", errorOutput: "Fatal: wrong password or no key found\n", expected: nil
        ),
        Sample(
            name: "restic missing repository (stderr)",
            output: "",
            errorOutput: """
                Fatal: unable to open config file: stat /mnt/backup/restic/config: no such file or directory
                Is there a repository at the following location?
                /mnt/backup/restic
                """,
            expected: nil
        ),
        Sample(
            name: "borg 1.2 create --stats on stderr, a long run",
            output: "",
            errorOutput: """
                ------------------------------------------------------------------------------
                Repository: /mnt/backup/borg
                Archive name: web01-2026-11-27T02:00:00
                Archive fingerprint: 8f3a1c6e0b5d4e2f9a7c3b1d0e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f
                Time (start): Fri, 2026-11-27 02:00:00
                Time (end):   Fri, 2026-11-27 03:01:23
                Duration: 1 hours 1 minutes 23.21 seconds
                Number of files: 48213
                Utilization of max. archive size: 0%
                ------------------------------------------------------------------------------
                                       Original size      Compressed size    Deduplicated size
                This archive:               21.47 GB              9.88 GB            123.46 MB
                All archives:                1.10 TB            512.35 GB             98.77 GB

                                       Unique chunks         Total chunks
                Chunk index:                   98765               412345
                ------------------------------------------------------------------------------
                """,
            expected: BackupSummary(
                tool: .borg, files: 48_213, size: 21_470_000_000, dataAdded: 123_460_000,
                compressedSize: 9_880_000_000, duration: 3_683.21, snapshot: "web01-2026-11-27T02:00:00")
        ),
        Sample(
            name: "borg 1.1 create --stats with bytes and kB",
            output: "",
            errorOutput: """
                Archive name: etc-2026-11-27
                Archive fingerprint: 0b1c2d3e
                Time (start): Fri, 2026-11-27 02:00:00
                Time (end):   Fri, 2026-11-27 02:00:02
                Duration: 2.05 seconds
                Number of files: 12
                Utilization of max. archive size: 0%
                                       Original size      Compressed size    Deduplicated size
                This archive:               45.67 kB             12.34 kB                573 B
                All archives:              901.23 kB            234.56 kB             98.76 kB
                """,
            expected: BackupSummary(
                tool: .borg, files: 12, size: 45_670, dataAdded: 573, compressedSize: 12_340, duration: 2.05,
                snapshot: "etc-2026-11-27")
        ),
        Sample(
            name: "borg missing repository (stderr)",
            output: "", errorOutput: "Repository /mnt/backup/borg does not exist.\n", expected: nil
        ),
        Sample(
            name: "borg wrong passphrase (stderr)",
            output: "",
            errorOutput: "passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via BORG_PASSPHRASE_FD is incorrect.\n",
            expected: nil
        ),
        Sample(
            name: "rclone 1.60 copy -v, a partial copy with errors",
            output: "",
            errorOutput: """
                2026/12/06 16:16:08 ERROR : a.txt: Failed to copy: open /tmp/dst/a.txt: is a directory
                2026/12/06 16:16:08 ERROR : Attempt 3/3 failed with 1 errors and: open /tmp/dst/a.txt: is a directory
                2026/12/06 16:16:08 INFO  : \u{20}
                Transferred:   \t   19.533 KiB / 19.533 KiB, 100%, 0 B/s, ETA -
                Errors:                 1 (retrying may help)
                Checks:                 4 / 4, 100%
                Transferred:            2 / 2, 100%
                Elapsed time:      1h2m3.4s

                2026/12/06 16:16:08 Failed to copy: open /tmp/dst/a.txt: is a directory
                """,
            expected: BackupSummary(
                tool: .rclone, files: 2, size: 20_002, duration: 3_723.4, checks: 4, errors: 1)
        ),
        Sample(
            name: "rclone 1.60 sync --stats-one-line -v: the last line wins",
            output: "",
            errorOutput: """
                2026/12/06 16:15:00 INFO  :    10.000 MiB / 1.000 GiB, 1%, 10.000 MiB/s, ETA 1m39s
                2026/12/06 16:16:40 INFO  :    1.000 GiB / 1.000 GiB, 100%, 10.240 MiB/s, ETA 0s
                """,
            expected: BackupSummary(tool: .rclone, size: 1_073_741_824)
        ),
        Sample(
            name: "rclone 1.53 copy -v (old units)",
            output: "",
            errorOutput: """
                2026/12/06 16:15:56 INFO  :\u{20}
                Transferred:   \t   19.539k / 19.539 kBytes, 100%, 0 Bytes/s, ETA 0s
                Errors:                 0
                Checks:                 0 / 0, -
                Transferred:            3 / 3, 100%
                Elapsed time:         0.1s
                """,
            expected: BackupSummary(tool: .rclone, files: 3, size: 20_008, duration: 0.1, checks: 0, errors: 0)
        ),
        Sample(
            name: "rclone --use-json-log with an error",
            output: "",
            errorOutput: #"""
                {"level":"error","msg":"Failed to copy: open /tmp/dst/a.txt: is a directory","object":"a.txt","objectType":"*local.Object","source":"operations/copy.go:300","time":"2026-12-06T16:16:11.1+00:00"}
                {"level":"info","msg":"\nTransferred:   \t   19.533 KiB / 19.533 KiB, 100%, 0 B/s, ETA -\nErrors:                 1 (retrying may help)\nChecks:                 4 / 4, 100%\nTransferred:            2 / 2, 100%\nElapsed time:         0.1s\n\n","source":"accounting/stats.go:482","stats":{"bytes":20002,"checks":4,"deletedDirs":0,"deletes":0,"elapsedTime":0.103804627,"errors":1,"eta":null,"fatalError":false,"lastError":"open /tmp/dst/a.txt: is a directory","renames":0,"retryError":true,"speed":0,"totalBytes":20002,"totalChecks":4,"totalTransfers":2,"transferTime":0,"transfers":2},"time":"2026-12-06T16:16:11.102947+00:00"}
                2026/12/06 16:16:11 Failed to copy: open /tmp/dst/a.txt: is a directory
                """#,
            expected: BackupSummary(
                tool: .rclone, files: 2, size: 20_002, duration: 0.103804627, checks: 4, errors: 1)
        ),
        Sample(
            name: "rclone with no stats (no -v)",
            output: "",
            errorOutput: "2026/12/06 16:15:56 NOTICE: Config file \"/root/.config/rclone/rclone.conf\" not found - using defaults\n",
            expected: nil
        ),
        Sample(name: "a plain script", output: "dumping app_db\ncompressing\ndone\n", expected: nil),
        Sample(name: "no output", output: "", expected: nil),
    ]

    @Test(arguments: samples)
    func parsesTheSummary(_ sample: Sample) {
        let summary = BackupSummary.parse(output: sample.output, errorOutput: sample.errorOutput)
        guard let expected = sample.expected else {
            #expect(summary == nil)
            return
        }
        guard let summary else {
            Issue.record("no summary found")
            return
        }
        #expect(summary.tool == expected.tool)
        #expect(summary.files == expected.files)
        #expect(summary.size == expected.size)
        #expect(summary.dataAdded == expected.dataAdded)
        #expect(summary.bytesSent == expected.bytesSent)
        #expect(summary.compressedSize == expected.compressedSize)
        #expect(summary.checks == expected.checks)
        #expect(summary.errors == expected.errors)
        #expect((summary.duration ?? -1).isApproximately(expected.duration ?? -1))
        #expect(summary.snapshot == expected.snapshot)
        #expect((summary.rate ?? -1).isApproximately(expected.rate ?? -1))
    }

    @Test func fieldsUseTheNamesTheServerReads() {
        let summary = BackupSummary(
            tool: .rsync, files: 1_234, size: 9_876, dataAdded: 123, bytesSent: 130, duration: 1.5, rate: 87_052.67,
            snapshot: nil
        )
        #expect(summary.fields == [
            "backup_tool": .text("rsync"), "files": .integer(1_234), "size": .integer(9_876),
            "data_added": .integer(123), "bytes_sent": .integer(130), "tool_duration": .number(1.5),
            "transfer_rate": .number(87_053),
        ])
    }

    @Test func theLastResticSummaryWins() {
        let output = """
            {"message_type":"summary","files_new":1,"total_bytes_processed":10,"total_duration":1}
            {"message_type":"summary","files_new":2,"total_bytes_processed":20,"total_duration":1}
            """
        #expect(BackupSummary.parse(output: output)?.files == 2)
    }
}

extension Double {
    func isApproximately(_ other: Double) -> Bool { abs(self - other) <= 1e-6 * max(1, abs(other)) }
}
