import BGPWire

/// One framed MRT record: its header and body bytes, not yet decoded.
public struct RawMRTRecord: Sendable {
    public var header: MRTHeader
    public var body: ArraySlice<UInt8>
    /// Offset of the header in the decompressed stream.
    public var offset: Int
}

/// Something wrong in an archive, with where it is.
public struct ArchiveProblem: Sendable, CustomStringConvertible {
    public var file: String
    /// Offset in the decompressed stream (for compressed files: of the decompressed bytes).
    public var offset: Int
    public var message: String
    public var description: String { "\(file): byte \(offset): \(message)" }
}

/// Splits a decompressed byte stream into MRT records.
///
/// Never throws and never allocates more than ``maxRecordLength`` plus one read chunk for a
/// record: a header claiming more is damage. On damage the reader scans forward for the next
/// plausible header (a known type and subtype, a sane length, a timestamp near the last good one,
/// confirmed by a second plausible header right after it) so that every good record after the
/// damage is still delivered. Problems are collected in ``problems`` for the caller to report.
public final class MRTRecordReader {
    /// No real MRT record comes near this: the largest BGP message is 64 KiB and a TABLE_DUMP_V2 RIB
    /// record for one prefix from a few thousand peers is well under 1 MiB.
    public static let maxRecordLength = 16 << 20
    static let chunkSize = 4 << 20
    /// Damage resynchronisation accepts headers within this distance of the last good timestamp.
    static let resyncTimestampWindow: UInt32 = 7 * 86400

    public let name: String
    private let stream: any ByteStream
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    /// Index in `buffer` of the next unread byte; `bufferOffset` is the stream offset of buffer[0].
    @exclusivity(unchecked) private var position = 0
    private var bufferOffset = 0
    private var lastRecordStart = 0
    private var streamEnded = false
    private var lastTimestamp: UInt32?
    private var resyncFrom: Int?

    public private(set) var problems: [ArchiveProblem] = []
    /// Bytes skipped as damaged, for the summary.
    public private(set) var skippedBytes = 0

    public init(stream: any ByteStream, name: String) {
        self.stream = stream
        self.name = name
    }

    public var hasProblems: Bool { !problems.isEmpty }

    /// Problems found since the last call, oldest first.
    public func takeProblems() -> [ArchiveProblem] {
        defer { problems.removeAll() }
        return problems
    }

    /// Bytes of the compressed file read so far.
    public var compressedBytesRead: UInt64 { stream.compressedBytesRead }

