/// Cuts a bzip2 file into one piece per block, reading it a megabyte at a time and keeping only the bytes from the
/// current block on. Block and end-of-stream magics can start at any bit, and the same 48 bits can turn up by chance
/// inside compressed data: a chance block magic splits a block into pieces that fail to decode, which
/// ParallelBzip2Stream merges again; a chance end-of-stream magic is believed only if the stream's combined CRC
/// matches or a valid stream header (or the end of the file) follows it.
final class BlockScanner {
    enum Item {
        case piece(Piece)
        /// A stream without blocks, whose combined CRC must be 0.
        case emptyStream(crc: UInt32, offset: UInt64)
        case failure(any Error)
        case end
    }

    /// Positions are absolute: a byte offset in the file, or a bit offset (byte × 8 + bit, most significant first).
    private enum State {
        case header(byte: Int)
        case block(startBit: Int)
        case done
    }

    private static let chunkSize = 1 << 20
    /// Whether a byte can come just before the byte in which a magic ends (the cheap pre-check of `search`).
    private static let secondByteOfMagic: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for magic in [bzip2BlockMagic, bzip2EndMagic] {
            for shift in 0..<8 { table[Int((magic << UInt64(shift)) >> 8 & 0xff)] = true }
        }
        return table
    }()

    let source: InputSource
    private var window: [UInt8] = []
    private let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
    /// File offset of window[0].
    private var windowStart = 0
    private var atEOF = false
    private var state = State.header(byte: 0)
    /// Bit where the search for the next magic resumes.
    private var searchFrom = 0
    /// Block-size digit of the current stream.
    private var level: UInt8 = 0x39
    /// Combined CRC of the current stream's blocks before the current one.
    private var streamCRC: UInt32 = 0

    init(source: InputSource) { self.source = source }

    deinit { chunk.deallocate() }

    private var windowEnd: Int { windowStart + window.count }

    /// The next piece in file order; after `.failure` or `.end`, always `.end`.
    func next() -> Item {
        do {
            return try step()
        } catch {
            state = .done
            return .failure(error)
        }
    }

    private func step() throws -> Item {
        while true {
            switch state {
            case .done:
                return .end
            case .header(let at):
                discard(before: at)
                try fill(through: at + 10)
                let head = Array(window[(at - windowStart)..<min(windowEnd, at + 10) - windowStart])
                if head.isEmpty {
                    state = .done
                    return .end
                }
                let bzh = Array("BZh".utf8)
                guard head.count >= 4, head.starts(with: bzh), (0x31...0x39).contains(head[3]) else {
                    if head.count < 4 && bzh.starts(with: head) { return fail(bzip2CutMessage, at: windowEnd) }
                    return fail("trailing garbage after bzip2 stream", at: at)
                }
                guard head.count == 10 else { return fail(bzip2CutMessage, at: windowEnd) }
                level = head[3]
                streamCRC = 0
                let magic = bits(at: (at + 4) * 8, count: 48)
                if magic == bzip2BlockMagic {
                    state = .block(startBit: (at + 4) * 8)
                    searchFrom = (at + 4) * 8 + 48
                } else if magic == bzip2EndMagic {
                    try fill(through: at + 14)
                    guard windowEnd >= at + 14 else { return fail(bzip2CutMessage, at: windowEnd) }
                    state = .header(byte: at + 14)
                    return .emptyStream(crc: UInt32(bits(at: (at + 10) * 8, count: 32)), offset: UInt64(at))
                } else {
                    return fail("bzip2 data error: no block after the stream header", at: at + 4)
                }
            case .block(let start):
                if let (magicBit, isEnd) = search() {
                    if !isEnd {
                        let piece = makePiece(start, magicBit, end: .block, endOffset: magicBit / 8)
                        streamCRC = combinedCRC(streamCRC, adding: piece.blockCRC)
                        state = .block(startBit: magicBit)
                        searchFrom = magicBit + 48
                        return .piece(piece)
                    }
                    let next = (magicBit + 80 + 7) / 8
                    try fill(through: next + 10)
                    if windowEnd * 8 >= magicBit + 80 {
                        let stored = UInt32(bits(at: magicBit + 48, count: 32))
                        let blockCRC = magicBit >= start + 80 ? UInt32(bits(at: start + 48, count: 32)) : 0
                        if stored == combinedCRC(streamCRC, adding: blockCRC) || headerFollows(at: next) {
                            state = .header(byte: next)
                            return .piece(makePiece(start, magicBit, end: .stream(crc: stored), endOffset: next))
                        }
                    }
                    searchFrom = magicBit + 1
                } else if windowEnd * 8 - start > maxBlockBits(level: Int(level) - 0x30) {
                    state = .done
                    let message = "bzip2 data error: no block boundary within the largest possible block"
                    return .piece(makePiece(start, windowEnd * 8, end: .cut(message: message), endOffset: windowEnd))
                } else if atEOF {
                    state = .done
                    let end = Piece.End.cut(message: bzip2CutMessage)
                    return .piece(makePiece(start, windowEnd * 8, end: end, endOffset: windowEnd))
                } else {
                    searchFrom = max(searchFrom, windowEnd * 8 - 47)
                    discard(before: start / 8)
                    try readChunk()
                }
            }
        }
    }

    private func fail(_ message: String, at offset: Int) -> Item {
        state = .done
        return .failure(ArchiveError(file: source.name, compressedOffset: UInt64(offset), message: message))
    }

    /// The first block or end-of-stream magic starting at or after `searchFrom` and lying wholly in the window.
    private func search() -> (bit: Int, isEnd: Bool)? {
        let base = windowStart * 8
        let from = searchFrom - base
        guard from >= 0 else { return nil }
        return window.withUnsafeBufferPointer { bytes in
            // `register` ends with byte `index`; a magic ending `shift` bits before its end starts at bit
            // index × 8 − 40 − shift. Bytes before from / 8 are not loaded, so matches reaching into them start
            // before `from` and are rejected.
            var register: UInt64 = 0
            var index = from >> 3
            while index < bytes.count {
                register = register << 8 | UInt64(bytes[index])
                if BlockScanner.secondByteOfMagic[Int(register >> 8 & 0xff)] {
                    for shift in (0..<8).reversed() {
                        let value = register >> UInt64(shift) & 0xffff_ffff_ffff
                        let bit = index * 8 - 40 - shift
                        if (value == bzip2BlockMagic || value == bzip2EndMagic) && bit >= from {
                            return (bit + base, value == bzip2EndMagic)
                        }
                    }
                }
                index += 1
            }
            return nil
        }
    }

    /// Whether the file ends exactly at byte `at`, or a stream header and a block or end-of-stream magic start there.
    private func headerFollows(at: Int) -> Bool {
        if at == windowEnd { return atEOF }
        guard windowEnd >= at + 10 else { return false }
        let start = at - windowStart
        guard window[start..<start + 3].elementsEqual("BZh".utf8), (0x31...0x39).contains(window[start + 3]) else {
            return false
        }
        let magic = bits(at: (at + 4) * 8, count: 48)
        return magic == bzip2BlockMagic || magic == bzip2EndMagic
    }

    private func bits(at bit: Int, count: Int) -> UInt64 {
        window.withUnsafeBufferPointer { readBits($0, at: bit - windowStart * 8, count: count) }
    }

    private func makePiece(_ start: Int, _ end: Int, end kind: Piece.End, endOffset: Int) -> Piece {
        var writer = BitWriter(capacity: (end - start) / 8 + 1)
        window.withUnsafeBufferPointer { writer.append($0, from: start - windowStart * 8, count: end - start) }
        return Piece(level: level, bits: writer.finish(), bitCount: end - start, offset: UInt64(start / 8),
                     endOffset: UInt64(endOffset), end: kind)
    }

    /// Drops the bytes before file offset `offset` once they are worth moving the rest for.
    private func discard(before offset: Int) {
        let count = offset - windowStart
        guard count >= BlockScanner.chunkSize || count > window.count / 2 else { return }
        window.removeFirst(count)
        windowStart = offset
    }

    private func fill(through offset: Int) throws {
        while windowEnd < offset && !atEOF { try readChunk() }
    }

    private func readChunk() throws {
        let count = try source.read(into: chunk)
        window.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[..<count]))
        atEOF = count == 0
    }
}
