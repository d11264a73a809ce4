import CBZip2

/// Start of every bzip2 block (the BCD digits of pi), at any bit offset in the file.
let bzip2BlockMagic: UInt64 = 0x3141_5926_5359
/// End of a bzip2 stream (the BCD digits of sqrt(pi)), followed by the stream's combined CRC.
let bzip2EndMagic: UInt64 = 0x1772_4538_5090

/// A generous bound on the compressed size of one block at block-size digit `level` (1...9): libbz2 accepts at most
/// 100_000 × level symbols of at most 20 bits each, plus coding tables and selectors.
func maxBlockBits(level: Int) -> Int { level * 2_000_000 + 1_000_000 }

/// A stream's combined CRC after one more block.
func combinedCRC(_ combined: UInt32, adding blockCRC: UInt32) -> UInt32 { (combined << 1 | combined >> 31) ^ blockCRC }

/// One bzip2 block cut out of its file: the bits from its block magic up to the next magic.
struct Piece: Sendable {
    enum End: Sendable {
        /// The next block's magic follows.
        case block
        /// The end-of-stream magic follows, then the stream's combined CRC.
        case stream(crc: UInt32)
        /// No boundary follows: the input ends, or none was found within the largest possible block.
        case cut(message: String)
    }

    /// The stream's block-size digit, ASCII '1'...'9'.
    var level: UInt8
    /// Starts with the block magic, realigned to bit 0; the unused low bits of the last byte are zero.
    var bits: [UInt8]
    var bitCount: Int
    /// File offset of the byte holding the first bit of the block magic.
    var offset: UInt64
    /// File offset where the input after this piece (next block, next stream header, end of file) begins.
    var endOffset: UInt64
    var end: End

    /// The CRC stored after the block magic.
    var blockCRC: UInt32 {
        guard bitCount >= 80 else { return 0 }
        return bits.withUnsafeBufferPointer { UInt32(readBits($0, at: 48, count: 32)) }
    }

    var isCut: Bool {
        if case .cut = end { return true }
        return false
    }

    /// A bzip2 stream of this block alone: header, the piece and, unless it is cut, the end-of-stream magic with the
    /// block CRC standing in for the combined CRC (for one block they are equal).
    func standaloneStream() -> [UInt8] {
        var writer = BitWriter(capacity: bitCount / 8 + 16)
        writer.write(UInt64(0x425a68) << 8 | UInt64(level), bits: 32)
        bits.withUnsafeBufferPointer { writer.append($0, from: 0, count: bitCount) }
        if !isCut {
            writer.write(bzip2EndMagic, bits: 48)
            writer.write(UInt64(blockCRC), bits: 32)
        }
        return writer.finish()
    }

    /// This piece followed by `next`: the repair for a block that a chance magic match inside its data split in two.
    func merged(with next: Piece) -> Piece {
        var writer = BitWriter(capacity: (bitCount + next.bitCount) / 8 + 1)
        bits.withUnsafeBufferPointer { writer.append($0, from: 0, count: bitCount) }
        next.bits.withUnsafeBufferPointer { writer.append($0, from: 0, count: next.bitCount) }
        var piece = next
        piece.level = level
        piece.bits = writer.finish()
        piece.bitCount = bitCount + next.bitCount
        piece.offset = offset
        return piece
    }
}

/// What libbz2 made of a piece's standalone stream.
struct DecodeResult: Sendable {
    enum Outcome: Equatable, Sendable {
        /// The stream ended exactly where the input did.
        case complete
        /// The stream ended before the input did: a real end of stream lies inside the piece.
        case endedEarly
        /// The input ran out; everything in `output` passed its block CRC.
        case truncated
        /// libbz2 failed with this status; `output` is not to be trusted.
        case failed(Int32)
    }

    var output: [UInt8]
    var outcome: Outcome
}

/// Decodes a piece's standalone stream with libbz2 on the calling thread.
func decode(_ piece: Piece) -> DecodeResult {
    guard let decoder = Bzip2Decoder() else { return DecodeResult(output: [], outcome: .failed(BZ_MEM_ERROR)) }
    let stream = decoder.stream
    let scratchSize = 1 << 18
    let scratch = UnsafeMutablePointer<CChar>.allocate(capacity: scratchSize)
    defer { scratch.deallocate() }
    var input = piece.standaloneStream()
    var output: [UInt8] = []
    output.reserveCapacity(Int(piece.level &- 0x30) * 100_000)
    return input.withUnsafeMutableBytes { inputBytes in
        stream.pointee.next_in = inputBytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        stream.pointee.avail_in = UInt32(inputBytes.count)
        while true {
            stream.pointee.next_out = scratch
            stream.pointee.avail_out = UInt32(scratchSize)
            let status = BZ2_bzDecompress(stream)
            let produced = scratchSize - Int(stream.pointee.avail_out)
            output.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: produced))
            switch status {
            case BZ_STREAM_END:
                return DecodeResult(output: output, outcome: stream.pointee.avail_in == 0 ? .complete : .endedEarly)
            case BZ_OK:
                if stream.pointee.avail_out > 0 && stream.pointee.avail_in == 0 {
                    return DecodeResult(output: output, outcome: .truncated)
                }
            default:
                return DecodeResult(output: output, outcome: .failed(status))
            }
        }
    }
}

/// `count` (at most 57) bits of `bytes` from bit `position` on, most significant first, as in bzip2.
func readBits(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int, count: Int) -> UInt64 {
    let last = (position + count - 1) >> 3
    var value: UInt64 = 0
    for index in (position >> 3)...last { value = value << 8 | UInt64(bytes[index]) }
    let trailing = (last + 1) * 8 - position - count
    return (value >> UInt64(trailing)) & ((1 << UInt64(count)) - 1)
}

/// Builds a byte array bit by bit, most significant bit first.
struct BitWriter {
    private var bytes: [UInt8] = []
    private var pending: UInt64 = 0
    private var pendingBits = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Appends the low `count` (at most 56) bits of `value`.
    mutating func write(_ value: UInt64, bits count: Int) {
        pending = pending &<< UInt64(count) | value
        pendingBits += count
        while pendingBits >= 8 {
            pendingBits -= 8
            bytes.append(UInt8(truncatingIfNeeded: pending >> UInt64(pendingBits)))
        }
    }

    /// Appends `count` bits of `source` starting at bit `start`.
    mutating func append(_ source: UnsafeBufferPointer<UInt8>, from start: Int, count: Int) {
        var position = start
        var remaining = count
        if pendingBits == 0 && remaining >= 8 {
            // Byte-aligned output: whole bytes at once, shifted when the source is not aligned.
            let whole = remaining / 8
            let first = position >> 3
            let shift = UInt8(position & 7)
            if shift == 0 {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[first..<first + whole]))
            } else {
                let old = bytes.count
                bytes.append(contentsOf: repeatElement(0, count: whole))
                bytes.withUnsafeMutableBufferPointer { out in
                    for index in 0..<whole {
                        out[old + index] = source[first + index] << shift | source[first + index + 1] >> (8 - shift)
                    }
                }
            }
            position += whole * 8
            remaining -= whole * 8
        }
        while remaining > 0 {
            let n = min(remaining, 32)
            write(readBits(source, at: position, count: n), bits: n)
            position += n
            remaining -= n
        }
    }

    /// The bytes written, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
        if pendingBits > 0 { write(0, bits: 8 - pendingBits) }
        return bytes
    }
}
