import Foundation
import VantageCore

/// Identifies an archive file cheaply: size, modification time, and FNV-1a over its first and last
/// 64 KiB (compressed archives differ there whenever their content differs in practice).
public enum FileFingerprint {
    public static let window = 65_536

    public static func of(path: String) throws -> StoredFile {
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        let size = (attrs[.size] as? NSNumber)?.int64Value ?? 0
        let modified = Int64((attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var h = FNV1a()
        h.add(try handle.read(upToCount: window) ?? Data())
        if size > Int64(window) {
            try handle.seek(toOffset: UInt64(max(Int64(window), size - Int64(window))))
            h.add(try handle.read(upToCount: window) ?? Data())
        }
        h.add("\(size)")
        return StoredFile(path: path, size: size, modified: modified, fingerprint: h.hex)
    }
}
