import Foundation
import XCTest

/// ../shared/data beside the package root: real archives and registry files, present in CI and
/// absent in a user's fresh clone (tests that need it skip with a message).
public enum SharedDataRoot {
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let root = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    /// The data folder, or an XCTSkip explaining its absence (a fresh clone without ../shared).
    public static func require() throws -> URL {
        guard FileManager.default.fileExists(atPath: root.path) else {
            throw XCTSkip("../shared/data not found beside the package: real-archive tests skipped")
        }
        return root
    }
}
