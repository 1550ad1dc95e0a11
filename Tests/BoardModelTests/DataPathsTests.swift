import BoardModel
import Testing

/// The default places of the database and the spool (docs/architecture.md §1), and `~` in given paths.
@Suite struct DataPathsTests {
    @Test func theDatabaseIsBackupboardDBElseUnderXDGDataHomeElseUnderHome() {
        #expect(DataPaths.defaultDatabase(environment: ["BACKUPBOARD_DB": "~/b.sqlite", "HOME": "/home/u"]) == "/home/u/b.sqlite")
        #expect(DataPaths.defaultDatabase(environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/u"]) == "/data/backupboard/board.sqlite")
        #expect(DataPaths.defaultDatabase(environment: ["BACKUPBOARD_DB": "", "HOME": "/home/u"])
            == "/home/u/.local/share/backupboard/board.sqlite")
    }

    @Test func theStateFolderFollowsXDGStateHome() {
        #expect(DataPaths.stateDirectory(environment: ["XDG_STATE_HOME": "~/state", "HOME": "/home/u"]) == "/home/u/state/backupboard")
        #expect(DataPaths.stateDirectory(environment: ["HOME": "/home/u"]) == "/home/u/.local/state/backupboard")
    }

    @Test func onlyALeadingTildeIsTheHomeFolder() {
        let environment = ["HOME": "/home/u"]
        #expect(DataPaths.expandingTilde("~", environment: environment) == "/home/u")
        #expect(DataPaths.expandingTilde("~/x.toml", environment: environment) == "/home/u/x.toml")
        #expect(DataPaths.expandingTilde("~other/x", environment: environment) == "~other/x")
        #expect(DataPaths.expandingTilde("/etc/~/x", environment: environment) == "/etc/~/x")
    }
}