    /// Makes sure `count` bytes from `position` are buffered; false at end of stream.
    private func ensure(_ count: Int) -> Bool {
        if buffer.count - position >= count { return true }
        if streamEnded { return false }
        // Compact into a fresh array: records handed out still reference the old one.
        let keepFrom = min(lastRecordStart, position)
        let kept = buffer.count - keepFrom
        let old = buffer
        bufferOffset += keepFrom
        position -= keepFrom
        lastRecordStart -= keepFrom
        let want = max(Self.chunkSize, count - (kept - position))
        var readError: Error?
        buffer = [UInt8](unsafeUninitializedCapacity: kept + want) { raw, initialized in
            old.withUnsafeBufferPointer { src in
                _ = raw.initialize(fromContentsOf: UnsafeBufferPointer(rebasing: src[keepFrom...]))
            }
            initialized = kept
            // Fill the new chunk (the stream may hand out less per call, e.g. one bzip2 block).
            while initialized < kept + want {
                let dest = UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: raw[initialized...]))
                let got: Int
                do {
                    got = try stream.read(into: dest)
                } catch {
                    readError = error
                    break
                }
                if got == 0 {
                    streamEnded = true
                    break
                }
                initialized += got
            }
        }
        if let readError {
            problems.append(ArchiveProblem(file: name, offset: bufferOffset + buffer.count, message: "\(readError)"))
            streamEnded = true
        }
        return buffer.count - position >= count
    }

    private func header(at index: Int) -> MRTHeader? {
        // Read the 12 fixed bytes without slicing the buffer (this runs once per record).
        guard buffer.count - index >= 12 else { return nil }
        func u32(_ i: Int) -> UInt32 {
            UInt32(buffer[i]) << 24 | UInt32(buffer[i + 1]) << 16 | UInt32(buffer[i + 2]) << 8 | UInt32(buffer[i + 3])
        }
        let type = MRTType(rawValue: UInt16(buffer[index + 4]) << 8 | UInt16(buffer[index + 5]))
        let subtype = UInt16(buffer[index + 6]) << 8 | UInt16(buffer[index + 7])
        let length = u32(index + 8)
        guard type.hasExtendedTimestamp else {
            return MRTHeader(timestamp: u32(index), type: type, subtype: subtype, length: length)
        }
        guard length >= 4, buffer.count - index >= 16 else { return nil }
        return MRTHeader(timestamp: u32(index), type: type, subtype: subtype, length: length - 4, microseconds: u32(index + 12))
    }

    private static func knownSubtype(_ h: MRTHeader) -> Bool {
        switch h.type {
        case .tableDumpV2: (1...12).contains(h.subtype)
        case .bgp4mp, .bgp4mpET: h.subtype <= 11
        case .tableDump: h.subtype == 1 || h.subtype == 2
        case .bgp: h.subtype <= 7
        case MRTType(rawValue: 11), MRTType(rawValue: 32), .isisET, MRTType(rawValue: 48), .ospfv3ET: true
        default: false
        }
    }

    private func plausible(_ h: MRTHeader, strict: Bool) -> Bool {
        guard Self.knownSubtype(h), Int(h.length) <= Self.maxRecordLength else { return false }
        if strict, let last = lastTimestamp {
            let d = h.timestamp > last ? h.timestamp - last : last - h.timestamp
            if d > Self.resyncTimestampWindow { return false }
        }
        return true
    }

    /// Asks the reader to look for the next record starting one byte after `record`'s header,
    /// because its body could not be decoded (its length may be wrong and hide good records).
    public func resync(after record: RawMRTRecord) {
        resyncFrom = record.offset + 1
    }

    /// The next record, or nil at the end of the stream (or after damage that ends it).
    public func next() -> RawMRTRecord? {
        if let from = resyncFrom {
            resyncFrom = nil
            position = from - bufferOffset
            return scan(damageAt: from - 1, reason: "record could not be decoded")
        }
        _ = ensure(16)  // ET headers are 16 bytes; a 12-byte header may legitimately end the data
        guard buffer.count - position >= 12 else {
            if buffer.count > position {
                problems.append(
                    ArchiveProblem(
                        file: name, offset: bufferOffset + position,
                        message: "MRT header cut short: \(buffer.count - position) of 12 bytes at end of data"))
                skippedBytes += buffer.count - position
                position = buffer.count
            }
            return nil
        }
        let start = position
        guard let h = header(at: start), plausible(h, strict: false) else {
            return scan(damageAt: bufferOffset + start, reason: "implausible MRT header")
        }
        return take(h, at: start)
    }

    private func take(_ h: MRTHeader, at index: Int) -> RawMRTRecord? {
        let total = h.size + Int(h.length)
        position = index
        let ok = ensure(total)
        let start = position  // ensure may have moved the buffer
        guard ok else {
            problems.append(
                ArchiveProblem(
                    file: name, offset: bufferOffset + start,
                    message: "\(h.type) record cut short: needs \(total) bytes, \(buffer.count - start) left"))
            skippedBytes += buffer.count - start
            position = buffer.count
            return nil
        }
        lastRecordStart = start
        position = start + total
        lastTimestamp = h.timestamp
        return RawMRTRecord(header: h, body: buffer[(start + h.size)..<(start + total)], offset: bufferOffset + start)
    }

    /// Scans forward from `position` for a header that is plausible and followed by another
    /// plausible header or by the end of the data.
    private func scan(damageAt offset: Int, reason: String) -> RawMRTRecord? {
        position = max(position, offset + 1 - bufferOffset)
        while true {
            _ = ensure(16)
            guard buffer.count - position >= 12 else { break }
            let i = position
            if let h = header(at: i), plausible(h, strict: true) {
                let total = h.size + Int(h.length)
                let hasNext = ensure(total + 12)
                let j = position  // ensure may have moved the buffer
                if hasNext {
                    if let h2 = header(at: j + total), plausible(h2, strict: true) {
                        report(from: offset, to: bufferOffset + j, reason: reason)
                        return take(h, at: j)
                    }
                } else if buffer.count - j == total {
                    report(from: offset, to: bufferOffset + j, reason: reason)
                    return take(h, at: j)
                }
            }
            position += 1
        }
        report(from: offset, to: bufferOffset + buffer.count, reason: reason)
        position = buffer.count
        return nil
    }

    private func report(from: Int, to: Int, reason: String) {
        skippedBytes += to - from
        problems.append(
            ArchiveProblem(file: name, offset: from, message: "\(reason); skipped \(to - from) bytes to the next valid record"))
    }
}
